"""Tobii calibration: the adapter over a scripted SDK (same call shapes as
`tobii_research.ScreenBasedCalibration`; the real module is exercised under Python 3.10
in tests/py310), the bridge's calibration protocol end to end (bridge -> LSL desc ->
`--tracker lsl` -> TCP), and the one-line message of trackers without calibration."""
import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest

from gazetype.calibration.explicit import DONE, ExplicitCalibration, targets_px
from gazetype.tracker.calremote import CalibrationServer, RemoteCalibration
from gazetype.tracker.devicecal import CalibrationError, CalibrationResult
from gazetype.tracker.mouse import MouseTracker
from gazetype.tracker.screen import Screen
from gazetype.tracker.tobii import TobiiCalibration, TobiiTracker

from .test_explicit_calibration import FakeCal
from .tobii_fake import FakeEyeTracker, FakeSDK

SCREEN = Screen(1000, 500)


@pytest.mark.lsl
def test_trackers_without_calibration_say_where_it_is_done():
    from gazetype.recording.playback import ReplayTracker
    from gazetype.sim.gaze import SimTracker
    from gazetype.tracker.lsl import LslTracker
    assert MouseTracker(SCREEN).calibration() is None
    assert (MouseTracker(SCREEN).no_calibration_message()
            == "mouse: nothing to calibrate (the mouse cursor is where it points)")
    assert SimTracker(SCREEN).no_calibration_message() == "sim: nothing to calibrate (simulated gaze)"
    assert "nothing to calibrate" in ReplayTracker.calibration_note
    lsl = LslTracker(SCREEN, arg="X")
    assert lsl.calibration() is None  # a stream that advertises no calibration
    assert lsl.no_calibration_message().startswith("lsl: calibration is done in the sender's software")
    assert TobiiTracker(SCREEN, sdk=FakeSDK()).calibration() is None  # not connected yet
    from gazetype.tracker.base import Tracker
    assert Tracker.calibration_note == "calibration is done in the vendor's software"


def test_the_connected_tobii_calibrates_in_normalised_display_area_units():
    dev = FakeEyeTracker()
    tr = TobiiTracker(SCREEN, sdk=FakeSDK([dev]), wait_s=2).start()
    try:
        cal = tr.calibration()
        assert isinstance(cal, TobiiCalibration)
        cal.enter()
        assert cal.collect(100.0, 450.0) is True
        assert dev.cal_log[-1] == ("collect", 0.1, 0.9)  # px -> normalised, top-left origin
        res = cal.compute_and_apply()
        cal.leave()
    finally:
        tr.stop()
    assert [c[0] for c in dev.cal_log] == ["enter", "collect", "compute", "leave"]
    assert res.status == "success" and len(res.points) == 1
    p = res.points[0]
    assert (p.x_px, p.y_px) == pytest.approx((100.0, 450.0))
    assert (p.left[0].x_px, p.left[0].validity) == (pytest.approx(110.0), "used")
    assert p.right[0].validity == "invalid"


def test_tobii_failures_are_one_line_calibration_errors():
    class Refusing(FakeSDK):
        class ScreenBasedCalibration(FakeSDK.ScreenBasedCalibration):
            def enter_calibration_mode(self):
                raise RuntimeError("The operation is invalid in this context.\n TobiiProStatus.invalid_operation")

    dev = FakeEyeTracker()
    with pytest.raises(CalibrationError, match=r"^Tobii enter_calibration_mode failed: RuntimeError: The operation "
                                               r"is invalid in this context\. TobiiProStatus.invalid_operation$"):
        TobiiCalibration(Refusing(), dev, 1000, 500).enter()
    dev.can_calibrate = False
    with pytest.raises(CalibrationError, match="cannot be calibrated from here"):
        TobiiCalibration(FakeSDK(), dev, 1000, 500)


