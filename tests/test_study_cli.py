"""`gazetype study ...`: end to end through the CLI, bad input (one line, exit 2,
nothing changed), export columns, report rendering."""
import csv
import hashlib
import re
import sqlite3
import subprocess
import sys

import pytest

from gazetype.app.cli import main
from gazetype.sim.headless import HeadlessRun
from gazetype.study.analysis import Progress
from gazetype.study.report import build_report
from gazetype.study.setup import RunOptions, prepare_run

from .study_helpers import SCREEN, approaching_factory

HEADLESS = ["--tracker", "sim", "--headless", "--dwell-ms", "300"]


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def one_line_error(rc, err, *words):
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A study with three simulated participants, run through the CLI."""
    d = tmp_path_factory.mktemp("cli") / "study"
    for i, code in enumerate(["P01", "P02", "P03"]):
        rc = main(["study", "run", "--study", str(d), "--participant", code, "--phrases", "2", "--practice", "1",
                   "--seed", str(i), *HEADLESS])
        assert rc == 0
    return d


@pytest.mark.slow
def test_status_lists_participants(study, capsys):
    rc, out, _ = run(capsys, "study", "status", str(study))
    assert rc == 0
    assert re.search(r"^P01 \(index 0\): calibrated 3/3, miscalibrated 3/3, autocalibrated 3/3; 1 session\(s\), "
                     r"last completed$", out, re.M)
    assert "P03 (index 2): autocalibrated 3/3" in out


@pytest.mark.slow
def test_finished_participant_is_not_rerun(study, capsys):
    before = digest(study / "study.sqlite")
    rc, _, err = run(capsys, "study", "run", "--study", str(study), "--participant", "P02", *HEADLESS)
    one_line_error(rc, err, "P02", "finished every trial")
    with sqlite3.connect(study / "study.sqlite") as con:
        assert con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 3
    assert digest(study / "study.sqlite") == before


@pytest.mark.slow
def test_export_writes_the_columns_the_issue_lists(study, tmp_path, capsys):
    out_dir = tmp_path / "csv"
    rc, _, err = run(capsys, "study", "export", str(study), "--csv", str(out_dir))
    assert rc == 0, err
    with open(out_dir / "trials.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    required = ("participant session condition trial target transcribed first_key_t last_key_t keystrokes "
                "backspaces wpm msd_error_rate kspc total_error_rate corrected_error_rate "
                "uncorrected_error_rate").split()
    assert set(required) <= set(rows[0])
    assert len(rows) == 27
    for r in rows:
        assert r["status"] == "done"
        assert float(r["first_key_t"]) < float(r["last_key_t"]) < float(r["done_t"])
        n_t = len(r["transcribed"])
        assert float(r["wpm"]) == pytest.approx((n_t - 1) / (float(r["last_key_t"]) - float(r["first_key_t"])) * 12,
                                                rel=1e-3)
        assert int(r["backspaces"]) == r["input_stream"].count("<")
        # every selection but the one done is a keystroke
        assert float(r["kspc"]) == pytest.approx((int(r["keystrokes"]) - 1) / n_t, rel=1e-3)
        assert 0 <= int(r["if_ok"]) <= int(r["if"])
        assert float(r["kspc_2003"]) == pytest.approx(
            sum(int(r[k]) for k in ("c", "inf", "if", "f")) / (int(r["c"]) + int(r["inf"])), rel=1e-3)
    with open(out_dir / "keystrokes.csv", newline="") as fh:
        keys = list(csv.DictReader(fh))
    assert len(keys) == sum(int(r["keystrokes"]) for r in rows)  # no aborted attempts here
    assert {"raw_x_px", "corrected_x_px", "induced_dy_px", "key", "t"} <= set(keys[0])
    mis = [k for k in keys if k["condition"] == "miscalibrated" and k["source"] == "dwell"]
    # the default offset: 0.6 of the key pitch along the rows (stored to 0.1 px)
    from gazetype.study.runner import key_pitch_px
    assert mis and all(float(k["induced_dx_px"]) == pytest.approx(0.6 * key_pitch_px(SCREEN), abs=0.06)
                       and float(k["induced_dy_px"]) == 0.0 for k in mis)
    # A second export into the same folder changes nothing.
    before = digest(out_dir / "trials.csv")
    rc, _, err = run(capsys, "study", "export", str(study), "--csv", str(out_dir))
    one_line_error(rc, err, "already exist")
    assert digest(out_dir / "trials.csv") == before


@pytest.mark.slow
def test_report_renders(study, tmp_path, capsys):
    out = tmp_path / "report.html"
    rc, _, err = run(capsys, "study", "report", str(study), "--out", str(out))
    assert rc == 0, err
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    # WPM, total and uncorrected ER; with an autocalibration estimator also one offset
    # panel per autocalibrated participant and the error plot
    from gazetype.calibration import make_calibrator
    from gazetype.calibration.base import NullCalibrator
    if isinstance(make_calibrator(SCREEN, True), NullCalibrator):
        assert html.count("<svg") == 3
        assert "No offset estimates were recorded" in html
    else:
        assert html.count("<svg") == 3 + 3 + 1
        assert "No offset estimates were recorded" not in html
    for p in ("P01", "P02", "P03"):
        for c in ("calibrated", "miscalibrated", "autocalibrated"):
            assert re.search(rf"<td class='l'>{p}</td><td class='l'>{c}</td><td>2</td>", html)
    assert html.count("calibrated vs miscalibrated") == 3  # one Wilcoxon row per tested measure
    assert "Friedman test" in html
    # says how it tested: exact p, zero handling, the Holm families, the bootstrap
    for words in ("exact permutation", "zero differences are dropped", "Holm's correction over the 3 condition",
                  "10,000 resamples", "rank-biserial r", "Kendall's W"):
        assert words in html
    rc, _, err = run(capsys, "study", "report", str(study), "--out", str(out))
    one_line_error(rc, err, "already exists")


def test_report_with_offset_traces_and_one_participant(tmp_path):
    opts = RunOptions(str(tmp_path / "s"), "P01", conditions="miscalibrated,autocalibrated", n_phrases=1,
                      n_practice=0, offset="step:30,40@5")
    ctx = prepare_run(opts, screen=SCREEN, sample_rate_hz=120.0, now_utc="x")
    holder = {}
    hr = HeadlessRun(ctx, screen=SCREEN, dwell_s=0.3, calibrator_factory=approaching_factory(holder))
    holder["pipeline"] = hr.pipeline
    res = hr.run()
    assert res.phase.value == "finished"
    runner = hr.runner
    runner.close("x")
    ctx.close()
    html = build_report(tmp_path / "s", show_progress=False)
    assert "Needs at least two participants" in html
    assert "P01, autocalibrated (session 1)" in html
    assert "Autocalibration error" in html
    # The step at 5 s shows in the induced trace: 0 before, (30, 40) after.
    m = re.search(r"first at \(s\).*?</tr><tr><td class='l'>P01</td><td class='l'>autocalibrated</td>"
                  r"<td>1</td><td>(\d+)</td><td>([\d.]+)</td><td>([\d.]+)</td><td>([\d.]+)</td><td>([\d.]+)</td>",
                  html, re.S)
    assert m, "offset summary row"
    n, first_t, first_err, mean_err2, last_err = m.groups()
    assert int(n) > 10 and float(last_err) < 5.0 and float(first_t) <= 1.0


def test_progress_is_shown_for_long_work():
    import io
    clock = iter(float(i) for i in range(100))
    buf = io.StringIO()
    p = Progress("export: trials", 10, stream=buf, every_s=0.5, clock=lambda: next(clock))
    for i in range(10):
        p.update(i + 1)
    p.done()
    lines = buf.getvalue().splitlines()
    assert lines[0] == "export: trials 1/10" and lines[-1] == "export: trials 10/10"


# -- bad input: one line, exit 2, nothing changed -------------------------------------
def test_unknown_condition_creates_nothing(tmp_path, capsys):
    d = tmp_path / "new"
    rc, _, err = run(capsys, "study", "run", "--study", str(d), "--participant", "P01",
                     "--conditions", "calibrated,warped", *HEADLESS)
    one_line_error(rc, err, "unknown condition 'warped'")
    assert not d.exists()


def test_phrase_file_without_usable_lines(tmp_path, capsys):
    f = tmp_path / "phrases.txt"
    f.write_text("# nothing here\n\n   \n")
    d = tmp_path / "new"
    rc, _, err = run(capsys, "study", "run", "--study", str(d), "--participant", "P01",
                     "--phrase-file", str(f), *HEADLESS)
    one_line_error(rc, err, str(f), "no usable phrases")
    assert not d.exists()


@pytest.mark.parametrize("argv,words", [
    (["--offset", "none"], ["needs a non-zero offset"]),
    (["--offset", "sideways"], ["cannot read"]),
    (["--phrases", "60"], ["need 186"]),
    (["--tracker", "mouse"], ["--headless needs --tracker sim"]),
    (["--tlx"], ["--tlx needs the study window"]),
])
def test_bad_run_options(tmp_path, capsys, argv, words):
    d = tmp_path / "new"
    rc, _, err = run(capsys, "study", "run", "--study", str(d), "--participant", "P01", *HEADLESS, *argv)
    one_line_error(rc, err, *words)
    assert not d.exists()


def test_folder_that_is_not_a_study(tmp_path, capsys):
    d = tmp_path / "photos"
    d.mkdir()
    (d / "cat.jpg").write_bytes(b"\xff\xd8")
    for argv in (["study", "export", str(d), "--csv", str(tmp_path / "o")],
                 ["study", "report", str(d), "--out", str(tmp_path / "r.html")],
                 ["study", "status", str(d)],
                 ["study", "run", "--study", str(d), "--participant", "P01", *HEADLESS]):
        rc, _, err = run(capsys, *argv)
        one_line_error(rc, err, str(d), "not a study folder")
    assert sorted(p.name for p in d.iterdir()) == ["cat.jpg"]
    assert not (tmp_path / "o").exists() and not (tmp_path / "r.html").exists()
    rc, _, err = run(capsys, "study", "export", str(tmp_path / "missing"), "--csv", str(tmp_path / "o"))
    one_line_error(rc, err, "no such study folder")


def test_corrupt_database(tmp_path, capsys):
    d = tmp_path / "s"
    d.mkdir()
    db = d / "study.sqlite"
    db.write_bytes(b"this is not sqlite at all" * 200)
    before = digest(db)
    for argv in (["study", "export", str(d), "--csv", str(tmp_path / "o")],
                 ["study", "report", str(d), "--out", str(tmp_path / "r.html")],
                 ["study", "run", "--study", str(d), "--participant", "P01", *HEADLESS]):
        rc, _, err = run(capsys, *argv)
        one_line_error(rc, err, str(db), "not a readable study database")
    assert digest(db) == before
    assert sorted(p.name for p in d.iterdir()) == ["study.sqlite"]
    # A valid SQLite file that is some other program's database.
    other = tmp_path / "o2"
    other.mkdir()
    with sqlite3.connect(other / "study.sqlite") as con:
        con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        con.execute("INSERT INTO meta VALUES ('format', 'something-else')")
    rc, _, err = run(capsys, "study", "report", str(other), "--out", str(tmp_path / "r.html"))
    one_line_error(rc, err, "not a gazetype study database")


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize("argv,words", [
    (["--conditions", "calibrated,warped"], ["unknown condition 'warped'"]),
    (["--participant", "P01"], ["finished every trial"]),
    (["--participant", "P02", "--phrases", "5"], ["already exists with --phrases 2"]),
])
def test_window_run_checks_input_before_opening_a_window(study, argv, words):
    """Without a display Qt would abort; bad input must end before Qt starts."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    args = ["study", "run", "--study", str(study), "--tracker", "sim"]
    if "--participant" not in argv:
        args += ["--participant", "P09"]
    before = digest(study / "study.sqlite")
    r = subprocess.run([sys.executable, "-m", "gazetype", *args, *argv], capture_output=True, text=True, cwd=ROOT,
                       env=env, timeout=60)
    one_line_error(r.returncode, r.stderr, *words)
    assert digest(study / "study.sqlite") == before


