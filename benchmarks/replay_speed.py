"""Headless replay speed: what autocalibration costs next to parsing the JSON.

For each recording (simulated ones are generated into a temporary directory unless
files are given), prints the best of --repeat runs of:

  json      json.loads of every line (lines already in memory: the pure parse)
  json+io   iterating the file and json.loads of every line
  read      tracker.recording.read_recording (the one reader: parse + events)
  replay    keyboard.replay.replay(path) without autocalibration
  autocal   keyboard.replay.replay(path, autocal=True)

and the ratios to `json`. The goal (issue 15): replay with autocalibration at most 2.5x json
for every kind of recording.

    python benchmarks/replay_speed.py [FILE ...] [--repeat 5] [--duration 120]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from gazetype.app.cli import main as cli
from gazetype.pipeline.replay import replay
from gazetype.recording.v1 import read_recording


def best_of(fn, n: int) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure(path: str, repeat: int) -> dict:
    with open(path, encoding="utf-8") as fh:
        lines = fh.readlines()
    loads = json.loads

    def parse():
        for line in lines:
            loads(line)

    def parse_io():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                loads(line)

    out = {"lines": len(lines)}
    out["json"] = best_of(parse, repeat)
    out["json+io"] = best_of(parse_io, repeat)
    out["read"] = best_of(lambda: read_recording(path), repeat)
    out["replay"] = best_of(lambda: replay(path), repeat)
    out["autocal"] = best_of(lambda: replay(path, autocal=True), repeat)
    return out


def simulate(tmp: str, duration: float) -> list[tuple[str, str]]:
    specs = [
        ("typing, compensating, 120 Hz", ["--script", "compensating", "--offset", "1.5,-1deg"]),
        ("reading only, 120 Hz", ["--script", "reading", "--offset", "1,1deg"]),
        ("typing, compensating, 1200 Hz", ["--script", "compensating", "--offset", "1.5,-1deg", "--rate", "1200"]),
        ("typing, compensating, 30 Hz", ["--script", "compensating", "--offset", "1.5,-1deg", "--rate", "30"]),
    ]
    out = []
    for i, (name, extra) in enumerate(specs):
        path = os.path.join(tmp, f"rec{i}.jsonl")
        dur = duration / 4 if "1200" in name else duration
        rc = cli(["record", "--tracker", "sim", "--duration", str(dur), "--out", path, "--seed", str(i), *extra])
        if rc:
            raise SystemExit(f"could not simulate {name}")
        out.append((f"{name}, {dur:g} s", path))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--duration", type=float, default=120.0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        recs = [(os.path.basename(f), f) for f in args.files] or simulate(tmp, args.duration)
        print(f"{'recording':40s} {'lines':>7s} {'json':>8s} {'json+io':>8s} {'read':>8s} {'replay':>8s} "
              f"{'autocal':>8s}   ratios to json: read / replay / autocal   (ms; us per line)")
        for name, path in recs:
            m = measure(path, args.repeat)
            j = m["json"]
            per = m["autocal"] / m["lines"] * 1e6
            print(f"{name:40s} {m['lines']:7d} {j * 1e3:8.1f} {m['json+io'] * 1e3:8.1f} {m['read'] * 1e3:8.1f} "
                  f"{m['replay'] * 1e3:8.1f} {m['autocal'] * 1e3:8.1f}   {m['read'] / j:4.2f} / {m['replay'] / j:4.2f} / "
                  f"{m['autocal'] / j:4.2f}   ({j / m['lines'] * 1e6:.2f} / {per:.2f} us)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
