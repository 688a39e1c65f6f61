"""A plain closed-loop typist on the real headless keyboard, for the population benchmark.

Independent of the project's simulated people (`sim.typists`, `sim.person`,
`sim.gaze`): its eyes are `sim.plain_eyes.PlainEyes` and its habits come from a
`sim.population.PersonSpec`.

It types messages (one phrase then "done", or with `multiline` 2-3 phrases joined
by spaces so that the output wraps, then "done") on the live
model, pipeline and session (`pipeline.spec.build_session`), the live pipeline applying the
calibrator's published estimate (closed loop).

- Keys: it fixates the key's centre plus its learnt compensation until the
  session selects it. When another key lights up (`pipeline.dwell.focus`) it
  shifts its aim by the difference (key centre minus lit key centre) and keeps
  that shift for the next keys, as people do; when nothing lights up it searches
  around. A wrong selection is undone with backspace; a slip (a neighbouring
  letter, `slip_p`) is undone with probability `slip_fix_p`, else kept.
  Selecting the same key twice needs a look away first (the dwell engine's rule):
  it glances just above the key.
- Output: gaze at the text is straight at it (no compensation). After each letter
  (`glance_when` "letter") or each finished word ("word") it glances with
  probability `glance_p` at the new letter or at the word (`glance_target`; "none":
  never), landing at `landing_frac` of a word's width. With `proofread` it reads
  the message word by word before "done", going back a word with `regression_p`.

`PlainTypist(spec, calibrator).run(duration_s)` returns a `Trace`: every `step_s`
the true offset, the published estimate and their distance, the largest published
correction, and what was typed.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from gazetype.keyboard.layout import BACKSPACE, DONE, PAGE_LETTERS, SPACE
from gazetype.pipeline.spec import PipelineSpec, build_session
from gazetype.sim.plain_eyes import PlainEyes
from gazetype.sim.population import PersonSpec, offset_at
from gazetype.tracker.screen import Screen

# Phrases of this module's own (lower case letters and spaces only).
PHRASES = (
    "bring an umbrella tomorrow", "the train leaves at noon", "please call me back later",
    "we ran out of milk again", "my sister plays the violin", "the garden needs more water",
    "turn left at the old church", "a cold wind from the north", "keep the receipt just in case",
    "the meeting moved to friday", "open the window a little", "he forgot his keys at home",
    "lunch is ready in ten minutes", "the cat sleeps on the sofa", "send me the photos please",
    "this soup tastes of pepper", "our flight was delayed", "she paints small blue boats",
)


class _Stop(Exception):
    """The session's time is up."""


@dataclass
class Trace:
    times: list[float] = field(default_factory=list)
    true_px: list[tuple[float, float]] = field(default_factory=list)
    est_px: list[tuple[float, float]] = field(default_factory=list)
    err_px: list[float] = field(default_factory=list)  # |published estimate - true offset|
    max_published_px: float = 0.0  # largest |published estimate| over the session
    n_offsets: int = 0
    text: str = ""
    goal: str = ""  # what the typist meant to have typed by the end (slips it kept included)
    selections: int = 0
    wrong_selections: int = 0  # selections of a key it did not aim at
    stuck_keys: int = 0  # keys given up on
    messages_done: int = 0
    output_s: float = 0.0  # time spent looking at the output

    def settle_s(self, tol_px: float, t_from: float = 0.0) -> float:
        """Time from t_from until the error stays within tol_px (inf: never)."""
        last_bad = None
        for t, e in zip(self.times, self.err_px):
            if t >= t_from and e > tol_px:
                last_bad = t
        if last_bad is None:
            return 0.0
        later = [t for t in self.times if t > last_bad]
        return later[0] - t_from if later else math.inf

    @property
    def final_err_px(self) -> float:
        return self.err_px[-1] if self.err_px else math.nan

    @property
    def mean_err_px(self) -> float:
        return sum(self.err_px) / len(self.err_px) if self.err_px else math.nan


