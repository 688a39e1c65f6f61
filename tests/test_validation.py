"""Validation (calibration/validation.py): target geometry, the timeline, and the
statistics on simulated gaze with known offsets and noise, and on recorded gaze."""
from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.calibration.validation import (
    Stage,
    TargetDone,
    TargetShown,
    ValidationConfig,
    ValidationDone,
    ValidationError,
    ValidationResult,
    ValidationSession,
    format_table,
    target_positions,
    target_stats,
)
from gazetype.sim.gaze import SimConfig
from gazetype.sim.validation import simulate_validation
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

SCREEN = Screen()  # 1920 x 1080, 24", 600 mm: 37.9 px/deg


# -- geometry ----------------------------------------------------------------------------
def test_nine_targets_are_a_grid_with_the_centre_first():
    pts = target_positions(SCREEN, 9)
    assert pts[0] == (960.0, 540.0)
    assert sorted({x for x, _ in pts}) == [192.0, 960.0, 1728.0]  # 10 % margins
    assert sorted({y for _, y in pts}) == [108.0, 540.0, 972.0]
    assert len(set(pts)) == 9


def test_five_targets_are_the_centre_and_corners_with_a_px_margin():
    pts = target_positions(Screen(1280, 800), 5, margin_px=50)
    assert pts == [(640.0, 400.0), (50.0, 50.0), (1230.0, 50.0), (50.0, 750.0), (1230.0, 750.0)]


@pytest.mark.parametrize("n", [0, 4, 6, 13])
def test_other_target_counts_are_refused(n):
    with pytest.raises(ValidationError, match="5 or 9"):
        ValidationConfig(n_targets=n)


def test_a_dwell_no_longer_than_the_discarded_start_is_refused():
    with pytest.raises(ValidationError, match="longer than"):
        ValidationConfig(dwell_s=0.4, discard_s=0.5)
    with pytest.raises(ValidationError, match="no room"):
        target_positions(Screen(100, 100), 9, margin_px=60)


# -- the timeline ------------------------------------------------------------------------
def test_timeline_moves_shrinks_discards_then_collects():
    cfg = ValidationConfig(n_targets=5, dwell_s=1.0, discard_s=0.4, move_s=0.2, shrink_s=0.5, radius_px=30, dot_px=5)
    s = ValidationSession(SCREEN, cfg)
    evs = s.start(10.0)
    assert [type(e) for e in evs] == [TargetShown] and evs[0].index == 0
    assert s.view(10.1).stage == Stage.MOVE
    v = s.view(10.2 + 0.25)  # half-way through the shrink
    assert v.stage == Stage.DWELL and v.radius_px == pytest.approx(17.5) and not v.collecting
    assert s.view(10.2 + 0.41).collecting and s.view(10.2 + 0.6).radius_px == 5
    # The second target glides from the first: half-way in the middle of the move.
    v = s.view(11.2 + 0.1)
    (x0, y0), (x1, y1) = s.targets[0], s.targets[1]
    assert (v.x_px, v.y_px) == pytest.approx(((x0 + x1) / 2, (y0 + y1) / 2))
    # Only samples in the collect window count.
    for k in range(144):  # 1.2 s at 120 Hz: the first target's move and dwell
        s.update(GazeSample(10.0 + k / 120, 960.0, 540.0))
    evs = s.tick(11.25)
    done = [e for e in evs if isinstance(e, TargetDone)]
    assert len(done) == 1 and abs(done[0].result.n_samples - (1.2 - 0.6) * 120) <= 1
    evs = s.tick(10.0 + cfg.total_s)
    assert isinstance(evs[-1], ValidationDone) and s.done
    assert len(s.result.targets) == 5 and s.view(20.0).stage == Stage.DONE
    assert s.result.targets[1].data_loss_pct == 100.0  # no samples at all is all lost
    assert s.tick(30.0) == [] and s.update(GazeSample(31.0, 1.0, 1.0)) == []


