"""What both windows share: the status line (refreshed four times a second) and the
operator keys, handled as key events rather than QShortcuts so that they work
whenever the keyboard has focus, also with no window manager to make a window active."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy

_MODS = Qt.ControlModifier | Qt.AltModifier | Qt.ShiftModifier | Qt.KeypadModifier
STATUS_HEIGHT_PX = 26


class ElidedLabel(QLabel):
    """One line of fixed height whose text is cut with "…" to the width it has: a long
    status message never grows the status bar, so the keys above never move (a key
    moving under a dwell types the wrong key). `full_text` keeps the whole message."""

    def __init__(self) -> None:
        super().__init__()
        self.full_text = ""
        self.setWordWrap(False)
        self.setFixedHeight(STATUS_HEIGHT_PX)
        # Ignored: the text's length never sets the window's minimum width either.
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self.full_text = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:  # the whole message, as callers (and tests) expect of a label
        return self.full_text

    def resizeEvent(self, ev) -> None:  # noqa: N802
        super().resizeEvent(ev)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width() - 20)  # the style's padding
        super().setText(self.fontMetrics().elidedText(self.full_text, Qt.ElideRight, width))


class OperatorWindow(QMainWindow):
    """A main window with a status line and a table of operator keys: subclasses call
    `setup_chrome(keys)` with {(Qt key, modifiers): action} and implement `refresh_status`."""

    def setup_chrome(self, keys: dict) -> None:
        self.status = ElidedLabel()
        self.status.setStyleSheet("QLabel { font-size: 15px; padding: 2px 8px; color: #cfd3da; }")
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().setSizeGripEnabled(False)
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
