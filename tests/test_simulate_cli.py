"""`gazetype simulate` end to end: the JSON summary, a real study written with
--study (export and report work on it, a second run adds to it), bad input."""

import pytest
import csv
import json

from gazetype.tracker.screen import Screen

PPD = Screen().px_per_deg
import subprocess
import sys

from .test_study_cli import digest, one_line_error, run

SMALL = ("--participants", "2", "--phrases", "1", "--practice", "0")


@pytest.mark.slow
def test_json_summary_has_every_condition_and_measure(capsys):
    rc, out, err = run(capsys, "simulate", *SMALL, "--seed", "3", "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert res["study"] is None  # a temporary study, gone
    assert set(res["conditions"]) == {"calibrated", "miscalibrated", "autocalibrated"}
    for c in res["conditions"].values():
        assert 2.0 < c["wpm"] < 15.0
        assert 0.0 <= c["msd_error_rate"] <= 100.0
        assert c["kspc"] >= 1.0
    assert [p["code"] for p in res["participants"]] == ["S01", "S02"]
    assert all(p["phase"] == "finished" and p["trials_done"] == 3 for p in res["participants"])
    assert res["autocal_error_deg"]["calibrated"] is None  # no estimator there
    assert "S01: finished" in err


@pytest.mark.slow
def test_same_seed_same_result(capsys):
    a = json.loads(run(capsys, "simulate", *SMALL, "--seed", "5", "--json")[1])
    b = json.loads(run(capsys, "simulate", *SMALL, "--seed", "5", "--json")[1])
    assert a["conditions"] == b["conditions"]


@pytest.mark.slow
def test_study_folder_is_a_normal_study_and_a_second_run_adds_to_it(tmp_path, capsys):
    d = tmp_path / "sim"
    rc, out, err = run(capsys, "simulate", *SMALL, "--conditions", "calibrated,miscalibrated",
                       "--offset", "114,0", "--study", str(d))
    assert rc == 0, err
    assert "WPM" in out and "miscalibrated" in out
    db = d / "study.sqlite"
    before = digest(db)
    rc, _, err = run(capsys, "simulate", "--participants", "1", "--phrases", "1", "--practice", "0",
                     "--conditions", "calibrated,miscalibrated", "--offset", "114,0", "--study", str(d))
    assert rc == 0, err
    assert digest(db) != before
    rc, out, err = run(capsys, "study", "status", str(d))
    assert [ln.split()[0] for ln in out.splitlines()] == ["S01", "S02", "S03"]
    rc, _, err = run(capsys, "study", "export", str(d), "--csv", str(tmp_path / "csv"))
    assert rc == 0, err
    rows = list(csv.DictReader(open(tmp_path / "csv" / "trials.csv")))
    assert {r["participant"] for r in rows} == {"S01", "S02", "S03"}
    assert {r["condition"] for r in rows} == {"calibrated", "miscalibrated"}
    assert all(float(r["wpm"]) > 0 for r in rows)
    rc, _, err = run(capsys, "study", "report", str(d), "--out", str(tmp_path / "r.html"))
    assert rc == 0, err


@pytest.mark.slow
def test_a_different_study_plan_is_refused_before_anything_is_written(tmp_path, capsys):
    d = tmp_path / "sim"
    assert run(capsys, "simulate", *SMALL, "--conditions", "calibrated", "--study", str(d))[0] == 0
    before = digest(d / "study.sqlite")
    # New participants get the study's plan; an unknown condition is refused outright.
    rc, _, err = run(capsys, "simulate", *SMALL, "--conditions", "nonsense", "--study", str(d))
    one_line_error(rc, err, "nonsense")
    assert digest(d / "study.sqlite") == before


def _err(capsys, *argv):
    try:
        rc, _, err = run(capsys, *argv)
    except SystemExit as e:  # argparse's own errors
        rc, err = e.code, capsys.readouterr().err
    return rc, err


def test_bad_arguments_get_one_line_errors(tmp_path, capsys):
    one_line_error(*_err(capsys, "simulate", "--participants", "0"), "--participants")
    one_line_error(*_err(capsys, "simulate", "--dwell-ms", "0"), "--dwell-ms")
    one_line_error(*_err(capsys, "simulate", "--offset", "sideways"), "sideways")
    (tmp_path / "notes.txt").write_text("mine")
    one_line_error(*_err(capsys, "simulate", "--study", str(tmp_path)), "not a study folder")
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.subprocess
def test_console_entry_point_runs_it():
    p = subprocess.run([sys.executable, "-m", "gazetype", "simulate", "--participants", "1", "--phrases", "1",
                        "--practice", "0", "--conditions", "calibrated"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0].split() == ["measure", "calibrated"]


def test_record_a_simulated_participant_and_replay_it(tmp_path, capsys):
    out = tmp_path / "p.jsonl"
    rc, _, err = run(capsys, "record", "--tracker", "sim", "--script", "person", "--duration", "90",
                     "--offset", "60,0", "--autocal", "--phrase", "hello world", "--phrase", "see you soon",
                     "--out", str(out))
    assert rc == 0, err
    assert "typed 'hello world\\nsee you soon\\n'" in err
    rc, out_json, err = run(capsys, "replay", str(out), "--autocal", "--json")
    res = json.loads(out_json)
    assert res["typed_text"] == "hello world\nsee you soon\n"
    # Two short phrases of glances: the correction may stay at zero (it never moves on
    # evidence that an undershooting eye explains), and never goes past the 60 px.
    assert 0.0 <= res["final_offset"][0] <= 60.0 + 0.25 * PPD and abs(res["final_offset"][1]) <= 0.25 * PPD


@pytest.mark.slow
def test_a_study_folder_keeps_no_lock_files(tmp_path, capsys):
    """The creation and participant locks remove their files after use."""
    d = tmp_path / "sim"
    rc, _, err = run(capsys, "simulate", *SMALL, "--conditions", "calibrated", "--validate", "--study", str(d))
    assert rc == 0, err
    assert sorted(p.name for p in d.iterdir()) == ["recordings", "study.sqlite"]


def test_a_lock_removed_by_its_last_holder_is_taken_afresh(tmp_path):
    """A process that opened the lock file just before its holder removed it must not
    lock the removed file (two holders at once): it locks the file now at the path."""
    import os

    from gazetype.study import oslock
    path = tmp_path / ".lock"
    first = oslock.acquire(path)
    assert first is not None and oslock.acquire(path) is None  # held: refused
    stale = open(path, "a+")  # opened by a waiter before the release
    first.release()
    assert not path.exists()
    second = oslock.acquire(path)
    assert second is not None and path.exists()
    import fcntl
    fcntl.flock(stale.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # the removed file: free, but no longer the lock
    assert oslock.acquire(path) is None  # the lock at the path is still second's
    assert os.fstat(stale.fileno()).st_nlink == 0
    stale.close()
    second.release()


def test_help_lists_every_condition(capsys):
    """`simulate --help` and `study run --help` name every condition of the design."""
    import re

    import pytest

    from gazetype.app.cli import main
    from gazetype.study.design import CONDITIONS
    for argv in (["simulate", "--help"], ["study", "run", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = " ".join(capsys.readouterr().out.split())
        listed = re.search(r"--conditions LIST comma-separated: (.*?) \(default", out).group(1)
        assert listed.split(", ") == list(CONDITIONS), argv
