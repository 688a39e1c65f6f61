"""One object for the window: speech, clipboard and typing into other applications
behind the Outputs protocol (gazetype.output.base)."""
from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from gazetype.output.sendkeys import NoSender, Sender

_STOP = object()


class OutputHub:
    """Implements Outputs. Keystrokes for other applications go through a worker
    thread in the order they were asked for: typing a character the keymap lacks
    waits about 0.1 s for receivers to see the borrowed keycode, which the window's
    event loop must not. `copy_fn` runs in the caller's thread (Qt's clipboard
    belongs to the GUI thread). Nothing here raises into the window: a failure becomes
    a line in problems()."""

    def __init__(self, speaker=None, sender: Sender | None = None, copy_fn: Callable[[str], None] | None = None):
        self._speaker = speaker
        self._sender: Sender = sender if sender is not None else NoSender("typing into other applications is off")
        self._copy_fn = copy_fn
        self._copy_problem: str | None = None
        self._send_problem: str | None = None
        self._ops: queue.Queue = queue.Queue()
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._closed = False
        self._worker = threading.Thread(target=self._run, name="gazetype-send", daemon=True)
        self._worker.start()

    @classmethod
    def open(cls, copy_fn: Callable[[str], None] | None = None, **speaker_settings) -> OutputHub:
        """The outputs this machine has: espeak-ng speech, XTest or uinput typing."""
        from gazetype.output.sendkeys import open_sender
        from gazetype.output.speech import Speaker
        return cls(Speaker(**speaker_settings), open_sender(), copy_fn)

    # -- Outputs -----------------------------------------------------------------------
    def speak(self, text: str) -> None:
        if self._speaker is not None:
            self._speaker.speak(text)

    def copy(self, text: str) -> None:
        if self._copy_fn is None:
            self._copy_problem = "clipboard: not available here"
            return
        try:
            self._copy_fn(text)
            self._copy_problem = None
        except Exception as e:  # the window must go on  # noqa: BLE001
            self._copy_problem = f"clipboard: {type(e).__name__}: {e}"

    def send_text(self, text: str) -> None:
        if text and self._sender.available:
            self._put(("text", text))

    def send_backspaces(self, n: int) -> None:
        if n > 0 and self._sender.available:
            self._put(("back", int(n)))

    def problems(self) -> list[str]:
        lines = []
        if self._speaker is not None and self._speaker.problem:
            lines.append(self._speaker.problem)
        for p in (self._sender.problem, self._send_problem, self._copy_problem):
            if p and p not in lines:
                lines.append(p)
        return lines

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._ops.put(_STOP)
        self._worker.join(timeout=3.0)
        if self._speaker is not None:
            self._speaker.close()
        self._sender.close()

    # -- for the CLI and tests ---------------------------------------------------------
    @property
    def speaker(self):
        return self._speaker

    @property
    def sender(self) -> Sender:
        return self._sender

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until every keystroke asked for has been sent."""
        end = time.monotonic() + timeout_s
        while self._pending:
            if time.monotonic() > end:
                return False
            time.sleep(0.005)
        return True

    # -- worker ------------------------------------------------------------------------
    def _put(self, op) -> None:
        if self._closed:
            return
        with self._pending_lock:
            self._pending += 1
        self._ops.put(op)

    def _run(self) -> None:
        while True:
            op = self._ops.get()
            if op is _STOP:
                return
            kind, arg = op
            try:
                if kind == "text":
                    self._sender.type_text(arg)  # what it cannot type, it names in its problem
                else:
                    self._sender.backspace(arg)
                self._send_problem = None
            except Exception as e:  # e.g. the X server went away  # noqa: BLE001
                self._send_problem = f"typing: {self._sender.name}: {type(e).__name__}: {' '.join(str(e).split())}"
            finally:
                with self._pending_lock:
                    self._pending -= 1
