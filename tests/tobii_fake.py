"""A stand-in for the `tobii_research` module with scripted devices, for what no CI
machine has: a tracker that delivers data, loses its connection and comes back.
Same names and call shapes as the SDK (EyeTracker methods, subscription constants,
dictionaries from tobii_dicts). The real SDK is exercised under Python 3.10
(tests/py310)."""
from __future__ import annotations

import time

if __package__:
    from .tobii_dicts import gaze_data
else:  # imported top-level by the Python 3.10 suite (tests/py310)
    from tobii_dicts import gaze_data

EYETRACKER_GAZE_DATA = "eyetracker_gaze_data"
EYETRACKER_NOTIFICATION_CONNECTION_LOST = "eyetracker_notification_connection_lost"
EYETRACKER_NOTIFICATION_CONNECTION_RESTORED = "eyetracker_notification_connection_restored"


class FakeEyeTracker:
    def __init__(self, serial="TPFC2-0000001", model="Tobii Pro Fusion", freqs=(60.0, 120.0, 250.0)):
        self.serial_number = serial
        self.model = model
        self.device_name = "desk"
        self.address = f"tobii-prp://{serial}"
        self._freqs = tuple(freqs)
        self.freq = self._freqs[0]
        self.subs = {}

    def get_all_gaze_output_frequencies(self):
        return self._freqs

    def get_gaze_output_frequency(self):
        return self.freq

    def set_gaze_output_frequency(self, f):
        if f not in self._freqs:
            raise ValueError(f"unsupported frequency {f}")
        self.freq = float(f)

    def subscribe_to(self, kind, callback, as_dictionary=False):
        assert as_dictionary, "gazetype asks for dictionaries"
        self.subs[kind] = callback

    def unsubscribe_from(self, kind, callback=None):
        self.subs.pop(kind, None)

    # -- scripting -------------------------------------------------------------
    def send(self, left=(0.5, 0.5), right=(0.5, 0.5), system_us=None):
        cb = self.subs.get(EYETRACKER_GAZE_DATA)
        if cb is not None:
            cb(gaze_data(left, right, system_us=system_us or FakeSDK.get_system_time_stamp()))

    def lose_connection(self):
        cb = self.subs.get(EYETRACKER_NOTIFICATION_CONNECTION_LOST)
        if cb is not None:
            cb({"notification_type": EYETRACKER_NOTIFICATION_CONNECTION_LOST,
                "system_time_stamp": FakeSDK.get_system_time_stamp()})


class _Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class FakeScreenBasedCalibration:
    """`ScreenBasedCalibration(device)` with the SDK's call shapes and result objects
    (status strings, calibration_points -> calibration_samples -> left_eye/right_eye
    with position_on_display_area and validity). The device's `cal_log` records calls;
    `device.refuse` lists collect calls (0-based) that answer failure."""

    def __init__(self, device):
        if not getattr(device, "can_calibrate", True):
            raise ValueError("A ScreenBasedCalibration object must be initialized with an EyeTracker "
                             "that supports screen based calibration.")
        self.device = device
        device.__dict__.setdefault("cal_log", [])
        device.__dict__.setdefault("refuse", set())

    def enter_calibration_mode(self):
        self.device.cal_log.append(("enter",))

    def collect_data(self, x, y):
        n = sum(1 for c in self.device.cal_log if c[0] == "collect")
        self.device.cal_log.append(("collect", x, y))
        return FakeSDK.CALIBRATION_STATUS_FAILURE if n in self.device.refuse else FakeSDK.CALIBRATION_STATUS_SUCCESS

    def compute_and_apply(self):
        self.device.cal_log.append(("compute",))
        pts = []
        for _, x, y in (c for c in self.device.cal_log if c[0] == "collect"):
            eye_l = _Obj(position_on_display_area=(x + 0.01, y), validity="validity_valid_and_used")
            eye_r = _Obj(position_on_display_area=(x - 0.01, y), validity="validity_invalid_and_not_used")
            sample = _Obj(left_eye=eye_l, right_eye=eye_r)
            pts.append(_Obj(position_on_display_area=(x, y), calibration_samples=(sample,)))
        return _Obj(status=FakeSDK.CALIBRATION_STATUS_SUCCESS, calibration_points=tuple(pts))

    def leave_calibration_mode(self):
        self.device.cal_log.append(("leave",))


class FakeSDK:
    CALIBRATION_STATUS_SUCCESS = "calibration_status_success"
    CALIBRATION_STATUS_FAILURE = "calibration_status_failure"
    ScreenBasedCalibration = FakeScreenBasedCalibration
    EYETRACKER_GAZE_DATA = EYETRACKER_GAZE_DATA
    EYETRACKER_NOTIFICATION_CONNECTION_LOST = EYETRACKER_NOTIFICATION_CONNECTION_LOST
    EYETRACKER_NOTIFICATION_CONNECTION_RESTORED = EYETRACKER_NOTIFICATION_CONNECTION_RESTORED

    def __init__(self, devices=(), search_s=0.05):
        self.devices = list(devices)
        self.search_s = search_s
        self.finds = 0

    def find_all_eyetrackers(self):
        time.sleep(self.search_s)
        self.finds += 1
        return tuple(self.devices)

    @staticmethod
    def get_system_time_stamp():
        return int(time.monotonic() * 1e6)  # the SDK's clock is CLOCK_MONOTONIC on Linux
