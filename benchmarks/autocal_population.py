"""Population benchmark of the autocalibration: many independently simulated typists.

Each person (`gazetype.sim.population.draw_people`: undershoot 0-12 % with and
without corrective saccades, no glances / glances at the letter / at the word,
proofreading with or without regressions, 30-1200 Hz, noise 0.1-0.5 deg, offsets
0-3 deg in every direction, constant, drifting, jumping or none, one-line phrases
and multi-line messages) types for `--duration` s on the real headless keyboard
(`gazetype.sim.plain_typist`), closed loop: the pipeline applies the calibrator's
published estimate. Every person is run again with NO offset to measure the
largest false correction. These people are written apart from the project's own
simulator (`sim.gaze`, `sim.person`, `sim.typists`, `sim.reader`).

Figures per calibrator, as median, p90 and worst over people:
- final error |estimate - true offset| (px, deg) at the end of the session;
- mean tracking error over the session (deg);
- time until the error stays within 0.5 deg (s; "never" if it is not within at the end);
- false correction: max over the no-offset session of |published estimate| (deg).
Then breakdowns by group. Goals: no false correction above 0.25 deg for any
person; final error within 0.5 deg for p90 of the people and within 1 deg for all.

    python benchmarks/autocal_population.py --people 60 --seed 0 --duration 150 \
        --calibrator autocal,none --jobs 2 [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import sys
import time
from dataclasses import asdict

from gazetype.calibration import make_calibrator
from gazetype.calibration.base import NullCalibrator
from gazetype.calibration.naive import NaiveCalibrator
from gazetype.sim.plain_typist import run_person
from gazetype.sim.population import PersonSpec, draw_people, zero_offset
from gazetype.tracker.screen import Screen

CALIBRATORS = {
    "autocal": lambda scr: make_calibrator(scr, True),
    "naive": lambda scr: NaiveCalibrator(scr),
    "none": lambda scr: NullCalibrator(),
}
GOAL_FALSE_DEG = 0.25
GOAL_P90_FINAL_DEG = 0.5
GOAL_ALL_FINAL_DEG = 1.0
SETTLE_DEG = 0.5


def run_one(job: tuple[str, PersonSpec, float]) -> dict:
    name, spec, duration = job
    scr = Screen()
    ppd = scr.px_per_deg
    t0 = time.perf_counter()
    tr = run_person(spec, CALIBRATORS[name](scr), duration, scr)
    if name == "none":
        false_deg = 0.0  # never publishes anything
    elif not spec.has_offset:
        false_deg = tr.max_published_px / ppd
    else:
        false_deg = run_person(zero_offset(spec), CALIBRATORS[name](scr), duration, scr).max_published_px / ppd
    return {
        "seed": spec.seed,
        "final_px": tr.final_err_px,
        "final_deg": tr.final_err_px / ppd,
        "mean_deg": tr.mean_err_px / ppd,
        "settle_s": tr.settle_s(SETTLE_DEG * ppd),
        "false_deg": false_deg,
        "true_final_deg": math.hypot(*tr.true_px[-1]) / ppd if tr.true_px else 0.0,
        "chars": len(tr.text),
        "wrong_selections": tr.wrong_selections,
        "stuck_keys": tr.stuck_keys,
        "messages": tr.messages_done,
        "output_s": tr.output_s,
        "wall_s": time.perf_counter() - t0,
        "groups": groups(spec),
    }


def groups(spec: PersonSpec) -> dict[str, str]:
    r = spec.rate_hz
    return {
        "undershoot": "0" if spec.undershoot_frac == 0 else ">0",
        "corrective": "yes" if spec.corrective else "no",
        "glance": spec.glance_target if spec.glance_target == "none" else f"{spec.glance_target}/{spec.glance_when}",
        "proofread": ("with regressions" if spec.regression_p > 0 else "no regressions") if spec.proofread else "no",
        "rate": "<=60 Hz" if r <= 60 else "120-300 Hz" if r <= 300 else ">=500 Hz",
        "multiline": "yes" if spec.multiline else "no",
        "offset": spec.offset_kind,
        "looks at output": "yes" if spec.looks_at_output else "never",
    }


def pct(v: list[float], q: float) -> float:
    """The q-quantile (nearest rank; inf allowed)."""
    if not v:
        return math.nan
    s = sorted(v)
    i = min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))
    return s[i]


def fmt(x: float, nd: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if math.isinf(x):
        return "never"
    return f"{x:.{nd}f}"


def summary(rows: list[dict]) -> dict:
    out = {}
    for key in ("final_px", "final_deg", "mean_deg", "settle_s", "false_deg"):
        v = [r[key] for r in rows]
        out[key] = {"median": pct(v, 0.5), "p90": pct(v, 0.9), "worst": max(v)}
    out["goals"] = {
        f"false correction <= {GOAL_FALSE_DEG} deg for all": out["false_deg"]["worst"] <= GOAL_FALSE_DEG,
        f"final error <= {GOAL_P90_FINAL_DEG} deg for p90": out["final_deg"]["p90"] <= GOAL_P90_FINAL_DEG,
        f"final error <= {GOAL_ALL_FINAL_DEG} deg for all": out["final_deg"]["worst"] <= GOAL_ALL_FINAL_DEG,
    }
    looking = [r["final_deg"] for r in rows if r["groups"]["looks at output"] == "yes"]
    out["final_deg_looking"] = {"n": len(looking), "median": pct(looking, 0.5), "p90": pct(looking, 0.9),
                                "worst": max(looking, default=math.nan)}
    out["n"] = len(rows)
    out["false_over_goal"] = sum(r["false_deg"] > GOAL_FALSE_DEG for r in rows)
    out["final_over_1deg"] = sum(r["final_deg"] > GOAL_ALL_FINAL_DEG for r in rows)
    return out


def print_table(name: str, rows: list[dict], wall_s: float) -> None:
    s = summary(rows)
    print(f"\n## calibrator: {name}  ({len(rows)} people, {wall_s:.0f} s wall)\n")
    print("| figure | median | p90 | worst | goal |")
    print("|---|---|---|---|---|")
    g = s["goals"]
    gl = list(g.items())
    print(f"| final error, px | {fmt(s['final_px']['median'], 1)} | {fmt(s['final_px']['p90'], 1)} | "
          f"{fmt(s['final_px']['worst'], 1)} | |")
    print(f"| final error, deg | {fmt(s['final_deg']['median'])} | {fmt(s['final_deg']['p90'])} | "
          f"{fmt(s['final_deg']['worst'])} | p90 <= {GOAL_P90_FINAL_DEG}: {'MET' if gl[1][1] else 'MISSED'}; "
          f"all <= {GOAL_ALL_FINAL_DEG}: {'MET' if gl[2][1] else 'MISSED'} ({s['final_over_1deg']} over) |")
    print(f"| mean tracking error, deg | {fmt(s['mean_deg']['median'])} | {fmt(s['mean_deg']['p90'])} | "
          f"{fmt(s['mean_deg']['worst'])} | |")
    print(f"| time until within {SETTLE_DEG} deg for good, s | {fmt(s['settle_s']['median'], 1)} | "
          f"{fmt(s['settle_s']['p90'], 1)} | {fmt(s['settle_s']['worst'], 1)} | |")
    print(f"| false correction (no offset), deg | {fmt(s['false_deg']['median'])} | {fmt(s['false_deg']['p90'])} | "
          f"{fmt(s['false_deg']['worst'])} | all <= {GOAL_FALSE_DEG}: {'MET' if gl[0][1] else 'MISSED'} "
          f"({s['false_over_goal']} over) |")
    lk = s["final_deg_looking"]
    print(f"| final error, deg, the {lk['n']} who look at the output | {fmt(lk['median'])} | {fmt(lk['p90'])} | "
          f"{fmt(lk['worst'])} | (people who never look give no evidence) |")
    chars = [r["chars"] for r in rows]
    print(f"\ntyped: median {pct(chars, 0.5):.0f} characters a person (min {min(chars)}); "
          f"wrong selections median {pct([r['wrong_selections'] for r in rows], 0.5)}, "
          f"keys given up {sum(r['stuck_keys'] for r in rows)} in all")
    print("\nby group (final error deg: median / p90 / worst; false correction deg: median / worst):\n")
    print("| group | value | n | final median | final p90 | final worst | false median | false worst |")
    print("|---|---|---|---|---|---|---|---|")
    keys = list(rows[0]["groups"]) if rows else []
    for k in keys:
        for val in sorted({r["groups"][k] for r in rows}):
            sub = [r for r in rows if r["groups"][k] == val]
            f = [r["final_deg"] for r in sub]
            z = [r["false_deg"] for r in sub]
            print(f"| {k} | {val} | {len(sub)} | {fmt(pct(f, 0.5))} | {fmt(pct(f, 0.9))} | {fmt(max(f))} | "
                  f"{fmt(pct(z, 0.5))} | {fmt(max(z))} |")
    worst = sorted(rows, key=lambda r: -r["false_deg"])[:5]
    print("\nlargest false corrections (seed: deg): " + ", ".join(f"{r['seed']}: {r['false_deg']:.2f}" for r in worst))
    worst = sorted(rows, key=lambda r: -r["final_deg"])[:5]
    print("largest final errors (seed: deg, true offset deg): "
          + ", ".join(f"{r['seed']}: {r['final_deg']:.2f} ({r['true_final_deg']:.2f})" for r in worst))


def _finite(x):
    """JSON has no infinity: "never" settles become null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--duration", type=float, default=150.0, help="seconds of typing per person")
    ap.add_argument("--calibrator", default="autocal",
                    help="autocal|naive|none, or several separated by commas")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", metavar="FILE", help="write every person's figures and the summaries here ('-': stdout)")
    a = ap.parse_args(argv)
    names = [n.strip() for n in a.calibrator.split(",") if n.strip()]
    for n in names:
        if n not in CALIBRATORS:
            ap.error(f"unknown calibrator {n!r}; one of {', '.join(CALIBRATORS)}")
    people = draw_people(a.people, a.seed, Screen(), a.duration)
    print(f"# autocalibration, population benchmark: {a.people} people, seed {a.seed}, {a.duration:g} s each")
    print(f"goals: no false correction above {GOAL_FALSE_DEG} deg for any person; final error within "
          f"{GOAL_P90_FINAL_DEG} deg for p90 of people and within {GOAL_ALL_FINAL_DEG} deg for all")
    result = {"people": [asdict(p) for p in people], "args": vars(a), "calibrators": {}}
    ok = True
    for name in names:
        jobs = [(name, p, a.duration) for p in people]
        t0 = time.perf_counter()
        if a.jobs > 1:
            with multiprocessing.get_context("spawn").Pool(a.jobs) as pool:
                rows = pool.map(run_one, jobs, chunksize=1)
        else:
            rows = [run_one(j) for j in jobs]
        wall = time.perf_counter() - t0
        print_table(name, rows, wall)
        s = summary(rows)
        ok &= all(s["goals"].values())
        result["calibrators"][name] = {"summary": s, "rows": rows, "wall_s": wall}
        sys.stdout.flush()
    if a.json:
        text = json.dumps(_finite(result), indent=1)
        if a.json == "-":
            print(text)
        else:
            with open(a.json, "w") as f:
                f.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
