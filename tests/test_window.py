"""The Qt window, offscreen: simulated gaze types into the output panel."""
import argparse
import sys

import pytest
from PySide6.QtCore import Qt

from gazetype.app import settings as settings_mod
from gazetype.app.qt.window import build
from gazetype.recording.v1 import read_recording
from gazetype.tracker.clock import now_s

from .conftest import fast_clock, lsl_inlet

FAST = 20.0  # the simulated person (and the window's stamps) run 20x real time
# Waits for the simulated person, in ms of wall time: about 100 s of simulated typing, where
# the first letter takes a few seconds; they only bound how long a broken run hangs.
WAIT_MS = 60000  # a deadline for conditions, not a wait: generous for a loaded machine


def make_args(**kw):
    base = dict(tracker="sim", dwell_s=0.3, offset="none", record=None, autocal=None, fullscreen=False, lsl_out=False,
                quit_after=None, screenshot=None)
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.fixture
def window(qtbot, qapp):
    made = []

    def _make(**kw):
        args = make_args(**kw)
        # Only the simulated tracker follows the clock; real ones (the mouse) stamp real time.
        win, controller, recorder = build(args, qapp, clock=fast_clock(FAST) if args.tracker == "sim" else now_s)
        qtbot.addWidget(win)
        win.resize(1200, 800)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        qtbot.waitActive(win)  # operator shortcuts need the window active
        controller.start()
        made.append((win, controller, recorder))
        return win, controller
    yield _make
    for win, controller, recorder in made:
        controller.stop()
        for sink in controller.pipeline.sinks:
            sink.close()
        if recorder is not None:
            recorder.close()


def _dark_pixels(img, box, origin):
    x0, y0, x1, y1 = (int(v) for v in (box[0] - origin[0], box[1] - origin[1], box[2] - origin[0], box[3] - origin[1]))
    n = 0
    for y in range(max(0, y0), min(img.height(), y1), 3):
        for x in range(max(0, x0), min(img.width(), x1), 3):
            if img.pixelColor(x, y).lightness() < 80:
                n += 1
    return n


@pytest.mark.gui
def test_sim_gaze_types_a_letter_into_the_output_panel(window, qtbot):
    win, controller = window(tracker="sim")
    model = controller.session.model
    view = win.view
    origin = (view.origin.x(), view.origin.y())
    blank = _dark_pixels(view.grab().toImage(), model.text_layout.caret and model.layout.output, origin)
    qtbot.waitUntil(lambda: model.buffer.text != "", timeout=WAIT_MS)
    # The demo phrase starts "hello"; the simulated person may slip to a neighbouring key.
    h = model.keys.get("h")
    assert model.buffer.text[0] == "h" or abs(model.keys.get(model.buffer.text[0]).cx_px - h.cx_px) < 2 * h.width_px
    view.repaint()
    inked = _dark_pixels(view.grab().toImage(), model.layout.output, origin)
    assert inked > blank + 5  # the letter is drawn in the panel, not just in the model
    # The status line refreshes on its own timer (every 250 ms of wall time).
    qtbot.waitUntil(lambda: "sim" in win.status.text() and "Hz" in win.status.text(), timeout=WAIT_MS)


@pytest.mark.gui
def test_without_a_tracker_the_mouse_stands_in_and_says_so(window, monkeypatch):
    from gazetype.tracker import registry
    monkeypatch.setattr(registry, "auto_choice", lambda *a, **k: None)
    win, controller = window(tracker="auto")
    assert controller.tracker.name == "mouse"
    assert "mouse" in win.windowTitle().lower()
    win.refresh_status()
    assert "mouse stands in for gaze" in win.status.text()


@pytest.mark.gui
def test_pause_key_stops_typing(window, qtbot):
    win, controller = window(tracker="sim")
    pipe = controller.pipeline
    qtbot.keyClick(win.view, Qt.Key_P)
    assert pipe.paused and win.view.paused
    # Not a fixed wait, which passes having simulated no gaze at all when the run is slow:
    # wait until the paused pipeline has seen 20 dwell times of valid gaze (120 Hz), far
    # more than the first letter takes unpaused, then check that nothing was typed.
    dwell_s = pipe.dwell.config.dwell_s
    qtbot.waitUntil(lambda: pipe.stats.total_valid >= 20 * dwell_s * 120, timeout=WAIT_MS)
    assert controller.session.model.buffer.text == "" and not controller.session.selections
    assert "PAUSED" in controller.status_text()
    qtbot.keyClick(win.view, Qt.Key_P)
    qtbot.waitUntil(lambda: controller.session.model.buffer.text != "", timeout=WAIT_MS)


@pytest.mark.gui
def test_settings_persist_per_user(window):
    win, controller = window(tracker="sim")
    from dataclasses import replace
    win.apply_settings(replace(win.settings, dwell_ms=1700, font_px=60, show_cursor=False))
    again = settings_mod.load()
    assert (again.dwell_ms, again.font_px, again.show_cursor) == (1700, 60, False)
    assert controller.pipeline.dwell.config.dwell_s == pytest.approx(1.7)
    assert controller.session.model.font_px == 60 and not win.view.show_cursor


