"""The corrector: bounded speed, and (almost) still while gaze dwells on a key."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.calibration.corrector import Corrector
from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.keyboard.layout import compute_keys
from gazetype.pipeline.pipeline import GazePipeline
from gazetype.tracker.events import OffsetEvent
from gazetype.tracker.sample import GazeSample


@given(st.lists(st.tuples(st.floats(0.0, 0.2), st.floats(-300, 300), st.floats(-300, 300), st.booleans(),
                          st.booleans()), max_size=200),
       st.floats(10, 500), st.floats(0, 30))
def test_moves_at_bounded_speed_and_within_the_hold_budget(rows, speed, budget):
    c = Corrector(max_speed_px_s=speed, hold_budget_px=budget)
    t = 0.0
    c.advance(t)
    hold_from = None
    for dt, tx, ty, new_target, hold in rows:
        if new_target:
            c.set_target(tx, ty)
        before = c.applied
        c.hold = hold
        if hold and hold_from is None:
            hold_from = before
        if not hold:
            hold_from = None
        t += dt
        ax, ay = c.advance(t)
        step = math.hypot(ax - before[0], ay - before[1])
        assert step <= speed * min(dt, 0.1) + 1e-6
        if hold:
            assert math.hypot(ax - hold_from[0], ay - hold_from[1]) <= budget + 1e-6
        if not hold and math.hypot(c.target[0] - before[0], c.target[1] - before[1]) <= speed * min(dt, 0.1):
            assert (ax, ay) == pytest.approx(c.target)  # close enough: arrives


def test_reaches_the_target_and_corrects_samples():
    c = Corrector(max_speed_px_s=100.0)
    c.set_target(30.0, -40.0)  # 50 px: half a second
    t = 0.0
    while t < 0.6:
        s = c.correct(GazeSample(t, 500.0, 500.0))
        t += 0.01
    assert s == GazeSample(s.t_s, 470.0, 540.0)
    assert c.correct(GazeSample.invalid(t)).valid is False


def test_no_key_changes_under_gaze_because_of_a_correction():
    """Gaze rests near the edge of a key while a 2 degree correction arrives: the
    dwell completes on that key (the correction waits), then the correction moves."""
    keys = compute_keys((0.0, 300.0, 1920.0, 1080.0))
    k = keys.get("g")
    pl = GazePipeline(DwellEngine(keys, DwellConfig(dwell_s=0.6)))
    x, y = k.box[2] - 12.0, k.cy_px  # 12 px from the right edge
    sel = []
    for i in range(120):
        t = i / 120
        if i == 10:
            pl.corrector.set_target(-76.0, 0.0)  # would push gaze 76 px right, onto "h"
        sel += [s.key_id for s in pl.feed(GazeSample(t, x, y)).selections]
    assert sel == ["g"]
    assert abs(pl.corrector.applied[0]) <= pl.corrector.hold_budget_px + 1e-9
    for i in range(120, 200):  # look away (the output): the correction completes
        pl.feed(GazeSample(i / 120, 900.0, 100.0))
    assert pl.corrector.applied == pytest.approx((-76.0, 0.0))


def test_pipeline_applies_the_calibrators_estimate():
    class Fixed:
        def update(self, s):
            return OffsetEvent(s.t_s, 20.0, 10.0, 2.0, 5) if s.t_s == 0.0 else None

        def on_layout(self, ev):
            pass

        def on_select(self, ev):
            pass

    pl = GazePipeline(calibrator=Fixed())
    first = pl.feed(GazeSample(0.0, 100.0, 100.0))
    assert first.offset is not None and pl.offset.dx_px == 20.0
    for i in range(1, 100):
        step = pl.feed(GazeSample(i / 100, 100.0, 100.0))
    assert step.corrected == GazeSample(0.99, 80.0, 90.0)
