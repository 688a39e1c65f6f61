"""Exact nonparametric tests and effect sizes for small paired designs. numpy only:
no p-value depends on the installed scipy.

- Wilcoxon signed-rank test (two-sided), zero differences dropped (Wilcoxon's
  "wilcox" convention), tied |differences| given mid-ranks. The p-value is exact:
  the null distribution of T+ is built from the actual mid-ranks (every one of the
  2^m sign assignments of the m non-zero differences, counted by a convolution), so
  ties and zeros are handled exactly. Above `EXACT_WILCOXON_MAX` non-zero differences
  a normal approximation (tie-corrected, no continuity correction) is used and
  labelled as such.
- Friedman test, ranks within each participant (mid-ranks for ties), tie-corrected
  chi-square statistic. The p-value is exact under the permutation null (each
  participant's ranks permuted independently; all (k!)^n arrangements counted through
  their rank sums) when that is cheap enough, else a seeded Monte Carlo estimate over
  `MC_PERMUTATIONS` random arrangements, labelled as such.
- Effect sizes: matched-pairs rank-biserial r = (T+ - T-) / (T+ + T-) (Kerby 2014),
  Kendall's W = chi2_F / (n (k - 1)). Confidence intervals: percentile bootstrap over
  participants, `BOOT_RESAMPLES` resamples, fixed seed `BOOT_SEED` (deterministic).
- Holm's step-down correction over a stated family, untestable members counted.
"""
from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

EXACT_WILCOXON_MAX = 400  # non-zero differences up to which the signed-rank p is exact
FRIEDMAN_EXACT_WORK = 5_000_000  # DP work (states x arrangements, summed over rows) allowed for the exact Friedman p
MC_PERMUTATIONS = 50_000  # Monte Carlo arrangements when the exact Friedman p is too costly
MC_SEED = 2006
BOOT_RESAMPLES = 10_000
BOOT_SEED = 2003
CI_LEVEL = 0.95
_CHUNK = 2000  # bootstrap resamples handled at once (bounds memory)


def midranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of the values of `x` (1-D), ties given the mean of their ranks."""
    x = np.asarray(x, dtype=float)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ranks = np.empty(len(x), dtype=float)
    i = 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[j + 1] == xs[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


# -- Wilcoxon signed-rank ---------------------------------------------------------------

@dataclass(frozen=True)
class SignedRank:
    """A two-sided Wilcoxon signed-rank test of paired differences (a - b)."""

    n: int  # pairs
    m: int  # non-zero differences (the ones ranked)
    t_plus: float  # sum of the ranks of the positive differences
    t_minus: float  # sum of the ranks of the negative differences
    p: float | None  # None when m == 0
    method: str  # "exact" or "normal approximation"

    @property
    def statistic(self) -> float:
        """W = min(T+, T-), the usual reported statistic."""
        return min(self.t_plus, self.t_minus)

    @property
    def r(self) -> float | None:
        """Matched-pairs rank-biserial correlation (T+ - T-) / (T+ + T-), in [-1, 1];
        positive when a tends to exceed b. None when m == 0."""
        s = self.t_plus + self.t_minus
        return (self.t_plus - self.t_minus) / s if s else None


def signed_rank_null(doubled_ranks: Sequence[int]) -> np.ndarray:
    """Null distribution of 2 T+ for the given doubled (integer) mid-ranks: element v
    is P(2 T+ = v) when each difference is positive or negative with probability 1/2
    independently (all 2^m sign assignments, counted by convolution)."""
    total = int(sum(doubled_ranks))
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    for r in doubled_ranks:
        r = int(r)
        shifted = np.zeros_like(dist)
        shifted[r:] = dist[:total + 1 - r]
        dist = 0.5 * (dist + shifted)
    return dist


def wilcoxon_signed_rank(diffs: Sequence[float]) -> SignedRank:
    """Two-sided Wilcoxon signed-rank test of the differences `diffs` (any unit).
    Zeros are dropped; tied |d| get mid-ranks; p is exact for m <= EXACT_WILCOXON_MAX."""
    d = np.asarray([float(x) for x in diffs], dtype=float)
    if not np.all(np.isfinite(d)):
        raise ValueError("differences must be finite numbers")
    nz = d[d != 0]
    m = len(nz)
    if m == 0:
        return SignedRank(len(d), 0, 0.0, 0.0, None, "exact")
    ranks = midranks(np.abs(nz))
    t_plus = float(ranks[nz > 0].sum())
    t_minus = float(ranks[nz < 0].sum())
    if m <= EXACT_WILCOXON_MAX:
        doubled = np.rint(2 * ranks).astype(np.int64)
        dist = signed_rank_null(doubled)
        total = int(doubled.sum())
        obs = abs(int(round(2 * t_plus)) * 2 - total)
        v = np.arange(total + 1)
        p = float(dist[np.abs(2 * v - total) >= obs].sum())
        return SignedRank(len(d), m, t_plus, t_minus, min(1.0, p), "exact")
    mean = m * (m + 1) / 4.0
    var = float((ranks ** 2).sum()) / 4.0  # tie-corrected variance of T+
    z = (t_plus - mean) / math.sqrt(var)
    return SignedRank(len(d), m, t_plus, t_minus, math.erfc(abs(z) / math.sqrt(2)), "normal approximation")


def min_signed_rank_p(m: int) -> float:
    """The smallest two-sided p that m non-zero differences can give: 2 / 2^m (all of
    one sign, no ties; ties can only make it larger)."""
    return min(1.0, 2.0 / 2.0 ** m) if m > 0 else 1.0


# -- Friedman -----------------------------------------------------------------------------

@dataclass(frozen=True)
class FriedmanResult:
    """Friedman's test of k conditions in n participants (blocks)."""

    n: int
    k: int
    chi2: float  # tie-corrected Friedman statistic
    p: float
    method: str  # "exact permutation" or "Monte Carlo permutation (N, seed S)"
    w: float  # Kendall's W = chi2 / (n (k - 1)), in [0, 1]

    @property
    def p_chi2(self) -> float:
        """The chi-square approximation's p (k - 1 df), for comparison only."""
        return _chi2_sf(self.chi2, self.k - 1)


