"""Explicit calibration done by the tracker itself (Tobii's screen-based calibration):
the small interface a tracker offers through `Tracker.calibration()`.

A `DeviceCalibration` is four blocking calls, in this order: `enter()`, `collect(x_px,
y_px)` once per target (the person looks at that point; True when the device got
enough data there), `compute_and_apply()` (a `CalibrationResult`), `leave()`. They
block (collect about 0.5 to 1 s on a Tobii), so callers run them on a worker thread
(`gazetype.calibration.explicit`). Coordinates are the app's screen px, top-left
origin; each implementation converts at its edge (Tobii: the normalised display
area). Every failure is a `CalibrationError`, one line.

Trackers without it return None from `calibration()`, and `calibration_note` says
why in one line ("calibration is done in the vendor's software", ...).

The result, `CalibrationResult`, is plain data (it crosses the bridge as JSON): the
status ("success", "success_left_eye", "success_right_eye", "failure") and, per
calibration point, the samples the device collected for each eye, in px, with
whether the device used them: what a result plot draws.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

from gazetype.tracker.base import TrackerError

VENDOR_NOTE = "calibration is done in the vendor's software"
STATUSES = ("success", "success_left_eye", "success_right_eye", "failure")


class CalibrationError(TrackerError):
    """A device calibration step failed (the device refused, the bridge did not answer ...)."""


@dataclass(frozen=True)
class EyePoint:
    """One eye's sample at a calibration point: where the device saw the gaze (px), and
    whether it used the sample ("used", "not_used" = valid but not used, "invalid")."""
    x_px: float
    y_px: float
    validity: str

    def to_dict(self) -> dict[str, Any]:
        return {"x_px": _num(self.x_px), "y_px": _num(self.y_px), "validity": self.validity}

    @classmethod
    def from_dict(cls, d: dict) -> "EyePoint":
        return cls(_float(d.get("x_px")), _float(d.get("y_px")), str(d.get("validity", "invalid")))


@dataclass(frozen=True)
class ResultPoint:
    x_px: float
    y_px: float
    left: tuple[EyePoint, ...] = ()
    right: tuple[EyePoint, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"x_px": self.x_px, "y_px": self.y_px, "left": [e.to_dict() for e in self.left],
                "right": [e.to_dict() for e in self.right]}

    @classmethod
    def from_dict(cls, d: dict) -> "ResultPoint":
        return cls(_float(d["x_px"]), _float(d["y_px"]), tuple(EyePoint.from_dict(e) for e in d.get("left", ())),
                   tuple(EyePoint.from_dict(e) for e in d.get("right", ())))


@dataclass(frozen=True)
class CalibrationResult:
    status: str
    points: tuple[ResultPoint, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.status != "failure"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "points": [p.to_dict() for p in self.points]}

    @classmethod
    def from_dict(cls, d: dict) -> "CalibrationResult":
        status = str(d.get("status"))
        if status not in STATUSES:
            raise CalibrationError(f"unknown calibration status {status!r}")
        return cls(status, tuple(ResultPoint.from_dict(p) for p in d.get("points", ())))


def _num(v: float):
    return v if math.isfinite(v) else None  # JSON has no NaN


def _float(v) -> float:
    return math.nan if v is None else float(v)


class DeviceCalibration(Protocol):
    """What `Tracker.calibration()` returns. All calls block; all failures are CalibrationError."""

    def enter(self) -> None: ...

    def collect(self, x_px: float, y_px: float) -> bool: ...

    def compute_and_apply(self) -> CalibrationResult: ...

    def leave(self) -> None: ...
