"""Batch line assignment (gazetype.calibration.lines): synthetic multi-line reading with a
known offset, property tests, and (when the data is present) real reading from Carr et al.
(2022), jwcarr/drift, CC BY 4.0."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.calibration.lines import METHODS, TextLines, assign, global_shift_px, offset_from_assignment

from .conftest import ROOT

CHAR_PX, LINE_PX, LEFT_PX, TOP_PX = 16.0, 64.0, 200.0, 150.0
DRIFT = ROOT.parent / "shared" / "data" / "drift"


def make_text(rng, n_lines=8, width_chars=60) -> list[str]:
    lines = []
    for _ in range(n_lines):
        words, n = [], 0
        while True:
            w = "x" * int(rng.integers(2, 10))
            if n + len(w) + (1 if words else 0) > width_chars:
                break
            words.append(w)
            n += len(w) + (1 if len(words) > 1 else 0)
        lines.append(" ".join(words))
    return lines


def layout(text) -> TextLines:
    return TextLines.from_text(text, LEFT_PX, TOP_PX, CHAR_PX, LINE_PX)


def read(rng, tl: TextLines, noise_px=6.0, p_regress=0.15, p_skip=0.2, p_undersweep=0.3,
         landing_px=-CHAR_PX / 2):
    """Simulated reading in time order: one fixation per (non-skipped) word landing_px from
    its centre (readers land a little left of centre), within-line regressions, return sweeps with occasional undersweeps.
    Returns (fix_xy (n, 2) on the true text, true line index (n,))."""
    xy, line = [], []
    centre = tl.word_centre_px
    for k in range(tl.n_lines):
        ws = np.flatnonzero(tl.word_line == k)
        if k > 0 and rng.random() < p_undersweep:  # lands short, then corrects leftwards
            xy.append((centre[ws[min(2, len(ws) - 1)], 0], tl.line_y_px[k]))
            line.append(k)
        for i, w in enumerate(ws):
            if 0 < i < len(ws) - 1 and rng.random() < p_skip:
                continue
            xy.append((centre[w, 0] + landing_px, tl.line_y_px[k]))
            line.append(k)
            if i > 1 and rng.random() < p_regress:
                back = ws[i - int(rng.integers(1, 3))]
                xy.append((centre[back, 0], tl.line_y_px[k]))
                line.append(k)
    xy = np.array(xy) + rng.normal(0, noise_px, (len(xy), 2))
    return xy, np.array(line)


def scene(seed, **kw):
    rng = np.random.default_rng(seed)
    tl = layout(make_text(rng))
    xy, line = read(rng, tl, **kw)
    return tl, xy, line


# ---------------------------------------------------------------- synthetic reading

@pytest.mark.parametrize("method", ["slice", "warp", "chain"])
@pytest.mark.parametrize("seed", range(5))
def test_small_vertical_shift_recovers_lines(method, seed):
    tl, xy, line = scene(seed)
    got = assign(method, xy + [0, 20], tl)
    assert np.mean(got == line) > 0.97


@pytest.mark.parametrize("method", ["slice", "warp", "chain"])
@pytest.mark.parametrize("shift_px", [-128.0, -90.0, 100.0, 128.0])
def test_large_vertical_shift_recovers_lines_after_global_shift(method, shift_px):
    tl, xy, line = scene(7)
    got = assign(method, xy + [0, shift_px], tl, shift=True)
    assert np.mean(got == line) > 0.97


def test_nearest_line_fails_on_large_shift_without_global_shift():
    """The baseline must actually be wrong by two lines: the test above is not vacuous."""
    tl, xy, line = scene(3)
    got = assign("attach", xy + [0, 128.0], tl)
    assert np.mean(got == line) < 0.3  # only the clamped bottom lines survive


@pytest.mark.parametrize("shift_px", [-128.0, -40.0, 0.0, 25.0, 128.0])
def test_global_shift_recovers_whole_lines(shift_px):
    tl, xy, _ = scene(11)
    assert global_shift_px(xy + [0, shift_px], tl) == pytest.approx(shift_px, abs=8)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_zero_offset_gives_near_zero_estimate(method):
    tl, xy, line = scene(5, noise_px=4.0)
    off = offset_from_assignment(xy, tl, assign(method, xy, tl))
    assert abs(off.dy_px) < 3
    assert abs(off.dx_px) < CHAR_PX  # within a character (readers land left of centre)


@pytest.mark.parametrize("dx_px, dy_px", [(30.0, 20.0), (-40.0, -25.0), (0.0, 100.0)])
def test_known_offset_is_recovered(dx_px, dy_px):
    tl, xy, _ = scene(2, noise_px=4.0)
    # the reference: what the estimator says without an injected offset
    ref = offset_from_assignment(xy, tl, assign("slice", xy, tl))
    f = xy + [dx_px, dy_px]
    off = offset_from_assignment(f, tl, assign("slice", f, tl, shift=True))
    assert off.dy_px == pytest.approx(ref.dy_px + dy_px, abs=3)
    assert off.dx_px == pytest.approx(ref.dx_px + dx_px, abs=6)


def test_from_text_words_and_boxes():
    tl = TextLines.from_text(["ab  cde", "f"], 10.0, 100.0, 16.0, 64.0)
    assert tl.word_line.tolist() == [0, 0, 1]
    assert tl.word_box_px[:, 0].tolist() == [10.0, 10.0 + 4 * 16, 10.0]
    assert tl.word_box_px[:, 2].tolist() == [10.0 + 2 * 16, 10.0 + 7 * 16, 10.0 + 16]
    assert tl.line_y_px.tolist() == [100.0, 164.0]


# ---------------------------------------------------------------- properties

@pytest.mark.slow
@given(seed=st.integers(0, 10_000), shift=st.floats(-LINE_PX / 4 + 0.01, LINE_PX / 4 - 0.01))
def test_slice_invariant_to_sub_quarter_line_shift(seed, shift):
    tl, xy, _ = scene(seed, noise_px=4.0)
    np.testing.assert_array_equal(assign("slice", xy + [0, shift], tl), assign("slice", xy, tl))


finite = st.floats(-2000, 3000, allow_nan=False, allow_infinity=False)


@pytest.mark.slow
@given(method=st.sampled_from(sorted(METHODS)), shift=st.booleans(),
       pts=st.lists(st.tuples(finite, finite), min_size=0, max_size=40))
def test_one_valid_line_per_fixation(method, shift, pts):
    tl = layout(["aaa bbb cc", "dd eeee f", "ggg hh ii"])
    xy = np.array(pts, dtype=float).reshape(-1, 2)
    got = assign(method, xy, tl, shift=shift)
    assert got.shape == (len(xy),)
    assert np.issubdtype(got.dtype, np.integer)
    assert np.all((got >= 0) & (got < tl.n_lines))


@pytest.mark.parametrize("method", sorted(METHODS))
def test_empty_and_single_fixation(method):
    tl = layout(["aaa bbb cc", "dd eeee f"])
    assert assign(method, np.zeros((0, 2)), tl).shape == (0,)
    assert assign(method, [[250.0, 214.0]], tl).tolist() == [1]
    off = offset_from_assignment(np.zeros((0, 2)), tl, np.zeros(0, dtype=int))
    assert off.n == 0 and np.isnan(off.dy_px)


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_rejected(method, bad):
    tl = layout(["aaa bbb cc", "dd eeee f"])
    xy = np.array([[210.0, 150.0], [260.0, bad], [300.0, 151.0]])
    with pytest.raises(ValueError):
        assign(method, xy, tl)
    with pytest.raises(ValueError):
        offset_from_assignment(xy, tl, [0, 0, 0])


def test_unknown_method_rejected():
    with pytest.raises(ValueError):
        assign("nope", [[0.0, 0.0]], layout(["a"]))


# ---------------------------------------------------------------- real reading

@pytest.mark.skipif(not DRIFT.is_dir(), reason="shared/data/drift not present")
def test_slice_on_real_reading():
    passages = json.loads((DRIFT / "passages.json").read_text(encoding="utf-8"))
    sample = json.loads((DRIFT / "sample.json").read_text(encoding="utf-8"))
    gold = json.loads((DRIFT / "gold.json").read_text(encoding="utf-8"))
    ids = sorted(sample)[::8]  # 6 trials, adults and children
    assert {sample[t]["age_group"] for t in ids} == {"adult", "child"}
    hits = total = 0
    for tid in ids:
        block = passages[sample[tid]["passage_id"]]["__TextBlock__"]
        tl = TextLines.from_text(block["text"], block["position"][0], 155.0, 16.0, 64.0)
        fx = sample[tid]["fixations"]["__FixationSequence__"]
        gx = gold[tid]["fixations"]["__FixationSequence__"]
        xy = np.array([[f["x"], f["y"]] for f in fx], dtype=float)
        kept = np.array([not g.get("discarded") for g in gx])
        want = np.array([round((g["y"] - 155) / 64) for g in gx])
        got = assign("slice", xy, tl)
        assert np.mean(got[kept] == want[kept]) > 0.8, tid  # children's re-reading: not all > 0.9
        hits += int(np.sum(got[kept] == want[kept]))
        total += int(kept.sum())
    assert hits / total > 0.9
