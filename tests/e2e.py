"""Running gazetype as a user does, for the end-to-end tests: the installed `gazetype`
command in a separate process, with its own settings, data and LSL session (nothing
reaches the real user's history, and no other program's streams are seen)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

GAZETYPE = Path(sys.executable).parent / "gazetype"  # the console script of this environment


def user_env(home: Path, display: str | None = None) -> dict:
    """The environment of a user whose config and data folders are under `home`; with
    `display`, a real X display (Qt's xcb platform), else none at all."""
    home.mkdir(parents=True, exist_ok=True)
    lsl_cfg = home / "lsl.cfg"
    # Streams of this test only (other gazetypes may run tests on this machine meanwhile).
    lsl_cfg.write_text(f"[multicast]\nResolveScope = machine\n[lab]\nKnownPeers = {{127.0.0.1}}\n"
                       f"SessionID = gazetype-e2e-{uuid.uuid4().hex}\n[log]\nlevel = -2\n")
    env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_RUNTIME_DIR=str(home / "run"),
               GAZETYPE_CONFIG_DIR=str(home / "config" / "gazetype"),
               GAZETYPE_DATA_DIR=str(home / "data" / "gazetype"), LSLAPICFG=str(lsl_cfg), PYTHONUNBUFFERED="1")
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    for k in ("WAYLAND_DISPLAY", "DISPLAY", "QT_QPA_PLATFORM", "GAZETYPE_DEBUG"):
        env.pop(k, None)
    if display is not None:
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    return env


def gazetype(*args: str, env: dict, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """`gazetype ARGS` to its end (text output captured)."""
    return subprocess.run([str(GAZETYPE), *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout)


class Running:
    """`gazetype ARGS` started in the background, its output in files (never a full pipe)."""

    def __init__(self, *args: str, env: dict, cwd: Path) -> None:
        self.out_path, self.err_path = cwd / "stdout.txt", cwd / "stderr.txt"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = subprocess.Popen([str(GAZETYPE), *args], stdout=out, stderr=err, env=env, cwd=cwd)

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def log(self) -> str:
        return f"stdout {self.stdout[-1500:]!r} stderr {self.stderr[-3000:]!r}"

    def wait(self, timeout: float = 120) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


def one_line_error(r: subprocess.CompletedProcess, command: str) -> str:
    """The single line a refused command printed (exit 2, no traceback)."""
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gazetype {command}: error: "), r.stderr
    return lines[0]
