"""Send mode under a real Xvfb: a keyboard window made non-activating does not take
the focus from the program being typed into, when shown or when its key is clicked,
and what it sends arrives there. An ordinary window, for contrast, does take it."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from gazetype.output.sendkeys import XTestSender

from .xserver import HERE, focus_window, input_focus, quit_process, receiver, xvfb  # noqa: F401  (fixtures)


class KeyboardWindow:
    def __init__(self, display: str, plain: bool = False):
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        self.proc = subprocess.Popen([sys.executable, str(HERE / "x11_keyboard_window.py"),
                                      *(["--plain"] if plain else [])],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        line = self.proc.stdout.readline()
        if not line.startswith("SHOWN"):
            self.proc.kill()
            raise RuntimeError(f"keyboard window did not start: {line!r} {self.proc.stderr.read()[-800:]}")
        _, wid, x, y = line.split()
        self.window_id, self.key_xy = int(wid), (int(x), int(y))

    def close(self):
        quit_process(self.proc)


def _click(display: str, x: int, y: int) -> None:
    from Xlib import X
    from Xlib import display as xdisplay
    from Xlib.ext import xtest
    d = xdisplay.Display(display)
    xtest.fake_input(d, X.MotionNotify, x=x, y=y)
    d.sync()
    time.sleep(0.1)
    xtest.fake_input(d, X.ButtonPress, 1)
    xtest.fake_input(d, X.ButtonRelease, 1)
    d.sync()
    d.close()


def _wm_hints_input(display: str, window_id: int):
    from Xlib import display as xdisplay
    d = xdisplay.Display(display)
    try:
        hints = d.create_resource_object("window", window_id).get_wm_hints()
        return None if hints is None else bool(hints.input)
    finally:
        d.close()


@pytest.mark.x11
def test_a_non_activating_keyboard_leaves_the_focus_where_it_is(xvfb, receiver):  # noqa: F811
    kb = KeyboardWindow(xvfb)
    try:
        time.sleep(0.5)
        assert input_focus(xvfb) == receiver.window_id
        assert _wm_hints_input(xvfb, kb.window_id) is False  # window managers are told too
        # Text sent while it is shown arrives in the receiver...
        sender = XTestSender(xvfb)
        sender.type_text("Shown, still typing é")
        sender.close()
        assert receiver.wait_for_text("Shown, still typing é")["text"] == "Shown, still typing é"
        # ...and so does a key of the keyboard pressed with the pointer (a gaze click).
        _click(xvfb, *kb.key_xy)
        assert kb.proc.stdout.readline().strip() == "CLICKED"
        st = receiver.wait_for_text("Shown, still typing ék")
        assert st["text"] == "Shown, still typing ék"
        assert input_focus(xvfb) == receiver.window_id
    finally:
        kb.close()


@pytest.mark.x11
def test_an_ordinary_window_would_take_the_focus(xvfb, receiver):  # noqa: F811
    kb = KeyboardWindow(xvfb, plain=True)
    try:
        deadline = time.monotonic() + 60  # a deadline: it ends as soon as the focus has moved
        while input_focus(xvfb) == receiver.window_id and time.monotonic() < deadline:
            time.sleep(0.02)
        assert input_focus(xvfb) != receiver.window_id  # what make_non_activating prevents
    finally:
        kb.close()


@pytest.mark.gui
def test_make_non_activating_sets_the_flags(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton, QWidget

    from gazetype.app.qt.send_mode import is_non_activating, make_non_activating
    w = QWidget()
    b = QPushButton("a", w)
    qtbot.addWidget(w)
    assert not is_non_activating(w)
    make_non_activating(w)
    assert is_non_activating(w)
    assert b.focusPolicy() == Qt.FocusPolicy.NoFocus


@pytest.mark.gui
def test_copy_text_puts_it_on_the_clipboard(qtbot):
    from PySide6.QtGui import QClipboard, QGuiApplication

    from gazetype.app.qt.clipboard import copy_text
    text = "Please call my daughter. Café at 5? ✓"
    copy_text(text)
    cb = QGuiApplication.clipboard()
    assert cb.text(QClipboard.Mode.Clipboard) == text
    if cb.supportsSelection():
        assert cb.text(QClipboard.Mode.Selection) == text
    copy_text("second")
    assert cb.text() == "second"
