"""Replay a recording as a live tracker: gaze samples come out in step with the
clock (times shifted to now, optionally sped up). `--tracker replay:FILE`."""
from __future__ import annotations

from gazetype.recording import open_reader
from gazetype.recording.v1 import RecordingError
from gazetype.tracker.base import Tracker, TrackerError
from gazetype.tracker.registry import register
from gazetype.tracker.sample import GazeSample


@register("replay")
class ReplayTracker(Tracker):
    description = "gaze from a recording, in real time"
    calibration_note = "nothing to calibrate (a recording plays back the gaze as it was recorded)"

    def __init__(self, screen=None, *, path: str | None = None, arg: str | None = None,
                 speed: float = 1.0, clock=None, **_) -> None:
        kw = {"clock": clock} if clock is not None else {}
        self.path = path or arg
        if not self.path:
            raise TrackerError("the replay tracker needs a file: --tracker replay:FILE")
        try:
            self.reader = open_reader(self.path)
        except RecordingError as e:
            raise TrackerError(str(e)) from None
        super().__init__(screen or self.reader.header.screen, **kw)
        if speed <= 0:
            raise TrackerError(f"replay speed must be positive, got {speed}")
        self.speed = speed
        self.nominal_rate_hz = self.reader.header.sample_rate_hz
        self._it = None
        self._pending: GazeSample | None = None

    def _open(self) -> None:
        self._it = (e for e in self.reader if isinstance(e, GazeSample))
        self._t_start = self.clock()
        self._t_rec0: float | None = None
        self.status = f"replay x{self.speed:g}"

    def _poll(self, now: float) -> None:
        if self._it is None:
            return
        try:
            while True:
                s = self._pending or next(self._it)
                self._pending = None
                if self._t_rec0 is None:
                    self._t_rec0 = s.t_s
                t = self._t_start + (s.t_s - self._t_rec0) / self.speed
                if t > now:
                    self._pending = s
                    return
                self._emit(GazeSample(t, s.x_px, s.y_px, s.valid, s.left, s.right))
        except StopIteration:
            self._it = None
            self.status = "replay ended"
        except RecordingError as e:
            self._it = None
            self.status = f"replay error: {e}"
