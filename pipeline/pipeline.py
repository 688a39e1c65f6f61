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

    @property
    def corrected(self) -> GazeSample:
        if self.smoothed is not None:
            return self.smoothed
        return shifted_back(self.reported, self.dx_px, self.dy_px)


_NO_SELECTIONS: tuple = ()


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
        self.paused = False
        self.held = False  # a dialog is open over the keyboard: as paused, apart from the UI's own pausing

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
        if self.induced is not None:
            s = self.induced.apply(s)
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
        if self.paused or self.held:
            # Paused input still tracks and calibrates but never selects.
            self.dwell.update(t, x, y, False)
            return Step(s, _NO_SELECTIONS, off, ax, ay, c)
        return Step(s, self.dwell.update(t, x, y, valid), off, ax, ay, c)

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
