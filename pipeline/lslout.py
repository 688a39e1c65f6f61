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

Several instances on one machine: the first publishes the names above and source ids
`gazetype-out-raw@HOST` (stable, so LabRecorder reconnects when the app restarts);
while it runs, a second one publishes "gazetype-2 raw gaze" ... with source ids
`gazetype-out-raw-2@HOST`, and so on (the instance number is a lock file held
while the publisher lives, released by the OS when the process ends).

A consumer that connects late (LabRecorder started after the app, an analysis
client) is sent the current layout of every region when it is noticed (the events
outlet's `have_consumers()` turning true, looked at no more than every
`_CONSUMER_CHECK_S` while publishing) and every `resend_s` while consumers are
connected: a layout event again, stamped with the newest time published.

The gaze outlets' nominal rate is the tracker's: `rate_hz` may be a function, read
when the first gaze sample is published (the tracker has connected by then, and a
device's rate is known only after connecting); those two outlets appear then.

The publisher is a pipeline sink: `write(event)` for reported samples and events,
`write_corrected(sample)` for corrected ones. Off by default: gaze is personal data.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import socket
import tempfile
import time
from typing import Callable, Union

from gazetype.recording.v1 import event_to_dict
from gazetype.tracker.clock import clock_offset_s, now_s
from gazetype.tracker.events import Event, LayoutEvent
from gazetype.tracker.gazechannels import OUT_SOURCE_PREFIX, Channel, add_gaze_desc, gaze_channels, sample_values
from gazetype.tracker.lsl import pylsl_module
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

RateSpec = Union[float, None, Callable[[], Union[float, None]]]
_CONSUMER_CHECK_S = 0.1  # how often publishing looks for a newly connected consumer
RESEND_S = 10.0  # the current layouts go out again this often while consumers are connected


def claim_instance(prefix: str) -> tuple[int | None, int | None]:
    """The lowest instance number (1, 2, ...) that no live publisher with this `prefix`
    holds on this machine, and the file descriptor that holds it (an exclusive flock on
    a file in the temp folder; the OS releases it when the process ends). (None, None)
    where flock does not exist: the caller then uses the pid."""
    try:
        import fcntl
    except ImportError:
        return None, None
    key = hashlib.sha1(prefix.encode()).hexdigest()[:12]
    folder = tempfile.gettempdir()
    for n in range(1, 1000):
        path = os.path.join(folder, f"gazetype-lsl-out-{key}-{n}.lock")
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
        except OSError:  # e.g. another user's file we may not open
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        return n, fd
    return None, None


class LslPublisher:
    """Publishes raw gaze, corrected gaze and events on LSL (see the module doc)."""

    def __init__(self, screen: Screen, *, prefix: str = "gazetype", rate_hz: RateSpec = None,
                 clock: Callable[[], float] = now_s, resend_s: float = RESEND_S) -> None:
        pylsl = pylsl_module()
        self._pylsl = pylsl
        self.screen = screen
        self._host = socket.gethostname()
        self.instance, self._lock_fd = claim_instance(prefix)
        if self.instance is None:
            tag = f"pid{os.getpid()}"
            self.prefix, self._id_tag = f"{prefix}-{tag}", f"-{tag}"
        elif self.instance == 1:
            self.prefix, self._id_tag = prefix, ""
        else:
            self.prefix, self._id_tag = f"{prefix}-{self.instance}", f"-{self.instance}"
        self._rate = rate_hz
        self.resend_s = resend_s
        self.raw_channels = gaze_channels("pixels")
        self.corrected_channels = gaze_channels("pixels", eyes=False)
        self.raw = self.corrected = None
        self.rate_hz: float | None = None  # the gaze outlets' nominal rate, once they exist
        if not callable(rate_hz):
            self._open_gaze()
        self.events = self._outlet("events", f"{self.prefix} events", "Markers", None, pylsl.cf_string,
                                   pylsl.IRREGULAR_RATE)
        # Our clock -> LSL clock (about 0 on Linux, where both are CLOCK_MONOTONIC).
        self._to_lsl = clock_offset_s(pylsl.local_clock, clock)
        self._dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
        self.counts = {"raw": 0, "corrected": 0, "events": 0}
        self.layouts_resent = 0  # layout events published again for late consumers (also in counts["events"])
        self._layouts: dict[str, LayoutEvent] = {}  # the current layout of each region
        self._newest_t = -math.inf  # the newest time published
        self._had_consumers = False
        self._next_check = 0.0  # time.monotonic() of the next look for consumers
        self._next_resend = 0.0
        self.closed = False

    @property
    def names(self) -> dict[str, str]:
        """kind -> stream name (raw, corrected, events)."""
        return {"raw": f"{self.prefix} raw gaze", "corrected": f"{self.prefix} corrected gaze",
                "events": f"{self.prefix} events"}

    def _outlet(self, kind: str, name: str, typ: str, channels: list[Channel] | None, fmt, rate: float):
        pylsl = self._pylsl
        n = len(channels) if channels is not None else 1
        info = pylsl.StreamInfo(name, typ, n, rate, fmt, f"{OUT_SOURCE_PREFIX}-{kind}{self._id_tag}@{self._host}")
        if channels is not None:
            add_gaze_desc(info, channels, self.screen, {"role": kind})
        else:
            info.desc().append_child_value("format", "gazetype v1 JSON objects, one per sample")
            info.desc().append_child_value("role", kind)
        return pylsl.StreamOutlet(info)

    def _open_gaze(self) -> None:
        rate = self._rate() if callable(self._rate) else self._rate
        rate = float(rate) if rate and math.isfinite(rate) and rate > 0 else None
        self.rate_hz = rate
        r = rate if rate is not None else self._pylsl.IRREGULAR_RATE
        f64 = self._pylsl.cf_double64
        self.raw = self._outlet("raw", self.names["raw"], "Gaze", self.raw_channels, f64, r)
        self.corrected = self._outlet("corrected", self.names["corrected"], "Gaze", self.corrected_channels, f64, r)

    def _ts(self, t_s: float) -> float:
        t = t_s + self._to_lsl
        # liblsl reads a timestamp of exactly 0.0 as "now" (a simulated or replayed session
        # starts at t = 0, and the clock offset is often exactly 0 on Linux).
        return t if t != 0.0 else 5e-324

    def write(self, ev: Event) -> None:
        """A reported sample goes to the raw stream; any other event to the marker stream."""
        if self.closed:
            return
        if ev.t_s > self._newest_t:
            self._newest_t = ev.t_s
        if isinstance(ev, GazeSample):
            if self.raw is None:
                self._open_gaze()
            self.raw.push_sample(sample_values(ev), self._ts(ev.t_s))
            self.counts["raw"] += 1
            self._look_for_consumers(None)
            return
        if isinstance(ev, LayoutEvent):
            # Looked at first: a consumer new now gets this layout below and the others here.
            self._look_for_consumers(ev.region, force=True)
            if ev.items or ev.text:
                self._layouts[ev.region] = ev
            else:
                self._layouts.pop(ev.region, None)  # a cleared region
        self._push_event(ev)
        if not isinstance(ev, LayoutEvent):
            self._look_for_consumers(None)

    def _push_event(self, ev: Event) -> None:
        self.events.push_sample([self._dumps(event_to_dict(ev))], self._ts(ev.t_s))
        self.counts["events"] += 1

    def write_corrected(self, s: GazeSample) -> None:
        if self.closed:
            return
        if self.corrected is None:
            self._open_gaze()
        self.corrected.push_sample(sample_values(s, eyes=False), self._ts(s.t_s))
        self.counts["corrected"] += 1

    def _look_for_consumers(self, skip_region: str | None, force: bool = False) -> None:
        """Re-send the current layouts (but `skip_region`'s) when a consumer of the events
        stream has connected since the last look, and every `resend_s` while any is."""
        now = time.monotonic()
        if not force and now < self._next_check:
            return
        self._next_check = now + _CONSUMER_CHECK_S
        has = self.events.have_consumers()
        fresh = has and not self._had_consumers
        self._had_consumers = has
        if fresh or (has and now >= self._next_resend):
            self._next_resend = now + self.resend_s
            self.resend_layouts(skip_region)

    def resend_layouts(self, skip_region: str | None = None) -> int:
        """Publish the current layout of every region again, stamped with the newest time
        published (so the event stream's times never go back). Returns how many."""
        if self.closed:
            return 0
        n = 0
        for region, ev in list(self._layouts.items()):
            if region == skip_region:
                continue
            t = max(ev.t_s, self._newest_t)
            self._push_event(dataclasses.replace(ev, t_s=t) if t != ev.t_s else ev)
            n += 1
        self.layouts_resent += n
        return n

    def have_consumers(self) -> bool:
        """True when something (LabRecorder, ...) is connected to any of the streams."""
        return any(o is not None and o.have_consumers() for o in (self.raw, self.corrected, self.events))

    def close(self) -> None:
        """Withdraw the streams (consumers see them end) and free the instance number."""
        if self.closed:
            return
        self.closed = True
        self.raw = self.corrected = self.events = None
        if self._lock_fd is not None:
            try:
                os.close(self._lock_fd)
            except OSError:
                pass
            self._lock_fd = None

    def __enter__(self) -> "LslPublisher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