# -- statistics on synthetic gaze with known offsets and noise --------------------------
def _synthetic(session: ValidationSession, dx, dy, noise_px, rate=250.0, seed=0, loss=0.0):
    rng = random.Random(seed)
    cfg = session.config
    t = session.t0_s
    while not session.done:
        v = session.view(t)
        i = min(v.index, cfg.n_targets - 1)
        x, y = session.targets[i]
        if rng.random() < loss:
            session.update(GazeSample.invalid(t))
        else:
            session.update(GazeSample(t, x + dx + rng.gauss(0, noise_px), y + dy + rng.gauss(0, noise_px)))
        t += 1 / rate
    return session.result


@pytest.mark.parametrize("n", [5, 9])
def test_offset_and_precision_of_white_noise_are_recovered(n):
    ppd = SCREEN.px_per_deg
    sigma_deg = 0.1
    s = ValidationSession(SCREEN, ValidationConfig(n_targets=n))
    s.start(0.0)
    r = _synthetic(s, 30.0, -12.0, sigma_deg * ppd, seed=n)
    assert r.offset_dx_px == pytest.approx(30.0, abs=0.5) and r.offset_dy_px == pytest.approx(-12.0, abs=0.5)
    assert r.accuracy_deg == pytest.approx(math.hypot(30, 12) / ppd, abs=0.02)
    # White noise of SD s per axis: RMS-S2S = 2 s, SD = sqrt(2) s.
    assert r.rms_s2s_deg == pytest.approx(2 * sigma_deg, rel=0.06)
    assert r.sd_deg == pytest.approx(math.sqrt(2) * sigma_deg, rel=0.06)
    assert r.data_loss_pct == 0.0 and len(r.targets) == n
    # The per-sample mean error is inflated by noise; the accuracy (offset of the mean) is not.
    assert r.mean_error_deg > r.accuracy_deg


@pytest.mark.slow
@given(dx_deg=st.floats(-2, 2), dy_deg=st.floats(-2, 2), seed=st.integers(0, 10_000))
def test_accuracy_recovered_to_005_deg_in_simulation(dx_deg, dy_deg, seed):
    """Simulated eyes (saccades, fixational noise 0.15 deg, blinks, loss) on a tracker
    with a known offset: the validation recovers the offset to 0.05 deg."""
    off = parse_offset(f"{dx_deg!r},{dy_deg!r}deg", SCREEN)
    r = simulate_validation(SCREEN, ValidationConfig(n_targets=5),
                            offset=off, sim=SimConfig(seed=seed, undershoot=0.0))
    true_deg = math.hypot(dx_deg, dy_deg)
    assert abs(r.accuracy_deg - true_deg) < 0.05
    got = (r.offset_dx_px / SCREEN.px_per_deg, r.offset_dy_px / SCREEN.px_per_deg)
    assert math.hypot(got[0] - dx_deg, got[1] - dy_deg) < 0.05
    # The simulated tracker's noise: 0.15 deg per axis.
    assert r.sd_deg == pytest.approx(math.sqrt(2) * 0.15, rel=0.2)


def test_simulated_person_with_undershoot_and_blinks_still_within_005_deg():
    off = parse_offset("1,0.5deg", SCREEN)
    r = simulate_validation(SCREEN, ValidationConfig(n_targets=9), offset=off, sim=SimConfig(seed=3))
    assert r.offset_deg == pytest.approx(math.hypot(1, 0.5), abs=0.05)
    assert 0 < r.data_loss_pct < 20  # blinks and lost samples are counted


# -- invalid samples ---------------------------------------------------------------------
BAD = st.sampled_from([math.nan, math.inf, -math.inf, -5.0, 1e9, 500.0])


@given(st.lists(st.tuples(st.floats(0, 40) | st.just(math.nan), BAD | st.floats(0, 1900), BAD | st.floats(0, 1000),
                          st.booleans()), max_size=300))