@pytest.mark.slow
def test_damaged_record_is_one_line(study, tmp_path, capsys):
    import shutil
    d = tmp_path / "copy"
    shutil.copytree(study, d)
    with sqlite3.connect(d / "study.sqlite") as con:
        con.execute("UPDATE trials SET transcribed = CAST(x'fffe0a41' AS TEXT) WHERE id = 2")
    for argv in (["study", "export", str(d), "--csv", str(tmp_path / "o")],
                 ["study", "report", str(d), "--out", str(tmp_path / "r.html")],
                 ["study", "status", str(d)]):
        rc, _, err = run(capsys, *argv)
        one_line_error(rc, err, "cannot read the study database")
    assert not (tmp_path / "o").exists() and not (tmp_path / "r.html").exists()


@pytest.mark.slow
@pytest.mark.parametrize("target", ["study.sqlite", "study.sqlite-wal", "recordings/P01-session1.jsonl",
                                    "recordings"])
def test_report_never_writes_over_the_studys_own_files(study, capsys, target):
    """Not even with --force: the database, SQLite's companions, the recordings."""
    out = study / target
    before = {p: digest(p) for p in [study / "study.sqlite", *sorted((study / "recordings").glob("*"))]}
    rc, _, err = run(capsys, "study", "report", str(study), "--out", str(out), "--force")
    one_line_error(rc, err, "study's own files")
    assert {p: digest(p) for p in before} == before


