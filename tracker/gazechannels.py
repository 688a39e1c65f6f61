"""Multichannel gaze (LSL streams, XDF files) to `GazeSample`: the XDF gaze meta-data.

Streams of content type `Gaze` describe each channel with label, eye (left, right,
both), type (ScreenX, ScreenY, Diameter, Radius, Confidence, ...) and unit (sccn/xdf
wiki, "Gaze Meta Data"). `GazeLayout.from_channels` finds the screen coordinates and
pupils in that description; `GazeLayout.to_sample` turns one row of values into a
sample in screen px, `GazeLayout.to_samples` a chunk of rows (numpy, one conversion
per chunk; the same samples). Also understood:

* the 6-channel layout of the common Tobii-to-LSL app (content type `Eyetracker`:
  left x, y, pupil, right x, y, pupil; normalised display-area units; NaN = invalid);
* a 2-channel `Gaze` stream without meta-data (x, y in px).

Units of ScreenX/ScreenY: pixels (`pixels`, `px`) or normalised to the display
(`normalized`, `normalised`, `norm`), scaled to the keyboard's screen here. Without
a unit, `Gaze` channels are px (the spec's "usually in pixels") and `Eyetracker`
channels normalised. No pylsl or pyxdf here: both feed plain channel dicts in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from gazetype.tracker.sample import EyeSample, GazeSample
from gazetype.tracker.screen import Screen

OUT_SOURCE_PREFIX = "gazetype-out"  # source_id prefix of the streams `--lsl-out` publishes
GAZE_TYPES = ("Gaze", "Eyetracker")  # LSL content types read as gaze (case-insensitive)
FAR_SCREENS = 10.0  # gaze farther than this many screen sizes off the screen is invalid
_PX_UNITS = {"pixels", "pixel", "px"}
_NORM_UNITS = {"normalized", "normalised", "norm", "normalized display area", "normalised display area"}


class GazeLayoutError(ValueError):
    """A stream's channels cannot be read as gaze. The message names the stream."""


@dataclass(frozen=True, slots=True)
class Channel:
    """One channel's XDF gaze meta-data (all strings, possibly empty)."""

    label: str = ""
    eye: str = ""
    type: str = ""
    unit: str = ""


@dataclass(frozen=True, slots=True)
class EyeChannels:
    """Column indices of one eye (or the binocular estimate); None when absent.

    `pupil_scale` turns the pupil column into a diameter in mm (2 for a radius).
    """

    x: int | None = None
    y: int | None = None
    pupil: int | None = None
    pupil_scale: float = 1.0
    normalised: bool = False

    @property
    def has_xy(self) -> bool:
        return self.x is not None and self.y is not None


