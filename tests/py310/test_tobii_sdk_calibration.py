"""Python 3.10: calibration through the real `tobii_research` module. The device is
faked below the SDK's Python layer: the native call table (`tobii_research_interop.
call_function`) answers like a tracker would, so the SDK's own ScreenBasedCalibration,
its status mapping, its error mapping and its CalibrationResult building all run.
The EyeTracker is the SDK's class, built from device data as find_all_eyetrackers does."""
import threading
import uuid

import pytest

tr = pytest.importorskip("tobii_research")

from tobii_native_fake import (INVALID_OPERATION, BridgeSDK, FakeNative, ScriptedSubscriptions,  # noqa: E402
                               device_data)
from tobiiresearch.interop import interop  # noqa: E402

from gazetype.calibration.explicit import DONE, FAILED, ExplicitCalibration, targets_px  # noqa: E402
from gazetype.tracker.devicecal import CalibrationError  # noqa: E402
from gazetype.tracker.screen import Screen  # noqa: E402
from gazetype.tracker.tobii import TobiiCalibration  # noqa: E402

SCREEN = Screen(1000, 500)


@pytest.fixture
def native(monkeypatch):
    fake = FakeNative()
    monkeypatch.setattr(interop, "tobii_research_interop", fake)
    return fake


def sdk_eyetracker(capable=True):
    return tr.EyeTracker(device_data(capable=capable))


def run(m, dt=0.05):
    t = 0.0
    while not m.finished and t < 60:
        m.update(t)
        t += dt
    return m.outcome


def test_full_calibration_through_the_real_sdk(native):
    cal = TobiiCalibration(tr, sdk_eyetracker(), SCREEN.width_px, SCREEN.height_px)
    o = run(ExplicitCalibration(cal, targets_px(SCREEN, 9)))
    names = [c[0] for c in native.calls]
    assert names == (["calibration_enter_calibration_mode"] + ["screen_based_calibration_collect_data"] * 9
                     + ["calibration_compute_and_apply", "screen_based_calibration_get_calibration_points",
                        "calibration_leave_calibration_mode"])
    assert native.calls[1] == ("screen_based_calibration_collect_data", 0.5, 0.5)
    assert native.calls[2][1:] == pytest.approx((0.1, 0.1))  # px -> the normalised display area
    assert o.status == DONE and o.message == "calibrated (both eyes)"
    r = o.result
    assert r.status == "success" and len(r.points) == 9  # the SDK grouped the samples per point
    p = r.points[0]
    assert (p.x_px, p.y_px) == (500.0, 250.0) and len(p.left) == 2
    assert p.left[1].x_px == pytest.approx(510.0) and p.left[1].y_px == pytest.approx(260.0)
    assert [e.validity for e in p.left] == ["used", "used"]
    assert [e.validity for e in p.right] == ["not_used", "invalid"]


def test_a_point_the_device_refuses_is_retried_once(native):
    native.refuse = {1, 2}
    cal = TobiiCalibration(tr, sdk_eyetracker(), SCREEN.width_px, SCREEN.height_px)
    o = run(ExplicitCalibration(cal, targets_px(SCREEN, 5)))
    xy = [c[1:] for c in native.calls if c[0] == "screen_based_calibration_collect_data"]
    assert len(xy) == 6 and xy[1] == xy[2]
    assert [t.collected for t in o.targets] == [True, False, True, True, True]
    assert o.status == DONE and native.calls[-1][0] == "calibration_leave_calibration_mode"


def test_too_little_data_fails_and_still_leaves(native):
    native.refuse = set(range(20))
    cal = TobiiCalibration(tr, sdk_eyetracker(), SCREEN.width_px, SCREEN.height_px)
    o = run(ExplicitCalibration(cal, targets_px(SCREEN, 5)))
    assert o.status == FAILED and "could not compute" in o.message and o.result.status == "failure"
    assert native.calls[-1][0] == "calibration_leave_calibration_mode" and o.left_ok


def test_sdk_errors_become_one_line_and_leave_is_still_called(native):
    native.enter_status = INVALID_OPERATION
    cal = TobiiCalibration(tr, sdk_eyetracker(), SCREEN.width_px, SCREEN.height_px)
    with pytest.raises(CalibrationError, match=r"^Tobii enter_calibration_mode failed: "
                                               r"EyeTrackerInvalidOperationError: \"?The operation is invalid"):
        cal.enter()
    o = run(ExplicitCalibration(cal, targets_px(SCREEN, 5)))
    assert o.status == FAILED and "\n" not in o.message
    assert native.calls[-1][0] == "calibration_leave_calibration_mode"
    # leaving a mode never entered: the SDK raises; reported, not raised
    assert not o.left_ok and "Calibration has not been started" in o.message


def test_a_tracker_without_screen_based_calibration_is_refused(native):
    with pytest.raises(CalibrationError, match="cannot be calibrated from here"):
        TobiiCalibration(tr, sdk_eyetracker(capable=False), 1000, 500)


def test_calibration_through_the_bridge_on_310(native):
    """The bridge on 3.10 with the real SDK: LSL stream advertising the calibration server,
    the LSL tracker's RemoteCalibration driving the SDK's ScreenBasedCalibration."""
    from gazetype.tracker.calremote import RemoteCalibration
    from gazetype.tracker.lsl import LslTracker
    from gazetype.tracker.tobiibridge import run_bridge

    et = ScriptedSubscriptions(device_data("TPFC2-311"))
    name = f"Tobii-{uuid.uuid4().hex[:6]}"
    stop = threading.Event()
    th = threading.Thread(target=run_bridge, args=(None, name),
                          kwargs=dict(sdk=BridgeSDK(et), stop=stop, log=lambda m: None), daemon=True)
    th.start()
    try:
        lsl = LslTracker(SCREEN, arg=name, wait_s=5).start()
        try:
            cal = lsl.calibration()
            assert isinstance(cal, RemoteCalibration)
            o = run(ExplicitCalibration(cal, targets_px(SCREEN, 5), show_s=0, shrink_s=0.01, settle_s=0))
        finally:
            lsl.stop()
    finally:
        stop.set()
        th.join(timeout=5)
    assert o.status == DONE, o.message
    assert [c[0] for c in native.calls if c[0] != "terminate"][-1] == "calibration_leave_calibration_mode"
    collects = [c[1:] for c in native.calls if c[0] == "screen_based_calibration_collect_data"]
    assert len(collects) == 5 and collects[1] == pytest.approx((0.1, 0.1))
    assert (o.result.points[1].x_px, o.result.points[1].y_px) == pytest.approx((100.0, 50.0))
    assert o.result.points[0].left[0].x_px == pytest.approx(510.0)
