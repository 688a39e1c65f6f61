"""The calibration screen (offscreen Qt) driven by a fake device calibration, the
keyboard window's calibrate key and F9, and `gazetype calibrate`."""
import argparse
import time

import pytest
from PySide6.QtCore import Qt

from gazetype.app.cli import main as cli_main
from gazetype.app.qt.calibration_screen import CalibrationScreen
from gazetype.calibration.explicit import InlineWorker
from gazetype.tracker.screen import Screen

from .test_explicit_calibration import FakeCal

SCREEN = Screen(1000, 500)


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def make(qtbot, cal, **kw):
    clock = Clock()
    hooked = []
    w = CalibrationScreen(cal, SCREEN, 5, clock=clock, worker=InlineWorker(), after_calibration=hooked.append,
                          result_s=1.0, **kw)
    qtbot.addWidget(w)
    w.resize(500, 250)  # half the tracker's screen: drawn scaled
    w.show()
    qtbot.waitExposed(w)
    w._timer.stop()  # the test drives the clock
    return w, clock, hooked


def step(w, clock, until_s, dt=0.05):
    while clock.t < until_s:
        clock.t += dt
        w.tick()


def pixel(w, x, y):
    return w.grab().toImage().pixelColor(x, y)


@pytest.mark.gui
def test_the_screen_draws_the_shrinking_target_then_the_result_and_calls_the_hook(qtbot):
    cal = FakeCal()
    w, clock, hooked = make(qtbot, cal, show_s=0.4, shrink_s=0.8, settle_s=0.3)
    finished = []
    w.finished.connect(finished.append)
    w.tick()
    v = w.view_state
    assert v.phase == "showing" and v.target_px == (500.0, 250.0)
    # the big target at the centre (widget 250, 125); 20 px off centre is inside it, and light
    assert pixel(w, 250 + 20, 125).lightness() > 200
    step(w, clock, 1.1)  # almost fully shrunk: 20 px off centre is background grey now
    assert w.view_state.shrink < 0.2 and abs(pixel(w, 250 + 20, 125).lightness() - 128) < 10
    step(w, clock, 12.0)
    assert w.machine.finished and w.outcome.status == "done"
    assert [c[0] for c in cal.log] == ["enter"] + ["collect"] * 5 + ["compute", "leave"]
    # the result plot: target rings in dark grey (collected), no red
    img = w.grab().toImage()
    assert any(img.pixelColor(x, y).lightness() < 60 for x in range(30, 70) for y in range(10, 40))
    assert hooked == [w.outcome] and finished == [w.outcome]  # the validation hook ran, once
    step(w, clock, 20.0)
    assert finished == [w.outcome]


@pytest.mark.gui
def test_escape_cancels_leaves_and_skips_the_hook(qtbot):
    cal = FakeCal()
    w, clock, hooked = make(qtbot, cal)
    finished = []
    w.finished.connect(finished.append)
    step(w, clock, 2.0)
    assert ("collect", 500.0, 250.0) in cal.log
    qtbot.keyClick(w, Qt.Key_Escape)
    step(w, clock, 2.5)
    assert w.outcome.status == "cancelled" and cal.log[-1] == ("leave",)
    assert hooked == [] and len(finished) == 1


@pytest.mark.gui
def test_a_failed_calibration_shows_why_and_does_not_validate(qtbot):
    cal = FakeCal(compute_status="failure", refuse_at=range(20))
    w, clock, hooked = make(qtbot, cal)
    step(w, clock, 20.0)
    assert w.outcome.status == "failed" and "could not compute" in w.outcome.message
    assert [t.attempts for t in w.outcome.targets] == [2] * 5 and cal.log[-1] == ("leave",)
    assert hooked == []
    # a target without data is drawn in red
    img = w.grab().toImage()
    c = w.to_widget(w.outcome.targets[1].x_px, w.outcome.targets[1].y_px)
    assert any(img.pixelColor(int(c.x()) + dx, int(c.y()) + dy).red() > 180 and
               img.pixelColor(int(c.x()) + dx, int(c.y()) + dy).green() < 90
               for dx in range(-12, 13) for dy in (-10, -9, 9, 10))


@pytest.mark.gui
def test_closing_mid_way_leaves_calibration_mode(qtbot):
    cal = FakeCal()
    w, clock, hooked = make(qtbot, cal)
    step(w, clock, 1.0)
    w.close()
    assert cal.log[-1] == ("leave",) and w.outcome.status == "cancelled"


