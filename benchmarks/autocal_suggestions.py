"""Autocalibration evidence from reading the word suggestion row.

Each simulated person (`sim.person.SimUser`, drawn with `UserParams.from_population`
from its seed) copies `--phrases` study phrases on the study layout at a 1000 ms dwell
with an induced constant offset of 1 to 2 deg in a random direction, closed loop (the
pipeline applies the published correction), in three arms:

  no row        no suggestion row (evidence from the output text only)
  row, input    the row shown and used, fixations on it treated as input (no evidence)
  row, evidence the row shown and used, reading it is evidence (calibration.reading)

Per arm, over people: the time until the error |estimate - offset| stays within
0.5 deg (median; "never" counts as the session's length and is counted), the final
error (median, worst), the fixations classified as reading the row, and, from the
same people with NO offset, the largest false correction (goal: none above 0.25 deg).

    python benchmarks/autocal_suggestions.py [--people 16] [--phrases 8]
"""
from __future__ import annotations

import argparse
import math
import random
import statistics
from dataclasses import replace

from gazetype.calibration.autocal import AutocalConfig, AutoCalibrator
from gazetype.calibration.reading import ReadingConfig
from gazetype.keyboard.predict import Predictor
from gazetype.sim.person import UserParams, simulate_typing
from gazetype.study.phrases import load_phrases
from gazetype.tracker.events import OffsetEvent
from gazetype.tracker.offset import NO_OFFSET, parse_offset
from gazetype.tracker.screen import Screen

ARMS = (("no row", 0, False), ("row, input", 5, False), ("row, evidence", 5, True))


class Offsets:
    """A recorder that keeps the published corrections."""

    def __init__(self) -> None:
        self.events: list[OffsetEvent] = []

    def write(self, ev) -> None:
        if isinstance(ev, OffsetEvent):
            self.events.append(ev)


def run(seed: int, phrases, n: int, row_evidence: bool, offset_deg: tuple[float, float] | None, screen: Screen,
        predictor) -> dict:
    params = UserParams().from_population(random.Random(seed))
    cal = AutoCalibrator(screen, AutocalConfig(reading=replace(ReadingConfig(), suggestion_row=row_evidence)))
    rec = Offsets()
    off = NO_OFFSET if offset_deg is None else parse_offset(f"{offset_deg[0]:.3f},{offset_deg[1]:.3f}deg", screen)
    session, user, t_end = simulate_typing(phrases, params=params, seed=seed, dwell_s=1.0, suggestions=n,
                                           predictor=predictor if n else None, screen=screen, offset=off,
                                           calibrator=cal, recorder=rec, max_s=1800.0)
    ppd = screen.px_per_deg
    true = off.at(0.0)
    est = [(0.0, 0.0, 0.0)] + [(e.t_s, e.dx_px, e.dy_px) for e in rec.events]
    errs = [(t, math.hypot(dx - true[0], dy - true[1]) / ppd) for t, dx, dy in est]
    settle = None
    for i, (t, e) in enumerate(errs):
        if all(e2 <= 0.5 for _, e2 in errs[i:]):
            settle = t
            break
    return {"settle_s": settle, "t_end": t_end, "final_deg": errs[-1][1],
            "max_est_deg": max(math.hypot(dx, dy) for _, dx, dy in est) / ppd,
            "row_reading": cal.reading.counts["reading"]}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=16)
    ap.add_argument("--phrases", type=int, default=8)
    args = ap.parse_args(argv)
    screen = Screen()
    predictor = Predictor()
    all_phrases = list(load_phrases(None).phrases)
    res: dict[str, list] = {a[0]: [] for a in ARMS}
    zero: dict[str, list] = {a[0]: [] for a in ARMS}
    for person in range(args.people):
        rng = random.Random(5000 + person)
        phrases = rng.sample(all_phrases, args.phrases)
        mag, ang = rng.uniform(1.0, 2.0), rng.uniform(0, 2 * math.pi)
        off = (mag * math.cos(ang), mag * math.sin(ang))
        for name, n, ev in ARMS:
            r = run(person, phrases, n, ev, off, screen, predictor)
            z = run(person, phrases, n, ev, None, screen, predictor)
            res[name].append(r)
            zero[name].append(z)
            settle = "never" if r["settle_s"] is None else f"{r['settle_s']:.0f} s"
            print(f"person {person:2d} offset ({off[0]:+.2f},{off[1]:+.2f}) deg  {name:14s} within 0.5 deg after "
                  f"{settle:>6s}, final {r['final_deg']:.2f} deg, reading fixations {r['row_reading']:4d}; "
                  f"no offset: max correction {z['max_est_deg']:.2f} deg", flush=True)
    print(f"\n{args.people} people x {args.phrases} phrases, offset 1-2 deg, dwell 1000 ms")
    for name, _, _ in ARMS:
        rows = res[name]
        settles = [r["settle_s"] if r["settle_s"] is not None else r["t_end"] for r in rows]
        never = sum(r["settle_s"] is None for r in rows)
        finals = [r["final_deg"] for r in rows]
        print(f"  {name:14s} time to 0.5 deg: median {statistics.median(settles):.0f} s (never: {never}); "
              f"final error median {statistics.median(finals):.2f}, worst {max(finals):.2f} deg; "
              f"reading fixations {statistics.fmean(r['row_reading'] for r in rows):.0f} per person; "
              f"no offset: largest false correction {max(z['max_est_deg'] for z in zero[name]):.2f} deg")


if __name__ == "__main__":
    main()
