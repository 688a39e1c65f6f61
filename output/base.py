"""The outputs the window calls, as one protocol, and a do-nothing stand-in."""
from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Outputs(Protocol):
    """What the keyboard window does with its text. No method raises or blocks: a
    missing facility is a line in problems(), and the call does nothing."""

    def speak(self, text: str) -> None: ...          # non-blocking; no-op when no engine
    def copy(self, text: str) -> None: ...           # system clipboard
    def send_text(self, text: str) -> None: ...      # type into the focused application (send mode)
    def send_backspaces(self, n: int) -> None: ...
    def problems(self) -> list[str]: ...             # one line each, for the status line
    def close(self) -> None: ...


class NullOutputs:
    """Outputs that go nowhere: for tests and for windows that only show the text."""

    def speak(self, text: str) -> None:
        pass

    def copy(self, text: str) -> None:
        pass

    def send_text(self, text: str) -> None:
        pass

    def send_backspaces(self, n: int) -> None:
        pass

    def problems(self) -> list[str]:
        return []

    def close(self) -> None:
        pass


def diff_for_send(old_text: str, new_text: str) -> tuple[int, str]:
    """(n_backspaces, text_to_type) that turn `old_text` into `new_text` in another
    application: erase what follows their common prefix, then type the rest. Works on
    code points, as the senders type them one at a time."""
    n = 0
    for a, b in zip(old_text, new_text):
        if a != b:
            break
        n += 1
    return len(old_text) - n, new_text[n:]
