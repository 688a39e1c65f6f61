"""Autocalibration end to end on closed-loop simulated people (sim.sessions).

Each run is a simulated person against the live headless pipeline, with the
autocalibrator's estimate applied by the corrector; errors are the published
estimate minus the true (simulated) offset."""
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.calibration import AutoCalibrator, NullCalibrator, make_calibrator
from gazetype.calibration.naive import NaiveCalibrator
from gazetype.sim.gaze import SimConfig
from gazetype.sim.sessions import run_reading, run_typing
from gazetype.tracker.events import LayoutEvent, LayoutItem, SelectEvent
from gazetype.tracker.offset import OffsetModel, OffsetPart, parse_offset
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

SCR = Screen()
PPD = SCR.px_per_deg


def deg(run_err_px, ppd=PPD):
    return run_err_px / ppd


def test_make_calibrator():
    assert isinstance(make_calibrator(SCR, True), AutoCalibrator)
    assert isinstance(make_calibrator(SCR, False), NullCalibrator)
    assert isinstance(make_calibrator(None, True), AutoCalibrator)  # screen defaults


@pytest.mark.parametrize("angle", [0, 90, 180, 270, 45])
def test_typing_with_full_compensation_finds_a_2_degree_offset_in_any_direction(angle):
    a = math.radians(angle)
    off = OffsetModel.constant(2 * PPD * math.cos(a), 2 * PPD * math.sin(a))
    r = run_typing(AutoCalibrator(SCR), off, seed=angle, duration_s=60, compensation=1.0)
    settle = r.settle(0.0, 0.5 * PPD)
    assert settle is not None, "never within 0.5 deg"
    wall_s, reading_s = settle
    assert reading_s <= 15.0 and wall_s <= 45.0
    assert deg(r.final) < 0.5
    assert r.text.startswith("the quick brown fox")  # and the typing went on


def test_no_offset_no_correction_while_typing_and_reading():
    for run in (run_typing(AutoCalibrator(SCR), OffsetModel(), seed=3, duration_s=90, compensation=1.0),
                run_reading(AutoCalibrator(SCR), OffsetModel(), seed=3, duration_s=90)):
        assert deg(max(run.err_px)) < 0.25


@pytest.mark.parametrize("spec", ["0,2deg", "-1.5,-1deg", "0,-0.9deg"])
def test_reading_only_multiline_text(spec):
    """No keyboard at all: a page of text in a 'text' region, read line by line."""
    off = parse_offset(spec, SCR)
    r = run_reading(AutoCalibrator(SCR), off, seed=5, duration_s=45)
    settle = r.settle(0.0, 0.5 * PPD)
    assert settle is not None and settle[1] <= 25.0
    assert deg(r.final) < 0.3


def test_a_jump_is_followed_within_seconds_of_reading():
    off = OffsetModel((OffsetPart("const", 0.8 * PPD, 0.0), OffsetPart("step", -1.0 * PPD, 1.2 * PPD, 30.0)))
    r = run_reading(AutoCalibrator(SCR), off, seed=7, duration_s=60)
    before = [e for t, e in zip(r.times, r.err_px) if 20 < t < 30]
    assert deg(max(before)) < 0.4
    settle = r.settle(30.0, 0.5 * PPD)
    assert settle is not None and settle[1] <= 30.0
    # Typing, with glances only: the jump is followed within 20 s, most of the way
    # (glances from the keys leave part of it open: saccades may fall short).
    r = run_typing(AutoCalibrator(SCR), off, seed=7, duration_s=75, compensation=1.0)
    after = [e for t, e in zip(r.times, r.err_px) if t >= 50.0]
    assert deg(max(after)) < 0.75 and r.final < 0.5 * math.hypot(1.8 * PPD, 1.2 * PPD)


def test_slow_drift_is_followed():
    off = parse_offset("drift:60,-30@120", SCR)
    auto = run_typing(AutoCalibrator(SCR), off, seed=2, duration_s=120, compensation=0.5)
    none = run_typing(None, off, seed=2, duration_s=120, compensation=0.5)
    # A drift keeps moving; the correction follows the evidence, behind it, never past it.
    assert auto.mean() < 0.8 * none.mean()
    assert auto.final < 0.7 * none.final


