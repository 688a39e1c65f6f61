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
        keys = store.key_times(r.trial_id, r.attempt)
        m = None
        if r.status == "done":
            entries = [t for t, k in keys if k != DONE]
            m = trial_metrics(r.target, r.transcribed or "", r.input_stream or "", entries)
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
    measure: str
    a: str
    b: str
    n: int
    mean_diff: float | None  # mean of (a - b)
    statistic: float | None
    p: float | None
    p_holm: float | None = None
    note: str = ""


def paired_tests(cellmap: dict[tuple[str, str], Cell], conditions: list[str], measures: list[str]) -> list[PairedTest]:
    """Wilcoxon signed-rank tests on participant means for every pair of conditions,
    per measure, with Holm's correction within each measure. Needs >= 2 participants
    with both conditions; zero differences are dropped (Wilcoxon's method)."""
    from scipy import stats

    participants = sorted({p for p, _ in cellmap})
    out: list[PairedTest] = []
    for measure in measures:
        tests = []
        for a, b in itertools.combinations(conditions, 2):
            pairs = [(cellmap[(p, a)].mean(measure), cellmap[(p, b)].mean(measure)) for p in participants
                     if (p, a) in cellmap and (p, b) in cellmap]
            pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
            n = len(pairs)
            diffs = [x - y for x, y in pairs]
            md = sum(diffs) / n if n else None
            if n < 2:
                tests.append(PairedTest(measure, a, b, n, md, None, None, note="fewer than 2 participants"))
                continue
            if all(d == 0 for d in diffs):
                tests.append(PairedTest(measure, a, b, n, md, None, None, note="no differences"))
                continue
            res = stats.wilcoxon([x for x, _ in pairs], [y for _, y in pairs])
            note = "" if n >= 6 else "n < 6: p cannot reach 0.05"
            tests.append(PairedTest(measure, a, b, n, md, float(res.statistic), float(res.pvalue), note=note))
        _holm(tests)
        out.extend(tests)
    return out


def _holm(tests: list[PairedTest]) -> None:
    ps = sorted((t.p, i) for i, t in enumerate(tests) if t.p is not None)
    m = len(ps)
    running = 0.0
    for k, (p, i) in enumerate(ps):
        running = max(running, min(1.0, (m - k) * p))
        tests[i].p_holm = running


def friedman(cellmap: dict[tuple[str, str], Cell], conditions: list[str], measure: str):
    """Friedman's test over >= 3 conditions for participants with all of them:
    (chi2, p, n) or None."""
    from scipy import stats

    if len(conditions) < 3:
        return None
    participants = sorted({p for p, _ in cellmap})
    rows = []
    for p in participants:
        vals = [cellmap[(p, c)].mean(measure) if (p, c) in cellmap else None for c in conditions]
        if all(v is not None for v in vals):
            rows.append(vals)
    if len(rows) < 2:
        return None
    cols = list(zip(*rows))
    if all(len(set(r)) == 1 for r in rows):
        return None
    res = stats.friedmanchisquare(*cols)
    if not math.isfinite(res.statistic):
        return None
    return float(res.statistic), float(res.pvalue), len(rows)
