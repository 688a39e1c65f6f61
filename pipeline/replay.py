"""Headless replay: run a recording's gaze through the pipeline its header describes
(`pipeline.spec`: the same builder as the live app), the recorded layout events
standing for the screen, and apply what the replay selects to the same headless
keyboard model the window drives, so every key does what it did live. Used by
`gazetype replay` (plain and `--show`)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from gazetype.keyboard.dwell import DwellConfig
from gazetype.keyboard.layout import STUDY_LAYOUT, LayoutError
from gazetype.keyboard.predict import NoPredictor
from gazetype.pipeline import spec as specs
from gazetype.pipeline.pipeline import HOLD_MARKER, Step
from gazetype.pipeline.session import TypingSession
from gazetype.recording import open_reader
from gazetype.recording.v1 import Header
from gazetype.tracker.events import LayoutEvent, MarkerEvent, SelectEvent
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
    autocal: bool = False  # the replay corrected the offset (as recorded, or as asked)

    def to_json(self) -> dict:
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
        if self.autocal:
            d["final_offset"] = [round(v, 2) for v in self.final_offset] if self.final_offset else [0.0, 0.0]
            d["offset_estimates"] = [[round(t, 4), round(dx, 2), round(dy, 2)]
                                     for t, dx, dy in self.offset_estimates]
        return d


class Replayer:
    """Feeds one recorded event at a time through the pipeline the recording ran (no
    clock, no I/O). `dwell` and `autocal` (None: as recorded) replay with another dwell
    time or with the correction switched; the rest is always as recorded."""

    def __init__(self, header: Header, *, dwell: DwellConfig | None = None, autocal: bool | None = None) -> None:
        spec = specs.from_header(header)
        if dwell is not None:
            spec = spec.with_changes(dwell_s=dwell.dwell_s, lockon_s=dwell.lockon_s,
                                     keep_partial_s=dwell.keep_partial_s)
        self._override = {k: v for k, v in (("autocal", autocal),) if v is not None}
        if dwell is not None:
            self._override.update(dwell_s=dwell.dwell_s, lockon_s=dwell.lockon_s, keep_partial_s=dwell.keep_partial_s)
        self.spec = spec = spec.with_changes(**self._override)
        self.screen = header.screen
        # The recording holds gaze as reported: any induced offset is in it already.
        try:
            model = specs.build_model(spec, header.screen, predictor=NoPredictor())
        except LayoutError:
            # A layout file of the recording machine's that is not here: what a key does does
            # not depend on the layout (the recorded layouts give the keys), so any layout serves.
            model = specs.build_model(spec.with_changes(layout=STUDY_LAYOUT), header.screen, predictor=NoPredictor())
        self.session = TypingSession(model, specs.build_pipeline(spec, header.screen, induce=False))
        self.pipeline = self.session.pipeline
        self.model = self.session.model
        self.result = ReplayResult(header, autocal=spec.autocal)
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
            m = self.model
            if m.clear_armed_until is not None or m.wake_armed_until is not None:
                m.tick(ev.t_s)  # a clear or wake waiting for its second dwell lapses, as live
            step = self._feed(ev)
            if self._pending is not None:
                if (any(sel.key_id == self._pending[1] for sel in step.selections)
                        or ev.t_s - self._pending[0] > SELECT_WAIT_S):
                    self._release()
            if step.selections:
                self._recent = [(sel.t_s, sel.key_id) for sel in step.selections]
                for sel in step.selections:
                    res.selections.append((sel.t_s, sel.key_id))
                    self.model.select(sel.key_id, sel.t_s)
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
            mine = any(k == ev.key_id and ev.t_s - t <= SELECT_WAIT_S for t, k in self._recent)
            if ev.source != "dwell":
                self.model.select(ev.key_id, ev.t_s)  # the operator's keys: no gaze to re-detect them from
            elif not mine:
                self._pending = (ev.t_s, ev.key_id)
        elif isinstance(ev, MarkerEvent):
            if ev.label == HOLD_MARKER:  # paused or a dialog open live: nothing selected here either
                self.pipeline.paused = bool(ev.data.get("paused"))
                self.pipeline.held = bool(ev.data.get("held"))
                return None
            new = specs.spec_of_marker(ev)
            if new is not None:  # the settings changed live: change the replay the same way
                new = new.with_changes(**self._override)
                specs.reconfigure(self.session, self.spec, new, ev.t_s, screen=self.screen)
                self.spec = new
        # OffsetEvent: recorded estimates are not inputs; replay estimates afresh.
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
        res.typed_text = self.model.buffer.text
        return res


# A pause in a paced replay longer than this (wall seconds) is skipped: a tracker paused
# overnight, or a damaged time 1e8 s ahead, must not keep `replay --speed X` asleep for days.
MAX_PAUSE_S = 5.0


def replay(path, *, dwell: DwellConfig | None = None, autocal: bool | None = None,
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
