"""Offset models: constant, drifting and stepped tracker error, and the SPEC syntax.

An offset is reported gaze minus true gaze, in px (see ../docs). The same models
describe the error a simulated tracker makes and the miscalibration a study induces.

SPEC syntax (one place, used by `--offset` everywhere):
    none                      no offset
    DX,DY[px|deg]             constant, e.g. `40,-20` or `1.5,0deg`
    drift:DX,DY[unit]@T       grows linearly from 0 to (DX,DY) over T s, then holds
    step:DX,DY[unit]@T        0 until T s, then (DX,DY)
    A+B                       the sum of two specs, e.g. `20,0+step:0,40@30`
Times are seconds from the start of the session (or of the simulated stream).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from gazetype.tracker.screen import Screen


class OffsetSpecError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class OffsetPart:
    kind: str  # "const" | "drift" | "step"
    dx_px: float
    dy_px: float
    t_s: float = 0.0

    def at(self, t_rel_s: float) -> tuple[float, float]:
        if self.kind == "const":
            return self.dx_px, self.dy_px
        if self.kind == "step":
            return (self.dx_px, self.dy_px) if t_rel_s >= self.t_s else (0.0, 0.0)
        f = 1.0 if self.t_s <= 0 else min(max(t_rel_s / self.t_s, 0.0), 1.0)
        return self.dx_px * f, self.dy_px * f


@dataclass(frozen=True, slots=True)
class OffsetModel:
    """A sum of offset parts; `at(t_rel_s)` gives (dx, dy) px."""

    parts: tuple[OffsetPart, ...] = ()
    spec: str = "none"

    def at(self, t_rel_s: float) -> tuple[float, float]:
        dx = dy = 0.0
        for p in self.parts:
            a, b = p.at(t_rel_s)
            dx += a
            dy += b
        return dx, dy

    @property
    def is_zero(self) -> bool:
        return all(p.dx_px == 0 and p.dy_px == 0 for p in self.parts)

    @staticmethod
    def constant(dx_px: float, dy_px: float) -> "OffsetModel":
        return OffsetModel((OffsetPart("const", dx_px, dy_px),), f"{dx_px:g},{dy_px:g}")


NO_OFFSET = OffsetModel()

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"
_PART = re.compile(rf"^(?:(const|drift|step):)?\s*({_NUM})\s*,\s*({_NUM})\s*(px|deg)?\s*(?:@\s*({_NUM})\s*s?)?$")


def parse_offset(spec: str, screen: Screen | None = None) -> OffsetModel:
    """Parse an offset SPEC (see module doc) into px using `screen` for degrees."""
    text = (spec or "").strip().lower()
    if text in ("", "none", "0", "off"):
        return NO_OFFSET
    screen = screen or Screen()
    parts = []
    for chunk in text.split("+"):
        m = _PART.match(chunk.strip())
        if not m:
            raise OffsetSpecError(f"offset {spec!r}: cannot read {chunk.strip()!r}; expected e.g. '40,-20', '1.5,0deg', 'drift:60,0@120' or 'step:0,40@30'")
        kind, dx, dy, unit, t = m.groups()
        kind = kind or "const"
        dx, dy = float(dx), float(dy)
        if unit == "deg":
            dx, dy = screen.deg_to_px(dx), screen.deg_to_px(dy)
        if kind == "const" and t is not None:
            raise OffsetSpecError(f"offset {spec!r}: a constant offset takes no '@T'")
        if kind != "const" and t is None:
            raise OffsetSpecError(f"offset {spec!r}: {kind} needs a time, e.g. '{kind}:{m.group(2)},{m.group(3)}@30'")
        tv = float(t) if t is not None else 0.0
        if tv < 0 or not all(math.isfinite(v) for v in (dx, dy, tv)):
            raise OffsetSpecError(f"offset {spec!r}: values must be finite and times >= 0")
        if max(abs(dx), abs(dy)) > 10_000 or tv > 1e6:  # beyond any screen, or any session
            raise OffsetSpecError(f"offset {spec!r}: at most 10000 px (or the same in deg) and 1e6 s")
        parts.append(OffsetPart(kind, dx, dy, tv))
    return OffsetModel(tuple(parts), spec)
