"""Reading episodes: consecutive fixations reading one text region, aligned as a whole.

The texts are small (a typed message, a page of a few hundred fixations), so after
every `chunk` new fixations the whole episode so far (its last `max_fixations`) is
assigned to lines again by a batch algorithm (`lines.py`, after Carr et al. 2022),
and the episode's evidence replaces what it gave before. The lines: the most likely
vertical shift of the whole episode against the text block (`lines.shift_loglik`),
then `slice` (Carr et al.'s best algorithm on their data; with the shift first it was
right in all 1296 real cases, benchmarks/drift_lines.py). If a shift half a line or
more away fits almost as well (`line_margin`), the episode gives no evidence and
reports a conflict.

Evidence per episode: per line read, the median of its fixations' y minus the line's
midline (a source, weighing as many fixations); x as one range, the horizontal shifts that put the fixations inside the word
boxes of their lines (the flat bottom of that cost), unless another shift about a
word away fits nearly as well (then x is ambiguous and left out).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gazetype.calibration.evidence import Evidence
from gazetype.calibration.lines import TextLines, assign, shift_logdens
from gazetype.calibration.regions import TextRegion


@dataclass(frozen=True, slots=True)
class EpisodeConfig:
    chunk: int = 6  # align again after this many new fixations
    min_fixations: int = 2  # shorter episodes carry too little sequence to align
    max_fixations: int = 400  # the episode's latest fixations aligned at once
    gap_s: float = 1.0  # a pause longer than this ends an episode (s)
    launch_gap_s: float = 0.3  # the fixation before is the saccade's launch if it ended this recently (s)
    line_method: str = "nearest"  # after the shift: "nearest" line, or a lines.assign method (measured: slice did worse online)
    line_margin: float = 6.0  # log likelihood by which the best line shift must beat any other
    max_shift_deg: float = 3.5  # vertical shifts searched, +- (deg)
    y_sd_deg: float = 0.25  # vertical scatter of reading fixations about the midline (deg) ...
    y_sd_line_frac: float = 0.12  # ... plus this fraction of the line height
    landing_lo_frac: float = 0.3  # where in a word eyes land, from its left edge (fraction of width;
    landing_hi_frac: float = 0.6  # Rayner 1979, widened for people unlike the average reader)
    x_cap_frac: float = 1.5  # per fixation, distance to its word counted up to this many characters
    x_margin: float = 4.0  # another x shift must cost this much more (x is ambiguous otherwise)
    x_sd_deg: float = 0.1  # noise beyond the x range of a whole episode's fit (deg)
    x_max_deg: float = 3.5  # x shifts searched, +- (deg)


@dataclass(frozen=True, slots=True)
class Alignment:
    lines: np.ndarray  # line index per fixation
    conflict: bool  # the two assignments disagree by a line or more


def text_lines(reg: TextRegion) -> TextLines | None:
    """The region as `lines.TextLines` (None if it has no words)."""
    if not len(reg) or reg.n_lines == 0:
        return None
    order = sorted(reg.line_y)
    index = {ln: k for k, ln in enumerate(order)}
    ys = np.asarray([reg.line_y[ln] for ln in order], float)
    if len(ys) > 1 and np.any(np.diff(ys) <= 0):
        return None
    h = reg.line_h
    boxes = np.asarray([(x0, y - 0.5 * h, x1, y + 0.5 * h) for x0, x1, y in zip(reg.x0, reg.x1, reg.cy)], float)
    return TextLines(ys, boxes, np.asarray([index[ln] for ln in reg.lines], int))


class AlignCache:
    """An episode's per-fixation cost terms (`lines.shift_logdens` by fixation y, the x
    cost by fixation x and line), so that aligning a growing episode again computes only
    its new fixations: the same terms, summed the same way, so the same result. Valid for
    one text region, screen and config (`use` clears it when they change)."""

    __slots__ = ("key", "tl", "ll", "x")

    def __init__(self) -> None:
        self.key: tuple = ()
        self.tl: TextLines | None = None
        self.ll: dict[float, np.ndarray] = {}
        self.x: dict[tuple[float, int], np.ndarray] = {}

    def use(self, reg: TextRegion, ppd: float, cfg: EpisodeConfig) -> TextLines | None:
        key = (reg, reg.t_s, ppd, cfg)
        if len(self.key) != 4 or self.key[0] is not reg or self.key[1:] != key[1:]:
            self.key, self.tl = key, text_lines(reg)
            self.ll.clear()
            self.x.clear()
        return self.tl


def _sum_terms(keys: list, store: dict, compute) -> np.ndarray:
    """Sum over fixations of cached (shifts,) terms; `compute(missing keys)` gives the
    missing ones as the columns of a (shifts, k) array."""
    missing = [k for k in dict.fromkeys(keys) if k not in store]
    if missing:
        block = compute(missing)
        for j, k in enumerate(missing):
            store[k] = block[:, j]
        if len(store) > 2 * len(keys) + 64:  # terms of fixations that left the window (max_fixations)
            used = set(keys)
            for k in [k for k in store if k not in used]:
                del store[k]
    # stacked as columns: the (shifts, fixations) array the direct computation sums
    return np.stack([store[k] for k in keys], axis=1).sum(axis=1)


def align(fix_xy: np.ndarray, tl: TextLines, max_px: float, margin: float, method: str = "slice",
          cache: AlignCache | None = None) -> Alignment:
    """Lines by `slice` after removing the most likely vertical shift of the whole
    episode (`lines.shift_loglik`): the combination that was right in every one of 1296
    real cases (docs/autocalibration.md). A conflict when a shift at least half a line
    away fits within `margin` (log likelihood) of the best."""
    fix_xy = np.asarray(fix_xy, dtype=float)
    h = tl.line_height_px
    shifts = np.arange(-max_px - 0.5 * h, max_px + 0.5 * h, max(1.0, 0.02 * h))
    if cache is None:
        ll = shift_logdens(fix_xy[:, 1], tl, shifts).sum(axis=1)
    else:
        ll = _sum_terms(fix_xy[:, 1].tolist(), cache.ll,
                        lambda ys: shift_logdens(np.asarray(ys, float), tl, shifts))
    i = int(np.argmax(ll))
    best = float(shifts[i])
    far = np.abs(shifts - best) >= 0.5 * h
    conflict = bool(far.any() and float(ll[i] - ll[far].max()) < margin)
    shifted = fix_xy - np.array([0.0, best])
    if method == "nearest" or tl.n_lines == 1:
        lines = np.abs(shifted[:, 1, None] - tl.line_y_px[None, :]).argmin(axis=1)
    else:
        lines = assign(method, shifted, tl)
    return Alignment(lines, conflict)


def x_range(fx: np.ndarray, line_idx: np.ndarray, tl: TextLines, cap_px: float, max_px: float,
            step_px: float, margin: float, land: tuple[float, float],
            cache: AlignCache | None = None) -> tuple[float, float] | None:
    """The horizontal shifts (lo, hi px) that put the fixations where eyes land in the
    words of their lines (from `land[0]` to `land[1]` of a word's width), or None when a
    shift elsewhere fits within `margin` (ambiguous: words repeat along a line)."""
    shifts = np.arange(-max_px, max_px + 0.5 * step_px, step_px)
    if not len(tl.word_line) or not np.isin(line_idx, tl.word_line).any():
        return None
    if cache is None:
        cost = _x_costs(fx, line_idx, tl, cap_px, shifts, land).sum(axis=1)
    else:
        cost = _sum_terms(list(zip(fx.tolist(), line_idx.tolist())), cache.x,
                          lambda keys: _x_costs(np.asarray([k[0] for k in keys], float),
                                                np.asarray([k[1] for k in keys], int), tl, cap_px, shifts, land))
    best = float(cost.min())
    ok = cost <= best + 1.0
    idx = np.flatnonzero(ok)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    i = int(np.argmin(cost))
    run = next(r for r in runs if r[0] <= i <= r[-1])
    # Another valley (beyond the slopes rising from this one) that fits nearly as well:
    # another word alignment.
    lo, hi = int(run[0]), int(run[-1])
    while lo > 0 and cost[lo - 1] >= cost[lo]:
        lo -= 1
    while hi < len(cost) - 1 and cost[hi + 1] >= cost[hi]:
        hi += 1
    outside = np.ones(len(shifts), bool)
    outside[lo:hi + 1] = False
    if outside.any() and float(cost[outside].min()) < best + margin:
        return None
    return float(shifts[run[0]]), float(shifts[run[-1]])


def _x_costs(fx: np.ndarray, line_idx: np.ndarray, tl: TextLines, cap_px: float, shifts: np.ndarray,
             land: tuple[float, float]) -> np.ndarray:
    """`x_range`'s terms: (shifts, fixations), each fixation's capped squared distance
    to the landing span of the nearest word of its line. Each column depends only on its
    own fixation and line."""
    wb = tl.word_box_px
    w = wb[:, 2] - wb[:, 0]
    lo_x, hi_x = wb[:, 0] + land[0] * w, wb[:, 0] + land[1] * w
    # Each line's landing spans, padded to the longest line (a fixation meets only its own line's words).
    per_line = [np.flatnonzero(tl.word_line == k) for k in range(tl.n_lines)]
    width = max((len(p) for p in per_line), default=0)
    span_lo = np.full((tl.n_lines, width), np.inf)
    span_hi = np.full((tl.n_lines, width), np.inf)
    for k, p in enumerate(per_line):
        span_lo[k, :len(p)], span_hi[k, :len(p)] = lo_x[p], hi_x[p]
    a, b = span_lo[line_idx], span_hi[line_idx]  # (n, width)
    xs = fx[None, :, None] - shifts[:, None, None]  # (S, n, 1)
    d = np.maximum(np.maximum(a[None] - xs, xs - b[None]), 0.0)
    d = np.nan_to_num(d, nan=np.inf, posinf=np.inf).min(axis=2)  # padding: inf - inf
    return (np.minimum(d, cap_px) / cap_px) ** 2


def episode_evidence(fixes: list, reg: TextRegion, group: int, ppd: float,
                     cfg: EpisodeConfig, cache: AlignCache | None = None) -> tuple[list[Evidence], bool]:
    """Evidence from the episode's fixations (reported px) on `reg`, and whether its
    line assignments conflicted. `cache`: the episode's, to align it again cheaply."""
    tl = text_lines(reg) if cache is None else cache.use(reg, ppd, cfg)
    if tl is None or len(fixes) < cfg.min_fixations:
        return [], False
    fixes = fixes[-cfg.max_fixations:]
    f = np.asarray([(fx.x_px, fx.y_px) for fx in fixes], float)
    al = align(f, tl, cfg.max_shift_deg * ppd, cfg.line_margin, cfg.line_method, cache)
    if al.conflict:
        return [], True
    lh = tl.line_height_px
    sdy = math.hypot(cfg.y_sd_deg * ppd, cfg.y_sd_line_frac * lh)
    cw = float(np.median((tl.word_box_px[:, 2] - tl.word_box_px[:, 0]))) / 5.0  # about a character
    xr = x_range(f[:, 0], al.lines, tl, cfg.x_cap_frac * max(cw, 1.0), cfg.x_max_deg * ppd, max(1.0, 0.05 * ppd),
                 cfg.x_margin, (cfg.landing_lo_frac, cfg.landing_hi_frac), cache)
    out = []
    t_end = fixes[-1].t_end_s
    if xr is not None:
        lo, hi = xr
        out.append(Evidence(t_end, 0.5 * (lo + hi), 0.0, 0.5 * (hi - lo), math.inf, cfg.x_sd_deg * ppd, 1.0,
                            kind="read-x", group=group, sources=len(np.unique(al.lines)),
                            weight=float(len(np.unique(al.lines)))))
    # y: per line read, the median of its fixations' y minus the midline (robust to a
    # stray fixation), weighing as many fixations; the saccades in are mostly along the
    # line (their vertical part, for the undershoot hypotheses: the median too).
    res = f[:, 1] - tl.line_y_px[al.lines]
    vy = np.zeros(len(fixes))
    for i in range(1, len(fixes)):
        if fixes[i].t_start_s - fixes[i - 1].t_end_s <= cfg.launch_gap_s:
            vy[i] = fixes[i].y_px - fixes[i - 1].y_px
    for ln in np.unique(al.lines):
        on = al.lines == ln
        t_last = max(fx.t_end_s for fx, o in zip(fixes, on) if o)
        out.append(Evidence(t_last, 0.0, float(np.median(res[on])), math.inf, 0.0, 1.0, sdy, 0.0,
                            float(np.median(vy[on])), kind=f"read-L{int(ln)}", group=group,
                            weight=float(on.sum())))
    return out, False