def test_invalid_samples_never_crash_and_count_as_loss(samples):
    s = ValidationSession(SCREEN, ValidationConfig(n_targets=5, dwell_s=0.6, discard_s=0.1, move_s=0.1))
    s.start(0.0)
    for t, x, y, valid in samples:
        s.update(GazeSample(t, x, y, valid))
    s.tick(100.0)
    r = s.result
    assert r is not None and 0.0 <= r.data_loss_pct <= 100.0
    json.loads(r.to_json())  # always valid JSON (no NaN)


def test_off_screen_nan_and_blinks_are_data_loss():
    samples = ([GazeSample(k / 100, 100.0, 100.0) for k in range(6)]
               + [GazeSample(0.06, -3.0, 100.0), GazeSample(0.07, 100.0, 5000.0),
                  GazeSample.make(0.08, math.nan, 1.0), GazeSample.invalid(0.09)])
    r = target_stats(0, (100.0, 100.0), samples, SCREEN)
    assert r.n_samples == 10 and r.n_valid == 6 and r.data_loss_pct == pytest.approx(40.0)
    assert r.accuracy_deg == 0.0 and r.rms_s2s_deg == 0.0
    empty = target_stats(1, (5.0, 5.0), [GazeSample.invalid(0.0)], SCREEN)
    assert empty.accuracy_deg is None and empty.rms_s2s_deg is None and empty.data_loss_pct == 100.0


def test_rms_s2s_does_not_bridge_a_lost_sample():
    a = [GazeSample(0.0, 100.0, 100.0), GazeSample.invalid(0.01), GazeSample(0.02, 100.0 + 38.0, 100.0)]
    r = target_stats(0, (100.0, 100.0), a, SCREEN)
    assert r.rms_s2s_deg is None  # no two consecutive valid samples
    assert r.sd_deg == pytest.approx(SCREEN.px_to_deg(math.sqrt(38.0 ** 2 / 2)))


# -- recorded gaze -----------------------------------------------------------------------
def test_recorded_gaze_through_a_recording_gives_the_same_result(tmp_path):
    """Gaze recorded to a v1 file and read back (the replay path) validates the same."""
    from gazetype.recording.v1 import Header, RecordingWriter, read_recording
    from gazetype.sim.gaze import SimGaze
    from gazetype.sim.validation import TargetLooker

    cfg = ValidationConfig(n_targets=5, dwell_s=1.0)
    off = parse_offset("-20,15", SCREEN)
    live = ValidationSession(SCREEN, cfg)
    gaze = SimGaze(TargetLooker(live), SCREEN, SimConfig(seed=5, undershoot=0.0), off, t0_s=0.0)
    live.start(0.0)
    path = tmp_path / "v.jsonl"
    with RecordingWriter(path, Header(SCREEN, 120.0, source="sim")) as w:
        while not live.done:
            s = gaze.next_sample()
            w.write(s)
            live.update(s)
    again = ValidationSession(SCREEN, cfg)
    again.start(0.0)
    for s in read_recording(path).samples:
        again.update(s)
    again.tick(cfg.total_s)
    assert again.result.offset_dx_px == pytest.approx(live.result.offset_dx_px, abs=0.01)
    assert again.result.offset_dx_px == pytest.approx(-20.0, abs=1.5)
    assert again.result.offset_dy_px == pytest.approx(15.0, abs=1.5)


def test_result_json_round_trip_and_table():
    r = simulate_validation(SCREEN, ValidationConfig(n_targets=5, dwell_s=0.8), sim=SimConfig(seed=1))
    d = json.loads(r.to_json())
    assert d["format"] == "gazetype-validation" and d["config"]["dwell_ms"] == 800.0
    assert len(d["targets"]) == 5 and set(d["overall"]) >= {"accuracy_deg", "rms_s2s_deg", "sd_deg", "data_loss_pct"}
    back = ValidationResult.from_dict(d)
    assert back.accuracy_deg == pytest.approx(r.accuracy_deg) and back.config == r.config
    table = format_table(r)
    assert table.splitlines()[0].split()[:4] == ["target", "x_px", "y_px", "accuracy_deg"]
    assert table.splitlines()[-1].split()[0] == "all" and len(table.splitlines()) == 7
