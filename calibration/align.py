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
         batch: int = 8, slack: float = 0.0) -> Alignment:
    """Align fixations (fx, fy) to words (centres wx, wy; x scale sx per word, y scale sy).

    The hypotheses are the grid of shifts: h = a * len(shifts_y) + b takes the
    fixations minus (shifts_x[a], shifts_y[b]) px. `penalties[h]` is added to the
    cost of hypothesis h (a prior against it). `start=(lo, hi)`: the first fixation
    reads a word in lo..hi. `short[j]`: word j is short (cheap to skip).

    Pruning: each hypothesis' cost is at least its penalty plus the sum over
    fixations of the cheapest word (order ignored). The `batch` hypotheses with the
    lowest such bound are aligned first; the others only if their bound is below the
    best cost found plus `slack` (so the best is exact, and so is every cost within
    `slack` of it); the rest report their bound and `aligned` False.
    """
    n, m = len(fx), len(wx)
    A, B = len(shifts_x), len(shifts_y)
    H = A * B
    if n == 0 or m == 0:
        raise ValueError("warp needs at least one fixation and one word")
    WX = np.asarray(wx, float)
    WY = np.asarray(wy, float)
    SX = np.asarray(sx, float)
    # Cost per (fixation, x shift, y shift, word): x and y parts computed apart.
    ux = ((np.asarray(fx, float)[:, None, None] - np.asarray(shifts_x, float)[None, :, None]
           - WX[None, None, :]) / SX[None, None, :]) ** 2  # (n, A, m)
    uy = ((np.asarray(fy, float)[:, None, None] - np.asarray(shifts_y, float)[None, :, None]
           - WY[None, None, :]) / sy) ** 2  # (n, B, m)
    # float32: the (n, H, m) tensor is the big one, and a float64 temporary of that
    # size costs about ten times as much to make.
    ux = ux.astype(np.float32)
    uy = uy.astype(np.float32)
    c = np.minimum(ux[:, :, None, :] + uy[:, None, :, :], np.float32(cap)).reshape(n, H, m)
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
    bound = pen + c.min(axis=2).sum(axis=0, dtype=float)
    costs = bound.copy()
    aligned = np.zeros(H, bool)
    ends = np.zeros(H, int)
    order = np.argsort(bound, kind="stable")
    batches = []
    first = order[:batch]
    D1 = _dtw(c, first, window, refix, p1, p2)
    batches.append((first, D1))
    rest = order[batch:]
    rest = rest[bound[rest] < (D1[n - 1].min(axis=1).astype(float) + pen[first]).min() + slack]
    if len(rest):
        batches.append((rest, _dtw(c, rest, window, refix, p1, p2)))
    for hyps, Dh in batches:
        costs[hyps] = Dh[n - 1].min(axis=1).astype(float) + pen[hyps]
        ends[hyps] = Dh[n - 1].argmin(axis=1)
        aligned[hyps] = True
    best = int(costs.argmin())
    for hyps, Dh in batches:
        k = np.flatnonzero(hyps == best)
        if len(k):
            Db = Dh[:, int(k[0]), :].tolist()
            break
    # Backtrack the best path, recomputing which step reached each cell.
    cb = c[:, best, :].tolist()
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


def _dtw(c, hyps, window, refix, p1, p2) -> np.ndarray:
    """The accumulated cost (n, len(hyps), m), vectorised over hypotheses and words."""
    n, _, m = c.shape
    cs = c[:, hyps, :]
    h = len(hyps)
    Dh = np.empty((n, h, m), np.float32)
    if window is None:
        Dh[0] = cs[0]
    else:
        Dh[0] = np.inf
        Dh[0][:, window[0]:window[1] + 1] = cs[0][:, window[0]:window[1] + 1]
    a = np.empty((h, m), np.float32)
    b = np.full((h, m), np.inf, np.float32)
    for i in range(1, n):
        prev = Dh[i - 1]
        np.add(prev, np.float32(refix), out=a)
        np.minimum(a[:, 1:], prev[:, :-1], out=a[:, 1:])  # next word
        b[:, 2:] = prev[:, :-2]
        b[:, 2:] += p1[2:]  # skip one
        np.minimum(a, b, out=a)
        if m > 3:
            b[:, 3:] = prev[:, :-3]
            b[:, 3:] += p2[3:]  # skip two
            b[:, :3] = np.inf
            np.minimum(a, b, out=a)
            b[:, :3] = np.inf
        np.add(cs[i], a, out=Dh[i])
    return Dh
