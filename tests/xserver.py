"""A real X server for tests: Xvfb on a free display number, and a separate
receiving program (tests/x11_receiver.py) that collects what is typed into it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number from :90 to :199")


@pytest.fixture(scope="module")
def xvfb():
    """The display name (":N") of a fresh Xvfb; -noreset keeps its state (the keymap
    among it) when a client leaves."""
    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb is not installed (scripts/setup.sh test installs it: apt install xvfb)")
    n = _free_display()
    proc = subprocess.Popen([exe, f":{n}", "-noreset", "-nolisten", "tcp", "-screen", "0", "1280x800x24"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sock = Path(f"/tmp/.X11-unix/X{n}")
    deadline = time.monotonic() + 15
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Xvfb :{n} did not start: {proc.stderr.read().decode(errors='replace')[-500:]}")
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(timeout=10)


class Receiver:
    """The receiving program, running under `display`."""

    def __init__(self, display: str, timeout_s: float = 120.0):
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        self.proc = subprocess.Popen([sys.executable, str(HERE / "x11_receiver.py"), "--timeout", str(timeout_s)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            self.proc.kill()
            raise RuntimeError(f"receiver did not start: {line!r} {self.proc.stderr.read()[-800:]}")
        self.window_id = int(line.split()[1])

    def state(self) -> dict:
        self.proc.stdin.write("DUMP\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def wait_for_text(self, expected: str, timeout_s: float = 60.0) -> dict:
        """The receiver's state once its text is `expected`, or the last state after
        `timeout_s` (key events and the DUMP command travel on separate channels; a
        deadline, generous for a loaded machine: it returns as soon as the text is there)."""
        deadline = time.monotonic() + timeout_s
        while True:
            st = self.state()
            if st["text"] == expected or time.monotonic() > deadline:
                return st
            time.sleep(0.05)

    def close(self) -> None:
        quit_process(self.proc)


def focus_window(display: str, window_id: int) -> int:
    """Give `window_id` the X input focus (there is no window manager to do it);
    returns the window that has the focus afterwards."""
    from Xlib import X
    from Xlib import display as xdisplay
    d = xdisplay.Display(display)
    try:
        d.set_input_focus(d.create_resource_object("window", window_id), X.RevertToParent, X.CurrentTime)
        d.sync()
        return d.get_input_focus().focus.id
    finally:
        d.close()


def input_focus(display: str) -> int:
    from Xlib import display as xdisplay
    d = xdisplay.Display(display)
    try:
        return d.get_input_focus().focus.id
    finally:
        d.close()


def quit_process(proc) -> None:
    """Ask a helper program (receiver, keyboard window) to quit; kill it if it does not."""
    try:
        proc.stdin.write("QUIT\n")
        proc.stdin.flush()
        proc.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait()


@pytest.fixture
def receiver(xvfb):  # noqa: F811
    """A separate program with a focused line edit, receiving what is typed."""
    r = Receiver(xvfb)
    assert focus_window(xvfb, r.window_id) == r.window_id
    yield r
    r.close()


def find_window(display: str, title_prefix: str):
    """The id of a mapped top-level window whose title starts with `title_prefix`, or None."""
    from Xlib import X
    from Xlib import display as xdisplay
    d = xdisplay.Display(display)
    try:
        for w in d.screen().root.query_tree().children:
            try:
                name = w.get_wm_name()
                mapped = w.get_attributes().map_state == X.IsViewable
            except Exception:  # noqa: BLE001  (a window that went away meanwhile)
                continue
            if mapped and isinstance(name, str) and name.startswith(title_prefix):
                return w.id
        return None
    finally:
        d.close()


def press_key(display: str, window_id: int, keysym: str, ctrl: bool = False) -> None:
    """Focus `window_id` and press and release one key (an X keysym name: 'space', 'q'),
    with Ctrl held if `ctrl`, through XTest, as a person at the keyboard would."""
    from Xlib import XK, X
    from Xlib import display as xdisplay
    from Xlib.ext import xtest
    d = xdisplay.Display(display)
    try:
        d.set_input_focus(d.create_resource_object("window", window_id), X.RevertToParent, X.CurrentTime)
        d.sync()
        code = d.keysym_to_keycode(XK.string_to_keysym(keysym))
        ctrl_code = d.keysym_to_keycode(XK.XK_Control_L)
        if ctrl:
            xtest.fake_input(d, X.KeyPress, ctrl_code)
        xtest.fake_input(d, X.KeyPress, code)
        xtest.fake_input(d, X.KeyRelease, code)
        if ctrl:
            xtest.fake_input(d, X.KeyRelease, ctrl_code)
        d.sync()
    finally:
        d.close()


def wait_for(pred, timeout_s: float, what: str, proc=None, log=None, poll_s: float = 0.1):
    """`pred()`'s first truthy value, polled until `timeout_s` (a deadline, not a wait);
    fails with `what` (and `log()`, the process's output) if it never comes or `proc`
    ends first."""
    deadline = time.monotonic() + timeout_s
    while True:
        v = pred()
        if v:
            return v
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: the process ended first (exit {proc.returncode})" + (f": {log()}" if log else ""))
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout_s:g} s" + (f": {log()}" if log else ""))
        time.sleep(poll_s)
