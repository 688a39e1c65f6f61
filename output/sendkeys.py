"""Typing into other applications: keystrokes go to whichever window has the focus.

X11: XTest through python-xlib. Each character is found in the keymap at the shift
level that gives it; characters the keymap lacks ('é' on a US map, '€', 'ß') are put
on spare keycodes for the moment they are typed and then given back, as Dasher and
xdotool do. Wayland: a virtual keyboard through uinput (python-evdev), where
/dev/uinput is writable; it types ASCII with a US layout only. Elsewhere a NoSender
whose `problem` says what is missing.
"""
from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

BACKSPACE_KEYSYM = 0xFF08
RETURN_KEYSYM = 0xFF0D
TAB_KEYSYM = 0xFF09
SHIFT_L_KEYSYM = 0xFFE1
EURO_KEYSYM = 0x20AC
UNICODE_KEYSYM_BASE = 0x01000000
MAPPING_SETTLE_S = 0.05  # receivers re-read the keymap after a MappingNotify: give them time


@runtime_checkable
class Sender(Protocol):
    """Types into the focused application. type_text returns the characters it could
    not type ("" when it typed them all); nothing raises for a character."""
    name: str

    @property
    def available(self) -> bool: ...
    @property
    def problem(self) -> str | None: ...
    def type_text(self, text: str) -> str: ...
    def backspace(self, n: int = 1) -> None: ...
    def enter(self) -> None: ...
    def close(self) -> None: ...


class NoSender:
    """No way to type into other applications here; `problem` says why."""
    name = "none"

    def __init__(self, problem: str):
        self._problem = problem

    available = property(lambda self: False)
    problem = property(lambda self: self._problem)

    def type_text(self, text: str) -> str:
        return text

    def backspace(self, n: int = 1) -> None:
        pass

    def enter(self) -> None:
        pass

    def close(self) -> None:
        pass


def char_to_keysym(ch: str) -> int:
    """The X keysym that types `ch`: Latin-1 keysyms equal the code point, a few
    controls have their own, the rest are Unicode keysyms (0x01000000 + code point)."""
    cp = ord(ch)
    if ch == "\n" or ch == "\r":
        return RETURN_KEYSYM
    if ch == "\t":
        return TAB_KEYSYM
    if 0x20 <= cp <= 0x7E or 0xA0 <= cp <= 0xFF:
        return cp
    if ch == "€":
        return EURO_KEYSYM
    return UNICODE_KEYSYM_BASE + cp


