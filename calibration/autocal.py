"""The autocalibrator the pipeline uses: fixations -> reading detector -> estimator.

`AutoCalibrator.update(sample)` is called for every reported sample (before any
correction). Per sample it only runs the fixation detector (a few float
operations); the rest runs once per fixation. Layout and select events are taken
at once; their evidence is weighed at the next fixation. It returns an
`OffsetEvent` when the correction in force changes:

- `dx_px, dy_px`: the offset to correct (reported minus true gaze, px);
- `sd_px`: its uncertainty, the RMS over x and y of half the width of the offsets
  that fit the evidence as well (px). Show it as confidence, e.g. "+-0.2 deg";
- `n`: observations behind it.

The correction moves only when the evidence clearly asks for it (see estimator.py):
on weak or conflicting evidence it stays where it is (zero at the start).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from gazetype.calibration.estimator import EstimatorConfig, OffsetEstimator
from gazetype.calibration.fixation import FixationConfig, FixationDetector
from gazetype.calibration.reading import ReadingConfig, ReadingDetector
from gazetype.tracker.events import LayoutEvent, OffsetEvent, SelectEvent
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen


@dataclass(frozen=True)
class AutocalConfig:
    fixation: FixationConfig = field(default_factory=FixationConfig)
    reading: ReadingConfig = field(default_factory=ReadingConfig)
    estimator: EstimatorConfig = field(default_factory=EstimatorConfig)


class AutoCalibrator:
    """Implements `calibration.base.Calibrator` for the output-gaze autocalibration."""

    active = True

    def __init__(self, screen: Screen | None = None, config: AutocalConfig | None = None) -> None:
        screen = screen or Screen()
        self.config = cfg = config or AutocalConfig()
        self.screen = screen
        self.fixations = FixationDetector(screen, cfg.fixation)
        self.fixations.on_fixation = self._on_fixation
        self.estimator = OffsetEstimator(screen, cfg.estimator)
        self.reading = ReadingDetector(self.estimator, screen, cfg.reading)
        self.applied = (0.0, 0.0)  # the correction in force (the last published)
        self.published: OffsetEvent | None = None

    @property
    def conflict(self) -> bool:
        """The evidence points two ways (two line hypotheses): the correction holds."""
        return self.reading.conflict or self.estimator.conflict

    def update(self, s: GazeSample) -> OffsetEvent | None:
        # Per sample only the fixation detector runs; the rest waits for a fixation.
        return self.fixations.update(s)

    def _on_fixation(self, f, t_s: float) -> OffsetEvent | None:
        self.reading.on_fixation(f, self.applied)
        return self._decide(t_s)

    def on_layout(self, ev: LayoutEvent) -> None:
        self.reading.on_layout(ev)

    def on_select(self, ev: SelectEvent) -> None:
        self.reading.on_select(ev)

    def finish(self, t_s: float) -> OffsetEvent | None:
        """End of data: use the fixation and reading episode in progress."""
        f = self.fixations.flush()
        if f is not None:
            self.reading.on_fixation(f, self.applied)
        self.reading.flush()
        return self._decide(t_s)

    def _decide(self, t_s: float) -> OffsetEvent | None:
        est = self.estimator
        if not est.decide(t_s):
            return None
        dx, dy = est.correction
        ev = OffsetEvent(t_s, dx, dy, est.sd_px, est.n_used)
        self.published = ev
        self.applied = (dx, dy)
        return ev
