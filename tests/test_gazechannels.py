"""XDF gaze meta-data -> GazeSample (no LSL needed)."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.tracker.gazechannels import (
    Channel,
    GazeLayout,
    GazeLayoutError,
    combine_eyes,
    gaze_channels,
    sample_values,
)
from gazetype.tracker.sample import EyeSample
from gazetype.tracker.screen import Screen

SCREEN = Screen(1920, 1080)
NAN = math.nan


def ch(label, eye, typ, unit=""):
    return Channel(label, eye, typ, unit)


def test_binocular_px_channels():
    lay = GazeLayout.from_channels([ch("x", "both", "ScreenX", "pixels"), ch("y", "both", "ScreenY", "pixels")], 2)
    s = lay.to_sample(1.5, [100.0, 200.0], SCREEN)
    assert (s.t_s, s.x_px, s.y_px, s.valid) == (1.5, 100.0, 200.0, True)
    assert s.left is None and s.right is None


def test_normalised_units_scale_to_the_screen():
    lay = GazeLayout.from_channels([ch("x", "both", "ScreenX", "normalized"), ch("y", "both", "ScreenY", "normalized")], 2)
    s = lay.to_sample(0.0, [0.25, 0.5], Screen(1000, 800))
    assert (s.x_px, s.y_px) == (250.0, 400.0)


def test_per_eye_channels_are_averaged_when_there_is_no_binocular_pair():
    chans = [ch("lx", "left", "ScreenX", "px"), ch("ly", "left", "ScreenY", "px"),
             ch("rx", "right", "ScreenX", "px"), ch("ry", "right", "ScreenY", "px"),
             ch("lp", "left", "Diameter", "mm"), ch("rp", "right", "Radius", "mm")]
    lay = GazeLayout.from_channels(chans, 6)
    s = lay.to_sample(2.0, [100, 200, 120, 220, 3.0, 1.6], SCREEN)
    assert s.valid and (s.x_px, s.y_px) == (110.0, 210.0)
    assert s.left.pupil_mm == 3.0 and s.right.pupil_mm == 3.2  # radius doubled
    one = lay.to_sample(2.0, [NAN, NAN, 120, 220, NAN, NAN], SCREEN)
    assert one.valid and (one.x_px, one.y_px) == (120.0, 220.0) and not one.left.valid
    none = lay.to_sample(2.0, [NAN] * 6, SCREEN)
    assert not none.valid and math.isnan(none.x_px)


def test_eye_can_come_from_the_label():
    chans = [ch("left_x", "", "ScreenX", "px"), ch("left_y", "", "ScreenY", "px")]
    lay = GazeLayout.from_channels(chans, 2)
    assert lay.left.has_xy and not lay.both.has_xy


def test_units_default_px_for_gaze_and_normalised_for_eyetracker():
    chans = [ch("x", "both", "ScreenX"), ch("y", "both", "ScreenY")]
    assert not GazeLayout.from_channels(chans, 2, "Gaze").both.normalised
    assert GazeLayout.from_channels(chans, 2, "Eyetracker").both.normalised


def test_tobii_lsl_app_six_channels_nan_invalid():
    lay = GazeLayout.from_channels([], 6, "Eyetracker", "TobiiPro")
    assert lay.kind == "tobii-lsl-app"
    s = lay.to_sample(0.0, [0.5, 0.5, 3.0, 0.6, 0.5, 3.1], SCREEN)
    assert s.valid and s.x_px == pytest.approx(0.55 * 1920) and s.y_px == pytest.approx(540)
    assert s.left.pupil_mm == 3.0 and s.right.pupil_mm == pytest.approx(3.1)
    blink = lay.to_sample(0.0, [NAN] * 6, SCREEN)
    assert not blink.valid and blink.left.pupil_mm is None


def test_plain_two_channel_gaze_stream_is_x_y_px():
    lay = GazeLayout.from_channels([], 2, "Gaze")
    assert lay.to_sample(0.0, [5, 6], SCREEN).x_px == 5.0


@pytest.mark.parametrize("chans,n,typ,msg", [
    ([], 3, "Gaze", "no ScreenX/ScreenY"),
    ([ch("x", "both", "ScreenX", "degrees"), ch("y", "both", "ScreenY", "degrees")], 2, "Gaze", "unit 'degrees'"),
    ([ch("x", "both", "ScreenX", "pixels"), ch("y", "both", "ScreenY", "normalized")], 2, "Gaze", "ScreenY"),
])
def test_unreadable_layouts_say_why(chans, n, typ, msg):
    with pytest.raises(GazeLayoutError, match=msg) as e:
        GazeLayout.from_channels(chans, n, typ, "EEGish")
    assert "EEGish" in str(e.value)


def test_short_or_garbage_rows_never_crash():
    lay = GazeLayout.from_channels(gaze_channels("pixels"), 8)
    for row in ([], [1.0], ["a", "b"], [None] * 8, [math.inf, 1, 2, 3, 4, 5, 6, 7]):
        s = lay.to_sample(0.0, row, SCREEN)
        assert not s.valid


finite = st.floats(-5000, 5000, allow_nan=False)
maybe = st.one_of(finite, st.just(NAN), st.just(math.inf))


@given(st.lists(maybe, min_size=8, max_size=8))
def test_any_row_gives_valid_only_with_finite_coordinates(row):
    lay = GazeLayout.from_channels(gaze_channels("pixels"), 8)
    s = lay.to_sample(0.0, row, SCREEN)
    assert s.valid == (math.isfinite(row[0]) and math.isfinite(row[1]))
    if s.valid:
        assert (s.x_px, s.y_px) == (row[0], row[1])


@given(finite, finite, finite, finite, st.booleans(), st.booleans())
def test_published_rows_read_back_to_the_same_sample(lx, ly, rx, ry, lok, rok):
    left = EyeSample(lx, ly, True, 3.0) if lok else EyeSample(NAN, NAN, False, None)
    right = EyeSample(rx, ry, True, None) if rok else EyeSample(NAN, NAN, False, None)
    s = combine_eyes(1.0, left, right)
    lay = GazeLayout.from_channels(gaze_channels("pixels"), 8)
    back = lay.to_sample(1.0, sample_values(s), SCREEN)
    assert back.valid == s.valid == (lok or rok)
    if s.valid:
        assert (back.x_px, back.y_px) == (s.x_px, s.y_px)
    assert back.left.valid == lok and back.right.valid == rok
    assert back.left.pupil_mm == (3.0 if lok else None)


def test_combine_eyes_is_the_mean_of_valid_eyes():
    s = combine_eyes(0.0, EyeSample(100, 100, True), EyeSample(200, 300, True))
    assert (s.x_px, s.y_px, s.valid) == (150, 200, True)
    assert not combine_eyes(0.0, None, None).valid
    assert not combine_eyes(0.0, EyeSample(NAN, NAN, False), EyeSample(NAN, NAN, False)).valid


_LAYOUTS = {
    "xdf binocular + eyes": (gaze_channels("pixels"), 8, "Gaze"),
    "xdf eyes only, normalised": (gaze_channels("normalized", binocular=False), 6, "Gaze"),
    "tobii lsl app": ([], 6, "Eyetracker"),
    "plain x/y": ([], 2, "Gaze"),
}
_value = st.one_of(st.floats(-3000, 3000, allow_nan=False), st.sampled_from([NAN, math.inf, -math.inf, 1e308, 0.0, -1.0]))


@pytest.mark.parametrize("kind", sorted(_LAYOUTS))
@given(data=st.data())
def test_a_chunk_converts_to_the_same_samples_as_its_rows(kind, data):
    """Issue 15: the LSL reader converts a chunk at once (numpy); the samples must be
    exactly those of the row-by-row conversion, garbage, NaN and overflow included."""
    chans, n_ch, typ = _LAYOUTS[kind]
    lay = GazeLayout.from_channels(chans, n_ch, typ)
    n = data.draw(st.integers(1, 6))
    rows = data.draw(st.lists(st.lists(_value, min_size=n_ch, max_size=n_ch), min_size=n, max_size=n))
    ts = [float(i) * 0.001 for i in range(n)]
    chunk = lay.to_samples(ts, rows, SCREEN)
    assert repr(chunk) == repr([lay.to_sample(t, r, SCREEN) for t, r in zip(ts, rows)])


@pytest.mark.parametrize("kind", sorted(_LAYOUTS))
@given(data=st.data())
def test_the_fast_row_reader_gives_the_samples_of_to_sample(kind, data):
    """The live reader's per-row converter (columns looked up once) is `to_sample`."""
    chans, n_ch, typ = _LAYOUTS[kind]
    lay = GazeLayout.from_channels(chans, n_ch, typ)
    row = data.draw(st.lists(_value, min_size=0, max_size=n_ch + 1))  # short and long rows too
    read = lay.row_reader(SCREEN)
    assert repr(read(1.5, row)) == repr(lay.to_sample(1.5, row, SCREEN))
