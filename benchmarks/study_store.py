"""Study storage and reporting costs: per-keystroke commit latency (WAL, synchronous=FULL:
each keystroke is durable before the next one), headless session throughput, and the
time to export and report a study.

    python benchmarks/study_store.py [--keys 300] [--participants 4]

Prints figures; asserts nothing. Runs in a temporary folder.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gazetype.sim.headless import HeadlessRun
from gazetype.study.export import export_csv
from gazetype.study.report import build_report
from gazetype.study.setup import RunOptions, prepare_run
from gazetype.tracker.screen import Screen


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--keys", type=int, default=300)
    p.add_argument("--participants", type=int, default=4)
    p.add_argument("--dir", default=None, help="where to make the temporary study (default: the system temp folder)")
    a = p.parse_args()
    screen = Screen()
    with tempfile.TemporaryDirectory(dir=a.dir) as d:
        study = Path(d) / "study"
        # 1. Commit latency of single keystrokes.
        ctx = prepare_run(RunOptions(str(study), "BENCH", conditions="calibrated", n_phrases=1, n_practice=0),
                          screen=screen, sample_rate_hz=120.0, now_utc="bench")
        st = ctx.store
        trial = st.trials(st.conditions(ctx.participant.id)[0].id)[0]
        att = st.start_trial(trial.id, ctx.session.id, 0.0)
        lat = []
        for i in range(a.keys):
            t0 = time.perf_counter()
            st.add_keystroke(trial_id=trial.id, attempt=att, session_id=ctx.session.id, seq=i, t_s=float(i),
                             key="a", source="dwell", raw=(1.0, 2.0), induced=(0.0, 0.0), corrected=(1.0, 2.0),
                             correction=(0.0, 0.0), text="a" * (i % 40))
            lat.append((time.perf_counter() - t0) * 1000)
        ctx.close()
        lat.sort()
        print(f"keystroke commit (WAL, synchronous=FULL), n={a.keys}: median {statistics.median(lat):.2f} ms, "
              f"p95 {lat[int(0.95 * len(lat))]:.2f} ms, max {lat[-1]:.2f} ms")

        # 2. Headless sessions: simulated participants, 3 conditions x (2 practice + 8) phrases.
        walls, sims, keys = [], [], 0
        for i in range(a.participants):
            ctx = prepare_run(RunOptions(str(study), f"P{i:02d}"), screen=screen, sample_rate_hz=120.0,
                              now_utc="bench")
            t0 = time.perf_counter()
            hr = HeadlessRun(ctx, screen=screen, dwell_s=0.6, seed=i)
            res = hr.run()
            walls.append(time.perf_counter() - t0)
            sims.append(res.sim_s)
            keys += res.keys
            hr.runner.close("bench")
            ctx.close()
        print(f"headless session (30 trials, 120 Hz sim): {statistics.mean(walls):.2f} s wall for "
              f"{statistics.mean(sims):.0f} s simulated ({statistics.mean(sims) / statistics.mean(walls):.0f}x "
              f"real time); {keys} keystrokes stored")

        # 3. Export and report.
        t0 = time.perf_counter()
        counts = export_csv(study, Path(d) / "csv", show_progress=False)
        t_exp = time.perf_counter() - t0
        t0 = time.perf_counter()
        html = build_report(study, show_progress=False)
        t_rep = time.perf_counter() - t0
        print(f"export {counts['trials.csv']} trials / {counts['keystrokes.csv']} keystrokes: {t_exp:.2f} s; "
              f"report: {t_rep:.2f} s, {len(html) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
