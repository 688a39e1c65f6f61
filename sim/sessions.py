"""Closed-loop simulated sessions: a simulated person against the live headless
pipeline, with ground truth.

`run_typing` drives a `CompensatingTypist` on a `TypingSession`; `run_reading` a
`TextReader` on pages of text with no keyboard. Both take any calibrator (or None
for no correction), an offset model (the simulated tracker's error) and an optional
recorder, and sample on a fixed grid the tracking error: the published offset
estimate minus the true offset. Used by the autocalibration benchmark and tests,
and by `gazetype record --script`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from gazetype.pipeline.spec import PipelineSpec, build_pipeline, build_session
from gazetype.sim.gaze import SimConfig, SimGaze
from gazetype.sim.reader import SAMPLE_TEXT, ReadingPages, TextReader
from gazetype.sim.typists import CompensatingTypist
from gazetype.tracker.offset import OffsetModel
from gazetype.tracker.screen import Screen

PHRASES = ["the quick brown fox jumps", "over the lazy dog", "my watch fell in the water",
           "prevailing wind from the east", "never too rich and never too thin"]


@dataclass
class Run:
    times: list[float] = field(default_factory=list)
    err_px: list[float] = field(default_factory=list)  # |estimate - true offset|
    true: list[tuple[float, float]] = field(default_factory=list)
    est: list[tuple[float, float]] = field(default_factory=list)
    reading_s: list[float] = field(default_factory=list)  # cumulative reading time at each grid time
    text: str = ""
    n_offsets: int = 0

    def mean(self, t_from: float = 0.0) -> float:
        v = [e for t, e in zip(self.times, self.err_px) if t >= t_from]
        return sum(v) / len(v) if v else math.nan

    @property
    def final(self) -> float:
        return self.err_px[-1] if self.err_px else math.nan

    def settle(self, t_from: float, tol_px: float) -> tuple[float, float] | None:
        """(seconds, reading seconds) from t_from until the error stays within tol."""
        last_bad = None
        for t, e in zip(self.times, self.err_px):
            if t >= t_from and e > tol_px:
                last_bad = t
        idx = [i for i, t in enumerate(self.times) if t >= t_from]
        if not idx:
            return None
        if last_bad is None:
            return 0.0, 0.0
        if last_bad >= self.times[-1]:
            return None
        i_ok = next(i for i in idx if self.times[i] > last_bad)
        return self.times[i_ok] - t_from, self.reading_s[i_ok] - self.reading_s[idx[0]]


def _drive(gaze, feed, pipeline, offset, duration_s, run, log, kinds, step_s=0.25):
    t_next = 0.0
    read_acc, li = 0.0, 0
    for s in gaze.until(duration_s):
        feed(s)
        if s.t_s >= t_next:
            while li < len(log) and log[li][0] + log[li][1] <= s.t_s:
                if log[li][2] in kinds:
                    read_acc += log[li][1]
                li += 1
            ox, oy = offset.at(s.t_s)
            e = pipeline.offset
            ex, ey = (e.dx_px, e.dy_px) if e is not None else (0.0, 0.0)
            run.times.append(s.t_s)
            run.err_px.append(math.hypot(ex - ox, ey - oy))
            run.true.append((ox, oy))
            run.est.append((ex, ey))
            run.reading_s.append(read_acc)
            t_next += step_s
    return run


def run_typing(calibrator, offset: OffsetModel, *, seed: int = 0, duration_s: float = 120.0,
               compensation: float = 1.0, screen: Screen | None = None, rate_hz: float = 120.0,
               phrases=PHRASES, dwell_s: float = 0.8, recorder=None, glance_char_p: float = 0.8,
               sim_config: SimConfig | None = None) -> Run:
    screen = screen or Screen()
    spec = PipelineSpec(tracker="sim", dwell_s=dwell_s, font_px=48.0 * screen.height_px / 1080)
    session = build_session(spec, screen, calibrator=calibrator, recorder=recorder)
    model, pipeline = session.model, session.pipeline
    session.start(0.0)

    def residual(t):
        ox, oy = offset.at(t)
        ax, ay = pipeline.corrector.applied
        return ox - ax, oy - ay

    typist = CompensatingTypist(model, session, list(phrases), residual=residual, compensation=compensation,
                                seed=seed, ppd=screen.px_per_deg, glance_char_p=glance_char_p)
    gaze = SimGaze(typist, screen, sim_config or SimConfig(rate_hz=rate_hz, seed=seed), offset)
    run = _drive(gaze, session.feed, pipeline, offset, duration_s, Run(), typist.log, ("glance", "proofread"))
    run.text = model.buffer.text
    return run


def run_reading(calibrator, offset: OffsetModel, *, seed: int = 0, duration_s: float = 120.0,
                screen: Screen | None = None, rate_hz: float = 120.0, font_deg: float = 0.8,
                pages=None, recorder=None, sim_config: SimConfig | None = None) -> Run:
    screen = screen or Screen()
    w, h = screen.width_px, screen.height_px
    box = (0.1 * w, 0.15 * h, 0.9 * w, 0.85 * h)
    rp = ReadingPages(pages or [SAMPLE_TEXT], box, font_px=font_deg * screen.px_per_deg)
    pipeline = build_pipeline(PipelineSpec(tracker="sim"), screen, calibrator=calibrator, recorder=recorder)
    reader = TextReader(rp, screen, seed=seed)
    rp.start(0.0)

    def feed(s):
        for ev in rp.take_events():
            pipeline.on_layout(ev)
        pipeline.feed(s)

    gaze = SimGaze(reader, screen, sim_config or SimConfig(rate_hz=rate_hz, seed=seed), offset)
    return _drive(gaze, feed, pipeline, offset, duration_s, Run(), reader.log,
                  ("read", "regression", "sweep", "correct"))
