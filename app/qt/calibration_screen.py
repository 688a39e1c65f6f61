"""The calibration screen: draws the explicit calibration's state (the target, its
shrink animation, the status line, then the result plot) and forwards Escape. All
logic is in `gazetype.calibration.explicit.ExplicitCalibration`, whose blocking device
calls run on a worker thread; a timer here only advances it with the clock and repaints.

Started by the operator (`gazetype calibrate`, F9 in the keyboard window) or by the
gaze-reachable `calibrate` key (confirmed by a second dwell). The targets are in the
px of the tracker's `screen`; the widget shows them scaled to its own size (full
screen on the tracker's display in use).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from gazetype.calibration.explicit import CANCELLED, DONE, ExplicitCalibration, Outcome, ThreadWorker, targets_px
from gazetype.tracker.clock import now_s
from gazetype.tracker.devicecal import DeviceCalibration
from gazetype.tracker.screen import Screen

TARGET_R_PX = 28.0  # the target's radius before it shrinks
DOT_R_PX = 4.0  # the centre dot (and the radius it shrinks to)
RESULT_S = 6.0  # the result plot stays this long (a key or a click closes it sooner)
LEFT_EYE, RIGHT_EYE = QColor("#5cc46a"), QColor("#4da3ff")


def after_calibration(outcome: Outcome) -> None:
    """VALIDATION HOOK: called by the calibration screen right after a successful
    calibration (the result plot has been shown). To be wired to the validation
    procedure (branch `valid`: calibration/validation.py, app/qt/validation_screen.py)
    when both are merged; until then it does nothing."""
    return None


class CalibrationScreen(QWidget):
    """Runs one explicit calibration. `finished(outcome)` when it is over (and the result
    has been shown); on success `after_calibration(outcome)` is called first."""

    finished = Signal(object)

    def __init__(self, device: DeviceCalibration, screen: Screen, n_targets: int = 9, *,
                 clock: Callable[[], float] = now_s, worker=None,
                 after_calibration: Callable[[Outcome], None] | None = after_calibration,
                 result_s: float = RESULT_S, parent=None, **timing) -> None:
        super().__init__(parent)
        self.clock = clock
        self.screen_px = screen
        self.machine = ExplicitCalibration(device, targets_px(screen, n_targets),
                                           worker=worker if worker is not None else ThreadWorker(), **timing)
        self.after_calibration = after_calibration
        self.result_s = result_s
        self.view_state = self.machine.update(clock())
        self._result_since: float | None = None
        self._reported = False
        self.closing = False
        self.setWindowTitle("gazetype: calibration")
        self.setAutoFillBackground(False)
        self.setFocusPolicy(Qt.StrongFocus)
        self._timer = QTimer(self)
        self._timer.setInterval(16)  # the shrink animation
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    # -- driving ---------------------------------------------------------------
    @property
    def outcome(self) -> Outcome | None:
        return self.machine.outcome

    def tick(self) -> None:
        t = self.clock()
        self.view_state = self.machine.update(t)
        if self.machine.finished:
            if self._result_since is None:
                self._result_since = t
            elif t - self._result_since >= self.result_s or self.outcome.status == CANCELLED:
                self.report()
        self.update()

    def cancel(self) -> None:
        self.machine.cancel("cancelled (Escape)")
        self.tick()

    def report(self) -> None:
        """The end: the validation hook on success, then `finished`."""
        if self._reported or self.outcome is None:
            return
        self._reported = True
        self._timer.stop()
        if self.outcome.status == DONE and self.after_calibration is not None:
            self.after_calibration(self.outcome)
        self.finished.emit(self.outcome)

    def finish_now(self, timeout_s: float = 5.0) -> Outcome | None:
        """Closing mid-way: cancel and wait (at most `timeout_s`) for calibration mode to be left."""
        import time
        if not self.machine.finished:
            self.machine.cancel("cancelled (window closed)")
            t_end = time.monotonic() + timeout_s
            while not self.machine.finished and time.monotonic() < t_end:
                self.machine.update(self.clock())
                time.sleep(0.01)
        self.report()
        return self.outcome

    def keyPressEvent(self, ev) -> None:  # noqa: N802
        if ev.key() == Qt.Key_Escape and not self.machine.finished:
            self.cancel()
        elif self.machine.finished and ev.key() in (Qt.Key_Escape, Qt.Key_Space, Qt.Key_Return, Qt.Key_Enter):
            self.report()
        else:
            super().keyPressEvent(ev)

    def mousePressEvent(self, ev) -> None:  # noqa: N802
        if self.machine.finished:
            self.report()

    def closeEvent(self, ev) -> None:  # noqa: N802
        self.closing = True
        self.finish_now()
        super().closeEvent(ev)

    # -- drawing -----------------------------------------------------------------
    def to_widget(self, x_px: float, y_px: float) -> QPointF:
        return QPointF(x_px * self.width() / self.screen_px.width_px, y_px * self.height() / self.screen_px.height_px)

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("#808080"))  # mid grey: the pupils as in use
        v = self.view_state
        if v.outcome is not None:
            self._draw_result(p, v.outcome)
        elif v.target_px is not None:
            c = self.to_widget(*v.target_px)
            r = DOT_R_PX + (TARGET_R_PX - DOT_R_PX) * v.shrink
            p.setPen(Qt.NoPen)
            p.setBrush(QColor("#f2f2f2"))
            p.drawEllipse(c, r, r)
            p.setBrush(QColor("#101010"))
            p.drawEllipse(c, DOT_R_PX, DOT_R_PX)
        p.setPen(QColor("#101010"))
        f = QFont(self.font())
        f.setPixelSize(20)
        p.setFont(f)
        hint = ("Escape: stop" if v.outcome is None
                else "left eye green, right eye blue, red: no data   \u00b7   any key: close")
        p.drawText(QRectF(0, self.height() - 60, self.width(), 40), Qt.AlignCenter, f"{v.message}   \u00b7   {hint}")
        p.end()

    def _draw_result(self, p: QPainter, o: Outcome) -> None:
        """Each target, and a line to where each eye's samples landed (left green, right
        blue; samples the device did not use are not drawn); targets without data in red."""
        pts = o.result.points if o.result is not None else ()
        for rp in pts:
            c = self.to_widget(rp.x_px, rp.y_px)
            for eyes, color in ((rp.left, LEFT_EYE), (rp.right, RIGHT_EYE)):
                p.setPen(QPen(color, 2))
                for e in eyes:
                    if e.validity == "used":
                        end = self.to_widget(e.x_px, e.y_px)
                        p.drawLine(c, end)
                        p.drawEllipse(end, 1.5, 1.5)
        for t in o.targets:
            c = self.to_widget(t.x_px, t.y_px)
            p.setPen(QPen(QColor("#101010") if t.collected else QColor("#d03030"), 2))
            p.setBrush(Qt.NoBrush)
            p.drawEllipse(c, 10, 10)


def calibrate_on_screen(device: DeviceCalibration, screen: Screen, n_targets: int, *, parent=None,
                        on_finished: Callable[[Outcome], None] | None = None, **kw) -> CalibrationScreen:
    """Open a full-screen calibration; `on_finished(outcome)` when it closes."""
    w = CalibrationScreen(device, screen, n_targets, **kw)
    if parent is not None:
        w.setParent(parent, Qt.Window)

    def done(outcome: Outcome) -> None:
        if not w.closing:
            w.close()
        if on_finished is not None:
            on_finished(outcome)
    w.finished.connect(done)
    w.showFullScreen()
    w.setFocus()
    return w


def run_calibration(device: DeviceCalibration, screen: Screen, n_targets: int, *,
                    quit_after_s: float | None = None) -> Outcome | None:
    """The `gazetype calibrate` window: runs until the result has been shown, returns the outcome."""
    import sys

    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("gazetype")
    result: list[Outcome] = []

    def done(o: Outcome) -> None:
        result.append(o)
        app.quit()
    w = calibrate_on_screen(device, screen, n_targets, on_finished=done)
    if quit_after_s is not None:
        QTimer.singleShot(int(quit_after_s * 1000), w.close)
    if not result:
        app.exec()
    if not result:
        result.append(w.finish_now())
    return result[0]