@pytest.mark.slow
@pytest.mark.parametrize("rate, screen, noise, loss", [
    (30.0, SCR, 0.3, 0.05),
    (1200.0, SCR, 0.15, 0.01),
    (120.0, Screen(1280, 720, width_mm=300.0, distance_mm=650.0), 0.15, 0.01),
    (60.0, Screen(3840, 2160, width_mm=620.0, distance_mm=700.0), 0.2, 0.2),  # 4K, a fifth of data lost
])
def test_rates_screens_and_data_loss(rate, screen, noise, loss):
    ppd = screen.px_per_deg
    off = OffsetModel.constant(1.2 * ppd, -1.4 * ppd)
    cfg = SimConfig(rate_hz=rate, noise_deg=noise, loss_prob=loss, blink_rate_hz=0.5, seed=11)
    r = run_typing(AutoCalibrator(screen), off, seed=11, duration_s=60, compensation=1.0, screen=screen,
                   rate_hz=rate, sim_config=cfg)
    assert r.settle(0.0, 0.5 * ppd) is not None and deg(r.final, ppd) < 0.5
    r = run_reading(AutoCalibrator(screen), off, seed=11, duration_s=40, screen=screen, rate_hz=rate, sim_config=cfg)
    assert r.settle(0.0, 0.5 * ppd) is not None and deg(r.final, ppd) < 0.5


def test_beats_the_naive_estimator():
    off = OffsetModel.constant(-0.8 * PPD, 1.8 * PPD)
    for run in (run_typing, run_reading):
        naive = run(NaiveCalibrator(SCR), off, seed=4, duration_s=60)
        auto = run(AutoCalibrator(SCR), off, seed=4, duration_s=60)
        # once both have evidence (the naive one uses the very first fixation on the text)
        assert auto.mean(t_from=20.0) < 0.8 * naive.mean(t_from=20.0)


def test_estimates_are_published_with_uncertainty():
    cal = AutoCalibrator(SCR)
    run_typing(cal, OffsetModel.constant(40, 20), seed=1, duration_s=40)
    ev = cal.published
    assert ev is not None and ev.sd_px is not None and 0 < ev.sd_px < 0.5 * PPD and ev.n >= 4


def _items(rng, n):
    out = []
    for i in range(n):
        x, y = rng.uniform(-100, 2000), rng.uniform(-100, 1200)
        out.append(LayoutItem(rng.choice(["a", "word", "x" * 12, ""]), (x, y, x + rng.uniform(0, 300), y + rng.uniform(0, 80)),
                              rng.choice([None, 0, 1, 2, 7])))
    return tuple(out)


@pytest.mark.slow
@given(st.integers(min_value=0, max_value=100_000))
def test_any_stream_of_events_never_crashes(seed):
    """Garbage in (NaN, inf, invalid, jumps, odd layouts, empty regions, selects of
    unknown keys, time going backwards a little): no exception, finite estimates."""
    rng = random.Random(seed)
    cal = AutoCalibrator(SCR)
    t = 0.0
    for i in range(3000):
        t += rng.choice([1 / 120, 1 / 30, 0.0, -0.001, 0.5])
        r = rng.random()
        if r < 0.005:
            cal.on_layout(LayoutEvent(t, rng.choice(["keyboard", "output", "target", "text"]), _items(rng, rng.randint(0, 30)),
                                      rng.choice([None, "", "hello world", "a b\nc"]),
                                      rng.choice([None, (10.0, 10.0, 12.0, 40.0)])))
        elif r < 0.01:
            cal.on_select(SelectEvent(t, rng.choice(["a", "space", "done", "backspace", "??"])))
        else:
            x = rng.choice([rng.gauss(500, 300), math.nan, math.inf, -1e9, rng.uniform(0, 1920)])
            y = rng.choice([rng.gauss(300, 200), math.nan, rng.uniform(0, 1080)])
            ev = cal.update(GazeSample.make(t, x, y, rng.random() > 0.1))
            if ev is not None:
                assert math.isfinite(ev.dx_px) and math.isfinite(ev.dy_px) and ev.sd_px > 0
    cal.finish(t)
