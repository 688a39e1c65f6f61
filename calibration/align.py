"""Aligning a sequence of reading fixations to the words of a text ("warp").

Dynamic time warping between the fixation sequence and the words in reading order
(Carr, Pescuma, Furlan, Ktori and Treiman 2021, Behavior Research Methods: of ten
line-assignment algorithms for drift correction, "warp" was the most promising).
Differences from their version, for online autocalibration:

- reading steps instead of plain DTW steps: from the word of fixation i-1, fixation
  i reads the same word again (`refix` penalty), the next word (free), or skips one
  or two words (a penalty per skipped word: `skip_short` for words of up to three
  letters, which readers often skip, `skip_long` otherwise). Skipping is not
  charged the distance to the skipped words, so a shift by one word does not look
  cheaper than the truth;
- subsequence alignment: the fixations may cover any stretch of the text (open
  begin and end), or start within a window of words (`start`): at the top of a new
  page, or where the previous chunk of the same reading left off, which carries the
  reading position from chunk to chunk (a whole-line offset cannot hide in the
  middle of a page then);
- a normalised, capped cost per cell: ((dx/sx)^2 + (dy/sy)^2) capped at `cap`, with
  sx about half a word and sy half a line, so one stray fixation (a regression, a
  glance elsewhere) costs at most `cap`;
- several offset hypotheses at once (shifts of the fixations), because an offset
  near a line height or a word width makes single fixations ambiguous while the
  sequence (order, line starts and ends, first and last lines) is not.

Vectorised over hypotheses and words per fixation (numpy, no per-cell Python).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Alignment:
    """`costs[h]` is the total cost under hypothesis h (including its penalty), or
    for a hypothesis not aligned (`aligned[h]` False, pruned) a lower bound of it;
    `best` the winning hypothesis; `words[i]` the word index fixation i maps to and
    `cell[i]` its cost there (under `best`)."""

    costs: tuple[float, ...]
    best: int
    words: tuple[int, ...]
    cell: tuple[float, ...]
    aligned: tuple[bool, ...] = ()


def warp(fx, fy, wx, wy, sx, sy: float, shifts_x=(0.0,), shifts_y=(0.0,), *, cap: float = 9.0,
         start: tuple[int, int] | None = None, penalties=None, short=None,
         refix: float = 0.3, skip_short: float = 0.3, skip_long: float = 1.5,
         slack: float = 0.0) -> Alignment:
    """Align fixations (fx, fy) to words (centres wx, wy; x scale sx per word, y scale sy).

    The hypotheses are the grid of shifts: h = a * len(shifts_y) + b takes the
    fixations minus (shifts_x[a], shifts_y[b]) px. `penalties[h]` is added to the
    cost of hypothesis h (a prior against it). `start=(lo, hi)`: the first fixation
    reads a word in lo..hi. `short[j]`: word j is short (cheap to skip).

    Pruning: each hypothesis' cost is at least its penalty plus the sum over
    fixations of the cheapest word (order ignored), and the best cost is at most
    that of a greedy path under the most promising hypothesis. Only hypotheses whose
    bound is below that plus `slack` are aligned (so the best is exact, and so is
    every cost within `slack` of it); the rest report their bound, `aligned` False.
    """
    n, m = len(fx), len(wx)
    A, B = len(shifts_x), len(shifts_y)
    H = A * B
    if n == 0 or m == 0:
        raise ValueError("warp needs at least one fixation and one word")
    WX = np.asarray(wx, float)
    WY = np.asarray(wy, float)
    SX = np.asarray(sx, float)
    # Cost per (word, fixation, x shift, y shift), the x and y parts computed apart;
    # words first, so the lower bound below reduces over the outer axis (fast).
    ux = (((np.asarray(fx, float)[None, :, None] - np.asarray(shifts_x, float)[None, None, :]
            - WX[:, None, None]) / SX[:, None, None]) ** 2).astype(np.float32)  # (m, n, A)
    uy = (((np.asarray(fy, float)[None, :, None] - np.asarray(shifts_y, float)[None, None, :]
            - WY[:, None, None]) / sy) ** 2).astype(np.float32)  # (m, n, B)
    # float32: this (m, n, H) tensor is the big one; a float64 temporary of that size
    # costs about ten times as much to make.
    ct = np.minimum(ux[:, :, :, None] + uy[:, :, None, :], np.float32(cap)).reshape(m, n, H)
    pen = np.zeros(H) if penalties is None else np.asarray(penalties, float)
    # Penalty for skipping word j (to arrive at j+1 from j-1).
    ps = np.full(m, skip_long, np.float32)
    if short is not None:
        ps[np.asarray(short, bool)] = skip_short
    p1 = np.concatenate((np.full(1, np.inf, np.float32), ps[:-1]))  # arrive at j skipping j-1
    p2 = (np.concatenate((np.full(2, np.inf, np.float32), ps[:-2] + ps[1:-1])) if m > 2
          else np.full(m, np.inf, np.float32))
    window = None
    if start is not None:
        window = (max(0, start[0]), min(m - 1, start[1]))
        if window[0] > window[1]:
            raise ValueError(f"start window {start} outside the {m} words")
    bound = pen + ct.min(axis=0).sum(axis=0, dtype=float)  # (H,)
    # An upper bound of the best cost: a greedy path under the most promising hypothesis.
    h0 = int(bound.argmin())
    upper = pen[h0] + _greedy(ct[:, :, h0].T.tolist(), window, refix, p1.tolist(), p2.tolist())
    hyps = np.flatnonzero(bound < upper + slack + 1e-4 * (1.0 + upper))  # (float32 sums: a little room)
    costs = bound.copy()
    aligned = np.zeros(H, bool)
    ends = np.zeros(H, int)
    Dh = _dtw(ct, hyps, window, refix, p1, p2)
    costs[hyps] = Dh[n - 1].min(axis=1).astype(float) + pen[hyps]
    ends[hyps] = Dh[n - 1].argmin(axis=1)
    aligned[hyps] = True
    c = ct  # (m, n, H)
    k = int(costs[hyps].argmin())
    best = int(hyps[k])
    Db = Dh[:, k, :].tolist()
    # Backtrack the best path, recomputing which step reached each cell.
    cb = c[:, :, best].T.tolist()
    p1l, p2l = p1.tolist(), p2.tolist()
    inf = float("inf")
    j = int(ends[best])
    words = [0] * n
    for i in range(n - 1, -1, -1):
        words[i] = j
        if i:
            prev = Db[i - 1]
            opts = (prev[j] + refix, prev[j - 1] if j >= 1 else inf,
                    prev[j - 2] + p1l[j] if j >= 2 else inf, prev[j - 3] + p2l[j] if j >= 3 else inf)
            j -= opts.index(min(opts))
    cells = [cb[i][words[i]] for i in range(n)]
    return Alignment(tuple(costs.tolist()), best, tuple(words), tuple(cells), tuple(aligned.tolist()))


def _greedy(c, window, refix, p1, p2) -> float:
    """Cost of one feasible path (c: [fixation][word]): each fixation takes the best
    next step from the previous word. An upper bound of the optimum."""
    m = len(c[0])
    row = c[0]
    lo, hi = window if window is not None else (0, m - 1)
    j = min(range(lo, hi + 1), key=row.__getitem__)
    total = row[j]
    for row in c[1:]:
        best, bj = row[j] + refix, j
        for k, pen in ((1, 0.0), (2, p1[j + 2] if j + 2 < m else 0.0), (3, p2[j + 3] if j + 3 < m else 0.0)):
            if j + k < m and row[j + k] + pen < best:
                best, bj = row[j + k] + pen, j + k
        total += best
        j = bj
    return total


def _dtw(ct, hyps, window, refix, p1, p2) -> np.ndarray:
    """The accumulated cost (n, len(hyps), m), vectorised over hypotheses and words.
    `ct` is the (m, n, H) cost tensor."""
    m, n, _ = ct.shape
    cs = np.ascontiguousarray(ct[:, :, hyps].transpose(1, 2, 0))  # (n, h, m)
    h = len(hyps)
    Dh = np.empty((n, h, m), np.float32)
    if window is None:
        Dh[0] = cs[0]
    else:
        Dh[0] = np.inf
        Dh[0][:, window[0]:window[1] + 1] = cs[0][:, window[0]:window[1] + 1]
    a = np.empty((h, m), np.float32)
    r = np.float32(refix)
    q1, q2 = p1[2:], p2[3:]
    for i in range(1, n):
        prev = Dh[i - 1]
        np.add(prev, r, out=a)  # the same word again
        np.minimum(a[:, 1:], prev[:, :-1], out=a[:, 1:])  # the next word
        if m > 2:
            np.minimum(a[:, 2:], prev[:, :-2] + q1, out=a[:, 2:])  # skip one
        if m > 3:
            np.minimum(a[:, 3:], prev[:, :-3] + q2, out=a[:, 3:])  # skip two
        np.add(cs[i], a, out=Dh[i])
    return Dh
