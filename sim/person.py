"""A simulated participant: a closed-loop model of a person typing by dwell.

`SimUser` is a gaze script for `sim.gaze.SimGaze` (it says where the eyes go
next, asked at the end of each fixation) that watches the same session a person
would: which key lights up under its gaze, the text in the output panel, and, when
the window shows one, the gaze cursor. What it does, each step tied to a parameter
of `UserParams` (docs/simulation.md gives the sources and the figures it reaches):

- Eye movements: saccades follow the main sequence (`sim.gaze`), undershoot
  their target by a fraction of the amplitude and scatter in proportion to it; a
  landing far from the aim is followed by a corrective saccade. Reading fixations
  and keyboard search fixations have gamma-distributed durations; words are
  fixated at the preferred viewing position, a little left of their centre.
  Fixational noise, blinks and data loss come from the tracker model (`SimConfig`).
- Typing: it looks at the intended key. While it dwells it checks the feedback
  every `check_ms`; when the key lighting up is not the one it wants (seen after
  `react_ms`), it aims off-target to compensate: from the gaze cursor when one is
  shown, otherwise from which key lit up. It learns a compensation from those
  observations (`learn_rate`) and uses it on the next keys, but a fraction of its
  first looks at a key still go to the key's centre (`capture_p`: the eye is drawn
  to the visual target) and a held off-target fixation slips back to the centre
  now and then (`recapture_hz`).
- Rest and quick phrases (`Rest`, `SayPhrase` among the phrases): it puts the keyboard
  to sleep before a pause, lets its eyes wander (over the keys too: asleep, they type
  nothing), and wakes it with two dwells on the sleep key, looking away in between;
  it says a stock phrase by going to the phrases page and dwelling on the phrase.
- Suggestions (when the row is shown): before each letter it scans the row with
  probability `scan_p` (reading fixations on the candidates, left to right, until the
  intended word; a word read before and still in its slot is not read again: stable
  positions), selects the intended word by dwell when it is there unless it misses
  it (`miss_p`), and otherwise ignores the row and types on.
- Output: it glances at each new letter (`glance_char_p`) and at each finished word
  (`glance_word_p`), proofreads the phrase word by word before "done", and fixes
  the errors it sees with backspace: its own slips (`slip_p`: the neighbouring key)
  and wrong keys that got selected under it.

Time is the simulated clock (`t_s`, seconds); positions are screen px. Headless.
"""
from __future__ import annotations

import itertools
import math
import random
from collections import deque
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from gazetype.keyboard.layout import (
    BACKSPACE,
    DONE,
    PAGE_LETTERS,
    PAGE_PHRASES,
    PAGE_SYMBOLS,
    SLEEP,
    SPACE,
    STUDY_LAYOUT,
    Layout,
)
from gazetype.keyboard.model import KeyboardModel
from gazetype.pipeline.session import TypingSession
from gazetype.sim.drive import Plan
from gazetype.sim.gaze import PlannedFixation, SimConfig, SimTracker
from gazetype.tracker.keyid import phrase_key, word_key
from gazetype.tracker.screen import Screen