@dataclass(frozen=True, slots=True)
class GazeLayout:
    """Where gaze lives in a row of channel values."""

    both: EyeChannels
    left: EyeChannels
    right: EyeChannels
    n_channels: int
    kind: str  # "xdf-gaze" | "tobii-lsl-app" | "xy"

    @classmethod
    def from_channels(cls, channels: Sequence[Channel], n_channels: int, stream_type: str = "Gaze",
                      stream_name: str = "?") -> "GazeLayout":
        """The layout for a stream's channel meta-data; GazeLayoutError if none fits."""
        default_norm = stream_type.lower() == "eyetracker"
        cols: dict[str, dict[str, int]] = {"both": {}, "left": {}, "right": {}}
        units: dict[str, str] = {}
        pupil_scale = {"both": 1.0, "left": 1.0, "right": 1.0}
        for i, ch in enumerate(channels[:n_channels]):
            typ = ch.type.strip().lower()
            eye = _eye(ch.eye, ch.label)
            if typ in ("screenx", "screeny"):
                cols[eye].setdefault(typ[-1], i)
                units.setdefault(eye + typ[-1], ch.unit.strip().lower())
            elif (typ in ("diameter", "radius") and "pupil" not in cols[eye]
                  and ch.unit.strip().lower() in ("", "mm", "millimeters", "millimetres")):
                # Pupils in px or arbitrary units are not diameters in mm: left out.
                cols[eye]["pupil"] = i
                pupil_scale[eye] = 2.0 if typ == "radius" else 1.0
        if any("x" in c and "y" in c for c in cols.values()):
            eyes = {}
            for eye, c in cols.items():
                if "x" in c and "y" in c:
                    ux, uy = units.get(eye + "x", ""), units.get(eye + "y", "")
                    norm_x, norm_y = _is_norm(ux, default_norm, stream_name), _is_norm(uy, default_norm, stream_name)
                    if norm_x != norm_y:
                        raise GazeLayoutError(f"stream {stream_name!r}: {eye} ScreenX is in {ux or 'px'} "
                                              f"but ScreenY in {uy or 'px'}")
                    eyes[eye] = EyeChannels(c["x"], c["y"], c.get("pupil"), pupil_scale[eye], norm_x)
                else:
                    eyes[eye] = EyeChannels(pupil=c.get("pupil"), pupil_scale=pupil_scale[eye])
            return cls(eyes["both"], eyes["left"], eyes["right"], n_channels, "xdf-gaze")
        if stream_type.lower() == "eyetracker" and n_channels >= 6:
            return tobii_lsl_app_layout(n_channels)
        if stream_type.lower() == "gaze" and n_channels == 2 and not any(ch.type for ch in channels):
            return cls(EyeChannels(0, 1), EyeChannels(), EyeChannels(), 2, "xy")
        raise GazeLayoutError(
            f"stream {stream_name!r} (type {stream_type}, {n_channels} channels) has no ScreenX/ScreenY "
            "channels; gazetype reads streams with XDF gaze meta-data, the 6-channel Tobii LSL layout "
            "(type Eyetracker), or 2-channel x/y Gaze streams")

    def to_sample(self, t_s: float, values: Sequence[float], screen: Screen) -> GazeSample:
        """One row of channel values as a sample in `screen` px. NaN/inf coordinates
        mark an eye invalid, and so do values beyond FAR_SCREENS screen sizes; without
        binocular channels the valid eyes are averaged."""
        left = _eye_sample(self.left, values, screen)
        right = _eye_sample(self.right, values, screen)
        if self.both.has_xy:
            x, y = _xy(self.both, values, screen)
            return GazeSample.make(t_s, x, y, True, left, right)
        return combine_eyes(t_s, left, right)

    def row_reader(self, screen: Screen):
        """`f(t_s, values) -> GazeSample`, the same as `to_sample(t_s, values, screen)`, with
        the layout's columns and the screen's scale looked up once (the per-sample hot
        path of a live stream)."""
        far = FAR_SCREENS * max(screen.width_px, screen.height_px)
        isfinite, nan = math.isfinite, math.nan

        def num(values, i: int) -> float:
            try:
                v = float(values[i])
            except (TypeError, ValueError, IndexError):
                return nan
            return v if isfinite(v) else nan

        def eye_fn(ch: EyeChannels):
            if not ch.has_xy:
                return lambda values: None
            ix, iy, ip, pscale = ch.x, ch.y, ch.pupil, ch.pupil_scale
            sx, sy = (screen.width_px, screen.height_px) if ch.normalised else (1.0, 1.0)

            def eye(values) -> EyeSample:
                x, y = num(values, ix) * sx, num(values, iy) * sy
                if not (-far <= x <= far and -far <= y <= far):
                    return EyeSample(nan, nan, False, None if ip is None else _pupil(num(values, ip), pscale))
                return EyeSample(x, y, True, None if ip is None else _pupil(num(values, ip), pscale))
            return eye

        left, right = eye_fn(self.left), eye_fn(self.right)
        if self.both.has_xy:
            both = eye_fn(EyeChannels(self.both.x, self.both.y, None, 1.0, self.both.normalised))

            def read(t_s: float, values) -> GazeSample:
                b = both(values)
                if b.valid:
                    return GazeSample(t_s, b.x_px, b.y_px, True, left(values), right(values))
                return GazeSample(t_s, nan, nan, False, left(values), right(values))
            return read
        return lambda t_s, values: combine_eyes(t_s, left(values), right(values))

    def to_samples(self, ts_s: Sequence[float], rows, screen: Screen) -> list[GazeSample]:
        """A chunk: `rows` (n x channels, numbers) at times `ts_s` as samples, the same as
        `to_sample` row by row, with the checks and scaling done once for the chunk."""
        a = np.asarray(rows, dtype=np.float64)
        if a.ndim != 2 or len(a) != len(ts_s):
            raise ValueError(f"to_samples: {a.shape} values for {len(ts_s)} times")
        n = len(a)
        far = FAR_SCREENS * max(screen.width_px, screen.height_px)

        def col(i: int | None) -> np.ndarray:
            return a[:, i] if i is not None and i < a.shape[1] else np.full(n, np.nan)

        def xy(ch: EyeChannels) -> tuple[list, list, list]:
            x, y = col(ch.x), col(ch.y)
            with np.errstate(invalid="ignore", over="ignore"):
                if ch.normalised:
                    x, y = x * screen.width_px, y * screen.height_px
                ok = (np.abs(x) <= far) & (np.abs(y) <= far)  # False for NaN and inf
            return np.where(ok, x, np.nan).tolist(), np.where(ok, y, np.nan).tolist(), ok.tolist()

        def eye(ch: EyeChannels) -> list:
            if not ch.has_xy:
                return [None] * n
            x, y, ok = xy(ch)
            if ch.pupil is not None:
                p = col(ch.pupil)
                with np.errstate(invalid="ignore"):
                    good = np.isfinite(p) & (p > 0)
                pupils = [v * ch.pupil_scale if g else None for v, g in zip(p.tolist(), good.tolist())]
            else:
                pupils = [None] * n
            return [EyeSample(*e) for e in zip(x, y, ok, pupils)]

        left, right = eye(self.left), eye(self.right)
        t = [float(v) for v in ts_s]
        if self.both.has_xy:
            x, y, ok = xy(self.both)
            nan = math.nan
            return [GazeSample(ti, xi, yi, True, le, ri) if oki else GazeSample(ti, nan, nan, False, le, ri)
                    for ti, xi, yi, oki, le, ri in zip(t, x, y, ok, left, right)]
        return [combine_eyes(ti, le, ri) for ti, le, ri in zip(t, left, right)]

    def describe(self) -> str:
        parts = []
        for name, e in (("both", self.both), ("left", self.left), ("right", self.right)):
            if e.has_xy:
                parts.append(f"{name} x/y ({'normalised' if e.normalised else 'px'})")
        return f"{self.kind}: " + ", ".join(parts)


