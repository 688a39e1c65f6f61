"""The study statistics (study/stats.py) against brute-force permutation references
written here, independently: every sign assignment for the signed-rank test, every
within-participant arrangement for Friedman's test. Ties and zero differences
included; the two cases an independent check quoted are worked examples."""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from gazetype.study import stats as st
from gazetype.study.analysis import Cell, paired_tests


# -- references (plain Python, exact fractions) ------------------------------------------------

def ref_midranks(values):
    """Average ranks, by counting: rank = (number smaller) + (number equal + 1) / 2."""
    return [Fraction(sum(v < x for v in values)) + Fraction(sum(v == x for v in values) + 1, 2) for x in values]


def ref_wilcoxon_p(diffs):
    """Two-sided p by enumerating all 2^m sign flips of the non-zero differences'
    mid-ranks: P(|T+ - E T+| >= observed)."""
    nz = [d for d in diffs if d != 0]
    ranks = [int(2 * q) for q in ref_midranks([abs(d) for d in nz])]  # doubled: integers
    t_obs = sum(r for r, d in zip(ranks, nz) if d > 0)
    total = sum(ranks)
    hits = 0
    for signs in itertools.product((0, 1), repeat=len(nz)):
        t = sum(r for r, s in zip(ranks, signs) if s)
        hits += abs(2 * t - total) >= abs(2 * t_obs - total)
    return Fraction(hits, 2 ** len(nz))


def ref_friedman_p(rows):
    """Exact permutation p of the tie-corrected Friedman statistic: every row's values
    permuted independently, all (k!)^n arrangements."""
    ranks = [tuple(int(2 * q) for q in ref_midranks(r)) for r in rows]  # doubled: integers
    n, k = len(rows), len(rows[0])

    def stat(rk):
        sums = [sum(r[j] for r in rk) for j in range(k)]
        return sum(s * s for s in sums)  # the tie-corrected chi2 is increasing in this

    obs = stat(ranks)
    per_row = [list(itertools.permutations(r)) for r in ranks]  # k! each, duplicates kept
    hits = total = 0
    for combo in itertools.product(*per_row):
        total += 1
        hits += stat(combo) >= obs
    return Fraction(hits, total)


def ref_friedman_chi2(rows):
    ranks = [ref_midranks(r) for r in rows]
    n, k = len(rows), len(rows[0])
    sums = [sum(r[j] for r in ranks) for j in range(k)]
    chi = Fraction(12, n * k * (k + 1)) * sum(s * s for s in sums) - 3 * n * (k + 1)
    ties = 0
    for r in rows:
        for v in set(r):
            t = r.count(v)
            ties += t ** 3 - t
    return chi / (1 - Fraction(ties, n * k * (k * k - 1)))


# -- worked examples ----------------------------------------------------------------------------

def test_four_equal_differences_and_a_zero_is_exact():
    # [-3, -3, -3, -3, 0]: the zero is dropped, four tied ranks 2.5, all negative:
    # P(T+ = 0) = 1/16 on each side, p = 2/16 = 0.125 (scipy 1.10's normal
    # approximation printed 0.0455 here).
    r = st.wilcoxon_signed_rank([-3, -3, -3, -3, 0])
    assert (r.n, r.m, r.t_plus, r.t_minus) == (5, 4, 0.0, 10.0)
    assert r.method == "exact"
    assert r.p == pytest.approx(float(ref_wilcoxon_p([-3, -3, -3, -3, 0])))
    assert r.p == pytest.approx(2 / 16)
    assert r.r == -1.0


def test_friedman_small_n_is_exact_not_chi_square():
    rows = [(1, 3, 2), (2, 3, 1), (1, 3, 2), (2, 3, 1)]
    res = st.friedman_test(rows)
    ref = float(ref_friedman_p(rows))
    assert res.method == "exact permutation"
    assert res.p == pytest.approx(ref, abs=1e-12)
    assert res.p == pytest.approx(0.069, abs=0.001)  # 25 / 360
    assert res.p_chi2 == pytest.approx(math.exp(-res.chi2 / 2))  # 2 df: the approximation, 0.0498
    assert res.p_chi2 < 0.05 < res.p
    assert res.chi2 == pytest.approx(float(ref_friedman_chi2(rows)))
    assert res.w == pytest.approx(res.chi2 / (4 * 2))


