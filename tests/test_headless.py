"""The core stays headless: no Qt in tracker, calibration, keyboard (but its widget)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = [pytest.mark.subprocess]

CORE = ["gazetype.tracker", "gazetype.sim.gaze", "gazetype.tracker.mouse", "gazetype.recording.playback", "gazetype.recording.v1", "gazetype.calibration",
        "gazetype.keyboard.dwell", "gazetype.keyboard.layout", "gazetype.keyboard.model", "gazetype.pipeline.pipeline", "gazetype.pipeline.replay",
        "gazetype.sim.typists", "gazetype.keyboard.textlayout", "gazetype.app.cli", "gazetype.app.commands.replay", "gazetype.app.commands.record",
        "gazetype.output.hub", "gazetype.output.speech", "gazetype.output.sendkeys", "gazetype.app.commands.voices"]


def test_core_modules_do_not_load_qt():
    code = ("import sys, importlib\n"
            f"for m in {CORE!r}: importlib.import_module(m)\n"
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
            "print(','.join(bad))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def _package_tree(dest: Path) -> Path:
    """The installed layout as a folder tree: `gazetype/` with the mapped folders linked
    in (pyproject's package-dir). import-linter walks a package's folder on disk, and
    the repository's folders sit beside `gazetype/`, not in it."""
    tomllib = pytest.importorskip("tomllib")
    dirs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    pkg = dest / "gazetype"
    pkg.mkdir(parents=True)
    for name in ("__init__.py", "__main__.py"):
        (pkg / name).symlink_to(ROOT / "gazetype" / name)
    for name, folder in dirs.items():
        if name != "gazetype":
            (dest / name.replace(".", "/")).symlink_to(ROOT / folder, target_is_directory=True)
    return dest


def test_import_linter_contracts_hold(tmp_path):
    exe = Path(sys.executable).parent / "lint-imports"
    tree = _package_tree(tmp_path / "tree")
    env = dict(os.environ, PYTHONPATH=str(tree))
    r = subprocess.run([str(exe) if exe.exists() else "lint-imports", "--no-cache",
                        str(ROOT / "pyproject.toml")], capture_output=True, text=True,
                       cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "KEPT" in r.stdout and "BROKEN" not in r.stdout


def test_lint_imports_works_in_the_checkout():
    """`lint-imports` run in the repository root, as a developer runs it: import-linter puts
    the working folder first on sys.path, where `gazetype/` links the subpackage folders."""
    exe = Path(sys.executable).parent / "lint-imports"
    r = subprocess.run([str(exe) if exe.exists() else "lint-imports", "--no-cache"], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "KEPT" in r.stdout and "BROKEN" not in r.stdout
