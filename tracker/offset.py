"""Offset models: constant, drifting and stepped tracker error, and the SPEC syntax.

An offset is reported gaze minus true gaze, in px (see ../docs). The same models
describe the error a simulated tracker makes and the miscalibration a study induces.

SPEC syntax (one place, used by `--offset` everywhere):
    none                      no offset
    DX,DY[px|deg|keys]        constant, e.g. `40,-20`, `1.5,0deg` or `0.6,0keys` (key
                              pitches of the keyboard, where a layout is known: studies)
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
_PART = re.compile(rf"^(?:(const|drift|step):)?\s*({_NUM})\s*,\s*({_NUM})\s*(px|deg|keys)?\s*(?:@\s*({_NUM})\s*s?)?$")


def parse_offset(spec: str, screen: Screen | None = None, key_px: float | None = None) -> OffsetModel:
    """Parse an offset SPEC (see module doc) into px using `screen` for degrees and
    `key_px` (the distance between neighbouring keys' centres) for keys."""
    text = (spec or "").strip().lower()
    if text in ("", "none", "0", "off"):
        return NO_OFFSET
    screen = screen or Screen()
    parts = []
    for chunk in text.split("+"):
        m = _PART.match(chunk.strip())
        if not m:
            raise OffsetSpecError(f"offset {spec!r}: cannot read {chunk.strip()!r}; expected e.g. '40,-20', '1.5,0deg', "
                                  "'0.6,0keys', 'drift:60,0@120' or 'step:0,40@30'")
        kind, dx, dy, unit, t = m.groups()
        kind = kind or "const"
        dx, dy = float(dx), float(dy)
        if unit == "deg":
            dx, dy = screen.deg_to_px(dx), screen.deg_to_px(dy)
        elif unit == "keys":
            if key_px is None:
                raise OffsetSpecError(f"offset {spec!r}: 'keys' (key pitches) needs the keyboard's layout, known "
                                      "in studies; use px or deg here")
            dx, dy = dx * key_px, dy * key_px
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


def resolve_keys(spec: str, key_px: float, screen: Screen | None = None) -> str:
    """SPEC with its key-pitch parts written in px (what a study stores: the layout's
    pitch at the time the plan was made), e.g. '0.6,0keys' -> '113.6,0'. Checked."""
    parse_offset(spec, screen, key_px)  # one error message for a bad spec
    out = []
    for chunk in (spec or "").strip().lower().split("+"):
        m = _PART.match(chunk.strip())
        if m is None or m.group(4) != "keys":
            out.append(chunk.strip())
            continue
        kind, dx, dy, _, t = m.groups()
        part = f"{float(dx) * key_px:.1f},{float(dy) * key_px:.1f}"
        out.append((f"{kind}:" if kind else "") + part + (f"@{t}" if t is not None else ""))
    return "+".join(out)
