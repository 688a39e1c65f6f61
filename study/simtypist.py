"""A closed-loop scripted typist for headless study runs and tests.

It looks at the keyboard model like a participant looks at the screen: the key for
the next character of the target phrase; backspace when the text has an error it
decides to fix; a glance at the output after each word (reading, which is what
autocalibration learns from); the done key when the text is complete. Optional
slips (the neighbouring key) make errors to correct. Deterministic for a seed.
Not a model of human typing; a simulated participant with learning and fatigue is
a separate piece of work.
"""
from __future__ import annotations

import math
import random
from typing import Callable

from keyboard.layout import BACKSPACE, DONE, PAGE_LETTERS, PAGE_SYMBOLS, SPACE
from keyboard.model import KeyboardModel
from tracker.sim import Fixation


class TargetTypist:
    """`next_fixation(t_s)` for tracker.sim.SimGaze. `active()` says whether a trial
    is on (otherwise the typist rests its eyes on the middle of the output panel)."""

    def __init__(self, model: KeyboardModel, active: Callable[[], bool], dwell_s: float, *,
                 lockon_s: float = 0.15, margin_s: float = 0.3, read_s: float = 0.45,
                 slip_prob: float = 0.0, fix_prob: float = 1.0, give_up_factor: float = 3.0,
                 seed: int = 0) -> None:
        self.model = model
        self.active = active
        self.hold_s = lockon_s + dwell_s + margin_s
        self.read_s = read_s
        self.slip_prob = slip_prob
        self.fix_prob = fix_prob
        self.give_up_factor = give_up_factor
        self.rng = random.Random(seed)
        self._target: str | None = None
        self._fix: dict[int, bool] = {}  # error position -> will it be fixed
        self._looks = 0  # key fixations in this trial
        self._last_key: str | None = None
        self._last_text: str | None = None
        self._read_due = False

    def _reset(self) -> None:
        self._target = self.model.target_phrase
        self._fix = {}
        self._looks = 0
        self._last_key = None
        self._read_due = False

    def _read_fixation(self) -> Fixation:
        tl = self.model.text_layout
        w = tl.words[-1] if tl.words else None
        x, y = (w.cx_px, w.cy_px) if w else (tl.caret[0], 0.5 * (tl.caret[1] + tl.caret[3]))
        return Fixation(x, y, self.read_s)

    def _intended(self) -> str:
        text, target = self.model.buffer.text, self._target or ""
        k = 0
        while k < min(len(text), len(target)) and text[k] == target[k]:
            k += 1
        if k < len(text):  # an error at k: fix it or carry on (once decided, stays)
            if k not in self._fix:
                self._fix[k] = self.rng.random() < self.fix_prob
            if self._fix[k]:
                return BACKSPACE
        if len(text) >= len(target):
            return DONE
        ch = target[len(text)]
        return SPACE if ch == " " else ch

    def next_fixation(self, t_s: float) -> Fixation | None:
        m = self.model
        if not self.active():
            o = m.layout.output
            self._target = None
            return Fixation(0.5 * (o[0] + o[2]), 0.5 * (o[1] + o[3]), 0.5)
        if m.target_phrase != self._target:
            self._reset()
        text = m.buffer.text
        if text != self._last_text:
            # Read after a word ends, as the participant checks what was typed.
            self._read_due = text.endswith(" ") and len(text) > len(self._last_text or "")
            self._last_text = text
        if self._read_due:
            self._read_due = False
            self._last_key = None
            return self._read_fixation()
        key = self._intended()
        if self._looks > self.give_up_factor * len(self._target or "") + 10:
            key = DONE  # stuck (e.g. an offset too large to type through): give up
        if key not in (BACKSPACE, DONE) and self.slip_prob and self.rng.random() < self.slip_prob:
            key = self._neighbour(key) or key
        if key == self._last_key:
            self._last_key = None  # the dwell engine wants a look away before a repeat
            return self._read_fixation()
        k = m.keys.get(key)
        if k is None:  # on the other page: switch first
            other = PAGE_SYMBOLS if m.page == "letters" else PAGE_LETTERS
            k = m.keys.get(other)
            if k is None:
                return self._read_fixation()
        self._looks += 1
        self._last_key = k.id
        return Fixation(k.cx_px, k.cy_px, self.hold_s)

    def _neighbour(self, key_id: str) -> str | None:
        k = self.model.keys.get(key_id)
        if k is None:
            return None
        best, bd = None, math.inf
        for o in self.model.keys:
            if o.id == key_id or not o.is_char:
                continue
            d = math.hypot(o.cx_px - k.cx_px, o.cy_px - k.cy_px)
            if d < bd:
                best, bd = o.id, d
        return best
