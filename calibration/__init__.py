"""Implicit autocalibration: estimate the tracker offset from output (reading) gaze
and correct the live stream. Headless: never imports Qt."""
from .base import Calibrator, NullCalibrator
from .corrector import Corrector

__all__ = ["Calibrator", "NullCalibrator", "Corrector"]


def make_calibrator(screen, enabled: bool = True):
    """The autocalibrator the app uses for `screen` (NullCalibrator when disabled)."""
    if not enabled:
        return NullCalibrator()
    return NullCalibrator()  # replaced by the output-gaze estimator (autocalibration issue)
