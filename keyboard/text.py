"""The text being typed: applying key selections, and the raw input stream."""
from __future__ import annotations

from dataclasses import dataclass

from gazetype.keyboard.layout import BACKSPACE, CLEAR, DONE, SPACE

BACKSPACE_CHAR = "\b"  # how a backspace appears in an input stream (metrics)


@dataclass(frozen=True, slots=True)
class TextChange:
    key_id: str
    text: str  # the whole text after the key
    done: bool = False  # the done key was selected


class TextBuffer:
    """Text with backspace, clear and done. `input_stream` keeps every character
    entered, with "\\b" for each backspace, as the text-entry metrics need."""

    def __init__(self, text: str = "", *, done_inserts_newline: bool = False) -> None:
        self.text = text
        self.input_stream = ""
        self.done_inserts_newline = done_inserts_newline

    def apply(self, key_id: str) -> TextChange | None:
        """Apply one selected key; None for keys that do not edit text (page keys)."""
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
            return TextChange(key_id, self.text, done=True)
        elif len(key_id) == 1:
            self.text += key_id
            self.input_stream += key_id
        else:
            return None
        return TextChange(key_id, self.text)

    def clear(self) -> None:
        self.text = ""
        self.input_stream = ""


def replay_keys(keys) -> str:
    """The text that a sequence of key ids produces."""
    buf = TextBuffer()
    for k in keys:
        buf.apply(k)
    return buf.text