def test_unreadable_settings_are_kept_aside_not_lost(tmp_path, capsys):
    path = settings_mod.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{dwell_ms: oops")
    s = settings_mod.load()
    assert s == settings_mod.Settings()
    assert path.with_suffix(".json.bad").read_text() == "{dwell_ms: oops"
    assert "unreadable settings" in capsys.readouterr().err


@pytest.mark.gui
def test_record_flag_writes_a_replayable_recording(window, qtbot, tmp_path):
    rec = tmp_path / "session.jsonl"
    win, controller = window(tracker="sim", record=str(rec), offset="20,0")
    qtbot.waitUntil(lambda: controller.session.model.buffer.text != "", timeout=WAIT_MS)
    controller.stop()
    r = read_recording(rec)
    kinds = {type(e).__name__ for e in r.events}
    assert {"GazeSample", "LayoutEvent", "SelectEvent"} <= kinds
    assert r.header.extra.get("induced_offset") == "20,0"


@pytest.mark.gui
def test_fullscreen_key_toggles(window, qtbot):
    win, _ = window(tracker="sim")
    qtbot.keyClick(win.view, Qt.Key_F11)
    qtbot.waitUntil(win.isFullScreen, timeout=WAIT_MS)
    qtbot.keyClick(win.view, Qt.Key_F11)
    qtbot.waitUntil(lambda: not win.isFullScreen(), timeout=WAIT_MS)


@pytest.mark.gui
@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_painting_does_not_leak_none_references(window):
    """PySide6 6.12.0 dropped a reference to None on every void call, which aborts
    Python < 3.12 after a few seconds of painting; we pin a version without it."""
    win, _ = window(tracker="sim")
    before = sys.getrefcount(None)
    for _ in range(200):
        win.view.repaint()
    assert sys.getrefcount(None) > before - 100


@pytest.mark.gui
def test_replay_show_draws_the_recording(qtbot, tmp_path):
    from gazetype.app.qt.replay_window import ReplayView
    from gazetype.keyboard.dwell import DwellConfig
    from gazetype.recording.v1 import Header, write_recording
    from gazetype.tracker.events import LayoutEvent, LayoutItem
    from gazetype.tracker.sample import GazeSample
    from gazetype.tracker.screen import Screen
    rec = tmp_path / "r.jsonl"
    key = LayoutItem("a", (100, 100, 300, 300))
    events = [LayoutEvent(0.0, "keyboard", (key,))] + [GazeSample(i / 60, 200.0, 200.0) for i in range(120)]
    write_recording(rec, Header(Screen(800, 600), 60.0), events)
    view = ReplayView(str(rec), speed=10.0, dwell=DwellConfig(dwell_s=0.5), autocal=False)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.finished, timeout=WAIT_MS)
    assert view.replayer.result.samples == 120
    assert [k for _, k in view.replayer.result.selections] == ["a"]


@pytest.mark.gui
@pytest.mark.lsl
def test_lsl_out_publishes_the_sessions_events(window, qtbot):
    import json

    win, controller = window(tracker="sim", lsl_out=True)
    (pub,) = controller.pipeline.sinks
    inlet = lsl_inlet(pub.names["events"])  # this window's stream: other gazetypes may publish too
    qtbot.waitUntil(lambda: controller.session.model.buffer.text != "", timeout=WAIT_MS)
    first = controller.session.selections[0].key_id
    got = []

    def published():  # wait for the event to arrive rather than for a fixed time
        rows, _ = inlet.pull_chunk(timeout=0.0)
        got.extend(json.loads(r[0]) for r in rows)
        return any(d["type"] == "select" and d["key"] == first for d in got)
    qtbot.waitUntil(published, timeout=WAIT_MS)


def test_status_line_states_the_offset_and_its_confidence():
    from gazetype.app.qt.controller import offset_text
    from gazetype.tracker.events import OffsetEvent
    assert offset_text(None, 38.0) == "autocal: gathering evidence"
    t = offset_text(OffsetEvent(1.0, 38.0, 0.0, 3.0), 38.0)
    assert "+38,+0 px (1.0\u00b0)" in t and "confidence good" in t
    assert "confidence low" in offset_text(OffsetEvent(1.0, 10.0, 5.0, 19.0), 38.0)


@pytest.mark.gui
def test_status_line_says_when_the_autocalibration_holds_on_conflicting_evidence(window):
    win, controller = window(tracker="mouse")
    cal = controller.pipeline.calibrator
    assert cal.active and "holding" not in controller.status_text()
    cal.reading.conflict = True  # two line hypotheses fit equally well
    assert "autocal holding: the evidence points two ways" in controller.status_text()


@pytest.mark.parametrize("text", ['{"dwell_ms": Infinity}', '{"dwell_ms": 1e999}', '{"lockon_ms": -Infinity}',
                                  "[" * 100_000 + "]" * 100_000, '{"dwell_ms": NaN}'])
def test_settings_that_would_overflow_or_recurse_are_kept_aside(text, capsys):
    path = settings_mod.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    assert settings_mod.load() == settings_mod.Settings()
    assert path.with_suffix(".json.bad").read_text() == text
    assert "unreadable settings" in capsys.readouterr().err


@pytest.mark.gui
@pytest.mark.parametrize("saved", ["nonsense", "replay:/no/such/file.jsonl"])
def test_a_saved_tracker_that_cannot_be_opened_falls_back_to_the_mouse(window, saved, capsys):
    settings_mod.save(settings_mod.Settings(tracker=saved))
    win, controller = window(tracker="auto")
    assert controller.tracker.name == "mouse"
    assert f"saved tracker {saved!r}" in capsys.readouterr().err