class XTestSender:
    """Keystrokes through the XTest extension of an X server (`display` as in $DISPLAY)."""
    name = "xtest"

    def __init__(self, display: str | None = None, settle_s: float = MAPPING_SETTLE_S):
        from Xlib import X
        from Xlib import display as xdisplay
        from Xlib.ext import xtest
        self._X, self._xtest = X, xtest
        self._d = xdisplay.Display(display)
        if not self._d.has_extension("XTEST"):
            self._d.close()
            raise RuntimeError(f"the X server {display or os.environ.get('DISPLAY')} has no XTEST extension")
        self.settle_s = settle_s
        self.display_name = self._d.get_display_name()
        self._problem: str | None = None
        self._read_keymap()

    available = property(lambda self: True)
    problem = property(lambda self: self._problem)

    def _read_keymap(self) -> None:
        info = self._d.display.info
        self._min_kc, self._max_kc = info.min_keycode, info.max_keycode
        self._keymap = self._d.get_keyboard_mapping(self._min_kc, self._max_kc - self._min_kc + 1)
        self._shift_kc = self._d.keysym_to_keycode(SHIFT_L_KEYSYM)

    def _find(self, keysym: int) -> tuple[int, bool] | None:
        """(keycode, shift) that gives `keysym` at level 1 or 2 of the keymap."""
        for i, syms in enumerate(self._keymap):
            for level, shift in ((0, False), (1, True)):
                if level < len(syms) and syms[level] == keysym:
                    if shift and not self._shift_kc:
                        continue
                    return self._min_kc + i, shift
        return None

    def _spare_keycodes(self) -> list[int]:
        """Keycodes with no symbol at all: nothing on the keyboard types them."""
        return [self._min_kc + i for i, syms in enumerate(self._keymap) if not any(syms)]

    def _tap(self, keycode: int, shift: bool = False) -> None:
        fake, X = self._xtest.fake_input, self._X
        if shift:
            fake(self._d, X.KeyPress, self._shift_kc)
        fake(self._d, X.KeyPress, keycode)
        fake(self._d, X.KeyRelease, keycode)
        if shift:
            fake(self._d, X.KeyRelease, self._shift_kc)

    def type_text(self, text: str) -> str:
        self._read_keymap()  # the user may have switched layouts since the last call
        plan: list[tuple[str, int | None, bool]] = []
        missing: dict[int, int] = {}  # keysym -> the spare keycode it borrows
        spares = self._spare_keycodes()
        skipped = ""
        for ch in text:
            ks = char_to_keysym(ch)
            if (ord(ch) < 0x20 and ch not in "\n\r\t") or 0x7F <= ord(ch) < 0xA0:
                skipped += ch  # other control characters type nothing sensible
                continue
            found = self._find(ks)
            if found is None and ks not in missing:
                if len(missing) < len(spares):
                    missing[ks] = spares[len(missing)]
                else:  # out of spare keycodes for this call: type it in the next batch
                    found = None
            if found is not None:
                plan.append((ch, *found))
            elif ks in missing:
                plan.append((ch, missing[ks], False))
            else:
                plan.append((ch, None, False))
        rest = ""
        if missing:
            # Distinct characters on distinct keycodes, all mapped before typing and given
            # back after: a receiver reads the keymap some time after the MappingNotify,
            # and must still find the character there when it does.
            for ks, kc in missing.items():
                self._d.change_keyboard_mapping(kc, [(ks, ks)])
            self._d.sync()
            time.sleep(self.settle_s)
        try:
            for i, (ch, kc, shift) in enumerate(plan):
                if kc is None:
                    rest = "".join(c for c, _, _ in plan[i:])
                    break
                self._tap(kc, shift)
            self._d.sync()
        finally:
            if missing:
                time.sleep(self.settle_s)
                for kc in missing.values():
                    self._d.change_keyboard_mapping(kc, [(0, 0)])
                self._d.sync()
        if rest:
            if not spares:
                self._problem = "typing: the keymap has no spare keycode for characters it lacks"
                return skipped + rest
            return skipped + self.type_text(rest)
        return skipped

    def backspace(self, n: int = 1) -> None:
        found = self._find(BACKSPACE_KEYSYM)
        if found is None or n <= 0:
            return
        for _ in range(n):
            self._tap(found[0])
        self._d.sync()

    def enter(self) -> None:
        self.type_text("\n")

    def close(self) -> None:
        try:
            self._d.close()
        except Exception:  # already gone with its server  # noqa: BLE001
            pass


# US layout: character -> (evdev key name, shift). What a uinput keyboard types depends
# on the layout the compositor applies; this table is right for "us" only.
_US_UNSHIFTED = {"`": "GRAVE", "-": "MINUS", "=": "EQUAL", "[": "LEFTBRACE", "]": "RIGHTBRACE", "\\": "BACKSLASH",
                 ";": "SEMICOLON", "'": "APOSTROPHE", ",": "COMMA", ".": "DOT", "/": "SLASH", " ": "SPACE",
                 "\n": "ENTER", "\t": "TAB"}
_US_SHIFTED = {"~": "`", "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9",
               ")": "0", "_": "-", "+": "=", "{": "[", "}": "]", "|": "\\", ":": ";", '"': "'", "<": ",", ">": ".",
               "?": "/"}


def us_key(ch: str) -> tuple[str, bool] | None:
    """(evdev KEY_ name, shift) that types `ch` on a US layout, or None."""
    if "a" <= ch <= "z" or "0" <= ch <= "9":
        return "KEY_" + ch.upper(), False
    if "A" <= ch <= "Z":
        return "KEY_" + ch, True
    if ch in _US_UNSHIFTED:
        return "KEY_" + _US_UNSHIFTED[ch], False
    if ch in _US_SHIFTED:
        return us_key(_US_SHIFTED[ch])[0], True
    return None