def test_signed_rank_statistic_and_r_by_hand():
    # d = 1, -2, 3, 4: ranks 1, 2, 3, 4; T+ = 8, T- = 2; r = 6 / 10
    r = st.wilcoxon_signed_rank([1, -2, 3, 4])
    assert (r.t_plus, r.t_minus, r.statistic) == (8.0, 2.0, 2.0)
    assert r.r == pytest.approx(0.6)
    assert r.p == pytest.approx(float(ref_wilcoxon_p([1, -2, 3, 4])))  # 6/16


def test_all_zero_differences_are_not_tested():
    r = st.wilcoxon_signed_rank([0.0, 0.0, 0.0])
    assert r.p is None and r.m == 0 and r.r is None


def test_min_p_bounds_every_outcome():
    for m in range(1, 9):
        assert st.wilcoxon_signed_rank([1.0] * m).p == pytest.approx(st.min_signed_rank_p(m) if m > 1 else 1.0)
        assert st.wilcoxon_signed_rank(list(range(1, m + 1))).p == pytest.approx(st.min_signed_rank_p(m))


def test_bad_input_is_a_value_error():
    with pytest.raises(ValueError):
        st.wilcoxon_signed_rank([1.0, float("nan")])
    with pytest.raises(ValueError):
        st.friedman_test([[1, 2, float("inf")], [1, 2, 3]])


# -- properties against the brute-force references ------------------------------------------------

# Small integers make ties and zeros common.
diffs_strategy = hs.lists(hs.integers(-4, 4), min_size=1, max_size=11)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(diffs_strategy)
def test_signed_rank_p_equals_enumeration(diffs):
    r = st.wilcoxon_signed_rank(diffs)
    if all(d == 0 for d in diffs):
        assert r.p is None
        return
    assert r.method == "exact"
    assert r.p == pytest.approx(float(ref_wilcoxon_p(diffs)), abs=1e-12)
    ranks = ref_midranks([abs(d) for d in diffs if d])
    assert r.t_plus == pytest.approx(float(sum(q for q, d in zip(ranks, [d for d in diffs if d]) if d > 0)))
    assert r.p >= st.min_signed_rank_p(r.m) - 1e-12


@hs.composite
def friedman_tables(draw):
    """n x k tables of small integers (many ties): k = 3 with n <= 5, or k = 4 with n <= 3,
    so that the (k!)^n enumeration stays small."""
    k = draw(hs.sampled_from([3, 4]))
    n = draw(hs.integers(2, 5 if k == 3 else 3))
    return [draw(hs.lists(hs.integers(0, 3), min_size=k, max_size=k)) for _ in range(n)]


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(friedman_tables())
def test_friedman_p_equals_enumeration(rows):
    res = st.friedman_test(rows)
    if all(len(set(r)) == 1 for r in rows):
        assert res is None
        return
    assert res.method == "exact permutation"
    assert res.p == pytest.approx(float(ref_friedman_p(rows)), abs=1e-9)
    assert res.chi2 == pytest.approx(float(ref_friedman_chi2(rows)))
    assert 0 <= res.w <= 1 + 1e-12


def test_friedman_monte_carlo_is_labelled_and_close(monkeypatch):
    rows = [(1, 3, 2), (2, 3, 1), (1, 3, 2), (2, 3, 1), (3, 2, 1)]
    exact = st.friedman_test(rows)
    monkeypatch.setattr(st, "FRIEDMAN_EXACT_WORK", 0)
    mc = st.friedman_test(rows)
    assert mc.method.startswith("Monte Carlo")
    assert mc.p == pytest.approx(exact.p, abs=0.01)
    assert st.friedman_test(rows).p == mc.p  # seeded: the same every time


