"""The hub the window calls: non-blocking, ordered, and every failure a line."""
from __future__ import annotations

import sys
import time

import pytest

from gazetype.output.base import NullOutputs, Outputs, diff_for_send
from gazetype.output.hub import OutputHub
from gazetype.output.sendkeys import NoSender, XTestSender
from gazetype.output.speech import Speaker

from .xserver import Receiver, focus_window, xvfb  # noqa: F401  (xvfb is a fixture)


def test_both_implement_the_protocol():
    hub = OutputHub(None, None, None)
    assert isinstance(hub, Outputs) and isinstance(NullOutputs(), Outputs)
    for o in (hub, NullOutputs()):  # none of these raises with nothing behind it
        o.speak("x")
        o.send_text("x")
        o.send_backspaces(2)
    hub.close()


@pytest.mark.x11
def test_the_window_is_never_held_up_and_the_receiver_follows_the_text(xvfb):  # noqa: F811
    r = Receiver(xvfb)
    focus_window(xvfb, r.window_id)
    hub = OutputHub(None, XTestSender(xvfb), None)
    try:
        shown, worst_s = "", 0.0
        for new in ("Ça", "Ça v", "Ça va", "Ça va?", "Ça va ", "Ça va bien, merci.", "Ça va très bien"):
            n, s = diff_for_send(shown, new)
            t0 = time.perf_counter()
            hub.send_backspaces(n)
            hub.send_text(s)
            worst_s = max(worst_s, time.perf_counter() - t0)
            shown = new
        assert hub.flush()
        st = r.wait_for_text(shown)
        print(f"hub: slowest send call {worst_s * 1000:.2f} ms; received {st['text']!r}")
        assert st["text"] == "Ça va très bien"
        assert worst_s < 0.005  # typing 'Ç' or 'è' takes 0.1 s in the worker, not here
        assert hub.problems() == []
    finally:
        hub.close()
        r.close()


def test_problems_are_one_line_each_and_copy_failures_are_caught(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyttsx3", None)
    copied = []
    hub = OutputHub(Speaker(), NoSender("typing into other applications: no X display (DISPLAY is not set)"),
                    copied.append)
    hub.copy("hello")
    assert copied == ["hello"]
    probs = hub.problems()
    assert len(probs) == 2 and all("\n" not in p for p in probs)
    assert "pyttsx3" in probs[0] and "DISPLAY" in probs[1]

    def broken(text):
        raise RuntimeError("no clipboard owner")
    hub2 = OutputHub(None, None, broken)
    hub2.copy("x")
    assert any(p.startswith("clipboard:") for p in hub2.problems())
    hub.close()
    hub2.close()


def test_a_sender_that_fails_mid_way_becomes_a_problem_not_an_exception():
    class Dying:
        name, available, problem = "xtest", True, None

        def type_text(self, text):
            raise ConnectionResetError("X server connection closed")

        def backspace(self, n=1):
            pass

        def close(self):
            pass
    hub = OutputHub(None, Dying(), None)
    hub.send_text("abc")
    assert hub.flush()
    assert hub.problems() == ["typing: xtest: ConnectionResetError: X server connection closed"]
    hub.close()
