"""The core stays headless: no Qt in tracker, calibration, keyboard (but its widget)."""
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

CORE = ["tracker", "tracker.sim", "tracker.mouse", "tracker.replay", "tracker.recording", "calibration",
        "keyboard.dwell", "keyboard.layout", "keyboard.model", "keyboard.pipeline", "keyboard.replay",
        "keyboard.simtyping", "keyboard.textlayout", "app.cli", "app.commands.replay", "app.commands.record"]


def test_core_modules_do_not_load_qt():
    code = ("import sys, importlib\n"
            f"for m in {CORE!r}: importlib.import_module(m)\n"
            "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
            "print(','.join(bad))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_import_linter_contracts_hold():
    exe = Path(sys.executable).parent / "lint-imports"
    r = subprocess.run([str(exe) if exe.exists() else "lint-imports", "--no-cache"], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "KEPT" in r.stdout and "BROKEN" not in r.stdout
