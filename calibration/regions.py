"""Text regions: the words of one region of the screen (typed output, a study's target
phrase, a page of text) in reading order, with the geometry the detector needs.

Layout events may carry only the required item fields (text and box per word; no
`line`, `text` or `caret`): lines are then found from the boxes, the text from the
words and the caret after the last word (`TextRegion.derived` says so).
"""
from __future__ import annotations

import math

import numpy as np

from gazetype.tracker.events import Box, LayoutEvent, LayoutItem


def _lines_of(items: list[LayoutItem]) -> list[int]:
    """Line index per item: given, or by grouping boxes whose vertical centres are
    within half a box height of each other (top to bottom)."""
    if all(it.line is not None for it in items):
        return [int(it.line) for it in items]
    order = sorted(range(len(items)), key=lambda i: items[i].cy_px)
    lines = [0] * len(items)
    line, last_y = -1, -math.inf
    for i in order:
        it = items[i]
        h = max(it.box[3] - it.box[1], 1.0)
        if it.cy_px - last_y > 0.5 * h:
            line += 1
            last_y = it.cy_px
        lines[i] = line
    return lines


class TextRegion:
    """One text region's words in reading order (top to bottom, left to right)."""

    __slots__ = ("name", "text", "caret", "t_s", "onset_s", "derived", "x0", "x1", "cy", "lines",
                 "texts", "line_y", "line_h", "bbox", "_arr")

    def __init__(self, ev: LayoutEvent, onset_s: float) -> None:
        items = list(ev.items)
        lines = _lines_of(items)
        order = sorted(range(len(items)), key=lambda i: (lines[i], items[i].box[0]))
        items = [items[i] for i in order]
        self.lines = [lines[i] for i in order]
        self.name = ev.region
        self.t_s = ev.t_s
        self.onset_s = onset_s
        self.texts = [it.text for it in items]
        self.x0 = [it.box[0] for it in items]
        self.x1 = [it.box[2] for it in items]
        self.cy = [it.cy_px for it in items]
        self.derived = ev.text is None
        if ev.text is not None:
            self.text = ev.text
        else:  # words joined: lines by newlines, words by spaces
            parts, prev = [], None
            for ln, t in zip(self.lines, self.texts):
                parts.append(t if prev is None else ("\n" if ln != prev else " ") + t)
                prev = ln
            self.text = "".join(parts)
        hs = sorted(it.box[3] - it.box[1] for it in items)
        self.line_h = hs[len(hs) // 2] if hs else ((ev.caret[3] - ev.caret[1]) if ev.caret is not None else 0.0)
        if ev.caret is not None:
            self.caret: Box | None = ev.caret
        elif items:  # right after the last word
            last = items[-1]
            self.caret = (last.box[2], last.box[1], last.box[2] + 2.0, last.box[3])
        else:
            self.caret = None
        # Midline of each line (median of its words' centres).
        by_line: dict[int, list[float]] = {}
        for ln, y in zip(self.lines, self.cy):
            by_line.setdefault(ln, []).append(y)
        self.line_y = {ln: sorted(v)[len(v) // 2] for ln, v in by_line.items()}
        boxes = [it.box for it in items] + ([ev.caret] if ev.caret is not None else [])
        self.bbox: Box | None = None
        if boxes:
            self.bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                         max(b[2] for b in boxes), max(b[3] for b in boxes))
        self._arr = None

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def n_lines(self) -> int:
        return len(self.line_y)

    def arrays(self):
        """(x0, x1, centre y, line) per word as numpy arrays (cached)."""
        if self._arr is None:
            self._arr = (np.asarray(self.x0, float), np.asarray(self.x1, float), np.asarray(self.cy, float),
                         np.asarray(self.lines, int))
        return self._arr

    def distance(self, x: float, y: float) -> float:
        """px from (x, y) to the region's bounding box (0 inside)."""
        if self.bbox is None:
            return math.inf
        x0, y0, x1, y1 = self.bbox
        dx = x0 - x if x < x0 else (x - x1 if x > x1 else 0.0)
        dy = y0 - y if y < y0 else (y - y1 if y > y1 else 0.0)
        return math.hypot(dx, dy)

    def last_word(self) -> int | None:
        return len(self) - 1 if len(self) else None
