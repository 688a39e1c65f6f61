"""Crash safety: kill -9 a child process mid-session, then check every keystroke it
reported as stored is in the database, and that a re-run resumes and finishes."""
import ast
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gazetype.recording.v1 import read_recording

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^(\S+) (\S+) trial (\d+) attempt (\d+) #(\d+) ([\d.]+)s (.+?) -> (.*)$")


def _cmd(study, *extra):
    return [sys.executable, "-m", "gazetype", "study", "run", "--study", str(study), "--participant", "P01",
            "--tracker", "sim", "--headless", "--dwell-ms", "300", "-v", *extra]


def test_kill_9_mid_session_loses_nothing_committed_and_resumes(tmp_path):
    study = tmp_path / "study"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(_cmd(study, "--phrases", "2", "--practice", "1", "--speed", "25"), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    reported = []
    deadline = time.monotonic() + 120
    try:
        # Kill in the second condition, in the middle of a trial.
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            m = LINE.match(line.rstrip("\n"))
            assert m, line
            reported.append(m.groups())
            if len(reported) >= 130 and m.group(7) != "'done'":
                break
        assert proc.poll() is None, "the child finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert len(reported) >= 130

    db = study / "study.sqlite"
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {(tid, att, seq): (t, key, text) for tid, att, seq, t, key, text in con.execute(
        "SELECT trial_id, attempt, seq, t_s, key, text FROM keystrokes")}
    # Every keystroke the child reported (it reports after the commit) is there.
    for code, cond, tid, att, seq, t, key, text in reported:
        got = stored.get((int(tid), int(att), int(seq)))
        assert got is not None, (tid, att, seq, key)
        assert abs(got[0] - float(t)) < 1e-3 and got[1] == ast.literal_eval(key)
        assert got[2] == ast.literal_eval(text)
    # At most the keystroke in flight is missing.
    assert len(stored) - len(reported) in (0, 1)
    inflight = con.execute("SELECT id, attempt FROM trials WHERE status = 'running'").fetchall()
    assert len(inflight) == 1
    assert con.execute("SELECT status FROM sessions").fetchall() == [("running",)]
    con.close()

    # The recording of the killed session is readable up to the kill.
    rec = read_recording(study / "recordings" / "P01-session1.jsonl", warn=lambda m: None)
    assert len(rec.samples) > 1000

    # Re-run: resumes at the interrupted trial (a new attempt) and finishes.
    done = subprocess.run(_cmd(study), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "resumed" in done.stderr
    con = sqlite3.connect(db)
    after = {(tid, att, seq): (t, key, text) for tid, att, seq, t, key, text in con.execute(
        "SELECT trial_id, attempt, seq, t_s, key, text FROM keystrokes")}
    assert all(after[k] == v for k, v in stored.items())  # nothing lost or rewritten
    tid, att = inflight[0]
    assert con.execute("SELECT status, attempt, session_id FROM trials WHERE id = ?", (tid,)).fetchone() == \
        ("done", att + 1, 2)
    assert con.execute("SELECT COUNT(*) FROM trials WHERE status != 'done'").fetchone()[0] == 0
    assert con.execute("SELECT id, status FROM sessions ORDER BY id").fetchall() == \
        [(1, "interrupted"), (2, "completed")]
    # Trials finished before the kill were not redone.
    assert con.execute("SELECT COUNT(*) FROM trials WHERE session_id = 1 AND status = 'done'").fetchone()[0] >= 3
    con.close()
