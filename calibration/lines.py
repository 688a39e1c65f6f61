"""Batch line assignment for multi-line reading, and the tracker offset it implies.

Given a sequence of reading fixations (screen px, time order) on a known block of text,
each algorithm returns the index of the text line every fixation belongs to. The
algorithms follow the descriptions in

    Carr, J. W., Pescuma, V. N., Furlan, M., Ktori, M., & Crepaldi, D. (2022).
    Algorithms for the automated correction of vertical drift in eye-tracking data.
    Behavior Research Methods, 54, 287-310. https://doi.org/10.3758/s13428-021-01554-0

(and the original papers they cite); the code here is written from those descriptions.
`offset_from_assignment` turns an assignment into the tracker offset (reported minus true
gaze, px). Offsets and coordinates are screen px throughout; y grows downwards.

Pure numpy/scipy; imports nothing else from gazetype.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

__all__ = [
    "TextLines", "Offset", "METHODS", "assign", "attach", "chain", "cluster", "compare", "merge",
    "regress", "segment",
    "slice_", "split", "stretch", "warp", "global_shift_px", "shift_loglik", "offset_from_assignment", "dtw_path",
]


# ----------------------------------------------------------------------------- text layout

@dataclass(frozen=True, eq=False)
class TextLines:
    """A block of text lines on screen.

    line_y_px: (m,) midline y of each line, ascending.
    word_box_px: (w, 4) word boxes x0, y0, x1, y1, in reading order.
    word_line: (w,) line index of each word.
    """
    line_y_px: np.ndarray
    word_box_px: np.ndarray
    word_line: np.ndarray
    line_height_px: float = field(init=False)

    def __post_init__(self):
        y = np.asarray(self.line_y_px, dtype=float).reshape(-1)
        box = np.asarray(self.word_box_px, dtype=float).reshape(-1, 4)
        wl = np.asarray(self.word_line, dtype=int).reshape(-1)
        if y.size == 0 or np.any(np.diff(y) <= 0) or not np.all(np.isfinite(y)):
            raise ValueError("line_y_px must be non-empty, finite and strictly ascending")
        if len(box) != len(wl) or (wl.size and (wl.min() < 0 or wl.max() >= y.size)):
            raise ValueError("word_line must give a valid line index for every word box")
        object.__setattr__(self, "line_y_px", y)
        object.__setattr__(self, "word_box_px", box)
        object.__setattr__(self, "word_line", wl)
        object.__setattr__(self, "line_height_px", float(np.median(np.diff(y))) if y.size > 1
                           else float(np.median(box[:, 3] - box[:, 1])) if len(box) else 1.0)

    @classmethod
    def from_text(cls, lines: Sequence[str], left_px: float, first_mid_y_px: float,
                  char_w_px: float, line_h_px: float) -> "TextLines":
        """Monospaced text: character i of line k spans x in [left + i*w, left + (i+1)*w),
        line k's midline is at first_mid_y + k*line_h. Words are maximal non-space runs."""
        boxes, owner = [], []
        for k, text in enumerate(lines):
            mid = first_mid_y_px + k * line_h_px
            i = 0
            while i < len(text):
                if text[i].isspace():
                    i += 1
                    continue
                j = i
                while j < len(text) and not text[j].isspace():
                    j += 1
                boxes.append((left_px + i * char_w_px, mid - line_h_px / 2,
                              left_px + j * char_w_px, mid + line_h_px / 2))
                owner.append(k)
                i = j
        ys = first_mid_y_px + line_h_px * np.arange(len(lines))
        return cls(ys, np.array(boxes, dtype=float).reshape(-1, 4), np.array(owner, dtype=int))

    @property
    def n_lines(self) -> int:
        return int(self.line_y_px.size)

    @property
    def word_centre_px(self) -> np.ndarray:
        """(w, 2) word centres x, y."""
        b = self.word_box_px
        return np.column_stack([(b[:, 0] + b[:, 2]) / 2, self.line_y_px[self.word_line]])

    def line_extent_px(self) -> np.ndarray:
        """(m, 2) leftmost and rightmost x of each line's words (NaN for an empty line)."""
        ext = np.full((self.n_lines, 2), np.nan)
        for k in range(self.n_lines):
            b = self.word_box_px[self.word_line == k]
            if len(b):
                ext[k] = b[:, 0].min(), b[:, 2].max()
        return ext


