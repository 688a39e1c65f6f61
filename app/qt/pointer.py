"""The mouse pointer's position, kept from the mouse events Qt delivers to the app's
windows, so that reading it costs nothing: `QCursor.pos()` asks the X server and waits
for the answer on every call (at the 125 Hz the mouse is read, that round trip was
most of an idle keyboard's CPU, issue 15).

Until the pointer has moved over a window the position is unknown (None: invalid
gaze, so a pointer left resting on a key types nothing); it is unknown again when the
pointer leaves the windows (it is then on no key of ours)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QWindow


class PointerWatch(QObject):
    """Call it for the pointer's position in px of `qscreen` (origin top-left), or None.
    `on_move` is called on every pointer move (the controller speeds its polling up)."""

    def __init__(self, qscreen, on_move: Callable[[], None] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.qscreen = qscreen
        self.on_move = on_move
        self.pos: tuple[float, float] | None = None
        self.moves = 0

    def watch(self, widget) -> None:
        """Follow the pointer over `widget`'s top-level window (created if need be)."""
        widget.winId()  # the native window exists from here on
        widget.window().windowHandle().installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt's name)
        t = ev.type()
        if t in (QEvent.MouseMove, QEvent.Enter) and isinstance(obj, QWindow):
            g = ev.globalPosition()
            tl = self.qscreen.geometry().topLeft()
            self.pos = (g.x() - tl.x(), g.y() - tl.y())
            self.moves += 1
            if self.on_move is not None:
                self.on_move()
        elif t == QEvent.Leave and isinstance(obj, QWindow):
            self.pos = None
        return False

    def __call__(self) -> tuple[float, float] | None:
        return self.pos
