"""The induced offset: a study condition's (or a demo's) known miscalibration, added
to the tracker stream before anything else sees it (`--offset`)."""
from __future__ import annotations

from gazetype.tracker.offset import OffsetModel
from gazetype.tracker.sample import GazeSample


class InducedOffset:
    """Adds an offset model to a gaze stream, timed from the first sample it sees
    (or from `t0_s`). Used for study conditions and simulated miscalibration."""

    def __init__(self, model: OffsetModel, t0_s: float | None = None) -> None:
        self.model = model
        self.t0_s = t0_s

    def offset_at(self, t_s: float) -> tuple[float, float]:
        if self.t0_s is None:
            self.t0_s = t_s
        return self.model.at(t_s - self.t0_s)

    def apply(self, s: GazeSample) -> GazeSample:
        if not self.model.parts:
            return s
        dx, dy = self.offset_at(s.t_s)
        return s.shifted(dx, dy)
