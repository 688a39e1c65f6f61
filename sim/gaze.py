"""A simulated eye tracker: scripted fixations and saccades, noise in degrees,
blinks and data loss, and an offset model (constant, drifting or stepped).

`SimGaze` is the headless generator (deterministic for a seed, any speed);
`SimTracker` wraps it as a tracker that produces samples in step with its clock.
Scripts say where the eyes go next: a list of fixations, or an object whose
`next_fixation(t_s)` decides on the fly (e.g. typing a phrase on the keyboard).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Iterable, Iterator, Protocol

from gazetype.tracker.base import Tracker
from gazetype.tracker.offset import NO_OFFSET, OffsetModel
from gazetype.tracker.registry import register
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen


@dataclass(frozen=True, slots=True)
class PlannedFixation:
    """Look at (x_px, y_px) for duration_s (after the saccade there)."""

    x_px: float
    y_px: float
    duration_s: float


class GazeScript(Protocol):
    def next_fixation(self, t_s: float) -> PlannedFixation | None:
        """Where to look next, asked when the previous fixation ends. None: stop."""


class ListScript:
    """Fixations from a list, optionally repeated forever."""

    def __init__(self, fixations: Iterable[PlannedFixation], repeat: bool = False) -> None:
        self.fixations = list(fixations)
        self.repeat = repeat
        self._i = 0

    def next_fixation(self, t_s: float) -> PlannedFixation | None:
        if self._i >= len(self.fixations):
            if not self.repeat or not self.fixations:
                return None
            self._i = 0
        f = self.fixations[self._i]
        self._i += 1
        return f


# Where readers fixate a word: its preferred viewing position, left of the centre
# (Rayner 1979), as a fraction of its width from the left edge.
PVL_FRAC = 0.45


def word_fixation_x(box) -> float:
    """x (px) at which a simulated reader aims in a word with this box."""
    return box[0] + PVL_FRAC * (box[2] - box[0])


def saccade_duration_s(amplitude_deg: float) -> float:
    """Main sequence: about 2.2 ms per degree plus 21 ms (Carpenter 1988)."""
    return (21.0 + 2.2 * amplitude_deg) / 1000.0


@dataclass(frozen=True, slots=True)
class SimConfig:
    rate_hz: float = 120.0
    noise_deg: float = 0.15  # SD of fixational noise per axis, as a tracker reports it
    landing_sd_deg: float = 0.0  # SD of where a fixation lands around its target
    undershoot: float = 0.07  # saccades land short by this fraction of their amplitude (Becker 1989: 5-10%)
    corrective_deg: float = 0.75  # a landing farther than this from the aim is corrected ...
    corrective_s: float = 0.15  # ... by a second saccade after this long
    blink_rate_hz: float = 0.25  # mean blinks per second
    blink_s: float = 0.15
    loss_prob: float = 0.01  # chance any one sample is lost
    seed: int = 0


class SimGaze:
    """Generates samples on a fixed-rate grid from `t0_s`, following `script`."""

    def __init__(self, script: GazeScript, screen: Screen | None = None, config: SimConfig | None = None,
                 offset: OffsetModel = NO_OFFSET, t0_s: float = 0.0) -> None:
        self.script = script
        self.screen = screen or Screen()
        self.config = config or SimConfig()
        self.offset = offset
        self.t0_s = t0_s
        self.rng = random.Random(self.config.seed)
        self._k = 0  # next sample index
        self._pos = (self.screen.width_px / 2, self.screen.height_px / 2)
        self._from = self._pos
        self._sacc_end = t0_s  # current saccade ends here
        self._sacc_start = t0_s
        self._fix_end = t0_s  # current fixation ends here
        self._blink_until = -math.inf
        self._next_blink = t0_s + self._draw_blink_gap()
        self.finished = False
        self.true_gaze = self._pos  # where the eye really looks (no offset, no noise)
        self._corrective: PlannedFixation | None = None  # the rest of a fixation, after a corrective saccade

    def _draw_blink_gap(self) -> float:
        r = self.config.blink_rate_hz
        return self.rng.expovariate(r) if r > 0 else math.inf

    def _advance_script(self, t: float) -> None:
        cfg = self.config
        while t >= self._fix_end and not self.finished:
            f, self._corrective = self._corrective, None
            if f is None:
                f = self.script.next_fixation(self._fix_end)
            if f is None:
                self.finished = True
                return
            ppd = self.screen.px_per_deg
            u = cfg.undershoot
            lx = f.x_px - u * (f.x_px - self._pos[0])
            ly = f.y_px - u * (f.y_px - self._pos[1])
            if cfg.landing_sd_deg:
                lx += self.rng.gauss(0, cfg.landing_sd_deg * ppd)
                ly += self.rng.gauss(0, cfg.landing_sd_deg * ppd)
            if math.hypot(lx - f.x_px, ly - f.y_px) > cfg.corrective_deg * ppd and f.duration_s > 2 * cfg.corrective_s:
                self._corrective = PlannedFixation(f.x_px, f.y_px, f.duration_s - cfg.corrective_s)
                f = PlannedFixation(lx, ly, cfg.corrective_s)
            amp_deg = math.hypot(lx - self._pos[0], ly - self._pos[1]) / ppd
            self._from = self._pos
            self._sacc_start = self._fix_end
            self._sacc_end = self._fix_end + (saccade_duration_s(amp_deg) if amp_deg > 0.5 else 0.0)
            self._fix_end = self._sacc_end + f.duration_s
            self._pos = (lx, ly)

    def _true_at(self, t: float) -> tuple[float, float]:
        if t >= self._sacc_end or self._sacc_end <= self._sacc_start:
            return self._pos
        # Smooth (cosine) velocity profile along the saccade path.
        u = (t - self._sacc_start) / (self._sacc_end - self._sacc_start)
        f = 0.5 - 0.5 * math.cos(math.pi * u)
        return (self._from[0] + f * (self._pos[0] - self._from[0]),
                self._from[1] + f * (self._pos[1] - self._from[1]))

    def next_sample(self) -> GazeSample | None:
        """The next sample on the grid, or None once the script has ended."""
        t = self.t0_s + self._k / self.config.rate_hz
        self._advance_script(t)
        if self.finished:
            return None
        self._k += 1
        x, y = self._true_at(t)
        self.true_gaze = (x, y)
        cfg = self.config
        if t >= self._next_blink:
            self._blink_until = t + cfg.blink_s
            self._next_blink = self._blink_until + self._draw_blink_gap()
        if t < self._blink_until or (cfg.loss_prob and self.rng.random() < cfg.loss_prob):
            return GazeSample.invalid(t)
        dx, dy = self.offset.at(t - self.t0_s)
        sd = cfg.noise_deg * self.screen.px_per_deg
        return GazeSample(t, x + dx + self.rng.gauss(0, sd), y + dy + self.rng.gauss(0, sd), True)

    def until(self, t_end_s: float) -> Iterator[GazeSample]:
        """Samples with t < t_end_s."""
        while not self.finished and self.t0_s + self._k / self.config.rate_hz < t_end_s:
            s = self.next_sample()
            if s is None:
                return
            yield s

    def all(self, max_s: float = 3600.0) -> list[GazeSample]:
        return list(self.until(self.t0_s + max_s))


def demo_script(screen: Screen) -> ListScript:
    """Wander over a 3x3 grid of points, for when nothing better is given."""
    w, h = screen.width_px, screen.height_px
    pts = [(w * fx, h * fy) for fy in (0.25, 0.5, 0.75) for fx in (0.2, 0.5, 0.8)]
    return ListScript([PlannedFixation(x, y, 0.6) for x, y in pts], repeat=True)


@register("sim")
class SimTracker(Tracker):
    """Simulated gaze in step with the clock (real time with the default clock)."""

    description = "simulated gaze (scripted fixations, noise, blinks, offset)"
    calibration_note = "nothing to calibrate (simulated gaze)"

    def __init__(self, screen: Screen | None = None, *, script: GazeScript | None = None,
                 config: SimConfig | None = None, offset: OffsetModel = NO_OFFSET,
                 clock=None, arg=None, **_) -> None:
        kw = {"clock": clock} if clock is not None else {}
        super().__init__(screen, **kw)
        self.config = config or SimConfig()
        self.offset = offset
        self.script = script
        self.nominal_rate_hz = self.config.rate_hz
        self.gaze: SimGaze | None = None

    def set_script(self, script: GazeScript) -> None:
        """Change what the simulated eyes do from the next fixation on."""
        self.script = script
        if self.gaze is not None:
            self.gaze.script = script

    def _open(self) -> None:
        script = self.script or demo_script(self.screen)
        self.gaze = SimGaze(script, self.screen, self.config, self.offset, t0_s=self.clock())
        self.status = "simulated"

    def _poll(self, now: float) -> None:
        g = self.gaze
        if g is None:
            return
        for s in g.until(now):
            self._emit(s)
        if g.finished:
            self.status = "simulation ended"

    @classmethod
    def discover(cls) -> list[str]:
        return ["sim: simulated gaze"]