def _check(fix_xy) -> np.ndarray:
    f = np.asarray(fix_xy, dtype=float)
    if f.size == 0:
        return f.reshape(0, 2)
    if f.ndim != 2 or f.shape[1] < 2:
        raise ValueError("fix_xy must have shape (n, 2)")
    f = f[:, :2]
    if not np.all(np.isfinite(f)):
        raise ValueError("fix_xy must be finite (no NaN / inf)")
    return f


def _nearest_line(y_px: np.ndarray, lines: TextLines) -> np.ndarray:
    """Index of the line midline nearest to each y (px)."""
    ly = lines.line_y_px
    i = np.clip(np.searchsorted(ly, y_px), 1, max(ly.size - 1, 1))
    if ly.size == 1:
        return np.zeros(np.shape(y_px), dtype=int)
    below = np.abs(y_px - ly[i - 1]) <= np.abs(ly[i] - y_px)
    return np.where(below, i - 1, i).astype(int)


def _runs(f: np.ndarray, x_thresh_px: float, y_thresh_px: float) -> list[np.ndarray]:
    """Split the sequence where a saccade is longer than x_thresh horizontally or
    y_thresh vertically (absolute); returns index arrays."""
    if len(f) == 0:
        return []
    d = np.abs(np.diff(f, axis=0))
    cut = np.flatnonzero((d[:, 0] > x_thresh_px) | (d[:, 1] > y_thresh_px)) + 1
    return np.split(np.arange(len(f)), cut)


def _groups_to_lines(groups: list[np.ndarray], f: np.ndarray, lines: TextLines) -> np.ndarray:
    """Map groups (ordered top to bottom by their mean y) onto consecutive text lines. With
    fewer groups than lines the block of lines whose midlines best fit the group means
    (least squares) is used, so the reader may be anywhere in the text."""
    out = np.zeros(len(f), dtype=int)
    groups = [g for g in groups if len(g)]
    if not groups:
        return out
    mean_y = np.array([f[g, 1].mean() for g in groups])
    order = np.argsort(mean_y, kind="stable")
    m, g = lines.n_lines, len(groups)
    if g > m:  # more groups than lines: fold the outermost into their neighbours
        rank = np.minimum(np.arange(g), m - 1)
        start = 0
    else:
        rank = np.arange(g)
        costs = [np.sum((mean_y[order] - lines.line_y_px[s:s + g]) ** 2) for s in range(m - g + 1)]
        start = int(np.argmin(costs))
    for r, gi in zip(rank, order):
        out[groups[gi]] = start + r
    return out


# ----------------------------------------------------------------------------- algorithms

def attach(fix_xy, lines: TextLines) -> np.ndarray:
    """Each fixation to the line whose midline is nearest in y (the no-correction baseline)."""
    f = _check(fix_xy)
    return _nearest_line(f[:, 1], lines)


def chain(fix_xy, lines: TextLines, x_thresh_px: float = 192, y_thresh_px: float = 32) -> np.ndarray:
    """Chain (Schroeder's popEye): cut the sequence into runs at long saccades (> x_thresh
    horizontally or > y_thresh vertically); each run goes to the line nearest its mean y."""
    f = _check(fix_xy)
    out = np.zeros(len(f), dtype=int)
    for r in _runs(f, x_thresh_px, y_thresh_px):
        out[r] = _nearest_line(np.array([f[r, 1].mean()]), lines)[0]
    return out


