"""A simulated person doing a validation: the eyes follow the validation's targets
(`calibration.validation.ValidationSession`), as a `GazeScript` for `SimGaze` and the
simulated tracker. Each target gets a first saccade (landing short by the eyes'
undershoot) and refixations on it, as people make; what the tracker adds (its offset,
noise, blinks, loss) is the `SimGaze`'s. `simulate_validation` runs one headless."""
from __future__ import annotations

from typing import Callable

from gazetype.calibration.validation import Stage, ValidationConfig, ValidationResult, ValidationSession
from gazetype.sim.gaze import PlannedFixation, SimConfig, SimGaze, SimTracker
from gazetype.tracker.offset import NO_OFFSET, OffsetModel
from gazetype.tracker.screen import Screen

# The first fixations on a new target (each lands short by the eyes' undershoot of what is
# left), then one that stays: two refixations bring a 7 % undershoot under 0.01 deg.
REFIXATE_S = (0.25, 0.15)


class TargetLooker:
    """Looks at the validation's current target while `session` runs (before it starts:
    its first target); when it is done, or not running, asks `inner` (a script), or
    looks at the screen's centre."""

    def __init__(self, session: ValidationSession | Callable[[], ValidationSession | None] | None, inner=None,
                 rest_s: float = 0.2) -> None:
        self.session = session  # or a function giving the validation running now (a study's blocks)
        self.inner = inner
        self.rest_s = rest_s
        self._last: tuple[int, int] | None = None  # (id of session, target) fixated last
        self._n = 0  # fixations on it so far

    def next_fixation(self, t_s: float) -> PlannedFixation | None:
        s = self.session() if callable(self.session) else self.session
        if s is None or s.done:
            if self.inner is not None:
                return self.inner.next_fixation(t_s)
            w, h = (s.screen.width_px, s.screen.height_px) if s is not None else (1920, 1080)
            return PlannedFixation(w / 2, h / 2, self.rest_s)
        v = s.view(t_s)
        if v.stage == Stage.DONE:
            return PlannedFixation(v.x_px, v.y_px, self.rest_s)
        x, y = s.targets[v.index]
        key = (id(s), v.index)
        if v.stage == Stage.WAITING:
            return PlannedFixation(x, y, 0.05)
        if self._last != key:  # a new target: the first saccade, then refixations
            self._last, self._n = key, 0
        self._n += 1
        if self._n <= len(REFIXATE_S):
            return PlannedFixation(x, y, REFIXATE_S[self._n - 1])
        t_end = s.t0_s + (v.index + 1) * s.config.target_s
        return PlannedFixation(x, y, max(t_end - t_s, 0.02))


def simulate_validation(screen: Screen | None = None, config: ValidationConfig | None = None, *,
                        offset: OffsetModel = NO_OFFSET, sim: SimConfig | None = None,
                        t0_s: float = 0.0) -> ValidationResult:
    """A whole validation with simulated eyes (tracker error `offset`), headless."""
    screen = screen or Screen()
    session = ValidationSession(screen, config or ValidationConfig(), tracker="sim")
    gaze = SimGaze(TargetLooker(session), screen, sim or SimConfig(), offset, t0_s=t0_s)
    session.start(t0_s)
    while not session.done:
        s = gaze.next_sample()
        if s is None:
            break
        session.update(s)
    return session.result


def validation_tracker(screen: Screen, session: ValidationSession, *, offset: OffsetModel = NO_OFFSET,
                       config: SimConfig | None = None, clock=None) -> SimTracker:
    """The simulated tracker for `gazetype validate --tracker sim`: eyes on the targets."""
    return SimTracker(screen, script=TargetLooker(session), offset=offset, config=config, clock=clock)
