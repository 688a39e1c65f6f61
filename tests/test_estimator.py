"""The robust offset estimator: start, gating, outliers, drift, jumps, weak evidence."""
import math
import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gazetype.calibration.estimator import EstimatorConfig, Evidence, OffsetEstimator
from gazetype.tracker.screen import Screen

SCR = Screen()
PPD = SCR.px_per_deg


def ev(t, zx, zy, sd=12.0, group=-1, **kw):
    return Evidence(t, zx, zy, sd, sd, "test", group, **kw)


def test_nothing_before_enough_agreeing_evidence():
    e = OffsetEstimator(SCR)
    assert not e.started and not e.ready and e.offset == (0.0, 0.0)
    e.add(ev(1.0, 40.0, -20.0))
    e.add(ev(2.0, -60.0, 50.0))  # disagrees
    assert not e.started and e.offset == (0.0, 0.0)
    e.add(ev(3.0, 42.0, -18.0))
    assert not e.started  # two agree, three are needed
    e.add(ev(4.0, 39.0, -22.0))
    assert e.started and not e.ready  # started on three, applied from four
    assert e.offset == pytest.approx((40.3, -20.0), abs=1.0)
    e.add(ev(5.0, 41.0, -19.0))
    assert e.ready
    f = 1 - 2.0 * (e.px + e.py) / (e.mx ** 2 + e.my ** 2)  # shrunk a little: 5 observations
    assert 0.85 < f < 1.0 and e.correction == pytest.approx((e.mx * f, e.my * f))


def test_the_correction_is_shrunk_while_it_is_not_significant():
    e = OffsetEstimator(SCR)
    for i in range(4):
        e.add(ev(i, 4.0 if i % 2 else 6.0, 0.0, sd=12.0))  # 5 px, SD 6 px: not significant
    assert e.ready and e.offset[0] == pytest.approx(5.0, abs=0.5)
    assert e.correction == (0.0, 0.0)
    e = OffsetEstimator(SCR)
    for i in range(400):  # 1 deg with plenty of evidence: (almost) all applied
        e.add(ev(i * 0.5, PPD + (6.0 if i % 2 else -6.0), 0.0, sd=12.0))
    assert e.correction[0] == pytest.approx(PPD, rel=0.1)


def test_one_source_is_not_enough_to_start():
    """Observations of one aligned chunk share a group: they are one source."""
    e = OffsetEstimator(SCR)
    for i in range(8):
        e.add(ev(1.0 + 0.1 * i, 30.0, 30.0, group=7))
    assert not e.started
    e.add(ev(3.0, 31.0, 29.0, group=8))
    assert e.started


def test_tentative_evidence_never_moves_the_estimate():
    e = OffsetEstimator(SCR)
    for i in range(5):
        e.add(ev(i, 10.0, 10.0))
    before = e.offset
    for i in range(5, 9):
        assert not e.add(ev(i, 12.0, 9.0, tentative=True))  # inside the gate: ignored
    assert e.offset == before


@given(st.floats(min_value=-2.5, max_value=2.5), st.floats(min_value=-2.5, max_value=2.5),
       st.floats(min_value=0.0, max_value=0.3), st.integers(min_value=0, max_value=10_000))
@example(0.0, 0.0, 0.0, 137)  # noise alone takes this one 0.30 deg off
def test_converges_to_any_offset_despite_outliers(dx_deg, dy_deg, outlier_frac, seed):
    rng = random.Random(seed)
    e = OffsetEstimator(SCR)
    tx, ty = dx_deg * PPD, dy_deg * PPD
    noise = 0.3 * PPD
    for i in range(80):
        if rng.random() < outlier_frac and i > 6:
            z = (tx + rng.uniform(-4, 4) * PPD, ty + rng.uniform(-4, 4) * PPD)  # wrong target
        else:
            z = (tx + rng.gauss(0, noise), ty + rng.gauss(0, noise))
        e.add(Evidence(i * 0.5, z[0], z[1], noise, noise))
    assert e.ready
    # Within its own stated uncertainty (4 SD: the tail of a 2D normal is exp(-8)),
    # and within the 0.5 deg a fresh calibration promises. (0.3 deg, tried first, is
    # 3 SD of this evidence: hypothesis found a seed beyond it with no outliers at all.)
    err = math.hypot(e.mx - tx, e.my - ty)
    assert err < 4.0 * math.sqrt(0.5 * (e.px + e.py))
    assert err < 0.5 * PPD
    # what is applied may fall short of a small offset by what is not significant
    cx, cy = e.correction
    assert math.hypot(cx - tx, cy - ty) < 0.5 * PPD + math.sqrt(2.0 * (e.px + e.py))