@dataclass(frozen=True, slots=True)
class UserParams:
    """A simulated person and their tracker. Durations in ms, angles in degrees."""

    # Eye movements
    reading_fix_ms: float = 230.0  # mean reading fixation (Rayner 1998: 225-250 ms in silent reading)
    reading_fix_sd_ms: float = 70.0
    search_fix_ms: float = 275.0  # mean fixation while searching the keyboard (scene/search viewing: 260-330 ms)
    search_fix_sd_ms: float = 90.0
    search_p: float = 0.15  # chance of a search fixation on the way to a key
    undershoot: float = 0.07  # saccades fall short by this fraction of their amplitude
    landing_sd_frac: float = 0.05  # landing scatter, as a fraction of the amplitude
    landing_sd_min_deg: float = 0.15
    corrective_deg: float = 1.0  # a landing farther than this from the aim gets a corrective saccade
    corrective_ms: float = 150.0  # latency of that corrective saccade
    pvl_frac: float = 0.45  # where in a word the eyes land, from its left edge
    # Feedback and compensation
    react_ms: float = 250.0  # from a key lighting up to acting on it
    check_ms: float = 50.0  # how often the feedback is taken in while dwelling
    after_select_ms: float = 150.0  # looking at a key as it is selected
    perceive_sd_deg: float = 0.3  # error in judging where the cursor is
    learn_rate: float = 0.5  # weight of each new observation in the learned compensation
    capture_p: float = 0.3  # a first look at a key goes to its centre despite the compensation
    recapture_hz: float = 0.3  # rate at which a held off-target fixation slips back to the centre
    max_key_s: float = 8.0  # stuck on one key this long: look away and start again
    # Output
    glance_char_p: float = 0.4
    glance_word_p: float = 0.8
    proofread: bool = True
    read_target_p: float = 0.9  # reads a study's phrase before copying it
    slip_p: float = 0.02  # a letter aimed at the neighbouring key
    notice_wrong_p: float = 0.8  # a wrong key selected under the gaze is noticed at once
    fix_back_max: int = 10  # an error found further back than this many letters is left in
    give_up_s: float = 150.0  # a phrase taking longer than this is ended as it is
    # Word suggestions (when the keyboard shows the row): before a letter, the row is
    # scanned with this chance (reading the candidates left to right until the intended
    # word), the intended word selected when seen, but missed now and then.
    scan_p: float = 0.6
    miss_p: float = 0.1
    # Tracker (as it reports this person)
    precision_deg: float = 0.15  # SD of fixational noise per axis
    blink_rate_hz: float = 0.25
    blink_ms: float = 150.0
    loss_p: float = 0.01

    def sim_config(self, rate_hz: float = 120.0, seed: int = 0) -> SimConfig:
        """The simulated tracker for this person (landing is modelled here, not there)."""
        return SimConfig(rate_hz=rate_hz, noise_deg=self.precision_deg, landing_sd_deg=0.0, undershoot=0.0,
                         blink_rate_hz=self.blink_rate_hz, blink_s=self.blink_ms / 1000.0,
                         loss_prob=self.loss_p, seed=seed)

    def from_population(self, rng: random.Random) -> "UserParams":
        """A person drawn from the population's ranges (`sim.population.RANGES`, shared
        with the independent typists of the autocalibration benchmark): saccadic
        undershoot 0 to 12 % (a quarter of people none), corrective saccades or not,
        landing position in a word, glance habits, proofreading, tracker precision;
        the rest varied as in `varied`."""
        from gazetype.sim.population import RANGES, SHARE_NO_UNDERSHOOT
        u = lambda name: rng.uniform(*RANGES[name])  # noqa: E731
        base = self.varied(rng)
        look = rng.random()
        return replace(base,
                       undershoot=0.0 if rng.random() < SHARE_NO_UNDERSHOOT else u("undershoot_frac"),
                       corrective_deg=base.corrective_deg if rng.random() < 0.5 else 90.0,  # 90: never corrects
                       pvl_frac=u("landing_frac"),
                       glance_char_p=0.0 if look < 0.2 else rng.uniform(0.0, 0.9),
                       glance_word_p=0.0 if look < 0.2 else rng.uniform(0.3, 1.0),
                       proofread=rng.random() < 0.5,
                       precision_deg=u("noise_deg"))

    def varied(self, rng: random.Random, sd_frac: float = 0.15) -> "UserParams":
        """A different person: fixation durations, reaction and learning vary by ~sd_frac."""
        def v(x: float, lo: float = 0.0, hi: float = math.inf) -> float:
            return min(max(x * rng.lognormvariate(0.0, sd_frac), lo), hi)
        return replace(self, reading_fix_ms=v(self.reading_fix_ms), search_fix_ms=v(self.search_fix_ms),
                       react_ms=v(self.react_ms), learn_rate=v(self.learn_rate, 0.05, 1.0),
                       capture_p=v(self.capture_p, 0.0, 1.0), slip_p=v(self.slip_p, 0.0, 0.5))


ZERO = (0.0, 0.0)


@dataclass(frozen=True, slots=True)
class Rest:
    """Among a person's phrases: a pause of `s` seconds, with the keyboard asleep."""

    s: float


