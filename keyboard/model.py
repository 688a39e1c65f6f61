"""The keyboard's UI model, headless: layout, pages, text and output layout.
The Qt widgets only draw this; `pipeline.session` joins it to the gaze pipeline."""
from __future__ import annotations

from gazetype.keyboard.layout import PAGE_LETTERS, PAGE_SYMBOLS, KeyMap, ScreenLayout, compute_keys
from gazetype.keyboard.text import TextBuffer, TextChange
from gazetype.keyboard.textlayout import Measure, TextLayout, layout_text
from gazetype.tracker.events import Box, LayoutEvent


class KeyboardModel:
    """Everything the keyboard window shows, computed without Qt, in screen px.

    `window` is the window's rectangle on the screen. Each change returns the
    LayoutEvents describing it, which the session forwards to the pipeline.
    """

    def __init__(self, window: Box, *, font_px: float = 48.0, measure: Measure | None = None,
                 target_font_px: float | None = None, target_measure: Measure | None = None,
                 output_frac: float = 0.3, target_frac: float = 0.0,
                 done_inserts_newline: bool = True) -> None:
        self.font_px = font_px
        self.measure = measure
        self.target_font_px = target_font_px or font_px * 0.8
        self.target_measure = target_measure
        self.output_frac = output_frac
        self.target_frac = target_frac
        self.page = "letters"
        self.buffer = TextBuffer(done_inserts_newline=done_inserts_newline)
        self.target_phrase: str | None = None
        self.window = window
        self._relayout()

    # -- geometry ---------------------------------------------------------------
    def _relayout(self) -> None:
        self.layout = ScreenLayout.compute(self.window, output_frac=self.output_frac,
                                           target_frac=self.target_frac)
        self.keys: KeyMap = compute_keys(self.layout.keyboard, self.page)
        self._layout_text()

    def _layout_text(self) -> None:
        self.text_layout: TextLayout = layout_text(self.buffer.text, self.layout.output,
                                                   self.font_px, self.measure)
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

    # -- events -----------------------------------------------------------------
    def keyboard_event(self, t_s: float) -> LayoutEvent:
        return LayoutEvent(t_s, "keyboard", self.keys.to_items())

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

    # -- actions ----------------------------------------------------------------
    def select(self, key_id: str, t_s: float) -> tuple[TextChange | None, list[LayoutEvent]]:
        """Apply a selected key; returns the text change and the layout events."""
        if key_id in (PAGE_SYMBOLS, PAGE_LETTERS):
            self.page = "symbols" if key_id == PAGE_SYMBOLS else "letters"
            self.keys = compute_keys(self.layout.keyboard, self.page)
            return None, [self.keyboard_event(t_s)]
        change = self.buffer.apply(key_id)
        if change is None:
            return None, []
        self._layout_text()
        return change, [self.output_event(t_s)]

    def set_text(self, text: str, t_s: float) -> list[LayoutEvent]:
        self.buffer.clear()
        self.buffer.text = text
        self._layout_text()
        return [self.output_event(t_s)]

    def set_target(self, phrase: str | None, t_s: float) -> list[LayoutEvent]:
        self.target_phrase = phrase
        self._layout_text()
        return [self.target_event(t_s)] if self.layout.target is not None else []
