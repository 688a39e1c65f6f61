"""The keyboard window: builds the pipeline for the chosen tracker, shows the
keyboard view and a status line of fixed height, handles the operator's keys, and
routes the keyboard's gaze actions (speak, copy, done, save a phrase) to the outputs
and the history."""
from __future__ import annotations

import sys
from dataclasses import replace
from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from gazetype.app import compose
from gazetype.app import settings as settings_mod
from gazetype.app.actions import ActionRouter
from gazetype.app.qt.chrome import OperatorWindow
from gazetype.app.qt.controller import GazeController
from gazetype.app.qt.keyboard_view import KeyboardView, qt_measure
from gazetype.app.qt.pointer import PointerWatch
from gazetype.app.settings import CLEAR_CONFIRM_S, spec_from_settings
from gazetype.keyboard.history import History, quick_phrases
from gazetype.keyboard.layout import DEFAULT_LAYOUT, LayoutError, load_layout
from gazetype.keyboard.predict import Predictor
from gazetype.output.base import NullOutputs, Outputs, diff_for_send
from gazetype.pipeline import spec as specs
from gazetype.recording.v1 import Header, RecordingWriter
from gazetype.tracker.base import TrackerError
from gazetype.tracker.clock import now_s
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.screen import Screen

MOUSE_LIKE = ("mouse", "sim", "replay")  # gaze sources that are not eye trackers: no full screen by default


def screen_of(qscreen) -> Screen:
    """Our Screen (px and mm) from a QScreen; mm stay unknown if Qt reports none."""
    g = qscreen.geometry()
    phys = qscreen.physicalSize()
    w_mm = phys.width() if phys.width() > 10 else None
    h_mm = phys.height() if phys.height() > 10 else None
    return Screen(g.width(), g.height(), w_mm, h_mm)


