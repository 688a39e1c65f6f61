"""Headless study runs: the runner driven by a simulated participant (`SimUser`)
with no window. The operator's "continue" is automatic. Used by `gazetype
simulate`, `gazetype study run --tracker sim --headless` and the end-to-end tests."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from gazetype.calibration.validation import ValidationConfig
from gazetype.pipeline.spec import build_session, spec_marker
from gazetype.sim.gaze import SimGaze
from gazetype.sim.person import Feedback, SimUser, UserParams
from gazetype.sim.validation import TargetLooker
from gazetype.study.runner import Phase, StudyRunner, study_model
from gazetype.study.setup import RunContext
from gazetype.tracker.screen import Screen


@dataclass
class HeadlessResult:
    phase: Phase
    sim_s: float
    samples: int
    keys: int
    trials_done: int


class HeadlessRun:
    """The runner with a simulated participant (`params`, default `UserParams()`) on a
    simulated tracker; participants see no gaze cursor, as in the study window. Build, then `run()`.
    `speed=None` runs as fast as possible; otherwise sim time is paced at `speed` x real
    time. A trial taking longer than `max_trial_s` of sim time aborts the run."""

    def __init__(self, ctx: RunContext, *, screen: Screen, dwell_s: float | None = None, tlx: bool = False,
                 seed: int = 0, rate_hz: float = 120.0, params: UserParams | None = None,
                 speed: float | None = None, max_trial_s: float = 180.0,
                 calibrator_factory: Callable | None = None, on_key=None,
                 validate: ValidationConfig | None = None) -> None:
        if tlx:
            raise ValueError("headless runs have no questionnaire")  # the CLI refuses --tlx
        self.ctx = ctx
        self.speed = speed
        self.max_trial_s = max_trial_s
        # The same pipeline as the study window's (smoothing included), from the spec the session stored.
        spec = ctx.spec if dwell_s is None else ctx.spec.with_changes(dwell_s=dwell_s)
        self.typing = build_session(spec, screen, model=study_model(screen, spec), recorder=ctx.recorder)
        self.model, self.pipeline = self.typing.model, self.typing.pipeline
        if spec != ctx.spec:  # runs otherwise than the session stored: the recording says so
            self.pipeline.on_marker(spec_marker(spec, 0.0))
        kw = {"calibrator_factory": calibrator_factory} if calibrator_factory is not None else {}
        self.runner = StudyRunner(ctx.store, ctx.participant, ctx.session, self.typing, screen=screen,
                                  on_key=on_key, validate=validate, **kw)
        params = params or UserParams()
        self.user = SimUser(self.model, params, screen=screen, active=lambda: self.runner.phase == Phase.TRIAL,
                            feedback=Feedback(self.typing), seed=seed)
        script = self.user
        if validate is not None:  # the eyes follow the validation targets while a block runs
            runner = self.runner
            script = TargetLooker(lambda: runner.validation if runner.phase == Phase.VALIDATION else None,
                                  inner=self.user)
        self.gaze = SimGaze(script, screen, params.sim_config(rate_hz, seed))

    def run(self, sleep: Callable[[float], None] = time.sleep,
            wall: Callable[[], float] = time.monotonic) -> HeadlessResult:
        runner = self.runner
        self.typing.start(0.0)
        runner.start(0.0)
        n = keys = 0
        trial_t0 = 0.0
        cur_trial = None
        wall0 = wall()
        t = 0.0
        while runner.phase not in (Phase.FINISHED, Phase.ABORTED):
            s = self.gaze.next_sample()
            if s is None:
                break
            t = s.t_s
            n += 1
            if self.speed is not None:
                wait = t / self.speed - (wall() - wall0)
                if wait > 0:
                    sleep(wait)
            if runner.phase == Phase.BREAK:
                runner.continue_(t)
            step = runner.feed(s)
            keys += len(step.keys)
            tr = runner.trial
            if tr is not None and (tr.id, tr.attempt) != cur_trial:
                cur_trial, trial_t0 = (tr.id, tr.attempt), t
            if runner.phase == Phase.TRIAL and t - trial_t0 > self.max_trial_s:
                runner.abort(t)
        done = self.ctx.store.count_done_trials(self.ctx.session.id)
        return HeadlessResult(runner.phase, t, n, keys, done)


def run_headless(ctx: RunContext, **kw) -> tuple[StudyRunner, HeadlessResult]:
    """Build a HeadlessRun (keyword arguments as there) and run it."""
    hr = HeadlessRun(ctx, **kw)
    return hr.runner, hr.run()
