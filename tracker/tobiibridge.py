"""The Tobii-to-LSL bridge behind `gazetype tobii-bridge` (Python 3.10 + tobii-research).

Publishes one Tobii tracker as an LSL stream of content type `Gaze` with XDF gaze
meta-data: 8 float32 channels x, y (mean of the valid eyes), left x, y, right x, y
in normalised display-area units ((0, 0) top-left, (1, 1) bottom-right), left and
right pupil diameter in mm; NaN when invalid. Timestamps are the SDK's
`system_time_stamp` on the LSL clock. Source id `tobii-bridge-SERIAL`, so LSL
consumers recover the stream when the bridge restarts. A lost device keeps the
outlet (consumers see silence, then data again) while the tracker reconnects.

Headless and Qt-free, so it runs on a Python 3.10 without PySide6.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from gazetype.tracker.calremote import CalibrationServer, add_calibration_desc
from gazetype.tracker.clock import clock_offset_s
from gazetype.tracker.gazechannels import add_gaze_desc, gaze_channels, sample_values
from gazetype.tracker.lsl import pylsl_module
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen
from gazetype.tracker.tobii import TobiiTracker

# Any size works: the tracker converts to px and the bridge divides back to normalised.
_SCREEN = Screen(1920, 1080)


def make_outlet(pylsl, tracker: TobiiTracker, stream_name: str, calibration_port: int | None = None):
    info = tracker.device_info
    serial = str(info.get("serial") or "unknown")
    rate = tracker.nominal_rate_hz or pylsl.IRREGULAR_RATE
    sinfo = pylsl.StreamInfo(stream_name, "Gaze", 8, rate, pylsl.cf_float32, f"tobii-bridge-{serial}")
    add_gaze_desc(sinfo, gaze_channels("normalized"), None,
                  {"manufacturer": "Tobii", "model": info.get("model", ""), "serial_number": serial,
                   "device_name": info.get("name", "")})
    if calibration_port is not None:
        add_calibration_desc(sinfo, calibration_port)
    return pylsl.StreamOutlet(sinfo)


def run_bridge(device: str | None = None, stream_name: str = "Tobii", *, duration_s: float | None = None,
               wait_s: float = 5.0, log: Callable[[str], None] = print,
               stop: threading.Event | None = None, sdk=None, calibration: bool = True) -> int:
    """Run until `stop` is set, `duration_s` passes, or Ctrl-C. Returns samples published.

    With `calibration`, the tracker's calibration is served on 127.0.0.1 (tracker/calremote.py)
    and advertised in the stream's <desc><calibration>.

    Raises TrackerError (one line) when pylsl or the SDK is missing or no device is found."""
    pylsl = pylsl_module()
    stop = stop or threading.Event()
    tracker = TobiiTracker(_SCREEN, arg=device, wait_s=wait_s, sdk=sdk)
    state = {"outlet": None, "n": 0}
    to_lsl = clock_offset_s(pylsl.local_clock, tracker.clock)
    w, h = _SCREEN.width_px, _SCREEN.height_px

    def push(s: GazeSample) -> None:
        outlet = state["outlet"]
        if outlet is None:
            return  # samples before the outlet exists (a few ms at connection)
        outlet.push_sample(sample_values(s, scale_x=w, scale_y=h), s.t_s + to_lsl)
        state["n"] += 1

    tracker.start(callback=push)
    server = None
    try:
        if calibration:
            server = CalibrationServer(tracker.calibration, w, h, unavailable=tracker.no_calibration_message()).start()
        state["outlet"] = make_outlet(pylsl, tracker, stream_name, server.port if server else None)
        d = tracker.device_info
        log(f"publishing Tobii {d.get('model')} (serial {d.get('serial')}) at "
            f"{tracker.nominal_rate_hz or 'device default'} Hz as LSL stream {stream_name!r} "
            f"(type Gaze, 8 channels, source_id tobii-bridge-{d.get('serial')}); Ctrl-C stops")
        t_end = None if duration_s is None else time.monotonic() + duration_s
        last_status = tracker.status
        while not stop.is_set() and (t_end is None or time.monotonic() < t_end):
            stop.wait(0.2)
            if tracker.status != last_status:
                last_status = tracker.status
                log(f"status: {last_status}")
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.stop()
        tracker.stop()
        state["outlet"] = None
    log(f"published {state['n']} samples")
    return state["n"]
