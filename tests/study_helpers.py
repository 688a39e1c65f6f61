"""Shared pieces for the study tests: a runner on a real SQLite study, and a stand-in
autocalibrator that reports estimates approaching the induced offset (the real
estimator is tested in its own package; here only the plumbing is)."""
from __future__ import annotations

from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.pipeline.pipeline import GazePipeline
from gazetype.pipeline.session import TypingSession
from gazetype.study.runner import StudyRunner, study_model
from gazetype.study.setup import RunOptions, prepare_run
from gazetype.tracker.events import OffsetEvent
from gazetype.tracker.screen import Screen

SCREEN = Screen()


class ApproachingCalibrator:
    """Every `every_s`, an estimate halfway from the last one to the true induced offset."""

    def __init__(self, truth, every_s: float = 0.5) -> None:
        self.truth = truth  # t_s -> (dx, dy)
        self.every_s = every_s
        self.est = (0.0, 0.0)
        self.next_t = None
        self.layouts = []

    def update(self, s):
        if self.next_t is None:
            self.next_t = s.t_s + self.every_s
        if s.t_s < self.next_t:
            return None
        self.next_t += self.every_s
        tx, ty = self.truth(s.t_s)
        self.est = (self.est[0] + 0.5 * (tx - self.est[0]), self.est[1] + 0.5 * (ty - self.est[1]))
        return OffsetEvent(s.t_s, self.est[0], self.est[1], 1.0, 10)

    def on_layout(self, ev):
        self.layouts.append(ev.region)

    def on_select(self, ev):
        pass


def approaching_factory(holder: dict):
    """A calibrator factory for StudyRunner; `holder["pipeline"]` gives the truth."""
    def factory(screen, enabled):
        from gazetype.calibration.base import NullCalibrator
        if not enabled:
            return NullCalibrator()
        p = holder["pipeline"]
        cal = ApproachingCalibrator(lambda t: p.induced.offset_at(t) if p.induced else (0.0, 0.0))
        holder.setdefault("calibrators", []).append(cal)
        return cal
    return factory


def make_runner(study_dir, participant="P01", *, tlx=False, calibrator_factory=None, validate=None, **opt):
    opts = RunOptions(str(study_dir), participant, tlx=tlx, **opt)
    ctx = prepare_run(opts, screen=SCREEN, sample_rate_hz=120.0, now_utc="2024-05-01T10:00:00Z")
    model = study_model(SCREEN)
    pipeline = GazePipeline(DwellEngine(config=DwellConfig(dwell_s=0.5)), recorder=ctx.recorder)
    typing = TypingSession(model, pipeline)
    holder = {"pipeline": pipeline}
    kw = {"calibrator_factory": calibrator_factory or approaching_factory(holder)}
    runner = StudyRunner(ctx.store, ctx.participant, ctx.session, typing, screen=SCREEN, tlx=tlx, validate=validate,
                         **kw)
    typing.start(0.0)
    return ctx, runner, holder


def type_text(runner, text, t0, dt=1.0):
    """Select the keys for `text` as the operator, one per `dt` s; returns the next time."""
    t = t0
    for ch in text:
        runner.operator_select("space" if ch == " " else ch, t)
        t += dt
    return t
