"""Send mode: the keyboard window types into another application, so it must never
take the keyboard focus from it, and must stay above it."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def make_non_activating(window: QWidget) -> None:
    """Make `window` a tool window that stays on top, is shown without being activated
    and never accepts the focus (on X11 Qt then sets WM_HINTS input=False and the
    utility window type, so a window manager does not give it the focus on a click
    either). Call before show(); calling it on a shown window re-creates it hidden."""
    was_visible = window.isVisible()
    window.setWindowFlags(window.windowFlags() | Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint
                          | Qt.WindowType.WindowDoesNotAcceptFocus)
    window.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
    # Its own widgets must not grab the focus either: keys are "pressed" by gaze or a
    # pointer click, never typed into the keyboard itself.
    for child in window.findChildren(QWidget):
        child.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if was_visible:
        window.show()


def is_non_activating(window: QWidget) -> bool:
    f = window.windowFlags()
    return bool(f & Qt.WindowType.WindowDoesNotAcceptFocus and f & Qt.WindowType.WindowStaysOnTopHint
                and window.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating))
