import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.pipeline.induced import InducedOffset
from gazetype.tracker.offset import OffsetSpecError, parse_offset
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen


def test_px_per_degree_from_geometry():
    # 1920 px over 531 mm at 600 mm: 1 deg = 2*600*tan(0.5 deg) = 10.47 mm = 37.87 px
    s = Screen(1920, 1080, 531.0, 299.0, 600.0)
    assert s.px_per_deg == pytest.approx(37.866, abs=0.01)
    assert s.deg_to_px(2.0) == pytest.approx(2 * s.px_per_deg)
    assert s.px_to_deg(s.deg_to_px(0.7)) == pytest.approx(0.7)


def test_defaults_keep_pixels_square_and_scale_with_distance():
    s = Screen(1280, 720)
    assert s.width_mm / s.width_px == pytest.approx(s.height_mm / s.height_px)
    far = Screen(1280, 720, distance_mm=1200)
    assert far.px_per_deg == pytest.approx(2 * s.px_per_deg, rel=1e-3)


def test_bad_screen_is_rejected():
    with pytest.raises(ValueError):
        Screen(0, 100)
    with pytest.raises(ValueError):
        Screen(100, 100, distance_mm=-1)


def test_offset_specs():
    scr = Screen()
    assert parse_offset("none").is_zero
    assert parse_offset("40,-20").at(0) == (40, -20)
    dx, dy = parse_offset("1,0deg", scr).at(5)
    assert dx == pytest.approx(scr.px_per_deg) and dy == 0
    drift = parse_offset("drift:60,0@120")
    assert drift.at(0) == (0, 0) and drift.at(60) == (30, 0) and drift.at(500) == (60, 0)
    step = parse_offset("step:0,40@30")
    assert step.at(29.9) == (0, 0) and step.at(30) == (0, 40)
    both = parse_offset("20,0+step:0,40@30")
    assert both.at(31) == (20, 40)


@pytest.mark.parametrize("bad", ["abc", "1", "drift:1,2", "3,4@5", "step:1,2@-3", "1,2furlong", "nan,1"])
def test_bad_offset_specs_say_what_is_wrong(bad):
    with pytest.raises(OffsetSpecError) as e:
        parse_offset(bad)
    assert bad.split("+")[0].strip().lower()[:3] in str(e.value).lower()


@given(st.floats(-300, 300), st.floats(-300, 300), st.floats(0, 100))
def test_induced_offset_shifts_valid_samples_only(dx, dy, t):
    ind = InducedOffset(parse_offset(f"{dx},{dy}"), t0_s=0.0)
    s = ind.apply(GazeSample(t, 100.0, 200.0))
    assert s.x_px == pytest.approx(100 + dx) and s.y_px == pytest.approx(200 + dy)
    bad = ind.apply(GazeSample.invalid(t))
    assert not bad.valid and math.isnan(bad.x_px)


def test_sample_make_marks_non_finite_invalid():
    assert not GazeSample.make(0, float("nan"), 1).valid
    assert not GazeSample.make(0, float("inf"), 1).valid
    assert not GazeSample.make(0, None, 1).valid
    assert GazeSample.make(0, 1, 2).valid
