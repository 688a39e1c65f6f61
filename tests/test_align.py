"""The fixation-to-word alignment ("warp") against a plain reference DP."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.calibration.align import warp

REFIX, SKIP_SHORT, SKIP_LONG, CAP = 0.3, 0.3, 1.5, 9.0


def reference(fx, fy, wx, wy, sx, sy, dx, dy, start, short):
    """Minimum cost of a path: fixation i reads word j_i, j_0 in the start window,
    j_i - j_(i-1) in {0, 1, 2, 3} with the reading-step penalties. Plain Python."""
    n, m = len(fx), len(wx)
    cost = [[min(((fx[i] - dx - wx[j]) / sx[j]) ** 2 + ((fy[i] - dy - wy[j]) / sy) ** 2, CAP) for j in range(m)]
            for i in range(n)]
    skip = [SKIP_SHORT if short[j] else SKIP_LONG for j in range(m)]
    lo, hi = (0, m - 1) if start is None else (max(0, start[0]), min(m - 1, start[1]))
    D = [cost[0][j] if lo <= j <= hi else math.inf for j in range(m)]
    for i in range(1, n):
        new = []
        for j in range(m):
            best = D[j] + REFIX
            if j >= 1:
                best = min(best, D[j - 1])
            if j >= 2:
                best = min(best, D[j - 2] + skip[j - 1])
            if j >= 3:
                best = min(best, D[j - 3] + skip[j - 2] + skip[j - 1])
            new.append(cost[i][j] + best)
        D = new
    return min(D)


def path_cost(a, fx, fy, wx, wy, sx, sy, dx, dy, short):
    w = a.words
    c = 0.0
    for i, j in enumerate(w):
        c += min(((fx[i] - dx - wx[j]) / sx[j]) ** 2 + ((fy[i] - dy - wy[j]) / sy) ** 2, CAP)
        if i:
            step = j - w[i - 1]
            assert 0 <= step <= 3
            c += REFIX if step == 0 else sum(SKIP_SHORT if short[k] else SKIP_LONG for k in range(w[i - 1] + 1, j))
    return c


@st.composite
def problems(draw):
    m = draw(st.integers(1, 14))
    n = draw(st.integers(1, 10))
    coord = st.floats(-300, 300, allow_nan=False)
    wx = [draw(coord) for _ in range(m)]
    wy = [draw(st.sampled_from([0.0, 40.0, 80.0])) for _ in range(m)]
    sx = [draw(st.floats(5, 60)) for _ in range(m)]
    fx = [draw(coord) for _ in range(n)]
    fy = [draw(st.floats(-60, 140)) for _ in range(n)]
    xs = draw(st.lists(st.floats(-80, 80), min_size=1, max_size=3))
    ys = draw(st.lists(st.floats(-80, 80), min_size=1, max_size=3))
    pen = [draw(st.floats(0, 12)) for _ in range(len(xs) * len(ys))]
    short = [draw(st.booleans()) for _ in range(m)]
    start = draw(st.one_of(st.none(), st.tuples(st.integers(-2, m - 1), st.integers(0, m + 2))))
    if start is not None and max(0, start[0]) > min(m - 1, start[1]):
        start = None
    slack = draw(st.sampled_from([0.0, 3.0, 12.0, 1e9]))
    return fx, fy, wx, wy, sx, xs, ys, pen, short, start, slack


@given(problems())
def test_warp_is_the_optimal_reading_path_under_every_hypothesis(p):
    fx, fy, wx, wy, sx, xs, ys, pen, short, start, slack = p
    sy = 20.0
    a = warp(fx, fy, wx, wy, sx, sy, xs, ys, penalties=pen, short=short, start=start, slack=slack, cap=CAP)
    ref = [reference(fx, fy, wx, wy, sx, sy, dx, dy, start, short) + pen[h]
           for h, (dx, dy) in enumerate((x, y) for x in xs for y in ys)]
    best = min(ref)
    assert a.costs[a.best] == pytest.approx(best, rel=1e-4, abs=1e-3)
    for h, r in enumerate(ref):
        if a.aligned[h]:
            assert a.costs[h] == pytest.approx(r, rel=1e-4, abs=1e-3)  # exact
        else:
            assert a.costs[h] <= r + 1e-3  # a lower bound...
            assert a.costs[h] >= best + slack - 1e-3  # ... beyond the slack, never near the best
    # the reported path is a valid one and costs what the best costs
    dx, dy = xs[a.best // len(ys)], ys[a.best % len(ys)]
    assert path_cost(a, fx, fy, wx, wy, sx, sy, dx, dy, short) + pen[a.best] == pytest.approx(best, rel=1e-4, abs=1e-3)
    if start is not None:
        assert max(0, start[0]) <= a.words[0] <= min(len(wx) - 1, start[1])


def test_a_line_shift_is_found_from_the_sequence():
    """Three lines of words; the fixations read lines 0 and 1 but are reported one
    line lower. A hypothesis one line up wins, and maps each fixation to its word."""
    wx = [100.0 * (k + 1) for k in range(6)] * 3
    wy = [0.0] * 6 + [40.0] * 6 + [80.0] * 6
    sx = [40.0] * 18
    true_words = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    fx = [wx[j] + 5 for j in true_words]
    fy = [wy[j] + 40.0 for j in true_words]  # one line low
    a = warp(fx, fy, wx, wy, sx, 20.0, [0.0], [0.0, 40.0], start=(0, 2))
    assert a.best == 1 and list(a.words) == true_words
    assert a.costs[0] > a.costs[1] + 10


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        warp([], [], [1.0], [1.0], [1.0], 1.0)
    with pytest.raises(ValueError):
        warp([1.0], [1.0], [1.0, 2.0], [1.0, 1.0], [1.0, 1.0], 1.0, start=(5, 9))
