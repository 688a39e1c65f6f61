"""Point-source smoothing: the One Euro filter (Casiez, Roussel and Vogel, CHI 2012).

Adaptive like OptiKey's smoother: heavy smoothing while the eye is still (jitter
gone), little lag on a saccade (cut-off rises with speed). Stateless across
invalid samples: a blink resets the filter so it does not drag gaze from before.
"""
from __future__ import annotations

import math

from gazetype.tracker.sample import GazeSample


class _LowPass:
    __slots__ = ("y",)

    def __init__(self) -> None:
        self.y: float | None = None

    def __call__(self, x: float, alpha: float) -> float:
        y = x if self.y is None else alpha * x + (1.0 - alpha) * self.y
        self.y = y
        return y


def _alpha(cutoff_hz: float, dt_s: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """Smooths gaze x/y. `min_cutoff_hz` sets jitter removal, `beta` (per px/s) lag."""

    def __init__(self, min_cutoff_hz: float = 1.0, beta: float = 0.01, d_cutoff_hz: float = 1.0) -> None:
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.reset()

    def reset(self) -> None:
        self._x, self._y = _LowPass(), _LowPass()
        self._dx, self._dy = _LowPass(), _LowPass()
        self._t: float | None = None
        self._px = self._py = 0.0

    def __call__(self, s: GazeSample) -> GazeSample:
        if not s.valid:
            self.reset()
            return s
        if self._t is None or s.t_s <= self._t:
            self._t = s.t_s
            self._px, self._py = self._x(s.x_px, 1.0), self._y(s.y_px, 1.0)
            self._dx(0.0, 1.0)
            self._dy(0.0, 1.0)
            return s
        dt = s.t_s - self._t
        self._t = s.t_s
        ad = _alpha(self.d_cutoff_hz, dt)
        vx = self._dx((s.x_px - self._px) / dt, ad)
        vy = self._dy((s.y_px - self._py) / dt, ad)
        speed = math.hypot(vx, vy)
        a = _alpha(self.min_cutoff_hz + self.beta * speed, dt)
        self._px, self._py = self._x(s.x_px, a), self._y(s.y_px, a)
        return GazeSample(s.t_s, self._px, self._py, True, s.left, s.right)
