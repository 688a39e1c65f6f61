"""The keyboard's UI model, headless: layout, pages, text and output layout, and the
modes a gaze user switches by gaze (shift, a clear that asks to be confirmed, sleep).
The Qt widgets only draw this; `pipeline.session` joins it to the gaze pipeline."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Sequence

from gazetype.keyboard.layout import (
    CLEAR,
    COPY,
    PAGE_PREFIX,
    PHRASE_PREFIX,
    SAVE,
    SHIFT,
    SLEEP,
    SPEAK,
    KeyMap,
    Layout,
    ScreenLayout,
    as_layout,
    compute_keys,
    key_label,
)
from gazetype.keyboard.text import SHIFT_CAPS, SHIFT_ONCE, TextBuffer, TextChange, current_sentence, last_line
from gazetype.keyboard.textlayout import Measure, TextLayout, layout_text
from gazetype.tracker.events import Box, LayoutEvent

DEFAULT_PHRASES = ("yes", "no", "thank you", "please", "wait", "I need help")


@dataclass(frozen=True, slots=True)
class Action:
    """Something for the outside world, asked for by gaze: "speak" or "copy" `text`,
    "done" (a finished `text`, for the history), "save_phrase" `text`, "sleep", "wake"."""

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
    within that time (None: at once, as in the studies). Sleep: while asleep the
    keyboard shows the pipeline only the sleep key, and waking needs two selections of
    it in a row within `wake_window_s`, so a glance cannot wake it.
    """

    def __init__(self, window: Box, *, font_px: float = 48.0, measure: Measure | None = None,
                 target_font_px: float | None = None, target_measure: Measure | None = None,
                 output_frac: float = 0.3, target_frac: float = 0.0,
                 done_inserts_newline: bool = True, layout: Layout | str | None = None,
                 clear_confirm_s: float | None = None, wake_window_s: float = 5.0,
                 phrases: Sequence[str] = DEFAULT_PHRASES, speak_phrases: bool = True) -> None:
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
        self.target_phrase: str | None = None
        self.scroll_lines = 0  # lines scrolled back from the caret (0: the caret's line is shown)
        self.asleep = False
        self.clear_armed_until: float | None = None  # clear asked once; confirm before this time
        self.wake_armed_until: float | None = None  # asleep, sleep selected once; again before this time
        self._actions: deque[Action] = deque(maxlen=100)  # nobody may drain them (headless runs)
        self.window = window
        self._relayout()

    # -- geometry ---------------------------------------------------------------
    def _relayout(self) -> None:
        self.layout = ScreenLayout.compute(self.window, output_frac=self.output_frac,
                                           target_frac=self.target_frac)
        self._compute_keys()
        self._layout_text()

    def _compute_keys(self) -> None:
        phrases = self.phrases if self.page == "phrases" else ()
        self.keys: KeyMap = compute_keys(self.layout.keyboard, self.page, layout=self.key_layout, phrases=phrases)
        sleep = self.keys.get(SLEEP)
        # Asleep, the pipeline sees only the sleep key: nothing else can be selected.
        self.live_keys: KeyMap = KeyMap([sleep]) if self.asleep and sleep is not None else self.keys

    def _layout_text(self) -> None:
        self.text_layout: TextLayout = layout_text(self.buffer.text, self.layout.output, self.font_px, self.measure,
                                                   scroll_lines=self.scroll_lines)
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

    def set_layout(self, layout: Layout | str, t_s: float) -> list[LayoutEvent]:
        """Another layout (the setting), from its letters page."""
        self.key_layout = as_layout(layout)
        self.page = "letters"
        self._compute_keys()
        return [self.keyboard_event(t_s)]

    @property
    def key_size_px(self) -> tuple[float, float]:
        """Width and height of a one-unit key (a letter's), gaps included: what the eyes aim at."""
        lay = self.layout.keyboard
        rows = len(self.key_layout.pages[self.page])
        return (lay[2] - lay[0]) / self.key_layout.columns, (lay[3] - lay[1]) / rows

    def set_phrases(self, phrases: Sequence[str], t_s: float) -> list[LayoutEvent]:
        self.phrases = tuple(phrases)
        if self.page != "phrases":
            return []
        self._compute_keys()
        return [self.keyboard_event(t_s)]

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

    def layout_events(self, t_s: float) -> list[LayoutEvent]:
        evs = [self.keyboard_event(t_s), self.output_event(t_s)]
        if self.layout.target is not None:
            evs.append(self.target_event(t_s))
        return evs

    # -- what the keys say --------------------------------------------------------
    def label(self, key_id: str) -> str:
        """What a key shows now: letters in capitals under shift, the shift and caps
        state, a clear or a wake waiting for its second dwell."""
        if len(key_id) == 1:
            return key_id.upper() if self.buffer.shift != "off" and key_id.isalpha() else key_id
        if key_id == SHIFT:
            return {SHIFT_ONCE: "\u21e7 Abc", SHIFT_CAPS: "\u21ea ABC"}.get(self.buffer.shift, "\u21e7 shift")
        if key_id == CLEAR and self.clear_armed_until is not None:
            return "clear all?\nagain: yes"
        if key_id == SLEEP and self.asleep:
            return "wake?\nagain: yes" if self.wake_armed_until is not None else "wake\n(twice)"
        return key_label(key_id)

    def active(self, key_id: str) -> bool:
        """The key's mode is on (drawn highlighted): shift or caps, a pending clear, sleep."""
        return ((key_id == SHIFT and self.buffer.shift != "off") or (key_id == CLEAR and self.clear_armed_until is not None)
                or (key_id == SLEEP and self.asleep))

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
        return []

    def select(self, key_id: str, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        """Apply a selected key; returns the text change and the layout events."""
        self.tick(t_s)
        if key_id == SLEEP:
            return None, self._sleep_key(t_s)
        if self.asleep:
            return None, []  # only the sleep key is live (the operator's keys too must not type)
        if key_id != CLEAR:
            self.clear_armed_until = None
        if key_id.startswith(PAGE_PREFIX):
            self.page = key_id[len(PAGE_PREFIX):]
            self._compute_keys()
            return None, [self.keyboard_event(t_s)]
        if key_id == SPEAK:
            self._actions.append(Action(t_s, "speak", current_sentence(self.buffer.text)))
            return None, []
        if key_id == COPY:
            self._actions.append(Action(t_s, "copy", self.buffer.text))
            return None, []
        if key_id == SAVE:
            text = last_line(self.buffer.text)
            if text:
                self._actions.append(Action(t_s, "save_phrase", text))
            return None, []
        if key_id.startswith(PHRASE_PREFIX):
            return self._phrase(key_id, t_s)
        if key_id == CLEAR and self.clear_confirm_s is not None and self.clear_armed_until is None:
            if self.buffer.text:
                self.clear_armed_until = t_s + self.clear_confirm_s
            return None, []
        self.clear_armed_until = None
        change = self.buffer.apply(key_id)
        if change is None:
            return None, []
        if change.done:
            self._actions.append(Action(t_s, "done", last_line(change.text)))
        return change, self._text_changed(t_s)

    def _text_changed(self, t_s: float) -> list[LayoutEvent]:
        self.scroll_lines = 0  # typing shows the line being typed
        self._layout_text()
        return [self.output_event(t_s)]

    def _phrase(self, key_id: str, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        phrase = key_id[len(PHRASE_PREFIX):]
        text = self.buffer.text
        sep = " " if text and not text[-1].isspace() else ""
        change = self.buffer.insert(sep + phrase + " ", key_id)  # ready for the next word
        if self.speak_phrases:
            self._actions.append(Action(t_s, "speak", phrase))
        self.page = "letters"  # a phrase picked: back to typing
        self._compute_keys()
        return change, [self.keyboard_event(t_s)] + self._text_changed(t_s)

    def _sleep_key(self, t_s: float) -> list[LayoutEvent]:
        if not self.asleep:
            self.asleep, self.wake_armed_until, self.clear_armed_until = True, None, None
            self._actions.append(Action(t_s, "sleep"))
        elif self.wake_armed_until is None:
            self.wake_armed_until = t_s + self.wake_window_s  # one dwell: ask for a second
            return []
        else:
            self.asleep, self.wake_armed_until = False, None
            self._actions.append(Action(t_s, "wake"))
        self._compute_keys()
        return [self.keyboard_event(t_s)]

    def set_text(self, text: str, t_s: float) -> list[LayoutEvent]:
        self.buffer.clear()
        self.buffer.text = text
        self._layout_text()
        return [self.output_event(t_s)]

    def set_target(self, phrase: str | None, t_s: float) -> list[LayoutEvent]:
        self.target_phrase = phrase
        self._layout_text()
        return [self.target_event(t_s)] if self.layout.target is not None else []
