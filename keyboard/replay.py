"""Headless replay: run a recording's gaze through the live pipeline, the recorded
layout and select events standing for the UI. Used by `gazetype replay`."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from calibration import make_calibrator
from tracker.events import LayoutEvent, MarkerEvent, OffsetEvent, SelectEvent
from tracker.recording import Header, open_reader
from tracker.sample import GazeSample

from .dwell import DwellConfig, DwellEngine
from .pipeline import GazePipeline, Step
from .text import TextBuffer


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


def replay(path, *, dwell: DwellConfig | None = None, autocal: bool = False,
           speed: float | None = None, on_event: Callable[[object, Step | None], None] | None = None,
           sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> ReplayResult:
    """Replay `path` (a v1 recording or a LabRecorder .xdf file). `speed=None` runs as
    fast as possible; otherwise events are paced at `speed` x real time.
    `on_event(event, step)` sees every event (for --show)."""
    reader = open_reader(path)
    pipeline = GazePipeline(DwellEngine(config=dwell),
                            calibrator=make_calibrator(reader.header.screen, autocal))
    res = ReplayResult(reader.header)
    buf = TextBuffer()
    wall0 = clock()
    t0 = None
    for ev in reader:
        if speed is not None:
            if t0 is None:
                t0 = ev.t_s
            wait = (ev.t_s - t0) / speed - (clock() - wall0)
            if wait > 0:
                sleep(wait)
        step = None
        if isinstance(ev, GazeSample):
            res.samples += 1
            res.valid += ev.valid
            if res.t_first_s is None:
                res.t_first_s = ev.t_s
            res.t_last_s = ev.t_s
            step = pipeline.feed(ev)
            for sel in step.selections:
                res.selections.append((sel.t_s, sel.key_id))
                buf.apply(sel.key_id)
            if step.offset is not None:
                o = step.offset
                res.offset_estimates.append((o.t_s, o.dx_px, o.dy_px))
                res.final_offset = (o.dx_px, o.dy_px)
        elif isinstance(ev, LayoutEvent):
            pipeline.on_layout(ev)
        elif isinstance(ev, SelectEvent):
            res.recorded_selections += 1
            pipeline.on_select(ev)
        elif isinstance(ev, (MarkerEvent, OffsetEvent)):
            pass  # recorded estimates are not inputs: the replay estimates afresh
        if on_event is not None:
            on_event(ev, step)
    res.typed_text = buf.text
    return res
