"""Issue 28: files holding a person's words or gaze are private (folders 0700, files 0600)
whatever the umask; loosened history and settings files are tightened with one warning."""
import os
import stat

import pytest

from gazetype.app import settings as settings_mod
from gazetype.keyboard.history import History
from gazetype.recording.v1 import Header, RecordingWriter
from gazetype.tracker import private
from gazetype.tracker.screen import Screen

pytestmark = pytest.mark.skipif(os.name != "posix", reason="modes are POSIX")

HEADER = Header(Screen(1280, 720, 340.0, 190.0, 650.0), 60.0, source="test")


def mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=["umask022", "umask002", "umask000"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_helpers_make_private_files_and_folders(tmp_path, umask):
    d = private.private_dir(tmp_path / "a" / "b")
    assert mode(d) == 0o700
    with private.open_private(d / "f.txt", "w") as fh:
        fh.write("x")
    assert mode(d / "f.txt") == 0o600
    assert mode(private.private_file(d / "db")) == 0o600
    (d / "db").write_text("kept")
    private.private_file(d / "db")  # an existing file is never truncated
    assert (d / "db").read_text() == "kept"


def test_history_is_private_as_created(tmp_path, umask):
    h = History(tmp_path / "data" / "history.sqlite3")
    h.add("my words")
    h.close()
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "history.sqlite3") == 0o600


def test_loose_history_is_tightened_with_one_warning(tmp_path, capsys):
    path = tmp_path / "history.sqlite3"
    History(path).close()
    os.chmod(path, 0o644)
    os.chmod(tmp_path, 0o755)
    h = History(path)
    h.close()
    assert mode(path) == 0o600 and mode(tmp_path) == 0o700
    err = capsys.readouterr().err.strip().splitlines()
    assert f"gazetype: warning: {path} was readable by other accounts; made private (0600)" in err
    assert len([line for line in err if str(path) + " " in line]) == 1
    History(path).close()  # already private: no warning again
    assert capsys.readouterr().err == ""


def test_settings_are_private_and_tightened(tmp_path, monkeypatch, capsys, umask):
    monkeypatch.setenv("GAZETYPE_CONFIG_DIR", str(tmp_path / "cfg"))
    settings_mod.save(settings_mod.Settings(dwell_ms=800))
    path = tmp_path / "cfg" / "settings.json"
    assert mode(path) == 0o600 and mode(tmp_path / "cfg") == 0o700
    os.chmod(path, 0o644)
    assert settings_mod.load().dwell_ms == 800
    assert mode(path) == 0o600
    assert capsys.readouterr().err.strip() == (
        f"gazetype: warning: {path} was readable by other accounts; made private (0600)")


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_recordings_are_private(tmp_path, umask, name):
    w = RecordingWriter(tmp_path / name, HEADER)
    w.close()
    assert mode(tmp_path / name) == 0o600
    with pytest.raises(Exception):
        RecordingWriter(tmp_path / name, HEADER)  # still never overwritten


def test_study_folder_database_recordings_and_exports_are_private(tmp_path, umask):
    from gazetype.study.export import export_csv
    from gazetype.study.report import write_report

    from .study_helpers import make_runner
    study = tmp_path / "study"
    ctx, runner, _ = make_runner(study)
    assert mode(study) == 0o700
    assert mode(study / "recordings") == 0o700
    for name in ("study.sqlite", "study.sqlite-wal", "study.sqlite-shm"):
        if (study / name).exists():
            assert mode(study / name) == 0o600, name
    assert (study / "study.sqlite-wal").exists()
    recs = [p for p in (study / "recordings").iterdir()]
    assert recs and all(mode(p) == 0o600 for p in recs)
    ctx.recorder.close()
    export_csv(study, tmp_path / "csv", show_progress=False)
    assert mode(tmp_path / "csv") == 0o700
    assert all(mode(p) == 0o600 for p in (tmp_path / "csv").iterdir())
    write_report(study, tmp_path / "report.html", show_progress=False)
    assert mode(tmp_path / "report.html") == 0o600


def test_tighten_is_a_no_op_off_posix(tmp_path, monkeypatch):
    p = tmp_path / "f"
    p.write_text("x")
    os.chmod(p, 0o644)
    monkeypatch.setattr(private, "POSIX", False)
    assert private.tighten(p, warn=True) is False
    assert mode(p) == 0o644
