"""`gazetype study` end to end, as a researcher runs it: the study window opens for real
under Xvfb, the operator starts a part with Space and closes with Ctrl+Q (keys sent
through XTest), a simulated participant types by dwell; then status, export, report and
repair on what it stored. And a window killed with -9 in the middle of a trial keeps
every keystroke its recording holds (but the one in flight, which repair restores)."""
import csv
import os
import re
import signal
import sqlite3

import pytest

from .e2e import Running, gazetype, user_env
from .xserver import find_window, press_key, wait_for, xvfb  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.subprocess, pytest.mark.slow, pytest.mark.gui, pytest.mark.x11]
WINDOW_S = 300  # deadline for a trial in real time on a loaded machine (polled, not waited)


def _db(study):
    """A read-only look at the study database as the running window left it (None before it exists)."""
    path = study / "study.sqlite"
    if not path.exists():
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    return con


def _query(study, sql, *args):
    con = _db(study)
    if con is None:
        return []
    try:
        return con.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # the schema is being created
        return []
    finally:
        con.close()


def _start_study(tmp_path, display, phrases, *extra):
    (tmp_path / "phrases.txt").write_text("\n".join(phrases) + "\n")
    env = user_env(tmp_path / "home", display=display)
    study = tmp_path / "study"
    app = Running("study", "run", "--study", str(study), "--participant", "P1", "--tracker", "sim",
                  "--conditions", "calibrated", "--practice", "0", "--dwell-ms", "300",
                  "--phrase-file", str(tmp_path / "phrases.txt"), *extra, env=env, cwd=tmp_path)
    return app, env, study


def test_study_run_in_a_window_runs_a_trial_to_the_end(xvfb, tmp_path):  # noqa: F811
    app, env, study = _start_study(tmp_path, xvfb, ["hi", "ok"], "--phrases", "1")
    try:
        win = wait_for(lambda: find_window(xvfb, "gazetype study: P1"), WINDOW_S, "the study window", app.proc,
                       app.log)
        assert _query(study, "SELECT status FROM trials") == [("pending",)]  # waits for the operator
        press_key(xvfb, win, "space")  # the operator starts the part
        wait_for(lambda: _query(study, "SELECT 1 FROM trials WHERE status = 'done'"), WINDOW_S,
                 "the trial typed to its end", app.proc, app.log)
        press_key(xvfb, win, "q", ctrl=True)  # the operator closes the window
        assert app.wait(WINDOW_S) == 0, app.log()
    finally:
        app.kill()
    assert "Traceback" not in app.stderr
    assert re.search(r"^P1: session 1 completed; recording recordings/P1-session1\.jsonl$", app.stderr, re.M), \
        app.log()
    ((target, trial_id),) = _query(study, "SELECT target, id FROM trials WHERE status = 'done'")
    keys = _query(study, "SELECT key, source, text FROM keystrokes WHERE trial_id = ? ORDER BY seq", trial_id)
    assert target in ("hi", "ok") and keys[-1][0] == "done" and all(src == "dwell" for _, src, _ in keys)
    assert keys[-1][2].strip()  # the participant typed something, then done

    status = gazetype("study", "status", str(study), env=env, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert status.stdout.strip() == "P1 (index 0): calibrated 1/1; 1 session(s), last completed"
    out = tmp_path / "csv"
    exp = gazetype("study", "export", str(study), "--csv", str(out), env=env, cwd=tmp_path)
    assert exp.returncode == 0, exp.stderr
    assert f"keystrokes.csv ({len(keys)} rows)" in exp.stderr
    (trial,) = list(csv.DictReader(open(out / "trials.csv")))
    assert trial["participant"] == "P1" and trial["condition"] == "calibrated" and float(trial["wpm"]) > 0
    assert [r["key"] for r in csv.DictReader(open(out / "keystrokes.csv"))] == [k for k, _, _ in keys]
    rep = gazetype("study", "report", str(study), "--out", "report.html", env=env, cwd=tmp_path)
    assert rep.returncode == 0, rep.stderr
    html = (tmp_path / "report.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "calibrated" in html
    fix = gazetype("study", "repair", str(study), env=env, cwd=tmp_path)
    assert fix.returncode == 0, fix.stderr
    rec = study / "recordings" / "P1-session1.jsonl"
    assert fix.stdout.strip() == f"session 1: nothing missing ({len(keys)} in {rec})"


def test_study_window_killed_mid_trial_loses_no_recorded_keystroke(xvfb, tmp_path):  # noqa: F811
    long = ["the quick brown fox jumps over the lazy dog", "pack my box with five dozen liquor jugs"]
    app, env, study = _start_study(tmp_path, xvfb, long, "--phrases", "2")
    try:
        win = wait_for(lambda: find_window(xvfb, "gazetype study: P1"), WINDOW_S, "the study window", app.proc,
                       app.log)
        press_key(xvfb, win, "space")
        # In the middle of the first trial: some letters stored, the phrase far from done.
        wait_for(lambda: _query(study, "SELECT COUNT(*) FROM keystrokes k JOIN trials t ON k.trial_id = t.id "
                                       "WHERE t.status = 'running' HAVING COUNT(*) >= 5"),
                 WINDOW_S, "five keystrokes stored in a running trial", app.proc, app.log)
        os.kill(app.proc.pid, signal.SIGKILL)
        assert app.wait(60) == -signal.SIGKILL
    finally:
        app.kill()
    con = sqlite3.connect(study / "study.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = con.execute("SELECT COUNT(*) FROM keystrokes").fetchone()[0]
    assert con.execute("SELECT status FROM trials ORDER BY id").fetchall()[0] == ("running",)
    con.close()
    assert stored >= 5
    # The recording (flushed line by line) holds every keystroke the window saw; the database
    # lacks at most the one in flight when the process died, and repair puts it back.
    fix = gazetype("study", "repair", str(study), env=env, cwd=tmp_path)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    m = re.fullmatch(r"session 1: (?:nothing missing|added (\d) keystroke\(s\)) \((\d+) in (.*)\)",
                     fix.stdout.strip())
    assert m, fix.stdout
    added, recorded = int(m.group(1) or 0), int(m.group(2))
    assert m.group(3) == str(study / "recordings" / "P1-session1.jsonl")
    assert added <= 1 and recorded == stored + added
    con = sqlite3.connect(study / "study.sqlite")
    assert con.execute("SELECT COUNT(*) FROM keystrokes").fetchone()[0] == recorded
    con.close()
