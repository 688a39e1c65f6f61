"""The study window, offscreen: break screen, target phrase, a simulated participant
typing by dwell, pause, the NASA-TLX form, stopping mid-session."""
import pytest
from PySide6.QtCore import Qt

from gazetype.app.qt.study_window import build_study_window
from gazetype.study.db import StudyStore
from gazetype.study.runner import Phase
from gazetype.study.setup import RunOptions

from .conftest import fast_clock

pytestmark = [pytest.mark.gui]

FAST = 25.0  # the simulated tracker (and operator clock) run 25x real time


@pytest.fixture
def study_window(qtbot, qapp, tmp_path):
    made = []

    def _make(**kw):
        opts = RunOptions(str(tmp_path / "study"), kw.pop("participant", "P01"), tracker="sim", dwell_s=0.3, **kw)
        win, runner, ctx = build_study_window(opts, qapp, clock=fast_clock(FAST))
        qtbot.addWidget(win)
        win.resize(1200, 800)
        win.show()
        qtbot.waitExposed(win)
        win.controller.start()
        made.append((win, runner, ctx))
        return win, runner, ctx
    yield _make
    for win, runner, ctx in made:
        win.controller.stop()
        runner.close("test end")
        ctx.close()


def _region_pixels(view, box):
    img = view.grab().toImage()
    ox, oy = view.origin.x(), view.origin.y()
    cols = set()
    for y in range(int(box[1] - oy) + 2, int(box[3] - oy) - 2, 4):
        for x in range(int(box[0] - ox) + 2, int(box[2] - ox) - 2, 4):
            cols.add(img.pixelColor(x, y).rgb())
    return cols


def test_break_trial_tlx_flow(study_window, qtbot):
    win, runner, ctx = study_window(conditions="calibrated", n_phrases=1, n_practice=0, tlx=True)
    model = runner.model
    assert runner.phase == Phase.BREAK
    assert "Part 1 of 1" in win.view.overlay_text and "Space" in win.view.overlay_text
    assert model.target_phrase is None
    blank_target = _region_pixels(win.view, model.layout.target)
    qtbot.keyClick(win.view, Qt.Key_Space)
    assert runner.phase == Phase.TRIAL and win.view.overlay_text is None
    target = model.target_phrase
    assert target and model.layout.target[3] <= model.layout.output[1]  # target strip above the output
    win.view.repaint()
    assert len(_region_pixels(win.view, model.layout.target)) > len(blank_target)  # the phrase is drawn
    assert "trial 1/1" in win.status.text() and "calibrated" not in win.status.text()
    # The simulated participant types the phrase by dwell and selects done.
    qtbot.waitUntil(lambda: runner.phase == Phase.QUESTIONNAIRE, timeout=60000)
    assert win.stack.currentWidget() is win.tlx
    assert not win.tlx.submit.isEnabled()
    values = dict(zip(("mental", "physical", "temporal", "performance", "effort", "frustration"),
                      (12, 3, 7, 4, 15, 0)))
    for k, v in values.items():
        assert not win.tlx.submit.isEnabled()
        win.tlx.sliders[k].setValue(v)
    assert win.tlx.submit.isEnabled()
    qtbot.mouseClick(win.tlx.submit, Qt.LeftButton)
    assert runner.phase == Phase.FINISHED
    assert win.stack.currentWidget() is win.view and "Thank you" in win.view.overlay_text
    store = ctx.store
    cond = store.conditions(ctx.participant.id)[0]
    assert store.tlx(cond.id) == {k: v * 5.0 for k, v in values.items()}
    (trial,) = store.trials(cond.id)
    assert trial.status == "done" and trial.target == target
    keys = store.keystrokes(trial.id)
    assert keys[-1].key == "done" and all(k.source == "dwell" for k in keys)
    assert all(k.raw_x_px is not None and k.corrected_x_px is not None for k in keys)


def test_pause_restarts_the_trial_and_close_aborts(study_window, qtbot):
    win, runner, ctx = study_window(conditions="calibrated,miscalibrated", n_phrases=2, n_practice=0,
                                    participant="P02")
    qtbot.keyClick(win.view, Qt.Key_Space)
    model = runner.model
    qtbot.waitUntil(lambda: len(model.buffer.text) >= 3, timeout=30000)
    qtbot.keyClick(win.view, Qt.Key_P)
    assert runner.phase == Phase.PAUSED and "Paused" in win.view.overlay_text
    typed = model.buffer.text
    # Not a fixed wait, which passes having simulated no gaze at all when the run is slow:
    # wait until 20 dwell times of gaze (120 Hz) reached the paused runner, then check that
    # nothing was typed. (The simulated participant rests on the output panel while paused.)
    stats, dwell_s = runner.pipeline.stats, runner.pipeline.dwell.config.dwell_s
    n0 = stats.total
    qtbot.waitUntil(lambda: stats.total >= n0 + 20 * dwell_s * 120, timeout=10000)
    assert model.buffer.text == typed
    qtbot.keyClick(win.view, Qt.Key_P)
    assert runner.phase == Phase.TRIAL and model.buffer.text == "" and runner.trial.attempt == 2
    qtbot.waitUntil(lambda: len(model.buffer.text) >= 2, timeout=30000)
    trial_id = runner.trial.id
    win.close()
    assert runner.phase == Phase.ABORTED
    assert runner.close("x") == "aborted"
    with StudyStore.open(ctx.store.folder) as st:
        t = st.trial(trial_id)
        assert t.status == "running" and t.attempt == 2
        assert len(st.keystrokes(trial_id, 1)) >= 3 and len(st.keystrokes(trial_id, 2)) >= 2
