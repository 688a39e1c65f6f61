"""Autocalibration benchmark: closed-loop simulated sessions, several seeds.

For each scenario and seed, a simulated person types (or reads) against the live
headless pipeline with one of three calibrators, whose published estimate is
applied by the corrector (closed loop): no correction, the naive estimator (mean
of fixation minus nearest output word over fixations in the output region) and
the autocalibrator. Printed per scenario and method (means over seeds):
final and mean tracking error |estimate - true offset| in px and degrees, and the
time until the error stays within 0.5 deg after the offset appears (median and
worst over seeds, wall seconds and seconds of reading; "-" never).

    python benchmarks/autocal_bench.py [--seeds 5] [--duration 120] [--quick] [--markdown]

Offsets are 2 deg in a direction that changes with the seed (any direction).
"""
from __future__ import annotations

import argparse
import math
import sys
import time

from gazetype.calibration import AutoCalibrator, NullCalibrator
from gazetype.calibration.naive import NaiveCalibrator
from gazetype.sim.gaze import SimConfig
from gazetype.sim.sessions import run_reading, run_typing
from gazetype.tracker.offset import OffsetModel, OffsetPart
from gazetype.tracker.screen import Screen

METHODS = {
    "none": lambda scr: NullCalibrator(),
    "naive": lambda scr: NaiveCalibrator(scr),
    "autocal": lambda scr: AutoCalibrator(scr),
}


def _dir(seed: int, mag_deg: float, ppd: float, turn: float = 0.0) -> tuple[float, float]:
    a = 2.0 * math.pi * (0.13 + 0.618 * seed) + turn
    return mag_deg * ppd * math.cos(a), mag_deg * ppd * math.sin(a)


def scenarios(duration: float):
    """name -> (kind, screen, offset(seed, ppd), t_appears, extra kwargs)."""
    big = Screen()
    small = Screen(1280, 720, width_mm=300.0, distance_mm=650.0)
    const = lambda s, p: OffsetModel((OffsetPart("const", *_dir(s, 2.0, p)),))  # noqa: E731
    drift = lambda s, p: OffsetModel((OffsetPart("drift", *_dir(s, 2.0, p), duration),))  # noqa: E731
    jump_t = duration / 2
    jump = lambda s, p: OffsetModel((OffsetPart("const", *_dir(s, 1.0, p)),  # noqa: E731
                                     OffsetPart("step", *_dir(s, 1.5, p, 2.1), jump_t)))
    zero = lambda s, p: OffsetModel()  # noqa: E731
    return {
        "constant offset (typing)": ("type", big, const, 0.0, dict(compensation=0.5)),
        "slow drift (typing)": ("type", big, drift, None, dict(compensation=0.5)),
        "sudden jump (typing)": ("type", big, jump, jump_t, dict(compensation=0.5)),
        "no offset (typing)": ("type", big, zero, None, dict(compensation=0.5)),
        "reading only": ("read", big, const, 0.0, {}),
        "typing, full compensation": ("type", big, const, 0.0, dict(compensation=1.0)),
        # robustness
        "reading, jump": ("read", big, jump, jump_t, {}),
        "reading, no offset": ("read", big, zero, None, {}),
        "full comp., 30 Hz, noisy": ("type", big, const, 0.0,
                                     dict(compensation=1.0, sim=SimConfig(rate_hz=30, noise_deg=0.3, loss_prob=0.05))),
        "full comp., 1200 Hz": ("type", big, const, 0.0, dict(compensation=1.0, rate_hz=1200.0)),
        "full comp., 1280x720": ("type", small, const, 0.0, dict(compensation=1.0)),
        "reading, 1280x720, 30 Hz": ("read", small, const, 0.0, dict(rate_hz=30.0)),
    }


def run_one(kind, screen, offset, method, seed, duration, kw):
    cal = METHODS[method](screen)
    kw = dict(kw)
    sim = kw.pop("sim", None)
    if sim is not None:
        kw["rate_hz"] = sim.rate_hz
        kw["sim_config"] = SimConfig(rate_hz=sim.rate_hz, noise_deg=sim.noise_deg, loss_prob=sim.loss_prob, seed=seed)
    f = run_typing if kind == "type" else run_reading
    return f(cal, offset, seed=seed, duration_s=duration, screen=screen, **kw)


def fmt_settle(vals) -> str:
    ok = [v for v in vals if v is not None]
    if not ok:
        return "-"
    ok.sort(key=lambda v: v[0])
    med = ok[len(ok) // 2]
    worst = max(ok, key=lambda v: v[0]) if len(ok) == len(vals) else None
    s = f"{med[0]:.1f} ({med[1]:.1f})"
    s += f" / {worst[0]:.1f} ({worst[1]:.1f})" if worst else f" / - ({len(vals) - len(ok)} never)"
    return s


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--duration", type=float, default=120.0)
    ap.add_argument("--quick", action="store_true", help="the six required scenarios only")
    ap.add_argument("--only", default=None, help="run scenarios whose name contains this")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    scen = scenarios(args.duration)
    names = list(scen)[:6] if args.quick else list(scen)
    if args.only:
        names = [n for n in names if args.only in n]
    t0 = time.perf_counter()
    if args.markdown:
        print("| scenario | method | final px | final deg | mean px | mean deg | max deg | within 0.5 deg after, s (reading s): median / worst |")
        print("|---|---|---:|---:|---:|---:|---:|---|")
    for name in names:
        kind, screen, offset_fn, t_app, kw = scen[name]
        ppd = screen.px_per_deg
        if not args.markdown:
            print(f"\n{name}  ({screen.width_px}x{screen.height_px}, {ppd:.1f} px/deg, {args.seeds} seeds x {args.duration:g} s)")
            print(f"  {'method':8s} {'final px':>9s} {'deg':>6s} {'mean px':>9s} {'deg':>6s} {'max deg':>8s}   within 0.5 deg: median / worst, s (reading s)")
        for method in METHODS:
            fin, mean, mx, settle = [], [], [], []
            for seed in range(args.seeds):
                r = run_one(kind, screen, offset_fn(seed, ppd), method, seed, args.duration, kw)
                fin.append(r.final)
                mean.append(r.mean())
                mx.append(max(r.err_px))
                if t_app is not None:
                    settle.append(r.settle(t_app, 0.5 * ppd))
            f, m, x = sum(fin) / len(fin), sum(mean) / len(mean), max(mx)
            st = fmt_settle(settle) if t_app is not None else "n/a"
            if args.markdown:
                print(f"| {name} | {method} | {f:.1f} | {f / ppd:.2f} | {m:.1f} | {m / ppd:.2f} | {x / ppd:.2f} | {st} |")
            else:
                print(f"  {method:8s} {f:9.1f} {f / ppd:6.2f} {m:9.1f} {m / ppd:6.2f} {x / ppd:8.2f}   {st}")
    print(f"\n({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
