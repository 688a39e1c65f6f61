"""Plain simulated eyes: planned fixations -> a tracker's gaze samples.

Independent of the project's simulator (`sim.gaze`): a small model written from
the textbook facts, used by the population benchmark (`sim.population`).

- Samples on a fixed grid of `rate_hz` (t = t0 + k / rate_hz).
- A saccade to a target lasts 21 ms + 2.2 ms per degree of amplitude (main
  sequence) with a raised-cosine position profile. It lands at
  launch + (1 - u) (target - launch): u is drawn per saccade around the person's
  `undershoot_frac` (SD `undershoot_sd_frac`), plus a scatter across the saccade
  direction of half that SD (times the amplitude).
- A person who makes corrective saccades (`corrective`) moves on to the target
  after a latency of `corrective_latency_s` +- 50 ms when the landing is more than
  `corrective_min_deg` off and the fixation lasts that long.
- During fixations and saccades the reported position has Gaussian noise of SD
  `noise_deg` per axis. Blinks (Poisson, `blink_per_s`, 80-250 ms) and random
  lost samples (`loss_p`) are invalid samples (NaN, valid=False).
- The tracker offset (reported minus true gaze, px), a function of time or an
  object with `.at(t_s)` such as `tracker.offset.OffsetModel`, is added to every
  valid sample.

`PlainEyes.fixate(x, y, dur_s)` yields the samples of one saccade to (x, y) and
the fixation after it (dur_s from the landing); `hold(dur_s)` continues the
current fixation; `samples(plan)` runs a list of (x, y, dur_s). The eyes' state
(true position, sample index) is updated before each sample is yielded, so a
caller may stop consuming a generator at any sample (closed loop).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

NAN = math.nan


def saccade_duration_s(amplitude_deg: float) -> float:
    """Main sequence: 21 ms + 2.2 ms per degree."""
    return 0.021 + 0.0022 * amplitude_deg


@dataclass(frozen=True, slots=True)
class Saccade:
    """One saccade, for tests and logs (true positions, px)."""

    t_s: float
    launch: tuple[float, float]
    target: tuple[float, float]
    landing: tuple[float, float]
    corrective: bool


class PlainEyes:
    def __init__(self, screen: Screen | None = None, *, rate_hz: float = 120.0, undershoot_frac: float = 0.0,
                 undershoot_sd_frac: float = 0.02, corrective: bool = False, corrective_latency_s: float = 0.2,
                 corrective_min_deg: float = 0.3, noise_deg: float = 0.2, loss_p: float = 0.0,
                 blink_per_s: float = 0.0, offset=None, seed: int = 0, start_px: tuple[float, float] | None = None,
                 t0_s: float = 0.0) -> None:
        if not rate_hz > 0:
            raise ValueError("rate_hz must be positive")
        self.screen = screen = screen or Screen()
        self.ppd = screen.px_per_deg
        self.rate_hz = rate_hz
        self.undershoot_frac = undershoot_frac
        self.undershoot_sd_frac = undershoot_sd_frac
        self.corrective = corrective
        self.corrective_latency_s = corrective_latency_s
        self.corrective_min_px = corrective_min_deg * self.ppd
        self.noise_px = noise_deg * self.ppd
        self.loss_p = loss_p
        self.blink_per_s = blink_per_s
        self._offset: Callable[[float], tuple[float, float]] | None
        if offset is None:
            self._offset = None
        elif hasattr(offset, "at"):
            self._offset = offset.at
        else:
            self._offset = offset
        self.rng = random.Random(f"plain-eyes-{seed}")
        self.t0_s = t0_s
        self.k = 0  # index of the next sample
        if start_px is None:
            start_px = (0.5 * screen.width_px, 0.5 * screen.height_px)
        self.x, self.y = start_px  # true gaze now
        self._blink_until = -math.inf
        self._next_blink = self._draw_blink_gap(t0_s)
        self.saccades: list[Saccade] = []
        self.keep_log = False  # set True to keep self.saccades (tests)

    # -- time ---------------------------------------------------------------------
    @property
    def t_s(self) -> float:
        """Time of the next sample."""
        return self.t0_s + self.k / self.rate_hz

    def _draw_blink_gap(self, t_s: float) -> float:
        if self.blink_per_s <= 0:
            return math.inf
        return t_s + self.rng.expovariate(self.blink_per_s)

    # -- one sample -----------------------------------------------------------------
    def _emit(self, x: float, y: float) -> GazeSample:
        """The sample at the next grid time for true gaze (x, y); advances the clock."""
        t = self.t0_s + self.k / self.rate_hz
        self.k += 1
        self.x, self.y = x, y
        rng = self.rng
        if t >= self._next_blink:
            self._blink_until = t + rng.uniform(0.08, 0.25)
            self._next_blink = self._draw_blink_gap(self._blink_until)
        if t < self._blink_until or (self.loss_p > 0 and rng.random() < self.loss_p):
            return GazeSample(t, NAN, NAN, False)
        ox = oy = 0.0
        if self._offset is not None:
            ox, oy = self._offset(t)
        n = self.noise_px
        return GazeSample(t, x + ox + rng.gauss(0.0, n), y + oy + rng.gauss(0.0, n), True)

    # -- movements --------------------------------------------------------------------
    def landing(self, x: float, y: float) -> tuple[float, float]:
        """Where a saccade from the current position aimed at (x, y) lands (draws randomness)."""
        dx, dy = x - self.x, y - self.y
        amp = math.hypot(dx, dy)
        if amp < 1e-9:
            return x, y
        rng = self.rng
        u = rng.gauss(self.undershoot_frac, self.undershoot_sd_frac)
        across = rng.gauss(0.0, 0.5 * self.undershoot_sd_frac) * amp
        ux, uy = dx / amp, dy / amp
        return (self.x + (1.0 - u) * dx - uy * across, self.y + (1.0 - u) * dy + ux * across)

    def _move(self, lx: float, ly: float) -> Iterator[GazeSample]:
        """A saccade from the current position to (lx, ly) (the landing, already drawn)."""
        x0, y0 = self.x, self.y
        amp_px = math.hypot(lx - x0, ly - y0)
        if amp_px < 1e-9:
            return
        dur = saccade_duration_s(amp_px / self.ppd)
        t_start = self.t_s
        t_end = t_start + dur
        while True:
            t = self.t_s
            if t >= t_end:
                break
            p = 0.5 - 0.5 * math.cos(math.pi * (t - t_start) / dur)
            yield self._emit(x0 + p * (lx - x0), y0 + p * (ly - y0))
        self.x, self.y = lx, ly

    def _hold_until(self, t_end: float) -> Iterator[GazeSample]:
        x, y = self.x, self.y
        while self.t_s < t_end:
            yield self._emit(x, y)

    def hold(self, dur_s: float) -> Iterator[GazeSample]:
        """Keep fixating where the eyes are for dur_s."""
        yield from self._hold_until(self.t_s + dur_s)

    def fixate(self, x: float, y: float, dur_s: float) -> Iterator[GazeSample]:
        """A saccade aimed at (x, y) (true px), then a fixation of dur_s from the landing,
        with a corrective saccade to the target inside it if the person makes them."""
        launch = (self.x, self.y)
        lx, ly = self.landing(x, y)
        if self.keep_log:
            self.saccades.append(Saccade(self.t_s, launch, (x, y), (lx, ly), False))
        yield from self._move(lx, ly)
        t_end = self.t_s + dur_s
        if self.corrective and math.hypot(x - lx, y - ly) > self.corrective_min_px:
            lat = self.corrective_latency_s + self.rng.uniform(-0.05, 0.05)
            if lat < dur_s:
                yield from self._hold_until(self.t_s + lat)
                # The corrective saccade lands near the target (a tenth of its own error).
                s = 0.1 * math.hypot(x - self.x, y - self.y)
                cx, cy = x + self.rng.gauss(0.0, s), y + self.rng.gauss(0.0, s)
                if self.keep_log:
                    self.saccades.append(Saccade(self.t_s, (self.x, self.y), (x, y), (cx, cy), True))
                yield from self._move(cx, cy)
        yield from self._hold_until(t_end)

    def samples(self, plan: Iterable[tuple[float, float, float]]) -> Iterator[GazeSample]:
        """The samples of a list of planned fixations (x_px, y_px, dur_s)."""
        for x, y, d in plan:
            yield from self.fixate(x, y, d)