@given(st.integers(min_value=0, max_value=10_000))
def test_no_offset_gives_no_correction(seed):
    rng = random.Random(seed)
    e = OffsetEstimator(SCR)
    worst = 0.0
    for i in range(200):  # 100 s of evidence, each 0.2 deg off the truth (SD per axis)
        e.add(Evidence(i * 0.5, rng.gauss(0, 0.2 * PPD), rng.gauss(0, 0.2 * PPD), 0.35 * PPD, 0.35 * PPD))
        if e.ready:
            worst = max(worst, math.hypot(*e.correction))
    assert worst < 0.25 * PPD


def test_follows_slow_drift():
    e = OffsetEstimator(SCR)
    rng = random.Random(1)
    rate = 60.0 / 120.0  # px per s: 'drift:60,0@120'
    errs = []
    for i in range(240):
        t = i * 0.5
        e.add(Evidence(t, rate * t + rng.gauss(0, 10), rng.gauss(0, 10), 12, 12))
        if t > 30:
            errs.append(abs(e.mx - rate * t))
    assert max(errs) < 0.3 * PPD
    assert sum(errs) / len(errs) < 0.15 * PPD


@pytest.mark.parametrize("jump_deg", [(1.5, 0.0), (0.0, -2.0), (-1.0, 1.2), (0.5, 0.0)])
def test_reconverges_after_a_jump(jump_deg):
    e = OffsetEstimator(SCR)
    rng = random.Random(2)
    for i in range(40):
        e.add(Evidence(i * 0.5, 20 + rng.gauss(0, 8), -10 + rng.gauss(0, 8), 12, 12))
    assert e.offset == pytest.approx((20, -10), abs=6)
    jx, jy = 20 + jump_deg[0] * PPD, -10 + jump_deg[1] * PPD
    n_to_converge = None
    for k in range(30):
        e.add(Evidence(20 + k * 0.5, jx + rng.gauss(0, 8), jy + rng.gauss(0, 8), 12, 12))
        if n_to_converge is None and math.hypot(e.mx - jx, e.my - jy) < 0.5 * PPD:
            n_to_converge = k + 1
    assert n_to_converge is not None and n_to_converge <= 8
    assert math.hypot(e.mx - jx, e.my - jy) < 0.15 * PPD


def test_stray_observations_do_not_restart_it():
    e = OffsetEstimator(SCR)
    rng = random.Random(3)
    for i in range(200):
        if i % 7 == 3:  # a glance elsewhere now and then, never twice at the same place
            e.add(Evidence(i * 0.5, rng.uniform(-150, 150), rng.uniform(-150, 150), 12, 12))
        else:
            e.add(Evidence(i * 0.5, rng.gauss(30, 8), rng.gauss(30, 8), 12, 12))
    assert e.restarts == 0 and e.n_rejected > 10
    assert e.offset == pytest.approx((30, 30), abs=5)


def test_uncertainty_grows_without_evidence_and_shrinks_with_it():
    e = OffsetEstimator(SCR, EstimatorConfig())
    for i in range(10):
        e.add(ev(i, 5.0, 5.0))
    sd0 = e.sd_px
    vx, vy = e.variance_at(e.t_s + 100.0)
    assert math.sqrt(0.5 * (vx + vy)) > sd0
    e.add(ev(10.5, 5.0, 5.0))
    assert e.sd_px <= math.sqrt(0.5 * sum(e.variance_at(e.t_s)))


@pytest.mark.parametrize("bad", [Evidence(1.0, math.nan, 0, 10, 10), Evidence(1.0, 0, math.inf, 10, 10),
                                 Evidence(1.0, 0, 0, 0.0, 10), Evidence(1.0, 0, 0, 10, -1)])
def test_invalid_evidence_is_ignored(bad):
    e = OffsetEstimator(SCR)
    assert e.add(bad) is False
    assert not e.started and e.offset == (0.0, 0.0)


@given(st.lists(st.tuples(st.floats(min_value=0, max_value=5), st.floats(-1e4, 1e4), st.floats(-1e4, 1e4),
                          st.floats(0.1, 500), st.floats(0.1, 500), st.integers(-1, 5), st.booleans()),
                max_size=120))
def test_state_stays_finite_for_any_evidence(rows):
    e = OffsetEstimator(SCR)
    t = 0.0
    for dt, zx, zy, sx, sy, g, tent in rows:
        t += dt
        e.add(Evidence(t, zx, zy, sx, sy, "x", g, tent))
        assert math.isfinite(e.mx) and math.isfinite(e.my)
        assert 0 < e.px <= (EstimatorConfig().prior_sd_deg * PPD) ** 2 + 1e-6
        assert 0 < e.py <= (EstimatorConfig().prior_sd_deg * PPD) ** 2 + 1e-6
