"""Word prediction for the suggestion row, headless and offline.

The model mixes three sources, all on this machine:

- a base English vocabulary with frequencies: the `wordfreq` package's "large" English
  list (shipped inside its wheel; code Apache-2.0, data CC BY-SA 4.0), its
  `BASE_WORDS` most frequent words made of letters (and one apostrophe);
- the user's own words, learnt from the texts they finish (word counts), and
- a next-word model from the user's word pairs (what followed what).

`UserWords` keeps the counts; `History` stores them in its SQLite file (never from
study phrases: the studies keep no history). Only finished texts are learnt, so a word
that was typed and then erased is never learnt. `Predictor.predict(text, n)` ranks the
completions of the word being typed (or, after a space, the next words); `assign_slots`
keeps a candidate that stays a candidate in its place in the row; `completion` is what
selecting a word appends (the rest of the word in the text's capitalisation, and a space).
"""
from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

from gazetype.keyboard.text import TextBuffer, TextChange
from gazetype.tracker.keyid import KeyKind, parse_key

BASE_WORDS = 50_000  # words taken from wordfreq's list (about 80 ms to load)
MAX_WORD_CHARS = 40
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_VALID = re.compile(r"^[a-z]+(?:'[a-z]+)?$")
# the word being typed: these characters at the end of the text (regex [A-Za-z']*$)
_TAIL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'")
_SENTENCE_END = re.compile(r"(^|[.!?\n])\s*$")
ALWAYS_CAPITAL = {"i": "I", "i'm": "I'm", "i'll": "I'll", "i've": "I've", "i'd": "I'd"}


def words_of(text: str) -> list[str]:
    """The words of `text`, lower case, in order (letters with at most one apostrophe)."""
    return [w for w in _WORD.findall(text.lower()) if len(w) <= MAX_WORD_CHARS]


@dataclass(frozen=True)
class BaseVocabulary:
    """Words with their frequencies (fractions of all words), and an index by prefix."""

    words: tuple[str, ...]  # sorted alphabetically
    freq: dict[str, float]
    top_by_prefix: dict[str, tuple[str, ...]]  # prefixes of 0 to 2 letters: most frequent first

    @staticmethod
    def from_frequencies(freq: dict[str, float], keep_top: int = 24) -> "BaseVocabulary":
        freq = {w: f for w, f in freq.items() if _VALID.match(w)}
        ranked = sorted(freq, key=lambda w: -freq[w])
        top: dict[str, list[str]] = {}
        for w in ranked:
            for n in range(0, min(2, len(w)) + 1):
                lst = top.setdefault(w[:n], [])
                if len(lst) < keep_top:
                    lst.append(w)
        return BaseVocabulary(tuple(sorted(freq)), freq, {p: tuple(v) for p, v in top.items()})

    def with_prefix(self, prefix: str, m: int) -> list[str]:
        """The `m` most frequent words starting with `prefix`."""
        if len(prefix) <= 2:
            return list(self.top_by_prefix.get(prefix, ()))[:m]
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\x7f", lo)
        return heapq.nlargest(m, self.words[lo:hi], key=self.freq.__getitem__)


@lru_cache(maxsize=4)
def wordfreq_vocabulary(lang: str = "en", n: int = BASE_WORDS, wordlist: str = "large") -> BaseVocabulary:
    """The base vocabulary from wordfreq's "large" list (offline: the list is in its wheel).
    wordfreq bins words by frequency in centibels: bin i holds words of frequency 10^(-i/100)."""
    import wordfreq

    freq: dict[str, float] = {}
    for i, bucket in enumerate(wordfreq.get_frequency_list(lang, wordlist)):
        f = 10.0 ** (-i / 100.0)
        for w in bucket:
            if _VALID.match(w):
                freq[w] = f
                if len(freq) >= n:
                    return BaseVocabulary.from_frequencies(freq)
    return BaseVocabulary.from_frequencies(freq)