@pytest.mark.gui
def test_the_real_worker_thread_keeps_the_gui_responsive(qtbot):
    cal = FakeCal(collect_s=0.2)
    w = CalibrationScreen(cal, SCREEN, 5, show_s=0, shrink_s=0.01, settle_s=0, result_s=0.2)
    qtbot.addWidget(w)
    w.show()
    ticks = []
    w._timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    with qtbot.waitSignal(w.finished, timeout=10000) as sig:
        pass
    assert sig.args[0].status == "done"
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    # each collect takes 0.2 s: had they run on the GUI thread, five gaps would be >= 0.2 s
    assert len(ticks) > 20 and sum(g >= 0.19 for g in gaps) <= 1, sorted(gaps)[-5:]


# -- the keyboard window ---------------------------------------------------------------

def _args(**kw):
    base = dict(tracker="mouse", dwell_s=0.3, offset="none", record=None, autocal=None, fullscreen=False,
                lsl_out=False, quit_after=None, screenshot=None)
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.fixture
def kwin(qtbot, qapp):
    from gazetype.app.qt.window import build
    win, controller, parts = build(_args(), qapp)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    controller.start()
    yield win, controller
    controller.stop()
    parts.close()


@pytest.mark.gui
def test_the_gaze_key_needs_confirming_and_a_mouse_says_nothing_to_calibrate(kwin):
    win, controller = kwin
    model = controller.session.model
    model.select("page:symbols", 1.0)
    assert model.keys.get("calibrate") is not None
    controller.session.model.select("calibrate", 2.0)
    assert model.label("calibrate") == "calibrate?\nagain: yes" and model.take_actions() == []
    model.select("calibrate", 3.0)
    (action,) = model.take_actions()
    win.on_action(action)
    assert win.message == "mouse: nothing to calibrate (the mouse cursor is where it points)"
    assert win.calibration_screen is None and "F9 calibrate" in win.status.text()


@pytest.mark.gui
def test_f9_opens_the_calibration_screen_when_the_tracker_offers_one(kwin, qtbot, monkeypatch):
    win, controller = kwin
    cal = FakeCal()
    monkeypatch.setattr(controller.tracker, "calibration", lambda: cal)
    win.activateWindow()
    win.calibrate_key()
    assert win.message == "calibrating" and win.calibration_screen is not None
    assert controller.pipeline.paused  # gaze types nothing while calibrating
    screen = win.calibration_screen
    screen.machine.show_s = screen.machine.shrink_s = screen.machine.settle_s = 0.0
    screen.result_s = 0.1
    from gazetype.calibration.validation import ValidationConfig
    win.validation_config = ValidationConfig(n_targets=5, dwell_s=0.2, discard_s=0.05, move_s=0.05, shrink_s=0.05)
    qtbot.waitUntil(lambda: win.calibration_screen is None, timeout=10000)
    assert not controller.pipeline.paused
    assert win.message.startswith("calibration done: calibrated (both eyes")
    # validated right after (the mouse gives no gaze here: the targets measure nothing)
    assert "; validation: accuracy -" in win.message, win.message
    assert [c[0] for c in cal.log] == ["enter"] + ["collect"] * 9 + ["compute", "leave"]


# -- the command ---------------------------------------------------------------------------

@pytest.mark.slow
def test_cli_calibrate_without_calibration_is_one_line_exit_2(capsys):
    assert cli_main(["calibrate", "--tracker", "mouse"]) == 2
    err = capsys.readouterr().err
    assert err == "gazetype calibrate: error: mouse: nothing to calibrate (the mouse cursor is where it points)\n"
    assert cli_main(["calibrate", "--tracker", "lsl:NoSuchStream", "--wait", "0.5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gazetype calibrate: error: no LSL stream 'NoSuchStream' found") and err.count("\n") == 1
    with pytest.raises(SystemExit) as e:
        cli_main(["calibrate", "--targets", "7"])
    assert e.value.code == 2
    assert "5 or 9 targets, got '7'" in capsys.readouterr().err


@pytest.mark.gui
def test_closing_the_keyboard_mid_calibration_leaves_calibration_mode_first(kwin, monkeypatch):
    win, controller = kwin
    cal = FakeCal()
    monkeypatch.setattr(controller.tracker, "calibration", lambda: cal)
    win.calibrate_key()
    screen = win.calibration_screen
    screen.machine.show_s = screen.machine.shrink_s = screen.machine.settle_s = 0.0
    screen.tick()
    win.close()
    assert cal.log[0] == ("enter",) and cal.log[-1] == ("leave",)
    assert win.calibration_screen is None and win.message.startswith("calibration cancelled")


def test_cli_calibrate_never_overwrites_the_validation_result(tmp_path, capsys):
    """`--out` keeps the validation that follows a calibration: an existing file is refused
    before anything starts, and left as it was."""
    out = tmp_path / "validation.json"
    out.write_text("kept")
    assert cli_main(["calibrate", "--tracker", "mouse", "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"gazetype calibrate: error: --out {out}: already exists; choose another name\n"
    assert out.read_text() == "kept"
