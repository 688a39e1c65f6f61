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
    """`costs[h]` is the total cost under hypothesis h (including its penalty);
    `best` the winning hypothesis; `words[i]` the word index fixation i maps to and
    `cell[i]` its cost there (under `best`)."""

    costs: tuple[float, ...]
    best: int
    words: tuple[int, ...]
    cell: tuple[float, ...]


def warp(fx, fy, wx, wy, sx, sy: float, shifts=((0.0, 0.0),), *, cap: float = 9.0,
         start: tuple[int, int] | None = None, penalties=None, short=None,
         refix: float = 0.3, skip_short: float = 0.3, skip_long: float = 1.5) -> Alignment:
    """Align fixations (fx, fy) to words (centres wx, wy; x scale sx per word, y scale sy).

    Under hypothesis h the fixations are taken minus `shifts[h]` = (dx, dy) px.
    `penalties[h]` is added to the cost of hypothesis h (a prior against it).
    `start=(lo, hi)`: the first fixation reads a word in lo..hi. `short[j]`: word j
    is short (cheap to skip); default: none is.
    """
    n, m, H = len(fx), len(wx), len(shifts)
    if n == 0 or m == 0:
        raise ValueError("warp needs at least one fixation and one word")
    WX = np.asarray(wx, float)
    WY = np.asarray(wy, float)
    SX = np.asarray(sx, float)
    SH = np.asarray(shifts, float).reshape(H, 2)
    ux = ((np.asarray(fx, float)[:, None, None] - SH[None, :, 0:1] - WX[None, None, :]) / SX[None, None, :]) ** 2
    uy = ((np.asarray(fy, float)[:, None, None] - SH[None, :, 1:2] - WY[None, None, :]) / sy) ** 2
    c = np.minimum(ux + uy, cap)  # (n, H, m)
    # Penalty for skipping word j (to arrive at j+1 from j-1).
    ps = np.full(m, skip_long)
    if short is not None:
        ps[np.asarray(short, bool)] = skip_short
    p1 = np.concatenate(([np.inf], ps[:-1]))  # arrive at j skipping j-1
    p2 = np.concatenate(([np.inf, np.inf], ps[:-2] + ps[1:-1])) if m > 2 else np.full(m, np.inf)
    D = np.empty((n, H, m))
    choice = np.zeros((n, H, m), np.int8)  # 0 same word, 1 next, 2 skip one, 3 skip two
    if start is None:
        D[0] = c[0]
    else:
        lo, hi = max(0, start[0]), min(m - 1, start[1])
        if lo > hi:
            raise ValueError(f"start window {start} outside the {m} words")
        D[0] = np.inf
        D[0][:, lo:hi + 1] = c[0][:, lo:hi + 1]
    inf1 = np.full((H, 1), np.inf)
    inf2 = np.full((H, 2), np.inf)
    inf3 = np.full((H, 3), np.inf)
    cand = np.empty((4, H, m))
    for i in range(1, n):
        prev = D[i - 1]
        cand[0] = prev + refix
        cand[1] = np.concatenate((inf1, prev[:, :-1]), axis=1)
        cand[2] = np.concatenate((inf2, prev[:, :-2]), axis=1)[:, :m] + p1
        cand[3] = np.concatenate((inf3, prev[:, :-3]), axis=1)[:, :m] + p2
        k = cand.argmin(axis=0)
        choice[i] = k
        D[i] = c[i] + np.take_along_axis(cand, k[None], axis=0)[0]
    last = D[n - 1]
    ends = last.argmin(axis=1)
    costs = last[np.arange(H), ends]
    if penalties is not None:
        costs = costs + np.asarray(penalties, float)
    best = int(costs.argmin())
    j = int(ends[best])
    words = [0] * n
    ch = choice[:, best, :]
    for i in range(n - 1, -1, -1):
        words[i] = j
        if i:
            j -= int(ch[i, j])
    cells = c[np.arange(n), best, words]
    return Alignment(tuple(costs.tolist()), best, tuple(words), tuple(cells.tolist()))
