"""Shared test set-up: headless Qt, private settings and data folders, patient hypothesis."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep LSL on this machine and quiet (see ../shared/NOTES.md); must precede pylsl's first import.
os.environ.setdefault("LSLAPICFG", str(ROOT / "tests" / "lsl_loopback.cfg"))

# The folders are installed as gazetype.app, gazetype.study, ...: code that imports one by
# its bare name works only in a checkout (the repository root is on sys.path here) and
# breaks once installed. Refuse such imports in the tests, and keep subprocesses from
# putting the working folder on sys.path (`python -m gazetype` from the root).
_FOLDERS = {"app", "tracker", "calibration", "keyboard", "study", "pipeline", "recording", "sim", "output"}
os.environ["PYTHONSAFEPATH"] = "1"


class _NoBareFolderImports:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in _FOLDERS:
            raise ImportError(f"import {name!r}: the package is gazetype.{name}; bare folder names work only "
                              "in a checkout")
        return None


sys.meta_path.insert(0, _NoBareFolderImports())

# Derandomized: the suite is a gate for merging, so it must give the same answer on every
# run; GAZETYPE_HYPOTHESIS=explore searches new examples (run it when changing an estimator
# or a state machine, and pin what it finds as a test).
settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("explore" if os.environ.get("GAZETYPE_HYPOTHESIS") == "explore" else "ci")


@pytest.fixture(autouse=True)
def _private_config(tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETYPE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("GAZETYPE_DATA_DIR", str(tmp_path / "data"))  # the history


def fast_clock(factor: float):
    """A clock that runs `factor` times faster than the monotonic clock from now on, for
    windows whose simulated tracker (and own stamps) take a clock: a simulated person
    then types in a fraction of the wall time."""
    from gazetype.tracker.clock import now_s
    t0 = now_s()
    return lambda: t0 + (now_s() - t0) * factor


def run_cli(*args: str, cwd=None, timeout: float = 120):
    """Run `python -m gazetype ARGS` (the installed package) as a user would; returns
    CompletedProcess (text)."""
    import subprocess
    return subprocess.run([sys.executable, "-m", "gazetype", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout)


def resolve_lsl(name: str, timeout_s: float = 60.0):
    """The one LSL stream named `name` (publishers on one machine have distinct names),
    asked for again and again until it is found: on a loaded machine discovery can take
    longer than any one resolve's limit."""
    import time

    import pylsl
    deadline = time.monotonic() + timeout_s
    while True:
        found = pylsl.resolve_bypred(f"name='{name}'", 1, 1.0)
        if found or time.monotonic() > deadline:
            break
    assert len(found) == 1, f"LSL streams named {name!r}: {len(found)} after {timeout_s:g} s"
    return found[0]


def lsl_inlet(name: str, timeout_s: float = 60.0, **kw):
    """An inlet on the stream named `name`, connected (generous limits: a loaded machine)."""
    import pylsl
    kw.setdefault("max_buflen", 60)
    inlet = pylsl.StreamInlet(resolve_lsl(name, timeout_s), **kw)
    inlet.open_stream(timeout=timeout_s)
    return inlet