class KeyboardWindow(OperatorWindow):
    def __init__(self, controller: GazeController, view: KeyboardView, settings, notice: str | None,
                 clock: Callable[[], float] = now_s, *, outputs: Outputs | None = None,
                 history: History | None = None, spec: specs.PipelineSpec | None = None) -> None:
        super().__init__()
        self.clock = clock
        self.controller = controller
        self.view = view
        self.settings = settings
        # What the pipeline runs now: the settings dialog changes it, and the change is recorded.
        self.spec = spec if spec is not None else spec_from_settings(
            settings, specs.PipelineSpec(clear_confirm_s=CLEAR_CONFIRM_S, layout=controller.session.model.key_layout.name))
        self.notice = notice
        self.outputs: Outputs = outputs if outputs is not None else NullOutputs()
        self.sent_text: str | None = None  # send mode: the text the other application has
        controller.textChanged.connect(self.mirror_text)
        self.history = history
        self.router = ActionRouter(self.outputs, history=history, keep_history=settings.history,
                                   speak_on_done=settings.speak_on_done, phrases_changed=self.refresh_phrases,
                                   calibrate=self.start_calibration)
        self.calibration_screen = None  # the open calibration (app/qt/calibration_screen.py)
        self.validation_config = None  # the targets after a calibration (None: 9, 1.5 s each)
        self.router.user_words = controller.session.model.predictor.user  # learnt into on "done"
        self.message: str | None = None  # the last action's word for the status line
        self.settings_dialog = None
        controller.actionRequested.connect(self.on_action)
        view.scrolled.connect(controller.scroll)
        self.setWindowTitle("gazetype" + (f": {notice}" if notice else ""))
        self.setCentralWidget(view)
        self.setup_chrome({
            (Qt.Key_P, Qt.NoModifier): self.toggle_pause, (Qt.Key_F2, Qt.NoModifier): self.toggle_pause,
            (Qt.Key_Q, Qt.ControlModifier): self.close, (Qt.Key_F11, Qt.NoModifier): self.toggle_fullscreen,
            (Qt.Key_Escape, Qt.NoModifier): self.leave_fullscreen, (Qt.Key_C, Qt.NoModifier): self.toggle_cursor,
            (Qt.Key_S, Qt.NoModifier): self.open_settings, (Qt.Key_C, Qt.ControlModifier): self.copy_text,
            (Qt.Key_F9, Qt.NoModifier): self.calibrate_key,
            (Qt.Key_PageUp, Qt.NoModifier): lambda: controller.scroll(3),
            (Qt.Key_PageDown, Qt.NoModifier): lambda: controller.scroll(-3),
        })

    def on_action(self, action) -> None:
        msg = self.router.route(action)
        if msg:
            self.message = msg
            self.refresh_status()

    def calibrate_key(self) -> None:
        """F9 (the operator): the tracker's own calibration, as the confirmed gaze key starts it."""
        self.message = self.start_calibration()
        self.refresh_status()

    def start_calibration(self, n_targets: int = 9) -> str | None:
        """Open the calibration screen when the tracker offers one (gaze types nothing
        meanwhile); else one line saying where this tracker is calibrated."""
        if self.calibration_screen is not None:
            return None
        tracker = self.controller.tracker
        try:
            device = tracker.calibration()
        except TrackerError as e:
            return f"calibration: {e}"
        if device is None:
            return tracker.no_calibration_message()
        from gazetype.app.qt.calibration_screen import calibrate_on_screen
        self.controller.set_paused(True)

        def finished(outcome) -> None:
            self.calibration_screen = None
            self.message = f"calibration {outcome.status}: {outcome.message}"
            if outcome.ok:  # measured right after: the validation targets
                self.message += "; " + self.validate_now()
            self.controller.set_paused(False)
            self.refresh_status()
        self.calibration_screen = calibrate_on_screen(device, tracker.screen, n_targets, parent=self,
                                                      on_finished=finished)
        return "calibrating"

    def validate_now(self) -> str:
        """The validation targets on the keyboard's tracker (its gaze is lent to them, the
        keyboard reads none meanwhile); one phrase with the result."""
        from gazetype.app.qt.validation_screen import run_validation
        tracker = self.controller.tracker
        self.controller.suspend()
        try:
            result = run_validation(tracker, tracker.screen, self.validation_config, parent=self)
        finally:
            self.controller.resume()
        if result is None:
            return "validation cancelled"
        def deg(v) -> str:
            return "-" if v is None else f"{v:.2f} deg"
        return f"validation: accuracy {deg(result.accuracy_deg)}, precision (RMS) {deg(result.rms_s2s_deg)}"

    def set_send_mode(self, on: bool) -> None:
        """Type into the focused application too: this window then never takes focus
        and stays on top, and each change of the text is mirrored there (backspaces
        for what changed, then the new characters)."""
        if on:
            from gazetype.app.qt.send_mode import make_non_activating
            make_non_activating(self)
            self.sent_text = self.controller.session.model.buffer.text
        else:
            self.sent_text = None

    def mirror_text(self, text: str) -> None:
        if self.sent_text is None:
            return
        n_back, add = diff_for_send(self.sent_text, text)
        if n_back:
            self.outputs.send_backspaces(n_back)
        if add:
            self.outputs.send_text(add)
        self.sent_text = text

    def copy_text(self) -> None:
        """Ctrl+C: the whole text to the clipboard, as the copy key does."""
        from gazetype.keyboard.model import Action
        self.on_action(Action(self.clock(), "copy", self.controller.session.model.buffer.text))

    def refresh_phrases(self) -> None:
        model = self.controller.session.model
        self.controller.session.publish(model.set_phrases(
            quick_phrases(self.history, most_said=self.settings.show_most_said), self.clock()))

    def refresh_status(self) -> None:
        text = self.controller.status_text()
        if self.message:
            text = f"{self.message}   \u00b7   {text}"
        if self.notice:
            text = f"{self.notice}   \u00b7   {text}"
        self.status.setText(text + "   \u00b7   keys: P pause, S settings, C cursor, F9 calibrate, F11 full screen, "
                                "Ctrl+Q quit")

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
        """The settings dialog, modal: while it is open, gaze types nothing (the
        controller sees the modal dialog). Opened without a nested event loop."""
        from gazetype.app.qt.settings_dialog import SettingsDialog
        if self.settings_dialog is not None:
            return
        model = self.controller.session.model
        speaker = getattr(self.outputs, "speaker", None)
        voices = [(v.id, f"{v.name} ({', '.join(v.languages)})") for v in speaker.voices()] if speaker else []
        dlg = self.settings_dialog = SettingsDialog(self.settings, self, px_per_deg=self.controller.tracker.screen.px_per_deg,
                                                    key_size_px=model.key_size_px, window_h_px=self.view.height(),
                                                    voices=voices)

        def finished(result: int) -> None:
            self.settings_dialog = None
            if result:
                self.apply_settings(dlg.result_settings())
            dlg.deleteLater()
        dlg.finished.connect(finished)
        dlg.open()

    def apply_settings(self, s) -> None:
        self.settings = s
        settings_mod.save(s)
        self.view.show_cursor = s.show_cursor
        self.router.keep_history, self.router.speak_on_done = s.history, s.speak_on_done
        self.refresh_phrases()  # the "most said" setting shows at once
        speaker = getattr(self.outputs, "speaker", None)
        if speaker is not None:
            try:
                if s.voice:
                    speaker.set_voice(s.voice)
                speaker.set_rate_wpm(s.speech_rate_wpm)
                speaker.set_volume(s.speech_volume_pct / 100)
            except ValueError as e:  # a voice no longer installed: say so, keep speaking
                self.message = str(e).splitlines()[0]
        session = self.controller.session
        t = self.clock()
        old = self.spec
        new = spec_from_settings(s, old)
        try:
            load_layout(new.layout)
        except LayoutError as e:  # a bad layout file: keep the one in use
            self.message = str(e)
            new = new.with_changes(layout=old.layout)
        evs = specs.reconfigure(session, old, new, t, screen=self.controller.tracker.screen,
                                measure=qt_measure(new.font_px))
        if new.font_px == old.font_px:  # the measure follows the font setting even at the same size
            evs += session.model.set_measure(qt_measure(new.font_px), new.font_px, t)
        self.spec = new
        if new != old:
            session.pipeline.on_marker(specs.spec_marker(new, t))  # replay changes where the session changed
        session.publish(evs)
        self.view.update()

    def _save(self, **changes) -> None:
        self.settings = replace(self.settings, **changes)
        settings_mod.save(self.settings)

    def closeEvent(self, ev) -> None:
        if self.calibration_screen is not None:  # leave calibration mode before the tracker stops
            self.calibration_screen.close()
        self.controller.stop()
        if self.history is not None:
            self.history.close()
        self.outputs.close()
        super().closeEvent(ev)


