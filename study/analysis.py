"""Reading a study back: per-trial metrics, per participant-and-condition summaries,
offset traces and paired tests. Shared by `study export` and `study report`."""
from __future__ import annotations

import itertools
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, TextIO

from gazetype.keyboard.layout import DONE
from gazetype.study import stats as st
from gazetype.study.db import TLX_SCALES, StudyStore
from gazetype.study.metrics import TrialMetrics, mean_sd, trial_metrics


class Progress:
    """"label i/n" on stderr, at most every `every_s` seconds, for long exports and reports."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, every_s: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.total = label, total
        self.stream = stream if stream is not None else sys.stderr
        self.every_s = every_s
        self.clock = clock
        self._last = clock()
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.shown = False

    def update(self, i: int) -> None:
        now = self.clock()
        if now - self._last >= self.every_s:
            self._last = now
            self.shown = True
            end = "\r" if self._tty else "\n"
            print(f"{self.label} {i}/{self.total}", end=end, file=self.stream, flush=True)

    def done(self) -> None:
        if self.shown:
            print(f"{self.label} {self.total}/{self.total}", file=self.stream, flush=True)


@dataclass
class TrialResult:
    participant: str
    participant_index: int
    trial_id: int
    session_id: int | None
    condition: str
    condition_id: int
    condition_pos: int  # 0-based
    trial_pos: int  # 0-based
    practice: bool
    status: str
    attempt: int
    target: str
    offset_spec: str
    autocal: bool
    done_t_s: float | None
    keystrokes: int  # selections in the counted attempt, the done key included
    metrics: TrialMetrics | None  # None for unfinished trials


def trial_results(store: StudyStore, progress: Progress | None = None) -> list[TrialResult]:
    """Every planned trial, in participant / condition / trial order, with metrics for
    the finished ones (from the keystrokes of the last attempt)."""
    rows = store.analysis_trials()
    if progress is not None:
        progress.total = len(rows)
    out = []
    for i, r in enumerate(rows):
        keys = store.key_entries(r.trial_id, r.attempt)
        m = None
        if r.status == "done":
            entries = [(t, k, text or "") for t, k, text in keys if k != DONE]
            m = trial_metrics(r.target, r.transcribed or "", r.input_stream or "", [t for t, _, _ in entries],
                              keys=[(k, text) for _, k, text in entries])
        out.append(TrialResult(r.participant, r.participant_index, r.trial_id, r.session_id, r.condition,
                               r.condition_id, r.condition_pos, r.trial_pos, bool(r.practice), r.status, r.attempt,
                               r.target, r.offset_spec, bool(r.autocal), r.done_t_s, len(keys), m))
        if progress is not None:
            progress.update(i + 1)
    if progress is not None:
        progress.done()
    return out


# Figures summarised per participant and condition: (name, label, getter).
MEASURES: list[tuple[str, str, Callable[[TrialMetrics], float | None]]] = [
    ("wpm", "WPM", lambda m: m.wpm),
    ("total_error_rate", "total ER %", lambda m: m.total_error_rate),
    ("uncorrected_error_rate", "uncorrected ER %", lambda m: m.uncorrected_error_rate),
    ("corrected_error_rate", "corrected ER %", lambda m: m.corrected_error_rate),
    ("msd_error_rate", "MSD ER %", lambda m: m.msd_error_rate),
    ("kspc", "KSPC", lambda m: m.kspc),
    ("kspc_2003", "KSPC (2003)", lambda m: m.kspc_2003),
    ("backspaces", "backspaces", lambda m: float(m.backspaces)),
    ("mean_selection_s", "s / selection", lambda m: m.mean_selection_s),
]


@dataclass
class Cell:
    """One participant in one condition: measured (non-practice) trials summarised."""

    participant: str
    condition: str
    n_trials: int
    stats: dict[str, tuple[float | None, float | None, int]] = field(default_factory=dict)  # mean, sd, n
    tlx: dict[str, float] = field(default_factory=dict)

    def mean(self, measure: str) -> float | None:
        return self.stats.get(measure, (None, None, 0))[0]

    @property
    def tlx_raw(self) -> float | None:
        """Raw TLX: the unweighted mean of the six scales."""
        return sum(self.tlx[k] for k in TLX_SCALES) / len(TLX_SCALES) if all(k in self.tlx for k in TLX_SCALES) else None


def cells(store: StudyStore, results: list[TrialResult]) -> dict[tuple[str, str], Cell]:
    """(participant, condition) -> Cell, over finished, non-practice trials."""
    out: dict[tuple[str, str], Cell] = {}
    cond_ids: dict[tuple[str, str], int] = {}
    for r in results:
        cond_ids[(r.participant, r.condition)] = r.condition_id
    for key, group in itertools.groupby(results, key=lambda r: (r.participant, r.condition)):
        ms = [r.metrics for r in group if r.metrics is not None and not r.practice]
        cell = Cell(key[0], key[1], len(ms))
        for name, _, get in MEASURES:
            cell.stats[name] = mean_sd(get(m) for m in ms)
        cell.tlx = store.tlx(cond_ids[key])
        out[key] = cell
    return out


def condition_names(results: list[TrialResult]) -> list[str]:
    """Conditions in the order of the design's default, then first appearance."""
    from gazetype.study.design import DEFAULT_CONDITIONS
    seen = list(dict.fromkeys(r.condition for r in results))
    return [c for c in DEFAULT_CONDITIONS if c in seen] + [c for c in seen if c not in DEFAULT_CONDITIONS]


