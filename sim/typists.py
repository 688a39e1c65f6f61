"""A scripted typist for the simulated tracker: looks at each key of a phrase long
enough to dwell-select it, glances at the output after each word, then "done".

Open loop (it does not watch the feedback); the simulated participants of the
study package close the loop. Positions come from the live KeyboardModel, so it
keeps working when the window is resized or the page changes.
"""
from __future__ import annotations

import itertools

from gazetype.keyboard.layout import BACKSPACE, DONE, PAGE_LETTERS, PAGE_SYMBOLS, SPACE
from gazetype.keyboard.model import KeyboardModel
from gazetype.sim.drive import Plan
from gazetype.sim.gaze import PlannedFixation, word_fixation_x


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

    def next_fixation(self, t_s: float) -> PlannedFixation | None:
        for kind, key in self._plan:
            if kind == "read":
                tl = self.model.text_layout
                w = tl.words[-1] if tl.words else None
                x, y = (word_fixation_x(w.box), w.cy_px) if w else (tl.caret[0], 0.5 * (tl.caret[1] + tl.caret[3]))
                return PlannedFixation(x, y, self.read_s)
            k = self.model.keys.get(key)
            if k is None:  # on the other page: switch first
                other = PAGE_SYMBOLS if self.model.page == "letters" else PAGE_LETTERS
                pk = self.model.keys.get(other)
                self._plan = itertools.chain([("key", key)], self._plan)
                if pk is None:
                    continue
                return PlannedFixation(pk.cx_px, pk.cy_px, self.hold_s)
            return PlannedFixation(k.cx_px, k.cy_px, self.hold_s)
        return None