def _kmeans_1d(v: np.ndarray, k: int) -> np.ndarray:
    """Optimal 1-D k-means by dynamic programming over the sorted values; returns labels
    0..k'-1 ordered by value (k' = min(k, distinct values))."""
    n = len(v)
    order = np.argsort(v, kind="stable")
    s = v[order]
    k = int(min(k, len(np.unique(s))))
    if k <= 1:
        return np.zeros(n, dtype=int)
    c1 = np.concatenate([[0.0], np.cumsum(s)])
    c2 = np.concatenate([[0.0], np.cumsum(s * s)])
    i = np.arange(n)[:, None]          # segment start (inclusive)
    j = np.arange(n)[None, :]          # segment end (inclusive)
    cnt = np.maximum(j - i + 1, 1)
    sm = c1[j + 1] - c1[i]
    sse = (c2[j + 1] - c2[i]) - sm * sm / cnt
    sse = np.where(j >= i, np.maximum(sse, 0.0), np.inf)
    cost = sse[0].copy()               # cost[j]: best with 1 cluster over s[0..j]
    back = np.zeros((k, n), dtype=int)
    for c in range(1, k):
        # new cluster starts at i (>=1): prev cost[i-1] + sse[i, j]
        tot = cost[:-1][:, None] + sse[1:]
        arg = np.argmin(tot, axis=0)
        back[c] = arg + 1
        cost = tot[arg, np.arange(n)]
    labels_sorted = np.zeros(n, dtype=int)
    end = n - 1
    for c in range(k - 1, -1, -1):
        st = back[c, end] if c > 0 else 0
        labels_sorted[st:end + 1] = c
        end = st - 1
        if end < 0:
            break
    labels = np.empty(n, dtype=int)
    labels[order] = labels_sorted
    return labels


def cluster(fix_xy, lines: TextLines) -> np.ndarray:
    """Cluster (popEye): 1-D k-means of fixation y into as many clusters as lines (exact
    solution here, not random restarts); clusters map to lines in vertical order."""
    f = _check(fix_xy)
    if len(f) == 0:
        return np.zeros(0, dtype=int)
    lab = _kmeans_1d(f[:, 1], lines.n_lines)
    return _groups_to_lines([np.flatnonzero(lab == c) for c in range(lab.max() + 1)], f, lines)


def regress(fix_xy, lines: TextLines, slope_bounds: tuple[float, float] = (-0.1, 0.1),
            offset_bounds_px: tuple[float, float] = (-50, 50),
            sd_bounds_px: tuple[float, float] = (1, 20)) -> np.ndarray:
    """Regress (Cohen 2013): fit parallel regression lines y = slope*x + line_y + offset with
    a common Gaussian spread, maximising each fixation's best-line likelihood; assign each
    fixation to its most likely line. Parameters are bounded (slope dimensionless, px)."""
    f = _check(fix_xy)
    if len(f) == 0:
        return np.zeros(0, dtype=int)
    x, y, ly = f[:, 0], f[:, 1], lines.line_y_px
    lo = np.array([slope_bounds[0], offset_bounds_px[0], sd_bounds_px[0]])
    hi = np.array([slope_bounds[1], offset_bounds_px[1], sd_bounds_px[1]])

    def unpack(p):  # unbounded -> bounded via a logistic squash
        return lo + (hi - lo) * expit(np.asarray(p))

    def resid(p):
        k, o, _ = unpack(p)
        return y[:, None] - (k * x[:, None] + ly[None, :] + o)

    def nll(p):
        sd = unpack(p)[2]
        r = np.min(np.abs(resid(p)), axis=1)
        return float(np.sum(0.5 * (r / sd) ** 2 + np.log(sd)))

    best = minimize(nll, np.zeros(3), method="Nelder-Mead",
                    options={"xatol": 1e-3, "fatol": 1e-3, "maxiter": 600})
    return np.argmin(np.abs(resid(best.x)), axis=1).astype(int)


def segment(fix_xy, lines: TextLines) -> np.ndarray:
    """Segment (Abdulin & Komogortsev 2015): the m-1 most leftward saccades are return
    sweeps; the line index starts at the first line and advances after each sweep."""
    f = _check(fix_xy)
    n = len(f)
    if n < 2:
        return attach(f, lines)
    dx = np.diff(f[:, 0])
    sweeps = np.argsort(dx, kind="stable")[:lines.n_lines - 1]
    step = np.zeros(n, dtype=int)
    step[sweeps + 1] = 1
    return np.cumsum(step)


