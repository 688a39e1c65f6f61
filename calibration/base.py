"""What the pipeline expects of an autocalibrator and a corrector (no Qt)."""
from __future__ import annotations

from typing import Protocol

from gazetype.tracker.events import LayoutEvent, OffsetEvent, SelectEvent
from gazetype.tracker.sample import GazeSample


class Calibrator(Protocol):
    """Watches reported gaze and UI events; estimates the tracker offset
    (reported minus true, px). `update` returns an OffsetEvent when the estimate changes;
    `finish` at the end of the data (replay) uses what is still in progress. `active` is
    False for the calibrator that never estimates (autocalibration off); `conflict` is
    True while the evidence points two ways and the correction holds."""

    active: bool
    conflict: bool

    def update(self, s: GazeSample) -> OffsetEvent | None: ...

    def finish(self, t_s: float) -> OffsetEvent | None: ...

    def on_layout(self, ev: LayoutEvent) -> None: ...

    def on_select(self, ev: SelectEvent) -> None: ...


class NullCalibrator:
    """Never estimates anything (autocalibration off)."""

    active = False
    conflict = False

    def update(self, s: GazeSample) -> None:
        return None

    def finish(self, t_s: float) -> None:
        return None

    def on_layout(self, ev: LayoutEvent) -> None:
        pass

    def on_select(self, ev: SelectEvent) -> None:
        pass
