"""The offset estimator: do no harm first, then converge.

Each axis is weighed on a grid of candidate offsets (+-`range_deg`). An observation
(`evidence.Evidence`) costs nothing for offsets inside its range and
((distance beyond the range) / sd)^2 outside, capped at `cap` so that a misread
fixation is an outlier, not a pull. Costs are weighted by age (`memory_s`: slow
drift is followed) and summed: C(o), -2 log likelihood up to a constant.

How far this person's saccades undershoot (u, 0 to `undershoot_max_frac`) moves
every observation along its saccade. It is one number per person, so it is weighed
as a hypothesis: the costs are computed for each u on a small grid, and every u whose
best fit is within `u_margin` of the best u stays plausible. With saccades from
several directions (glances from keys left and right, reading along lines) only
the true u fits them all; with one direction u stays open and so does the offset
along it.

The rule for the correction in force c (zero at the start):
- it stays while, for some plausible u, the evidence does not favour another
  correction by `apply_margin` (C(c) - min C) on either axis, or fewer than
  `min_sources` independent sources (glances, lines of aligned reading) exclude c
  on the side of the move. What differs between people is inside the ranges and the
  u hypotheses, so "no offset" and the current correction keep winning whenever the
  evidence allows them;
- when it moves, it moves only as far as needed: to the nearest offset whose cost is
  within `keep_margin` of the best (over the plausible hypotheses: the smallest move);
- when the well-fitting offsets form two separate groups (two line hypotheses, a
  word's width apart), it holds and says so (`conflict`);
- a jump (the tracker was bumped): when the recent evidence (`jump_window_s`) alone
  excludes the correction by `jump_margin` but older evidence holds it, the older
  evidence is forgotten.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gazetype.calibration.evidence import Evidence
from gazetype.tracker.screen import Screen


@dataclass(frozen=True, slots=True)
class EstimatorConfig:
    range_deg: float = 4.0  # offsets considered, +- (deg)
    step_deg: float = 0.025  # grid resolution (deg)
    cap: float = 4.0  # the most one observation can cost (2 SD beyond its range)
    apply_margin: float = 9.0  # cost by which the evidence must favour a change (3 SD, one axis)
    keep_margin: float = 1.0  # a correction moves to within this cost of the best, no further
    min_sources: int = 3  # independent sources excluding the correction before it moves
    undershoot_max_frac: float = 0.12  # saccades land short by 0 to this (Becker 1989; people differ)
    undershoot_steps: int = 7  # hypotheses for it, evenly from 0
    u_margin: float = 9.0  # a hypothesis for u this close (cost) to the best stays plausible
    memory_s: float = 90.0  # e-folding time of an observation's weight (s)
    window_s: float = 300.0  # observations older than this are forgotten (s)
    max_obs: int = 600  # ... and beyond this many
    jump_window_s: float = 20.0  # recent evidence that may overrule older evidence (s)
    jump_margin: float = 16.0  # cost by which it must exclude the correction (4 SD)
    conflict_gap_deg: float = 0.5  # well-fitting offsets this far apart are two hypotheses


_DIRECT_BELOW = 64  # observations; from here on the piecewise sum is quicker than the direct one


@dataclass(frozen=True, slots=True)
class _Obs:
    """The observations of one axis as arrays (time-weighted)."""

    z: np.ndarray  # offset at u = 0 (px)
    v: np.ndarray  # saccade vector component (px)
    half: np.ndarray
    sd: np.ndarray
    w: np.ndarray
    sources: list  # (source key, count) per observation

    def at(self, s: float) -> np.ndarray:
        """Observed offsets under undershoot hypothesis s = u / (1 - u)."""
        return self.z + s * self.v


@dataclass(slots=True)
class _Fit:
    """One axis under one u hypothesis: costs on the grid and what they ask for."""

    C: np.ndarray
    cmin: float
    c_cost: float
    target: float | None  # nearest well-fitting offset (None: two groups, c in neither)
    conflict: bool
    width_px: float


class OffsetEstimator:
    """See the module doc. `add(evidence)`, `replace_group(group, evidence)`, then
    `decide(t_s)`, which returns True when the correction in force changed."""

    def __init__(self, screen: Screen | None = None, config: EstimatorConfig | None = None) -> None:
        self.config = cfg = config or EstimatorConfig()
        self.ppd = ppd = (screen or Screen()).px_per_deg
        step = cfg.step_deg * ppd
        n = int(round(cfg.range_deg * ppd / step))
        self.grid = np.arange(-n, n + 1, dtype=float) * step
        us = np.linspace(0.0, cfg.undershoot_max_frac, cfg.undershoot_steps)
        self.undershoots = us
        self._s = us / (1.0 - us)
        self._cap_sd = math.sqrt(cfg.cap)
        self._step = float(self.grid[1] - self.grid[0])
        self.obs: list[Evidence] = []
        self.correction = (0.0, 0.0)
        self.conflict = False
        self.width_px = (math.inf, math.inf)  # of the well-fitting offsets around the correction
        self.plausible_u: tuple[float, ...] = tuple(us)
        self.n_used = 0
        self.restarts = 0
        self._dirty = False  # evidence arrived since the last decision

    # -- evidence ------------------------------------------------------------------
    def add(self, ev: Evidence) -> None:
        if ev.valid():
            self.obs.append(ev)
            self._dirty = True

    def replace_group(self, group: int, evs: list[Evidence]) -> None:
        """A reading episode aligned again: its earlier observations are replaced."""
        self.obs = [e for e in self.obs if e.group != group]
        self.obs.extend(e for e in evs if e.valid())
        self._dirty = True

    @property
    def sd_px(self) -> float:
        """Uncertainty of the correction: RMS over the axes of half the width of the
        well-fitting offsets around it (a range, not a Gaussian SD), px."""
        full = 2 * self.config.range_deg * self.ppd
        wx, wy = (w if math.isfinite(w) else full for w in self.width_px)
        return math.sqrt(0.5 * ((0.5 * wx) ** 2 + (0.5 * wy) ** 2))

    # -- decision ------------------------------------------------------------------
    def decide(self, t_s: float) -> bool:
        """Weigh the evidence (when some arrived since the last time)."""
        if not self._dirty:
            return False
        self._dirty = False
        self._forget(t_s)
        new = self._decide(t_s)
        if new is None or new == self.correction:
            return False
        self.correction = new
        return True

    def _forget(self, t_s: float) -> None:
        cfg = self.config
        horizon = t_s - cfg.window_s
        if self.obs and (self.obs[0].t_s < horizon or len(self.obs) > cfg.max_obs):
            self.obs = [e for e in self.obs if e.t_s >= horizon][-cfg.max_obs:]

    def _axis(self, axis: int, t_s: float, since: float = -math.inf) -> _Obs | None:
        """One axis's observations (time-weighted)."""
        rows = []
        for e in self.obs:
            if e.t_s < since:
                continue
            if axis == 1:
                z, v, half, sd = e.zy_px, e.vy_px, e.halfy_px, e.sdy_px
            else:
                z, v, half, sd = e.zx_px, e.vx_px, e.halfx_px, e.sdx_px
            if math.isfinite(half):
                rows.append((z, v, half, sd, e.t_s, e.weight, _source(e), e.sources))
        if not rows:
            return None
        a = np.asarray([r[:6] for r in rows], float)
        # An observation standing for several fixations (a line of reading) weighs as many.
        w = np.exp(-(t_s - a[:, 4]) / self.config.memory_s) * a[:, 5]
        return _Obs(a[:, 0], a[:, 1], a[:, 2], a[:, 3], w, [(r[6], r[7]) for r in rows])

    def _costs(self, o: _Obs, s: float) -> np.ndarray:
        """The weighted cost of every grid offset: sum over observations of
        w * (clip(|g - at| - half, 0, cap * sd) / sd)^2.

        Each observation's cost is piecewise quadratic in g: 0 within its half-width, a
        parabola on each side out to the cap, the cap beyond. So the sum is built from
        the pieces' coefficients (added where each piece starts, removed where it ends,
        then cumulated along the grid): O(observations + grid), where the direct sum is
        O(observations x grid) (it was most of what replay with autocalibration cost).
        Equal to the direct sum up to rounding (`_costs_direct`; tested)."""
        if len(o.w) < _DIRECT_BELOW:
            return self._costs_direct(o, s)  # few observations: the direct sum is quicker
        g = self.grid
        n_g = len(g)
        at, half, sd, w = o.at(s), o.half, o.sd, o.w
        cap = self._cap_sd * sd
        k = w / (sd * sd)
        lo, hi = at - half, at + half  # the zero piece
        i0 = np.searchsorted(g, lo - cap, "left")  # left parabola [i0, i1)
        i1 = np.searchsorted(g, lo, "left")
        i2 = np.searchsorted(g, hi, "right")  # right parabola [i2, i3)
        i3 = np.searchsorted(g, hi + cap, "right")

        # k (g - x)^2 = k g^2 - 2 k x g + k x^2, with x = lo on the left and hi on the right;
        # each piece's coefficients are added at its first index and taken off after its last.
        at_idx = np.concatenate((i0, i1, i2, i3, i0, i3))
        kk = np.concatenate((k, -k, k, -k))
        c2 = np.bincount(at_idx[:4 * len(k)], kk, n_g + 1)
        c1 = np.bincount(at_idx[:4 * len(k)], -2 * kk * np.concatenate((lo, lo, hi, hi)), n_g + 1)
        flat = w * self._cap_sd ** 2  # the cap, taken off over the observation's window
        c0 = np.bincount(at_idx, np.concatenate((k * lo * lo, -k * lo * lo, k * hi * hi, -k * hi * hi, -flat, flat)),
                         n_g + 1)
        c2, c1, c0 = np.cumsum(c2[:n_g]), np.cumsum(c1[:n_g]), np.cumsum(c0[:n_g])
        return float(w.sum()) * self._cap_sd ** 2 + c0 + (c1 + c2 * g) * g

    def _costs_all(self, o: _Obs) -> np.ndarray:
        """`_costs` for every undershoot hypothesis at once: (hypotheses, grid)."""
        if len(o.w) >= _DIRECT_BELOW:
            return np.stack([self._costs(o, s) for s in self._s])
        at = o.z[None, :] + self._s[:, None] * o.v[None, :]
        d = np.abs(self.grid[None, None, :] - at[:, :, None]) - o.half[None, :, None]
        sd = o.sd[None, :, None]
        np.maximum(d, 0.0, out=d)  # np.clip's wrapper costs more than the two ufuncs
        np.minimum(d, self._cap_sd * sd, out=d)
        d /= sd
        d *= d
        return o.w @ d

    def _costs_direct(self, o: _Obs, s: float) -> np.ndarray:
        """`_costs` by the definition (observations x grid): the reference for the tests."""
        d = np.abs(self.grid[None, :] - o.at(s)[:, None]) - o.half[:, None]
        np.clip(d, 0.0, self._cap_sd * o.sd[:, None], out=d)  # beyond the cap it costs the cap
        d /= o.sd[:, None]
        d *= d
        return o.w @ d

    def _fit(self, o: _Obs, s: float, c: float, C: np.ndarray | None = None) -> _Fit:
        """What the costs `C` (default: computed for hypothesis s) ask of correction c: the
        well-fitting offsets (within keep_margin of the best) form runs on the grid."""
        cfg = self.config
        g = self.grid
        if C is None:
            C = self._costs(o, s)
        cmin = float(C.min())
        idx = np.flatnonzero(C <= cmin + cfg.keep_margin)
        # runs as (first, last) grid indices
        if idx[-1] - idx[0] == len(idx) - 1:
            runs = [(int(idx[0]), int(idx[-1]))]  # one run (the usual case)
        else:
            breaks = np.flatnonzero(np.diff(idx) > 1)
            firsts = [int(idx[0])] + idx[breaks + 1].tolist()
            runs = list(zip(firsts, idx[breaks].tolist() + [int(idx[-1])]))
        step = self._step
        gap = max((g[b0] - g[a1] for (_, a1), (b0, _) in zip(runs, runs[1:])), default=0.0)
        conflict = len(runs) > 1 and gap >= cfg.conflict_gap_deg * self.ppd
        c_cost = float(np.interp(c, g, C))
        here = next((r for r in runs if g[r[0]] - step <= c <= g[r[1]] + step), None)
        if here is not None:
            return _Fit(C, cmin, c_cost, c, conflict, g[here[1]] - g[here[0]] + step)
        j = int(idx[np.argmin(np.abs(g[idx] - c))])
        run = next(r for r in runs if r[0] <= j <= r[1])
        return _Fit(C, cmin, c_cost, None if conflict else float(g[j]), conflict, g[run[1]] - g[run[0]] + step)

    def _decide(self, t_s: float) -> tuple[float, float] | None:
        cfg = self.config
        xs = (self._axis(0, t_s),)
        ys = self._axis(1, t_s)
        if xs[0] is None and ys is None:
            return None
        c = self.correction
        # Hypotheses for the person's undershoot u: each one's best cost first (all at
        # once), the fits (runs of well-fitting offsets) only for the plausible ones.
        Cy = self._costs_all(ys) if ys is not None else None
        Cxs = [self._costs_all(xo) if xo is not None else None for xo in xs]
        cmin_y = Cy.min(axis=1) if Cy is not None else 0.0
        tots = [np.broadcast_to((Cx.min(axis=1) if Cx is not None else 0.0) + cmin_y, self._s.shape) for Cx in Cxs]
        totals = [(float(tots[j][h]), h, j) for h in range(len(self._s)) for j in range(len(xs))]
        top = min(totals, key=lambda t: t[0])  # the first of the best, as the fits list had it
        best = top[0]

        def fit(h: int, j: int) -> tuple:  # (u, s, [fit x, fit y], [obs x, obs y])
            s, xo = self._s[h], xs[j]
            fy = self._fit(ys, s, c[1], Cy[h]) if ys is not None else None
            fx = self._fit(xo, s, c[0], Cxs[j][h]) if xo is not None else None
            return (self.undershoots[h], s, [fx, fy], [xo, ys])

        keys = [(h, j) for tot, h, j in totals if tot <= best + cfg.u_margin]
        plausible = [fit(h, j) for h, j in keys]
        self.plausible_u = tuple(sorted({float(f[0]) for f in plausible}))
        # Hold while some plausible person explains the evidence with the correction in force.
        candidates = []
        for _, sv, fs, axes in plausible:
            move = [False, False]
            tgt = list(c)
            for k, f in enumerate(fs):
                if f is None or f.c_cost - f.cmin < cfg.apply_margin:
                    continue
                if f.target is None:
                    move = None  # two line hypotheses: hold
                    break
                if f.target != c[k] and self._supported(axes[k], sv, c[k], f.target):
                    move[k], tgt[k] = True, f.target
            if move is None:
                continue
            if not any(move):
                candidates = [tuple(c)]
                break
            candidates.append(tuple(tgt))
        self.conflict = any(f is not None and f.conflict for p in plausible for f in p[2])
        best_fs = plausible[keys.index(top[1:])][2]
        self.width_px = tuple(f.width_px if f is not None else math.inf for f in best_fs)
        if not candidates:
            return None
        new = min(candidates, key=lambda p: math.hypot(p[0] - c[0], p[1] - c[1]))
        if new == tuple(c):
            if self._jumped(t_s, c):
                self.restarts += 1
                return self._decide(t_s)
            return None
        self.n_used = sum(len(o.z) for o in (xs[0], ys) if o is not None)
        return new

    def _supported(self, o: _Obs, s: float, c: float, target: float) -> bool:
        """At least `min_sources` independent sources exclude c on the side of the move."""
        sign = 1.0 if target > c else -1.0
        beyond = (sign * (o.at(s) - c) - o.half) > 0.5 * o.sd  # its range lies past c by half an SD
        return sum(dict(src for src, b in zip(o.sources, beyond) if b).values()) >= self.config.min_sources

    def _jumped(self, t_s: float, c: tuple[float, float]) -> bool:
        """The recent evidence alone clearly excludes c: forget what came before it."""
        cfg = self.config
        since = t_s - cfg.jump_window_s
        if not self.obs or self.obs[0].t_s >= since:
            return False  # nothing older to forget
        for k in (0, 1):
            o = self._axis(k, t_s, since)
            if o is None:
                continue
            C = self._costs_all(o)
            gain = [float(np.interp(c[k], self.grid, row)) - float(row.min()) for row in C]
            h = gain.index(min(gain))  # the hypothesis most favourable to c (the first, on ties)
            sv, f = self._s[h], self._fit(o, self._s[h], c[k], C[h])
            if f.c_cost - f.cmin >= cfg.jump_margin and f.target is not None \
                    and self._supported(o, sv, c[k], f.target):
                self.obs = [e for e in self.obs if e.t_s >= since]
                return True
        return False


def _source(e: Evidence):
    """Observations of one glance, or of one line of one aligned episode, are one source."""
    return (e.group, e.kind) if e.group >= 0 else id(e)
