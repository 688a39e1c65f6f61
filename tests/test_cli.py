"""End to end through the command line, as a user runs it."""
import json
import sys

import pytest

from .conftest import run_cli


@pytest.mark.subprocess
def test_record_sim_then_replay_json(tmp_path):
    rec = tmp_path / "s.jsonl"
    r = run_cli("record", "--tracker", "sim", "--duration", "25", "--out", str(rec), "--phrase", "hi there",
                "--dwell-ms", "600", "--seed", "4")
    assert r.returncode == 0, r.stderr
    r = run_cli("replay", str(rec), "--fast", "--json", "--dwell-ms", "600")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["samples"] == 25 * 120
    assert 0.85 < out["valid_fraction"] <= 1.0
    assert out["duration_s"] == pytest.approx(25, abs=0.05)
    assert out["typed_text"].startswith("hi there")
    assert out["recorded_selections"] >= len("hi there")
    keys = [s["key"] for s in out["selections"]]
    assert keys[:8] == ["h", "i", "space", "t", "h", "e", "r", "e"]


@pytest.mark.subprocess
def test_replay_of_gz_and_speed(tmp_path):
    rec = tmp_path / "s.jsonl.gz"
    assert run_cli("record", "--tracker", "sim", "--duration", "2", "--out", str(rec)).returncode == 0
    r = run_cli("replay", str(rec), "--speed", "20")
    assert r.returncode == 0 and "240 samples" in r.stdout


