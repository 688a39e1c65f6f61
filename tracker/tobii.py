"""Tobii screen-based eye trackers through the Tobii Pro SDK: `--tracker tobii[:SERIAL]`.

The SDK (`tobii-research`) has wheels for CPython 3.10 only, so it is imported on
first use; on another Python, choosing this tracker raises a `TrackerError` that
points to `gazetype tobii-bridge` (run under 3.10, it publishes the tracker on LSL).

What the adapter does:
* finds trackers (`find_all_eyetrackers`, about 2 s) and takes the one whose serial
  number or address is SERIAL, else the first;
* sets the highest gaze output frequency the device offers;
* converts each gaze-data dictionary (`gaze_from_tobii`, a pure function): the
  normalised display-area point, (0, 0) top-left, times the keyboard screen's size
  in px; per-eye validity; binocular = mean of the valid eyes, invalid when
  neither; pupil diameter in mm; `system_time_stamp` (microseconds) to seconds on
  the tracker clock (one offset measured at connection; about 0 on Linux, where
  the SDK's system clock is CLOCK_MONOTONIC);
* shows a lost device in `status` ("lost: reconnecting"), emits one invalid
  sample, and reconnects: the SDK restores a connection itself; if it has not
  within `rejoin_s`, the device is searched for again.

The connector thread owns the device: it alone subscribes and unsubscribes, so a
stop (or a failed start) never races a connection in progress. A search in progress
cannot be interrupted (about 2 s): stop() then returns after a short join and the
thread, abandoned, ends by itself when the search returns, without connecting.

The display area is the monitor the tracker is mounted on and calibrated for:
it must be the display the keyboard is on (`screen`).
"""
from __future__ import annotations

import functools
import math
import sys
import threading
from typing import Any, Mapping

from gazetype.tracker.base import ReaderRun, Tracker, TrackerError
from gazetype.tracker.clock import clock_offset_s
from gazetype.tracker.devicecal import CalibrationError, CalibrationResult, EyePoint, ResultPoint
from gazetype.tracker.gazechannels import combine_eyes
from gazetype.tracker.registry import register
from gazetype.tracker.sample import EyeSample, GazeSample
from gazetype.tracker.screen import Screen

BRIDGE_HINT = ("the Tobii Pro SDK (tobii-research) has wheels for Python 3.10 only; run "
               "'gazetype tobii-bridge' under Python 3.10 (pip install 'gazetype[tobii]') "
               "and use --tracker lsl")


def sdk_module():
    """`tobii_research`, or a TrackerError that points to the bridge."""
    try:
        import tobii_research
    except ImportError:
        v = sys.version_info
        raise TrackerError(f"Tobii SDK not available on Python {v.major}.{v.minor}: {BRIDGE_HINT}") from None
    except Exception as e:  # the SDK's native library failed to load
        raise TrackerError(f"the Tobii SDK failed to load ({type(e).__name__}: {e}); {BRIDGE_HINT}") from None
    return tobii_research


# -- the data conversion (pure) -------------------------------------------------------

def _eye(d: Mapping[str, Any], eye: str, width_px: float, height_px: float) -> EyeSample:
    point = d.get(f"{eye}_gaze_point_on_display_area")
    ok = d.get(f"{eye}_gaze_point_validity") == 1
    try:
        nx, ny = float(point[0]), float(point[1])
    except (TypeError, ValueError, IndexError):
        nx = ny = math.nan
    if not (math.isfinite(nx) and math.isfinite(ny)):
        ok = False
    pupil = d.get(f"{eye}_pupil_diameter")
    pupil_ok = d.get(f"{eye}_pupil_validity") == 1 and isinstance(pupil, (int, float)) \
        and math.isfinite(pupil) and pupil > 0
    if not ok:
        return EyeSample(math.nan, math.nan, False, float(pupil) if pupil_ok else None)
    return EyeSample(nx * width_px, ny * height_px, True, float(pupil) if pupil_ok else None)