def split(fix_xy, lines: TextLines) -> np.ndarray:
    """Split (Carr et al.): 2-means on the horizontal saccade lengths; the cluster with the
    more negative centre holds the return sweeps, which cut the sequence into lines; each
    piece goes to the line nearest its mean y."""
    f = _check(fix_xy)
    n = len(f)
    if n < 3:
        return attach(f, lines)
    dx = np.diff(f[:, 0])
    lab = _kmeans_1d(dx, 2)  # label 0 = the more negative values
    cut = np.flatnonzero(lab == 0) + 1 if lab.max() > 0 else np.zeros(0, dtype=int)
    out = np.zeros(n, dtype=int)
    for r in np.split(np.arange(n), cut):
        if len(r):
            out[r] = _nearest_line(np.array([f[r, 1].mean()]), lines)[0]
    return out


def stretch(fix_xy, lines: TextLines, scale_bounds: tuple[float, float] = (0.9, 1.1),
            offset_bounds_px: tuple[float, float] = (-50, 50)) -> np.ndarray:
    """Stretch (Lohmeier 2015): find the vertical scale and offset of the fixation y values
    that minimise the summed distance to the nearest midline; snap to it."""
    f = _check(fix_xy)
    if len(f) == 0:
        return np.zeros(0, dtype=int)
    y, ly = f[:, 1], lines.line_y_px
    centre = float(np.mean(ly))

    def cost(p):
        yy = (y - centre) * p[0] + centre + p[1]
        return float(np.sum(np.abs(yy - ly[_nearest_line(yy, lines)])))

    # the cost is piecewise linear: a coarse grid then a bounded local search
    grid = [(s, o) for s in np.linspace(*scale_bounds, 9)
            for o in np.linspace(*offset_bounds_px, 21)]
    p0 = min(grid, key=cost)
    best = minimize(cost, p0, method="Powell", bounds=[scale_bounds, offset_bounds_px])
    p = best.x if best.fun <= cost(p0) else np.asarray(p0)
    return _nearest_line((y - centre) * p[0] + centre + p[1], lines)


def dtw_path(a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray]:
    """Dynamic time warping of sequences a (n, d) and b (w, d) with Euclidean step cost.
    Returns (total cost, (k, 2) index pairs of the optimal path from (0, 0) to (n-1, w-1)).
    Rows are computed with a prefix-minimum, so the work is O(n*w) in numpy."""
    n, w = len(a), len(b)
    c = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    D = np.empty((n, w))
    cs = np.cumsum(c[0])
    D[0] = cs
    for i in range(1, n):
        diag = np.concatenate([[np.inf], D[i - 1, :-1]])
        t = c[i] + np.minimum(D[i - 1], diag)        # arriving from the row above
        C = np.cumsum(c[i])
        D[i] = C + np.minimum.accumulate(t - C)        # then moving right along the row
    i, j = n - 1, w - 1
    path = [(i, j)]
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            moves = (D[i - 1, j - 1], D[i - 1, j], D[i, j - 1])
            k = int(np.argmin(moves))
            i, j = (i - 1, j - 1) if k == 0 else (i - 1, j) if k == 1 else (i, j - 1)
        path.append((i, j))
    return float(D[-1, -1]), np.array(path[::-1], dtype=int)


