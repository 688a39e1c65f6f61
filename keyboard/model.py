"""The keyboard's UI model, headless: layout, pages, text and output layout, and the
modes a gaze user switches by gaze (shift, a clear that asks to be confirmed, sleep).
The Qt widgets only draw this; `pipeline.session` joins it to the gaze pipeline."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Sequence

from gazetype.keyboard.layout import (
    CALIBRATE,
    CLEAR,
    COPY,
    FORGET,
    SAVE,
    SHIFT,
    SLEEP,
    SPEAK,
    SUGGESTIONS,
    Key,
    KeyMap,
    Layout,
    ScreenLayout,
    as_layout,
    compute_keys,
    key_label,
)
from gazetype.keyboard.text import SHIFT_CAPS, SHIFT_ONCE, TextBuffer, TextChange, current_sentence, last_line
from gazetype.keyboard.textlayout import Measure, TextLayout, WrapCache, layout_text
from gazetype.tracker.events import Box, LayoutEvent, LayoutItem
from gazetype.tracker.keyid import KeyKind, KeyRef, parse_key, phrase_key, word_key

SUGGESTION_COUNTS = (0, 3, 4, 5)  # the setting: candidates in the row (0: no row)

DEFAULT_PHRASES = ("yes", "no", "thank you", "please", "wait", "I need help")
FORGET_PICK_S = 10.0  # after the forget key: time to pick the phrase to delete


@dataclass(frozen=True, slots=True)
class Action:
    """Something for the outside world, asked for by gaze: "speak" or "copy" `text`,
    "done" (a finished `text`, for the history), "save_phrase" `text`, "sleep", "wake",
    "calibrate" (the tracker's own calibration, confirmed by a second selection),
    "forget_phrase" `text` (delete a phrase from the history: the forget key, the
    phrase, then the phrase again to confirm)."""

    t_s: float
    kind: str
    text: str = ""


class KeyboardModel:
    """Everything the keyboard window shows, computed without Qt, in screen px.

    `window` is the window's rectangle on the screen. Each change returns the
    LayoutEvents describing it, which the session forwards to the pipeline; actions
    for the outside world (speak, copy, ...) queue up for `take_actions()`.

    `layout` (default: the study layout) is a Layout or a layout name. With
    `clear_confirm_s`, clear only asks at first and empties the text when selected again
    within that time (None: at once, as in the studies). `suggestions` (0, 3, 4 or 5)
    candidates in a row above the keys, from `predictor` (keyboard.predict; the wordfreq
    model when None); their keys are "word:TEXT" in the keyboard region, and the row
    also has its own region "suggestions" (the candidates' word boxes). Sleep: while asleep the
    keyboard shows the pipeline only the sleep key, and waking needs two selections of
    it in a row within `wake_window_s`, so a glance cannot wake it.
    """

    def __init__(self, window: Box, *, font_px: float = 48.0, measure: Measure | None = None,
                 target_font_px: float | None = None, target_measure: Measure | None = None,
                 output_frac: float = 0.3, target_frac: float = 0.0,
                 done_inserts_newline: bool = True, layout: Layout | str | None = None,
                 clear_confirm_s: float | None = None, wake_window_s: float = 5.0,
                 phrases: Sequence[str] = DEFAULT_PHRASES, speak_phrases: bool = True,
                 suggestions: int = 0, predictor=None) -> None:
        if suggestions not in SUGGESTION_COUNTS:
            raise ValueError(f"suggestions must be one of {SUGGESTION_COUNTS}, got {suggestions!r}")
        self.suggestions = suggestions
        self._predictor = predictor
        self.slots: tuple[str | None, ...] = ()  # the row's candidates, by slot
        self.font_px = font_px
        self.measure = measure
        self.target_font_px = target_font_px or font_px * 0.8
        self.target_measure = target_measure
        self.output_frac = output_frac
        self.target_frac = target_frac
        self.key_layout: Layout = as_layout(layout)
        self.clear_confirm_s = clear_confirm_s
        self.wake_window_s = wake_window_s
        self.phrases: tuple[str, ...] = tuple(phrases)
        self.speak_phrases = speak_phrases
        self.page = "letters"
        self.buffer = TextBuffer(done_inserts_newline=done_inserts_newline)
        self._wrap = WrapCache()  # the output text grows all day: only its last paragraph is wrapped again
        self.target_phrase: str | None = None
        self.scroll_lines = 0  # lines scrolled back from the caret (0: the caret's line is shown)
        self.asleep = False
        self.clear_armed_until: float | None = None  # clear asked once; confirm before this time
        self.wake_armed_until: float | None = None  # asleep, sleep selected once; again before this time
        # calibrate selected once; again before this time starts it (a glance must not)
        self.calibrate_armed_until: float | None = None
        # The forget key (phrases page) selected: a phrase selected before this time is
        # asked about (not typed); that phrase selected again before `forget_confirm_until`
        # deletes it (as clear asks: a glance must not delete what someone said).
        self.forget_armed_until: float | None = None
        self.forget_phrase: str | None = None
        self.forget_confirm_until: float | None = None
        self._actions: deque[Action] = deque(maxlen=100)  # nobody may drain them (headless runs)
        self.window = window
        self._relayout()

    # -- geometry ---------------------------------------------------------------
    def _relayout(self) -> None:
        lay = ScreenLayout.compute(self.window, output_frac=self.output_frac, target_frac=self.target_frac)
        self._row_px = 0.0
        if self.suggestions:
            # The row is one key row high and is taken from the output panel (which keeps
            # at least a line and a half of text): the keys keep their size.
            kb, out = lay.keyboard, lay.output
            unit = (kb[3] - kb[1]) / len(self.key_layout.pages["letters"])
            self._row_px = max(0.0, min(unit, out[3] - out[1] - 1.5 * self.font_px))
            lay = replace(lay, output=(out[0], out[1], out[2], out[3] - self._row_px),
                          keyboard=(kb[0], kb[1] - self._row_px, kb[2], kb[3]))
        self.layout = lay
        self._compute_keys()
        self._layout_text()

    @property
    def predictor(self):
        if self._predictor is None:
            from gazetype.keyboard.predict import Predictor

            self._predictor = Predictor()
        return self._predictor

    @property
    def keys_box(self) -> Box:
        """Where the keys are: the keyboard area less the suggestion row (if shown)."""
        x0, y0, x1, y1 = self.layout.keyboard
        return (x0, y0 + self.row_height_px, x1, y1)

    @property
    def row_font_px(self) -> float:
        """The size the row's words are drawn at (the output text's font, scaled)."""
        return 0.32 * self._row_px

    @property
    def row_height_px(self) -> float:
        """The suggestion row's height (0 without a row)."""
        return self._row_px

    def _update_slots(self) -> bool:
        """New candidates for the text; True if the row changed."""
        if not self.suggestions:
            return False
        from gazetype.keyboard.predict import assign_slots

        ranked = self.predictor.predict(self.buffer.text, self.suggestions)
        slots = assign_slots(self.slots, ranked, self.suggestions)
        changed = slots != self.slots
        self.slots = slots
        return changed

    def suggestion_keys(self) -> list[Key]:
        if not self.suggestions or self.asleep:
            return []
        x0, y0, x1, _ = self.layout.keyboard
        h = self.row_height_px
        w = (x1 - x0) / self.suggestions
        gx, gy = 0.03 * w, 0.06 * h
        return [Key(word_key(word), word, (x0 + i * w + gx, y0 + gy, x0 + (i + 1) * w - gx, y0 + h - gy))
                for i, word in enumerate(self.slots) if word is not None]

    def _compute_keys(self) -> None:
        phrases = self.phrases if self.page == "phrases" else ()
        self.keys: KeyMap = compute_keys(self.keys_box, self.page, layout=self.key_layout, phrases=phrases)
        if self.suggestions:
            self._update_slots()
            self.keys = KeyMap(self.suggestion_keys() + list(self.keys))
        sleep = self.keys.get(SLEEP)
        # Asleep, the pipeline sees only the sleep key: nothing else can be selected.
        self.live_keys: KeyMap = KeyMap([sleep]) if self.asleep and sleep is not None else self.keys

    def _layout_text(self) -> None:
        self.text_layout: TextLayout = layout_text(self.buffer.text, self.layout.output, self.font_px, self.measure,
                                                   scroll_lines=self.scroll_lines, cache=self._wrap)
        self.scroll_lines = self.text_layout.scroll_lines  # as far as the text allows
        self.target_layout: TextLayout | None = None
        if self.layout.target is not None and self.target_phrase is not None:
            self.target_layout = layout_text(self.target_phrase, self.layout.target,
                                             self.target_font_px, self.target_measure)

    def resize(self, window: Box, t_s: float) -> list[LayoutEvent]:
        self.window = window
        self._relayout()
        return self.layout_events(t_s)

    def set_measure(self, measure: Measure | None, font_px: float, t_s: float) -> list[LayoutEvent]:
        self.measure, self.font_px = measure, font_px
        self._layout_text()
        return [self.output_event(t_s)]

    def set_output_frac(self, output_frac: float, t_s: float) -> list[LayoutEvent]:
        """The output panel's share of the window (the keys take the rest): the key size."""
        self.output_frac = output_frac
        self._relayout()
        return self.layout_events(t_s)

    def set_suggestions(self, n: int, t_s: float) -> list[LayoutEvent]:
        """The row's candidates (0: no row): the keys make room for it."""
        if n not in SUGGESTION_COUNTS:
            raise ValueError(f"suggestions must be one of {SUGGESTION_COUNTS}, got {n!r}")
        self.suggestions, self.slots = n, ()
        self._relayout()
        evs = self.layout_events(t_s)
        return evs if n else evs + [LayoutEvent(t_s, SUGGESTIONS, ())]

    def set_layout(self, layout: Layout | str, t_s: float) -> list[LayoutEvent]:
        """Another layout (the setting), from its letters page."""
        self.key_layout = as_layout(layout)
        self.page = "letters"
        if self.suggestions:  # the row's height is a key row's of this layout
            self._relayout()
            return self.layout_events(t_s)
        self._compute_keys()
        return self._keys_events(t_s)

    @property
    def key_size_px(self) -> tuple[float, float]:
        """Width and height of a one-unit key (a letter's), gaps included: what the eyes aim at."""
        lay = self.keys_box
        rows = len(self.key_layout.pages[self.page])
        return (lay[2] - lay[0]) / self.key_layout.columns, (lay[3] - lay[1]) / rows

    def set_phrases(self, phrases: Sequence[str], t_s: float) -> list[LayoutEvent]:
        self.phrases = tuple(phrases)
        if self.page != "phrases":
            return []
        self._compute_keys()
        return self._keys_events(t_s)

    def scroll(self, lines: int, t_s: float) -> list[LayoutEvent]:
        """Scroll the output back (lines > 0) or forward; typing returns to the caret."""
        self.scroll_lines = max(0, self.scroll_lines + lines)
        self._layout_text()
        return [self.output_event(t_s)]

    # -- events -----------------------------------------------------------------
    def keyboard_event(self, t_s: float) -> LayoutEvent:
        return LayoutEvent(t_s, "keyboard", self.live_keys.to_items())

    def output_event(self, t_s: float) -> LayoutEvent:
        tl = self.text_layout
        return LayoutEvent(t_s, "output", tl.words, self.buffer.text, tl.caret)

    def target_event(self, t_s: float) -> LayoutEvent:
        tl = self.target_layout
        if tl is None:
            return LayoutEvent(t_s, "target", (), None, None)
        return LayoutEvent(t_s, "target", tl.words, self.target_phrase, None)

    def _keys_events(self, t_s: float) -> list[LayoutEvent]:
        """The keys changed: the keyboard region, and the row's."""
        return [self.keyboard_event(t_s)] + ([self.suggestions_event(t_s)] if self.suggestions else [])

    def suggestions_event(self, t_s: float) -> LayoutEvent:
        """The row as words on the screen (for calibration from reading them): each
        candidate's text as shown, in a box around the drawn word (centred in its key,
        `row_font_px` high; as wide as `measure` scaled to that size, or 0.55 em per
        character without one)."""
        items = []
        px = self.row_font_px
        for k in self.suggestion_keys():
            shown = self.shown_word(parse_key(k.key_id).arg)
            w = (self.measure(shown) * px / self.font_px if self.measure is not None else 0.55 * px * len(shown))
            w = min(w, k.width_px)
            h = min(px, k.height_px)
            items.append(LayoutItem(shown, (k.cx_px - w / 2, k.cy_px - h / 2, k.cx_px + w / 2, k.cy_px + h / 2)))
        return LayoutEvent(t_s, SUGGESTIONS, tuple(items))

    def shown_word(self, word: str) -> str:
        """A candidate as the row shows it: as selecting it would put it in the text."""
        from gazetype.keyboard.predict import completion, context_of

        prefix = context_of(self.buffer.text).prefix
        return (prefix + completion(self.buffer.text, word, shift=self.buffer.shift)).strip()

    def layout_events(self, t_s: float) -> list[LayoutEvent]:
        evs = [self.keyboard_event(t_s), self.output_event(t_s)]
        if self.suggestions:
            evs.append(self.suggestions_event(t_s))
        if self.layout.target is not None:
            evs.append(self.target_event(t_s))
        return evs

    # -- what the keys say --------------------------------------------------------
    def label(self, key_id: str) -> str:
        """What a key shows now: letters in capitals under shift, the shift and caps
        state, a clear or a wake waiting for its second dwell."""
        ref = parse_key(key_id)
        if ref.kind is KeyKind.WORD:
            return self.shown_word(ref.arg)
        if len(key_id) == 1:
            return key_id.upper() if self.buffer.shift != "off" and key_id.isalpha() else key_id
        if key_id == SHIFT:
            return {SHIFT_ONCE: "\u21e7 Abc", SHIFT_CAPS: "\u21ea ABC"}.get(self.buffer.shift, "\u21e7 shift")
        if key_id == CLEAR and self.clear_armed_until is not None:
            return "clear all?\nagain: yes"
        if key_id == CALIBRATE and self.calibrate_armed_until is not None:
            return "calibrate?\nagain: yes"
        if key_id == FORGET and self.forget_armed_until is not None:
            return "delete which?\n(or here: no)" if self.forget_phrase is None else "delete\nphrase"
        if ref.kind is KeyKind.PHRASE and ref.arg == self.forget_phrase:
            return f"delete {ref.arg!r}?\nagain: yes"
        if key_id == SLEEP and self.asleep:
            return "wake?\nagain: yes" if self.wake_armed_until is not None else "wake\n(twice)"
        return key_label(key_id)

    def active(self, key_id: str) -> bool:
        """The key's mode is on (drawn highlighted): shift or caps, a pending clear or
        calibrate, sleep, the forget mode and the phrase it asks about."""
        return ((key_id == SHIFT and self.buffer.shift != "off") or (key_id == CLEAR and self.clear_armed_until is not None)
                or (key_id == SLEEP and self.asleep)
                or (key_id == CALIBRATE and self.calibrate_armed_until is not None)
                or (key_id == FORGET and self.forget_armed_until is not None)
                or (self.forget_phrase is not None and key_id == phrase_key(self.forget_phrase)))

    def take_actions(self) -> list[Action]:
        out = list(self._actions)
        self._actions.clear()
        return out

    # -- actions ----------------------------------------------------------------
    def tick(self, t_s: float) -> list[LayoutEvent]:
        """Let a pending clear or wake lapse once its time is up (cheap when none is)."""
        if self.clear_armed_until is not None and t_s > self.clear_armed_until:
            self.clear_armed_until = None
        if self.wake_armed_until is not None and t_s > self.wake_armed_until:
            self.wake_armed_until = None
        if self.calibrate_armed_until is not None and t_s > self.calibrate_armed_until:
            self.calibrate_armed_until = None
        if self.forget_armed_until is not None and t_s > (self.forget_confirm_until or self.forget_armed_until):
            self._forget_off()
        return []

    def _forget_off(self) -> None:
        self.forget_armed_until = self.forget_phrase = self.forget_confirm_until = None

    def select(self, key_id: str, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        """Apply a selected key; returns the text change and the layout events."""
        self.tick(t_s)
        if key_id == SLEEP:
            return None, self._sleep_key(t_s)
        if self.asleep:
            return None, []  # only the sleep key is live (the operator's keys too must not type)
        if key_id != CLEAR:
            self.clear_armed_until = None
        if key_id != CALIBRATE:
            self.calibrate_armed_until = None
        ref = parse_key(key_id)
        if self.forget_armed_until is not None and ref.kind is not KeyKind.PHRASE and key_id != FORGET:
            self._forget_off()  # any other key: no deletion
        handler = _ON_ACTION.get(key_id) if ref.kind is KeyKind.ACTION else _ON_KIND.get(ref.kind)
        return (handler or KeyboardModel._edit)(self, ref, t_s)

    # What each kind of key does (actions by name); every other key edits the text.
    def _calibrate(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        if self.calibrate_armed_until is None:
            self.calibrate_armed_until = t_s + self.wake_window_s
        else:
            self.calibrate_armed_until = None
            self._actions.append(Action(t_s, "calibrate"))
        return None, []

    def _forget(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        if self.forget_armed_until is None:
            self.forget_armed_until = t_s + FORGET_PICK_S  # now pick the phrase
        else:
            self._forget_off()  # the forget key again: no deletion
        return None, []

    def _forget_pick(self, phrase: str, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        if self.forget_phrase == phrase:  # the same phrase again: confirmed
            self._forget_off()
            self._actions.append(Action(t_s, "forget_phrase", phrase))
        else:  # ask about it: a second dwell on it deletes it
            self.forget_phrase = phrase
            self.forget_confirm_until = t_s + max(self.wake_window_s, self.clear_confirm_s or 0.0)
        return None, []

    def _page(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        self.page = ref.arg
        self._compute_keys()
        return None, self._keys_events(t_s)

    def _speak(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        self._actions.append(Action(t_s, "speak", current_sentence(self.buffer.text)))
        return None, []

    def _copy(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        self._actions.append(Action(t_s, "copy", self.buffer.text))
        return None, []

    def _save(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        text = last_line(self.buffer.text)
        if text:
            self._actions.append(Action(t_s, "save_phrase", text))
        return None, []

    def _clear(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        if self.clear_confirm_s is not None and self.clear_armed_until is None:
            if self.buffer.text:  # ask first: a second dwell within clear_confirm_s clears
                self.clear_armed_until = t_s + self.clear_confirm_s
            return None, []
        return self._edit(ref, t_s)

    def _edit(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        self.clear_armed_until = None
        change = self.buffer.apply(ref.key_id)
        if change is None:
            return None, []
        if change.done:
            self._actions.append(Action(t_s, "done", last_line(change.text)))
        return change, self._text_changed(t_s)

    def _text_changed(self, t_s: float) -> list[LayoutEvent]:
        self.scroll_lines = 0  # typing shows the line being typed
        self._layout_text()
        return [self.output_event(t_s)] + self._row_changed(t_s)

    def _row_changed(self, t_s: float) -> list[LayoutEvent]:
        """New candidates for the text: the keyboard and the row, if the row changed."""
        if not self.suggestions or self.asleep or not self._update_slots():
            return []
        self._compute_keys()
        return [self.keyboard_event(t_s), self.suggestions_event(t_s)]

    def _word(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        """A suggestion selected: the rest of the word and a space, in the text's case."""
        from gazetype.keyboard.predict import select_word

        change = select_word(self.buffer, ref.key_id)
        if change is None:
            return None, []  # not a completion of the word being typed (a stale selection)
        return change, self._text_changed(t_s)

    def _phrase(self, ref: KeyRef, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        phrase = ref.arg
        if self.forget_armed_until is not None:
            return self._forget_pick(phrase, t_s)
        text = self.buffer.text
        sep = " " if text and not text[-1].isspace() else ""
        change = self.buffer.insert(sep + phrase + " ", ref.key_id)  # ready for the next word
        if self.speak_phrases:
            self._actions.append(Action(t_s, "speak", phrase))
        self.page = "letters"  # a phrase picked: back to typing
        self._compute_keys()
        return change, self._keys_events(t_s) + self._text_changed(t_s)

    def _sleep_key(self, t_s: float) -> list[LayoutEvent]:
        if not self.asleep:
            self.asleep, self.wake_armed_until, self.clear_armed_until = True, None, None
            self._forget_off()
            self._actions.append(Action(t_s, "sleep"))
        elif self.wake_armed_until is None:
            self.wake_armed_until = t_s + self.wake_window_s  # one dwell: ask for a second
            return []
        else:
            self.asleep, self.wake_armed_until = False, None
            self._actions.append(Action(t_s, "wake"))
        self._compute_keys()
        return self._keys_events(t_s)

    def set_text(self, text: str, t_s: float) -> list[LayoutEvent]:
        self.buffer.clear()
        self.buffer.text = text
        self._layout_text()
        return [self.output_event(t_s)] + self._row_changed(t_s)

    def set_target(self, phrase: str | None, t_s: float) -> list[LayoutEvent]:
        self.target_phrase = phrase
        self._layout_text()
        return [self.target_event(t_s)] if self.layout.target is not None else []


_ON_KIND = {KeyKind.PAGE: KeyboardModel._page, KeyKind.PHRASE: KeyboardModel._phrase, KeyKind.WORD: KeyboardModel._word}
_ON_ACTION = {CALIBRATE: KeyboardModel._calibrate, SPEAK: KeyboardModel._speak, COPY: KeyboardModel._copy,
              SAVE: KeyboardModel._save, CLEAR: KeyboardModel._clear, FORGET: KeyboardModel._forget}
