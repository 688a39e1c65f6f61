"""In-silico comparison: typing with and without the suggestion row.

For each seed, a simulated person (`sim.person.SimUser`, drawn from the population of
`UserParams.from_population` with that seed) copies the same `--phrases` study phrases
on the study layout at a 1000 ms dwell, once without the row and once with a row of
`--n` candidates from the base wordfreq model (no adaptation: the person has typed
nothing before). The person scans the row before a letter with probability
`scan_p`, reads the candidates until the intended word, selects it unless it misses
it (`miss_p`). Per condition: mean and SD over seeds of the per-person means of WPM
(per phrase, (|T| - 1) / S), MSD error rate, total error rate, KSPC and keystroke
savings (a suggestion is one keystroke), and the ratio of WPM with to without.

    python benchmarks/insilico_prediction.py [--seeds 6] [--phrases 12] [--n 5] [--dwell-ms 1000]
"""
from __future__ import annotations

import argparse
import random
import statistics
from dataclasses import replace

from gazetype.keyboard.model import KeyboardModel
from gazetype.keyboard.predict import Predictor, UserWords
from gazetype.keyboard.text import drop_suggestion_space
from gazetype.sim.person import UserParams, simulate_typing
from gazetype.study.metrics import error_counts, keystroke_savings, kspc, msd_error_rate, wpm
from gazetype.study.phrases import load_phrases
from gazetype.tracker.screen import Screen


def per_phrase(session, n_suggestions: int, predictor) -> list[dict]:
    """Replays the session's selections on a fresh model (the same predictor, so the
    same rows) to get each phrase's text, input stream and entry times."""
    screen_model = session.model
    m = KeyboardModel(screen_model.window, layout=screen_model.key_layout, suggestions=n_suggestions,
                      predictor=predictor, done_inserts_newline=False)
    out, times = [], []
    for sel in session.selections:
        if sel.key_id == "done":
            text, stream = drop_suggestion_space(m.buffer.text, m.buffer.input_stream)
            out.append({"text": text, "stream": stream, "times": times})
            m.set_text("", sel.t_s)
            times = []
            continue
        m.select(sel.key_id, sel.t_s)
        times.append(sel.t_s)
    return out


def run(phrases, seed: int, n: int, dwell_s: float, predictor, **person) -> dict:
    params = replace(UserParams().from_population(random.Random(seed)), **person)
    session, user, _ = simulate_typing(phrases, params=params, seed=seed, dwell_s=dwell_s, suggestions=n,
                                       predictor=predictor if n else None, screen=Screen(), max_s=3600.0)
    rows = per_phrase(session, n, predictor if n else None)
    res = {"wpm": [], "msd_er": [], "total_er": [], "kspc": [], "ks": []}
    for p, r in zip(phrases, rows):
        res["wpm"].append(wpm(r["text"], r["times"][0], r["times"][-1]) if len(r["times"]) > 1 else None)
        res["msd_er"].append(msd_error_rate(p, r["text"]))
        res["total_er"].append(error_counts(p, r["text"], r["stream"]).total_error_rate)
        res["kspc"].append(kspc(r["stream"], r["text"]))
        res["ks"].append(keystroke_savings(r["stream"], r["text"]))
    out = {k: statistics.fmean([x for x in v if x is not None]) for k, v in res.items()}
    out["phrases"] = len(rows)
    out["scans"] = sum(1 for _, _, kind, _, _ in user.log if kind == "suggestion")
    out["scan_s"] = sum(d for _, d, kind, _, _ in user.log if kind == "suggestion")
    out["words"] = sum(1 for s in session.selections if s.key_id.startswith("word:"))
    return out


def ms(v) -> str:
    return f"{statistics.fmean(v):.2f} ± {statistics.stdev(v):.2f}" if len(v) > 1 else f"{v[0]:.2f}"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--phrases", type=int, default=12)
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--dwell-ms", type=float, default=1000.0)
    ap.add_argument("--sensitivity", action="store_true", help="also vary the person's habits and the model")
    args = ap.parse_args(argv)
    all_phrases = load_phrases(None).phrases
    predictor = Predictor()
    res = {0: [], args.n: []}
    for seed in range(args.seeds):
        rng = random.Random(1000 + seed)
        phrases = rng.sample(list(all_phrases), args.phrases)
        for n in res:
            r = run(phrases, seed, n, args.dwell_ms / 1000, predictor)
            res[n].append(r)
            print(f"seed {seed} row {n}: {r['phrases']} phrases, {r['wpm']:.2f} WPM, MSD ER {r['msd_er']:.2f} %, "
                  f"total ER {r['total_er']:.2f} %, KSPC {r['kspc']:.3f}, KS {r['ks']:.1%}, "
                  f"{r['scans']} fixations on the row", flush=True)
    print(f"\n{args.seeds} seeds x {args.phrases} phrases, dwell {args.dwell_ms:.0f} ms; mean ± SD over seeds")
    for n, rows in res.items():
        label = "no row" if n == 0 else f"row of {n}"
        print(f"  {label:9s} WPM {ms([r['wpm'] for r in rows])}  MSD ER {ms([r['msd_er'] for r in rows])} %  "
              f"total ER {ms([r['total_er'] for r in rows])} %  KSPC {ms([r['kspc'] for r in rows])}  "
              f"KS {ms([100 * r['ks'] for r in rows])} %")
    ratios = [b["wpm"] / a["wpm"] for a, b in zip(res[0], res[args.n])]
    print(f"  WPM ratio with / without: {ms(ratios)} (per seed); goal >= 1.3")
    rows = res[args.n]
    print(f"  reading the row: {statistics.fmean(r['scan_s'] for r in rows) / args.phrases:.1f} s per phrase, "
          f"{statistics.fmean(r['words'] for r in rows) / args.phrases:.1f} words selected per phrase")
    if args.sensitivity:
        sensitivity(args, all_phrases, predictor, res)


def sensitivity(args, all_phrases, predictor, res) -> None:
    """The ratio against the person's assumed row habits, and with a model that has
    learnt the user's earlier texts (the rest of the phrase set, not the test phrases)."""
    print(f"\nsensitivity (WPM ratio with / without, {args.seeds} seeds):")
    for label, person, adapt in (("scan_p 0.3", {"scan_p": 0.3}, False), ("scan_p 1.0", {"scan_p": 1.0}, False),
                                 ("scan_p 1.0, miss_p 0", {"scan_p": 1.0, "miss_p": 0.0}, False),
                                 ("adapted model", {}, True)):
        ratios = []
        for seed in range(args.seeds):
            rng = random.Random(1000 + seed)
            phrases = rng.sample(list(all_phrases), args.phrases)
            pred = predictor
            if adapt:
                user = UserWords()
                for p in all_phrases:
                    if p not in phrases:
                        user.learn(p)
                pred = Predictor(predictor.base, user)
            r = run(phrases, seed, args.n, args.dwell_ms / 1000, pred, **person)
            ratios.append(r["wpm"] / res[0][seed]["wpm"])
        print(f"  {label:22s} {ms(ratios)}")


if __name__ == "__main__":
    main()
