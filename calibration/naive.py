"""A naive output-gaze calibrator, the baseline the benchmark compares against.

Every fixation whose reported position falls in the output region (the bounding box
of the output words and caret, one line height of margin) is taken as reading the
nearest output word; the estimate is the running mean of fixation minus word
centre over all such fixations. No input/reading distinction beyond the region,
no timing, no line disambiguation, no outlier handling, no forgetting.
"""
from __future__ import annotations

import math

from gazetype.calibration.fixation import FixationDetector
from gazetype.tracker.events import LayoutEvent, OffsetEvent, SelectEvent
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen


class NaiveCalibrator:
    def __init__(self, screen: Screen | None = None, region: str | None = None) -> None:
        self.fixations = FixationDetector(screen)
        self.region = region  # None: any non-keyboard region with words
        self._words: dict[str, list[tuple[float, float]]] = {}
        self._boxes: dict[str, tuple[float, float, float, float]] = {}
        self.sx = self.sy = 0.0
        self.n = 0

    active = True
    conflict = False

    def finish(self, t_s: float) -> None:
        return None

    def update(self, s: GazeSample) -> OffsetEvent | None:
        f = self.fixations.add(s.t_s, s.x_px, s.y_px, s.valid)
        if f is None:
            return None
        for name, (x0, y0, x1, y1) in self._boxes.items():
            if x0 <= f.x_px <= x1 and y0 <= f.y_px <= y1:
                wx, wy = min(self._words[name], key=lambda w: math.hypot(f.x_px - w[0], f.y_px - w[1]))
                self.sx += f.x_px - wx
                self.sy += f.y_px - wy
                self.n += 1
                return OffsetEvent(s.t_s, self.sx / self.n, self.sy / self.n, None, self.n)
        return None

    def on_layout(self, ev: LayoutEvent) -> None:
        if ev.region == "keyboard" or (self.region is not None and ev.region != self.region):
            return
        if not ev.items:
            self._words.pop(ev.region, None)
            self._boxes.pop(ev.region, None)
            return
        self._words[ev.region] = [(it.cx_px, it.cy_px) for it in ev.items]
        boxes = [it.box for it in ev.items] + ([ev.caret] if ev.caret else [])
        lh = sorted(b[3] - b[1] for b in boxes)[len(boxes) // 2]
        self._boxes[ev.region] = (min(b[0] for b in boxes) - lh, min(b[1] for b in boxes) - lh,
                                  max(b[2] for b in boxes) + lh, max(b[3] for b in boxes) + lh)

    def on_select(self, ev: SelectEvent) -> None:
        pass