def gaze_from_tobii(d: Mapping[str, Any], width_px: float, height_px: float,
                    clock_offset_s: float = 0.0) -> GazeSample:
    """One SDK gaze-data dictionary (`subscribe_to(..., as_dictionary=True)`) as a sample.

    Coordinates: the display-area point times (width_px, height_px). Time:
    `system_time_stamp` (us) / 1e6 + `clock_offset_s` (tracker clock minus SDK clock, s).
    """
    t_s = d["system_time_stamp"] / 1e6 + clock_offset_s
    left = _eye(d, "left", width_px, height_px)
    right = _eye(d, "right", width_px, height_px)
    return combine_eyes(t_s, left, right)


def best_frequency(freqs) -> float | None:
    """The highest gaze output frequency offered (Hz), None if none is."""
    good = [float(f) for f in (freqs or ()) if isinstance(f, (int, float)) and f > 0]
    return max(good) if good else None


def describe_device(et) -> str:
    return f"tobii:{et.serial_number}: {et.model} '{et.device_name}' at {et.address}"


# -- explicit calibration (ScreenBasedCalibration) ------------------------------------------

_VALIDITY = {"validity_valid_and_used": "used", "validity_valid_but_not_used": "not_used",
             "validity_invalid_and_not_used": "invalid"}


def result_from_tobii(res, width_px: float, height_px: float) -> CalibrationResult:
    """The SDK's `CalibrationResult` (status, calibration_points with per-sample left and
    right eye positions on the display area) in px."""
    status = str(getattr(res, "status", "calibration_status_failure")).replace("calibration_status_", "")
    if status not in ("success", "success_left_eye", "success_right_eye"):
        status = "failure"

    def eye(e) -> EyePoint:
        try:
            nx, ny = (float(v) for v in e.position_on_display_area)
        except (TypeError, ValueError):
            nx = ny = math.nan
        return EyePoint(nx * width_px, ny * height_px, _VALIDITY.get(str(e.validity), "invalid"))

    points = []
    for p in getattr(res, "calibration_points", ()) or ():
        nx, ny = (float(v) for v in p.position_on_display_area)
        samples = tuple(p.calibration_samples)
        points.append(ResultPoint(nx * width_px, ny * height_px, tuple(eye(s.left_eye) for s in samples),
                                  tuple(eye(s.right_eye) for s in samples)))
    return CalibrationResult(status, tuple(points))


class TobiiCalibration:
    """`DeviceCalibration` through the SDK's `ScreenBasedCalibration(device)`. px in,
    the normalised display area (0..1, top-left origin) to the SDK."""

    def __init__(self, sdk, device, width_px: float, height_px: float) -> None:
        try:
            self._cal = sdk.ScreenBasedCalibration(device)
        except ValueError as e:  # the SDK says so for a device without screen-based calibration
            raise CalibrationError(f"this Tobii tracker cannot be calibrated from here: {e}") from None
        self._sdk = sdk
        self.width_px = float(width_px)
        self.height_px = float(height_px)
        self.entered = False

    def _call(self, what: str, fn, *args):
        try:
            return fn(*args)
        except Exception as e:
            raise CalibrationError(f"Tobii {what} failed: {type(e).__name__}: {' '.join(str(e).split())}") from None

    def enter(self) -> None:
        self._call("enter_calibration_mode", self._cal.enter_calibration_mode)
        self.entered = True

    def collect(self, x_px: float, y_px: float) -> bool:
        x, y = x_px / self.width_px, y_px / self.height_px
        status = self._call("collect_data", self._cal.collect_data, x, y)
        return status == self._sdk.CALIBRATION_STATUS_SUCCESS

    def compute_and_apply(self) -> CalibrationResult:
        res = self._call("compute_and_apply", self._cal.compute_and_apply)
        return result_from_tobii(res, self.width_px, self.height_px)

    def leave(self) -> None:
        self._call("leave_calibration_mode", self._cal.leave_calibration_mode)
        self.entered = False


# -- the tracker ------------------------------------------------------------------------

