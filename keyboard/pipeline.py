"""The gaze pipeline: tracker stream -> (induced offset) -> corrector -> smoothing
-> dwell engine, with the autocalibrator beside it fed by the same reported samples
and by the UI's layout and select events. Headless and clock-free: the live app,
replay, simulation and tests all drive this same object.
"""
from __future__ import annotations

from dataclasses import dataclass

from calibration.base import Calibrator, NullCalibrator
from calibration.corrector import Corrector
from tracker.events import LayoutEvent, MarkerEvent, OffsetEvent, SelectEvent
from tracker.offset import InducedOffset
from tracker.recording import RecordingWriter
from tracker.sample import GazeSample
from tracker.stats import StreamStats

from .dwell import DwellEngine, Selection
from .layout import KeyMap


@dataclass(frozen=True, slots=True)
class Step:
    """What one sample did. `reported` is the stream as the tracker (plus any induced
    offset) gave it; `corrected` is what the dwell engine saw."""

    reported: GazeSample
    corrected: GazeSample
    selections: tuple[Selection, ...]
    offset: OffsetEvent | None


class GazePipeline:
    """`recorder` and each of `sinks` get every reported sample and every layout,
    select, marker and offset event via `write(ev)`; sinks that have
    `write_corrected(sample)` also get each corrected sample (e.g. the LSL publisher)."""

    def __init__(self, dwell: DwellEngine | None = None, *, calibrator: Calibrator | None = None,
                 corrector: Corrector | None = None, induced: InducedOffset | None = None,
                 smoother=None, recorder: RecordingWriter | None = None, sinks=()) -> None:
        self.dwell = dwell or DwellEngine()
        self.calibrator = calibrator or NullCalibrator()
        self.corrector = corrector or Corrector()
        self.induced = induced
        self.smoother = smoother
        self.recorder = recorder
        self.sinks: list = list(sinks)
        self.stats = StreamStats()
        self.offset: OffsetEvent | None = None  # latest estimate
        self.paused = False

    def feed(self, s: GazeSample) -> Step:
        if self.induced is not None:
            s = self.induced.apply(s)
        self.stats.add(s)
        self._write(s)
        off = self.calibrator.update(s)
        if off is not None:
            self.offset = off
            self.corrector.set_target(off.dx_px, off.dy_px)
            self._write(off)
        c = self.corrector.correct(s)
        if self.smoother is not None:
            c = self.smoother(c)
        for sink in self.sinks:
            hook = getattr(sink, "write_corrected", None)
            if hook is not None:
                hook(c)
        if self.paused:
            # Paused input still tracks and calibrates but never selects.
            self.dwell.update(c.t_s, c.x_px, c.y_px, False)
            return Step(s, c, (), off)
        sel = self.dwell.update(c.t_s, c.x_px, c.y_px, c.valid)
        return Step(s, c, sel, off)

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
