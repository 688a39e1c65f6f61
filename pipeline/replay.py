"""Headless replay: run a recording's gaze through the live pipeline, the recorded
layout and select events standing for the UI. Used by `gazetype replay`."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from gazetype.calibration import make_calibrator
from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.keyboard.predict import apply_key
from gazetype.keyboard.text import TextBuffer
from gazetype.pipeline.pipeline import GazePipeline, Step
from gazetype.recording import open_reader
from gazetype.recording.v1 import Header
from gazetype.tracker.events import LayoutEvent, SelectEvent
from gazetype.tracker.sample import GazeSample

SELECT_WAIT_S = 0.1  # how long a recorded selection's layout waits for the replay's own


@dataclass
class ReplayResult:
    header: Header
    samples: int = 0
    valid: int = 0
    t_first_s: float | None = None
    t_last_s: float | None = None
    selections: list[tuple[float, str]] = field(default_factory=list)
    recorded_selections: int = 0
    typed_text: str = ""
    offset_estimates: list[tuple[float, float, float]] = field(default_factory=list)
    final_offset: tuple[float, float] | None = None

    def to_json(self, autocal: bool) -> dict:
        dur = (self.t_last_s - self.t_first_s) if self.samples else 0.0
        d = {
            "samples": self.samples,
            "valid_fraction": round(self.valid / self.samples, 4) if self.samples else 0.0,
            "duration_s": round(dur, 3),
            "sample_rate_hz": round((self.samples - 1) / dur, 2) if dur > 0 else None,
            "source": self.header.source,
            "selections": [{"t": round(t, 4), "key": k} for t, k in self.selections],
            "recorded_selections": self.recorded_selections,
            "typed_text": self.typed_text,
        }
        if autocal:
            d["final_offset"] = [round(v, 2) for v in self.final_offset] if self.final_offset else [0.0, 0.0]
            d["offset_estimates"] = [[round(t, 4), round(dx, 2), round(dy, 2)]
                                     for t, dx, dy in self.offset_estimates]
        return d


class Replayer:
    """Feeds one recorded event at a time through a fresh pipeline (no clock, no I/O)."""

    def __init__(self, header: Header, *, dwell: DwellConfig | None = None, autocal: bool = False) -> None:
        self.pipeline = GazePipeline(DwellEngine(config=dwell),
                                     calibrator=make_calibrator(header.screen, autocal))
        self.result = ReplayResult(header)
        self.text = TextBuffer(done_inserts_newline=True)  # as the app shows it
        self.layout: dict[str, LayoutEvent] = {}  # latest layout per region, for drawing
        self._feed = self.pipeline.feed
        # The layout a recorded selection caused waits (at most SELECT_WAIT_S) for the
        # replay to make that selection too: the recording's rounded times can end a dwell
        # a sample later, and the keys the selection changed (the suggestion row) must
        # not change under it first.
        self._pending: tuple[float, str] | None = None  # (t_s, key) of the recorded selection
        self._held: list[LayoutEvent] = []
        self._recent: list[tuple[float, str]] = []  # the replay's own selections just before

    def feed(self, ev) -> Step | None:
        res = self.result
        if ev.__class__ is GazeSample or isinstance(ev, GazeSample):  # the hot path
            res.samples += 1
            if ev.valid:
                res.valid += 1
            if res.t_first_s is None:
                res.t_first_s = ev.t_s
            res.t_last_s = ev.t_s
            step = self._feed(ev)
            if self._pending is not None:
                if (any(sel.key_id == self._pending[1] for sel in step.selections)
                        or ev.t_s - self._pending[0] > SELECT_WAIT_S):
                    self._release()
            if step.selections:
                self._recent = [(sel.t_s, sel.key_id) for sel in step.selections]
                for sel in step.selections:
                    res.selections.append((sel.t_s, sel.key_id))
                    apply_key(self.text, sel.key_id)
            if step.offset is not None:
                o = step.offset
                res.offset_estimates.append((o.t_s, o.dx_px, o.dy_px))
                res.final_offset = (o.dx_px, o.dy_px)
            return step
        if isinstance(ev, LayoutEvent):
            if self._pending is not None:
                self._held.append(ev)
                return None
            self._layout(ev)
        elif isinstance(ev, SelectEvent):
            res.recorded_selections += 1
            self._release()
            self.pipeline.on_select(ev)
            mine = any(k == ev.key and ev.t_s - t <= SELECT_WAIT_S for t, k in self._recent)
            if ev.source == "dwell" and not mine:
                self._pending = (ev.t_s, ev.key)
        # MarkerEvent, OffsetEvent: recorded estimates are not inputs; replay estimates afresh.
        return None

    def _layout(self, ev: LayoutEvent) -> None:
        self.layout[ev.region] = ev
        self.pipeline.on_layout(ev)

    def _release(self) -> None:
        held, self._held, self._pending = self._held, [], None
        for ev in held:
            self._layout(ev)

    def finish(self) -> ReplayResult:
        self._release()
        res = self.result
        # Reading still in progress when the recording ends is evidence too.
        if res.t_last_s is not None:
            o = self.pipeline.calibrator.finish(res.t_last_s)
            if o is not None:
                res.offset_estimates.append((o.t_s, o.dx_px, o.dy_px))
                res.final_offset = (o.dx_px, o.dy_px)
        res.typed_text = self.text.text
        return res


# A pause in a paced replay longer than this (wall seconds) is skipped: a tracker paused
# overnight, or a damaged time 1e8 s ahead, must not keep `replay --speed X` asleep for days.
MAX_PAUSE_S = 5.0


def replay(path, *, dwell: DwellConfig | None = None, autocal: bool = False,
           speed: float | None = None, sleep: Callable[[float], None] = time.sleep,
           clock: Callable[[], float] = time.monotonic) -> ReplayResult:
    """Replay `path` (a v1 recording or a LabRecorder .xdf file). `speed=None` runs as
    fast as possible; otherwise events are paced at `speed` x real time, pauses longer
    than MAX_PAUSE_S of wall time skipped."""
    reader = open_reader(path)
    rep = Replayer(reader.header, dwell=dwell, autocal=autocal)
    feed = rep.feed
    if speed is None:
        for ev in reader:
            feed(ev)
        return rep.finish()
    wall0 = clock()
    t0 = None
    for ev in reader:
        if t0 is None:
            t0 = ev.t_s
        wait = (ev.t_s - t0) / speed - (clock() - wall0)
        if wait > MAX_PAUSE_S:  # skip the pause: go on from here as if it had passed
            t0 += wait * speed
            wait = 0.0
        if wait > 0:
            sleep(wait)
        feed(ev)
    return rep.finish()