def test_a_refused_collect_is_retried_through_the_adapter():
    dev = FakeEyeTracker()
    dev.refuse = {2}
    m = ExplicitCalibration(TobiiCalibration(FakeSDK(), dev, 1000, 500), targets_px(SCREEN, 5))
    t = 0.0
    while not m.finished:
        m.update(t)
        t += 0.05
    xy = [c[1:] for c in dev.cal_log if c[0] == "collect"]
    assert xy[2] == xy[3] == (0.9, 0.1) and len(xy) == 6
    assert m.outcome.status == DONE and dev.cal_log[-1] == ("leave",)


# -- the calibration server and client --------------------------------------------------

def serve(cal, **kw):
    return CalibrationServer(lambda: cal, 1920, 1080, **kw).start()


def test_remote_calibration_round_trip_converts_px_at_each_edge():
    cal = FakeCal()
    srv = serve(cal)
    try:
        rc = RemoteCalibration("127.0.0.1", srv.port, 1000, 500)
        rc.enter()
        assert rc.collect(100.0, 450.0) is True
        res = rc.compute_and_apply()
        rc.leave()
    finally:
        srv.stop()
    assert cal.log[1] == ("collect", pytest.approx(192.0), pytest.approx(972.0))  # the bridge's own px
    assert [c[0] for c in cal.log] == ["enter", "collect", "compute", "leave"]
    assert isinstance(res, CalibrationResult) and res.status == "success"
    assert (res.points[0].x_px, res.points[0].y_px) == pytest.approx((100.0, 450.0))
    assert res.points[0].left[0].x_px == pytest.approx(100.0 + 3 * 1000 / 1920)


def test_the_server_leaves_calibration_mode_when_the_client_goes_away():
    cal = FakeCal()
    srv = serve(cal)
    try:
        rc = RemoteCalibration("127.0.0.1", srv.port, 1000, 500)
        rc.enter()
        rc.close()  # the app crashed or was killed
        deadline = time.monotonic() + 3
        while cal.log[-1] != ("leave",) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        srv.stop()
    assert [c[0] for c in cal.log] == ["enter", "leave"]


@pytest.mark.slow
def test_remote_errors_timeouts_and_bad_requests_are_one_line():
    srv = serve(FakeCal(fail_enter=True))
    try:
        with pytest.raises(CalibrationError, match="^device gone$"):
            RemoteCalibration("127.0.0.1", srv.port, 1000, 500).enter()
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
        s.sendall(b"nonsense\n{\"op\": \"dance\"}\n{\"op\": \"collect\"}\n")
        f = s.makefile()
        answers = [json.loads(f.readline()) for _ in range(3)]
        s.close()
        assert answers[0] == {"ok": False, "error": "not a JSON request"}
        assert answers[1] == {"ok": False, "error": "unknown request 'dance'"}
        assert answers[2]["ok"] is False and answers[2]["error"].startswith("bad collect request")
    finally:
        srv.stop()
    srv = serve(FakeCal(collect_s=1.0))
    try:
        rc = RemoteCalibration("127.0.0.1", srv.port, 1000, 500, timeouts_s={"collect": 0.2})
        rc.enter()
        t0 = time.monotonic()
        with pytest.raises(CalibrationError, match=r"^the Tobii bridge did not answer 'collect' within 0\.2 s$"):
            rc.collect(1, 1)
        assert time.monotonic() - t0 < 0.6
    finally:
        srv.stop()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CalibrationError,
                       match=r"^the Tobii bridge at 127\.0\.0\.1:\d+ does not answer .*is it running\?$"):
        RemoteCalibration("127.0.0.1", port, 1000, 500).enter()
    srv = CalibrationServer(lambda: None, 1920, 1080, unavailable="tobii: no Tobii tracker connected yet").start()
    try:
        with pytest.raises(CalibrationError, match="^tobii: no Tobii tracker connected yet$"):
            RemoteCalibration("127.0.0.1", srv.port, 1000, 500).enter()
    finally:
        srv.stop()



