"""Text-entry metrics (MacKenzie; Soukoreff and MacKenzie 2003). No Qt, no I/O.

Definitions (P presented phrase, T transcribed text, IS input stream with "\\b" for
each backspace, S seconds from the first to the last entry of a trial):

    WPM                    = (|T| - 1) / S * 60 / 5
    MSD error rate         = MSD(P, T) / max(|P|, |T|) * 100
    KSPC                   = |IS| / |T|
    C   (correct)          = max(|P|, |T|) - MSD(P, T)
    INF (incorrect, not fixed) = MSD(P, T)
    IF  (incorrect, fixed) = characters of IS that are not in T and are not editing keys
                           = |IS| - |T| - F
    F   (fixes)            = editing keystrokes in IS (backspaces)
    total error rate       = (INF + IF) / (C + INF + IF) * 100
    corrected error rate   = IF / (C + INF + IF) * 100
    uncorrected error rate = INF / (C + INF + IF) * 100

Word prediction: a suggestion selected from the row is ONE keystroke that enters
several characters (the rest of the word and a space). The input stream keeps those
characters between the marks "\x02" and "\x03" (keyboard.text.WORD_OPEN/WORD_CLOSE):
they count as characters entered for the error classification (IF, C), and the group
counts as one keystroke for KSPC, which can then fall below 1:

    keystrokes             = characters of IS outside the marks + number of marked groups
    KSPC                   = keystrokes / |T|            (|IS| / |T| without suggestions)
    keystroke savings KS   = 1 - keystrokes / |T|        (0 without suggestions and errors)

Rates are returned in percent. A metric that is undefined for a trial (WPM of a
one-character text, KSPC of an empty one) is None rather than a made-up number.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

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
    if_: int  # incorrect, fixed
    f: int  # fixes (backspaces)

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


def error_counts(presented: str, transcribed: str, input_stream: str) -> ErrorCounts:
    """C, INF, IF and F from P, T and the input stream (IF = |IS| - |T| - F: the
    characters entered and later erased, whether they were wrong or not, as in the
    2003 paper; Wobbrock and Myers 2006 refine this character by character)."""
    input_stream = entered_chars(input_stream)
    f = input_stream.count(BACKSPACE_CHAR)
    entered = len(input_stream) - f
    d = msd(presented, transcribed)
    return ErrorCounts(c=max(len(presented), len(transcribed)) - d, inf=d,
                       if_=max(entered - len(transcribed), 0), f=f)


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
    kspc: float | None
    counts: ErrorCounts
    mean_selection_s: float | None

    @property
    def keystroke_savings(self) -> float | None:
        """1 - keystrokes / |T| (a fraction; a selected suggestion is one keystroke)."""
        return keystroke_savings(self.input_stream, self.transcribed)

    @property
    def backspaces(self) -> int:
        return self.counts.f

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
                  entry_times_s: Sequence[float]) -> TrialMetrics:
    """Metrics of one trial. `entry_times_s` are the times (s) of the trial's entries:
    every selection except the done key that ends the trial, in order. S runs from
    the first to the last of them; the mean time per selection is S / (n - 1)."""
    times = list(entry_times_s)
    t0 = times[0] if times else None
    t1 = times[-1] if times else None
    mean_sel = (t1 - t0) / (len(times) - 1) if len(times) >= 2 else None
    return TrialMetrics(
        presented=presented, transcribed=transcribed, input_stream=input_stream,
        t_first_s=t0, t_last_s=t1, n_selections=len(times),
        wpm=wpm(transcribed, t0, t1), msd=msd(presented, transcribed),
        msd_error_rate=msd_error_rate(presented, transcribed), kspc=kspc(input_stream, transcribed),
        counts=error_counts(presented, transcribed, input_stream), mean_selection_s=mean_sel)


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