def warp(fix_xy, lines: TextLines, return_words: bool = False):
    """Warp (Carr et al.): dynamic time warping between the fixation sequence and the word
    centres in reading order (2-D Euclidean cost, px); each fixation takes the most common
    line among the words it is matched to (ties: nearest in y). With return_words, also
    returns (n,) the index of the first matched word on that line for each fixation."""
    f = _check(fix_xy)
    n = len(f)
    if n == 0 or len(lines.word_box_px) == 0:
        out = attach(f, lines)
        return (out, np.full(n, -1)) if return_words else out
    wc = lines.word_centre_px
    _, path = dtw_path(f, wc)
    out = np.zeros(n, dtype=int)
    word = np.full(n, -1)
    starts = np.searchsorted(path[:, 0], np.arange(n))
    ends = np.searchsorted(path[:, 0], np.arange(n), side="right")
    for i in range(n):
        ws = path[starts[i]:ends[i], 1]
        ln = lines.word_line[ws]
        vals, cnt = np.unique(ln, return_counts=True)
        top = vals[cnt == cnt.max()]
        best = top[np.argmin(np.abs(lines.line_y_px[top] - f[i, 1]))]
        out[i] = best
        word[i] = ws[ln == best][0]
    return (out, word) if return_words else out


def slice_(fix_xy, lines: TextLines, x_thresh_px: float = 192, y_thresh_px: float = 32,
           w_thresh_px: float = 32, n_thresh_px: float = 90) -> np.ndarray:
    """Slice (Glandorf & Schroeder 2021): cut into runs at long saccades; seed a proto-line
    with the run of greatest horizontal span; repeatedly grow the topmost and bottommost
    proto-lines, absorbing runs whose mean vertical distance to the proto-line (measured
    against its fixation nearest in x) is < w_thresh, and starting the adjacent proto-line
    with runs at w_thresh..n_thresh in that direction (or a phantom one line-height away);
    leftover runs join the nearest proto-line; surplus outer proto-lines are merged into
    their neighbours; proto-lines map to text lines in vertical order."""
    f = _check(fix_xy)
    n = len(f)
    if n == 0:
        return np.zeros(0, dtype=int)
    runs = _runs(f, x_thresh_px, y_thresh_px)
    span = [f[r[-1], 0] - f[r[0], 0] for r in runs]
    proto: dict[int, list[np.ndarray]] = {0: [runs.pop(int(np.argmax(span)))]}
    phantom: dict[int, np.ndarray] = {}

    def points(p):
        return f[np.concatenate(proto[p])] if proto.get(p) else phantom[p]

    def distance(pts, run):
        near = np.argmin(np.abs(pts[None, :, 0] - f[run, 0][:, None]), axis=1)
        return float(np.mean(f[run, 1] - pts[near, 1]))

    while runs:
        merged = False
        for p, sign in ((min(proto), -1), (max(proto), 1)):
            if not runs:
                break
            pts = points(p)
            d = np.array([distance(pts, r) for r in runs])
            here = np.flatnonzero(np.abs(d) < w_thresh_px)
            nxt = np.flatnonzero((d * sign >= w_thresh_px) & (d * sign < n_thresh_px))
            proto.setdefault(p + sign, [])
            proto[p].extend(runs[i] for i in here)
            proto[p + sign].extend(runs[i] for i in nxt)
            if len(nxt) == 0:
                mx, my = pts.mean(axis=0)
                phantom[p + sign] = np.array([[mx, my + sign * lines.line_height_px]])
            for i in sorted(np.concatenate([here, nxt]).astype(int), reverse=True):
                del runs[i]
                merged = True
        if not merged:
            break
    for r in runs:  # leftovers: nearest proto-line by mean vertical distance
        best = min(proto, key=lambda p: abs(distance(points(p), r)))
        proto[best].append(r)
    proto = {p: v for p, v in proto.items() if v}
    while len(proto) > lines.n_lines:  # prune: fold the smaller outermost proto-line inwards
        keys = sorted(proto)
        top, bot = keys[0], keys[-1]
        size = {p: sum(len(r) for r in proto[p]) for p in (top, bot)}
        src, dst = (top, keys[1]) if size[top] < size[bot] else (bot, keys[-2])
        proto[dst].extend(proto.pop(src))
    return _groups_to_lines([np.concatenate(proto[p]) for p in sorted(proto)], f, lines)