class CompensatingTypist:
    """A closed-loop simulated typist (a `GazeScript` for `sim.gaze.SimGaze`).

    It dwells on each key until the session selects it (in `chunk_s` pieces, so it
    reacts to the live state), corrects wrong keys with backspace, and uses its eyes
    for output like people do: a glance at each new letter (probability
    `glance_char_p`), at each finished word (`glance_word_p`), and a proofread of the
    phrase, word by word, before "done".

    Compensation: aiming at a key, it looks at key centre - `compensation` x
    `residual(t)`, where `residual(t)` is the error it sees (the offset minus the
    correction in force). With compensation 1 the corrected gaze lands on the key
    centre: input gaze hides the error entirely. Reading is never compensated: it
    looks straight at the text. Each fixation is logged in `log` as
    (t_start_s, duration_s, kind, x_px, y_px) of true gaze, kind in "key", "react",
    "glance", "proofread", "away".
    """

    def __init__(self, model: KeyboardModel, session, phrases: list[str], *, residual=None,
                 compensation: float = 1.0, seed: int = 0, glance_char_p: float = 0.8,
                 glance_word_p: float = 1.0, proofread: bool = True, react_s: float = 0.2,
                 chunk_s: float = 0.1, key_landing_deg: float = 0.25, read_landing_deg: float = 0.15,
                 ppd: float | None = None, repeat: bool = True, max_dwell_s: float = 6.0) -> None:
        import random

        from gazetype.tracker.screen import Screen
        self.model = model
        self.session = session
        self.phrases = list(phrases)
        self.repeat = repeat
        self.residual = residual or (lambda t: (0.0, 0.0))
        self.compensation = compensation
        self.rng = random.Random(seed)
        self.glance_char_p = glance_char_p
        self.glance_word_p = glance_word_p
        self.proofread = proofread
        self.react_s = react_s
        self.chunk_s = chunk_s
        self.ppd = ppd or Screen().px_per_deg
        self.key_landing_px = key_landing_deg * self.ppd
        self.read_landing_px = read_landing_deg * self.ppd
        self.max_dwell_s = max_dwell_s
        self.log: list[tuple[float, float, str, float, float]] = []
        self._plan = Plan(self._steps())
        self.phrases_done = 0

    # -- where things are ------------------------------------------------------------
    def _key_aim(self, key_id: str, t_s: float, jitter: tuple[float, float]) -> tuple[float, float] | None:
        k = self.model.keys.get(key_id)
        if k is None:
            return None
        rx, ry = self.residual(t_s)
        c = self.compensation
        return (k.cx_px + jitter[0] - c * rx, k.cy_px + jitter[1] - c * ry)

    def _last_word(self):
        tl = self.model.text_layout
        return tl.words[-1] if tl.words else None

    def _new_char_xy(self) -> tuple[float, float] | None:
        w = self._last_word()
        if w is None:
            return None
        cw = (w.box[2] - w.box[0]) / max(len(w.text), 1)
        return (w.box[2] - 0.5 * cw, w.cy_px)

    def _read_point(self, x: float, y: float, width: float = 0.0) -> tuple[float, float]:
        g = self.rng.gauss
        return (x + g(0, 0.12 * width) + g(0, self.read_landing_px), y + g(0, self.read_landing_px))

    # -- the plan ------------------------------------------------------------------------
    def _fix(self, t_s: float, x: float, y: float, dur: float, kind: str):
        self.log.append((t_s, dur, kind, x, y))
        return PlannedFixation(x, y, dur)

    def _dwell(self, key_id: str):
        """PlannedFixation pieces on a key until it (or another key) is selected."""
        g = self.rng.gauss
        jitter = (g(0, self.key_landing_px), g(0, self.key_landing_px))
        n0 = self.session.n_selections
        t_start = None
        while self.session.n_selections == n0:
            t = yield None
            if t_start is None:
                t_start = t
            if t - t_start > self.max_dwell_s:  # stuck (e.g. the key is disarmed): look away
                yield ("away", None)
                t_start = None
                continue
            aim = self._key_aim(key_id, t, jitter)
            if aim is None:
                return None
            self._aim = aim
            yield ("fix", (aim[0], aim[1], self.chunk_s, "key"))
        return self.session.selections[-1].key_id

    def _steps(self):
        # A generator of commands; `next_fixation` drives it, sending the time in.
        import itertools
        phrases = itertools.cycle(self.phrases) if self.repeat else iter(self.phrases)
        for phrase in phrases:
            start_text = self.model.buffer.text
            while True:
                text = self.model.buffer.text
                if not text.startswith(start_text):
                    return  # someone else changed the text: stop typing
                typed = text[len(start_text):]
                if typed != phrase[:len(typed)]:
                    key = BACKSPACE
                elif len(typed) == len(phrase):
                    break
                else:
                    key = SPACE if phrase[len(typed)] == " " else phrase[len(typed)]
                if self.model.keys.get(key) is None:  # on the other page
                    key = PAGE_SYMBOLS if self.model.page == "letters" else PAGE_LETTERS
                sel = yield from self._dwell(key)
                if sel is not None:  # see it happen before moving on
                    yield ("fix", (self._aim[0], self._aim[1], self.react_s, "react"))
                after = self.model.buffer.text[len(start_text):]
                nxt = phrase[len(after)] if after == phrase[:len(after)] and len(after) < len(phrase) else None
                if sel == SPACE:
                    if self.rng.random() < self.glance_word_p:
                        w = self._last_word()
                        if w is not None:
                            x, y = self._read_point(word_fixation_x(w.box), w.cy_px, w.box[2] - w.box[0])
                            yield ("fix", (x, y, self.rng.uniform(0.3, 0.5), "glance"))
                elif sel is not None and len(sel) == 1:
                    # A repeated letter needs a look away anyway (the key is disarmed).
                    if self.rng.random() < self.glance_char_p or nxt == sel:
                        p = self._new_char_xy()
                        if p is not None:
                            x, y = self._read_point(*p)
                            yield ("fix", (x, y, self.rng.uniform(0.25, 0.45), "glance"))
            if self.proofread:
                words = self.model.text_layout.words[-len(phrase.split()):] if phrase.split() else ()
                for w in words:
                    x, y = self._read_point(word_fixation_x(w.box), w.cy_px, w.box[2] - w.box[0])
                    yield ("fix", (x, y, min(max(self.rng.gauss(0.24, 0.06), 0.12), 0.45), "proofread"))
            if (yield from self._dwell(DONE)) is not None:
                yield ("fix", (self._aim[0], self._aim[1], self.react_s, "react"))
            self.phrases_done += 1

    def next_fixation(self, t_s: float) -> PlannedFixation | None:
        cmd = self._plan.next_command(t_s)
        if cmd is None:
            return None
        kind, arg = cmd
        if kind == "fix":
            x, y, dur, what = arg
            return self._fix(t_s, x, y, dur, what)
        w = self._last_word()  # "away"
        x, y = (w.cx_px, w.cy_px) if w is not None else (self.model.layout.output[0] + 50, self.model.layout.output[1] + 50)
        return self._fix(t_s, x, y, 0.3, "away")

    _aim = (0.0, 0.0)
