"""A scripted typist for the simulated tracker: looks at each key of a phrase long
enough to dwell-select it, glances at the output after each word, then "done".

Open loop (it does not watch the feedback); the simulated participants of the
study package close the loop. Positions come from the live KeyboardModel, so it
keeps working when the window is resized or the page changes.
"""
from __future__ import annotations

import itertools

from tracker.sim import Fixation

from .layout import DONE, PAGE_LETTERS, PAGE_SYMBOLS, SPACE
from .model import KeyboardModel


class PhraseTypist:
    def __init__(self, model: KeyboardModel, phrases: list[str], dwell_s: float, lockon_s: float = 0.15,
                 margin_s: float = 0.4, read_s: float = 0.45, repeat: bool = True) -> None:
        self.model = model
        self.phrases = itertools.cycle(phrases) if repeat else iter(phrases)
        self.hold_s = lockon_s + dwell_s + margin_s
        self.read_s = read_s
        self._plan = self._steps()

    def _steps(self):
        for phrase in self.phrases:
            prev = None
            for ch in phrase:
                key = SPACE if ch == " " else ch
                if key == prev:
                    yield ("read", None)  # a repeated key needs a look away first
                yield ("key", key)
                if ch == " ":
                    yield ("read", None)
                prev = key
            yield ("read", None)
            yield ("key", DONE)
            yield ("read", None)

    def next_fixation(self, t_s: float) -> Fixation | None:
        for kind, key in self._plan:
            if kind == "read":
                tl = self.model.text_layout
                w = tl.words[-1] if tl.words else None
                x, y = (w.cx_px, w.cy_px) if w else (tl.caret[0], 0.5 * (tl.caret[1] + tl.caret[3]))
                return Fixation(x, y, self.read_s)
            k = self.model.keys.get(key)
            if k is None:  # on the other page: switch first
                other = PAGE_SYMBOLS if self.model.page == "letters" else PAGE_LETTERS
                pk = self.model.keys.get(other)
                self._plan = itertools.chain([("key", key)], self._plan)
                if pk is None:
                    continue
                return Fixation(pk.cx_px, pk.cy_px, self.hold_s)
            return Fixation(k.cx_px, k.cy_px, self.hold_s)
        return None
