"""The events that flow beside gaze samples: UI layout, selections, markers, offsets.

These are the non-gaze lines of the v1 recording (docs/recording-format.md) and the
messages the UI sends to the headless pipeline. All times are seconds on the
monotonic clock (`t_s`), all positions screen px.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from gazetype.tracker.sample import GazeSample

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in px, x0 <= x1, y0 <= y1


@dataclass(frozen=True, slots=True)
class LayoutItem:
    """A piece of the screen whose position is known: a key, or a word of text.

    `text` is what is there: a word, or in the "keyboard" region the key's `key_id`
    (layout events carry both kinds alike). `line` is the text line index for words
    in a multi-line region (None for keys).
    """

    text: str
    box: Box
    line: int | None = None

    @property
    def cx_px(self) -> float:
        return 0.5 * (self.box[0] + self.box[2])

    @property
    def cy_px(self) -> float:
        return 0.5 * (self.box[1] + self.box[3])

    def contains(self, x_px: float, y_px: float, margin_px: float = 0.0) -> bool:
        x0, y0, x1, y1 = self.box
        return x0 - margin_px <= x_px < x1 + margin_px and y0 - margin_px <= y_px < y1 + margin_px


@dataclass(frozen=True, slots=True)
class LayoutEvent:
    """From `t_s` on, region `region` holds exactly `items` (an empty tuple clears it).

    Regions: "keyboard" (keys), "output" (words of the typed text), "target" (the
    phrase to copy in a study trial); other names are allowed. `text` is the full
    text of a text region (so the newest character is known), `caret` its caret box.
    """

    t_s: float
    region: str
    items: tuple[LayoutItem, ...]
    text: str | None = None
    caret: Box | None = None


@dataclass(frozen=True, slots=True)
class SelectEvent:
    """Key `key_id` was selected at `t_s` by `source`: "dwell", or "operator" (the mouse or
    keyboard of the person running a session). In recordings its field is "key"."""

    t_s: float
    key_id: str
    source: str = "dwell"


@dataclass(frozen=True, slots=True)
class MarkerEvent:
    """A named moment: trial start/end, pause, condition change... `data` is free JSON."""

    t_s: float
    label: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OffsetEvent:
    """An offset estimate: reported gaze minus true gaze, px. `sd_px` its uncertainty."""

    t_s: float
    dx_px: float
    dy_px: float
    sd_px: float | None = None
    n: int | None = None


Event = Union[GazeSample, LayoutEvent, SelectEvent, MarkerEvent, OffsetEvent]