def _calibrate_through_lsl(name: str, wait_s: float):
    """Calibrate 5 targets through the calibration the LSL stream `name` advertises
    (the bridge's); the finished procedure."""
    from gazetype.tracker.lsl import LslTracker
    tr = LslTracker(SCREEN, arg=name, wait_s=wait_s).start()
    try:
        cal = tr.calibration()
        assert isinstance(cal, RemoteCalibration)
        m = ExplicitCalibration(cal, targets_px(SCREEN, 5), show_s=0, shrink_s=0.01, settle_s=0)
        t = 0.0
        while not m.finished and t < 30:
            m.update(t)
            t += 0.05
    finally:
        tr.stop()
    return m

@pytest.mark.lsl
def test_bridge_offers_calibration_to_the_lsl_tracker_end_to_end():
    """bridge (scripted SDK) -> LSL <desc><calibration> -> LslTracker.calibration() -> the
    procedure -> the device's ScreenBasedCalibration, and the result back in our px."""
    pytest.importorskip("pylsl")
    from gazetype.tracker.tobiibridge import run_bridge

    name = f"Tobii-{uuid.uuid4().hex[:6]}"
    dev = FakeEyeTracker(serial="TPFC2-77")
    stop = threading.Event()
    th = threading.Thread(target=run_bridge, args=(None, name),
                          kwargs=dict(sdk=FakeSDK([dev]), stop=stop, log=lambda m: None), daemon=True)
    th.start()
    try:
        m = _calibrate_through_lsl(name, wait_s=5)
    finally:
        stop.set()
        th.join(timeout=5)
    assert m.outcome.status == DONE, m.outcome.message
    assert [c[0] for c in dev.cal_log] == ["enter"] + ["collect"] * 5 + ["compute", "leave"]
    assert dev.cal_log[2] == ("collect", pytest.approx(0.1), pytest.approx(0.1))
    assert [(round(p.x_px, 6), round(p.y_px, 6)) for p in m.outcome.result.points] == list(targets_px(SCREEN, 5))


@pytest.mark.lsl
@pytest.mark.subprocess
def test_a_python310_bridge_process_calibrates_the_real_sdk_from_this_python():
    """The deployment: gazetype on this Python, the bridge in a Python 3.10 process with the
    real tobii_research (its device faked below the SDK's Python layer)."""
    pytest.importorskip("pylsl")

    from .test_tobii import ROOT, _python310
    py, why = _python310()
    if py is None:
        pytest.skip(f"the Tobii SDK only exists for CPython 3.10: {why}")
    name = f"Tobii-{uuid.uuid4().hex[:6]}"
    env = dict(os.environ, LSLAPICFG=str(ROOT / "tests" / "lsl_loopback.cfg"), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen([py, "tests/py310/tobii_native_fake.py", name, "60"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        m = _calibrate_through_lsl(name, wait_s=20)
    finally:
        proc.send_signal(signal.SIGINT)  # the bridge stops on Ctrl-C and lists the native calls
        out, _ = proc.communicate(timeout=20)
    assert m.outcome.status == DONE, (m.outcome.message, out)
    native = [line.split()[1:] for line in out.splitlines() if line.startswith("native:")]
    names = [c[0] for c in native]
    assert names == (["calibration_enter_calibration_mode"] + ["screen_based_calibration_collect_data"] * 5
                     + ["calibration_compute_and_apply", "screen_based_calibration_get_calibration_points",
                        "calibration_leave_calibration_mode"]), out
    assert [float(v) for v in native[2][1:]] == pytest.approx([0.1, 0.1])  # the second target, normalised
    assert [(round(p.x_px, 6), round(p.y_px, 6)) for p in m.outcome.result.points] == list(targets_px(SCREEN, 5))
    assert m.outcome.result.points[0].left[0].x_px == pytest.approx(510.0)  # the SDK's sample, in our px