@dataclass
class OffsetTrace:
    participant: str
    condition: str
    session_id: int
    t_rel_s: list[float]  # seconds from the condition's start in that session
    estimate: list[tuple[float, float]]  # px
    induced: list[tuple[float, float]]  # px

    @property
    def error_px(self) -> list[float]:
        return [math.hypot(e[0] - i[0], e[1] - i[1]) for e, i in zip(self.estimate, self.induced)]


def offset_traces(store: StudyStore) -> list[OffsetTrace]:
    """Autocalibration estimates against the induced offset, per participant, condition
    and session, timed from the condition's start in that session."""
    starts = store.condition_starts()
    out = []
    for code, cid, cname in store.all_conditions():
        rows = store.calibration_updates(cid)
        for sid, grp in itertools.groupby(rows, key=lambda r: r[5]):
            grp = list(grp)
            t0 = starts.get((sid, cid), grp[0][0])
            out.append(OffsetTrace(code, cname, sid, [r[0] - t0 for r in grp],
                                   [(r[1], r[2]) for r in grp], [(r[3], r[4]) for r in grp]))
    return out


@dataclass
class PairedTest:
    """One Wilcoxon signed-rank test of a measure between conditions a and b, on
    participant means (difference = a - b, in the measure's unit)."""

    measure: str
    a: str
    b: str
    n: int  # participants with both conditions
    mean_diff: float | None  # mean of (a - b)
    statistic: float | None  # W = min(T+, T-)
    p: float | None  # exact two-sided p (zeros dropped), None if untestable
    p_holm: float | None = None  # Holm over the condition pairs of this measure (untestable pairs counted)
    note: str = ""
    m: int = 0  # non-zero differences (the ones ranked)
    method: str = ""  # "exact" or "normal approximation"
    r: float | None = None  # matched-pairs rank-biserial correlation, positive when a > b
    r_ci: tuple[float, float] | None = None  # bootstrap percentile CI of r
    diff_ci: tuple[float, float] | None = None  # bootstrap percentile CI of mean_diff
    ratio: float | None = None  # mean(a) / mean(b) (reported for WPM)
    ratio_ci: tuple[float, float] | None = None
    p_holm_all: float | None = None  # Holm over every pair of every measure tested together
    family: int = 0  # size of the Holm family of p_holm


RATIO_MEASURES = ("wpm",)


def _pairs(cellmap: dict[tuple[str, str], Cell], participants: list[str], a: str, b: str,
           measure: str) -> list[tuple[float, float]]:
    """(mean in a, mean in b) of each participant with both."""
    pairs = [(cellmap[(p, a)].mean(measure), cellmap[(p, b)].mean(measure)) for p in participants
             if (p, a) in cellmap and (p, b) in cellmap]
    return [(x, y) for x, y in pairs if x is not None and y is not None]


