"""A session typed in the real keyboard window with `--record` (the mouse as the eyes,
every key by dwell) replays from the recording alone to the text and the selections
the window had: the same spec, builder and keyboard model (issue 23)."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from gazetype.pipeline.replay import replay

from .conftest import run_cli
from .test_window_keys import WAIT_MS, window  # noqa: F401  (the fixture)
from .test_window_keys import started

pytestmark = [pytest.mark.gui, pytest.mark.subprocess]


def test_the_issues_sequence_in_the_window_replays_to_the_live_text(window, qtbot, tmp_path):  # noqa: F811
    rec = tmp_path / "live.jsonl"
    win, controller, eyes = started(window, qtbot, record=str(rec))
    model = controller.session.model
    eyes.type("h", "i", "space", "page:phrases", "phrase:thank you", "clear", "clear", "undo", "shift", "o", "done")
    assert model.buffer.text == "hi thank you O\n"
    live = [s.key_id for s in controller.session.selections]
    controller.stop()
    win.close()
    res = replay(rec)
    assert res.typed_text == "hi thank you O\n"
    assert [k for _, k in res.selections] == live
    # and through the command, as a user runs it
    r = run_cli("replay", str(rec), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["typed_text"] == "hi thank you O\n" and [s["key"] for s in out["selections"]] == live


def test_settings_changed_and_a_dialog_open_mid_session_replay_the_same(window, qtbot, tmp_path):  # noqa: F811
    rec = tmp_path / "live.jsonl"
    win, controller, eyes = started(window, qtbot, record=str(rec))
    model = controller.session.model
    eyes.type("a", "b")
    k = model.keys.get("q")
    eyes.pos = (k.cx_px, k.cy_px)  # gaze rests on q while the settings dialog is open
    qtbot.keyClick(win.view, Qt.Key_S)
    dlg = win.settings_dialog
    qtbot.waitUntil(lambda: controller.blocked, timeout=WAIT_MS)
    n = controller.pipeline.stats.total_valid
    qtbot.waitUntil(lambda: controller.pipeline.stats.total_valid > n + 20, timeout=WAIT_MS)
    eyes.away()
    s = dlg.result_settings()
    dlg.reject()
    qtbot.waitUntil(lambda: not controller.blocked, timeout=WAIT_MS)
    from dataclasses import replace
    win.apply_settings(replace(s, dwell_ms=400, smoothing=False, suggestions=3))
    eyes.type("c")
    word = next(k.key_id for k in model.keys if k.key_id.startswith("word:"))
    eyes.type(word)
    live_text, live = model.buffer.text, [s.key_id for s in controller.session.selections]
    assert "q" not in live_text and live_text.startswith("abc")
    controller.stop()
    win.close()
    res = replay(rec)
    assert res.typed_text == live_text
    assert [k for _, k in res.selections] == live