def tobii_lsl_app_layout(n_channels: int = 6) -> GazeLayout:
    """Left x, y, pupil, right x, y, pupil: the common Tobii-to-LSL app."""
    return GazeLayout(EyeChannels(), EyeChannels(0, 1, 2, 1.0, True), EyeChannels(3, 4, 5, 1.0, True),
                      n_channels, "tobii-lsl-app")


def combine_eyes(t_s: float, left: EyeSample | None, right: EyeSample | None) -> GazeSample:
    """Binocular gaze: the mean of the valid eyes; invalid when neither is."""
    valid = [e for e in (left, right) if e is not None and e.valid]
    if not valid:
        return GazeSample(t_s, math.nan, math.nan, False, left, right)
    x = sum(e.x_px for e in valid) / len(valid)
    y = sum(e.y_px for e in valid) / len(valid)
    if not (math.isfinite(x) and math.isfinite(y)):  # e.g. two huge finite values overflow
        return GazeSample(t_s, math.nan, math.nan, False, left, right)
    return GazeSample(t_s, x, y, True, left, right)


def _eye(eye: str, label: str) -> str:
    e = eye.strip().lower()
    if e in ("left", "l"):
        return "left"
    if e in ("right", "r"):
        return "right"
    if not e:  # some senders only say it in the label ("left_x", "RightGazeX")
        lab = label.strip().lower()
        if lab.startswith(("left", "l_")):
            return "left"
        if lab.startswith(("right", "r_")):
            return "right"
    return "both"


def _is_norm(unit: str, default: bool, stream_name: str) -> bool:
    if not unit:
        return default
    if unit in _PX_UNITS:
        return False
    if unit in _NORM_UNITS:
        return True
    raise GazeLayoutError(f"stream {stream_name!r}: screen coordinates in unit {unit!r}; "
                          "gazetype understands pixels or normalized")


