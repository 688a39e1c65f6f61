"""Explicit (device) calibration: the headless procedure (calibration/explicit.py) with a
fake device calibration: targets in order, one retry, leave always called."""
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gazetype.calibration.explicit import (CANCELLED, DONE, FAILED, ExplicitCalibration,
                                           ThreadWorker, target_layout, targets_px)
from gazetype.tracker.devicecal import CalibrationError, CalibrationResult, EyePoint, ResultPoint
from gazetype.tracker.screen import Screen

SCREEN = Screen(1000, 500)


class FakeCal:
    """A device calibration that logs its calls and fails where told."""

    def __init__(self, fail_enter=False, fail_collect_at=(), refuse_at=(), fail_compute=False,
                 compute_status="success", fail_leave=False, collect_s=0.0):
        self.log = []
        self.fail_enter, self.fail_collect_at, self.refuse_at = fail_enter, set(fail_collect_at), list(refuse_at)
        self.fail_compute, self.compute_status, self.fail_leave = fail_compute, compute_status, fail_leave
        self.collect_s = collect_s
        self.n_collect = 0

    def enter(self):
        self.log.append(("enter",))
        if self.fail_enter:
            raise CalibrationError("device gone")

    def collect(self, x, y):
        i = self.n_collect
        self.n_collect += 1
        self.log.append(("collect", x, y))
        if self.collect_s:
            time.sleep(self.collect_s)
        if i in self.fail_collect_at:
            raise CalibrationError("connection lost")
        return i not in self.refuse_at

    def compute_and_apply(self):
        self.log.append(("compute",))
        if self.fail_compute:
            raise RuntimeError("native\nboom")
        pts = tuple(ResultPoint(x, y, (EyePoint(x + 3, y, "used"),), (EyePoint(x - 3, y, "used"),))
                    for _, x, y in (c for c in self.log if c[0] == "collect"))
        return CalibrationResult(self.compute_status, pts if self.compute_status != "failure" else ())

    def leave(self):
        self.log.append(("leave",))
        if self.fail_leave:
            raise CalibrationError("already left")


def run(cal, n=5, dt=0.05, t_max=60.0, cancel_at=None, **kw):
    m = ExplicitCalibration(cal, targets_px(SCREEN, n), **kw)
    t = 0.0
    while not m.finished and t < t_max:
        if cancel_at is not None and t >= cancel_at:
            m.cancel()
        m.update(t)
        t += dt
    assert m.finished, m.phase
    return m


def test_layouts_are_5_or_9_normalised_points_centre_first():
    assert len(target_layout(5)) == 5 and len(set(target_layout(9))) == 9
    assert target_layout(9)[0] == (0.5, 0.5)
    assert all(0.0 < v < 1.0 for p in target_layout(9) for v in p)
    with pytest.raises(ValueError):
        target_layout(7)
    assert targets_px(SCREEN, 5)[1] == (100.0, 50.0)  # px: 0.1 of 1000 x 500


def test_a_clean_run_collects_every_target_in_order_then_computes_and_leaves():
    cal = FakeCal()
    m = run(cal, n=9)
    assert [c[0] for c in cal.log] == ["enter"] + ["collect"] * 9 + ["compute", "leave"]
    assert [c[1:] for c in cal.log if c[0] == "collect"] == list(targets_px(SCREEN, 9))
    o = m.outcome
    assert o.status == DONE and o.ok and o.left_ok and o.message.startswith("calibrated (both eyes")
    assert all(t.collected and t.attempts == 1 for t in o.targets)
    assert len(o.result.points) == 9 and o.result.points[0].left[0].validity == "used"


def test_timing_show_shrink_settle_before_collecting():
    cal = FakeCal()
    m = ExplicitCalibration(cal, targets_px(SCREEN, 5), show_s=0.4, shrink_s=0.8, settle_s=0.3)
    v = m.update(0.0)
    assert v.phase == "showing" and v.index == 0 and v.target_px == (500.0, 250.0) and v.shrink == 1.0
    assert m.update(0.8).shrink == pytest.approx(0.5)  # half way through the shrink
    assert m.update(1.25).phase == "settling"
    assert [c[0] for c in cal.log] == ["enter"]
    m.update(1.5)
    assert [c[0] for c in cal.log] == ["enter"]  # still settling
    v = m.update(1.6)
    assert [c[0] for c in cal.log] == ["enter", "collect"]
    assert v.index == 1 and v.phase == "showing"


def test_a_refused_point_is_retried_once_then_the_procedure_goes_on():
    cal = FakeCal(refuse_at=[1, 2])  # target 2: refused twice; then given up
    m = run(cal, n=5)
    xs = [c[1:] for c in cal.log if c[0] == "collect"]
    p = targets_px(SCREEN, 5)
    assert xs == [p[0], p[1], p[1], p[2], p[3], p[4]]
    assert [t.attempts for t in m.outcome.targets] == [1, 2, 1, 1, 1]
    assert [t.collected for t in m.outcome.targets] == [True, False, True, True, True]
    assert m.outcome.status == DONE and "1 of 5 targets had no data" in m.outcome.message