def _layout_choice(args, s) -> str:
    """--layout, else the saved layout; a saved layout that cannot be loaded is a warning
    and QWERTY (a bad setting must never stop someone from typing)."""
    name = getattr(args, "layout", None)
    if name:
        return name
    try:
        load_layout(s.layout)
        return s.layout
    except LayoutError as e:
        print(f"gazetype: warning: saved layout: {e}; using {DEFAULT_LAYOUT}", file=sys.stderr)
        return DEFAULT_LAYOUT


def _open_history(s) -> History | None:
    """The history (finished texts, saved phrases): opened when kept or already there."""
    path = settings_mod.history_path()
    if not (s.history or path.exists()):
        return None
    try:
        return History(path)
    except Exception as e:  # noqa: BLE001  (sqlite3 and OS errors alike: type without it)
        print(f"gazetype: warning: {path}: history not available ({e})", file=sys.stderr)
        return None


def build(args, app: QApplication, clock: Callable[[], float] = now_s, outputs: Outputs | None = None):
    """Model, tracker, pipeline, session, controller and window from CLI args and settings.
    `clock` is the time of the simulated tracker and of the window's own stamps (tests
    run it faster); real trackers stamp samples with the monotonic clock, the default.
    `outputs` (speech, clipboard, typing into other applications): default the
    machine's (`gazetype.output.hub.OutputHub`)."""
    s = settings_mod.load()
    tracker_name = args.tracker if args.tracker != "auto" or s.tracker == "auto" else s.tracker
    dwell_s = args.dwell_s if args.dwell_s is not None else s.dwell_ms / 1000
    autocal = s.autocal if args.autocal is None else args.autocal

    qscreen = app.primaryScreen()
    screen = screen_of(qscreen)
    induced = parse_offset(args.offset, screen)
    g = qscreen.geometry()
    history = _open_history(s)
    pointer = PointerWatch(qscreen)  # the mouse, where it stands in for gaze
    spec = spec_from_settings(s, specs.PipelineSpec(
        tracker=tracker_name, induced_offset=induced.spec, autocal=autocal, clear_confirm_s=CLEAR_CONFIRM_S,
        window_px=(0, 0, g.width(), g.height()))).with_changes(dwell_s=dwell_s, layout=_layout_choice(args, s))
    model = specs.build_model(spec, screen, measure=qt_measure(s.font_px), target_measure=qt_measure(s.font_px * 0.8),
                              phrases=quick_phrases(history, most_said=s.show_most_said),
                              predictor=Predictor(user=history.user_words() if history is not None and s.history
                                                  else None))
    try:
        choice = compose.open_tracker(tracker_name, screen, model, cursor_pos=pointer,
                                      clock=clock)
    except TrackerError as e:
        if args.tracker != "auto":
            raise  # asked for on the command line: say so and stop
        # The saved setting names a tracker that cannot be opened: a bad setting must
        # never stop someone from typing. The mouse stands in, and stderr says why.
        print(f"gazetype: warning: saved tracker {tracker_name!r}: {e}; the mouse stands in", file=sys.stderr)
        choice = compose.open_tracker("mouse", screen, model, cursor_pos=pointer, clock=clock)
    spec = spec.with_changes(tracker=choice.tracker.name)
    recorder = None
    if args.record:
        recorder = RecordingWriter(args.record, Header(screen, choice.tracker.nominal_rate_hz, source=choice.tracker.name,
                                                       extra=specs.header_extra(spec, induced_offset=induced.spec)))
    pipeline = specs.build_pipeline(spec, screen, recorder=recorder,
                                    sinks=compose.lsl_sinks(getattr(args, "lsl_out", False), screen, choice.tracker))
    view = KeyboardView(model)
    view.show_cursor = s.show_cursor
    parts = compose.assemble(choice, model, pipeline, recorder=recorder, cursor_visible=lambda: view.show_cursor)
    controller = GazeController(view, parts.session, parts.tracker, clock=clock)
    if outputs is None:
        from gazetype.app.qt.clipboard import copy_text
        from gazetype.output.hub import OutputHub
        try:
            outputs = OutputHub.open(copy_fn=copy_text, voice=s.voice or None, rate_wpm=s.speech_rate_wpm,
                                     volume=s.speech_volume_pct / 100)
        except ValueError as e:  # the saved voice is no longer installed: the default speaks
            print(f"gazetype: warning: saved voice: {str(e).splitlines()[0]}; using the default voice",
                  file=sys.stderr)
            outputs = OutputHub.open(copy_fn=copy_text, rate_wpm=s.speech_rate_wpm, volume=s.speech_volume_pct / 100)
    win = KeyboardWindow(controller, view, s, parts.notice, clock, outputs=outputs, history=history, spec=spec)
    pointer.setParent(win)
    pointer.on_move = controller.hurry
    pointer.watch(win)
    if getattr(args, "send", False) or s.send_keys:
        win.set_send_mode(True)
    return win, controller, parts


def run_app(args) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("gazetype")
    win, controller, parts = build(args, app)
    # An eye tracker user gets the whole screen (bigger keys); the mouse and the
    # simulation keep a window.
    fullscreen = args.fullscreen or win.settings.fullscreen or parts.tracker.name not in MOUSE_LIKE
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
