"""The dwell state machine: timing, invalid input, look-away, partial dwell."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.keyboard.layout import compute_keys

KEYS = compute_keys((0, 400, 1000, 800))
A = KEYS.get("a")
S = KEYS.get("s")
CFG = DwellConfig(dwell_s=1.0, lockon_s=0.15, keep_partial_s=0.75, max_step_s=0.1)


def fixate(engine, key, t0, dur, rate=60.0):
    """Feed a fixation at the key's centre; returns (selections, end time)."""
    sels, n = [], int(round(dur * rate))
    for i in range(n):
        sels += engine.update(t0 + i / rate, key.cx_px, key.cy_px, True)
    return sels, t0 + n / rate


@given(rate=st.sampled_from([30.0, 60.0, 120.0, 300.0, 1200.0]),
       dwell=st.floats(0.2, 3.0), lockon=st.floats(0.0, 0.5))
def test_no_selection_before_lockon_plus_dwell(rate, dwell, lockon):
    e = DwellEngine(KEYS, DwellConfig(dwell_s=dwell, lockon_s=lockon))
    t, first = 0.0, None
    for i in range(int((lockon + dwell) * rate) + 10):
        t = i / rate
        if e.update(t, A.cx_px, A.cy_px, True):
            first = t
            break
    assert first is not None
    assert first >= lockon + dwell - 1e-9
    assert first <= lockon + dwell + 2.0 / rate + 1e-9


@given(st.lists(st.tuples(st.floats(allow_nan=True, allow_infinity=True),
                          st.floats(allow_nan=True, allow_infinity=True), st.booleans()), max_size=300))
def test_invalid_nan_and_offscreen_never_select(points):
    e = DwellEngine(KEYS, CFG)
    for i, (x, y, valid) in enumerate(points):
        on_a_key = valid and math.isfinite(x) and math.isfinite(y) and KEYS.key_at(x, y) is not None
        if on_a_key:
            continue  # only garbage here
        assert e.update(i / 60.0, x, y, valid) == ()
        assert 0.0 <= e.focus.progress <= 1.0


def test_invalid_samples_at_a_key_never_select():
    e = DwellEngine(KEYS, CFG)
    for i in range(600):
        assert e.update(i / 60, A.cx_px, A.cy_px, False) == ()


@given(st.integers(2, 200))
def test_progress_is_monotone_while_fixating(n):
    e = DwellEngine(KEYS, CFG)
    last = -1.0
    for i in range(n):
        sel = e.update(i / 120, A.cx_px + (i % 3), A.cy_px - (i % 2), True)
        if sel:
            break
        assert e.focus.progress >= last
        last = e.focus.progress


def test_same_key_needs_a_look_away_before_repeating():
    e = DwellEngine(KEYS, CFG)
    sels, t = fixate(e, A, 0.0, 4.0)
    assert [s.key_id for s in sels] == ["a"]
    sels, t = fixate(e, S, t, 0.2)  # a glance at a neighbour re-arms "a"
    sels, t = fixate(e, A, t, 1.3)
    assert [s.key_id for s in sels] == ["a"]


def test_blink_keeps_partial_dwell():
    e = DwellEngine(KEYS, CFG)
    _, t = fixate(e, A, 0.0, 0.8)
    p_before = e.focus.progress
    for i in range(12):  # a 200 ms blink
        assert e.update(t + i / 60, math.nan, math.nan, False) == ()
    t += 0.2
    sels, _ = fixate(e, A, t, 0.45)
    assert p_before > 0.5 and [s.key_id for s in sels] == ["a"]


def test_long_data_loss_resets_dwell():
    e = DwellEngine(KEYS, CFG)
    _, t = fixate(e, A, 0.0, 0.8)
    for i in range(60):  # a second of loss
        e.update(t + i / 60, math.nan, math.nan, False)
    t += 1.0
    sels, _ = fixate(e, A, t, 0.45)
    assert sels == [] and e.focus.progress < 0.5


def test_brief_glance_away_keeps_partial_but_long_one_does_not():
    e = DwellEngine(KEYS, CFG)
    _, t = fixate(e, A, 0.0, 0.8)
    _, t = fixate(e, S, t, 0.3)
    sels, _ = fixate(e, A, t, 0.4)
    assert [s.key_id for s in sels] == ["a"]

    e = DwellEngine(KEYS, CFG)
    _, t = fixate(e, A, 0.0, 0.8)
    _, t = fixate(e, S, t, 0.9)  # too long: partial of "a" expires (and "s" nearly selects)
    sels, _ = fixate(e, A, t, 0.4)
    assert sels == []


def test_gaps_between_keys_and_big_time_gaps_do_not_count():
    e = DwellEngine(KEYS, CFG)
    gap_x = A.box[2] + 0.5  # between "a" and "s"
    assert KEYS.key_at(gap_x, A.cy_px) is None
    for i in range(300):
        assert e.update(i / 60, gap_x, A.cy_px, True) == ()
    e = DwellEngine(KEYS, CFG)
    assert e.update(0.0, A.cx_px, A.cy_px) == ()
    assert e.update(5.0, A.cx_px, A.cy_px) == ()  # 5 s without samples is not 5 s of dwell
    assert e.focus.progress < 0.1


def test_page_flip_under_gaze_does_not_select_the_new_key():
    from gazetype.keyboard.layout import PAGE_SYMBOLS
    box = (0, 400, 1000, 800)
    e = DwellEngine(compute_keys(box, "letters"), CFG)
    k = e.keys.get(PAGE_SYMBOLS)
    sels, t = fixate(e, k, 0.0, 1.2)
    assert [s.key_id for s in sels] == [PAGE_SYMBOLS]
    e.set_keys(compute_keys(box, "symbols"))
    sels, _ = fixate(e, k, t, 3.0)  # still looking at the same spot: "abc" must not fire
    assert sels == []


def test_bad_config_is_rejected():
    with pytest.raises(ValueError):
        DwellConfig(dwell_s=0)
    with pytest.raises(ValueError):
        DwellConfig(dwell_s=-1)
    with pytest.raises(ValueError):
        DwellConfig(lockon_s=float("nan"))
