"""Where the keyboard's gaze actions go: speak, copy, a finished text into the history,
a saved phrase, a phrase deleted from the history, the tracker's calibration. Headless:
the window hands each `keyboard.model.Action` to `ActionRouter`,
which calls an `Outputs` (speech, clipboard, typing into other applications; the
`gazetype.output` package implements it) and the `History`. A failing output never
takes the keyboard down: the router returns one line for the status area instead."""
from __future__ import annotations

from typing import Callable

from gazetype.keyboard.history import History
from gazetype.keyboard.model import Action
from gazetype.output.base import Outputs


class ActionRouter:
    """`route(action) -> message or None`. `history` keeps finished texts when
    `keep_history`; `phrases_changed()` is called after a phrase is saved."""

    def __init__(self, outputs: Outputs, *, history: History | None = None, keep_history: bool = True,
                 speak_on_done: bool = False, phrases_changed: Callable[[], None] = lambda: None,
                 calibrate: Callable[[], str | None] | None = None) -> None:
        self.outputs = outputs
        self.history = history
        self.keep_history = keep_history
        self.speak_on_done = speak_on_done
        self.phrases_changed = phrases_changed
        # Starts the tracker's own calibration (the window's calibration screen); returns a
        # line for the status area, e.g. where a tracker without one is calibrated.
        self.calibrate = calibrate
        self.user_words = None  # the predictor's counts in memory (keyboard.predict.UserWords), if any

    def route(self, a: Action) -> str | None:
        try:
            if a.kind == "speak":
                if a.text.strip():
                    self.outputs.speak(a.text)
                return self._problem("speak")
            if a.kind == "copy":
                self.outputs.copy(a.text)
                return self._problem("copy") or "copied the text"
            if a.kind == "done":
                if self.keep_history and self.history is not None:
                    self.history.add(a.text)
                    # the suggestion row learns the finished text (never erased words)
                    self.history.learn_words(a.text, self.user_words)
                if self.speak_on_done and a.text.strip():
                    self.outputs.speak(a.text)
                return None
            if a.kind == "calibrate":
                if self.calibrate is None:
                    return "calibration cannot be started from here"
                return self.calibrate()
            if a.kind == "save_phrase":
                if self.history is None:
                    return "phrases cannot be saved: the history file is not available"
                self.history.save_phrase(a.text)
                self.phrases_changed()
                return f"saved the phrase {a.text!r}"
            if a.kind == "forget_phrase":  # deleted by gaze from the phrases page (issue 28)
                if self.history is None:
                    return "phrases cannot be deleted: the history file is not available"
                n = self.history.forget(a.text)
                self.phrases_changed()
                if not n:
                    return f"{a.text!r} is a built-in phrase: it is not in the history"
                return f"deleted the phrase {a.text!r} from the history"
        except Exception as e:  # an output failing must never stop someone from typing
            return f"{a.kind} failed: {e}"
        return None

    def _problem(self, what: str) -> str | None:
        probs = self.outputs.problems()
        return f"{what}: {probs[0]}" if probs else None