@pytest.mark.subprocess
def test_two_first_runs_at_once_on_a_new_folder_both_work(tmp_path):
    """Two participants started at the same moment on a folder that is not a study yet:
    one creates it, the other waits and joins; neither fails, nothing is bricked."""
    for attempt in range(3):
        d = tmp_path / f"s{attempt}"
        procs = [subprocess.Popen([sys.executable, "-m", "gazetype", "study", "run", "--study", str(d),
                                   "--participant", code, "--phrases", "1", "--practice", "0", *HEADLESS],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for code in ("P01", "P02")]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        with sqlite3.connect(d / "study.sqlite") as con:
            assert sorted(r[0] for r in con.execute("SELECT code FROM participants")) == ["P01", "P02"]


def _as_other_user(tmp_path, *argv):
    """Run the CLI as a user who may read but not write the study (nobody, when the tests
    run as root, where permissions do not apply)."""
    import os
    import shutil
    cmd = [sys.executable, "-m", "gazetype", *argv]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot drop write access")
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)


@pytest.fixture
def open_tmp():
    """A temporary folder every user can enter (pytest's own is root-only)."""
    import os
    import shutil
    import tempfile
    from pathlib import Path
    d = Path(tempfile.mkdtemp(prefix="gazetype-ro-"))
    os.chmod(d, 0o755)
    yield d
    for p in [d, *d.rglob("*")]:
        if p.is_dir():
            os.chmod(p, 0o755)
    shutil.rmtree(d)