def _num(values: Sequence[float], i: int) -> float:
    try:
        v = float(values[i])
    except (TypeError, ValueError, IndexError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def _xy(ch: EyeChannels, values: Sequence[float], screen: Screen) -> tuple[float, float]:
    """Coordinates in px; NaN for values that cannot be gaze (non-finite, or more than
    FAR_SCREENS screen sizes from the screen: a sender's garbage, such as 1.5e308)."""
    x, y = _num(values, ch.x), _num(values, ch.y)
    if ch.normalised:
        x *= screen.width_px
        y *= screen.height_px
    far = FAR_SCREENS * max(screen.width_px, screen.height_px)
    if not (abs(x) <= far and abs(y) <= far):  # also False for NaN
        return math.nan, math.nan
    return x, y


def _eye_sample(ch: EyeChannels, values: Sequence[float], screen: Screen) -> EyeSample | None:
    if not ch.has_xy:
        return None
    x, y = _xy(ch, values, screen)
    pupil = None
    if ch.pupil is not None:
        p = _num(values, ch.pupil)
        pupil = p * ch.pupil_scale if p > 0 else None
    ok = not (math.isnan(x) or math.isnan(y))
    return EyeSample(x, y, ok, pupil)


def _pupil(p: float, scale: float) -> float | None:
    return p * scale if p > 0 else None


def channels_from_dicts(raw: Sequence[Mapping]) -> list[Channel]:
    """Channels from dicts with label/eye/type/unit strings (pyxdf gives 1-element lists)."""
    out = []
    for d in raw:
        if not isinstance(d, Mapping):
            out.append(Channel())
            continue

        def get(key: str) -> str:
            v = d.get(key, "")
            if isinstance(v, list):
                v = v[0] if v else ""
            return "" if v is None else str(v)

        out.append(Channel(get("label"), get("eye"), get("type"), get("unit")))
    return out


# -- what gazetype publishes (LSL out, the Tobii bridge) ----------------------------------

def gaze_channels(units: str = "pixels", binocular: bool = True, eyes: bool = True) -> list[Channel]:
    """XDF gaze channel meta-data for the streams gazetype publishes.

    Order: (x, y both) if binocular, then (left x, y, right x, y, left pupil,
    right pupil) if eyes. Pupil diameters are mm. Invalid values are NaN.
    """
    out: list[Channel] = []
    if binocular:
        out += [Channel("x", "both", "ScreenX", units), Channel("y", "both", "ScreenY", units)]
    if eyes:
        out += [Channel("left_x", "left", "ScreenX", units), Channel("left_y", "left", "ScreenY", units),
                Channel("right_x", "right", "ScreenX", units), Channel("right_y", "right", "ScreenY", units),
                Channel("left_pupil", "left", "Diameter", "mm"), Channel("right_pupil", "right", "Diameter", "mm")]
    return out


def sample_values(s: GazeSample, binocular: bool = True, eyes: bool = True, scale_x: float = 1.0,
                  scale_y: float = 1.0) -> list[float]:
    """The row `gaze_channels(...)` describes for `s` (coordinates divided by scale)."""
    nan = math.nan
    row: list[float] = []
    if binocular:
        row += [s.x_px / scale_x, s.y_px / scale_y] if s.valid else [nan, nan]
    if eyes:
        pupils = []
        for e in (s.left, s.right):
            if e is not None and e.valid:
                row += [e.x_px / scale_x, e.y_px / scale_y]
            else:
                row += [nan, nan]
            pupils.append(e.pupil_mm if e is not None and e.pupil_mm is not None else nan)
        row += pupils
    return row


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("gazetype")
    except Exception:  # running from a source tree that is not installed
        return "unknown"


def add_gaze_desc(info, channels: list[Channel], screen: Screen | None, extra: dict | None = None) -> None:
    """Write XDF gaze channel meta-data (and screen, extra key/values) into a pylsl StreamInfo."""
    desc = info.desc()
    chs = desc.append_child("channels")
    for c in channels:
        el = chs.append_child("channel")
        el.append_child_value("label", c.label)
        el.append_child_value("eye", c.eye)
        el.append_child_value("type", c.type)
        el.append_child_value("unit", c.unit)
        if c.type.startswith("Screen"):
            el.append_child_value("coordinate_system", "screen, origin top-left")
    if screen is not None:
        scr = desc.append_child("screen")
        for k, v in screen.to_dict().items():
            scr.append_child_value(k, repr(float(v)))
    acq = desc.append_child("acquisition")
    acq.append_child_value("software", "gazetype")
    acq.append_child_value("version", _version())
    for k, v in (extra or {}).items():
        desc.append_child_value(k, str(v))