def paired_test(measure: str, a: str, b: str, pairs: list[tuple[float, float]], family: int) -> PairedTest:
    """Exact Wilcoxon signed-rank test of a - b with effect size and bootstrap CIs;
    `family` is the number of pairs Holm will correct over (for the note)."""
    n = len(pairs)
    diffs = [x - y for x, y in pairs]
    md = sum(diffs) / n if n else None
    if n < 2:
        return PairedTest(measure, a, b, n, md, None, None, note="fewer than 2 participants: not tested",
                          family=family)
    sr = st.wilcoxon_signed_rank(diffs)
    t = PairedTest(measure, a, b, n, md, None, None, m=sr.m, method=sr.method, family=family,
                   diff_ci=st.bootstrap_mean_ci(diffs))
    if measure in RATIO_MEASURES:
        ma, mb = sum(x for x, _ in pairs) / n, sum(y for _, y in pairs) / n
        t.ratio = ma / mb if mb else None
        t.ratio_ci = st.bootstrap_ratio_ci([x for x, _ in pairs], [y for _, y in pairs])
    if sr.p is None:
        t.note = "no non-zero differences: not tested"
        return t
    t.statistic, t.p, t.r, t.r_ci = sr.statistic, sr.p, sr.r, st.bootstrap_r_ci(diffs)
    t.note = _floor_note(sr.m, family)
    return t


def _floor_note(m: int, family: int) -> str:
    """Says when m non-zero differences cannot give p < 0.05, before or after Holm."""
    floor = st.min_signed_rank_p(m)
    if floor >= 0.05:
        return f"{m} non-zero difference(s): p cannot be below {floor:.3g}"
    holm_floor = min(1.0, family * floor)
    if family > 1 and holm_floor >= 0.05:
        return f"{m} non-zero differences: after Holm over {family} pairs p cannot be below {holm_floor:.3g}"
    return ""


def paired_tests(cellmap: dict[tuple[str, str], Cell], conditions: list[str], measures: list[str]) -> list[PairedTest]:
    """Exact Wilcoxon signed-rank tests on participant means for every pair of
    conditions, per measure. Holm's correction within each measure over all its
    condition pairs (`p_holm`; a pair that cannot be tested still counts in the
    family), and over every pair of every measure given (`p_holm_all`)."""
    participants = sorted({p for p, _ in cellmap})
    out: list[PairedTest] = []
    combos = list(itertools.combinations(conditions, 2))
    for measure in measures:
        tests = [paired_test(measure, a, b, _pairs(cellmap, participants, a, b, measure), len(combos))
                 for a, b in combos]
        for t, ph in zip(tests, st.holm([t.p for t in tests])):
            t.p_holm = ph
        out.extend(tests)
    for t, ph in zip(out, st.holm([t.p for t in out])):
        t.p_holm_all = ph
    return out


def friedman_rows(cellmap: dict[tuple[str, str], Cell], conditions: list[str], measure: str) -> list[list[float]]:
    """Participant means of `measure` (rows) in each condition (columns), for the
    participants with all of them."""
    rows = []
    for p in sorted({p for p, _ in cellmap}):
        vals = [cellmap[(p, c)].mean(measure) if (p, c) in cellmap else None for c in conditions]
        if all(v is not None for v in vals):
            rows.append(vals)
    return rows


def friedman(cellmap: dict[tuple[str, str], Cell], conditions: list[str], measure: str):
    """Friedman's test over >= 3 conditions for participants with all of them, p
    exact (permutation) or seeded Monte Carlo (`FriedmanResult.method` says which),
    with Kendall's W: (FriedmanResult, bootstrap CI of W) or None when undefined."""
    if len(conditions) < 3:
        return None
    rows = friedman_rows(cellmap, conditions, measure)
    res = st.friedman_test(rows) if len(rows) >= 2 else None
    if res is None:
        return None
    return res, st.bootstrap_w_ci(rows)