def test_a_retry_that_works_counts_as_collected():
    cal = FakeCal(refuse_at=[0])
    m = run(cal)
    assert m.outcome.targets[0].attempts == 2 and m.outcome.targets[0].collected
    assert "had no data" not in m.outcome.message


def test_compute_failure_status_is_failed_and_still_leaves():
    cal = FakeCal(compute_status="failure")
    m = run(cal)
    assert m.outcome.status == FAILED and "could not compute" in m.outcome.message
    assert cal.log[-1] == ("leave",)


def test_an_exception_in_compute_is_one_line_and_leaves():
    cal = FakeCal(fail_compute=True)
    m = run(cal)
    assert m.outcome.status == FAILED and "\n" not in m.outcome.message
    assert "RuntimeError: native boom" in m.outcome.message and cal.log[-1] == ("leave",)


def test_enter_failure_still_leaves():
    cal = FakeCal(fail_enter=True)
    m = run(cal)
    assert [c[0] for c in cal.log] == ["enter", "leave"]
    assert m.outcome.status == FAILED and "device gone" in m.outcome.message


def test_escape_cancels_and_leaves_and_a_failed_leave_is_reported():
    cal = FakeCal(fail_leave=True)
    m = run(cal, cancel_at=2.0)
    assert m.outcome.status == CANCELLED and not m.outcome.left_ok
    assert "leaving calibration mode failed: already left" in m.outcome.message
    assert cal.log[-1] == ("leave",) and ("compute",) not in cal.log


def test_cancel_before_anything_calls_nothing():
    cal = FakeCal()
    m = ExplicitCalibration(cal, targets_px(SCREEN, 5))
    m.cancel()
    m.update(0.0)
    assert m.outcome.status == CANCELLED and cal.log == []


@settings(max_examples=150, deadline=None)
@given(n=st.sampled_from([5, 9]), fail_enter=st.booleans(), fail_collect=st.sets(st.integers(0, 12), max_size=3),
       refuse=st.sets(st.integers(0, 12), max_size=6), fail_compute=st.booleans(),
       status=st.sampled_from(["success", "success_left_eye", "failure"]), fail_leave=st.booleans(),
       cancel_at=st.one_of(st.none(), st.floats(0, 20)))
def test_leave_is_always_called_last_whatever_fails(n, fail_enter, fail_collect, refuse, fail_compute, status,
                                                    fail_leave, cancel_at):
    cal = FakeCal(fail_enter=fail_enter, fail_collect_at=fail_collect, refuse_at=refuse, fail_compute=fail_compute,
                  compute_status=status, fail_leave=fail_leave)
    m = run(cal, n=n, dt=0.1, cancel_at=cancel_at)
    names = [c[0] for c in cal.log]
    if names:
        assert names[0] == "enter" and names[-1] == "leave" and names.count("leave") == 1
    # targets in order, each tried at most twice
    seen = [c[1:] for c in cal.log if c[0] == "collect"]
    order = list(targets_px(SCREEN, n))
    idx = [order.index(p) for p in seen]
    assert idx == sorted(idx) and all(idx.count(i) <= 2 for i in set(idx))
    assert m.outcome is not None and m.outcome.status in (DONE, FAILED, CANCELLED)
    assert m.outcome.left_ok == (not fail_leave or not names)
    assert m.outcome.ok == (m.outcome.status == DONE)
    if m.outcome.ok:
        assert "compute" in names and status != "failure" and not fail_compute


def test_on_a_worker_thread_update_never_blocks_and_a_stuck_call_times_out():
    cal = FakeCal(collect_s=0.3)
    w = ThreadWorker()
    m = ExplicitCalibration(cal, targets_px(SCREEN, 5), worker=w, show_s=0, shrink_s=0.01, settle_s=0,
                            timeout_s=0.1)
    t0 = time.monotonic()
    slowest = 0.0
    while not m.finished and time.monotonic() - t0 < 5:
        a = time.monotonic()
        m.update(a - t0)
        slowest = max(slowest, time.monotonic() - a)
        time.sleep(0.005)
    assert slowest < 0.05  # the 0.3 s collect ran on the worker
    assert m.outcome.status == FAILED and "did not answer within 0.1 s" in m.outcome.message
    # leave was queued behind the stuck collect and ran when it returned
    deadline = time.monotonic() + 2
    while cal.log[-1] != ("leave",) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cal.log[-1] == ("leave",)


def test_worker_thread_runs_a_whole_calibration():
    cal = FakeCal(collect_s=0.01)
    done = threading.Event()
    w = ThreadWorker()
    w.on_done = done.set
    m = ExplicitCalibration(cal, targets_px(SCREEN, 5), worker=w, show_s=0, shrink_s=0.01, settle_s=0)
    t0 = time.monotonic()
    while not m.finished and time.monotonic() - t0 < 5:
        m.update(time.monotonic() - t0)
        time.sleep(0.002)
    assert m.outcome.status == DONE and done.is_set()
    assert [c[0] for c in cal.log] == ["enter"] + ["collect"] * 5 + ["compute", "leave"]
