"""Screen geometry and the pixel/degree conversion: the one place for this convention.

Coordinates everywhere in gazetype are screen pixels (float) with the origin at the
top-left of the display that shows the keyboard. Angles are converted with the
small-angle-free formula below, from the screen's physical size and the viewing
distance. When the physical size is unknown we assume a common 24" 16:9 monitor at
600 mm, which is also what the recording format documents as its defaults.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

DEFAULT_WIDTH_PX = 1920
DEFAULT_HEIGHT_PX = 1080
DEFAULT_WIDTH_MM = 531.0  # 24" 16:9 panel
DEFAULT_HEIGHT_MM = 299.0
DEFAULT_DISTANCE_MM = 600.0  # typical eye-tracker working distance


@dataclass(frozen=True, slots=True)
class Screen:
    """The display gaze is reported on. Physical sizes default when unknown.

    If only the pixel size is known, the physical size is derived from the default
    pixel pitch (DEFAULT_WIDTH_MM / DEFAULT_WIDTH_PX) so pixels stay square.
    """

    width_px: int = DEFAULT_WIDTH_PX
    height_px: int = DEFAULT_HEIGHT_PX
    width_mm: float | None = None
    height_mm: float | None = None
    distance_mm: float = DEFAULT_DISTANCE_MM

    def __post_init__(self) -> None:
        if self.width_px <= 0 or self.height_px <= 0:
            raise ValueError(f"screen size must be positive, got {self.width_px}x{self.height_px} px")
        if self.distance_mm <= 0:
            raise ValueError(f"viewing distance must be positive, got {self.distance_mm} mm")
        pitch = DEFAULT_WIDTH_MM / DEFAULT_WIDTH_PX
        if self.width_mm is None:
            object.__setattr__(self, "width_mm", self.width_px * pitch)
        if self.height_mm is None:
            object.__setattr__(self, "height_mm", self.height_px * (self.width_mm / self.width_px))
        if self.width_mm <= 0 or self.height_mm <= 0:
            raise ValueError("screen physical size must be positive")

    @property
    def px_per_mm(self) -> float:
        return self.width_px / self.width_mm

    @property
    def px_per_deg(self) -> float:
        """Pixels per degree of visual angle at the screen centre."""
        mm_per_deg = 2.0 * self.distance_mm * math.tan(math.radians(0.5))
        return mm_per_deg * self.px_per_mm

    def deg_to_px(self, deg: float) -> float:
        return deg * self.px_per_deg

    def px_to_deg(self, px: float) -> float:
        return px / self.px_per_deg

    def contains(self, x_px: float, y_px: float) -> bool:
        return 0.0 <= x_px < self.width_px and 0.0 <= y_px < self.height_px

    def with_size(self, width_px: int, height_px: int) -> "Screen":
        """Same physical pitch and distance, another pixel size (e.g. a window)."""
        pitch = self.width_mm / self.width_px
        return replace(self, width_px=width_px, height_px=height_px,
                       width_mm=width_px * pitch, height_mm=height_px * pitch)

    def to_dict(self) -> dict:
        return {"width_px": self.width_px, "height_px": self.height_px,
                "width_mm": round(self.width_mm, 3), "height_mm": round(self.height_mm, 3),
                "distance_mm": self.distance_mm}

    @classmethod
    def from_dict(cls, d: dict) -> "Screen":
        return cls(width_px=int(d["width_px"]), height_px=int(d["height_px"]),
                   width_mm=_opt_float(d.get("width_mm")), height_mm=_opt_float(d.get("height_mm")),
                   distance_mm=float(d.get("distance_mm") or DEFAULT_DISTANCE_MM))


def _opt_float(v) -> float | None:
    return None if v is None else float(v)