def compare(fix_xy, lines: TextLines, x_thresh_px: float = 512, n_nearest: int = 3) -> np.ndarray:
    """Compare (Lima Sanches et al. 2015): cut the sequence into gaze lines at leftward
    saccades longer than x_thresh; of the n_nearest text lines (by mean y), each gaze line
    takes the one whose word-centre x sequence it matches best by dynamic time warping."""
    f = _check(fix_xy)
    n = len(f)
    out = np.zeros(n, dtype=int)
    if n == 0:
        return out
    cut = np.flatnonzero(np.diff(f[:, 0]) < -x_thresh_px) + 1
    wx = lines.word_centre_px[:, 0]
    for r in np.split(np.arange(n), cut):
        near = np.argsort(np.abs(lines.line_y_px - f[r, 1].mean()), kind="stable")[:n_nearest]
        costs = [dtw_path(f[r, :1], wx[lines.word_line == k][:, None])[0]
                 if np.any(lines.word_line == k) else np.inf for k in near]
        out[r] = near[int(np.argmin(costs))]
    return out


_MERGE_PHASES = ((3, 3, False), (1, 3, False), (1, 1, False), (1, 1, True))


def merge(fix_xy, lines: TextLines, y_thresh_px: float = 32, gradient_max: float = 0.1,
          error_max_px: float = 20) -> np.ndarray:
    """Merge (Spakov et al. 2019): cut into progressive sequences at every leftward saccade
    or vertical jump > y_thresh; then repeatedly merge the pair of sequences whose joint
    straight-line fit y = a*x + b has the smallest RMS error, until there are as many
    sequences as lines. Four phases relax the constraints (minimum sequence lengths 3/3,
    1/3, 1/1 with |a| < gradient_max and RMS < error_max; finally unconstrained).
    Sequences map to lines in vertical order. Pair fits use running sums, O(s^2) a step."""
    f = _check(fix_xy)
    n = len(f)
    if n == 0:
        return np.zeros(0, dtype=int)
    d = np.diff(f[:, 0]), np.abs(np.diff(f[:, 1]))
    cut = np.flatnonzero((d[0] < 0) | (d[1] > y_thresh_px)) + 1
    seqs = [list(r) for r in np.split(np.arange(n), cut)]
    x, y = f[:, 0], f[:, 1]
    stats = np.array([[len(q), x[q].sum(), y[q].sum(), (x[q] ** 2).sum(), (x[q] * y[q]).sum(),
                       (y[q] ** 2).sum()] for q in seqs])
    m = lines.n_lines
    for min_i, min_j, free in _MERGE_PHASES:
        while len(seqs) > m:
            S = stats[:, None, :] + stats[None, :, :]
            N, Sx, Sy, Sxx, Sxy, Syy = (S[..., k] for k in range(6))
            vxx = Sxx - Sx * Sx / N
            vxy = Sxy - Sx * Sy / N
            vyy = Syy - Sy * Sy / N
            with np.errstate(divide="ignore", invalid="ignore"):
                a = np.where(vxx > 1e-9, vxy / vxx, 0.0)
                sse = np.where(vxx > 1e-9, vyy - a * vxy, vyy)
            err = np.sqrt(np.maximum(sse, 0.0) / N)
            ok = np.triu(np.ones_like(err, dtype=bool), 1)
            ok &= (stats[:, 0] >= min_i)[:, None] & (stats[:, 0] >= min_j)[None, :]
            if not free:
                ok &= (np.abs(a) < gradient_max) & (err < error_max_px)
            if not ok.any():
                break
            i, j = np.unravel_index(np.argmin(np.where(ok, err, np.inf)), err.shape)
            # the merged sequence moves to the end of the list (this order matters to the
            # asymmetric length constraint of phase 2)
            seqs.append(seqs[i] + seqs[j])
            stats = np.vstack([np.delete(stats, [i, j], axis=0), stats[i] + stats[j]])
            del seqs[j], seqs[i]
    return _groups_to_lines([np.array(q) for q in seqs], f, lines)


# ----------------------------------------------------------------------------- global shift