@dataclass
class UserWords:
    """The user's own language: word counts and word-pair counts (previous, next)."""

    words: Counter = field(default_factory=Counter)
    pairs: dict[str, Counter] = field(default_factory=dict)
    _sorted: list[str] | None = None
    _top: list[str] | None = None

    def learn(self, text: str) -> tuple[list[str], list[tuple[str, str]]]:
        """Count the words and pairs of a finished text; returns what was counted. Pairs
        do not cross a sentence end or a line."""
        ws: list[str] = []
        pairs: list[tuple[str, str]] = []
        for sentence in re.split(r"[.!?\n]+", text):
            s = words_of(sentence)
            ws += s
            pairs += list(zip(s, s[1:]))
        self.add(ws, pairs)
        return ws, pairs

    def add(self, words: Iterable[str], pairs: Iterable[tuple[str, str]]) -> None:
        for w in words:
            self.words[w] += 1
        for a, b in pairs:
            self.pairs.setdefault(a, Counter())[b] += 1
        self._sorted = self._top = None

    def clear(self) -> None:
        self.words.clear()
        self.pairs.clear()
        self._sorted = self._top = None

    def top(self, m: int = 50) -> list[str]:
        """The `m` most frequent words (the next-word candidates without a prefix)."""
        if self._top is None or len(self._top) < min(m, len(self.words)):
            self._top = [w for w, _ in self.words.most_common(m)]
        return self._top[:m]

    @property
    def total(self) -> int:
        return sum(self.words.values())

    def with_prefix(self, prefix: str) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.words)
        lo = bisect.bisect_left(self._sorted, prefix)
        hi = bisect.bisect_left(self._sorted, prefix + "\x7f", lo)
        return self._sorted[lo:hi]


@dataclass(frozen=True, slots=True)
class Context:
    """What the predictor needs from the text: the word being typed and the one before."""

    prefix: str  # as typed (case kept); "" after a space
    previous: str | None  # the previous word, lower case; None at a sentence start


def context_of(text: str) -> Context:
    # From the end of the text, its last line at most: the text grows all day and this
    # runs at every key (a regular expression anchored at the end still tries every
    # position: 0.4 ms a key at 13,000 characters). The same results as
    # `re.search(r"[A-Za-z']*$", text)` and `re.split(r"[.!?\n]", before)[-1]` (a test compares them).
    # (`$` also matches before a final newline: after "done" the regex took the last
    # word of the line as the word being typed, and cut the text by its length; kept.)
    end = len(text) - 1 if text.endswith("\n") else len(text)
    i = end
    while i and text[i - 1] in _TAIL_CHARS:
        i -= 1
    prefix = text[i:end]
    stop = len(text) - len(prefix)  # `before` ends here
    nl = text.rfind("\n", 0, stop)  # the sentence starts at the line's start at the earliest
    cut = max(nl, text.rfind(".", nl + 1, stop), text.rfind("!", nl + 1, stop), text.rfind("?", nl + 1, stop))
    sentence = text[cut + 1:stop]
    prev = words_of(sentence)
    # A word followed by punctuation other than a space (a comma) breaks the pair.
    previous = prev[-1] if prev and re.search(r"[A-Za-z']\s+$", sentence) else None
    return Context(prefix, previous)