class UinputSender:
    """A virtual keyboard through /dev/uinput (Wayland and the console too). Types
    ASCII as a US keyboard would; other characters are returned untyped and named in
    `problem`."""
    name = "uinput"

    def __init__(self, devnode: str = "/dev/uinput", uinput_factory=None, key_delay_s: float = 0.002):
        from evdev import UInput, ecodes
        self._e = ecodes
        keys = sorted({getattr(ecodes, us_key(chr(c))[0]) for c in range(0x20, 0x7F)}
                      | {ecodes.KEY_LEFTSHIFT, ecodes.KEY_BACKSPACE, ecodes.KEY_ENTER, ecodes.KEY_TAB})
        factory = uinput_factory or UInput
        self._ui = factory({ecodes.EV_KEY: keys}, name="gazetype keyboard", devnode=devnode)
        self.key_delay_s = key_delay_s  # compositors drop keys that come faster than they poll
        self._problem: str | None = None

    available = property(lambda self: True)
    problem = property(lambda self: self._problem)

    def _tap(self, code: int, shift: bool = False) -> None:
        e, ui = self._e, self._ui
        if shift:
            ui.write(e.EV_KEY, e.KEY_LEFTSHIFT, 1)
        ui.write(e.EV_KEY, code, 1)
        ui.write(e.EV_KEY, code, 0)
        if shift:
            ui.write(e.EV_KEY, e.KEY_LEFTSHIFT, 0)
        ui.syn()
        if self.key_delay_s:
            time.sleep(self.key_delay_s)

    def type_text(self, text: str) -> str:
        skipped = ""
        for ch in text:
            k = us_key(ch)
            if k is None:
                skipped += ch
                continue
            self._tap(getattr(self._e, k[0]), k[1])
        if skipped:
            shown = "".join(dict.fromkeys(skipped))[:12]
            self._problem = (f"typing: uinput types ASCII only (US layout); not typed: {shown!r} "
                             "(copy the text to the clipboard instead)")
        return skipped

    def backspace(self, n: int = 1) -> None:
        for _ in range(max(0, n)):
            self._tap(self._e.KEY_BACKSPACE)

    def enter(self) -> None:
        self._tap(self._e.KEY_ENTER)

    def close(self) -> None:
        self._ui.close()


def _try_xtest(display: str) -> tuple[Sender | None, str | None]:
    try:
        import Xlib  # noqa: F401
    except ImportError:
        return None, "typing into other applications needs python-xlib: pip install python-xlib"
    try:
        return XTestSender(display), None
    except Exception as e:  # Xlib raises its own DisplayError types and OSError  # noqa: BLE001
        why = " ".join(str(e).split()) or type(e).__name__
        return None, f"typing: cannot open the X display {display} ({why})"


def _try_uinput(devnode: str) -> tuple[Sender | None, str | None]:
    if not os.path.exists(devnode):
        return None, f"{devnode} does not exist; load it with 'sudo modprobe uinput'"
    if not os.access(devnode, os.W_OK):
        return None, (f"{devnode} is not writable; a udev rule such as "
                      'KERNEL=="uinput", GROUP="input", MODE="0660" and membership of the input group allow it')
    try:
        import evdev  # noqa: F401
    except ImportError:
        return None, "python-evdev is missing: pip install evdev-binary"
    try:
        return UinputSender(devnode), None
    except Exception as e:  # noqa: BLE001
        return None, f"cannot create a uinput keyboard ({' '.join(str(e).split())})"


def open_sender(env: Mapping[str, str] | None = None, devnode: str = "/dev/uinput") -> Sender:
    """The best way to type into other applications here: XTest on an X11 session,
    uinput on Wayland (XTest there reaches X11 applications only, through XWayland),
    else a NoSender saying what is missing. Never raises."""
    env = os.environ if env is None else env
    display = env.get("DISPLAY", "")
    wayland = bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE") == "wayland"
    notes = []
    if wayland:
        s, why = _try_uinput(devnode)
        if s is not None:
            return s
        notes.append(why)
    if display:
        s, why = _try_xtest(display)
        if s is not None:
            if wayland:
                s._problem = f"typing reaches X11 applications only: uinput unavailable, {notes[0]}"
            return s
        return NoSender(why if not notes else f"{why}; uinput: {notes[0]}")
    if not wayland:
        s, why = _try_uinput(devnode)
        if s is not None:
            return s
        notes.append(why)
    return NoSender(f"typing into other applications: no X display (DISPLAY is not set) and no uinput: {notes[0]}")
