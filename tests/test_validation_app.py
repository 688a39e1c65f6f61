"""The validation screen (offscreen Qt) on the simulated tracker, `gazetype validate`
end to end, and validation blocks in studies: stored, exported, reported, migrated."""
from __future__ import annotations

import csv
import json
import math
import sqlite3

import pytest

from gazetype.calibration.validation import Stage, ValidationConfig, ValidationSession
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.screen import Screen

from .conftest import fast_clock, run_cli

FAST = 10.0


# -- the Qt screen -------------------------------------------------------------------------
@pytest.mark.gui
def test_screen_runs_on_the_sim_tracker_and_draws_the_target(qtbot, qapp):
    from gazetype.app.qt.validation_screen import ValidationScreen, run_validation
    from gazetype.sim.validation import validation_tracker

    screen = Screen(1000, 700)
    clock = fast_clock(FAST)
    cfg = ValidationConfig(n_targets=5, dwell_s=1.0)
    session = ValidationSession(screen, cfg, tracker="sim")
    tracker = validation_tracker(screen, session, offset=parse_offset("25,-15", screen), clock=clock)
    seen = {}

    def on_screen(w: ValidationScreen) -> None:
        def look():
            v = w.view
            if v is not None and v.stage == Stage.DWELL and "img" not in seen:
                img = w.grab().toImage()
                seen["img"] = (img.pixelColor(int(v.x_px), int(v.y_px)).name(),
                               img.pixelColor(int(v.x_px + 3 * v.radius_px + 20) % w.width(), int(v.y_px)).name())
        w.timer.timeout.connect(look)

    result = run_validation(tracker, screen, session=session, clock=clock, fullscreen=False, on_screen=on_screen)
    tracker.stop()
    assert result is not None and len(result.targets) == 5
    assert result.offset_dx_px == pytest.approx(25.0, abs=4) and result.offset_dy_px == pytest.approx(-15.0, abs=4)
    centre, away = seen["img"]
    assert away == "#808080" and centre != away  # a target is drawn where the view says, on grey


@pytest.mark.gui
def test_escape_cancels(qtbot, qapp):
    from PySide6.QtCore import Qt

    from gazetype.app.qt.validation_screen import ValidationScreen
    from gazetype.sim.validation import validation_tracker

    screen = Screen(800, 600)
    session = ValidationSession(screen, ValidationConfig(n_targets=5))
    tracker = validation_tracker(screen, session)
    w = ValidationScreen(tracker, session)
    qtbot.addWidget(w)
    w.show()
    w.begin()
    with qtbot.waitSignal(w.finished, timeout=2000) as sig:
        qtbot.keyClick(w, Qt.Key_Escape)
    tracker.stop()
    assert sig.args == [None] and w.result is None and not session.done


# -- gazetype validate ----------------------------------------------------------------------
@pytest.mark.subprocess
def test_validate_cli_writes_json_and_prints_a_table(tmp_path):
    out = tmp_path / "v.json"
    shot = tmp_path / "v.png"
    r = run_cli("validate", "--tracker", "sim", "--targets", "5", "--dwell-ms", "700", "--offset", "0.5,0deg",
                "--out", str(out), "--window", "--screenshot", str(shot), timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:4] == ["target", "x_px", "y_px", "accuracy_deg"]
    assert [ln.split()[0] for ln in lines[1:7]] == ["1", "2", "3", "4", "5", "all"]
    d = json.loads(out.read_text())
    assert d["format"] == "gazetype-validation" and d["config"]["n_targets"] == 5 and d["tracker"] == "sim"
    ppd = d["px_per_deg"]
    assert d["overall"]["offset_dx_px"] / ppd == pytest.approx(0.5, abs=0.15)
    assert f"{d['overall']['accuracy_deg']:.2f}" in lines[6]
    assert shot.exists() and shot.stat().st_size > 0
    # Never over an existing file without --force.
    again = run_cli("validate", "--tracker", "sim", "--out", str(out))
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "--force" in again.stderr
    assert json.loads(out.read_text()) == d


@pytest.mark.subprocess
@pytest.mark.parametrize("args, says", [
    (["--targets", "7"], "5 or 9"),
    (["--dwell-ms", "300"], "longer than"),
    (["--dwell-ms", "-1"], "more than 0 ms"),
    (["--tracker", "nosuch"], "unknown tracker"),
    (["--offset", "1,1", "--tracker", "mouse"], "needs --tracker sim"),
    (["--out", "/nonexistent-dir/v.json"], "no such folder"),
])
def test_validate_bad_options_are_one_line_exit_2(args, says, tmp_path):
    extra = [] if "--out" in args else ["--out", str(tmp_path / "x.json")]
    r = run_cli("validate", *args, *extra)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "x.json").exists()


