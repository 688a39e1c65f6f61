"""Python 3.10: a Tobii device faked below the SDK's Python layer, for the calibration
tests and for a bridge process (`python tobii_native_fake.py NAME SECONDS` runs the
Tobii bridge with it, so a gazetype on another Python calibrates the real SDK module).

`FakeNative` stands in for the SDK's native call table (`tobii_research_interop.
call_function`): the SDK's own ScreenBasedCalibration, status and error mapping and
result building run on top of it."""
import sys
import threading
import time

import tobii_research as tr
from tobiiresearch.interop import interop

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



def install(fake=None):
    """Put a FakeNative under the SDK (for the whole process); returns it."""
    fake = fake or FakeNative()
    interop.tobii_research_interop = fake
    return fake


def device_data(serial="TPFC2-310", capable=True):
    caps = (tr.CAPABILITY_CAN_DO_SCREEN_BASED_CALIBRATION,) if capable else ()
    return interop.TobiiProEyeTrackerData({
        "address": f"tobii-prp://{serial}", "device_name": "desk", "serial_number": serial,
        "model": "Tobii Pro Fusion", "firmware_version": "1", "runtime_version": "1",
        "device_capabilities": caps, "core_eyetracker": object()})


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



def main(argv):
    """A bridge process: the SDK module with a FakeNative device; prints the native calls at the end."""
    from gazetype.tracker.tobiibridge import run_bridge
    name, seconds = argv[1], float(argv[2])
    fake = install()
    et = ScriptedSubscriptions(device_data("TPFC2-BRIDGE"))
    stop = threading.Event()
    run_bridge(None, name, sdk=BridgeSDK(et), stop=stop, duration_s=seconds,
               log=lambda m: print(f"bridge: {m}", flush=True))
    for c in fake.calls:
        if c[0] != "get_system_time_stamp":
            print("native:", " ".join(str(v) for v in c), flush=True)


if __name__ == "__main__":
    main(sys.argv)