@register("tobii")
class TobiiTracker(Tracker):
    """A Tobii Pro screen-based tracker. `arg`: serial number or address (default: the first)."""

    description = "a Tobii eye tracker via the Tobii Pro SDK (Python 3.10)"
    pushes = True
    calibration_note = "no Tobii tracker connected yet: calibration needs the device"
    may_calibrate = True

    def __init__(self, screen: Screen | None = None, *, arg: str | None = None, wait_s: float = 5.0,
                 stall_s: float = 1.0, rejoin_s: float = 5.0, sdk=None, clock=None, **_) -> None:
        kw = {"clock": clock} if clock is not None else {}
        super().__init__(screen, **kw)
        self.device_id = arg or None
        self.wait_s = wait_s
        self.stall_s = stall_s
        self.rejoin_s = rejoin_s
        self._sdk = sdk  # injected in tests; else imported on open
        self.device = None  # the connected device (set and cleared by the connector thread)
        self.device_info: dict[str, Any] = {}
        self.connections = 0
        self._clock_offset_s = 0.0
        self._last_data = 0.0
        self._lost_since: float | None = None
        self._data_lock = threading.Lock()

    @classmethod
    def discover(cls) -> list[str]:
        sdk = sdk_module()
        return [describe_device(et) for et in sdk.find_all_eyetrackers()]

    def calibration(self) -> TobiiCalibration | None:
        """The connected device's screen-based calibration (None until connected)."""
        device = self.device
        if device is None or self._sdk is None:
            return None
        return TobiiCalibration(self._sdk, device, self.screen.width_px, self.screen.height_px)

    # -- lifecycle -------------------------------------------------------------
    def _open(self) -> None:
        if self._sdk is None:
            self._sdk = sdk_module()
        self.status = "searching for Tobii tracker"
        run = self._start_reader(self._reader, "gazetype-tobii")
        if self.wait_s > 0:
            run.first.wait(self.wait_s)
            if run.error is not None or not run.first.is_set():
                error = run.error
                # Joined briefly; a search in progress cannot be interrupted (about 2 s): then
                # the thread is abandoned and ends by itself when the search returns. It
                # unsubscribes whatever it connected: nothing here touches the device.
                self._stop_reader(run)
                which = f" {self.device_id!r}" if self.device_id else ""
                raise TrackerError(error or f"no Tobii eye tracker{which} found within {self.wait_s:g} s: "
                                   "is it connected and powered, and its runtime/service running?")

    # -- device handling (the connector thread) ----------------------------------
    def _find(self, run: ReaderRun):
        sdk = self._sdk
        try:
            found = sdk.find_all_eyetrackers()
        except Exception as e:
            self._set_status(run, f"Tobii search failed: {e}")
            return None
        for et in found:
            if self.device_id is None or self.device_id in (et.serial_number, et.address):
                return et
        if found and self.device_id is not None:
            run.error = (f"Tobii tracker {self.device_id!r} not found; found: "
                         + ", ".join(describe_device(et) for et in found))
        return None

    def _connect(self, run: ReaderRun, et) -> None:
        sdk = self._sdk
        try:
            best = best_frequency(et.get_all_gaze_output_frequencies())
            if best is not None and et.get_gaze_output_frequency() != best:
                et.set_gaze_output_frequency(best)
            self.nominal_rate_hz = float(et.get_gaze_output_frequency())
        except Exception:
            # Some devices or licences refuse; their default rate is still fine.
            self.nominal_rate_hz = self.nominal_rate_hz or None
        self._clock_offset_s = clock_offset_s(self.clock, lambda: sdk.get_system_time_stamp() / 1e6)
        self.device = et
        self.device_info = {"serial": et.serial_number, "model": et.model, "name": et.device_name,
                            "address": et.address, "rate_hz": self.nominal_rate_hz}
        self._last_data = self.clock()
        self._lost_since = None
        # Callbacks bound to this run: once it is stopped they do nothing.
        et.subscribe_to(sdk.EYETRACKER_GAZE_DATA, functools.partial(self._on_gaze, run), as_dictionary=True)
        et.subscribe_to(sdk.EYETRACKER_NOTIFICATION_CONNECTION_LOST, functools.partial(self._on_lost, run),
                        as_dictionary=True)
        et.subscribe_to(sdk.EYETRACKER_NOTIFICATION_CONNECTION_RESTORED, functools.partial(self._on_restored, run),
                        as_dictionary=True)
        self.connections += 1
        run.error = None
        self._set_status(run, self._ok_status())
        run.first.set()

    def _disconnect(self, et) -> None:
        """Unsubscribe `et` (the connector thread's device); never raises."""
        if et is None:
            return
        if self.device is et:
            self.device = None
        sdk = self._sdk
        for what in (sdk.EYETRACKER_GAZE_DATA, sdk.EYETRACKER_NOTIFICATION_CONNECTION_LOST,
                     sdk.EYETRACKER_NOTIFICATION_CONNECTION_RESTORED):
            try:
                et.unsubscribe_from(what)
            except Exception:
                pass  # the device may be gone already

    def _ok_status(self) -> str:
        rate = f" {self.nominal_rate_hz:g} Hz" if self.nominal_rate_hz else ""
        return f"tobii: {self.device_info.get('model', '?')}{rate}"

    def _reader(self, run: ReaderRun) -> None:
        et = None  # the device this thread connected; it alone unsubscribes it
        try:
            while not run.stopped:
                if et is None:
                    found = self._find(run)
                    if run.stopped:
                        return
                    if found is None:
                        if run.error is not None and not run.first.is_set():
                            run.first.set()  # a named device is missing: tell start() now
                        run.wait(1.0)
                        continue
                    et = found
                    try:
                        self._connect(run, et)
                    except Exception as e:
                        self._set_status(run, f"Tobii connection failed: {e}")
                        self._disconnect(et)
                        et = None
                        run.wait(1.0)
                        continue
                run.wait(0.1)
                if run.stopped:
                    return
                if self.check(self.clock(), run):
                    self._disconnect(et)  # search for it again
                    et = None
        finally:
            self._disconnect(et)

    def check(self, now: float, run: ReaderRun | None = None) -> bool:
        """Watchdog, called every 0.1 s: no data for `stall_s` means lost; lost for
        `rejoin_s` without the SDK restoring it means search for the device again
        (returns True: the caller disconnects)."""
        if self.device is None:
            return False
        if self._lost_since is None and now - self._last_data > self.stall_s:
            self._mark_lost(now, run)
        if self._lost_since is not None and now - self._lost_since > self.rejoin_s:
            self._lost_since = None
            self._set_status(run, "lost: reconnecting")
            return True
        return False

    def _mark_lost(self, now: float, run: ReaderRun | None) -> None:
        with self._data_lock:
            if self._lost_since is not None:
                return
            self._lost_since = now
        self._set_status(run, "lost: reconnecting")
        self._emit(GazeSample.invalid(now), run)

    # -- SDK callbacks (SDK threads) -----------------------------------------------
    def _on_gaze(self, run: ReaderRun, d: dict) -> None:
        if run.stopped:
            return
        try:
            s = gaze_from_tobii(d, self.screen.width_px, self.screen.height_px, self._clock_offset_s)
        except (KeyError, TypeError, ValueError):
            return  # not gaze data as the SDK documents it: dropped, never a crash in the SDK thread
        self._last_data = self.clock()
        if self._lost_since is not None:
            with self._data_lock:
                self._lost_since = None
            self._set_status(run, self._ok_status())
        self._emit(s, run)

    def _on_lost(self, run: ReaderRun, d: dict) -> None:
        if not run.stopped:
            self._mark_lost(self.clock(), run)

    def _on_restored(self, run: ReaderRun, d: dict) -> None:
        # Data resuming is what clears the lost state (in _on_gaze).
        self._set_status(run, "tobii: connection restored, waiting for data")
