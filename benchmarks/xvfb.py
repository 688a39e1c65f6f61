"""A private X server for the benchmarks that measure a real window (live_cost, live_soak)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path


def start_xvfb(who: str, displays: range, size: tuple[int, int] = (1280, 800)) -> tuple[subprocess.Popen, str]:
    """Xvfb on the first free display number in `displays`; (process, ":N"). Exits with
    one line naming `who` when Xvfb is missing or does not come up within 15 s."""
    exe = shutil.which("Xvfb")
    if exe is None:
        sys.exit(f"{who}: Xvfb is not installed (scripts/setup.sh test installs it)")
    for n in displays:
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen([exe, f":{n}", "-noreset", "-nolisten", "tcp", "-screen", "0", f"{size[0]}x{size[1]}x24"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"{who}: Xvfb :{n} did not start")
        time.sleep(0.05)
    return proc, f":{n}"