@dataclass(frozen=True, slots=True)
class SayPhrase:
    """Among a person's phrases: say `text` from the phrases page instead of typing it."""

    text: str


class Feedback:
    """What the simulated person can see of a `TypingSession`: the key lit under its
    gaze, the selections, and the gap between its gaze and the cursor (`residual`:
    tracker error plus induced offset minus the correction in force, px)."""

    def __init__(self, session: TypingSession, tracker_offset: Callable[[float], tuple[float, float]] | None = None,
                 cursor_visible: Callable[[], bool] = lambda: False) -> None:
        self.session = session
        self.tracker_offset = tracker_offset or (lambda t: ZERO)
        self.cursor_visible = cursor_visible

    def lit_key(self) -> str | None:
        return self.session.pipeline.dwell.focus.key_id

    def n_selections(self) -> int:
        return self.session.n_selections

    def last_selection(self) -> str | None:
        s = self.session.selections
        return s[-1].key_id if s else None

    def residual(self, t_s: float) -> tuple[float, float]:
        p = self.session.pipeline
        ox, oy = self.tracker_offset(t_s)
        ix, iy = p.induced.offset_at(t_s) if p.induced is not None else ZERO
        ax, ay = p.corrector.applied
        return ox + ix - ax, oy + iy - ay


class SimUser:
    """`next_fixation(t_s)` for `SimGaze`. Types `phrases` in turn (done after each),
    or, with `phrases=None`, whatever `model.target_phrase` asks while `active()`.
    Call `attach(feedback)` before the first fixation (or pass it here)."""

    def __init__(self, model: KeyboardModel, params: UserParams | None = None, *, screen: Screen | None = None,
                 phrases: Iterable[str] | None = None, repeat: bool = True, active: Callable[[], bool] = lambda: True,
                 feedback: Feedback | None = None, seed: int = 0) -> None:
        self.model = model
        self.p = params or UserParams()
        self.ppd = (screen or Screen()).px_per_deg
        self.rng = random.Random(seed)
        self.active = active
        self.fb = feedback
        self._phrases = None if phrases is None else (itertools.cycle(list(phrases)) if repeat else iter(list(phrases)))
        self._plan = None
        self._target: str | None = None
        self._pos = (model.window[2] / 2, model.window[3] / 2)  # where the eyes are (aimed)
        self.comp = [0.0, 0.0]  # learned compensation, px: aim = key centre - comp
        # (t_start_s, duration_s, kind, x_px, y_px) of every fixation, true gaze
        self.log: list[tuple[float, float, str, float, float]] = []
        self.phrases_done = 0
        self.corrections = 0  # re-aims after the wrong (or no) key lit up
        self.backspaces = 0
        self._row_read: dict[int, str] = {}  # suggestion slot -> the word read there

    def attach(self, feedback: Feedback) -> None:
        self.fb = feedback

    # -- eye movement primitives ----------------------------------------------------------
    def _gamma_s(self, mean_ms: float, sd_ms: float) -> float:
        k = (mean_ms / sd_ms) ** 2
        return max(self.rng.gammavariate(k, mean_ms / k), 80.0) / 1000.0

    def _land(self, aim: tuple[float, float]) -> tuple[float, float]:
        """Where a saccade from the current position towards `aim` lands."""
        p, g = self.p, self.rng.gauss
        dx, dy = aim[0] - self._pos[0], aim[1] - self._pos[1]
        amp = math.hypot(dx, dy)
        sd = max(p.landing_sd_min_deg * self.ppd, p.landing_sd_frac * amp)
        return (aim[0] - p.undershoot * dx + g(0, sd), aim[1] - p.undershoot * dy + g(0, sd))

    def _fix(self, t_s: float, x: float, y: float, dur_s: float, kind: str):
        self._pos = (x, y)
        self.log.append((t_s, dur_s, kind, x, y))
        return ("fix", PlannedFixation(x, y, dur_s))

    def _read_word(self, w, kind: str, t_hint: float = 0.0):
        """A saccade to a word and a reading fixation there (one command)."""
        width = w.box[2] - w.box[0]
        aim = (w.box[0] + self.p.pvl_frac * width, w.cy_px)
        x, y = self._land(aim)
        x = min(max(x, w.box[0] - 0.2 * width), w.box[2] + 0.2 * width)  # a word is its own target
        return ("read", (x, y, self._gamma_s(self.p.reading_fix_ms, self.p.reading_fix_sd_ms), kind))

    # -- the plan: a generator of commands, sent the time ---------------------------------
    def _dwell(self, key_id: str):
        """Look at a key until a selection happens; returns the selected key id (or None
        when the key is gone, e.g. the page changed)."""
        p, g, fb = self.p, self.rng.gauss, self.fb
        k = self.model.keys.get(key_id)
        if k is None:
            return None
        n0 = fb.n_selections()
        centre = (k.cx_px, k.cy_px)
        t = yield None
        if p.search_p and self.rng.random() < p.search_p:
            # A search fixation somewhere between here and the key.
            u = self.rng.uniform(0.3, 0.8)
            sx = self._pos[0] + u * (centre[0] - self._pos[0]) + g(0, 0.5 * k.width_px)
            sy = self._pos[1] + u * (centre[1] - self._pos[1]) + g(0, 0.5 * k.height_px)
            yield self._fix(t, sx, sy, self._gamma_s(p.search_fix_ms, p.search_fix_sd_ms), "search")
            t = yield None
        comp = ZERO if self.rng.random() < p.capture_p else tuple(self.comp)
        aim = (centre[0] - comp[0], centre[1] - comp[1])
        land = self._land(aim)
        if math.hypot(land[0] - aim[0], land[1] - aim[1]) > p.corrective_deg * self.ppd:
            yield self._fix(t, land[0], land[1], p.corrective_ms / 1000.0, "key")
            t = yield None
            sd = p.landing_sd_min_deg * self.ppd
            land = (aim[0] + g(0, sd), aim[1] + g(0, sd))
        pos, t_pos, t_start = land, t, t
        check_s, react_s = p.check_ms / 1000.0, p.react_ms / 1000.0
        while fb.n_selections() == n0:
            if self.model.keys.get(key_id) is None:
                return None
            if t - t_start > p.max_key_s:  # stuck: look away, then start again
                yield self._away(t)
                t = yield None
                pos, t_pos, t_start = self._land(pos), t, t
                continue
            lit = fb.lit_key()
            if lit != key_id and t - t_pos >= react_s:
                r = self._perceived_error(t, pos, lit)
                self._learn(r)
                sd = p.landing_sd_min_deg * self.ppd
                pos, t_pos = (centre[0] - r[0] + g(0, sd), centre[1] - r[1] + g(0, sd)), t
                self.corrections += 1
            elif (p.recapture_hz and math.hypot(pos[0] - centre[0], pos[1] - centre[1]) > 0.25 * k.width_px
                  and self.rng.random() < p.recapture_hz * check_s):
                sd = p.landing_sd_min_deg * self.ppd
                pos, t_pos = (centre[0] + g(0, sd), centre[1] + g(0, sd)), t  # drawn back to the target
            yield self._fix(t, pos[0], pos[1], check_s, "key")
            t = yield None
        sel = fb.last_selection()
        if sel == key_id and fb.cursor_visible():
            # The cursor sat on the key during the dwell: take its offset from the eye in.
            self._learn(self._perceived_error(t, pos, sel))
        yield self._fix(t, pos[0], pos[1], p.after_select_ms / 1000.0, "key")
        return sel

    def _learn(self, r: tuple[float, float]) -> None:
        """Fold a perceived error (px) into the learned compensation."""
        a = self.p.learn_rate
        self.comp[0] += a * (r[0] - self.comp[0])
        self.comp[1] += a * (r[1] - self.comp[1])

    def _perceived_error(self, t: float, eye: tuple[float, float], lit: str | None) -> tuple[float, float]:
        """Where the person thinks the tracker puts its gaze, relative to its eyes (px)."""
        g, sd = self.rng.gauss, self.p.perceive_sd_deg * self.ppd
        k = self.model.keys.get(lit) if lit is not None else None
        if self.fb.cursor_visible() or k is None:
            rx, ry = self.fb.residual(t)  # the cursor shows it (or, with no key lit, the person searches)
            return (rx + g(0, sd), ry + g(0, sd))
        # No cursor: the lit key's centre is the best guess of where the tracker thinks it looks.
        return (k.cx_px - eye[0] + g(0, sd), k.cy_px - eye[1] + g(0, sd))

    def _away(self, t: float):
        o = self.model.layout.output
        return self._fix(t, 0.5 * (o[0] + o[2]), 0.5 * (o[1] + o[3]), 0.4, "away")

    def _rest(self, t: float):
        o = self.model.layout.output
        x, y = self._land((0.5 * (o[0] + o[2]), 0.5 * (o[1] + o[3])))
        return self._fix(t, x, y, 0.5, "rest")

    def _neighbour(self, key_id: str) -> str:
        k = self.model.keys.get(key_id)
        if k is None:
            return key_id
        cands = [o for o in self.model.keys if o.key_id != key_id and o.is_char
                 and math.hypot(o.cx_px - k.cx_px, o.cy_px - k.cy_px) < 1.6 * k.width_px]
        return self.rng.choice(cands).key_id if cands else key_id

    def _phrase_words(self, phrase: str):
        n = len(phrase.split())
        words = self.model.text_layout.words
        return list(words[-n:]) if n else []

    def _type(self, phrase: str, base: str):
        p, rng = self.p, self.rng
        known_bad: int | None = None  # index of the first error the person knows about
        t_begin = yield None
        # A phrase to copy is read first, word by word (the text-entry protocol: read, then type).
        tl = self.model.target_layout
        if tl is not None and self.model.target_phrase == phrase and rng.random() < p.read_target_p:
            for w in tl.words:
                yield self._read_word(w, "target")
                yield None
        while True:
            t = yield None
            text = self.model.buffer.text
            if not text.startswith(base):
                return  # someone else changed the text
            typed = text[len(base):]
            if known_bad is not None and (len(typed) <= known_bad or len(typed) - known_bad > p.fix_back_max):
                known_bad = None  # fixed, or too far back to be worth it
            if t - t_begin > p.give_up_s:
                key = DONE
            elif known_bad is not None or (len(typed) > len(phrase) and typed != phrase + " "):
                key = BACKSPACE
            elif len(typed) >= len(phrase):  # the phrase, or the phrase and a suggestion's space
                if p.proofread:
                    for w in self._phrase_words(phrase):
                        yield self._read_word(w, "proofread")
                        t = yield None
                bad = next((i for i, (a, b) in enumerate(zip(typed, phrase)) if a != b), None)
                if bad is not None and p.proofread and len(typed) - bad <= p.fix_back_max:
                    known_bad = bad
                    continue
                key = DONE
            else:
                ch = phrase[len(typed)]
                key = SPACE if ch == " " else ch
                word_key = None
                if key != SPACE and self.model.suggestions and typed == phrase[:len(typed)]:
                    word_key = yield from self._scan_row(phrase, typed)
                if word_key is not None:
                    key = word_key
                elif key != SPACE and p.slip_p and rng.random() < p.slip_p:
                    key = self._neighbour(key)
            if self.model.keys.get(key) is None:  # on the other page: switch first
                key = PAGE_SYMBOLS if self.model.page == "letters" else PAGE_LETTERS
            sel = yield from self._dwell(key)
            if sel is None:
                continue
            if sel == BACKSPACE:
                self.backspaces += 1
            if sel == DONE:
                return
            after = self.model.buffer.text[len(base):] if self.model.buffer.text.startswith(base) else ""
            pos = len(after) - 1
            if sel != key and sel is not None and len(sel) == 1 and rng.random() < p.notice_wrong_p:
                known_bad = pos if known_bad is None else min(known_bad, pos)
            nxt = phrase[len(after)] if after == phrase[:len(after)] and len(after) < len(phrase) else None
            words = self.model.text_layout.words
            if sel == SPACE and words and rng.random() < p.glance_word_p:
                yield self._read_word(words[-1], "glance")
                w = after.rstrip().split(" ")[-1] if after.strip() else ""
                start = len(after.rstrip()) - len(w)
                bad = next((start + i for i, ch in enumerate(w) if start + i >= len(phrase) or phrase[start + i] != ch), None)
                if bad is not None:
                    known_bad = bad if known_bad is None else min(known_bad, bad)
            elif sel == BACKSPACE or (sel is not None and len(sel) == 1 and (rng.random() < p.glance_char_p or nxt == sel)):
                # A glance at the new last letter (also the look-away a repeated key needs).
                if words:
                    w = words[-1]
                    cw = (w.box[2] - w.box[0]) / max(len(w.text), 1)
                    x, y = self._land((w.box[2] - 0.5 * cw, w.cy_px))
                else:
                    c = self.model.text_layout.caret
                    x, y = self._land((c[0], 0.5 * (c[1] + c[3])))
                t = yield None
                yield self._fix(t, x, y, self._gamma_s(p.reading_fix_ms, p.reading_fix_sd_ms), "glance")
                if pos >= 0 and (pos >= len(phrase) or after[pos] != phrase[pos]):
                    known_bad = pos if known_bad is None else min(known_bad, pos)

    def _scan_row(self, phrase: str, typed: str):
        """Maybe read the suggestion row; the intended word's key if it is to be selected."""
        p, rng = self.p, self.rng
        start = typed.rfind(" ") + 1
        end = phrase.find(" ", start)
        word = phrase[start:len(phrase) if end < 0 else end].lower()
        if rng.random() >= p.scan_p:
            return None  # the row ignored this time
        found = False
        for i, it in enumerate(self.model.suggestions_event(0.0).items):
            if self._row_read.get(i) != it.text:  # a word read before and still in its slot is known
                self._row_read[i] = it.text
                x0, y0, x1, y1 = it.box
                x, y = self._land((x0 + p.pvl_frac * (x1 - x0), 0.5 * (y0 + y1)))
                t = yield None
                yield self._fix(t, x, y, self._gamma_s(p.reading_fix_ms, p.reading_fix_sd_ms), "suggestion")
            if it.text.lower() == word:
                found = True
                break
        if found and rng.random() >= p.miss_p:
            return word_key(word)
        return None

    def _rest_asleep(self, rest: Rest):
        """Sleep the keyboard, rest the eyes for `rest.s`, then wake it (two dwells in a row)."""
        if self.model.keys.get(SLEEP) is None:
            return  # a keyboard without sleep (the studies'): just rest
        sel = yield from self._dwell(SLEEP)
        t = yield None
        if sel != SLEEP or not self.model.asleep:
            return
        t_end = t + rest.s
        spots = [k for k in self.model.keys if k.key_id != SLEEP]
        while t < t_end:
            k = self.rng.choice(spots)  # eyes wander over the keys: asleep, nothing is typed
            x, y = self._land((k.cx_px, k.cy_px))
            yield self._fix(t, x, y, min(self._gamma_s(600.0, 250.0), max(t_end - t, 0.08)), "rest")
            t = yield None
        for _ in range(4):  # wake: a dwell, a look away, a dwell (a few tries at most)
            if not self.model.asleep:
                return
            yield from self._dwell(SLEEP)
            t = yield None
            yield self._away(t)

    def _say_phrase(self, say: SayPhrase):
        """To the phrases page and a dwell on the phrase (back to typing after it)."""
        for _ in range(3):
            if self.model.page == "phrases":
                break
            page_key = PAGE_PHRASES if self.model.keys.get(PAGE_PHRASES) is not None else PAGE_LETTERS
            if self.model.keys.get(page_key) is None:
                return  # no phrases page in this layout
            yield from self._dwell(page_key)
        if self.model.keys.get(phrase_key(say.text)) is None:
            return  # not offered
        yield from self._dwell(phrase_key(say.text))

    def _plan_for(self, target, base: str):
        if isinstance(target, Rest):
            yield from self._rest_asleep(target)
        elif isinstance(target, SayPhrase):
            yield from self._say_phrase(target)
        else:
            yield from self._type(target, base)
        self.phrases_done += 1

    def next_fixation(self, t_s: float) -> PlannedFixation | None:
        if self._phrases is None:
            target = self.model.target_phrase if self.active() else None
            if target is None:
                self._plan, self._target = None, None
                return self._rest(t_s)[1]
            if target != self._target or self._plan is None:
                self._target = target
                self._plan = Plan(self._plan_for(target, ""))
        elif self._plan is None:
            nxt = next(self._phrases, None)
            if nxt is None:
                return None
            self._target = nxt
            self._plan = Plan(self._plan_for(nxt, self.model.buffer.text))
        cmd = self._plan.next_command(t_s)
        if cmd is None:
            self._plan = None
            if self._phrases is not None:
                return self.next_fixation(t_s)
            return self._rest(t_s)[1]
        kind, arg = cmd
        if kind == "read":
            x, y, dur, what = arg
            return self._fix(t_s, x, y, dur, what)[1]
        return arg


