"""Typing into other applications: under a real Xvfb, a separate Qt program with a
focused line edit receives exactly what the XTest sender typed, capitals, punctuation,
corrections and letters its keymap lacks included. uinput is checked against a
recording stand-in, as this machine has no /dev/uinput."""
from __future__ import annotations

import time

import pytest

from gazetype.output.base import diff_for_send
from gazetype.output.sendkeys import NoSender, UinputSender, XTestSender, char_to_keysym, open_sender, us_key

from .xserver import Receiver, receiver, xvfb  # noqa: F401  (receiver, xvfb are fixtures)


@pytest.mark.x11
def test_xtest_types_exactly_what_was_asked_into_another_program(xvfb, receiver):  # noqa: F811
    sender = open_sender({"DISPLAY": xvfb})
    assert isinstance(sender, XTestSender) and sender.available and sender.problem is None
    try:
        text = "Hello, World! café Straße"
        t0 = time.perf_counter()
        assert sender.type_text(text) == ""
        typed_s = time.perf_counter() - t0
        st = receiver.wait_for_text(text)
        print(f"XTest: {len(text)} characters (é and ß re-mapped) in {typed_s * 1000:.0f} ms; received {st['text']!r}")
        assert st["text"] == text
        # A correction: three backspaces and the rest typed again.
        sender.backspace(3)
        assert receiver.wait_for_text(text[:-3])["text"] == text[:-3]
        assert sender.type_text("aße? 100% (€ñ) ~`{|}\"<>@#$^&*_+=") == ""
        expected = text[:-3] + "aße? 100% (€ñ) ~`{|}\"<>@#$^&*_+="
        assert receiver.wait_for_text(expected)["text"] == expected
        sender.enter()
        deadline = time.monotonic() + 60
        while (st := receiver.state())["enters"] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert st["enters"] == 1 and st["text"] == expected
    finally:
        sender.close()


@pytest.mark.x11
def test_borrowed_keycodes_are_given_back(xvfb, receiver):  # noqa: F811
    from Xlib import display as xdisplay
    d = xdisplay.Display(xvfb)
    info = d.display.info
    before = d.get_keyboard_mapping(info.min_keycode, info.max_keycode - info.min_keycode + 1)
    sender = XTestSender(xvfb)
    try:
        assert sender.type_text("ÆØÅ æøå ŁŻŹ") == ""  # nine characters a US keymap lacks, in one go
        assert receiver.wait_for_text("ÆØÅ æøå ŁŻŹ")["text"] == "ÆØÅ æøå ŁŻŹ"
    finally:
        sender.close()
    after = d.get_keyboard_mapping(info.min_keycode, info.max_keycode - info.min_keycode + 1)
    d.close()
    assert [list(s) for s in after] == [list(s) for s in before]


@pytest.mark.x11
def test_mirroring_selections_with_diff_for_send(xvfb, receiver):  # noqa: F811
    sender = XTestSender(xvfb)
    shown = ""
    try:
        # What the keyboard's text becomes after each selection, a word prediction and
        # a correction among them; the other program must follow it exactly.
        for new in ("h", "he", "hel", "help ", "help m", "help me", "help mr", "help me", "help me!"):
            n_back, to_type = diff_for_send(shown, new)
            sender.backspace(n_back)
            sender.type_text(to_type)
            shown = new
        assert receiver.wait_for_text("help me!")["text"] == "help me!"
    finally:
        sender.close()


def test_diff_for_send():
    assert diff_for_send("", "abc") == (0, "abc")
    assert diff_for_send("hello wrld", "hello world") == (3, "orld")
    assert diff_for_send("abc", "ab") == (1, "")
    assert diff_for_send("same", "same") == (0, "")
    assert diff_for_send("café", "cafe") == (1, "e")


def test_keysyms():
    assert char_to_keysym("a") == 0x61 and char_to_keysym("é") == 0xE9 and char_to_keysym("€") == 0x20AC
    assert char_to_keysym("Ł") == 0x01000141 and char_to_keysym("\n") == 0xFF0D


def test_without_a_display_or_uinput_one_line_says_what_is_missing(tmp_path):
    s = open_sender({}, devnode=str(tmp_path / "uinput"))
    assert isinstance(s, NoSender) and not s.available
    assert "DISPLAY is not set" in s.problem and "modprobe uinput" in s.problem and "\n" not in s.problem
    assert s.type_text("abc") == "abc"  # nothing typed, nothing raised
    s.backspace(2)
    bad = open_sender({"DISPLAY": ":199"}, devnode=str(tmp_path / "uinput"))
    assert isinstance(bad, NoSender) and ":199" in bad.problem and "\n" not in bad.problem


def test_without_python_xlib_one_line_says_how_to_get_it(monkeypatch, tmp_path):
    import sys
    monkeypatch.setitem(sys.modules, "Xlib", None)
    s = open_sender({"DISPLAY": ":0"}, devnode=str(tmp_path / "uinput"))
    assert not s.available and "pip install python-xlib" in s.problem


@pytest.mark.x11
def test_wayland_without_writable_uinput_falls_back_to_xwayland_and_says_so(xvfb, tmp_path):  # noqa: F811
    s = open_sender({"DISPLAY": xvfb, "WAYLAND_DISPLAY": "wayland-0"}, devnode=str(tmp_path / "uinput"))
    try:
        assert isinstance(s, XTestSender)
        assert "X11 applications only" in s.problem
    finally:
        s.close()


class _RecordingUInput:
    """Stands in for evdev.UInput (no /dev/uinput here): records what would be sent."""

    def __init__(self, events, name, devnode):
        self.capabilities, self.events, self.closed = events, [], False

    def write(self, etype, code, value):
        self.events.append((etype, code, value))

    def syn(self):
        self.events.append("syn")

    def close(self):
        self.closed = True


def test_uinput_types_ascii_with_shift_and_names_what_it_cannot():
    from evdev import ecodes as e
    ui = []
    s = UinputSender(uinput_factory=lambda *a, **k: ui.append(_RecordingUInput(*a, **k)) or ui[-1], key_delay_s=0)
    assert s.type_text("Hi!") == ""
    presses = [(code, v) for ev in ui[0].events if ev != "syn" for _, code, v in [ev]]
    assert presses == [(e.KEY_LEFTSHIFT, 1), (e.KEY_H, 1), (e.KEY_H, 0), (e.KEY_LEFTSHIFT, 0),
                       (e.KEY_I, 1), (e.KEY_I, 0),
                       (e.KEY_LEFTSHIFT, 1), (e.KEY_1, 1), (e.KEY_1, 0), (e.KEY_LEFTSHIFT, 0)]
    assert all(code in ui[0].capabilities[e.EV_KEY] for code, _ in presses)
    assert s.type_text("café") == "é"
    assert "ASCII only" in s.problem and "é" in s.problem
    s.backspace(2)
    assert [ev[1] for ev in ui[0].events[-4:] if ev != "syn"] == [e.KEY_BACKSPACE, e.KEY_BACKSPACE]
    s.close()
    assert ui[0].closed
    # Every printable ASCII character has a key.
    assert all(us_key(chr(c)) is not None for c in range(0x20, 0x7F))