def _chi2_sf(x: float, df: int) -> float:
    """Upper tail of chi-square with integer df (closed forms; no scipy)."""
    if x <= 0:
        return 1.0
    if df % 2 == 0:
        term, s = 1.0, 1.0
        for i in range(1, df // 2):
            term *= (x / 2) / i
            s += term
        return math.exp(-x / 2) * s
    s = math.erfc(math.sqrt(x / 2))
    term = math.sqrt(2 * x / math.pi) * math.exp(-x / 2)
    for i in range(1, (df - 1) // 2 + 1):
        s += term
        term *= x / (2 * i + 1)
    return min(1.0, s)


def _block_ranks(data: np.ndarray) -> np.ndarray:
    """Mid-ranks within each row (participant) of an n x k array."""
    return np.vstack([midranks(row) for row in data])


def _friedman_stat(sum_sq_ranks: float, n: int, k: int, tie_den: float) -> float:
    """Tie-corrected Friedman chi-square from the sum over conditions of squared rank sums."""
    chi = 12.0 / (n * k * (k + 1)) * sum_sq_ranks - 3.0 * n * (k + 1)
    return chi / tie_den


def _tie_denominator(ranks: np.ndarray) -> float:
    """1 - sum(t^3 - t) / (n k (k^2 - 1)) over the tie groups within rows."""
    n, k = ranks.shape
    ties = sum(t ** 3 - t for row in ranks for t in Counter(row.tolist()).values())
    return 1.0 - ties / (n * k * (k * k - 1))


def friedman_test(data: Sequence[Sequence[float]]) -> FriedmanResult | None:
    """Friedman's test of an n x k table (rows participants, columns conditions).
    None when it is undefined: n < 2, k < 3, or every row tied throughout. p is the
    exact permutation p when the work allows, else a seeded Monte Carlo estimate."""
    x = np.asarray(data, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 3:
        return None
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite numbers")
    n, k = x.shape
    ranks = _block_ranks(x)
    tie_den = _tie_denominator(ranks)
    if tie_den <= 0:
        return None
    doubled = np.rint(2 * ranks).astype(np.int64)
    obs_ss = int((doubled.sum(axis=0) ** 2).sum())  # sum of squared doubled rank sums
    chi2 = _friedman_stat(obs_ss / 4.0, n, k, tie_den)
    p = _friedman_exact_p(doubled, obs_ss)
    method = "exact permutation"
    if p is None:
        p = _friedman_mc_p(doubled, obs_ss)
        method = f"Monte Carlo permutation ({MC_PERMUTATIONS:,} arrangements, seed {MC_SEED})"
    return FriedmanResult(n, k, chi2, p, method, chi2 / (n * (k - 1)))


def _friedman_exact_p(doubled: np.ndarray, obs_ss: int) -> float | None:
    """P(sum of squared rank sums >= observed) over all within-row permutations, by a
    dynamic programme over rows on the vector of rank sums (each distinct vector kept
    once with its probability, encoded as one integer); None if the work would exceed
    FRIEDMAN_EXACT_WORK."""
    n, k = doubled.shape
    base = int(2 * k * n + 1)  # a doubled rank sum is at most 2 k n
    if k * math.log2(base) > 62:
        return None
    weights = base ** np.arange(k, dtype=np.int64)
    codes, probs = np.zeros(1, dtype=np.int64), np.ones(1)
    work = 0
    for row in doubled:
        perms = Counter(itertools.permutations(row.tolist()))
        pcodes = np.array(list(perms), dtype=np.int64) @ weights
        pw = np.array(list(perms.values()), dtype=float) / sum(perms.values())
        work += len(codes) * len(pcodes)
        if work > FRIEDMAN_EXACT_WORK:
            return None
        codes, inv = np.unique((codes[:, None] + pcodes[None, :]).reshape(-1), return_inverse=True)
        probs = np.bincount(inv.reshape(-1), weights=(probs[:, None] * pw[None, :]).reshape(-1),
                            minlength=len(codes))
    sums = (codes[:, None] // weights[None, :]) % base
    return min(1.0, float(probs[(sums ** 2).sum(axis=1) >= obs_ss].sum()))


def _friedman_mc_p(doubled: np.ndarray, obs_ss: int) -> float:
    """Monte Carlo permutation p, (1 + hits) / (1 + N), seed MC_SEED."""
    rng = np.random.default_rng(MC_SEED)
    hits, done = 0, 0
    while done < MC_PERMUTATIONS:
        b = min(_CHUNK * 5, MC_PERMUTATIONS - done)
        arr = rng.permuted(np.broadcast_to(doubled, (b, *doubled.shape)), axis=2)
        ss = (arr.sum(axis=1) ** 2).sum(axis=1)
        hits += int((ss >= obs_ss).sum())
        done += b
    return (1 + hits) / (1 + MC_PERMUTATIONS)


# -- Holm ---------------------------------------------------------------------------------------

def holm(ps: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values over a family of len(ps) hypotheses. A None
    (a hypothesis that could not be tested) stays None but counts in the family size,
    ordered as p = 1 (so it never lowers the correction)."""
    m = len(ps)
    order = sorted(range(m), key=lambda i: (1.0 if ps[i] is None else ps[i]))
    out: list[float | None] = [None] * m
    running = 0.0
    for rank, i in enumerate(order):
        p = 1.0 if ps[i] is None else ps[i]
        running = max(running, min(1.0, (m - rank) * p))
        if ps[i] is not None:
            out[i] = running
    return out


# -- bootstrap ---------------------------------------------------------------------------------

def _resample_indices(n: int, seed: int = BOOT_SEED, b: int = BOOT_RESAMPLES) -> np.ndarray:
    """b x n indices drawn with replacement (participants resampled), seeded."""
    return np.random.default_rng(seed).integers(0, n, size=(b, n))


def _percentile_ci(values: np.ndarray) -> tuple[float, float] | None:
    """Percentile interval at CI_LEVEL of the finite values (None if there are none)."""
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return None
    a = (1 - CI_LEVEL) / 2
    lo, hi = np.quantile(v, [a, 1 - a])
    return float(lo), float(hi)


def bootstrap_mean_ci(diffs: Sequence[float]) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the mean of paired differences (same unit as them)."""
    d = np.asarray(diffs, dtype=float)
    if len(d) < 2:
        return None
    return _percentile_ci(d[_resample_indices(len(d))].mean(axis=1))


def bootstrap_ratio_ci(a: Sequence[float], b: Sequence[float]) -> tuple[float, float] | None:
    """Percentile bootstrap CI of mean(a) / mean(b) with participants resampled as
    pairs (e.g. WPM in one condition relative to another; a fraction, 1 = equal)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(x) < 2:
        return None
    idx = _resample_indices(len(x))
    with np.errstate(divide="ignore", invalid="ignore"):
        return _percentile_ci(x[idx].mean(axis=1) / y[idx].mean(axis=1))


def _rowwise_rank_biserial(d: np.ndarray) -> np.ndarray:
    """Rank-biserial r of each row of differences (zeros dropped; NaN for all-zero rows)."""
    a = np.abs(d)
    nz = a > 0
    less = ((a[:, None, :] < a[:, :, None]) & nz[:, None, :]).sum(axis=2)
    equal = ((a[:, None, :] == a[:, :, None]) & nz[:, None, :]).sum(axis=2)
    ranks = np.where(nz, less + (equal + 1) / 2.0, 0.0)
    sign = np.sign(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (ranks * sign).sum(axis=1) / ranks.sum(axis=1)


def bootstrap_r_ci(diffs: Sequence[float]) -> tuple[float, float] | None:
    """Percentile bootstrap CI of the matched-pairs rank-biserial r (resamples whose
    differences are all zero are left out)."""
    d = np.asarray(diffs, dtype=float)
    if len(d) < 2:
        return None
    idx = _resample_indices(len(d))
    out = np.concatenate([_rowwise_rank_biserial(d[idx[i:i + _CHUNK]]) for i in range(0, len(idx), _CHUNK)])
    return _percentile_ci(out)


def bootstrap_w_ci(data: Sequence[Sequence[float]]) -> tuple[float, float] | None:
    """Percentile bootstrap CI of Kendall's W (participants resampled; resamples in
    which every participant ties all conditions are left out)."""
    x = np.asarray(data, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 3:
        return None
    n, k = x.shape
    ranks = _block_ranks(x)
    tie_terms = np.array([sum(t ** 3 - t for t in Counter(r.tolist()).values()) for r in ranks], dtype=float)
    idx = _resample_indices(n)
    rs = ranks[idx].sum(axis=1)  # b x k rank sums
    ss = (rs ** 2).sum(axis=1)
    chi = 12.0 / (n * k * (k + 1)) * ss - 3.0 * n * (k + 1)
    den = 1.0 - tie_terms[idx].sum(axis=1) / (n * k * (k * k - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(den > 1e-12, chi / den / (n * (k - 1)), np.nan)
    return _percentile_ci(w)
