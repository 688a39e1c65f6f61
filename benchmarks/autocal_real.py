"""Online autocalibration on real paragraph reading: the jwcarr/drift trials.

Data: Carr, Pescuma, Furlan, Ktori & Crepaldi (2022), Algorithms for the automated correction of
vertical drift in eye-tracking data, Behavior Research Methods 54:287-310, CC BY 4.0 (see
benchmarks/drift_recordings.py and the data's README.md). 48 trials (24 adults, 24 children),
12 Italian passages of 10-13 lines, 64 px between lines, 35.5 px per degree.

Each case is one trial with an injected offset (x: 0, +-40 px; y: 0, +-32, +-64, +-96, +-128 px,
i.e. up to two lines) on top of the trial's natural vertical drift: 48 x 3 x 9 = 1296 cases. The
trial is written as a v1 recording (drift_recordings.trial_recording, 120 Hz by default) and
replayed headless through the installed package's pipeline with the autocalibration
(gazetype.pipeline.replay.replay(path, autocal=True)). Replay is open loop by construction: the
recorded gaze does not react to the correction and the calibrator sees the reported samples, so
there is no separate closed-loop run.

Truth: natural + injected offset. The natural y offset is the median over the trial's
non-discarded fixations of recorded minus gold y; the natural x offset (the gold standard
corrects y only) is the shift that puts the fixations, on their gold lines, inside their words'
boxes (drift_recordings). Errors are those of the last published estimate (zero correction when
nothing was published).

Methods on the same cases:
- autocal: the current AutoCalibrator (online, via replay);
- naive: median over all the trial's fixations (as written, offset included) of fixation minus
  the nearest word centre, x and y separately (offline, all fixations, no line logic);
- none: no correction (error = the true offset).

Reported per method and age group: final 2D error median, p90, worst (px and deg), share within
0.5 deg, cases more than half a line (32 px) off in y ("wrong line"), of them those whose true
offset is under half a line in y, cases with no estimate, time to the first estimate and time
until the applied correction stays within 0.5 deg (s of data; "never" counted apart).

Goals: within 0.5 deg for p90 of cases; never a wrong line when the offset (natural plus
injected) is under half a line.

    python -m benchmarks.autocal_real [--jobs 2] [--limit N] [--rate 120] [--json out.json]
    (from the repository root; or python benchmarks/autocal_real.py ...)
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from gazetype.pipeline.replay import replay

if __package__:
    from benchmarks import drift_recordings as dr
else:  # run as a script: benchmarks/ itself is on sys.path
    import drift_recordings as dr  # type: ignore[no-redef]

Y_INJECT = (0.0, 32.0, -32.0, 64.0, -64.0, 96.0, -96.0, 128.0, -128.0)
X_INJECT = (0.0, 40.0, -40.0)
GOAL_DEG = 0.5
HALF_LINE = dr.HALF_LINE_PX
PPD = dr.SCREEN.px_per_deg
METHODS = ("autocal", "naive", "none")


def cases(trials: dict, limit: int | None = None) -> list[tuple[str, tuple[float, float]]]:
    """All (trial id, injected offset) pairs; with `limit`, the first `limit` of an interleaved
    order (trials and offsets both vary, adults and children alternate)."""
    offs = [(dx, dy) for dy in Y_INJECT for dx in X_INJECT]
    adults = [t for t, v in trials.items() if v.age_group == "adult"]
    children = [t for t, v in trials.items() if v.age_group != "adult"]
    ids = [t for pair in zip(adults, children) for t in pair] + adults[len(children):] + children[len(adults):]
    out = []
    n = len(ids)
    for k in range(n * len(offs)):
        # walk offsets fastest but shift per round so a short run still sees varied trials
        i = k % n
        j = (k // n + i) % len(offs)
        out.append((ids[i], offs[j]))
    return out[:limit] if limit else out


def naive_offset(trial, inject) -> tuple[float, float]:
    words = [(w.cx_px, w.cy_px) for w in trial.passage.words()]
    ex, ey = [], []
    for f in trial.fixations:
        x, y = f.x + inject[0], f.y + inject[1]
        wx, wy = min(words, key=lambda w: (x - w[0]) ** 2 + (y - w[1]) ** 2)
        ex.append(x - wx)
        ey.append(y - wy)
    return statistics.median(ex), statistics.median(ey)


def _settle(estimates, truth, t0, t_end) -> tuple[float | None, float | None]:
    """(time of the first estimate, time from which the applied correction stays within
    GOAL_DEG of the truth), seconds of data from the first sample; None: never."""
    tol = GOAL_DEG * PPD
    tx, ty = truth
    first = estimates[0][0] - t0 if estimates else None
    applied = [(t0, 0.0, 0.0)] + list(estimates)
    settle = None
    for t, dx, dy in applied:
        ok = math.hypot(dx - tx, dy - ty) <= tol
        if ok and settle is None:
            settle = t - t0
        elif not ok:
            settle = None
    return first, settle


def run_case(args) -> dict:
    tid, inject, rate, noise_deg, seed = args
    trial = dr.load_trials()[tid]
    truth = dr.true_offset(trial, inject)
    with tempfile.TemporaryDirectory(prefix="autocal_real_") as d:
        p = Path(d) / f"{tid}.jsonl"
        dr.trial_recording(tid, p, rate_hz=rate, inject_px=inject, noise_deg=noise_deg, seed=seed)
        res = replay(p, autocal=True)
    est = res.final_offset or (0.0, 0.0)
    first, settle = _settle(res.offset_estimates, truth, res.t_first_s, res.t_last_s)
    out = {"trial": tid, "age_group": trial.age_group, "passage": trial.passage.id,
           "inject": list(inject), "truth": [truth[0], truth[1]],
           "duration_s": res.t_last_s - res.t_first_s, "samples": res.samples}
    nv = naive_offset(trial, inject)
    for name, e, f, s, n in (("autocal", est, first, settle, len(res.offset_estimates)),
                             ("naive", nv, None, None, None), ("none", (0.0, 0.0), None, None, None)):
        ex, ey = e[0] - truth[0], e[1] - truth[1]
        out[name] = {"estimate": [e[0], e[1]], "err_x": ex, "err_y": ey, "err": math.hypot(ex, ey),
                     "t_first_s": f, "t_within_s": s, "n_estimates": n}
    return out


def _q(v: list[float], q: float) -> float:
    v = sorted(v)
    if not v:
        return math.nan
    k = (len(v) - 1) * q
    i = int(math.floor(k))
    j = min(i + 1, len(v) - 1)
    return v[i] + (v[j] - v[i]) * (k - i)


def summarize(rows: list[dict], method: str) -> dict:
    errs = [r[method]["err"] for r in rows]
    small = [r for r in rows if abs(r["truth"][1]) < HALF_LINE]
    wrong = [r for r in rows if abs(r[method]["err_y"]) > HALF_LINE]
    wrong_small = [r for r in small if abs(r[method]["err_y"]) > HALF_LINE]
    d = {"n": len(rows), "median_px": _q(errs, 0.5), "p90_px": _q(errs, 0.9), "worst_px": max(errs),
         "within_goal": sum(e <= GOAL_DEG * PPD for e in errs) / len(errs),
         "median_abs_err_y_px": _q([abs(r[method]["err_y"]) for r in rows], 0.5),
         "wrong_line": len(wrong), "small_offset_cases": len(small), "wrong_line_small_offset": len(wrong_small),
         "wrong_line_small_offset_cases": [[r["trial"], r["inject"]] for r in wrong_small]}
    if method == "autocal":
        firsts = [r[method]["t_first_s"] for r in rows if r[method]["t_first_s"] is not None]
        within = [r[method]["t_within_s"] for r in rows if r[method]["t_within_s"] is not None]
        d.update(no_estimate=len(rows) - len(firsts),
                 t_first_median_s=_q(firsts, 0.5), t_first_p90_s=_q(firsts, 0.9),
                 t_within_median_s=_q(within, 0.5), t_within_p90_s=_q(within, 0.9),
                 never_within=len(rows) - len(within))
    return d


def _f(v, nd=1) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{nd}f}"


def table(rows: list[dict]) -> str:
    groups = [("all", rows), ("adult", [r for r in rows if r["age_group"] == "adult"]),
              ("child", [r for r in rows if r["age_group"] != "adult"])]
    hdr = (f"{'method':8} {'group':6} {'n':>5} {'median px/deg':>14} {'p90 px/deg':>13} {'worst px/deg':>14} "
           f"{'<=0.5deg':>8} {'|ey|med':>7} {'wrong line':>10} {'wrong,|ty|<32':>14} "
           f"{'no est':>6} {'t first med/p90 s':>17} {'t<=0.5deg med/p90 s':>19} {'never':>5}")
    lines = [hdr, "-" * len(hdr)]
    for m in METHODS:
        for g, rs in groups:
            if not rs:
                continue
            s = summarize(rs, m)
            auto = m == "autocal"
            lines.append(
                f"{m:8} {g:6} {s['n']:5d} {_f(s['median_px']):>7}/{_f(s['median_px'] / PPD, 2):>6} "
                f"{_f(s['p90_px']):>6}/{_f(s['p90_px'] / PPD, 2):>6} {_f(s['worst_px']):>7}/{_f(s['worst_px'] / PPD, 2):>6} "
                f"{100 * s['within_goal']:7.0f}% {_f(s['median_abs_err_y_px']):>7} {s['wrong_line']:>10d} "
                f"{s['wrong_line_small_offset']:>6d} of {s['small_offset_cases']:<4d} "
                f"{(str(s['no_estimate']) if auto else '-'):>6} "
                f"{(_f(s['t_first_median_s']) + '/' + _f(s['t_first_p90_s'])) if auto else '-':>17} "
                f"{(_f(s['t_within_median_s']) + '/' + _f(s['t_within_p90_s'])) if auto else '-':>19} "
                f"{(str(s['never_within']) if auto else '-'):>5}")
    return "\n".join(lines)


def by_injection(rows: list[dict], method: str = "autocal") -> str:
    lines = [f"{method}, by injected y offset (all x): n, median 2D error px, wrong line (|ey| > 32 px)",
             f"{'inject dy':>9} {'n':>4} {'median px':>9} {'p90 px':>7} {'wrong line':>10}"]
    for dy in sorted(set(r["inject"][1] for r in rows)):
        rs = [r for r in rows if r["inject"][1] == dy]
        e = [r[method]["err"] for r in rs]
        w = sum(abs(r[method]["err_y"]) > HALF_LINE for r in rs)
        lines.append(f"{dy:+9.0f} {len(rs):4d} {_q(e, 0.5):9.1f} {_q(e, 0.9):7.1f} {w:10d}")
    return "\n".join(lines)


def goals(rows: list[dict], method: str = "autocal") -> str:
    s = summarize(rows, method)
    p90_ok = s["p90_px"] <= GOAL_DEG * PPD
    line_ok = s["wrong_line_small_offset"] == 0
    return (f"goal 1, within {GOAL_DEG} deg ({GOAL_DEG * PPD:.1f} px) for p90 of cases: p90 = "
            f"{s['p90_px']:.1f} px = {s['p90_px'] / PPD:.2f} deg -> {'MET' if p90_ok else 'NOT MET'}\n"
            f"goal 2, never a wrong line when the true y offset is under half a line (32 px): "
            f"{s['wrong_line_small_offset']} of {s['small_offset_cases']} such cases on a wrong line -> "
            f"{'MET' if line_ok else 'NOT MET'}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--limit", type=int, default=None, help="run only the first N cases (a quick run)")
    ap.add_argument("--rate", type=float, default=120.0, help="sample rate of the recordings, Hz")
    ap.add_argument("--noise-deg", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="write every case and the summaries here")
    a = ap.parse_args(argv)
    try:
        trials = dr.load_trials()
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    todo = [(tid, inj, a.rate, a.noise_deg, a.seed) for tid, inj in cases(trials, a.limit)]
    t0 = time.perf_counter()
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as ex:
            rows = list(ex.map(run_case, todo, chunksize=4))
    else:
        rows = [run_case(c) for c in todo]
    wall = time.perf_counter() - t0
    print(f"autocalibration on real reading (jwcarr/drift, Carr et al. 2022, CC BY 4.0): {len(rows)} cases, "
          f"{a.rate:g} Hz, noise {a.noise_deg} deg, {PPD:.1f} px/deg, half a line = {HALF_LINE:.0f} px")
    print("errors: final estimate minus true offset (natural + injected; natural x: fixations on their gold lines into word boxes)")
    print(table(rows))
    print()
    print(by_injection(rows))
    print()
    print(goals(rows))
    print(f"runtime {wall:.1f} s with {a.jobs} job(s)")
    if a.json:
        summary = {m: {g: summarize(rs, m) for g, rs in (
            ("all", rows), ("adult", [r for r in rows if r["age_group"] == "adult"]),
            ("child", [r for r in rows if r["age_group"] != "adult"])) if rs} for m in METHODS}
        a.json.write_text(json.dumps({"attribution": dr.ATTRIBUTION, "rate_hz": a.rate, "noise_deg": a.noise_deg,
                                      "seed": a.seed, "px_per_deg": PPD, "runtime_s": wall,
                                      "summary": summary, "cases": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
