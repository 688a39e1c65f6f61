"""Text-entry metrics (MacKenzie; Soukoreff and MacKenzie 2003). No Qt, no I/O.

Definitions (P presented phrase, T transcribed text, IS input stream with "\\b" for
each character erased, S seconds from the first to the last entry of a trial):

    WPM                    = (|T| - 1) / S * 60 / 5
    MSD error rate         = MSD(P, T) / max(|P|, |T|) * 100
    C   (correct)          = max(|P|, |T|) - MSD(P, T)
    INF (incorrect, not fixed) = MSD(P, T)
    IF  (incorrect, fixed) = characters entered that are not in T
                           = characters of IS (backspaces and marks left out) - |T|
    F   (fixes)            = editing keystrokes that erased something: a backspace or a
                             `clear` on a non-empty text, one each (a clear erasing 7
                             characters is one fix; its 7 characters count in IF)
    total error rate       = (INF + IF) / (C + INF + IF) * 100
    corrected error rate   = IF / (C + INF + IF) * 100
    uncorrected error rate = INF / (C + INF + IF) * 100

Keystrokes: every selection of the trial except `done` is one keystroke: a character,
space, backspace (also on an empty text, where it erases nothing and is no fix),
`clear` (one keystroke however much it erases), a page switch (`page:...`), a
selected suggestion (one keystroke that enters several characters).

    KSPC                   = keystrokes / |T|        (MacKenzie's "input stream / |T|",
                                                      the keystrokes being the input stream)
    KSPC (2003)            = (C + INF + IF + F) / (C + INF)   (Soukoreff and MacKenzie 2003,
                             characters rather than keystrokes: no page switches, no
                             backspaces on empty text, a suggestion's characters one each)
    keystroke savings KS   = 1 - keystrokes / |T|

The two KSPCs differ whenever |P| > |T| (C + INF = |P| there, not |T|), with page
switches, clears, useless backspaces and suggestions; both are reported.

Character level (after Wobbrock and Myers 2006, simplified): of the IF characters,
`if_ok` were right where they stood (the erased character equals P's character at
its position in the text) and `IF - if_ok` were wrong: a "corrected no-error" is
counted as such. This positional check stands in for their full alignment of the
input stream; it needs the text after every keystroke.

Without the keystrokes (an input stream only), keystrokes are counted from IS (a
marked suggestion group one) and F as the backspaces in it, as before.

Word prediction: a suggestion's characters sit in IS between the marks "\x02" and
"\x03" (keyboard.text.WORD_OPEN/WORD_CLOSE): they count as characters entered for the
error classification (IF, C); the group is one keystroke, so KSPC can fall below 1.

Rates are returned in percent. A metric that is undefined for a trial (WPM of a
one-character text, KSPC of an empty one) is None rather than a made-up number.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from gazetype.keyboard.layout import BACKSPACE, CLEAR
from gazetype.tracker.keyid import KeyKind, parse_key

BACKSPACE_CHAR = "\b"  # as keyboard.text.TextBuffer.input_stream writes it
WORD_OPEN, WORD_CLOSE = "\x02", "\x03"  # around a selected suggestion's characters (keyboard.text)
_WORD_GROUP = re.compile("\x02[^\x03]*\x03")


def msd(a: str, b: str) -> int:
    """Minimum string distance (Levenshtein: insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def wpm(transcribed: str, t_first_s: float | None, t_last_s: float | None) -> float | None:
    """Words per minute: (|T| - 1) / S * 60 / 5, S = t_last_s - t_first_s in seconds.

    The first character is not timed (S starts at its entry), hence |T| - 1. None
    when S <= 0 or |T| < 2 (nothing was timed)."""
    if t_first_s is None or t_last_s is None:
        return None
    s = t_last_s - t_first_s
    if not (s > 0) or len(transcribed) < 2:
        return None
    return (len(transcribed) - 1) / s * 60.0 / 5.0


def msd_error_rate(presented: str, transcribed: str) -> float:
    """MSD(P, T) / max(|P|, |T|) * 100 (0 when both are empty)."""
    n = max(len(presented), len(transcribed))
    return 0.0 if n == 0 else msd(presented, transcribed) / n * 100.0


def keystrokes(input_stream: str) -> int:
    """Keystrokes in an input stream: a selected suggestion (a marked group) is one."""
    groups = _WORD_GROUP.findall(input_stream)
    return len(input_stream) - sum(len(g) for g in groups) + len(groups)


def entered_chars(input_stream: str) -> str:
    """The input stream as characters entered (the suggestion marks removed)."""
    return input_stream.replace(WORD_OPEN, "").replace(WORD_CLOSE, "")


def kspc(input_stream: str, transcribed: str) -> float | None:
    """Keystrokes per character: keystrokes / |T| (|IS| / |T| without suggestions; None
    for an empty T)."""
    return keystrokes(input_stream) / len(transcribed) if transcribed else None


def keystroke_savings(input_stream: str, transcribed: str) -> float | None:
    """KS = 1 - keystrokes / |T|, as a fraction (None for an empty T)."""
    return 1.0 - keystrokes(input_stream) / len(transcribed) if transcribed else None


@dataclass(frozen=True, slots=True)
class ErrorCounts:
    """Soukoreff and MacKenzie's (2003) classification of the characters of a trial."""

    c: int  # correct
    inf: int  # incorrect, not fixed
    if_: int  # incorrect, fixed (characters entered and erased)
    f: int  # fixes (editing keystrokes that erased something)
    if_ok: int | None = None  # of IF, erased characters that were right where they stood (None: unknown)

    @property
    def _den(self) -> int:
        return self.c + self.inf + self.if_

    @property
    def total_error_rate(self) -> float:
        return (self.inf + self.if_) / self._den * 100.0 if self._den else 0.0

    @property
    def corrected_error_rate(self) -> float:
        return self.if_ / self._den * 100.0 if self._den else 0.0

    @property
    def uncorrected_error_rate(self) -> float:
        return self.inf / self._den * 100.0 if self._den else 0.0

    @property
    def kspc_2003(self) -> float | None:
        """(C + INF + IF + F) / (C + INF), the 2003 paper's KSPC (None if C + INF = 0)."""
        n = self.c + self.inf
        return (self.c + self.inf + self.if_ + self.f) / n if n else None

    @property
    def corrected_error_rate_chars(self) -> float | None:
        """(IF - if_ok) / (C + INF + IF) * 100: erased characters that were wrong (Wobbrock
        and Myers 2006, simplified); None when if_ok is unknown."""
        if self.if_ok is None:
            return None
        return (self.if_ - self.if_ok) / self._den * 100.0 if self._den else 0.0


@dataclass(frozen=True, slots=True)
class KeyCounts:
    """A trial's keystrokes by kind, from its selections (done excluded)."""

    keystrokes: int  # every selection
    backspaces: int  # backspace selections, on an empty text too
    clears: int  # clear selections
    fixes: int  # backspaces and clears that erased at least one character
    page_switches: int  # page:... selections
    erased_ok: int  # erased characters equal to the target's character at their position


def key_counts(keys: Sequence[tuple[str, str]], presented: str = "") -> KeyCounts:
    """Count a trial's keystrokes. `keys`: (key id, text after the key) per selection
    in order, done excluded; the text before the first is empty (each attempt starts
    empty). An erasure is read from the texts: when the text after a key is a shorter
    prefix of the text before, the characters cut off were erased."""
    before = ""
    bs = clears = fixes = pages = ok = 0
    for key, after in keys:
        if key == BACKSPACE:
            bs += 1
        elif key == CLEAR:
            clears += 1
        elif parse_key(key).kind is KeyKind.PAGE:
            pages += 1
        if len(after) < len(before) and before.startswith(after):
            if key in (BACKSPACE, CLEAR):
                fixes += 1
            ok += sum(1 for i in range(len(after), len(before)) if i < len(presented) and before[i] == presented[i])
        before = after
    return KeyCounts(len(keys), bs, clears, fixes, pages, ok)


def error_counts(presented: str, transcribed: str, input_stream: str,
                 keys: KeyCounts | None = None) -> ErrorCounts:
    """C, INF, IF and F from P, T and the input stream (IF = characters entered and
    later erased, whether they were wrong or not, as in the 2003 paper). With the
    trial's `keys`, F is the fixes among them and if_ok the erased characters that
    were right; without, F is the backspaces in the stream."""
    chars = entered_chars(input_stream)
    n_bs = chars.count(BACKSPACE_CHAR)
    entered = len(chars) - n_bs
    d = msd(presented, transcribed)
    if_ = max(entered - len(transcribed), 0)
    return ErrorCounts(c=max(len(presented), len(transcribed)) - d, inf=d, if_=if_,
                       f=keys.fixes if keys is not None else n_bs,
                       if_ok=min(keys.erased_ok, if_) if keys is not None else None)


@dataclass(frozen=True, slots=True)
class TrialMetrics:
    """All per-trial figures; times in seconds, rates in percent."""

    presented: str
    transcribed: str
    input_stream: str
    t_first_s: float | None
    t_last_s: float | None
    n_selections: int  # timed selections (from the first to the last entry)
    wpm: float | None
    msd: int
    msd_error_rate: float
    kspc: float | None  # keystrokes / |T|
    counts: ErrorCounts
    mean_selection_s: float | None
    keys: KeyCounts | None = None  # None when only the input stream was given

    @property
    def n_keystrokes(self) -> int:
        """Keystrokes: the selections (done excluded), or counted from the input stream."""
        return self.keys.keystrokes if self.keys is not None else keystrokes(self.input_stream)

    @property
    def keystroke_savings(self) -> float | None:
        """1 - keystrokes / |T| (a fraction; a selected suggestion is one keystroke)."""
        return 1.0 - self.n_keystrokes / len(self.transcribed) if self.transcribed else None

    @property
    def kspc_2003(self) -> float | None:
        """(C + INF + IF + F) / (C + INF) (Soukoreff and MacKenzie 2003)."""
        return self.counts.kspc_2003

    @property
    def backspaces(self) -> int:
        """Backspace selections (with the keys; else the backspaces in the stream)."""
        return self.keys.backspaces if self.keys is not None else self.counts.f

    @property
    def total_error_rate(self) -> float:
        return self.counts.total_error_rate

    @property
    def corrected_error_rate(self) -> float:
        return self.counts.corrected_error_rate

    @property
    def uncorrected_error_rate(self) -> float:
        return self.counts.uncorrected_error_rate


def trial_metrics(presented: str, transcribed: str, input_stream: str,
                  entry_times_s: Sequence[float], keys: Sequence[tuple[str, str]] | None = None) -> TrialMetrics:
    """Metrics of one trial. `entry_times_s` are the times (s) of the trial's entries:
    every selection except the done key that ends the trial, in order. S runs from
    the first to the last of them; the mean time per selection is S / (n - 1).
    `keys`, when given, are the same entries as (key id, text after the key): then
    keystrokes and fixes are counted from them (see the module docstring)."""
    times = list(entry_times_s)
    t0 = times[0] if times else None
    t1 = times[-1] if times else None
    mean_sel = (t1 - t0) / (len(times) - 1) if len(times) >= 2 else None
    kc = key_counts(keys, presented) if keys is not None else None
    n_keys = kc.keystrokes if kc is not None else keystrokes(input_stream)
    return TrialMetrics(
        presented=presented, transcribed=transcribed, input_stream=input_stream,
        t_first_s=t0, t_last_s=t1, n_selections=len(times),
        wpm=wpm(transcribed, t0, t1), msd=msd(presented, transcribed),
        msd_error_rate=msd_error_rate(presented, transcribed),
        kspc=n_keys / len(transcribed) if transcribed else None,
        counts=error_counts(presented, transcribed, input_stream, kc), mean_selection_s=mean_sel, keys=kc)


def offset_error_px(estimates: Iterable[tuple[float, float, float]],
                    induced_at) -> list[tuple[float, float]]:
    """Autocalibration error over time: for each estimate (t_s, dx_px, dy_px), the
    distance in px to the induced offset `induced_at(t_s) -> (dx, dy)`."""
    out = []
    for t, dx, dy in estimates:
        ix, iy = induced_at(t)
        out.append((t, math.hypot(dx - ix, dy - iy)))
    return out


def mean_sd(values: Iterable[float | None]) -> tuple[float | None, float | None, int]:
    """Mean, sample SD (n - 1; None for n < 2) and n of the values that are not None."""
    v = [x for x in values if x is not None and math.isfinite(x)]
    if not v:
        return None, None, 0
    m = sum(v) / len(v)
    if len(v) < 2:
        return m, None, len(v)
    return m, math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)), len(v)
