"""A simulated reader of multi-line text, with no keyboard (a `GazeScript`).

`ReadingPages` lays pages of text out in a box (the same headless text layout as
the output panel) and publishes them as LayoutEvents of a text region; `TextReader`
reads the current page like a person: fixations on words left to right, durations
from a log-normal around 225 ms, short words sometimes skipped, some regressions,
return sweeps to the next line that often undershoot (a corrective fixation
follows), landing at the preferred viewing position a little left of word centres.
At the end of a page it turns the page (or starts again). Deterministic for a seed.
"""
from __future__ import annotations

import math
import random

from gazetype.keyboard.textlayout import Measure, TextLayout, layout_text
from gazetype.sim.gaze import PVL_FRAC, PlannedFixation
from gazetype.tracker.events import Box, LayoutEvent, LayoutItem
from gazetype.tracker.screen import Screen

SAMPLE_TEXT = (
    "Eye trackers drift out of calibration during the day, and people who type with "
    "their eyes notice it first: the key under their gaze is not the one they look at. "
    "While they read what they typed, they look straight at words whose position is "
    "known, so the error can be measured and corrected without asking them to do "
    "anything. This page is text for a simulated reader. It has short and long words, "
    "several lines, and ends with a full stop."
)


class ReadingPages:
    """Pages of text shown one at a time in `box` (screen px), as region `region`.

    `layout` is the current page's TextLayout; `turn(t_s)` shows the next page (the
    first again after the last) and queues its LayoutEvent; `take_events()` returns
    and clears the queued events (the harness forwards them to the pipeline).
    """

    def __init__(self, pages: list[str], box: Box, font_px: float = 32.0, *, region: str = "text",
                 measure: Measure | None = None) -> None:
        if not pages:
            raise ValueError("ReadingPages needs at least one page")
        self.pages = list(pages)
        self.box = box
        self.font_px = font_px
        self.region = region
        self.measure = measure
        self.index = 0
        self._queue: list[LayoutEvent] = []
        self.layout: TextLayout = self._layout()

    def _layout(self) -> TextLayout:
        return layout_text(self.pages[self.index], self.box, self.font_px, self.measure)

    def event(self, t_s: float) -> LayoutEvent:
        return LayoutEvent(t_s, self.region, self.layout.words, self.pages[self.index], None)

    def start(self, t_s: float) -> LayoutEvent:
        ev = self.event(t_s)
        self._queue.append(ev)
        return ev

    def turn(self, t_s: float) -> LayoutEvent:
        self.index = (self.index + 1) % len(self.pages)
        self.layout = self._layout()
        return self.start(t_s)

    def take_events(self) -> list[LayoutEvent]:
        q, self._queue = self._queue, []
        return q


class TextReader:
    """Reads `pages` (see the module doc). `log` keeps (t_s, duration_s, kind, x, y)
    of each fixation's true position, kind "read", "regression", "sweep", "correct"."""

    def __init__(self, pages: ReadingPages, screen: Screen | None = None, *, seed: int = 0,
                 mean_fix_s: float = 0.225, sd_fix_s: float = 0.07, skip_short_p: float = 0.3,
                 regress_p: float = 0.08, undershoot_p: float = 0.5, landing_deg: float = 0.15,
                 word_landing_frac: float = 0.12, turn_pause_s: float = 0.4, turn_pages: bool = True) -> None:
        self.pages = pages
        self.ppd = (screen or Screen()).px_per_deg
        self.rng = random.Random(seed)
        s2 = math.log(1.0 + (sd_fix_s / mean_fix_s) ** 2)
        self._mu, self._sigma = math.log(mean_fix_s) - 0.5 * s2, math.sqrt(s2)
        self.skip_short_p = skip_short_p
        self.regress_p = regress_p
        self.undershoot_p = undershoot_p
        self.landing_px = landing_deg * self.ppd
        self.word_landing_frac = word_landing_frac
        self.turn_pause_s = turn_pause_s
        self.turn_pages = turn_pages
        self.log: list[tuple[float, float, str, float, float]] = []
        self._plan = self._steps()
        self._t = 0.0

    def _dur(self, scale: float = 1.0) -> float:
        return min(max(self.rng.lognormvariate(self._mu, self._sigma) * scale, 0.08), 0.8)

    def _land(self, w: LayoutItem, frac: float = PVL_FRAC) -> tuple[float, float]:
        g = self.rng.gauss
        x0, _, x1, _ = w.box
        return (x0 + frac * (x1 - x0) + g(0, self.word_landing_frac * (x1 - x0)) + g(0, self.landing_px),
                w.cy_px + g(0, self.landing_px))

    def _steps(self):
        while True:
            words = self.pages.layout.words
            prev_line = None
            i = 0
            while i < len(words):
                w = words[i]
                new_line = prev_line is not None and w.line != prev_line
                if new_line and self.rng.random() < self.undershoot_p and i + 1 < len(words) \
                        and words[i + 1].line == w.line:
                    # Return sweep falls short: land on the next word, then correct leftwards.
                    x, y = self._land(words[i + 1], 0.3)
                    yield ("sweep", x, y, self._dur(0.7))
                    x, y = self._land(w)
                    yield ("correct", x, y, self._dur())
                elif (not new_line and prev_line is not None and len(w.text) <= 3
                      and self.rng.random() < self.skip_short_p and i + 1 < len(words)
                      and words[i + 1].line == w.line):
                    i += 1  # skipped
                    continue
                else:
                    x, y = self._land(w)
                    yield ("sweep" if new_line else "read", x, y, self._dur())
                prev_line = w.line
                if i > 1 and self.rng.random() < self.regress_p:
                    back = words[i - self.rng.choice((1, 2))]
                    x, y = self._land(back)
                    yield ("regression", x, y, self._dur(0.9))
                i += 1
            if self.turn_pages:
                self.pages.turn(self._t)
            yield ("pause", None, None, self.turn_pause_s)

    def next_fixation(self, t_s: float) -> PlannedFixation | None:
        self._t = t_s
        kind, x, y, dur = next(self._plan)
        if x is None:  # pause: rest where the eyes are
            return PlannedFixation(self._last[0], self._last[1], dur) if hasattr(self, "_last") else PlannedFixation(0.0, 0.0, dur)
        self._last = (x, y)
        self.log.append((t_s, dur, kind, x, y))
        return PlannedFixation(x, y, dur)