class SimUserTracker(SimTracker):
    """The simulated tracker with a `SimUser` behind it, for the live windows. The
    window calls `attach_session` once its session exists. The person's log keeps its
    latest `LOG_KEPT` fixations (a window may run all day; nothing reads it live)."""

    LOG_KEPT = 10_000

    def __init__(self, screen: Screen, model: KeyboardModel, *, params: UserParams | None = None,
                 phrases: Iterable[str] | None = None, active: Callable[[], bool] = lambda: True,
                 rate_hz: float = 120.0, seed: int = 0, clock=None) -> None:
        params = params or UserParams()
        self.user = SimUser(model, params, screen=screen, phrases=phrases, active=active, seed=seed)
        self.user.log = deque(maxlen=self.LOG_KEPT)
        super().__init__(screen, script=self.user, config=params.sim_config(rate_hz, seed), clock=clock)

    def attach_session(self, session: TypingSession, cursor_visible: Callable[[], bool] = lambda: False) -> None:
        def tracker_offset(t_s: float) -> tuple[float, float]:
            return self.offset.at(t_s - self.gaze.t0_s) if self.gaze is not None else ZERO
        self.user.attach(Feedback(session, tracker_offset, cursor_visible))


def simulate_typing(phrases: Iterable[str], *, params: UserParams | None = None, seed: int = 0,
                    screen: Screen | None = None, dwell_s: float = 1.0, offset=None, calibrator=None,
                    rate_hz: float = 120.0, cursor: bool = False, max_s: float = 600.0, recorder=None,
                    layout=None, phrases_page=None, suggestions: int = 0, predictor=None):
    """A `SimUser` types `phrases` once each (done after each; `Rest` and `SayPhrase`
    among them rest or say a phrase) on a full-screen keyboard of `layout` (default: the
    study layout; `phrases_page` fills its phrases page), headless. `offset` (an `OffsetModel`) is induced into the stream; `calibrator`
    corrects it (None: no correction); `recorder` gets the session as a recording.
    Returns (session, user, last sample time s)."""
    from gazetype.pipeline.spec import PipelineSpec, build_model, build_session
    from gazetype.sim.gaze import SimGaze

    screen = screen or Screen()
    params = params or UserParams()
    extra = {} if phrases_page is None else {"phrases": tuple(phrases_page)}
    spec = PipelineSpec(tracker="sim", induced_offset=offset.spec if offset is not None else "0", dwell_s=dwell_s,
                        layout=layout.name if isinstance(layout, Layout) else (layout or STUDY_LAYOUT),
                        suggestions=suggestions)
    model = build_model(spec, screen, predictor=predictor, layout=layout if isinstance(layout, Layout) else None,
                        **extra)
    session = build_session(spec, screen, model=model, calibrator=calibrator, recorder=recorder,
                            induced=offset, induced_t0_s=0.0,
                            keep_selections=None)  # all of them, for the analyses
    session.start(0.0)
    user = SimUser(model, params, screen=screen, phrases=phrases, repeat=False,
                   feedback=Feedback(session, cursor_visible=lambda: cursor), seed=seed)
    t = 0.0
    for s in SimGaze(user, screen, params.sim_config(rate_hz, seed)).until(max_s):
        session.feed(s)
        t = s.t_s
    return session, user, t
