"""In-silico studies: simulated participants (`sim.person.SimUser`) run the
study protocol headless, into a normal study folder (same database, export and
report as people), and the per-condition means come back as one summary.

Each participant is drawn from the population of the autocalibration benchmark
(`UserParams.from_population`: saccadic undershoot 0 to 12 %, with or without
corrective saccades, landing position, glance habits, proofreading, tracker
precision), seeded from the study seed and the participant's number, so a run is
repeatable and the in-silico study does not rest on one assumed person.
"""
from __future__ import annotations

import math
import random
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from gazetype.calibration.validation import ValidationConfig
from gazetype.sim.headless import HeadlessRun
from gazetype.sim.person import UserParams
from gazetype.study.analysis import MEASURES, cells, condition_names, offset_traces, paired_tests, trial_results
from gazetype.study.db import DB_NAME, StudyStore
from gazetype.study.runner import Phase
from gazetype.study.setup import RunOptions, check_run, prepare_run
from gazetype.study.validation_report import validation_blocks
from gazetype.tracker.screen import Screen

SUMMARY_MEASURES = ("wpm", "msd_error_rate", "total_error_rate", "corrected_error_rate",
                    "uncorrected_error_rate", "kspc", "backspaces", "mean_selection_s")


@dataclass
class SimStudyConfig:
    participants: int = 6
    phrases: int = 5  # measured phrases per condition
    practice: int = 1
    seed: int = 0
    offset: str | None = None  # None: the study's default
    conditions: str | None = None  # None: all three
    dwell_s: float = 1.0
    rate_hz: float = 120.0
    params: UserParams = field(default_factory=UserParams)
    vary: float = 0.15  # between-person variation of the user parameters (lognormal SD)
    population: bool = True  # draw each person from the population's ranges (UserParams.from_population)
    validate: ValidationConfig | None = None  # validation blocks before and after each condition


@dataclass
class SimParticipant:
    code: str
    phase: str
    trials_done: int
    keys: int
    sim_s: float
    corrections: int  # re-aims after the wrong key lit up


@dataclass
class SimStudyResult:
    study_dir: str | None  # None once a temporary study is gone
    participants: list[SimParticipant]
    conditions: dict[str, dict[str, float | None]]  # condition -> measure -> mean over participants
    sd: dict[str, dict[str, float | None]]  # condition -> measure -> SD over participants
    autocal_error_deg: dict[str, float | None]  # condition -> mean |estimate - induced| (deg)
    tests: list[dict]
    wall_s: float = 0.0
    # condition -> mean |estimate - measured| (deg) at the end blocks of --validate (None: none)
    validation_error_deg: dict[str, float | None] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"study": self.study_dir, "conditions": self.conditions, "sd": self.sd,
                "autocal_error_deg": self.autocal_error_deg, "validation_error_deg": self.validation_error_deg,
                "participants": [asdict(p) for p in self.participants], "paired_tests": self.tests,
                "wall_s": round(self.wall_s, 2)}


def _free_codes(study_dir: str, n: int) -> list[str]:
    """The next n participant codes S01, S02, ... not yet in the study (never reuse one)."""
    taken: set[str] = set()
    if (Path(study_dir) / DB_NAME).exists():
        with StudyStore.open(study_dir) as store:
            taken = {p.code for p in store.participants()}
    out, k = [], 1
    while len(out) < n:
        code = f"S{k:02d}"
        if code not in taken:
            out.append(code)
        k += 1
    return out


