"""The validation screen: draws a `ValidationSession`'s targets (gliding, then shrinking
to a dot) and forwards tracker samples to it. No logic here: the session
(`calibration/validation.py`) decides where the target is and what it measured.

`run_validation(tracker, screen)` runs one and returns its result; the explicit
calibration (Tobii) calls it right after calibrating. `ValidationCanvas` draws one
`ValidationView` and is also what the study window shows during a validation block.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEventLoop, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from gazetype.calibration.validation import (
    Stage,
    ValidationConfig,
    ValidationResult,
    ValidationSession,
    ValidationView,
)
from gazetype.tracker.base import Tracker
from gazetype.tracker.clock import now_s
from gazetype.tracker.screen import Screen

POLL_MS = 8  # as the keyboard's controller polls pull trackers
BACKGROUND = QColor("#808080")  # mid grey: the pupil as in a typical task, as the toolboxes advise
TARGET = QColor("#000000")
CENTRE = QColor("#ffffff")


class ValidationCanvas(QWidget):
    """Draws a `ValidationView` (widget px = screen px when the widget fills the screen)."""

    def __init__(self, parent=None, message: str = "Look at each dot until it disappears.") -> None:
        super().__init__(parent)
        self.view: ValidationView | None = None
        self.message = message
        self.setAutoFillBackground(False)
        self.setAttribute(Qt.WA_OpaquePaintEvent)

    def show_view(self, view: ValidationView | None) -> None:
        if view != self.view:
            self.view = view
            self.update()

    def paintEvent(self, ev) -> None:  # noqa: N802 (Qt)
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), BACKGROUND)
        v = self.view
        if v is None or v.stage in (Stage.WAITING, Stage.DONE):
            p.setPen(QColor("#ffffff"))
            p.setFont(QFont(self.font().family(), 20))
            text = self.message if v is None or v.stage == Stage.WAITING else "Done."
            p.drawText(self.rect(), Qt.AlignCenter, text)
            p.end()
            return
        c = QPointF(v.x_px, v.y_px)
        r = v.radius_px
        p.setPen(Qt.NoPen)
        p.setBrush(TARGET)
        p.drawEllipse(c, r, r)
        # The centre the eye should rest on: a small white ring and a black dot (a bull's eye).
        inner = max(min(r * 0.45, 6.0), 2.0)
        p.setBrush(CENTRE)
        p.drawEllipse(c, inner, inner)
        p.setBrush(TARGET)
        p.drawEllipse(c, inner * 0.45, inner * 0.45)
        # Progress along the bottom, for the operator: thin and out of the way.
        p.setPen(QPen(QColor("#b0b0b0"), 1))
        p.setFont(QFont(self.font().family(), 10))
        p.drawText(QRectF(0, self.height() - 22, self.width() - 10, 20), Qt.AlignRight | Qt.AlignVCenter,
                   f"{min(v.index + 1, v.n_targets)}/{v.n_targets}")
        p.end()


class ValidationScreen(ValidationCanvas):
    """A validation run on a tracker: polls it every POLL_MS, feeds the session, redraws.
    `finished` is emitted once with the result, or with None when cancelled (Escape)."""

    finished = Signal(object)

    def __init__(self, tracker: Tracker, session: ValidationSession, *, clock: Callable[[], float] = now_s,
                 parent=None) -> None:
        super().__init__(parent)
        self.tracker = tracker
        self.session = session
        self.clock = clock
        self.result: ValidationResult | None = None
        self._over = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._step)
        self.setFocusPolicy(Qt.StrongFocus)

    def begin(self, lead_s: float = 0.5) -> None:
        """Start measuring `lead_s` from now (the first target shows meanwhile)."""
        if not self.tracker.running:
            self.tracker.start()
        self.session.start(self.clock() + lead_s)
        self.timer.start()
        self._step()

    def _step(self) -> None:
        if self._over:
            return
        for s in self.tracker.read():
            self.session.update(s)
        self.session.tick(self.clock())
        self.show_view(self.session.view(self.clock()))
        if self.session.done:
            self._finish(self.session.result)

    def _finish(self, result: ValidationResult | None) -> None:
        if self._over:
            return
        self._over = True
        self.timer.stop()
        self.result = result
        self.finished.emit(result)

    def cancel(self) -> None:
        self._finish(None)

    def closeEvent(self, ev) -> None:  # noqa: N802 (Qt)
        self.cancel()
        super().closeEvent(ev)

    def keyPressEvent(self, ev) -> None:  # noqa: N802 (Qt)
        if ev.key() == Qt.Key_Escape:
            self.cancel()
        else:
            super().keyPressEvent(ev)


def run_validation(tracker: Tracker, screen: Screen, config: ValidationConfig | None = None, *,
                   session: ValidationSession | None = None, clock: Callable[[], float] = now_s,
                   fullscreen: bool = True, parent=None, on_screen: Callable[[ValidationScreen], None] | None = None,
                   ) -> ValidationResult | None:
    """Show the validation screen, run it on `tracker` (started if it is not running;
    left running), and return the result (None if cancelled with Escape or closed).
    `screen` is the display the tracker reports on; the screen fills it. A caller that
    built the session already (the simulated tracker watches it) passes it in."""
    session = session or ValidationSession(screen, config or ValidationConfig(), tracker=tracker.name)
    w = ValidationScreen(tracker, session, clock=clock, parent=parent)
    w.setWindowTitle("gazetype validation")
    w.resize(screen.width_px, screen.height_px)
    loop = QEventLoop()
    w.finished.connect(lambda _r: loop.quit())
    w.destroyed.connect(loop.quit)
    w.showFullScreen() if fullscreen else w.show()
    w.setFocus()
    w.begin()
    if on_screen is not None:
        on_screen(w)
    if not w._over:
        loop.exec()
    result = w.result
    w.close()
    w.deleteLater()
    return result


def run_standalone(build: Callable[[Screen, Callable[[], tuple[float, float]]], tuple[Tracker, ValidationSession]],
                   *, fullscreen: bool = True, screenshot: str | None = None,
                   screenshot_at_s: float = 0.0) -> tuple[ValidationResult | None, Screen]:
    """`gazetype validate`: the Qt application, the primary screen, and one validation.
    `build(screen, cursor_pos)` makes the tracker and the session (the command chooses
    the tracker; the simulated one must see the session). The tracker is stopped after."""
    import sys

    from PySide6.QtWidgets import QApplication

    from gazetype.app.qt.pointer import PointerWatch
    from gazetype.app.qt.window import screen_of

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("gazetype")
    qscreen = app.primaryScreen()
    screen = screen_of(qscreen)
    pointer = PointerWatch(qscreen)  # the mouse, where it stands in for gaze
    tracker, session = build(screen, pointer)

    def on_screen(w: ValidationScreen) -> None:
        pointer.setParent(w)
        pointer.watch(w)
        if screenshot:
            QTimer.singleShot(int(screenshot_at_s * 1000), lambda: w.grab().save(screenshot))

    try:
        result = run_validation(tracker, screen, session=session, fullscreen=fullscreen, on_screen=on_screen)
    finally:
        tracker.stop()
    return result, screen
