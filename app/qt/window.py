"""The keyboard window: builds the pipeline for the chosen tracker, shows the
keyboard view and a status line, and handles the operator's keys."""
from __future__ import annotations

import sys
from dataclasses import replace
from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

from gazetype.app import compose
from gazetype.app import settings as settings_mod
from gazetype.app.qt.chrome import OperatorWindow
from gazetype.app.qt.controller import GazeController
from gazetype.app.qt.keyboard_view import KeyboardView, qt_measure
from gazetype.calibration import make_calibrator
from gazetype.keyboard.dwell import DwellConfig
from gazetype.keyboard.model import KeyboardModel
from gazetype.pipeline.smoothing import OneEuroFilter
from gazetype.recording.v1 import Header, RecordingWriter
from gazetype.tracker.base import TrackerError
from gazetype.tracker.clock import now_s
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.screen import Screen


def screen_of(qscreen) -> Screen:
    """Our Screen (px and mm) from a QScreen; mm stay unknown if Qt reports none."""
    g = qscreen.geometry()
    phys = qscreen.physicalSize()
    w_mm = phys.width() if phys.width() > 10 else None
    h_mm = phys.height() if phys.height() > 10 else None
    return Screen(g.width(), g.height(), w_mm, h_mm)


class KeyboardWindow(OperatorWindow):
    def __init__(self, controller: GazeController, view: KeyboardView, settings, notice: str | None,
                 clock: Callable[[], float] = now_s) -> None:
        super().__init__()
        self.clock = clock
        self.controller = controller
        self.view = view
        self.settings = settings
        self.notice = notice
        self.setWindowTitle("gazetype" + (f": {notice}" if notice else ""))
        self.setCentralWidget(view)
        self.setup_chrome({
            (Qt.Key_P, Qt.NoModifier): self.toggle_pause, (Qt.Key_F2, Qt.NoModifier): self.toggle_pause,
            (Qt.Key_Q, Qt.ControlModifier): self.close, (Qt.Key_F11, Qt.NoModifier): self.toggle_fullscreen,
            (Qt.Key_Escape, Qt.NoModifier): self.leave_fullscreen, (Qt.Key_C, Qt.NoModifier): self.toggle_cursor,
            (Qt.Key_S, Qt.NoModifier): self.open_settings,
        }, word_wrap=True)

    def refresh_status(self) -> None:
        text = self.controller.status_text()
        if self.notice:
            text = f"{self.notice}   \u00b7   {text}"
        self.status.setText(text + "   \u00b7   keys: P pause, S settings, C cursor, F11 full screen, Ctrl+Q quit")

    def toggle_pause(self) -> None:
        self.controller.set_paused(not self.controller.pipeline.paused)
        self.refresh_status()

    def toggle_cursor(self) -> None:
        self.view.show_cursor = not self.view.show_cursor
        self._save(show_cursor=self.view.show_cursor)
        self.view.update()

    def leave_fullscreen(self) -> None:
        if self.isFullScreen():
            self.showMaximized()

    def open_settings(self) -> None:
        from gazetype.app.qt.settings_dialog import SettingsDialog
        dlg = SettingsDialog(self.settings, self)
        if dlg.exec():
            self.apply_settings(dlg.result_settings())

    def apply_settings(self, s) -> None:
        self.settings = s
        settings_mod.save(s)
        pipe = self.controller.pipeline
        pipe.dwell.set_config(DwellConfig(dwell_s=s.dwell_ms / 1000, lockon_s=s.lockon_ms / 1000))
        pipe.smoother = OneEuroFilter() if s.smoothing else None
        self.view.show_cursor = s.show_cursor
        model = self.controller.session.model
        self.controller.session.publish(model.set_measure(qt_measure(s.font_px), s.font_px, self.clock()))
        self.view.update()

    def _save(self, **changes) -> None:
        self.settings = replace(self.settings, **changes)
        settings_mod.save(self.settings)

    def closeEvent(self, ev) -> None:
        self.controller.stop()
        super().closeEvent(ev)


def cursor_pos_fn(qscreen):
    """Where the mouse pointer is, in px of `qscreen` (the mouse stands in for gaze)."""
    def cursor_pos():
        pos = QCursor.pos()
        tl = qscreen.geometry().topLeft()
        return (pos.x() - tl.x(), pos.y() - tl.y())
    return cursor_pos


def build(args, app: QApplication, clock: Callable[[], float] = now_s):
    """Model, tracker, pipeline, session, controller and window from CLI args and settings.
    `clock` is the time of the simulated tracker and of the window's own stamps (tests
    run it faster); real trackers stamp samples with the monotonic clock, the default."""
    s = settings_mod.load()
    tracker_name = args.tracker if args.tracker != "auto" or s.tracker == "auto" else s.tracker
    dwell_s = args.dwell_s if args.dwell_s is not None else s.dwell_ms / 1000
    autocal = s.autocal if args.autocal is None else args.autocal

    qscreen = app.primaryScreen()
    screen = screen_of(qscreen)
    induced = parse_offset(args.offset, screen)
    g = qscreen.geometry()
    model = KeyboardModel((0, 0, g.width(), g.height()), font_px=s.font_px, measure=qt_measure(s.font_px),
                          target_measure=qt_measure(s.font_px * 0.8))
    try:
        choice = compose.open_tracker(tracker_name, screen, model, cursor_pos=cursor_pos_fn(qscreen),
                                      clock=clock)
    except TrackerError as e:
        if args.tracker != "auto":
            raise  # asked for on the command line: say so and stop
        # The saved setting names a tracker that cannot be opened: a bad setting must
        # never stop someone from typing. The mouse stands in, and stderr says why.
        print(f"gazetype: warning: saved tracker {tracker_name!r}: {e}; the mouse stands in", file=sys.stderr)
        choice = compose.open_tracker("mouse", screen, model, cursor_pos=cursor_pos_fn(qscreen), clock=clock)
    recorder = None
    if args.record:
        recorder = RecordingWriter(args.record, Header(screen, choice.tracker.nominal_rate_hz, source=choice.tracker.name,
                                                       extra={"induced_offset": induced.spec}))
    pipeline = compose.build_pipeline(
        dwell=DwellConfig(dwell_s=dwell_s, lockon_s=s.lockon_ms / 1000), calibrator=make_calibrator(screen, autocal),
        induced=induced, smoothing=s.smoothing, recorder=recorder,
        sinks=compose.lsl_sinks(getattr(args, "lsl_out", False), screen, choice.tracker))
    view = KeyboardView(model)
    view.show_cursor = s.show_cursor
    parts = compose.assemble(choice, model, pipeline, recorder=recorder, cursor_visible=lambda: view.show_cursor)
    controller = GazeController(view, parts.session, parts.tracker, clock=clock)
    win = KeyboardWindow(controller, view, s, parts.notice, clock)
    return win, controller, parts


def run_app(args) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("gazetype")
    win, controller, parts = build(args, app)
    fullscreen = args.fullscreen or win.settings.fullscreen
    win.resize(1280, 800)
    win.showFullScreen() if fullscreen else win.showMaximized()
    controller.start()
    win.refresh_status()
    if args.quit_after is not None:
        def finish():
            if args.screenshot:
                win.refresh_status()
                win.grab().save(args.screenshot)
            win.close()
        QTimer.singleShot(int(args.quit_after * 1000), finish)
    try:
        return app.exec()
    finally:
        controller.stop()
        parts.close()