@pytest.mark.subprocess
def test_validate_without_a_display_says_so_in_one_line(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([sys.executable, "-m", "gazetype", "validate", "--tracker", "sim", "--out",
                        str(tmp_path / "v.json")], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and "no display" in r.stderr and r.stderr.count("\n") == 1


# -- studies -------------------------------------------------------------------------------
def _sim_study(tmp_path, offset="0,1.5deg"):
    from gazetype.sim.study import SimStudyConfig, run_simulated_study
    cfg = SimStudyConfig(participants=1, phrases=1, practice=0, offset=offset,
                         validate=ValidationConfig(n_targets=5, dwell_s=1.0))
    d = str(tmp_path / "study")
    run_simulated_study(d, cfg, now_utc="2026-01-01T00:00:00Z")
    return d


@pytest.mark.slow
def test_study_validation_blocks_are_stored_exported_and_reported(tmp_path):
    from gazetype.study.db import StudyStore
    from gazetype.study.export import export_csv
    from gazetype.study.report import build_report

    d = _sim_study(tmp_path)
    screen = Screen()
    induced = parse_offset("0,1.5deg", screen).at(0)[1]
    with StudyStore.open(d, read_only=True) as store:
        rows = store.validations()
        conds = {c.name: c for p in store.participants() for c in store.conditions(p.id)}
        events = [e for (e,) in store.conn.execute("SELECT kind FROM session_events")]
    assert "condition_start" in events
    # A start and an end block for each of the three conditions, in order.
    assert [(r.condition, r.block) for r in rows] == [
        (c, b) for c in sorted(conds, key=lambda n: conds[n].position) for b in ("start", "end")]
    for r in rows:
        assert r.n_targets == 5 and r.accuracy_deg is not None and 0 <= r.data_loss_pct < 30
        want = induced if conds[r.condition].offset_spec != "none" else 0.0
        assert r.induced_dy_px == pytest.approx(want)
        # The measured offset includes the induced offset (the simulated tracker is exact).
        assert r.offset_dy_px == pytest.approx(want, abs=0.25 * screen.px_per_deg)
        res = json.loads(r.result_json)
        assert len(res["targets"]) == 5 and res["overall"]["accuracy_deg"] == pytest.approx(r.accuracy_deg)
    # The autocalibrated condition's end block holds the estimate at that moment.
    end_auto = [r for r in rows if r.condition == "autocalibrated" and r.block == "end"][0]
    start_auto = [r for r in rows if r.condition == "autocalibrated" and r.block == "start"][0]
    assert start_auto.estimate_dx_px is None
    assert end_auto.estimate_dy_px is not None
    export_csv(d, tmp_path / "csv", show_progress=False)
    with open(tmp_path / "csv" / "validation.csv", newline="") as fh:
        got = list(csv.DictReader(fh))
    assert len(got) == 6 and got[0]["block"] == "start"
    e = [g for g in got if g["condition"] == "autocalibrated" and g["block"] == "end"][0]
    est_err = math.hypot(float(e["estimate_dx_px"]) - float(e["offset_dx_px"]),
                         float(e["estimate_dy_px"]) - float(e["offset_dy_px"]))
    assert float(e["estimate_error_px"]) == pytest.approx(est_err, abs=0.02)
    html = build_report(d, show_progress=False)
    assert "Validation: the tracker" in html and "measured offset against the estimate" in html
    assert "Estimator error against the validation, 1 block(s)" in html


def test_a_version_1_study_still_opens_and_is_migrated(tmp_path):
    from gazetype.study.db import SCHEMA_V1, StudyStore, _statements
    from gazetype.study.report import build_report

    d = tmp_path / "old"
    d.mkdir()
    conn = sqlite3.connect(d / "study.sqlite")
    for stmt in _statements(SCHEMA_V1):
        conn.execute(stmt)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [("format", "gazetype-study"), ("schema_version", "1")])
    conn.commit()
    conn.close()
    with StudyStore.open(d, read_only=True) as store:  # read as it is: no validations
        assert store.validations() == [] and store.meta()["schema_version"] == "1"
    assert "No participants yet" in build_report(d, show_progress=False)
    with StudyStore.open(d) as store:  # opened for writing: migrated
        assert store.meta()["schema_version"] == "2" and store.validations() == []
        assert store.has_table("validations")
    with StudyStore.open(d) as store:  # again: nothing to do
        assert store.meta()["schema_version"] == "2"


@pytest.mark.subprocess
def test_study_run_validate_headless_cli(tmp_path):
    d = tmp_path / "s"
    r = run_cli("study", "run", "--study", str(d), "--participant", "P01", "--tracker", "sim", "--headless",
                "--conditions", "calibrated", "--phrases", "1", "--practice", "0", "--validate",
                "--validate-targets", "5", "--validate-dwell-ms", "800")
    assert r.returncode == 0, r.stderr
    assert [ln.split(":")[0].strip() for ln in r.stderr.splitlines()[1:]] == [
        "validation (start of calibrated)", "validation (end of calibrated)"]
    with sqlite3.connect(d / "study.sqlite") as c:
        assert c.execute("SELECT block FROM validations ORDER BY id").fetchall() == [("start",), ("end",)]
        settings = json.loads(c.execute("SELECT settings_json FROM sessions").fetchone()[0])
    assert settings["validate"] == {"targets": 5, "dwell_ms": 800.0}
    bad = run_cli("study", "run", "--study", str(tmp_path / "t"), "--participant", "P01", "--tracker", "sim",
                  "--headless", "--validate", "--validate-dwell-ms", "200")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "longer than" in bad.stderr
    assert not (tmp_path / "t").exists()


def test_runner_blocks_measure_the_induced_offset_and_restart_after_a_pause(tmp_path):
    from gazetype.study.runner import Phase
    from gazetype.tracker.sample import GazeSample

    from .study_helpers import make_runner, type_text

    cfg = ValidationConfig(n_targets=5, dwell_s=0.8, move_s=0.2)
    ctx, runner, _ = make_runner(tmp_path / "s", conditions="miscalibrated", offset="30,-20", n_phrases=1,
                                 n_practice=0, validate=cfg)
    try:
        runner.start(0.0)
        runner.continue_(0.0)
        assert runner.phase == Phase.VALIDATION and runner.view.message.startswith("Look at each dot")
        assert runner.model.target_phrase is None

        def look(t0, t1):  # perfect eyes on the current target, 100 Hz (the runner adds the induced offset)
            t = t0
            while t < t1 and runner.phase == Phase.VALIDATION:
                v = runner.validation_view(t)
                x, y = runner.validation.targets[min(v.index, 4)]
                runner.feed(GazeSample(t, x, y))
                t += 0.01
            return t
        look(0.0, 2.0)
        runner.pause(2.0)
        assert runner.phase == Phase.PAUSED and ctx.store.validations() == []
        runner.resume(3.0)
        assert runner.phase == Phase.VALIDATION and runner.validation.t0_s > 3.0  # the block starts again
        t = look(3.0, 60.0)
        assert runner.phase == Phase.TRIAL
        (start,) = ctx.store.validations()
        assert start.block == "start" and start.t_start_s > 3.0
        assert (start.offset_dx_px, start.offset_dy_px) == (pytest.approx(30.0), pytest.approx(-20.0))
        assert (start.induced_dx_px, start.induced_dy_px) == (30.0, -20.0) and start.data_loss_pct == 0.0
        t = type_text(runner, runner.model.target_phrase, t + 1)
        runner.operator_select("done", t)
        assert runner.phase == Phase.VALIDATION  # the end block, before the condition closes
        assert ctx.store.conditions(ctx.participant.id)[0].ended_t_s is None
        look(t, t + 60)
        assert runner.phase == Phase.FINISHED
        assert [v.block for v in ctx.store.validations()] == ["start", "end"]
    finally:
        runner.close("end")
        ctx.close()


@pytest.mark.gui
def test_study_window_shows_a_validation_block_then_the_trial(qtbot, qapp, tmp_path):
    from PySide6.QtCore import Qt

    from gazetype.app.qt.study_window import build_study_window
    from gazetype.study.runner import Phase
    from gazetype.study.setup import RunOptions

    opts = RunOptions(str(tmp_path / "study"), "P01", tracker="sim", dwell_s=0.3, conditions="calibrated",
                      n_phrases=1, n_practice=0, validate=ValidationConfig(n_targets=5, dwell_s=0.8))
    win, runner, ctx = build_study_window(opts, qapp, clock=fast_clock(25.0))
    try:
        qtbot.addWidget(win)
        win.resize(1000, 700)
        win.show()
        qtbot.waitExposed(win)
        win.controller.start()
        qtbot.keyClick(win.view, Qt.Key_Space)
        assert runner.phase == Phase.VALIDATION and win.stack.currentWidget() is win.validation
        qtbot.waitUntil(lambda: win.validation.view is not None and win.validation.view.stage == Stage.DWELL,
                        timeout=3000)
        qtbot.waitUntil(lambda: runner.phase == Phase.TRIAL, timeout=60000)
        assert win.stack.currentWidget() is win.view and not win._anim.isActive()
        (row,) = ctx.store.validations()
        assert row.block == "start" and row.n_targets == 5
        assert row.accuracy_deg < 0.3  # the simulated participant looked at the targets
    finally:
        win.close()  # as the operator's Ctrl+Q: the session is stored as aborted
        win.controller.stop()
        runner.close("test end")
        ctx.close()
