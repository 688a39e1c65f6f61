"""The study window: the keyboard with the target phrase above the output panel,
break screens, pause/abort, and the raw NASA-TLX form. All study logic is in
study/runner.py; this module renders `runner.view` and forwards operator keys.

Operator keys: Space or Enter continues from a break screen; P (or F2) pauses and
resumes (a paused trial starts again); I shows the condition and tracker details
in the status line (hidden by default, so the participant does not see which
condition is running); F11 full screen; Ctrl+Q stops (aborts an unfinished session;
running the same participant again resumes it).
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gazetype import __version__
from gazetype.app import compose
from gazetype.app.qt.chrome import OperatorWindow
from gazetype.app.qt.controller import GazeController
from gazetype.app.qt.keyboard_view import KeyboardView, qt_measure
from gazetype.app.qt.pointer import PointerWatch
from gazetype.app.qt.validation_screen import ValidationCanvas
from gazetype.app.qt.window import screen_of
from gazetype.pipeline.spec import build_pipeline
from gazetype.study.db import TLX_SCALES
from gazetype.study.errors import StudyError
from gazetype.study.runner import Phase, StudyRunner, StudySession, study_model, study_spec
from gazetype.study.setup import AUTOCAL_MISSING, RunOptions, autocal_missing, prepare_run
from gazetype.tracker.base import TrackerError
from gazetype.tracker.clock import now_s

FONT_PX = 48

# Raw NASA-TLX (Hart and Staveland 1988; Hart 2006): six scales, 0..100 in steps of 5.
TLX_TEXT = {
    "mental": ("Mental demand", "How mentally demanding was the task?", "Very low", "Very high"),
    "physical": ("Physical demand", "How physically demanding was the task?", "Very low", "Very high"),
    "temporal": ("Temporal demand", "How hurried or rushed was the pace of the task?", "Very low", "Very high"),
    "performance": ("Performance", "How successful were you in accomplishing what you were asked to do?",
                    "Perfect", "Failure"),
    "effort": ("Effort", "How hard did you have to work to accomplish your level of performance?",
               "Very low", "Very high"),
    "frustration": ("Frustration", "How insecure, discouraged, irritated, stressed and annoyed were you?",
                    "Very low", "Very high"),
}


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


TLX_STYLE = """
#tlx { background: #15171a; }
QLabel { color: #f2f2f2; font-size: 18px; background: transparent; }
QPushButton { padding: 10px 28px; background: #2b6cb0; color: white; border-radius: 6px; font-size: 18px; }
QPushButton:disabled { background: #454b55; color: #9aa0a6; }
QSlider::groove:horizontal { height: 8px; background: #454b55; border-radius: 4px; }
QSlider::sub-page:horizontal { background: #4da3ff; border-radius: 4px; }
QSlider::handle:horizontal { width: 24px; margin: -9px 0; border-radius: 12px; background: #f2f2f2; }
QSlider[touched="false"]::sub-page:horizontal { background: #454b55; }
QSlider[touched="false"]::handle:horizontal { background: #15171a; border: 2px dashed #9aa0a6; }
"""


class TlxForm(QWidget):
    """Six sliders, 0..100 in steps of 5. Submit is enabled once every scale was set
    (no default answer is recorded by accident)."""

    def __init__(self, on_submit, parent=None) -> None:
        super().__init__(parent)
        self.on_submit = on_submit
        self.setObjectName("tlx")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setStyleSheet(TLX_STYLE)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 24, 40, 24)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 26px; font-weight: bold;")
        lay.addWidget(self.title)
        note = QLabel("Raw NASA-TLX. Move every slider (the operator may set them as the participant says); "
                      "a scale not yet set shows a hollow handle.")
        note.setStyleSheet("color: #9aa0a6; font-size: 15px;")
        note.setWordWrap(True)
        lay.addWidget(note)
        grid = QGridLayout()
        grid.setVerticalSpacing(18)
        grid.setColumnMinimumWidth(0, 360)
        self.sliders: dict[str, QSlider] = {}
        self.values: dict[str, QLabel] = {}
        self.touched: set[str] = set()
        for row, key in enumerate(TLX_SCALES):
            name, question, lo, hi = TLX_TEXT[key]
            lab = QLabel(f"<b>{name}</b><br><span style='color:#aab'>{question}</span>")
            lab.setWordWrap(True)
            s = QSlider(Qt.Horizontal)
            s.setRange(0, 20)  # 21 marks of 5 points
            s.setValue(10)
            s.setTickPosition(QSlider.TicksBelow)
            s.setTickInterval(1)
            s.setPageStep(1)
            s.setProperty("touched", False)
            s.valueChanged.connect(lambda v, k=key: self._moved(k, v))
            s.sliderPressed.connect(lambda k=key: self._moved(k, self.sliders[k].value()))
            val = QLabel("\u2013")
            val.setMinimumWidth(48)
            grid.addWidget(lab, row, 0)
            grid.addWidget(QLabel(lo), row, 1)
            grid.addWidget(s, row, 2)
            grid.addWidget(QLabel(hi), row, 3)
            grid.addWidget(val, row, 4)
            grid.setColumnStretch(2, 1)
            self.sliders[key], self.values[key] = s, val
        lay.addLayout(grid)
        lay.addStretch(1)
        self.submit = QPushButton("Submit")
        self.submit.setEnabled(False)
        self.submit.clicked.connect(self._submit)
        lay.addWidget(self.submit, 0, Qt.AlignRight)

    def reset(self, title: str) -> None:
        self.title.setText(title)
        self.touched.clear()
        for k, s in self.sliders.items():
            s.blockSignals(True)
            s.setValue(10)
            s.blockSignals(False)
            self._mark(s, False)
            self.values[k].setText("\u2013")
        self.submit.setEnabled(False)

    @staticmethod
    def _mark(slider: QSlider, touched: bool) -> None:
        slider.setProperty("touched", touched)
        slider.style().unpolish(slider)
        slider.style().polish(slider)

    def _moved(self, key: str, v: int) -> None:
        if key not in self.touched:
            self._mark(self.sliders[key], True)
        self.touched.add(key)
        self.values[key].setText(str(v * 5))
        self.submit.setEnabled(len(self.touched) == len(TLX_SCALES))

    def answers(self) -> dict[str, float]:
        return {k: float(s.value() * 5) for k, s in self.sliders.items()}

    def _submit(self) -> None:
        if len(self.touched) == len(TLX_SCALES):
            self.on_submit(self.answers())


class StudyWindow(OperatorWindow):
    def __init__(self, runner: StudyRunner, controller: GazeController, view: KeyboardView,
                 participant: str, tracker_note: str = "", clock=now_s) -> None:
        super().__init__()
        self.clock = clock
        self.runner = runner
        self.controller = controller
        self.view = view
        self.participant = participant
        self.tracker_note = tracker_note
        self.show_info = False
        self.setWindowTitle(f"gazetype study: {participant}")
        self.stack = QStackedWidget()
        self.tlx = TlxForm(self.submit_tlx)
        self.validation = ValidationCanvas()  # --validate: the blocks before and after each condition
        self.stack.addWidget(view)
        self.stack.addWidget(self.tlx)
        self.stack.addWidget(self.validation)
        self._anim = QTimer(self)  # the validation targets move and shrink: redraw while a block runs
        self._anim.setInterval(16)
        self._anim.timeout.connect(self._animate)
        self.setCentralWidget(self.stack)
        self.setup_chrome({
            (Qt.Key_Space, Qt.NoModifier): self.continue_, (Qt.Key_Return, Qt.NoModifier): self.continue_,
            (Qt.Key_Enter, Qt.KeypadModifier): self.continue_,
            (Qt.Key_P, Qt.NoModifier): self.toggle_pause, (Qt.Key_F2, Qt.NoModifier): self.toggle_pause,
            (Qt.Key_I, Qt.NoModifier): self.toggle_info, (Qt.Key_Q, Qt.ControlModifier): self.close,
            (Qt.Key_F11, Qt.NoModifier): self.toggle_fullscreen,
        })
        self.refresh()

    # -- operator ------------------------------------------------------------------------
    def continue_(self) -> None:
        if self.runner.phase == Phase.BREAK:
            self.runner.continue_(self.clock())
            self.refresh()

    def toggle_pause(self) -> None:
        r = self.runner
        if r.phase == Phase.PAUSED:
            r.resume(self.clock())
        elif r.phase in (Phase.TRIAL, Phase.BREAK, Phase.VALIDATION):
            r.pause(self.clock())
        self.refresh()

    def toggle_info(self) -> None:
        self.show_info = not self.show_info
        self.refresh_status()

    def submit_tlx(self, answers: dict[str, float]) -> None:
        self.runner.submit_tlx(answers, self.clock())
        self.refresh()

    # -- rendering -----------------------------------------------------------------------
    def refresh(self) -> None:
        v = self.runner.view
        if v.phase == Phase.VALIDATION:
            self.stack.setCurrentWidget(self.validation)
            self._animate()
            self._anim.start()
        elif v.phase == Phase.QUESTIONNAIRE:
            if self.stack.currentWidget() is not self.tlx:
                self.tlx.reset(v.message)
                self.stack.setCurrentWidget(self.tlx)
        else:
            self.stack.setCurrentWidget(self.view)
            self.view.setFocus()
        if v.phase != Phase.VALIDATION:
            self._anim.stop()
        hint = {Phase.BREAK: "\n\n(operator: Space to start)", Phase.PAUSED: "\n\n(operator: P to resume)",
                Phase.FINISHED: "\n\n(operator: Ctrl+Q to close)", Phase.ABORTED: "\n\n(operator: Ctrl+Q to close)"}
        self.view.overlay_text = (v.message + hint.get(v.phase, "")) if v.phase != Phase.TRIAL else None
        self.view.paused = False  # the overlay text says it all
        self.view.update()
        self.refresh_status()

    def _animate(self) -> None:
        self.validation.show_view(self.runner.validation_view(self.clock()))

    def refresh_status(self) -> None:
        v = self.runner.view
        parts = [f"participant {self.participant}", f"part {v.part}/{v.parts}"]
        if v.trial:
            parts.append(f"trial {v.trial}/{v.trials}" + (" (practice)" if v.practice else ""))
        parts.append(v.phase.value)
        if self.show_info:
            parts.append(f"condition: {v.condition}")
            if self.tracker_note:
                parts.append(self.tracker_note)
            parts.append(self.controller.status_text())
        self.status.setText("   \u00b7   ".join(parts) + "   \u00b7   keys: Space start, P pause, I info, Ctrl+Q stop")

    def closeEvent(self, ev) -> None:
        r = self.runner
        if r.phase not in (Phase.FINISHED, Phase.ABORTED):
            r.abort(self.clock())
        self.controller.stop()
        super().closeEvent(ev)


def build_study_window(opts: RunOptions, app: QApplication, calibrator_factory=None, clock=now_s,
                       lsl_out: bool = False):
    """Everything for a study run in a window: (window, runner, context). `clock` is the
    time of operator actions and of the simulated tracker (tests run it faster);
    real trackers stamp samples with the monotonic clock, the default."""
    qscreen = app.primaryScreen()
    screen = screen_of(qscreen)
    spec = study_spec(dwell_s=opts.dwell_s, tracker=opts.tracker, font_px=FONT_PX)  # prepare_run stores the same
    model = study_model(screen, spec, measure=qt_measure(FONT_PX), target_measure=qt_measure(FONT_PX * 0.8))
    runner = win = None  # bound below; the closures read them when they run
    pointer = PointerWatch(qscreen)  # the mouse, where it stands in for gaze
    try:
        choice = compose.open_tracker(opts.tracker, screen, model, cursor_pos=pointer, fallback=False,
                                      demo_phrases=None, active=lambda: runner is not None and runner.phase == Phase.TRIAL,
                                      clock=clock,
                                      validation=lambda: runner.validation if runner is not None else None)
    except TrackerError as e:
        raise StudyError(str(e)) from None
    ctx = prepare_run(opts, screen=screen, sample_rate_hz=choice.tracker.nominal_rate_hz, now_utc=_utc_now(),
                      app_version=__version__)
    try:
        # The runner gives each condition its calibrator and induced offset; trial markers
        # reach LabRecorder through the same events stream as everything else.
        pipeline = build_pipeline(ctx.spec, screen, recorder=ctx.recorder,
                                  sinks=compose.lsl_sinks(lsl_out, screen, choice.tracker))
        parts = compose.assemble(choice, model, pipeline)  # participants see no gaze cursor
        kw = {"calibrator_factory": calibrator_factory} if calibrator_factory is not None else {}
        runner = StudyRunner(ctx.store, ctx.participant, ctx.session, parts.session, screen=screen, tlx=opts.tlx,
                             validate=opts.validate, **kw)
        view = KeyboardView(model)
        view.show_cursor = False  # participants type by gaze alone; a cursor would reveal the offset
        controller = GazeController(view, StudySession(runner, lambda: win.refresh()), parts.tracker, clock=clock)
        runner.start(clock())
        win = StudyWindow(runner, controller, view, ctx.participant.code, choice.notice or "", clock)
        win.parts = parts
        pointer.setParent(win)
        pointer.on_move = controller.hurry
        pointer.watch(win)
    except BaseException:
        ctx.close()
        raise
    return win, runner, ctx


def run_study_window(args, opts: RunOptions) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("gazetype")
    win, runner, ctx = build_study_window(opts, app, lsl_out=getattr(args, "lsl_out", False))
    if autocal_missing(ctx):
        print(f"warning: {AUTOCAL_MISSING}", file=sys.stderr)
    win.resize(1280, 800)
    win.showMaximized()
    win.controller.start()
    win.refresh()
    status = "interrupted"
    try:
        app.exec()
    finally:
        win.controller.stop()
        win.parts.close()  # the recorder is the study context's: it closes with ctx
        status = runner.close(_utc_now())
        ctx.close()
    print(f"{ctx.participant.code}: session {ctx.session.id} {status}; recording {ctx.session.recording_path}",
          file=sys.stderr)
    from gazetype.study.repair import check_saved
    check_saved(ctx.store.folder, ctx.session.id, runner.logged, ctx.session.recording_path)
    return 0 if status == "completed" else 1
