"""The study database under a deleted -wal file (issue 13, finding 3): rows are saved
while the run goes on, a loss is detected at the end of the run, and `study repair`
rebuilds a session's keystrokes from its recording."""
import os
import sqlite3

import pytest

from gazetype.app.cli import main
from gazetype.study.errors import StudyError
from gazetype.study.repair import check_saved

from .study_helpers import make_runner, type_text

HEADLESS = ["--tracker", "sim", "--headless", "--dwell-ms", "300"]


def _count(d, sql="SELECT COUNT(*) FROM keystrokes"):
    con = sqlite3.connect(d / "study.sqlite")
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_a_wal_deleted_during_a_run_loses_nothing(tmp_path):
    """The case the hunt found: -wal deleted mid-run and another connection opening the
    database meanwhile. Without the guard every row was lost (0 of 8 here)."""
    d = tmp_path / "s"
    ctx, runner, _ = make_runner(d, n_phrases=2, n_practice=0)
    runner.start(0.0)
    runner.continue_(0.1)
    t = type_text(runner, "abc", 1.0)
    os.unlink(d / "study.sqlite-wal")
    with pytest.raises(sqlite3.OperationalError):
        con = sqlite3.connect(d / "study.sqlite")  # what a browsing tool would do
        try:
            con.execute("SELECT COUNT(*) FROM keystrokes").fetchone()
        finally:
            con.close()
    type_text(runner, "defgh", t)
    assert ctx.store.wal_rescues >= 1
    runner.close("2024-05-01T11:00:00Z")
    ctx.close()
    assert _count(d) == 8
    check_saved(d, ctx.session.id, runner.logged, "rec")  # no error: all there


def test_a_loss_is_reported_at_the_end_of_the_run(tmp_path):
    d = tmp_path / "s"
    ctx, runner, _ = make_runner(d, n_phrases=1, n_practice=0)
    runner.start(0.0)
    runner.continue_(0.1)
    type_text(runner, "abcd", 1.0)
    runner.close("2024-05-01T11:00:00Z")
    ctx.close()
    with sqlite3.connect(d / "study.sqlite") as con:
        con.execute("DELETE FROM keystrokes WHERE seq >= 1")
    with pytest.raises(StudyError) as e:
        check_saved(d, ctx.session.id, runner.logged, ctx.session.recording_path)
    msg = str(e.value)
    assert "only 1 of this session's 4 keystrokes" in msg and "gazetype study repair" in msg
    assert "\n" not in msg


@pytest.fixture
def study(tmp_path):
    d = tmp_path / "study"
    for i, code in enumerate(["P01", "P02"]):
        assert main(["study", "run", "--study", str(d), "--participant", code, "--phrases", "2",
                     "--practice", "0", "--seed", str(i), *HEADLESS]) == 0
    return d


COLS = "trial_id, attempt, session_id, seq, t_s, key, source, text"


@pytest.mark.slow
def test_repair_rebuilds_a_sessions_keystrokes_and_trials_from_its_recording(study, capsys):
    before = sqlite3.connect(study / "study.sqlite").execute(
        f"SELECT {COLS}, raw_x_px, raw_y_px, induced_dx_px FROM keystrokes ORDER BY id").fetchall()
    trials = sqlite3.connect(study / "study.sqlite").execute(
        "SELECT id, status, attempt, transcribed, input_stream FROM trials ORDER BY id").fetchall()
    assert len(before) > 100
    with sqlite3.connect(study / "study.sqlite") as con:  # as if the -wal with session 2 was lost
        con.execute("DELETE FROM keystrokes WHERE session_id = 2")
        con.execute("UPDATE trials SET status = 'pending', attempt = 0, transcribed = NULL, input_stream = NULL "
                    "WHERE session_id = 2")
        con.execute("UPDATE conditions SET started_t_s = NULL, ended_t_s = NULL WHERE session_id = 2")
    lost = len(before) - _count(study)
    assert lost > 50
    capsys.readouterr()
    assert main(["study", "repair", str(study)]) == 0
    out = capsys.readouterr().out
    assert "session 1: nothing missing" in out
    assert f"session 2: added {lost} keystroke(s)" in out
    after = sqlite3.connect(study / "study.sqlite").execute(
        f"SELECT {COLS}, raw_x_px, raw_y_px, induced_dx_px FROM keystrokes ORDER BY session_id, id").fetchall()
    key = lambda r: (r[2], r[0], r[1], r[3])  # noqa: E731
    b, a = sorted(before, key=key), sorted(after, key=key)
    same = lambda r: (*r[:4], round(r[4], 6), *r[5:8])  # noqa: E731  (the recording keeps 1 µs)
    assert [same(r) for r in a] == [same(r) for r in b]  # keys, times, sources and texts identical
    # Gaze at the key: the recorded sample at or before the selection (the live run used
    # the same sample), with the induced offset taken off.
    for ra, rb in zip(a, b):
        if rb[8] is not None:
            assert ra[8] == pytest.approx(rb[8], abs=0.01) and ra[9] == pytest.approx(rb[9], abs=0.01)
            assert ra[10] == pytest.approx(rb[10], abs=1e-6)
    assert sqlite3.connect(study / "study.sqlite").execute(
        "SELECT id, status, attempt, transcribed, input_stream FROM trials ORDER BY id").fetchall() == trials
    assert main(["study", "repair", str(study)]) == 0  # again: nothing to add
    assert "added" not in capsys.readouterr().out
    assert main(["study", "report", str(study), "--out", str(study.parent / "r.html")]) == 0


@pytest.mark.slow
def test_repair_rebuilds_suggestion_selections_as_the_runner_stored_them(tmp_path, capsys):
    """The `predicted` condition: whole-word selections rebuild the same texts, and a
    trial's input stream drops the space of a final suggestion as the runner does."""
    d = tmp_path / "study"
    assert main(["study", "run", "--study", str(d), "--participant", "P01", "--phrases", "2", "--practice", "0",
                 "--conditions", "calibrated,predicted", *HEADLESS]) == 0
    con = sqlite3.connect(d / "study.sqlite")
    keys = con.execute("SELECT trial_id, attempt, seq, key, text FROM keystrokes ORDER BY id").fetchall()
    trials = con.execute("SELECT id, transcribed, input_stream FROM trials ORDER BY id").fetchall()
    assert any(k[3].startswith("word:") for k in keys)
    with con:
        con.execute("DELETE FROM keystrokes")
        con.execute("UPDATE trials SET status = 'pending', attempt = 0, transcribed = NULL, input_stream = NULL")
    con.close()
    assert main(["study", "repair", str(d)]) == 0
    con = sqlite3.connect(d / "study.sqlite")
    assert con.execute("SELECT trial_id, attempt, seq, key, text FROM keystrokes ORDER BY id").fetchall() == keys
    assert con.execute("SELECT id, transcribed, input_stream FROM trials ORDER BY id").fetchall() == trials
    con.close()
