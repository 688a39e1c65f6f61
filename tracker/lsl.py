"""Gaze from a Lab Streaming Layer stream: `--tracker lsl[:NAME[@WHICH]]`.

Resolves a stream of content type `Gaze` (XDF gaze meta-data) or `Eyetracker` (the
common Tobii LSL app), named NAME if given, and reads it on a background thread.
Two streams of that name from different senders are refused with one line listing
them; `NAME@WHICH` picks the one whose source_id or hostname is WHICH.
Sample times are the LSL timestamps plus the inlet's `time_correction()` (so a
stream from another machine lands on our clock), converted to the tracker clock.
Timestamps that are still far from our clock (more than `_AHEAD_S` ahead or
`_BEHIND_S` behind: the sender stamps with some other clock) are moved onto it by
their arrival time; a sample older than the one before is dropped (a jump back of
more than `_JUMP_S` re-bases the times instead). Both are counted
(`time_remaps`, `out_of_order`) and logged once.

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

import logging
import math
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from gazetype.tracker.base import ReaderRun, Tracker, TrackerError
from gazetype.tracker.calremote import RemoteCalibration, calibration_endpoint
from gazetype.tracker.clock import clock_offset_s
from gazetype.tracker.gazechannels import GAZE_TYPES, OUT_SOURCE_PREFIX, Channel, GazeLayout, GazeLayoutError
from gazetype.tracker.registry import register
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

_RESOLVE_POLL_S = 0.05  # how often the background resolver's results are looked at
_TC_EVERY_S = 5.0  # refresh the clock offset this often
_RESOLVER_FORGET_S = 5.0  # a vanished outlet stays in the resolver's results this long
_RESOLVE_SETTLE_S = 0.6  # after the first stream is seen, wait this long for others of the same name
# (a continuous resolver asks every 0.5 s; on loopback a second stream often answers only the second wave)
_AHEAD_S = 1.0  # a sample time this far ahead of our clock is not on it
_BEHIND_S = 30.0  # nor one this far behind it
_JUMP_S = 1.0  # a step back in time larger than this is the sender's clock jumping, not disorder
_CHUNK_MAX = 1024  # samples taken from the inlet at once
_NUMPY_ROWS = 32  # chunks of this many rows or more are converted with numpy

log = logging.getLogger("gazetype.tracker.lsl")


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
    """The XPath predicate (liblsl resolve_bypred) for gaze streams, or the stream `name`.
    `NAME@WHICH` also matches the stream NAME whose source_id or hostname is WHICH (and,
    so that a name with an @ still works, a stream named exactly `NAME@WHICH`)."""
    if name:
        pred = f"name={_xpath_literal(name)}"
        if "@" in name:
            base, which = name.rsplit("@", 1)
            w = _xpath_literal(which)
            pred += f" or (name={_xpath_literal(base)} and (source_id={w} or hostname={w}))"
        return pred
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


def _sender(info) -> tuple[str, str]:
    return (info.source_id(), info.hostname())


def pick_stream(found: list, pinned: tuple[str, str] | None = None):
    """The stream to connect to among `found` (pylsl StreamInfos), or a TrackerError.

    The best-ranked name wins; if several senders (source_id, hostname) publish that
    name, the one `pinned` (the sender connected before) is taken, else the choice is
    refused with one line that lists them and how to pick one. Entries of one sender
    (a restarted outlet lingers in the resolver for a few seconds): the newest."""
    best = sorted(found, key=_rank)[0]
    same = [i for i in found if i.name() == best.name()]
    senders: dict[tuple[str, str], list] = {}
    for i in same:
        senders.setdefault(_sender(i), []).append(i)
    if len(senders) > 1:
        if pinned in senders:
            same = senders[pinned]
        else:
            raise TrackerError(ambiguous_message(best.name(), [v[0] for v in senders.values()]))
    return max(same, key=lambda i: i.created_at())


def ambiguous_message(name: str, infos: list) -> str:
    ids = [i.source_id() for i in infos]
    hosts = [i.hostname() for i in infos]
    listed, choices = [], []
    for i in sorted(infos, key=_sender):
        sid, host = i.source_id(), i.hostname()
        if sid and ids.count(sid) == 1:
            choices.append(f"lsl:{name}@{sid}")
        elif host and hosts.count(host) == 1:
            choices.append(f"lsl:{name}@{host}")
        listed.append(f"source_id {sid or '(none)'} on {host or '?'}")
    how = (f"choose one with --tracker {' or '.join(choices)}" if len(choices) == len(infos)
           else "they cannot be told apart by source_id or host: rename one")
    return f"{len(infos)} LSL streams are named {name!r} ({'; '.join(listed)}); {how}"


def find_gaze_streams(wait_s: float = 1.0, name: str | None = None) -> list:
    """pylsl StreamInfos of gaze streams visible now (waits the whole `wait_s`)."""
    pylsl = pylsl_module()
    return sorted(pylsl.resolve_bypred(gaze_predicate(name), 0, wait_s), key=_rank)


@register("lsl")
class LslTracker(Tracker):
    """A gaze stream on LSL. `arg`/`name`: the stream name, or NAME@SOURCE_ID_OR_HOST
    (default: the first gaze stream)."""

    description = "a gaze stream on Lab Streaming Layer (type Gaze or Eyetracker)"
    calibration_note = ("calibration is done in the sender's software (the program that publishes the stream; "
                        "the gazetype Tobii bridge offers calibration from here)")
    may_calibrate = True
    pushes = True

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
        self.calibration_endpoint: tuple[str, int] | None = None  # a calibration server (the Tobii bridge)
        self.time_remaps = 0  # times the sender's timestamps were moved onto our clock
        self.out_of_order = 0  # samples dropped for being older than the one before
        self._chunk_dtype = None  # numpy type of the connected stream's values (None: strings)
        self._warned: set[str] = set()

    # -- lifecycle -------------------------------------------------------------
    def _open(self) -> None:
        pylsl = pylsl_module()
        what = f"LSL stream {self.stream_name!r}" if self.stream_name else "LSL gaze stream"
        self.status = f"searching for {what}"
        run = self._start_reader(lambda run: self._reader(pylsl, run), "gazetype-lsl-in")
        if self.wait_s > 0:
            run.first.wait(self.wait_s)
            if run.error is not None or not run.first.is_set():
                error = run.error
                self._stop_reader(run)
                if error is not None:
                    raise TrackerError(error)
                raise TrackerError(f"no {what} found within {self.wait_s:g} s (looked for content type "
                                   f"{' or '.join(GAZE_TYPES)}); is the sender running? "
                                   "'gazetype trackers' lists the streams visible from here")

    @classmethod
    def discover(cls) -> list[str]:
        return [describe_info(i) for i in find_gaze_streams(1.0)]

    def calibration(self):
        """The sender's calibration when it offers one (the Tobii bridge advertises a
        server in <desc><calibration>; it listens on its own machine only)."""
        ep = self.calibration_endpoint
        if ep is None:
            return None
        host = self.stream_info.get("hostname")
        if host and host != socket.gethostname():
            self.calibration_note = (f"the Tobii bridge on {host} calibrates only from its own machine: "
                                     f"run 'gazetype calibrate --tracker lsl:{self.stream_info.get('name')}' there")
            return None
        return RemoteCalibration(ep[0], ep[1], self.screen.width_px, self.screen.height_px)

    def _warn_once(self, kind: str, msg: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            log.warning("%s", msg)

    # -- the reader thread -------------------------------------------------------
    def _reader(self, pylsl, run: ReaderRun) -> None:
        # What this run is after: the name asked for, pinned to the first stream's name
        # (and sender) once connected. Local to the run: a restart starts afresh.
        want = {"name": self.stream_name, "sender": None, "last_t": -math.inf}
        # uid -> time until which the resolver's entry is ignored: a lost outlet lingers in
        # the resolver for a few seconds (a restarted sender has a new uid).
        skip: dict[str, float] = {}
        while not run.stopped:
            try:
                self._cycle(pylsl, run, want, skip)
            except Exception as e:  # never let the reader die silently: say so, try again
                self._set_status(run, f"error: {type(e).__name__}: {e}")
                self._emit(GazeSample.invalid(max(self.clock(), want["last_t"])), run)
                run.wait(1.0)

    def _cycle(self, pylsl, run: ReaderRun, want: dict, skip: dict[str, float]) -> None:
        """Resolve, connect, read until the stream is lost (or stop)."""
        try:
            info = self._resolve(pylsl, run, want, skip)
        except TrackerError as e:
            # Ambiguous: said at once in the status; start() raises it if it persists
            # through wait_s (a restarted sender's old entry may just be lingering).
            run.error = str(e)
            self._set_status(run, f"error: {e}")
            run.wait(0.5)
            return
        if info is None:
            return
        try:
            inlet, layout = self._connect(pylsl, run, info)
        except GazeLayoutError as e:
            self._set_status(run, f"error: {e}")
            run.fail(str(e))
            skip[info.uid()] = float("inf")  # its channels will not change
            return
        except _lost_errors(pylsl):
            skip[info.uid()] = time.monotonic() + _RESOLVER_FORGET_S
            return
        # From now on resume only with a stream of the same name (and sender).
        want["name"] = want["name"] if want["name"] and "@" in want["name"] else info.name()
        want["sender"] = _sender(info)
        try:
            self._read(pylsl, run, inlet, layout, info.name(), want)  # returns when lost or stopped
            skip[info.uid()] = time.monotonic() + _RESOLVER_FORGET_S
        finally:
            try:
                inlet.close_stream()
            except Exception:
                pass

    def _resolve(self, pylsl, run: ReaderRun, want: dict, skip: dict[str, float]):
        # A continuous resolver never blocks, so stop() is honoured at once (a one-shot
        # resolve_bypred with a timeout under 1 s blocks for 5.5 s in liblsl 1.18).
        resolver = pylsl.ContinuousResolver(pred=gaze_predicate(want["name"]), forget_after=_RESOLVER_FORGET_S)
        seen_at = None
        while not run.stopped:
            now = time.monotonic()
            found = [i for i in resolver.results() if skip.get(i.uid(), 0.0) < now]
            if found:
                if seen_at is None:  # let other streams of the same name answer too
                    seen_at = now
                elif now - seen_at >= _RESOLVE_SETTLE_S:
                    return pick_stream(found, want["sender"])
            run.wait(_RESOLVE_POLL_S)
        return None

    def _connect(self, pylsl, run: ReaderRun, info):
        inlet = pylsl.StreamInlet(info, recover=False)
        full = inlet.info(timeout=2.0)
        layout = GazeLayout.from_channels(channels_from_info(full), full.channel_count(), full.type(), full.name())
        inlet.open_stream(timeout=2.0)
        if run.stopped:  # abandoned meanwhile: leave the tracker's state to the current run
            return inlet, layout
        self.layout = layout
        self._chunk_dtype = _numpy_dtype(pylsl, full.channel_format())
        rate = full.nominal_srate()
        self.nominal_rate_hz = rate if rate > 0 else None
        self.calibration_endpoint = calibration_endpoint(full)
        self.stream_info = {"name": full.name(), "type": full.type(), "source_id": full.source_id(),
                            "hostname": full.hostname(), "channels": full.channel_count(),
                            "layout": layout.describe()}
        return inlet, layout

    def _read(self, pylsl, run: ReaderRun, inlet, layout: GazeLayout, name: str, want: dict) -> None:
        # LSL time -> tracker clock (0 on Linux with the default clock: both CLOCK_MONOTONIC).
        off = clock_offset_s(self.clock, pylsl.local_clock)
        rate_s = f" {self.nominal_rate_hz:g} Hz" if self.nominal_rate_hz else ""
        ok_status = f"lsl: {name}{rate_s}"
        self._set_status(run, ok_status)
        if run.stopped:
            return
        self.connections += 1
        run.error = None
        run.first.set()
        # The clock offset to the sender is asked for on a thread of its own (liblsl's
        # first estimate takes up to a second, and the gaze must not wait behind it, as
        # it did); until it is known the samples are timed by their arrival.
        util = getattr(pylsl, "util", pylsl)
        tc = _TimeCorrection(inlet, getattr(util, "LostError", ()), run)
        try:
            self._pull(pylsl, run, inlet, layout, name, want, tc, off, ok_status, rate_s)
        finally:
            tc.stop()

    def _pull(self, pylsl, run: ReaderRun, inlet, layout: GazeLayout, name: str, want: dict,
              tc: "_TimeCorrection", off: float, ok_status: str, rate_s: str) -> None:
        lost = _lost_errors(pylsl)
        clock = self.clock
        emit = self._emit
        remap = 0.0  # added when the sender's timestamps are not on its LSL clock
        last_data = clock()
        last_t = want["last_t"]  # the newest sample time emitted in this run
        stalled = False
        screen = self.screen
        read_row = layout.row_reader(screen)
        arrival = math.inf  # until the offset is known: min over chunks of (arrival - stamp)
        last_ts = -math.inf  # the sender's time stamp of the newest sample emitted
        # A chunk lands in one buffer of the stream's own type and is converted at once.
        buf = None
        if self._chunk_dtype is not None:
            import numpy as np
            buf = np.empty((_CHUNK_MAX, layout.n_channels), dtype=self._chunk_dtype)
        while not run.stopped:
            try:
                # pull_chunk with a timeout waits the whole timeout (50 ms mean latency at
                # 0.1 s); block on one sample instead, then take what else is there.
                first, ts0 = inlet.pull_sample(timeout=0.1)
                if ts0 is None:
                    rows, stamps = None, []
                elif not inlet.samples_available():
                    rows, stamps = [first], [ts0]
                elif buf is not None:
                    _, more = inlet.pull_chunk(timeout=0.0, max_samples=_CHUNK_MAX - 1, dest_obj=buf[1:])
                    buf[0] = first
                    rows, stamps = buf[:1 + len(more)], [ts0, *more]
                else:
                    rows, stamps = inlet.pull_chunk(timeout=0.0, max_samples=_CHUNK_MAX)
                    rows.insert(0, first)
                    stamps.insert(0, ts0)
            except lost:
                self._set_status(run, "lost: reconnecting")
                emit(GazeSample.invalid(max(clock(), last_t)), run)
                want["last_t"] = last_t
                return
            now = clock()
            if stamps:
                if stalled:
                    stalled = False
                    self._set_status(run, ok_status)
                last_data = now
                known = tc.value
                if known is None:
                    arrival = min(arrival, now - stamps[-1])
                    shift = arrival
                else:
                    arrival = math.inf
                    shift = known + off
                # The common case at once: the chunk in order, on our clock, after the last one.
                times = [ts + shift + remap for ts in stamps]
                if (last_t <= times[0] and now - _BEHIND_S <= times[-1] <= now + _AHEAD_S
                        and (len(times) == 1 or times == sorted(times))):
                    # numpy pays off from a few dozen rows (a backlog); live, chunks are 1 to 3
                    samples = (layout.to_samples(times, rows, screen) if buf is not None and len(stamps) >= _NUMPY_ROWS
                               else [read_row(t, r) for t, r in zip(times, rows)])
                    for smp in samples:
                        emit(smp, run)
                    last_t, last_ts = times[-1], stamps[-1]
                else:
                    for values, ts in zip(rows, stamps):
                        t = ts + shift + remap
                        if not now - _BEHIND_S <= t <= now + _AHEAD_S or t < last_t - _JUMP_S:
                            # Not on our clock: from here on, arrival time is the time (the newest
                            # sample of the chunk arrived now; if that puts this one out of order,
                            # this one arrived now).
                            new_remap = now - (stamps[-1] + shift)
                            if not last_t <= ts + shift + new_remap <= now:
                                new_remap = max(now, last_t) - (ts + shift)
                            self.time_remaps += 1
                            self._warn_once("remap", f"lsl: stream {name!r}: timestamps are {t - now:+.6g} s "
                                            "from this machine's clock after LSL time correction; using the "
                                            "arrival times instead")
                            remap = new_remap
                            t = ts + shift + remap
                            ok_status = f"lsl: {name}{rate_s}, timestamps re-mapped"
                            self._set_status(run, ok_status)
                        if t < last_t:
                            if ts >= last_ts:
                                # In order on the sender's clock: a better estimate of the offset
                                # (a faster arrival, or the offset now known) moved it back. Kept.
                                t = last_t
                            else:
                                self.out_of_order += 1
                                self._warn_once("order", f"lsl: stream {name!r}: a sample is {last_t - t:.6g} s "
                                                "older than the one before; dropped (further ones are counted)")
                                continue
                        last_t, last_ts = t, ts
                        emit(read_row(t, values), run)
                want["last_t"] = last_t
                if self.batch_s > 0:
                    # Gather what arrives in the next batch_s (one wake-up of this thread
                    # and of the consumer for all of it, not one per sample).
                    run.wait(self.batch_s)
            elif not stalled and now - last_data > self.stall_s:
                stalled = True
                self._set_status(run, f"no data from {name}")
                last_t = max(now, last_t)
                want["last_t"] = last_t
                emit(GazeSample.invalid(last_t), run)


def _numpy_dtype(pylsl, fmt: int):
    """The numpy type of a numeric LSL channel format (None for strings)."""
    import numpy as np
    return {pylsl.cf_float32: np.float32, pylsl.cf_double64: np.float64, pylsl.cf_int8: np.int8,
            pylsl.cf_int16: np.int16, pylsl.cf_int32: np.int32,
            getattr(pylsl, "cf_int64", -99): np.int64}.get(fmt)


class _TimeCorrection:
    """`inlet.time_correction()` on a thread of its own: the first estimate (liblsl
    takes up to a second for it), then again every `_TC_EVERY_S`. `value` is None until
    known. liblsl's inlet answers this from one thread while another pulls samples (as
    LabRecorder does)."""

    def __init__(self, inlet, lost, run: ReaderRun) -> None:
        self.value: float | None = None
        self._inlet, self._lost, self._run = inlet, lost, run
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="gazetype-lsl-timecorrection", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        wait_s = 0.0
        while not (self._stop.wait(wait_s) or self._run.stopped):
            try:
                # Short waits, so that stop() never waits long for this thread; liblsl
                # goes on estimating between the calls.
                self.value = self._inlet.time_correction(timeout=0.2)
                wait_s = _TC_EVERY_S
            except self._lost:
                return  # a real loss shows in the reader's pull
            except Exception:  # a timeout: not known yet (the samples keep their arrival times)
                wait_s = 0.0

    def stop(self) -> None:
        """Stop asking; the inlet may be closed after this returns."""
        self._stop.set()
        self._thread.join(timeout=1.0)
