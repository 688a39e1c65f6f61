"""What both windows share: the status line (refreshed four times a second) and the
operator keys, handled as key events rather than QShortcuts so that they work
whenever the keyboard has focus, also with no window manager to make a window active."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow

_MODS = Qt.ControlModifier | Qt.AltModifier | Qt.ShiftModifier | Qt.KeypadModifier


class OperatorWindow(QMainWindow):
    """A main window with a status line and a table of operator keys: subclasses call
    `setup_chrome(keys)` with {(Qt key, modifiers): action} and implement `refresh_status`."""

    def setup_chrome(self, keys: dict, word_wrap: bool = False) -> None:
        self.status = QLabel()
        self.status.setStyleSheet("QLabel { font-size: 15px; padding: 2px 8px; color: #cfd3da; }")
        self.status.setWordWrap(word_wrap)
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().setStyleSheet("QStatusBar { background: #0d0e10; color: #cfd3da; }")
        self._status_timer = QTimer(self)
        self._status_timer.timeout.connect(self.refresh_status)
        self._status_timer.start(250)
        self._keys = keys

    def refresh_status(self) -> None:
        raise NotImplementedError

    def keyPressEvent(self, ev) -> None:
        fn = self._keys.get((Qt.Key(ev.key()), ev.modifiers() & _MODS))
        if fn is None:
            super().keyPressEvent(ev)
        else:
            fn()

    def toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()