def eyes_for(spec: PersonSpec, screen: Screen, offset=None) -> PlainEyes:
    """The eyes of `spec` (offset: a function of time; default the spec's own)."""
    return PlainEyes(screen, rate_hz=spec.rate_hz, undershoot_frac=spec.undershoot_frac,
                     undershoot_sd_frac=spec.undershoot_sd_frac, corrective=spec.corrective,
                     corrective_latency_s=spec.corrective_latency_s, noise_deg=spec.noise_deg,
                     loss_p=spec.loss_p, blink_per_s=spec.blink_per_s,
                     offset=offset if offset is not None else (lambda t: offset_at(spec, t)),
                     seed=spec.seed, start_px=(0.5 * screen.width_px, 0.75 * screen.height_px))


def _key_for(ch: str) -> str:
    return SPACE if ch == " " else DONE if ch == "\n" else ch


class PlainTypist:
    def __init__(self, spec: PersonSpec, calibrator=None, *, screen: Screen | None = None,
                 phrases=PHRASES, step_s: float = 0.25, max_key_s: float = 10.0) -> None:
        self.spec = spec
        self.screen = screen = screen or Screen()
        self.ppd = screen.px_per_deg
        self.rng = random.Random(f"plain-typist-{spec.seed}")
        run = PipelineSpec(tracker="sim", dwell_s=spec.dwell_s, font_px=48.0 * screen.height_px / 1080)
        self.session = build_session(run, screen, calibrator=calibrator)
        self.model, self.pipeline = self.session.model, self.session.pipeline
        self.eyes = eyes_for(spec, screen)
        self.phrases = list(phrases)
        self.step_s = step_s
        self.max_key_s = max_key_s
        self.comp = [0.0, 0.0]  # learnt aim shift for keys (true px)
        self.goal = ""  # the text the typist means to have on screen
        self.trace = Trace()
        self._t_end = 0.0
        self._t_next = 0.0
        self._selected: list[str] = []
        self._last_key: str | None = None

    # -- the loop: every sample goes through here --------------------------------------
    def _feed(self, samples, until=None) -> bool:
        """Feed samples to the session; True when `until()` (checked after each) ended it early."""
        tr = self.trace
        pipeline = self.pipeline
        for s in samples:
            st = self.session.feed(s)
            off = st.step.offset
            if off is not None:
                tr.n_offsets += 1
                m = math.hypot(off.dx_px, off.dy_px)
                if m > tr.max_published_px:
                    tr.max_published_px = m
            for sel in st.step.selections:
                self._selected.append(sel.key_id)
                tr.selections += 1
            if s.t_s >= self._t_next:
                ox, oy = offset_at(self.spec, s.t_s)
                e = pipeline.offset
                ex, ey = (e.dx_px, e.dy_px) if e is not None else (0.0, 0.0)
                tr.times.append(s.t_s)
                tr.true_px.append((ox, oy))
                tr.est_px.append((ex, ey))
                tr.err_px.append(math.hypot(ex - ox, ey - oy))
                self._t_next += self.step_s
            if s.t_s >= self._t_end:
                raise _Stop
            if until is not None and until():
                return True
        return False

    def _look(self, x: float, y: float, dur_s: float, until=None) -> bool:
        return self._feed(self.eyes.fixate(x, y, dur_s), until)

    def _hold(self, dur_s: float, until=None) -> bool:
        return self._feed(self.eyes.hold(dur_s), until)

    # -- keys ---------------------------------------------------------------------------
    def _press(self, kid: str) -> str | None:
        """Dwell on key `kid` until something is selected; returns the selected key id
        (None: gave up)."""
        sp, rng = self.spec, self.rng
        model = self.model
        self._selected.clear()
        got = lambda: bool(self._selected)  # noqa: E731
        if kid == self._last_key:  # look away first: the engine will not select a key twice
            k = model.keys.get(kid)
            self._look(k.cx_px + self.comp[0], k.box[1] + self.comp[1] - 0.8 * k.height_px,
                       rng.uniform(0.12, 0.2))
            self._selected.clear()
        t0 = self.eyes.t_s
        search = 0
        nothing_s = 0.0
        base = None  # the aim shift when the search began
        while True:
            key = model.keys.get(kid)
            if key is None:  # another page: go back to the letters
                kid = PAGE_LETTERS
                key = model.keys.get(kid)
            ax = key.cx_px + self.comp[0] + rng.gauss(0.0, 0.04 * key.width_px)
            ay = key.cy_px + self.comp[1] + rng.gauss(0.0, 0.04 * key.height_px)
            if self._look(ax, ay, sp.reaction_s, got):
                break
            # Watch the key light up and fill; react when the wrong one (or none) has been lit for
            # the reaction time (the look above already lasted that long).
            moved = False
            wrong_s = nothing_s = sp.reaction_s
            while not moved:
                if self.eyes.t_s - t0 > self.max_key_s:
                    self.trace.stuck_keys += 1
                    return None
                lit = self.pipeline.dwell.focus.key_id
                other = model.keys.get(lit) if lit is not None else None
                if lit == kid:
                    wrong_s = nothing_s = 0.0
                    base, search = None, 0
                elif other is None:
                    if nothing_s >= sp.reaction_s:
                        # Nothing lights up: search around where it aimed, half a key each way in turn.
                        if base is None:
                            base = tuple(self.comp)
                        dx, dy = ((0, 1), (0, -1), (1, 0), (-1, 0))[search % 4]
                        step = 0.5 * (1 + search // 4)
                        self.comp[0] = base[0] + dx * step * key.width_px
                        self.comp[1] = base[1] + dy * step * key.height_px
                        search += 1
                        moved = True
                        continue
                    nothing_s += 0.05
                elif wrong_s >= sp.reaction_s:
                    self._shift(key, other)  # the wrong key lit up: aim off by the difference
                    base, search = None, 0
                    moved = True
                    continue
                else:
                    wrong_s += 0.05
                if self._hold(0.05, got):
                    break
            if self._selected:
                break
        sel = self._selected[0]
        if sel != kid:  # the wrong key was selected: aim off by the difference next time
            key, other = model.keys.get(kid), model.keys.get(sel)
            if key is not None and other is not None:
                self._shift(key, other)
        # React to the selection, then move on.
        self._hold(rng.uniform(0.08, 0.15))
        self._last_key = sel
        return sel

    def _shift(self, key, other) -> None:
        """Another key lit up (or was selected) instead of `key`: shift the aim by the difference."""
        self.comp[0] += key.cx_px - other.cx_px
        self.comp[1] += key.cy_px - other.cy_px

    def _neighbour(self, ch: str) -> str:
        k = self.model.keys.get(ch)
        near = [o.key_id for o in self.model.keys if o.is_char and o.key_id.isalpha() and o.key_id != ch
                and math.hypot(o.cx_px - k.cx_px, o.cy_px - k.cy_px) < 1.2 * k.width_px]
        return self.rng.choice(near) if near else ch

    # -- output -------------------------------------------------------------------------
    def _glance_fix_s(self) -> float:
        m = self.spec.glance_fix_s
        return max(0.1, self.rng.gauss(m, 0.25 * m))

    def _word_fixations(self, item) -> list[tuple[float, float, float]]:
        sp, rng = self.spec, self.rng
        x0, y0, x1, y1 = item.box
        w = x1 - x0
        cy = 0.5 * (y0 + y1)
        f = min(max(rng.gauss(sp.landing_frac, 0.08), 0.05), 0.95)
        out = [(x0 + f * w, cy + rng.gauss(0.0, 0.04 * (y1 - y0)), self._glance_fix_s())]
        if len(item.text) > 7 and rng.random() < 0.6:  # a long word: a refixation to its end
            out.append((x0 + min(f + 0.35, 0.9) * w, cy, self._glance_fix_s()))
        return out

    def _read(self, fixations) -> None:
        t0 = self.eyes.t_s
        for x, y, d in fixations:
            self._look(x, y, d)
        self.trace.output_s += self.eyes.t_s - t0

    def _glance(self) -> None:
        """Look at the new letter or the last word (straight at the text)."""
        sp = self.spec
        tl = self.model.text_layout
        if not tl.words:
            return
        if sp.glance_target == "letter":
            fx = self.model.font_px * 0.6  # the model's monospace advance
            x0, y0, x1, y1 = tl.caret
            if self.model.buffer.text.endswith(" "):
                x0 -= fx
            self._read([(x0 - 0.5 * fx, 0.5 * (y0 + y1), self._glance_fix_s())])
        else:
            self._read(self._word_fixations(tl.words[-1]))

    def _proofread(self, n_words: int) -> None:
        words = list(self.model.text_layout.words[-n_words:]) if n_words else []
        if not words:
            return
        rng = self.rng
        fix: list[tuple[float, float, float]] = []
        i = 0
        while i < len(words):
            fix.extend(self._word_fixations(words[i]))
            if i > 0 and rng.random() < self.spec.regression_p:
                fix.extend(self._word_fixations(words[i - 1]))
                fix.extend(self._word_fixations(words[i])[:1])
            i += 1
        self._read(fix)

    # -- messages -----------------------------------------------------------------------
    def _sync(self) -> str | None:
        """The next key to press to bring the text towards the goal (None: it is there)."""
        text, goal = self.model.buffer.text, self.goal
        n = 0
        m = min(len(text), len(goal))
        while n < m and text[n] == goal[n]:
            n += 1
        if n < len(text):
            return BACKSPACE
        if n < len(goal):
            return _key_for(goal[n])
        return None

    def _type_message(self, message: str) -> None:
        sp, rng = self.spec, self.rng
        start = len(self.goal)
        self.goal += message + "\n"
        end = len(self.goal)
        proofread = not sp.proofread
        while True:
            if self.model.page != "letters":
                self._press(PAGE_LETTERS)
                continue
            kid = self._sync()
            if kid is None:
                break
            if kid == DONE and not proofread:
                proofread = True
                self._proofread(len(self.goal[start:end].split()))
            aimed = kid
            slip = kid.isalpha() and len(kid) == 1 and rng.random() < sp.slip_p
            if slip:
                aimed = self._neighbour(kid)
            sel = self._press(aimed)
            if sel is None:  # stuck on a key: drop the character from the goal
                i = len(self.model.buffer.text)
                if i < len(self.goal) and kid != BACKSPACE:
                    self.goal = self.goal[:i] + self.goal[i + 1:]
                    end -= 1
                continue
            if sel == "clear":  # everything typed so far is gone: carry on with this message
                self.goal = self.goal[start:]
                end -= start
                start = 0
                continue
            if sel != aimed:
                self.trace.wrong_selections += 1
                continue  # _sync backspaces it next
            if slip and rng.random() >= sp.slip_fix_p:  # the slip stays: the goal takes it
                i = len(self.model.buffer.text) - 1
                self.goal = self.goal[:i] + aimed + self.goal[i + 1:]
            if sel == DONE:
                self.trace.messages_done += 1
                continue
            if sp.glance_target == "none":
                continue
            if sel == SPACE and sp.glance_when == "word" and rng.random() < sp.glance_p:
                self._glance()
            elif len(sel) == 1 and sp.glance_when == "letter" and rng.random() < sp.glance_p:
                self._glance()
            elif len(sel) == 1 and sp.glance_when == "word" and self._sync() == DONE \
                    and rng.random() < sp.glance_p:
                self._glance()  # the last word of the message

    def _messages(self):
        rng = self.rng
        order = list(self.phrases)
        while True:
            rng.shuffle(order)
            i = 0
            while i < len(order):
                k = rng.choice((2, 3)) if self.spec.multiline else 1
                yield " ".join(order[i:i + k])
                i += k

    def run(self, duration_s: float) -> Trace:
        self._t_end = duration_s
        self.session.start(0.0)
        try:
            for message in self._messages():
                self._type_message(message)
        except _Stop:
            pass
        self.trace.text = self.model.buffer.text
        self.trace.goal = self.goal
        return self.trace

    def type_phrases(self, phrases, max_s: float = 600.0) -> Trace:
        """Type exactly these messages (tests); stops after them or at max_s."""
        self._t_end = max_s
        self.session.start(0.0)
        try:
            for m in phrases:
                self._type_message(m)
        except _Stop:
            pass
        self.trace.text = self.model.buffer.text
        self.trace.goal = self.goal
        return self.trace


def run_person(spec: PersonSpec, calibrator=None, duration_s: float = 150.0,
               screen: Screen | None = None) -> Trace:
    """One closed-loop session of `spec` with `calibrator` (None: no correction)."""
    return PlainTypist(spec, calibrator, screen=screen).run(duration_s)
