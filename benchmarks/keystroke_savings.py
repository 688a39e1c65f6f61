"""Keystroke savings of the suggestion row on phrase sets the model was not built from.

An ideal user types each phrase letter by letter and, before each letter of a word
(and after each space), selects the intended word as soon as it is in the row of `n`
candidates: one keystroke that enters the rest of the word and a space. Keystrokes
count the letters, spaces and selections; KS = 1 - keystrokes / characters (the phrase's
characters). Reported for the base model alone and for the adaptive model that has
learnt each earlier phrase of the set (the phrase being typed is learnt only after it,
as the keyboard learns a text when it is finished).

Phrase sets: the study phrases (study/data/phrases.txt, written for this project) and
a second, independent set (benchmarks/data/kjv_phrases.txt, see its header).

    python benchmarks/keystroke_savings.py [--n 5] [PHRASE_FILE ...]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from gazetype.keyboard.predict import Predictor, UserWords, wordfreq_vocabulary
from gazetype.study.phrases import load_phrases

HERE = Path(__file__).resolve().parent
SECOND_SET = HERE / "data" / "kjv_phrases.txt"


def keystrokes(phrase: str, predictor: Predictor, n: int) -> int:
    """Keystrokes an ideal user of the row needs for `phrase`."""
    text, ks = "", 0
    words = phrase.split(" ")
    for i, word in enumerate(words):
        typed = 0
        while typed < len(word):
            if word in predictor.predict(text, n):
                text += word[typed:] + " "
                ks += 1
                break
            text += word[typed]
            typed += 1
            ks += 1
        else:
            if i < len(words) - 1:
                text += " "
                ks += 1
    return ks


def savings(phrases, n: int, adapt: bool, base=None) -> float:
    base = base or wordfreq_vocabulary()
    user = UserWords()
    predictor = Predictor(base, user)
    total_ks = total_chars = 0
    for p in phrases:
        total_ks += keystrokes(p, predictor, n)
        total_chars += len(p)
        if adapt:
            user.learn(p)
    return 1.0 - total_ks / total_chars


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--n", type=int, nargs="+", default=[3, 5])
    ap.add_argument("--vocabularies", action="store_true",
                    help="also compare base vocabularies (wordfreq's small and large lists, sizes), n=5")
    args = ap.parse_args(argv)
    sets = [("study phrases", load_phrases(None).phrases)]
    if SECOND_SET.exists():
        sets.append(("KJV phrases", load_phrases(SECOND_SET).phrases))
    sets += [(f, load_phrases(f).phrases) for f in args.files]
    print(f"{'phrase set':16s} {'phrases':>7s} {'n':>2s} {'KS base':>8s} {'KS adaptive':>11s}")
    for name, phrases in sets:
        for n in args.n:
            print(f"{name:16s} {len(phrases):7d} {n:2d} {savings(phrases, n, False):8.1%} "
                  f"{savings(phrases, n, True):11.1%}")
    if args.vocabularies:
        print("\nbase vocabulary (n=5, KS without / with adaptation; load time):")
        for wordlist, size in (("small", 20_000), ("small", 50_000), ("large", 20_000), ("large", 50_000),
                               ("large", 100_000)):
            t0 = time.perf_counter()
            vocab = wordfreq_vocabulary("en", size, wordlist)
            load_ms = (time.perf_counter() - t0) * 1e3
            figs = "  ".join(f"{name}: {savings(ph, 5, False, vocab):.1%} / {savings(ph, 5, True, vocab):.1%}"
                             for name, ph in sets)
            print(f"  {wordlist:5s} top {size:6d} ({len(vocab.words):6d} words, {load_ms:4.0f} ms)  {figs}")


if __name__ == "__main__":
    main()