class Predictor:
    """Ranks candidate words for the text typed so far (`predict`). `user` adapts it;
    None or an empty one gives the base model alone. `base` None: wordfreq's, loaded at
    the first prediction (about 0.2 s, once per process)."""

    def __init__(self, base: BaseVocabulary | None = None, user: UserWords | None = None, *,
                 pool: int = 30) -> None:
        self._base = base
        self.user = user if user is not None else UserWords()
        self.pool = pool  # base candidates considered per prediction

    @property
    def base(self) -> BaseVocabulary:
        if self._base is None:
            self._base = wordfreq_vocabulary()
        return self._base

    def scores(self, ctx: Context, candidates: Iterable[str]) -> dict[str, float]:
        """log P(word | previous word), mixing the user's pairs, the user's words and the base."""
        user = self.user
        n_user = user.total
        mu = n_user / (n_user + 100.0)  # trust in the user's own word counts grows with them
        follow = user.pairs.get(ctx.previous) if ctx.previous else None
        n_follow = sum(follow.values()) if follow else 0
        lam = n_follow / (n_follow + 2.0)
        out = {}
        for w in candidates:
            p = (1 - mu) * self.base.freq.get(w, 0.0) + (mu * user.words[w] / n_user if n_user else 0.0)
            if follow:
                p = (1 - lam) * p + lam * follow[w] / n_follow
            out[w] = math.log(p) if p > 0 else -math.inf
        return out

    def predict(self, text: str, n: int = 5) -> list[str]:
        """Up to `n` words, best first, lower case: completions of the word being typed,
        or next words after a space. The typed prefix itself is never a candidate."""
        ctx = context_of(text)
        prefix = ctx.prefix.lower()
        cands = set(self.base.with_prefix(prefix, self.pool))
        cands.update(self.user.with_prefix(prefix) if prefix else self.user.top(self.pool))
        if ctx.previous and ctx.previous in self.user.pairs:
            cands.update(w for w in self.user.pairs[ctx.previous] if w.startswith(prefix))
        cands.discard(prefix)
        sc = self.scores(ctx, cands)
        ranked = sorted((w for w in cands if sc[w] > -math.inf), key=lambda w: (-sc[w], w))
        return ranked[:n]


def assign_slots(previous: Sequence[str | None], ranked: Sequence[str], n: int) -> tuple[str | None, ...]:
    """The row's `n` slots for the new candidates (`ranked`, best first): the best `n`
    are shown; one that was shown before keeps its slot, the others fill the free slots
    in rank order (None: an empty slot)."""
    shown = list(dict.fromkeys(ranked))[:n]
    keep = set(shown)
    slots: list[str | None] = [w if w in keep else None for w in list(previous)[:n]]
    slots += [None] * (n - len(slots))
    placed = {w for w in slots if w is not None}
    free = iter(w for w in shown if w not in placed)
    return tuple(s if s is not None else next(free, None) for s in slots)


def completion(text: str, word: str, *, shift: str = "off") -> str:
    """What selecting `word` appends to `text`: the rest of the word being typed and a
    space, capitalised as the text is: the typed letters stay as typed (a typed capital
    stays); the rest in capitals if the typed prefix is (two letters or more) or under
    caps lock; a capital first letter under shift; "I" always. A space first if the
    text ends in punctuation."""
    ctx = context_of(text)
    prefix = ctx.prefix
    word = ALWAYS_CAPITAL.get(word, word)
    if not word.lower().startswith(prefix.lower()):
        raise ValueError(f"{word!r} does not complete {prefix!r}")
    rest = word[len(prefix):]
    if shift == "caps" or (len(prefix) > 1 and prefix.isupper()):
        rest = rest.upper()
    elif not prefix and shift == "once":
        rest = rest[:1].upper() + rest[1:]
    sep = " " if not prefix and text and not text[-1].isspace() else ""
    return sep + rest + " "


def apply_key(buffer: TextBuffer, key_id: str) -> TextChange | None:
    """Apply any selected key to `buffer`, a suggestion (`word:TEXT`) included: what a
    replay or a repair does with a recorded selection."""
    if parse_key(key_id).kind is KeyKind.WORD:
        return select_word(buffer, key_id)
    return buffer.apply(key_id)


def select_word(buffer: TextBuffer, key_id: str) -> TextChange | None:
    """Apply a selected suggestion (`word:TEXT`) to `buffer`: one keystroke entering the
    completion. None if TEXT does not complete the word being typed (a stale key)."""
    try:
        add = completion(buffer.text, parse_key(key_id).arg, shift=buffer.shift)
    except ValueError:
        return None
    return buffer.insert_word(add, key_id)


class NoPredictor:
    """Predicts nothing: for replay and repair, where the recorded layouts show the
    suggestions that were on the screen and a suggestion's key carries its word (the
    user's own words, which shaped the live predictions, are not in a recording)."""

    def predict(self, text: str, n: int) -> list[str]:
        return []