def run_simulated_study(study_dir: str, cfg: SimStudyConfig, *, now_utc: str, app_version: str = "",
                        screen: Screen | None = None, on_participant: Callable[[SimParticipant], None] | None = None,
                        calibrator_factory=None) -> SimStudyResult:
    """Run `cfg.participants` new simulated participants into `study_dir` and summarise them."""
    wall0 = time.monotonic()
    screen = screen or Screen()
    codes = _free_codes(study_dir, cfg.participants)

    def options(code: str, seed: int, params: UserParams) -> RunOptions:
        return RunOptions(study_dir, code, tracker="sim", conditions=cfg.conditions, n_phrases=cfg.phrases,
                          n_practice=cfg.practice, offset=cfg.offset, dwell_s=cfg.dwell_s, validate=cfg.validate,
                          extra={"simulated": True, "seed": seed, "user": asdict(params)})
    check_run(options(codes[0], 0, cfg.params), screen)  # bad input ends here, before anything is written
    done: list[SimParticipant] = []
    for i, code in enumerate(codes):
        seed = cfg.seed * 1000 + i
        rng = random.Random(seed)
        if cfg.population:
            params = cfg.params.from_population(rng)
        else:
            params = cfg.params.varied(rng, cfg.vary) if cfg.vary else cfg.params
        opts = options(code, seed, params)
        ctx = prepare_run(opts, screen=screen, sample_rate_hz=cfg.rate_hz, now_utc=now_utc, app_version=app_version)
        try:
            kw = {"calibrator_factory": calibrator_factory} if calibrator_factory is not None else {}
            hr = HeadlessRun(ctx, screen=screen, dwell_s=cfg.dwell_s, seed=seed, rate_hz=cfg.rate_hz,
                             params=params, validate=cfg.validate, **kw)
            res = hr.run()
            hr.runner.close(now_utc)
        finally:
            ctx.close()
        sp = SimParticipant(code, res.phase.value, res.trials_done, res.keys, round(res.sim_s, 1), hr.user.corrections)
        done.append(sp)
        if on_participant is not None:
            on_participant(sp)
    result = summarise(study_dir, [p.code for p in done], screen)
    result.participants = done
    result.wall_s = time.monotonic() - wall0
    if any(p.phase != Phase.FINISHED.value for p in done):
        bad = ", ".join(p.code for p in done if p.phase != Phase.FINISHED.value)
        raise RuntimeError(f"simulated participant(s) {bad} did not finish")  # a bug, not bad input
    return result


def summarise(study_dir: str, codes: list[str], screen: Screen | None = None) -> SimStudyResult:
    """Means and SDs over the given participants of their per-condition means."""
    ppd = (screen or Screen()).px_per_deg
    keep = set(codes)
    with StudyStore.open(study_dir) as store, store.reading():
        results = [r for r in trial_results(store) if r.participant in keep]
        cellmap = cells(store, results)
        traces = [tr for tr in offset_traces(store) if tr.participant in keep]
        blocks = [b for b in validation_blocks(store) if b.row.participant in keep]
    conds = condition_names(results)
    means: dict[str, dict[str, float | None]] = {}
    sds: dict[str, dict[str, float | None]] = {}
    for c in conds:
        means[c], sds[c] = {}, {}
        for m in SUMMARY_MEASURES:
            v = [cell.mean(m) for (p, cc), cell in cellmap.items() if cc == c and cell.mean(m) is not None]
            means[c][m] = round(statistics.fmean(v), 4) if v else None
            sds[c][m] = round(statistics.stdev(v), 4) if len(v) > 1 else None
    autocal: dict[str, float | None] = {}
    for c in conds:
        errs = [e for tr in traces if tr.condition == c for e in tr.error_px]
        autocal[c] = round(statistics.fmean(errs) / ppd, 3) if errs else None
    tests = []
    if len(keep) >= 2 and len(conds) >= 2:
        for t in paired_tests(cellmap, conds, ["wpm", "total_error_rate"]):
            tests.append({"measure": t.measure, "a": t.a, "b": t.b, "n": t.n, "mean_diff": t.mean_diff,
                          "p": t.p, "p_holm": t.p_holm})
    val: dict[str, float | None] = {}
    if blocks:
        for c in conds:
            errs = [b.estimate_error_deg for b in blocks if b.row.condition == c and b.estimate_error_deg is not None]
            val[c] = round(statistics.fmean(errs), 3) if errs else None
    return SimStudyResult(study_dir, [], means, sds, autocal, tests, validation_error_deg=val)


def format_table(res: SimStudyResult) -> str:
    """The summary as a text table (mean ± SD over participants)."""
    labels = dict((n, lab) for n, lab, _ in MEASURES)
    conds = list(res.conditions)
    rows = [["measure"] + conds]
    for m in SUMMARY_MEASURES:
        row = [labels.get(m, m)]
        for c in conds:
            mu, sd = res.conditions[c].get(m), res.sd[c].get(m)
            row.append("-" if mu is None else (f"{mu:.2f}" if sd is None else f"{mu:.2f} ± {sd:.2f}"))
        rows.append(row)
    row = ["autocal error (deg)"]
    for c in conds:
        v = res.autocal_error_deg.get(c)
        row.append("-" if v is None or not math.isfinite(v) else f"{v:.2f}")
    rows.append(row)
    if res.validation_error_deg:
        rows.append(["autocal vs validation"] + ["-" if res.validation_error_deg.get(c) is None
                                               else f"{res.validation_error_deg[c]:.2f}" for c in conds])
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w[i]) for i, cell in enumerate(r)) for r in rows)
