"""Gaze from a Lab Streaming Layer stream: `--tracker lsl[:NAME]`.

Resolves a stream of content type `Gaze` (XDF gaze meta-data) or `Eyetracker` (the
common Tobii LSL app), named NAME if given, and reads it on a background thread.
Sample times are the LSL timestamps plus the inlet's `time_correction()` (so a
stream from another machine lands on our clock), converted to the tracker clock.

Connection states, shown in `status`: "searching for LSL gaze stream", "lsl: NAME
120 Hz", "no data from NAME" (the stream is there but silent for `stall_s`), "lost:
reconnecting" (the outlet went away; resolving again, same stream name). On loss
and stall one invalid sample is emitted so nothing keeps dwelling on stale gaze.

`start()` waits up to `wait_s` for the first stream and raises `TrackerError` if
none appears (for the CLI). With `wait_s=0` it returns at once and keeps searching
in the background (for the GUI: resolution blocks, so never on the GUI thread).

Streams gazetype publishes itself (`--lsl-out`, source_id starting with
"gazetype-out") are skipped unless named, so the app never reads its own output.
Needs pylsl (imported on first use); the LSL configuration file is liblsl's
(env LSLAPICFG), read when pylsl is first imported.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from gazetype.tracker.base import Tracker, TrackerError
from gazetype.tracker.clock import clock_offset_s
from gazetype.tracker.gazechannels import GAZE_TYPES, OUT_SOURCE_PREFIX, Channel, GazeLayout, GazeLayoutError
from gazetype.tracker.registry import register
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

_RESOLVE_POLL_S = 0.05  # how often the background resolver's results are looked at
_TC_EVERY_S = 5.0  # refresh the clock offset this often
_RESOLVER_FORGET_S = 5.0  # a vanished outlet stays in the resolver's results this long


_QUIET_CFG = Path(__file__).with_name("lsl_quiet.cfg")
_USER_CFGS = ("lsl_api.cfg", "~/lsl_api/lsl_api.cfg", "/etc/lsl_api/lsl_api.cfg")


def _quiet_liblsl() -> None:
    """liblsl logs its start-up to stderr at INFO level; keep our one-line output clean.
    Only when the user has no LSL configuration of their own, which always wins."""
    if "LSLAPICFG" in os.environ or any(Path(p).expanduser().exists() for p in _USER_CFGS):
        return
    os.environ["LSLAPICFG"] = str(_QUIET_CFG)


def pylsl_module():
    """pylsl, or a TrackerError saying how to get it."""
    try:
        _quiet_liblsl()
        import pylsl
    except Exception as e:  # ImportError, or RuntimeError when liblsl cannot be loaded
        raise TrackerError(f"Lab Streaming Layer is not available ({type(e).__name__}: {e}); "
                           "install pylsl (pip install pylsl) or set PYLSL_LIB to a liblsl library") from None
    return pylsl


def _lost_errors(pylsl) -> tuple[type[BaseException], ...]:
    util = getattr(pylsl, "util", pylsl)
    return tuple(t for t in (getattr(util, "LostError", None), getattr(util, "TimeoutError", None)) if t)


def _xpath_literal(s: str) -> str:
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    raise TrackerError(f"LSL stream name {s!r} contains both quote characters; rename the stream")


def gaze_predicate(name: str | None = None) -> str:
    """The XPath predicate (liblsl resolve_bypred) for gaze streams, or the stream `name`."""
    if name:
        return f"name={_xpath_literal(name)}"
    low = "translate(type,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')"
    types = " or ".join(f"{low}='{t.lower()}'" for t in GAZE_TYPES)
    return f"({types}) and not(starts-with(source_id,'{OUT_SOURCE_PREFIX}'))"


def channels_from_info(info) -> list[Channel]:
    """The <desc><channels> meta-data of a full pylsl StreamInfo (from `inlet.info()`)."""
    out = []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        out.append(Channel(ch.child_value("label"), ch.child_value("eye"), ch.child_value("type"),
                           ch.child_value("unit")))
        ch = ch.next_sibling("channel")
    return out


def screen_from_info(info) -> dict[str, float] | None:
    """The <desc><screen> element gazetype writes (width_px, height_px, ...), if any."""
    el = info.desc().child("screen")
    if el.empty():
        return None
    out = {}
    for key in ("width_px", "height_px", "width_mm", "height_mm", "distance_mm"):
        v = el.child_value(key)
        try:
            out[key] = float(v)
        except ValueError:
            continue
    return out or None


def describe_info(info) -> str:
    rate = info.nominal_srate()
    rate_s = f"{rate:g} Hz" if rate > 0 else "irregular rate"
    src = f", source_id {info.source_id()}" if info.source_id() else ""
    return (f"lsl:{info.name()}: type {info.type()}, {info.channel_count()} channels, {rate_s}, "
            f"on {info.hostname() or '?'}{src}")


def _rank(info) -> tuple:
    # Prefer XDF-style Gaze streams over the Tobii app's Eyetracker type, then by name.
    return (0 if info.type().lower() == "gaze" else 1, info.name())


def find_gaze_streams(wait_s: float = 1.0, name: str | None = None) -> list:
    """pylsl StreamInfos of gaze streams visible now (waits the whole `wait_s`)."""
    pylsl = pylsl_module()
    return sorted(pylsl.resolve_bypred(gaze_predicate(name), 0, wait_s), key=_rank)


@register("lsl")
class LslTracker(Tracker):
    """A gaze stream on LSL. `arg`/`name`: the stream name (default: the first gaze stream)."""

    description = "a gaze stream on Lab Streaming Layer (type Gaze or Eyetracker)"

    def __init__(self, screen: Screen | None = None, *, arg: str | None = None, name: str | None = None,
                 wait_s: float = 5.0, stall_s: float = 1.0, clock=None, **_) -> None:
        kw = {"clock": clock} if clock is not None else {}
        super().__init__(screen, **kw)
        self.stream_name = name or arg or None
        self.wait_s = wait_s
        self.stall_s = stall_s
        self.layout: GazeLayout | None = None
        self.stream_info: dict[str, Any] = {}  # name, type, source_id, hostname of the connected stream
        self.connections = 0  # successful connections so far (1 + reconnections)
        self._thread: threading.Thread | None = None
        self._stop_ev = threading.Event()
        self._first = threading.Event()  # set on the first connection or a fatal stream error
        self._error: str | None = None
        self._name: str | None = self.stream_name  # pinned to the first stream's name once connected

    # -- lifecycle -------------------------------------------------------------
    def _open(self) -> None:
        pylsl = pylsl_module()
        self._stop_ev = threading.Event()
        self._first = threading.Event()
        self._error = None
        what = f"LSL stream {self.stream_name!r}" if self.stream_name else "LSL gaze stream"
        self.status = f"searching for {what}"
        self._thread = threading.Thread(target=self._run, args=(pylsl,), name="gazetype-lsl-in", daemon=True)
        self._thread.start()
        if self.wait_s > 0:
            self._first.wait(self.wait_s)
            if self._error is not None or not self._first.is_set():
                self._stop_thread()
                if self._error is not None:
                    raise TrackerError(self._error)
                raise TrackerError(f"no {what} found within {self.wait_s:g} s (looked for content type "
                                   f"{' or '.join(GAZE_TYPES)}); is the sender running? "
                                   "'gazetype trackers' lists the streams visible from here")

    def _close(self) -> None:
        self._stop_thread()

    def _stop_thread(self) -> None:
        self._stop_ev.set()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=3.0)
        self._thread = None

    @classmethod
    def discover(cls) -> list[str]:
        return [describe_info(i) for i in find_gaze_streams(1.0)]

    # -- the reader thread -------------------------------------------------------
    def _run(self, pylsl) -> None:
        self._name = self.stream_name
        # uid -> time until which the resolver's entry is ignored: a lost outlet lingers in
        # the resolver for a few seconds (a restarted sender has a new uid).
        skip: dict[str, float] = {}
        while not self._stop_ev.is_set():
            try:
                self._cycle(pylsl, skip)
            except Exception as e:  # never let the reader die silently: say so, try again
                self.status = f"error: {type(e).__name__}: {e}"
                try:
                    self._emit(GazeSample.invalid(self.clock()))
                except Exception:
                    pass  # the consumer's callback itself may be what fails
                self._stop_ev.wait(1.0)

    def _cycle(self, pylsl, skip: dict[str, float]) -> None:
        """Resolve, connect, read until the stream is lost (or stop)."""
        info = self._resolve(pylsl, self._name, skip)
        if info is None:
            return
        try:
            inlet, layout = self._connect(pylsl, info)
        except GazeLayoutError as e:
            self._fail(str(e))
            skip[info.uid()] = float("inf")  # its channels will not change
            return
        except _lost_errors(pylsl):
            skip[info.uid()] = time.monotonic() + _RESOLVER_FORGET_S
            return
        # From now on resume only with a stream of the same name.
        self._name = info.name()
        try:
            self._read(pylsl, inlet, layout, info.name())  # returns when lost or stopped
            skip[info.uid()] = time.monotonic() + _RESOLVER_FORGET_S
        finally:
            try:
                inlet.close_stream()
            except Exception:
                pass

    def _fail(self, msg: str) -> None:
        self._error = msg
        self.status = f"error: {msg}"
        self._first.set()

    def _resolve(self, pylsl, name: str | None, skip: dict[str, float]):
        # A continuous resolver never blocks, so stop() is honoured at once (a one-shot
        # resolve_bypred with a timeout under 1 s blocks for 5.5 s in liblsl 1.18).
        resolver = pylsl.ContinuousResolver(pred=gaze_predicate(name), forget_after=_RESOLVER_FORGET_S)
        while not self._stop_ev.is_set():
            now = time.monotonic()
            found = [i for i in resolver.results() if skip.get(i.uid(), 0.0) < now]
            if found:
                return sorted(found, key=_rank)[0]
            self._stop_ev.wait(_RESOLVE_POLL_S)
        return None

    def _connect(self, pylsl, info):
        inlet = pylsl.StreamInlet(info, recover=False)
        full = inlet.info(timeout=2.0)
        layout = GazeLayout.from_channels(channels_from_info(full), full.channel_count(), full.type(), full.name())
        inlet.open_stream(timeout=2.0)
        self.layout = layout
        rate = full.nominal_srate()
        self.nominal_rate_hz = rate if rate > 0 else None
        self.stream_info = {"name": full.name(), "type": full.type(), "source_id": full.source_id(),
                            "hostname": full.hostname(), "channels": full.channel_count(),
                            "layout": layout.describe()}
        return inlet, layout

    def _read(self, pylsl, inlet, layout: GazeLayout, name: str) -> None:
        lost = _lost_errors(pylsl)
        clock = self.clock
        try:
            tc = inlet.time_correction(timeout=2.0)
        except lost:
            tc = 0.0
        # LSL time -> tracker clock (0 on Linux with the default clock: both CLOCK_MONOTONIC).
        off = clock_offset_s(clock, pylsl.local_clock)
        rate_s = f" {self.nominal_rate_hz:g} Hz" if self.nominal_rate_hz else ""
        ok_status = f"lsl: {name}{rate_s}"
        self.status = ok_status
        self.connections += 1
        self._error = None
        self._first.set()
        next_tc = clock() + _TC_EVERY_S
        last_data = clock()
        stalled = False
        screen = self.screen
        to_sample = layout.to_sample
        while not self._stop_ev.is_set():
            try:
                # pull_chunk with a timeout waits the whole timeout (50 ms mean latency at
                # 0.1 s); block on one sample instead, then take what else is there.
                first, ts0 = inlet.pull_sample(timeout=0.1)
                if ts0 is None:
                    chunk, stamps = [], []
                else:
                    chunk, stamps = inlet.pull_chunk(timeout=0.0, max_samples=1024)
                    chunk.insert(0, first)
                    stamps.insert(0, ts0)
            except lost:
                self.status = "lost: reconnecting"
                self._emit(GazeSample.invalid(clock()))
                return
            now = clock()
            if stamps:
                if stalled:
                    stalled = False
                    self.status = ok_status
                last_data = now
                shift = tc + off
                for values, ts in zip(chunk, stamps):
                    self._emit(to_sample(ts + shift, values, screen))
            elif not stalled and now - last_data > self.stall_s:
                stalled = True
                self.status = f"no data from {name}"
                self._emit(GazeSample.invalid(now))
            if now > next_tc:
                next_tc = now + _TC_EVERY_S
                try:
                    tc = inlet.time_correction(timeout=0.5)
                except lost:
                    pass  # keep the last estimate; a real loss shows in pull_chunk
