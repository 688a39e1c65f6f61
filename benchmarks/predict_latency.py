"""Per-keystroke prediction latency: `Predictor.predict` after each letter and space of
the study phrases, with the adaptive model (it has learnt the phrases typed before).
Prints the base vocabulary's load time and the median and p99 per keystroke; the goal
is under 5 ms.

    python benchmarks/predict_latency.py [--n 5]
"""
from __future__ import annotations

import argparse
import statistics
import time

from gazetype.keyboard.predict import Predictor, UserWords, wordfreq_vocabulary
from gazetype.study.phrases import load_phrases


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    base = wordfreq_vocabulary()
    load_ms = (time.perf_counter() - t0) * 1e3
    user = UserWords()
    predictor = Predictor(base, user)
    times_ms = []
    for phrase in load_phrases(None).phrases:
        for i in range(len(phrase) + 1):
            t = time.perf_counter()
            predictor.predict(phrase[:i], args.n)
            times_ms.append((time.perf_counter() - t) * 1e3)
        user.learn(phrase)
    times_ms.sort()
    p99 = times_ms[min(len(times_ms) - 1, int(0.99 * len(times_ms)))]
    print(f"base vocabulary: {len(base.words)} words, loaded in {load_ms:.0f} ms")
    print(f"per keystroke ({len(times_ms)} predictions, n={args.n}): median {statistics.median(times_ms):.3f} ms, "
          f"p99 {p99:.3f} ms, max {times_ms[-1]:.3f} ms")


if __name__ == "__main__":
    main()
