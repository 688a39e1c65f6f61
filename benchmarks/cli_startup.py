"""Wall time of light commands (`gazetype --help`, `trackers --json`-free help pages)
against the interpreter's own start: what importing gazetype costs before any work.
Issue 15's goal: `gazetype --help` under 50 ms.

    python benchmarks/cli_startup.py [--runs 20]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def wall_ms(argv: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    py = sys.executable
    rows = [("python -c pass (the floor)", [py, "-c", "pass"])]
    for cmd in (["--help"], ["record", "--help"], ["replay", "--help"], ["study", "--help"], ["voices", "--help"]):
        rows.append(("gazetype " + " ".join(cmd), [py, "-m", "gazetype", *cmd]))
    print(f"{'command':34s} {'median ms':>10s} {'p90 ms':>8s}   ({args.runs} runs each)")
    for name, argv in rows:
        med, p90 = wall_ms(argv, args.runs)
        print(f"{name:34s} {med:10.1f} {p90:8.1f}")


if __name__ == "__main__":
    main()
