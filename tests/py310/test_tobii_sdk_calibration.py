"""Python 3.10: calibration through the real `tobii_research` module. The device is
faked below the SDK's Python layer: the native call table (`tobii_research_interop.
call_function`) answers like a tracker would, so the SDK's own ScreenBasedCalibration,
its status mapping, its error mapping and its CalibrationResult building all run.
The EyeTracker is the SDK's class, built from device data as find_all_eyetrackers does."""
import threading
import time
import uuid

import pytest

tr = pytest.importorskip("tobii_research")

from tobiiresearch.interop import interop  # noqa: E402

from gazetype.calibration.explicit import DONE, FAILED, ExplicitCalibration, targets_px  # noqa: E402
from gazetype.tracker.devicecal import CalibrationError  # noqa: E402
from gazetype.tracker.screen import Screen  # noqa: E402
from gazetype.tracker.tobii import TobiiCalibration  # noqa: E402

SCREEN = Screen(1000, 500)
OK, INVALID_OPERATION, OPERATION_FAILED, CALIBRATION_NOT_STARTED = 0, 11, 214, 211


class FakeNative:
    """The native module's `call_function(name, args, result_callback)` for one device.
    `refuse`: collect calls (0-based) that fail (operation_failed, the SDK's "failure")."""

    def __init__(self, refuse=(), enter_status=OK):
        self.calls = []
        self.refuse = set(refuse)
        self.enter_status = enter_status
        self.mode = False
        self.points = []

    def call_function(self, name, args, cb):
        self.calls.append((name,) + tuple(a for a in args[1:]))
        if name == "calibration_enter_calibration_mode":
            self.mode = self.enter_status == OK
            cb((self.enter_status,))
        elif name == "calibration_leave_calibration_mode":
            status = OK if self.mode else CALIBRATION_NOT_STARTED
            self.mode = False
            cb((status,))
        elif name == "screen_based_calibration_collect_data":
            n = sum(1 for c in self.calls if c[0] == name) - 1
            if not self.mode:
                cb((CALIBRATION_NOT_STARTED,))
            elif n in self.refuse:
                cb((OPERATION_FAILED,))
            else:
                self.points.append((float(args[1]), float(args[2])))
                cb((OK,))
        elif name == "calibration_compute_and_apply":
            cb((OK if len(self.points) >= 3 else OPERATION_FAILED,))
        elif name == "screen_based_calibration_get_calibration_points":
            out = []
            for x, y in self.points:
                for k in range(2):  # two samples per point, as a device reports several
                    out.append({"position": (x, y), "left_sample_position": (x + 0.01, y + 0.02 * k),
                                "left_validity": 1, "right_sample_position": (x - 0.01, y),
                                "right_validity": -1 if k else 0})
            cb((OK, out))
        elif name == "get_system_time_stamp":
            cb((OK, int(time.monotonic() * 1e6)))
        elif name == "terminate":
            cb((OK,))
        else:
            raise AssertionError(f"unexpected native call {name}")
        return OK


@pytest.fixture
def native(monkeypatch):
    fake = FakeNative()
    monkeypatch.setattr(interop, "tobii_research_interop", fake)
    return fake


def sdk_eyetracker(capable=True):
    caps = (tr.CAPABILITY_CAN_DO_SCREEN_BASED_CALIBRATION,) if capable else ()
    return tr.EyeTracker(interop.TobiiProEyeTrackerData({
        "address": "tobii-prp://TPFC2-310", "device_name": "desk", "serial_number": "TPFC2-310",
        "model": "Tobii Pro Fusion", "firmware_version": "1", "runtime_version": "1",
        "device_capabilities": caps, "core_eyetracker": object()}))


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


class BridgeSDK:
    """The real module, but find_all_eyetrackers finds our SDK EyeTracker, whose data
    subscriptions are scripted (the native fake answers calibration only)."""

    def __init__(self, et):
        self._et = et

    def __getattr__(self, name):
        return getattr(tr, name)

    def find_all_eyetrackers(self):
        return (self._et,)


class ScriptedSubscriptions(tr.EyeTracker):
    def get_all_gaze_output_frequencies(self):
        return (120.0,)

    def get_gaze_output_frequency(self):
        return 120.0

    def subscribe_to(self, kind, callback, as_dictionary=False):
        pass

    def unsubscribe_from(self, kind, callback=None):
        pass


def test_calibration_through_the_bridge_on_310(native):
    """The bridge on 3.10 with the real SDK: LSL stream advertising the calibration server,
    the LSL tracker's RemoteCalibration driving the SDK's ScreenBasedCalibration."""
    from gazetype.tracker.calremote import RemoteCalibration
    from gazetype.tracker.lsl import LslTracker
    from gazetype.tracker.tobiibridge import run_bridge

    et = ScriptedSubscriptions(interop.TobiiProEyeTrackerData({
        "address": "tobii-prp://TPFC2-311", "device_name": "desk", "serial_number": "TPFC2-311",
        "model": "Tobii Pro Fusion", "firmware_version": "1", "runtime_version": "1",
        "device_capabilities": (tr.CAPABILITY_CAN_DO_SCREEN_BASED_CALIBRATION,), "core_eyetracker": object()}))
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
    time.sleep(0.01)
