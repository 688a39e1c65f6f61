"""The in-silico study: the EyeO comparison with simulated participants.

For each seed, `--participants` simulated people (each a little different) run the
study protocol (calibrated, miscalibrated, autocalibrated; balanced Latin square;
`--phrases` measured phrases per condition after one practice phrase) with an
induced horizontal offset of 0.6 key widths (key pitch on a 1920 px wide, 531 mm
screen at 600 mm). Printed: per seed the condition means over participants, then
mean ± SD over seeds of those means, the ratios to calibrated WPM, and how far
the autocalibration estimate was from the induced offset.

Then the simulated person itself: fixation statistics and typing speed with no
offset at two dwell times, and how the miscalibration cost depends on the two
assumed parameters that drive it (capture_p, react_ms).

    python benchmarks/insilico_study.py [--seeds 10] [--participants 6] [--phrases 5] [--quick] [--markdown]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace

from gazetype.sim.person import UserParams, simulate_typing
from gazetype.sim.study import SimStudyConfig, run_simulated_study
from gazetype.study.metrics import wpm
from gazetype.study.runner import study_model
from gazetype.tracker.screen import Screen

CONDS = ("calibrated", "miscalibrated", "autocalibrated")
MEASURES = (("wpm", "WPM"), ("msd_error_rate", "MSD ER %"), ("total_error_rate", "total ER %"),
            ("corrected_error_rate", "corrected ER %"), ("uncorrected_error_rate", "uncorrected ER %"),
            ("kspc", "KSPC"), ("mean_selection_s", "s/selection"))


def key_pitch_px(screen: Screen) -> float:
    m = study_model(screen)
    q, w = m.keys.get("q"), m.keys.get("w")
    return w.cx_px - q.cx_px


def ms(v: list[float]) -> str:
    v = [x for x in v if x is not None]
    if not v:
        return "-"
    return f"{statistics.fmean(v):.3f} ± {statistics.stdev(v):.3f}" if len(v) > 1 else f"{v[0]:.3f}"


def study(seed: int, args, offset: str, params: UserParams | None = None) -> dict:
    with tempfile.TemporaryDirectory() as d:
        cfg = SimStudyConfig(participants=args.participants, phrases=args.phrases, practice=1, seed=seed,
                             offset=offset, params=params or UserParams())
        return run_simulated_study(d + "/s", cfg, now_utc="bench").to_json()


def insilico(args, screen: Screen) -> None:
    pitch = key_pitch_px(screen)
    off_px = 0.6 * pitch
    print(f"offset: 0.6 key widths = {off_px:.1f} px = {off_px / screen.px_per_deg:.2f} deg "
          f"(key pitch {pitch:.1f} px, {screen.px_per_deg:.2f} px/deg), horizontal")
    print(f"{args.seeds} seeds x {args.participants} participants x {args.phrases} phrases per condition, "
          f"dwell 1000 ms\n")
    per_seed = []
    t0 = time.monotonic()
    for seed in range(args.seeds):
        r = study(seed, args, f"{off_px:.1f},0")
        per_seed.append(r)
        c = r["conditions"]
        print(f"seed {seed}: WPM " + "  ".join(f"{k} {c[k]['wpm']:.2f}" for k in CONDS)
              + "  | total ER " + "  ".join(f"{c[k]['total_error_rate']:.1f}" for k in CONDS)
              + f"  | autocal err {r['autocal_error_deg']['autocalibrated']:.2f} deg", flush=True)
    wall = time.monotonic() - t0
    print(f"\n({wall:.0f} s wall for {args.seeds * args.participants} simulated participants)\n")
    rows = [["measure", *CONDS]]
    for key, label in MEASURES:
        rows.append([label] + [ms([r["conditions"][c][key] for r in per_seed]) for c in CONDS])
    rows.append(["autocal error (deg)", "-", "-", ms([r["autocal_error_deg"]["autocalibrated"] for r in per_seed])])
    table(rows, args.markdown)
    ratio_a = [r["conditions"]["autocalibrated"]["wpm"] / r["conditions"]["calibrated"]["wpm"] for r in per_seed]
    ratio_m = [r["conditions"]["miscalibrated"]["wpm"] / r["conditions"]["calibrated"]["wpm"] for r in per_seed]
    print(f"\nautocalibrated / calibrated WPM: {ms(ratio_a)}  (>= 0.9 in {sum(x >= 0.9 for x in ratio_a)}"
          f"/{len(ratio_a)} seeds)")
    print(f"miscalibrated / calibrated WPM:  {ms(ratio_m)}  (< 1 in {sum(x < 1 for x in ratio_m)}/{len(ratio_m)} seeds)")
    sig = [t for r in per_seed for t in r["paired_tests"] if t["measure"] == "wpm"
           and {t["a"], t["b"]} == {"calibrated", "miscalibrated"} and t["p"] is not None and t["p"] < 0.05]
    print(f"Wilcoxon calibrated vs miscalibrated WPM p < 0.05 (n={args.participants}) in {len(sig)}/{len(per_seed)} seeds")


def table(rows, markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(rows[0]) + " |")
        print("|" + "---|" * len(rows[0]))
        for r in rows[1:]:
            print("| " + " | ".join(r) + " |")
        return
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))


def person(args, screen: Screen) -> None:
    phrases = ["the quick brown fox jumps", "my watch fell in the water", "prevailing wind from the east",
               "never too rich and never too thin", "a problem with the engine"]
    print("\nthe simulated person (no offset):")
    for dwell_s in (1.0, 0.5):
        speeds, reads, searches, keys_per_char = [], [], [], []
        for seed in range(args.seeds):
            session, user, _ = simulate_typing(phrases, seed=seed, dwell_s=dwell_s)
            cur = []
            for s in session.selections:
                if s.key_id == "done":
                    speeds.append(wpm("x" * (len(cur)), cur[0], cur[-1]) if len(cur) > 1 else None)
                    cur = []
                else:
                    cur.append(s.t_s)
            reads += [d * 1000 for _, d, k, _, _ in user.log if k in ("glance", "proofread")]
            searches += [d * 1000 for _, d, k, _, _ in user.log if k == "search"]
            keys_per_char.append(len(session.selections) / sum(len(p) + 1 for p in phrases))
        speeds = [s for s in speeds if s is not None]
        print(f"  dwell {dwell_s * 1000:.0f} ms: {statistics.fmean(speeds):.2f} ± {statistics.stdev(speeds):.2f} WPM "
              f"(per phrase, {len(speeds)} phrases); selections per character {statistics.fmean(keys_per_char):.3f}")
    print(f"  reading fixations {statistics.fmean(reads):.0f} ± {statistics.stdev(reads):.0f} ms (n={len(reads)}); "
          f"search fixations {statistics.fmean(searches):.0f} ± {statistics.stdev(searches):.0f} ms")


def sensitivity(args, screen: Screen) -> None:
    """The miscalibration cost against the assumed capture_p and react_ms."""
    off = f"{0.6 * key_pitch_px(screen):.1f},0"
    print("\nmiscalibration cost against the assumptions (no autocal; WPM miscalibrated / calibrated, "
          f"{min(args.seeds, 3)} seeds x {args.participants} participants):")
    base = UserParams()
    small = argparse.Namespace(**{**vars(args), "phrases": max(3, args.phrases - 2)})
    for name, values in (("capture_p", (0.0, 0.3, 0.6)), ("react_ms", (150.0, 250.0, 400.0))):
        for v in values:
            params = replace(base, **{name: v})
            ratios, errs = [], []
            for seed in range(min(args.seeds, 3)):
                with tempfile.TemporaryDirectory() as d:
                    cfg = SimStudyConfig(participants=args.participants, phrases=small.phrases, practice=1,
                                         seed=100 + seed, offset=off, params=params,
                                         conditions="calibrated,miscalibrated")
                    r = run_simulated_study(d + "/s", cfg, now_utc="bench").to_json()
                c = r["conditions"]
                ratios.append(c["miscalibrated"]["wpm"] / c["calibrated"]["wpm"])
                errs.append(c["miscalibrated"]["total_error_rate"] - c["calibrated"]["total_error_rate"])
            print(f"  {name} = {v:g}: ratio {ms(ratios)}; total ER difference {ms(errs)} points")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--participants", type=int, default=6)
    p.add_argument("--phrases", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="3 seeds x 3 participants x 2 phrases")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--skip-sensitivity", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.participants, args.phrases = 3, 3, 2
    screen = Screen()
    insilico(args, screen)
    person(args, screen)
    if not args.skip_sensitivity:
        sensitivity(args, screen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
