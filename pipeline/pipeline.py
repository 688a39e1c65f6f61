"""The gaze pipeline: tracker stream -> (induced offset) -> corrector -> smoothing
-> dwell engine, with the autocalibrator beside it fed by the same reported samples
and by the UI's layout and select events. Headless and clock-free: the live app,
replay, simulation and tests all drive this same object.
"""
from __future__ import annotations

from typing import NamedTuple, Protocol

from gazetype.calibration.base import Calibrator, NullCalibrator
from gazetype.calibration.corrector import Corrector
from gazetype.keyboard.dwell import DwellEngine, Selection
from gazetype.keyboard.layout import KeyMap
from gazetype.pipeline.induced import InducedOffset
from gazetype.recording.v1 import RecordingWriter
from gazetype.tracker.events import Event, LayoutEvent, MarkerEvent, OffsetEvent, SelectEvent
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.stats import StreamStats


class Sink(Protocol):
    """An output of the pipeline beside the recording (e.g. the LSL publisher): every
    reported sample and every event through `write`, every corrected sample through
    `write_corrected`; `close` once at the end."""

    def write(self, ev: Event) -> None: ...

    def write_corrected(self, s: GazeSample) -> None: ...

    def close(self) -> None: ...


class Smoother(Protocol):
    """Smooths corrected gaze, one sample at a time (e.g. the 1-euro filter)."""

    def __call__(self, s: GazeSample) -> GazeSample: ...


def shifted_back(s: GazeSample, dx_px: float, dy_px: float) -> GazeSample:
    """`s` minus the correction (dx_px, dy_px); the same sample when there is nothing to subtract."""
    if not s.valid or (dx_px == 0.0 and dy_px == 0.0):
        return s
    return GazeSample(s.t_s, s.x_px - dx_px, s.y_px - dy_px, True, s.left, s.right)


class Step(NamedTuple):
    """What one sample did. `reported` is the stream as the tracker (plus any induced
    offset) gave it; `corrected` is what the dwell engine saw: reported minus the
    correction (`dx_px`, `dy_px`) in force, smoothed if the pipeline smooths.

    (A named tuple whose `corrected` sample is built only when asked for: the
    pipeline runs once per sample and most steps are never looked at.)
    """

    reported: GazeSample
    selections: tuple[Selection, ...]
    offset: OffsetEvent | None
    dx_px: float = 0.0
    dy_px: float = 0.0
    smoothed: GazeSample | None = None
    raw: GazeSample | None = None  # the tracker's sample before an induced offset (None: none induced)

    @property
    def tracker_sample(self) -> GazeSample:
        """The sample as the tracker gave it, before any induced offset."""
        return self.raw if self.raw is not None else self.reported

    @property
    def corrected(self) -> GazeSample:
        if self.smoothed is not None:
            return self.smoothed
        return shifted_back(self.reported, self.dx_px, self.dy_px)


_NO_SELECTIONS: tuple = ()
HOLD_MARKER = "hold"  # a change of pausing: {"paused": bool, "held": bool}


class GazePipeline:
    """`recorder` and each of `sinks` get every reported sample and every layout,
    select, marker and offset event; sinks also get each corrected sample."""

    def __init__(self, dwell: DwellEngine | None = None, *, calibrator: Calibrator | None = None,
                 corrector: Corrector | None = None, induced: InducedOffset | None = None,
                 smoother: Smoother | None = None, recorder: RecordingWriter | None = None,
                 sinks: tuple[Sink, ...] | list[Sink] = ()) -> None:
        self.dwell = dwell or DwellEngine()
        self.calibrator: Calibrator = calibrator or NullCalibrator()
        self.corrector = corrector or Corrector()
        self.induced = induced
        self.smoother = smoother
        self.recorder = recorder
        self.sinks: list[Sink] = list(sinks)
        self.stats = StreamStats()
        self.offset: OffsetEvent | None = None  # latest estimate
        self._paused = False
        self._held = False
        self._t_s = 0.0  # the latest sample's time: when a change of pausing is recorded

    # Pausing decides what gaze selects, so a change is recorded (a "hold" marker at the
    # latest sample's time) and replay pauses where the live pipeline paused.
    @property
    def paused(self) -> bool:
        """The UI paused input: it still tracks and calibrates but never selects."""
        return self._paused

    @paused.setter
    def paused(self, value: bool) -> None:
        if bool(value) != self._paused:
            self._paused = bool(value)
            self._hold_changed()

    @property
    def held(self) -> bool:
        """A dialog is open over the keyboard: as paused, apart from the UI's own pausing."""
        return self._held

    @held.setter
    def held(self, value: bool) -> None:
        if bool(value) != self._held:
            self._held = bool(value)
            self._hold_changed()

    def _hold_changed(self) -> None:
        if self.recorder is not None or self.sinks:
            self._write(MarkerEvent(self._t_s, HOLD_MARKER, {"paused": self._paused, "held": self._held}))

    def set_condition(self, calibrator: Calibrator, induced: InducedOffset | None) -> None:
        """A new condition (studies): a fresh calibrator and correction, and the
        offset to induce (None: none)."""
        self.calibrator = calibrator
        self.induced = induced
        self.corrector = Corrector()
        self.offset = None

    def feed(self, s: GazeSample) -> Step:
        # The per-sample hot path (replay runs it for every recorded sample): plain
        # floats, no intermediate samples unless a smoother or a sink needs one.
        raw = None
        if self.induced is not None:
            raw, s = s, self.induced.apply(s)
        self._t_s = s.t_s
        self.stats.add(s)
        if self.recorder is not None or self.sinks:
            self._write(s)
        off = self.calibrator.update(s)
        if off is not None:
            self.offset = off
            self.corrector.set_target(off.dx_px, off.dy_px)
            self._write(off)
        corrector = self.corrector
        corrector.hold = self.dwell.on_key  # no correction moves under a dwell in progress
        ax, ay = corrector.advance(s.t_s)
        if self.smoother is not None:
            c = self.smoother(shifted_back(s, ax, ay))
            t, x, y, valid = c.t_s, c.x_px, c.y_px, c.valid
        else:
            c = None
            t, x, y, valid = s.t_s, s.x_px - ax, s.y_px - ay, s.valid
        if self.sinks:
            corrected = c if c is not None else shifted_back(s, ax, ay)
            for sink in self.sinks:
                sink.write_corrected(corrected)
        if self._paused or self._held:
            # Paused input still tracks and calibrates but never selects.
            self.dwell.update(t, x, y, False)
            return Step(s, _NO_SELECTIONS, off, ax, ay, c, raw)
        return Step(s, self.dwell.update(t, x, y, valid), off, ax, ay, c, raw)

    def on_layout(self, ev: LayoutEvent) -> None:
        """The UI changed what is where (keys, output text, target phrase)."""
        if ev.region == "keyboard":
            self.dwell.set_keys(KeyMap.from_items(ev.items))
        self.calibrator.on_layout(ev)
        self._write(ev)

    def on_select(self, ev: SelectEvent) -> None:
        """The UI acted on a selection (by dwell or by the operator)."""
        self.calibrator.on_select(ev)
        self._write(ev)

    def on_marker(self, ev: MarkerEvent) -> None:
        self._write(ev)

    def _write(self, ev) -> None:
        if self.recorder is not None:
            self.recorder.write(ev)
        for sink in self.sinks:
            sink.write(ev)
