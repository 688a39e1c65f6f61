"""The text being typed: applying key selections, and the raw input stream."""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from gazetype.keyboard.layout import BACKSPACE, CLEAR, DONE, SHIFT, SPACE, UNDO

BACKSPACE_CHAR = "\b"  # how a backspace appears in an input stream (metrics)
# A suggestion selected from the row is one keystroke that enters several characters:
# the input stream holds them between these marks (study.metrics counts the group as
# one keystroke, and its characters as characters entered).
WORD_OPEN, WORD_CLOSE = "\x02", "\x03"
SHIFT_OFF, SHIFT_ONCE, SHIFT_CAPS = "off", "once", "caps"
# Shift cycles: off -> the next letter capital -> caps lock (a second dwell in a row) -> off.
_NEXT_SHIFT = {SHIFT_OFF: SHIFT_ONCE, SHIFT_ONCE: SHIFT_CAPS, SHIFT_CAPS: SHIFT_OFF}
UNDO_DEPTH = 500  # edits kept for undo (each as what it changed at the end of the text, not the whole text)


@dataclass(frozen=True, slots=True)
class TextChange:
    key_id: str
    text: str  # the whole text after the key
    done: bool = False  # the done key was selected


class TextBuffer:
    """Text with backspace, clear, done, shift (and caps lock) and undo. `input_stream`
    keeps every character entered, with "\\b" for each backspace, as the text-entry
    metrics need (an undo is logged as the backspaces and characters it amounts to)."""

    def __init__(self, text: str = "", *, done_inserts_newline: bool = False) -> None:
        self.text = text
        self.input_stream = ""
        self.done_inserts_newline = done_inserts_newline
        self.shift = SHIFT_OFF
        # Per edit, what undoing it needs: (kept, removed, shift, added): the edit kept
        # text[:kept], took `removed` away after it and put `added` characters there;
        # `shift` as it was before. Not the text before each edit: that grows with what
        # was typed all day (500 copies of a 15,000-character text are 7.5 MB).
        self._undo: deque[tuple[int, str, str, int]] = deque(maxlen=UNDO_DEPTH)

    def apply(self, key_id: str) -> TextChange | None:
        """Apply one selected key; None for keys that do not edit text (page keys,
        shift, an undo with nothing to undo)."""
        before = (self.text, self.shift)
        if key_id == BACKSPACE:
            self.text = self.text[:-1]
            self.input_stream += BACKSPACE_CHAR
        elif key_id == SPACE:
            self.text += " "
            self.input_stream += " "
        elif key_id == CLEAR:
            # Clearing is a correction of everything typed: log it as backspaces.
            self.input_stream += BACKSPACE_CHAR * len(self.text)
            self.text = ""
        elif key_id == DONE:
            if self.done_inserts_newline:
                self.text += "\n"
                self._remember(before)
            return TextChange(key_id, self.text, done=True)
        elif key_id == SHIFT:
            self.shift = _NEXT_SHIFT[self.shift]
            return None
        elif key_id == UNDO:
            if not self._undo:
                return None
            kept, removed, shift, added = self._undo[-1]
            if len(self.text) != kept + added:
                # The text was set from outside since (not through this buffer): the
                # history no longer describes it.
                self._undo.clear()
                return None
            self._undo.pop()
            self.shift = shift
            text = self.text[:kept] + removed
            self._log_edit(self.text, text, kept)
            self.text = text
            return TextChange(key_id, self.text)
        elif len(key_id) == 1:
            ch = key_id
            if self.shift != SHIFT_OFF and ch.isalpha():
                ch = ch.upper()
                if self.shift == SHIFT_ONCE:
                    self.shift = SHIFT_OFF
            self.text += ch
            self.input_stream += ch
        else:
            return None
        self._remember(before)
        return TextChange(key_id, self.text)

    def insert(self, text: str, key_id: str) -> TextChange:
        """Insert `text` (a quick phrase) at the end, as one edit for undo."""
        before = (self.text, self.shift)
        self.text += text
        self.input_stream += text
        self._remember(before)
        return TextChange(key_id, self.text)

    def insert_word(self, text: str, key_id: str) -> TextChange:
        """Insert a selected suggestion's `text` at the end: one keystroke (the input
        stream marks it), one edit for undo; a pending one-shot shift is used up."""
        before = (self.text, self.shift)
        self.text += text
        self.input_stream += WORD_OPEN + text + WORD_CLOSE
        if self.shift == SHIFT_ONCE:
            self.shift = SHIFT_OFF
        self._remember(before)
        return TextChange(key_id, self.text)

    def _remember(self, before: tuple[str, str]) -> None:
        old, new = before[0], self.text
        if old == new:
            return  # no edit (backspace or clear on nothing): nothing for undo to reverse
        if new.startswith(old):
            kept = len(old)  # typed at the end
        elif old.startswith(new):
            kept = len(new)  # erased at the end (backspace, clear)
        else:
            kept = _common_prefix(old, new, 0)
        self._undo.append((kept, old[kept:], before[1], len(new) - kept))  # the oldest goes beyond UNDO_DEPTH

    def _log_edit(self, old: str, new: str, start: int = 0) -> None:
        """Log going from `old` to `new` (the same up to `start`) as backspaces and characters."""
        common = _common_prefix(old, new, start)
        self.input_stream += BACKSPACE_CHAR * (len(old) - common) + new[common:]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def clear(self) -> None:
        self.text = ""
        self.input_stream = ""
        self.shift = SHIFT_OFF
        self._undo.clear()


def _common_prefix(a: str, b: str, start: int) -> int:
    """The length of the common prefix of `a` and `b`, known to be at least `start`."""
    common = start
    for x, y in zip(a[start:], b[start:]):
        if x != y:
            break
        common += 1
    return common


def drop_suggestion_space(text: str, input_stream: str) -> tuple[str, str]:
    """A trial's text and input stream without the space that a suggestion selected as
    its last entry added (the phrase ends at the word); anything else unchanged."""
    if text.endswith(" ") and input_stream.endswith(" " + WORD_CLOSE):
        return text[:-1], input_stream[:-2] + WORD_CLOSE
    return text, input_stream


def replay_keys(keys) -> str:
    """The text that a sequence of key ids produces."""
    buf = TextBuffer()
    for k in keys:
        buf.apply(k)
    return buf.text


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def current_sentence(text: str) -> str:
    """The sentence being typed, or the last one finished when nothing follows it: what
    the speak key says."""
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    parts = [p for p in parts if p]
    return parts[-1] if parts else ""


def last_line(text: str) -> str:
    """The text finished by the last "done" (the line before the final newline)."""
    return text.rstrip("\n").rsplit("\n", 1)[-1].strip()
