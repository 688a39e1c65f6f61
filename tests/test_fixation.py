"""The online fixation detector: thresholds in degrees, any rate, blinks, garbage."""
import math
import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gazetype.calibration.fixation import FixationConfig, FixationDetector
from gazetype.sim.gaze import ListScript, PlannedFixation, SimConfig, SimGaze
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen


def detect(samples, screen=None, config=None):
    d = FixationDetector(screen, config)
    out = [f for s in samples if (f := d.add(s.t_s, s.x_px, s.y_px, s.valid)) is not None]
    f = d.flush()
    return out + ([f] if f else [])


@pytest.mark.parametrize("rate", [30, 60, 120, 300, 1200])
def test_scripted_fixations_are_found_at_any_rate(rate):
    scr = Screen()
    script = [PlannedFixation(300, 300, 0.3), PlannedFixation(900, 320, 0.25), PlannedFixation(1500, 700, 0.4), PlannedFixation(400, 800, 0.2)]
    g = SimGaze(ListScript(script), scr, SimConfig(rate_hz=rate, noise_deg=0.15, blink_rate_hz=0, loss_prob=0, seed=1, undershoot=0.0))
    fixes = detect(g.all(), scr)
    # the first sample starts mid-screen and saccades to the first target: skip nothing else
    found = [(round(f.x_px), round(f.y_px)) for f in fixes if f.duration_s > 0.15]
    assert len(found) == len(script)
    for f, want in zip([f for f in fixes if f.duration_s > 0.15], script):
        assert math.hypot(f.x_px - want.x_px, f.y_px - want.y_px) < 0.2 * scr.px_per_deg
        # the end of the saccade in (within the radius of the target) counts: up to ~30 ms
        assert f.duration_s == pytest.approx(want.duration_s, abs=2.5 / rate + 0.035)


def test_radius_is_in_degrees_whatever_the_screen():
    small = Screen(1280, 720, width_mm=300.0, distance_mm=650.0)
    big = Screen(3840, 2160, width_mm=600.0, distance_mm=550.0)
    for scr in (small, big):
        ppd = scr.px_per_deg
        # two targets 0.6 deg apart are one fixation; 2 deg apart are two
        for sep_deg, n in ((0.6, 1), (2.0, 2)):
            g = SimGaze(ListScript([PlannedFixation(500, 400, 0.3), PlannedFixation(500 + sep_deg * ppd, 400, 0.3)]), scr,
                        SimConfig(rate_hz=250, noise_deg=0.05, blink_rate_hz=0, loss_prob=0, seed=2, undershoot=0.0))
            fixes = [f for f in detect(g.all(), scr) if f.duration_s > 0.1]
            assert len(fixes) == n, (scr, sep_deg)


def test_a_spike_does_not_split_a_fixation_but_two_agreeing_samples_do():
    d = FixationDetector(Screen())
    t = 0.0
    for i in range(30):
        assert d.add(t, 500.0, 500.0, True) is None
        t += 0.01
    assert d.add(t, 900.0, 100.0, True) is None  # one stray sample
    t += 0.01
    for i in range(30):
        assert d.add(t, 500.0, 500.0, True) is None
        t += 0.01
    assert d.current.n == 60
    assert d.add(t, 900.0, 500.0, True) is None
    f = d.add(t + 0.01, 901.0, 500.0, True)  # confirmed: the first fixation ends
    assert f is not None and f.n == 60 and f.x_px == 500.0
    assert d.current.n == 2 and d.current.t_start_s == pytest.approx(t)


def test_a_blink_inside_a_fixation_does_not_split_it_a_long_gap_does():
    cfg = FixationConfig(max_gap_s=0.25)
    d = FixationDetector(Screen(), cfg)
    t = 0.0
    out = []
    for i in range(200):
        t = i * 0.01
        blink = 50 <= i < 65  # 150 ms
        lost = 120 <= i < 160  # 400 ms
        f = d.add(t, math.nan if (blink or lost) else 700.0, math.nan if (blink or lost) else 400.0, not (blink or lost))
        if f:
            out.append(f)
    out.append(d.flush())
    assert len(out) == 2
    assert out[0].t_start_s == 0.0 and out[0].t_end_s == pytest.approx(1.19)
    assert out[1].t_start_s == pytest.approx(1.6)


def test_update_with_samples_equals_add():
    scr = Screen()
    g = SimGaze(ListScript([PlannedFixation(200 + 150 * i, 300 + 40 * (i % 3), 0.25) for i in range(10)]), scr,
                SimConfig(rate_hz=120, seed=5))
    samples = g.all()
    a = detect(samples, scr)
    d = FixationDetector(scr)
    got = []
    d.on_fixation = lambda f, t: got.append(f)
    for s in samples:
        d.update(s)
    got.append(d.flush())
    assert got == a


sample_values = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                          st.floats(min_value=-500, max_value=2500))


@given(st.lists(st.tuples(st.floats(min_value=0.0, max_value=0.2), sample_values, sample_values, st.booleans()),
                max_size=300))
def test_garbage_never_crashes_and_fixations_are_sane(rows):
    """Any stream (NaN, inf, invalid, huge jumps, repeated times) gives fixations
    with finite positions inside the range of the valid input, in time order,
    at least the minimum duration long."""
    d = FixationDetector(Screen())
    t = 0.0
    fixes, xs, ys = [], [], []
    for dt, x, y, valid in rows:
        t += dt
        s = GazeSample.make(t, x, y, valid)
        if s.valid:
            xs.append(s.x_px)
            ys.append(s.y_px)
        f = d.add(s.t_s, s.x_px, s.y_px, s.valid)
        if f:
            fixes.append(f)
    if (f := d.flush()):
        fixes.append(f)
    for a, b in zip(fixes, fixes[1:]):
        assert a.t_end_s <= b.t_start_s
    for f in fixes:
        assert math.isfinite(f.x_px) and math.isfinite(f.y_px)
        assert min(xs) - 1e-6 <= f.x_px <= max(xs) + 1e-6 and min(ys) - 1e-6 <= f.y_px <= max(ys) + 1e-6
        assert f.duration_s >= FixationConfig().min_duration_s and f.n >= 2


@given(st.floats(min_value=30, max_value=1200), st.floats(min_value=0.0, max_value=0.3),
       st.integers(min_value=0, max_value=10_000))
@example(rate=30.0, noise_deg=0.296875, seed=1958)  # 15 samples, 3 dropped: 4 px from the mean of all
def test_a_still_eye_is_one_fixation_with_the_mean_position(rate, noise_deg, seed):
    scr = Screen()
    rng = random.Random(seed)
    sd = noise_deg * scr.px_per_deg
    n = int(rate * 0.5)
    xs = [800 + rng.gauss(0, sd) for _ in range(n)]
    ys = [450 + rng.gauss(0, sd) for _ in range(n)]
    fixes = detect([GazeSample(i / rate, x, y) for i, (x, y) in enumerate(zip(xs, ys))], scr)
    # Noise never splits it; the first samples, before the centroid settles, may
    # fall outside the radius now and then and be dropped as strays.
    assert len(fixes) == 1 and fixes[0].n >= n - max(3, 0.02 * n)
    # Where the eye was, within what the kept samples can tell (4 standard errors; a
    # few dropped strays at 30 Hz move the mean by more than 0.1 deg).
    tol = 4 * sd / math.sqrt(fixes[0].n) + 0.05 * scr.px_per_deg
    assert fixes[0].x_px == pytest.approx(800, abs=tol)
    assert fixes[0].y_px == pytest.approx(450, abs=tol)
