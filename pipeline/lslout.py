"""`--lsl-out`: publish the app's gaze and events on Lab Streaming Layer.

Three outlets, so LabRecorder captures a session next to EEG or other devices:

* "gazetype raw gaze" (type `Gaze`, 8 channels): the stream as the tracker
  reported it (plus any induced study offset): x, y (both eyes), left x, y,
  right x, y in screen px, left/right pupil diameter in mm; NaN when invalid;
* "gazetype corrected gaze" (type `Gaze`, 2 channels): x, y px after offset
  correction (and smoothing): what the dwell engine saw;
* "gazetype events" (type `Markers`, one string channel, irregular rate): every
  layout, select, marker and offset event as the JSON object of the v1 recording
  (`recording.v1.event_to_dict`).

Channel meta-data follows the XDF gaze spec (label, eye, type, unit); `<desc>` also
holds `<screen>` (width/height in px and mm, viewing distance) and the software.
Timestamps are the events' own `t_s` moved onto the LSL clock (the same clock on
Linux). Source ids start with "gazetype-out" so gazetype's own LSL input skips them.

The publisher is a pipeline sink: `write(event)` for reported samples and events,
`write_corrected(sample)` for corrected ones. Off by default: gaze is personal data.
"""
from __future__ import annotations

import json
import socket
from typing import Callable

from gazetype.recording.v1 import event_to_dict
from gazetype.tracker.clock import clock_offset_s, now_s
from gazetype.tracker.events import Event
from gazetype.tracker.gazechannels import OUT_SOURCE_PREFIX, Channel, add_gaze_desc, gaze_channels, sample_values
from gazetype.tracker.lsl import pylsl_module
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen


class LslPublisher:
    """Publishes raw gaze, corrected gaze and events on LSL (see the module doc)."""

    def __init__(self, screen: Screen, *, prefix: str = "gazetype", rate_hz: float | None = None,
                 clock: Callable[[], float] = now_s) -> None:
        pylsl = pylsl_module()
        self._pylsl = pylsl
        self.screen = screen
        host = socket.gethostname()
        rate = float(rate_hz) if rate_hz else pylsl.IRREGULAR_RATE

        def outlet(kind: str, name: str, typ: str, channels: list[Channel] | None, fmt, r: float):
            n = len(channels) if channels is not None else 1
            info = pylsl.StreamInfo(name, typ, n, r, fmt, f"{OUT_SOURCE_PREFIX}-{kind}@{host}")
            if channels is not None:
                add_gaze_desc(info, channels, screen, {"role": kind})
            else:
                info.desc().append_child_value("format", "gazetype v1 JSON objects, one per sample")
                info.desc().append_child_value("role", kind)
            return pylsl.StreamOutlet(info)

        self.raw_channels = gaze_channels("pixels")
        self.corrected_channels = gaze_channels("pixels", eyes=False)
        self.raw = outlet("raw", f"{prefix} raw gaze", "Gaze", self.raw_channels, pylsl.cf_double64, rate)
        self.corrected = outlet("corrected", f"{prefix} corrected gaze", "Gaze", self.corrected_channels,
                                pylsl.cf_double64, rate)
        self.events = outlet("events", f"{prefix} events", "Markers", None, pylsl.cf_string, pylsl.IRREGULAR_RATE)
        # Our clock -> LSL clock (about 0 on Linux, where both are CLOCK_MONOTONIC).
        self._to_lsl = clock_offset_s(pylsl.local_clock, clock)
        self._dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
        self.counts = {"raw": 0, "corrected": 0, "events": 0}
        self.closed = False

    def _ts(self, t_s: float) -> float:
        t = t_s + self._to_lsl
        # liblsl reads a timestamp of exactly 0.0 as "now" (a simulated or replayed session
        # starts at t = 0, and the clock offset is often exactly 0 on Linux).
        return t if t != 0.0 else 5e-324

    def write(self, ev: Event) -> None:
        """A reported sample goes to the raw stream; any other event to the marker stream."""
        if self.closed:
            return
        if isinstance(ev, GazeSample):
            self.raw.push_sample(sample_values(ev), self._ts(ev.t_s))
            self.counts["raw"] += 1
        else:
            self.events.push_sample([self._dumps(event_to_dict(ev))], self._ts(ev.t_s))
            self.counts["events"] += 1

    def write_corrected(self, s: GazeSample) -> None:
        if self.closed:
            return
        self.corrected.push_sample(sample_values(s, eyes=False), self._ts(s.t_s))
        self.counts["corrected"] += 1

    def have_consumers(self) -> bool:
        """True when something (LabRecorder, ...) is connected to any of the streams."""
        return any(o.have_consumers() for o in (self.raw, self.corrected, self.events))

    def close(self) -> None:
        """Withdraw the streams (consumers see them end)."""
        if self.closed:
            return
        self.closed = True
        self.raw = self.corrected = self.events = None

    def __enter__(self) -> "LslPublisher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
