"""The autocalibrator the pipeline uses: fixations -> reading detector -> estimator.

`AutoCalibrator.update(sample)` is called for every reported sample (before any
correction). Per sample it only runs the fixation detector (a few float
operations); the rest runs once per fixation (evidence from layout and select
events, e.g. an episode ended by a selection, is used at the next fixation). It returns an `OffsetEvent` when the
applied estimate changes:

- `dx_px, dy_px`: the offset to correct (reported minus true gaze, px): the
  estimate, shrunk towards zero while it is barely significant;
- `sd_px`: its uncertainty, the RMS over x and y of the estimate's standard
  deviation (px). Show it as confidence, e.g. "+-0.2 deg";
- `n`: observations behind the estimate since it (re)started.

Nothing is published until the estimator is ready (enough agreeing evidence,
uncertainty under `EstimatorConfig.publish_sd_deg`): on weak evidence the
correction stays where it is (zero at the start).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from gazetype.calibration.estimator import EstimatorConfig, Evidence, OffsetEstimator
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
    publish_step_deg: float = 0.02  # publish when the estimate moved this much (or its SD by 10%)


class AutoCalibrator:
    """Implements `calibration.base.Calibrator` for the output-gaze autocalibration."""

    def __init__(self, screen: Screen | None = None, config: AutocalConfig | None = None) -> None:
        screen = screen or Screen()
        self.config = cfg = config or AutocalConfig()
        self.screen = screen
        self.fixations = FixationDetector(screen, cfg.fixation)
        self.fixations.on_fixation = self._on_fixation
        self.estimator = OffsetEstimator(screen, cfg.estimator)
        self.reading = ReadingDetector(self.estimator, screen, cfg.reading)
        self.applied = (0.0, 0.0)  # the last published estimate
        self.published: OffsetEvent | None = None
        self.evidence_log: list[Evidence] | None = None  # set to a list to keep all evidence (tests, tools)
        self._pending: list[Evidence] = []
        self._step = cfg.publish_step_deg * screen.px_per_deg

    active = True

    def update(self, s: GazeSample) -> OffsetEvent | None:
        # Per sample only the fixation detector runs; the rest waits for a fixation.
        return self.fixations.update(s)

    def _on_fixation(self, f, t_s: float) -> OffsetEvent | None:
        evs = self.reading.on_fixation(f, self.applied)
        if self._pending:  # evidence from layout/select events since the last fixation
            evs = self._take_pending() + evs
        return self._consume(evs, t_s) if evs else None

    def on_layout(self, ev: LayoutEvent) -> None:
        self._pending.extend(self.reading.on_layout(ev))

    def on_select(self, ev: SelectEvent) -> None:
        self._pending.extend(self.reading.on_select(ev))

    def finish(self, t_s: float) -> OffsetEvent | None:
        """End of data: use the fixation and reading episode in progress."""
        f = self.fixations.flush()
        evs = self.reading.on_fixation(f, self.applied) if f is not None else []
        evs = self._take_pending() + evs + self.reading.flush()
        return self._consume(evs, t_s) if evs else None

    def _take_pending(self) -> list[Evidence]:
        p, self._pending = self._pending, []
        return p

    def _consume(self, evs: list[Evidence], t_s: float) -> OffsetEvent | None:
        est = self.estimator
        changed = False
        for e in evs:
            changed |= est.add(e)
        if self.evidence_log is not None:
            self.evidence_log.extend(evs)
        if not changed or not est.ready:
            return None
        dx, dy = est.correction
        sd = est.sd_px
        last = self.published
        if last is not None and abs(dx - last.dx_px) < self._step and abs(dy - last.dy_px) < self._step \
                and last.sd_px is not None and abs(sd - last.sd_px) < 0.1 * last.sd_px:
            return None
        ev = OffsetEvent(t_s, dx, dy, sd, est.n)
        self.published = ev
        self.applied = (dx, dy)
        return ev
