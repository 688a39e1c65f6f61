"""The gaze sample: what every tracker produces and every stage consumes."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class EyeSample:
    """One eye's data. Gaze in screen px; pupil diameter in mm (None when unknown)."""

    x_px: float
    y_px: float
    valid: bool
    pupil_mm: float | None = None


@dataclass(frozen=True, slots=True)
class GazeSample:
    """A binocular gaze estimate at time `t_s` (seconds, monotonic clock).

    `x_px`, `y_px` are screen pixels from the top-left of the keyboard's display.
    `valid` is False for blinks and data loss; x/y are then NaN. Use
    `GazeSample.make` to build one from untrusted numbers: it marks NaN, inf and
    missing coordinates invalid, so later stages only need to check `valid`.
    """

    t_s: float
    x_px: float
    y_px: float
    valid: bool = True
    left: EyeSample | None = None
    right: EyeSample | None = None

    @staticmethod
    def make(t_s: float, x_px, y_px, valid: bool = True,
             left: EyeSample | None = None, right: EyeSample | None = None) -> "GazeSample":
        if x_px is None or y_px is None:
            return GazeSample(t_s, math.nan, math.nan, False, left, right)
        x = float(x_px)
        y = float(y_px)
        if not (valid and math.isfinite(x) and math.isfinite(y)):
            return GazeSample(t_s, math.nan if not math.isfinite(x) else x,
                              math.nan if not math.isfinite(y) else y, False, left, right)
        return GazeSample(t_s, x, y, True, left, right)

    @staticmethod
    def invalid(t_s: float) -> "GazeSample":
        return GazeSample(t_s, math.nan, math.nan, False)

    def shifted(self, dx_px: float, dy_px: float) -> "GazeSample":
        """This sample moved by (dx, dy) px (invalid samples stay as they are)."""
        if not self.valid:
            return self
        return replace(self, x_px=self.x_px + dx_px, y_px=self.y_px + dy_px)