def test_signed_rank_normal_approximation_is_labelled(monkeypatch):
    d = [1, 2, -3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    exact = st.wilcoxon_signed_rank(d)
    monkeypatch.setattr(st, "EXACT_WILCOXON_MAX", 5)
    approx = st.wilcoxon_signed_rank(d)
    assert approx.method == "normal approximation"
    assert approx.p == pytest.approx(exact.p, abs=0.01)


# -- Holm -------------------------------------------------------------------------------------------

def test_holm_counts_untestable_members():
    # Two testable p in a family of three: the smallest is multiplied by 3, not 2.
    adj = st.holm([0.01, None, 0.04])
    assert adj[1] is None
    assert adj[0] == pytest.approx(0.03)
    assert adj[2] == pytest.approx(0.08)  # 2 x 0.04, step-down; the None ranks last
    assert st.holm([0.01, 0.04]) == pytest.approx([0.02, 0.04])


def test_holm_is_monotone_and_bounded():
    ps = [0.2, 0.001, 0.03, 0.5, 0.03]
    adj = st.holm(ps)
    order = np.argsort(ps, kind="stable")
    vals = [adj[i] for i in order]
    assert all(b >= a for a, b in zip(vals, vals[1:]))
    assert all(p <= q <= 1 for p, q in zip(ps, adj))


# -- bootstrap -----------------------------------------------------------------------------------

def test_bootstrap_cis_are_deterministic_and_contain_the_estimate():
    d = [1.5, 2.0, -0.5, 3.0, 1.0, 2.5]
    ci = st.bootstrap_mean_ci(d)
    assert ci == st.bootstrap_mean_ci(d)
    assert ci[0] <= np.mean(d) <= ci[1]
    assert min(d) <= ci[0] and ci[1] <= max(d)
    rci = st.bootstrap_r_ci(d)
    r = st.wilcoxon_signed_rank(d).r
    assert -1 <= rci[0] <= r <= rci[1] <= 1
    a, b = [10.0, 12, 9, 11, 10], [8.0, 9, 9, 10, 7]
    lo, hi = st.bootstrap_ratio_ci(a, b)
    assert lo <= np.mean(a) / np.mean(b) <= hi
    rows = [(1, 2, 3), (1, 3, 2), (1, 2, 3), (2, 1, 3), (1, 2, 3)]
    wlo, whi = st.bootstrap_w_ci(rows)
    assert 0 <= wlo <= st.friedman_test(rows).w <= whi <= 1 + 1e-12


def test_rowwise_rank_biserial_matches_the_test():
    rng = np.random.default_rng(5)
    d = rng.integers(-3, 4, size=(50, 7)).astype(float)
    got = st._rowwise_rank_biserial(d)
    for row, g in zip(d, got):
        r = st.wilcoxon_signed_rank(row).r
        assert (r is None and np.isnan(g)) or g == pytest.approx(r)


# -- the analysis layer ------------------------------------------------------------------------------

def _cellmap(values):
    """{participant: {condition: wpm}} -> cellmap."""
    out = {}
    for p, conds in values.items():
        for c, v in conds.items():
            out[(p, c)] = Cell(p, c, 1, {"wpm": (v, None, 1)})
    return out


def test_paired_tests_notes_holm_floor_and_untestable_pairs():
    conds = ["a", "b", "c"]
    # b equals c for everyone (untestable); a - b = 3 for six participants.
    vals = {f"P{i}": {"a": 10.0 + 3 + i, "b": 10.0 + i, "c": 10.0 + i} for i in range(6)}
    tests = paired_tests(_cellmap(vals), conds, ["wpm"])
    by = {(t.a, t.b): t for t in tests}
    ab = by[("a", "b")]
    assert ab.m == 6 and ab.p == pytest.approx(2 / 64)
    assert ab.p_holm == pytest.approx(3 * 2 / 64)  # family of 3, the untestable pair counted
    assert "after Holm over 3 pairs" in ab.note
    bc = by[("b", "c")]
    assert bc.p is None and bc.p_holm is None and "not tested" in bc.note
    assert ab.r == 1.0 and ab.diff_ci == (3.0, 3.0)
    assert ab.ratio == pytest.approx(15.5 / 12.5)


def test_note_counts_non_zero_differences_only():
    vals = {f"P{i}": {"a": 5.0 + (i < 4) * 2, "b": 5.0} for i in range(8)}  # 4 non-zero of 8
    (t,) = paired_tests(_cellmap(vals), ["a", "b"], ["wpm"])
    assert t.n == 8 and t.m == 4
    assert t.p == pytest.approx(0.125)
    assert "4 non-zero" in t.note and "cannot be below 0.125" in t.note
