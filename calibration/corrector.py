"""The corrector: subtracts the estimated offset from the live stream, smoothly.

A new estimate is approached at a bounded speed (`max_speed_px_s`), so the corrected
gaze never jumps by more than a few px between samples and the key under gaze does
not change mid-dwell because of a correction.
"""
from __future__ import annotations

import math

from tracker.sample import GazeSample


class Corrector:
    def __init__(self, max_speed_px_s: float = 60.0) -> None:
        self.max_speed_px_s = max_speed_px_s
        self.target = (0.0, 0.0)
        self.applied = (0.0, 0.0)
        self._t: float | None = None

    def set_target(self, dx_px: float, dy_px: float) -> None:
        self.target = (float(dx_px), float(dy_px))

    def correct(self, s: GazeSample) -> GazeSample:
        t = s.t_s
        if self._t is not None and t > self._t:
            ax, ay = self.applied
            tx, ty = self.target
            ex, ey = tx - ax, ty - ay
            if ex or ey:
                step = self.max_speed_px_s * min(t - self._t, 0.1)
                dist = math.hypot(ex, ey)
                if dist <= step:
                    self.applied = (tx, ty)
                else:
                    self.applied = (ax + ex * step / dist, ay + ey * step / dist)
        if self._t is None or t > self._t:
            self._t = t
        ax, ay = self.applied
        if not s.valid or (ax == 0.0 and ay == 0.0):
            return s
        return GazeSample(t, s.x_px - ax, s.y_px - ay, True, s.left, s.right)