def shift_loglik(fix_xy, lines: TextLines, shifts_px: np.ndarray, sd_frac: float = 0.25,
                 floor: float = 1e-3) -> np.ndarray:
    """Log likelihood of each vertical shift of the fixations against the text block:
    fixation y under a mixture of Gaussians at the shifted midlines (weighted by each
    line's text length, sd = sd_frac * line height) plus a small uniform floor for
    fixations off the text. The midline spacing fixes the phase; the block's ends (and
    the lines' lengths) fix the whole-line part."""
    return shift_logdens(_check(fix_xy)[:, 1], lines, shifts_px, sd_frac, floor).sum(axis=1)


def shift_logdens(y_px: np.ndarray, lines: TextLines, shifts_px: np.ndarray, sd_frac: float = 0.25,
                  floor: float = 1e-3) -> np.ndarray:
    """`shift_loglik`'s terms: (shifts, fixations), the log density of each fixation's
    y (px, finite) under each shift. Each column depends only on its own fixation."""
    h = lines.line_height_px
    wlen = np.bincount(lines.word_line, weights=lines.word_box_px[:, 2] - lines.word_box_px[:, 0],
                       minlength=lines.n_lines) if len(lines.word_line) else np.ones(lines.n_lines)
    wt = wlen / wlen.sum() if wlen.sum() > 0 else np.full(lines.n_lines, 1 / lines.n_lines)
    sd = sd_frac * h
    shifts = np.asarray(shifts_px, dtype=float)
    y = np.asarray(y_px, dtype=float)
    z = (y[None, :, None] - lines.line_y_px[None, None, :] - shifts[:, None, None]) / sd
    dens = (wt[None, None, :] * np.exp(-0.5 * z * z)).sum(axis=2) / (sd * np.sqrt(2 * np.pi))
    return np.log(dens + floor / h)


def global_shift_px(fix_xy, lines: TextLines, max_lines: float = 3.0, step_px: float = 2.0,
                    sd_frac: float = 0.25, floor: float = 1e-3) -> float:
    """Vertical shift (px) of the fixations relative to the text block, for readers who may
    be off by more than half a line: the most likely shift (`shift_loglik`), searched on a
    grid of step_px over +/- max_lines line heights (coarse, then refined)."""
    f = _check(fix_xy)
    if len(f) == 0:
        return 0.0
    h = lines.line_height_px

    def best_of(shifts):
        ll = shift_loglik(f, lines, shifts, sd_frac, floor)
        top = np.flatnonzero(ll >= ll.max() - 1e-9)
        return float(shifts[top[np.argmin(np.abs(shifts[top]))]])

    coarse = 4 * step_px  # coarse grid (still well under sd), then refine around the best
    s0 = best_of(np.arange(-max_lines * h, max_lines * h + coarse / 2, coarse))
    return best_of(np.arange(s0 - coarse, s0 + coarse + step_px / 2, step_px))


# ----------------------------------------------------------------------------- API

METHODS: dict[str, Callable[..., np.ndarray]] = {
    "attach": attach, "chain": chain, "cluster": cluster, "regress": regress,
    "segment": segment, "slice": slice_, "split": split, "stretch": stretch, "warp": warp,
    "merge": merge, "compare": compare,
}