@pytest.mark.subprocess
@pytest.mark.parametrize("args, needle", [
    (["run", "--tracker", "warp-drive"], "unknown tracker 'warp-drive'"),
    (["run", "--dwell-ms", "0"], "--dwell-ms"),
    (["run", "--dwell-ms", "-300"], "--dwell-ms"),
    (["run", "--dwell-ms", "abc"], "--dwell-ms"),
    (["replay", "/no/such/file.jsonl"], "no such file"),
    (["record", "--tracker", "sim", "--duration", "0", "--out", "x.jsonl"], "--duration"),
    (["record", "--tracker", "sim", "--duration", "1", "--out", "x.jsonl", "--offset", "sideways"], "offset"),
    (["record", "--tracker", "sim", "--duration", "1", "--out", "x.jsonl", "--screen", "big"], "--screen"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_get_one_clear_line_and_exit_2(tmp_path, args, needle):
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0] and "Traceback" not in r.stderr
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.subprocess
def test_record_refuses_to_overwrite(tmp_path):
    rec = tmp_path / "keep.jsonl"
    rec.write_text("precious\n")
    r = run_cli("record", "--tracker", "sim", "--duration", "1", "--out", str(rec))
    assert r.returncode == 2 and "already exists" in r.stderr
    assert rec.read_text() == "precious\n"


@pytest.mark.subprocess
def test_help_lists_the_commands():
    r = run_cli("--help")
    assert r.returncode == 0
    for cmd in ("run", "record", "replay"):
        assert cmd in r.stdout


@pytest.mark.parametrize("columns", [30, 45, 46, 60, 61, 63, 80, 100, 137, 250])
def test_the_quick_top_help_is_argparses_text(columns, monkeypatch):
    """`gazetype --help` is printed without argparse (issue 15: < 50 ms); it must be the
    very text argparse makes at every terminal width (or leave it to argparse)."""
    from gazetype.app.cli import build_parser, top_help
    monkeypatch.setenv("COLUMNS", str(columns))
    quick = top_help()
    assert quick is None or quick == build_parser("").format_help()
    assert (quick is None) == (columns < 46)


@pytest.mark.subprocess
def test_top_help_imports_no_argparse():
    """Nothing slow is imported *by gazetype* for `--help`: what the interpreter had loaded
    before gazetype's first import (site, .pth files: setuptools' default editable finder
    imports re) is the environment's, not ours."""
    import subprocess
    code = ("import sys\nbare = set(sys.modules)\nfrom gazetype.app.cli import main\nmain(['--help'])\n"
            "print(sorted(m for m in ('argparse', 're', 'textwrap', 'shutil', 'numpy') "
            "if m in sys.modules and m not in bare))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.subprocess
def test_negative_offsets_need_no_equals_sign(tmp_path):
    rec = tmp_path / "neg.jsonl"
    r = run_cli("record", "--tracker", "sim", "--duration", "2", "--out", str(rec), "--offset", "-1,0.5deg")
    assert r.returncode == 0, r.stderr
    assert '"offset":"-1,0.5deg"' in rec.read_text().splitlines()[0]


@pytest.mark.subprocess
@pytest.mark.parametrize("argv, words", [
    (["record", "--tracker", "sim", "--rate", "1e308", "--duration", "5"], ["--rate", "1 to 2000 Hz"]),
    (["record", "--tracker", "sim", "--rate", "1e9", "--duration", "5"], ["--rate"]),
    (["record", "--tracker", "sim", "--duration", "1e9"], ["--duration", "86400"]),
    (["record", "--tracker", "sim", "--duration", "5", "--screen", "1x1"], ["--screen"]),
    (["simulate", "--rate", "1e-9"], ["--rate"]),
    (["simulate", "--offset", "1e308,1e308"], ["--offset", "10000 px"]),
    (["study", "run", "--study", "S", "--participant", "P1", "--index", "99999999999999999999"], ["--index"]),
    (["replay", "R.jsonl", "--speed", "1e-300"], ["--speed"]),
])
def test_numeric_options_have_ranges(tmp_path, argv, words):
    """Values that would hang or fill the disk: one line, exit 2, nothing written."""
    argv = [a.replace("S", str(tmp_path / "study")) if a == "S" else a for a in argv]
    if argv[0] == "record":
        argv += ["--out", str(tmp_path / "r.jsonl")]
    r = run_cli(*argv, timeout=30)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.subprocess
@pytest.mark.parametrize("extra, words", [
    (["--out", "OUT/r.xdf"], ["r.xdf", ".jsonl or .jsonl.gz", "LabRecorder"]),
    (["--out", "OUT/r.txt"], ["r.txt", ".jsonl or .jsonl.gz"]),
    (["--out", "OUT/r.jsonl", "--phrase", "HELLO"], ["'H', 'E', 'L', 'O'", "lowercase"]),
    (["--out", "OUT/r.jsonl", "--phrase", "ok", "--phrase", "naïve ~"], ["'ï', '~'"]),
    (["--out", "OUT/r.jsonl", "--phrase", "HELLO", "--script", "person"], ["'H'"]),
])
def test_record_refuses_what_it_would_not_do(tmp_path, extra, words):
    """`record --out x.xdf` used to write JSON Lines into it, and `--phrase HELLO` to
    type nothing with exit 0."""
    extra = [a.replace("OUT", str(tmp_path)) for a in extra]
    r = run_cli("record", "--tracker", "sim", "--duration", "2", *extra, timeout=60)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.subprocess
def test_reading_pages_may_hold_any_text(tmp_path):
    rec = tmp_path / "read.jsonl"
    r = run_cli("record", "--tracker", "sim", "--duration", "2", "--script", "reading", "--phrase", "Naïve Text",
                "--out", str(rec), timeout=60)
    assert r.returncode == 0, r.stderr


@pytest.mark.subprocess
def test_light_commands_import_nothing_heavy():
    """`--help` (and each command's help) builds the parser only: no numpy, scipy, Qt,
    LSL or the autocalibration is imported (issue 15: it took 0.55 s)."""
    import subprocess
    code = ("import sys\nfrom gazetype.app.cli import main\n"
            "for argv in (['--help'], ['record', '--help'], ['replay', '--help'], ['study', 'run', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "heavy = ('numpy', 'scipy', 'PySide6', 'pylsl', 'gazetype.calibration', 'gazetype.pipeline', 'wordfreq')\n"
            "print(sorted({m.split('.')[0] if not m.startswith('gazetype') else '.'.join(m.split('.')[:2])\n"
            "              for m in sys.modules if m.startswith(heavy)}))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"
