"""The corrector: subtracts the estimated offset from the live stream, smoothly.

A new estimate is approached at a bounded speed (`max_speed_px_s`), so the corrected
gaze never jumps by more than a few px between samples. While the user dwells on a
key (`hold` set by the pipeline from the dwell engine's focus), the correction may
move by at most `hold_budget_px` in total, so a correction can never carry gaze off
the key being selected; the rest follows as soon as gaze leaves the key.
"""
from __future__ import annotations

import math

from gazetype.tracker.sample import GazeSample


class Corrector:
    __slots__ = ("max_speed_px_s", "hold_budget_px", "target", "applied", "hold", "_t", "_hold_from")

    def __init__(self, max_speed_px_s: float = 120.0, hold_budget_px: float = 8.0) -> None:
        self.max_speed_px_s = max_speed_px_s
        self.hold_budget_px = hold_budget_px
        self.target = (0.0, 0.0)
        self.applied = (0.0, 0.0)
        self.hold = False  # gaze is on a key: keep the correction (almost) still
        self._t: float | None = None
        self._hold_from: tuple[float, float] | None = None  # applied when the hold began

    def set_target(self, dx_px: float, dy_px: float) -> None:
        self.target = (float(dx_px), float(dy_px))

    def advance(self, t_s: float) -> tuple[float, float]:
        """Move the applied correction towards the target up to time `t_s`; returns it (px)."""
        t0 = self._t
        if t0 is None or t_s > t0:
            self._t = t_s
        applied = self.applied
        tx, ty = self.target
        ax, ay = applied
        if (tx == ax and ty == ay) or t0 is None or not t_s > t0:
            if not self.hold:
                self._hold_from = None
            return applied
        ex, ey = tx - ax, ty - ay
        step = self.max_speed_px_s * min(t_s - t0, 0.1)
        dist = math.hypot(ex, ey)
        if dist <= step:
            nx, ny = tx, ty
        else:
            nx, ny = ax + ex * step / dist, ay + ey * step / dist
        if self.hold:
            if self._hold_from is None:
                self._hold_from = applied
            hx, hy = self._hold_from
            dx, dy = nx - hx, ny - hy
            d = math.hypot(dx, dy)
            if d > self.hold_budget_px:  # stay within the budget around where the dwell began
                k = self.hold_budget_px / d
                nx, ny = hx + dx * k, hy + dy * k
        else:
            self._hold_from = None
        self.applied = (nx, ny)
        return self.applied

    def correct(self, s: GazeSample) -> GazeSample:
        """`s` minus the applied correction (advanced to s.t_s)."""
        ax, ay = self.advance(s.t_s)
        if not s.valid or (ax == 0.0 and ay == 0.0):
            return s
        return GazeSample(s.t_s, s.x_px - ax, s.y_px - ay, True, s.left, s.right)