def assign(method: str, fix_xy, lines: TextLines, *, shift: bool = False, **params) -> np.ndarray:
    """Line index (0..m-1) of each fixation by the named method (see METHODS).

    fix_xy: (n, 2) fixation x, y in screen px, in time order; NaN/inf raise ValueError.
    shift: first remove a global vertical shift (global_shift_px), so that methods that snap
    to the nearest line also work when the tracker is off by more than half a line."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {sorted(METHODS)}")
    f = _check(fix_xy)
    if len(f) == 0:
        return np.zeros(0, dtype=int)
    if shift:
        f = f - np.array([0.0, global_shift_px(f, lines)])
    return np.asarray(METHODS[method](f, lines, **params), dtype=int)


class Offset(NamedTuple):
    """Tracker offset estimate (reported minus true gaze), px; n = fixations used."""
    dx_px: float
    dy_px: float
    n: int


def offset_from_assignment(fix_xy, lines: TextLines, line_idx, *, x_method: str = "boxes") -> Offset:
    """Offset implied by a line assignment.

    dy: median over fixations of (y - assigned midline y).
    dx ("boxes", default): the shift that puts the fixations inside the word boxes of their
    assigned lines (robust squared distance, grid search over +/- 96 px, about 1.5 words;
    larger horizontal offsets alias to a neighbouring word). Shift-equivariant within that.
    dx ("extent"): per line, the midpoint of the fixations' 10th..90th percentile x
    range minus the midpoint of the line's text; median over lines with >= 3 fixations.
    Shift-equivariant (a horizontal shift of all fixations shifts dx by the same amount).
    dx ("dtw"): per line, dynamic time warping (x only) of that line's fixations, in time
    order, to its word centres; median of (x - matched word centre x). Measured on real
    reading it is NOT equivariant: the warp re-matches shifted fixations to neighbouring
    words and absorbs most of a shift (kept for comparison).
    Returns NaN components when nothing can be estimated."""
    f = _check(fix_xy)
    idx = np.asarray(line_idx, dtype=int).reshape(-1)
    if len(idx) != len(f):
        raise ValueError("line_idx must have one entry per fixation")
    if len(f) == 0:
        return Offset(float("nan"), float("nan"), 0)
    dy = float(np.median(f[:, 1] - lines.line_y_px[idx]))
    res = []
    wc = lines.word_centre_px[:, 0]
    ext = lines.line_extent_px()
    for k in np.unique(idx):
        xs = f[idx == k, 0]
        words = wc[lines.word_line == k]
        if len(words) == 0:
            continue
        if x_method == "dtw":
            _, p = dtw_path(xs[:, None], words[:, None])
            res.extend(xs[p[:, 0]] - words[p[:, 1]])
        elif x_method == "boxes":
            res.append(k)  # handled below, over all lines at once
        elif x_method == "extent":
            if len(xs) >= 3:
                lo, hi = np.percentile(xs, [10, 90])
                res.append((lo + hi) / 2 - ext[k].mean())
        else:
            raise ValueError(f"unknown x_method {x_method!r}")
    if x_method == "boxes":
        dx = _box_shift_px(f[:, 0], idx, lines) if res else float("nan")
    else:
        dx = float(np.median(res)) if res else float("nan")
    return Offset(dx, dy, int(len(f)))


def _box_shift_px(x_px: np.ndarray, idx: np.ndarray, lines: TextLines, max_px: float = 96.0,
                  step_px: float = 2.0, cap_px: float = 24.0) -> float:
    """Horizontal shift s minimising sum over fixations of min(distance from x - s to the
    nearest word box of its assigned line, cap)^2, on a grid over +/- max_px; the middle of
    the flat minimum."""
    shifts = np.arange(-max_px, max_px + step_px / 2, step_px)
    cost = np.zeros(len(shifts))
    used = False
    for k in np.unique(idx):
        box = lines.word_box_px[lines.word_line == k]
        if len(box) == 0:
            continue
        used = True
        xs = x_px[idx == k][None, :, None] - shifts[:, None, None]     # (S, n_k, 1)
        d = np.maximum(np.maximum(box[None, None, :, 0] - xs, xs - box[None, None, :, 2]), 0.0)
        cost += (np.minimum(d.min(axis=2), cap_px) ** 2).sum(axis=1)
    if not used:
        return float("nan")
    # the cost is flat while every fixation stays inside its word: take the middle of the
    # flat stretch around the minimum (not the end nearest 0, which would shrink dx)
    i = int(np.argmin(cost))
    flat = cost <= cost[i] + 1e-6 * max(cost[i], 1.0)
    lo, hi = i, i
    while lo > 0 and flat[lo - 1]:
        lo -= 1
    while hi < len(shifts) - 1 and flat[hi + 1]:
        hi += 1
    return float((shifts[lo] + shifts[hi]) / 2)