def _read_only_copy(study, tmp_path):
    import os
    import shutil
    ro = tmp_path / "ro"
    shutil.copytree(study, ro / "study", ignore=shutil.ignore_patterns("*.lock*", ".lock-*"))
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)  # where the reading user may write its output
    for p in [ro, *ro.rglob("*")]:
        os.chmod(p, 0o555 if p.is_dir() else 0o444)
    return ro / "study", out


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_read_only_study_can_be_exported_reported_and_listed(study, open_tmp):
    """A study on a read-only mount, or in a folder the user may not write: reading it
    needs no write access and changes nothing."""
    tmp_path = open_tmp
    ro, out = _read_only_copy(study, tmp_path)
    before = {p: digest(p) for p in ro.rglob("*") if p.is_file()}
    r = _as_other_user(tmp_path, "study", "status", str(ro))
    assert r.returncode == 0, r.stderr
    assert "P01 (index 0): calibrated 3/3" in r.stdout
    r = _as_other_user(tmp_path, "study", "export", str(ro), "--csv", str(out / "csv"))
    assert r.returncode == 0, r.stderr
    assert len((out / "csv" / "keystrokes.csv").read_text().splitlines()) > 100
    r = _as_other_user(tmp_path, "study", "report", str(ro), "--out", str(out / "r.html"))
    assert r.returncode == 0, r.stderr
    assert "P01" in (out / "r.html").read_text()
    assert {p: digest(p) for p in ro.rglob("*") if p.is_file()} == before


@pytest.mark.subprocess
def test_a_read_only_study_with_unsaved_rows_in_its_wal_says_so(open_tmp):
    """Rows still in the -wal file cannot be read without writing the folder: one line
    saying what to do, never a silently partial export."""
    import os
    import shutil

    from gazetype.study.db import StudyStore
    tmp_path = open_tmp
    src = tmp_path / "src"
    with StudyStore.open(src, create=True, created_utc="now") as store:
        store.conn.execute("PRAGMA wal_autocheckpoint = 0")
        store.conn.execute("INSERT INTO meta (key, value) VALUES ('note', 'in the wal')")
        ro = tmp_path / "ro" / "study"
        ro.mkdir(parents=True)
        for name in ("study.sqlite", "study.sqlite-wal"):
            shutil.copy(src / name, ro / name)  # as a backup taken while a run was writing
    assert (ro / "study.sqlite-wal").stat().st_size > 0
    for p in [ro.parent, ro, *ro.iterdir()]:
        os.chmod(p, 0o555 if p.is_dir() else 0o444)
    r = _as_other_user(tmp_path, "study", "status", str(ro))
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "unsaved changes" in r.stderr, r.stderr


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_study_the_user_may_not_read_is_one_line(study, open_tmp):
    import os
    import shutil
    d = open_tmp / "private"
    shutil.copytree(study, d)
    os.chmod(d, 0o700)
    r = _as_other_user(open_tmp, "study", "status", str(d))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert str(d) in r.stderr and "Traceback" not in r.stderr


@pytest.mark.subprocess
@pytest.mark.parametrize("code,shown", [
    (b"P\xff01", "U+DCFF"),            # not UTF-8 (arrives as a surrogate)
    ("P\u202e10".encode(), "U+202E"),  # right-to-left override: prints as "P01"
    ("P\u200b01".encode(), "U+200B"),  # zero-width space: a lookalike of P01
    (b"P\x1b[2J01", "U+001B"),          # a terminal escape
    (b"P\x7f", "U+007F"),
])
def test_participant_ids_that_do_not_print_are_refused(tmp_path, code, shown):
    d = tmp_path / "st"
    r = subprocess.run([sys.executable.encode(), b"-m", b"gazetype", b"study", b"run", b"--study", str(d).encode(),
                        b"--participant", code, *[a.encode() for a in HEADLESS]], capture_output=True, timeout=120)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 2 and len(err.strip().splitlines()) == 1, err
    assert shown in err and "do not print" in err
    assert not d.exists()


@pytest.mark.slow
def test_recordings_being_a_file_is_one_line_and_changes_nothing(study, tmp_path, capsys):
    import shutil
    d = tmp_path / "copy"
    shutil.copytree(study, d)
    shutil.rmtree(d / "recordings")
    (d / "recordings").write_text("not a folder")
    before = digest(d / "study.sqlite")
    rc, _, err = run(capsys, "study", "run", "--study", str(d), "--participant", "P09", *HEADLESS)
    one_line_error(rc, err, "recordings: is a file")
    assert digest(d / "study.sqlite") == before
