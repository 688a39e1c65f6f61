"""Implicit autocalibration: estimate the tracker offset from output (reading) gaze
and correct the live stream. Headless: never imports Qt.

fixation (online fixation detection) -> reading (which fixations read known text,
and what) -> estimator (robust gated Kalman filter) -> autocal (the Calibrator the
pipeline calls) ; corrector applies the estimate smoothly. See docs/autocalibration.md.
"""
from gazetype.calibration.autocal import AutocalConfig, AutoCalibrator
from gazetype.calibration.base import Calibrator, NullCalibrator
from gazetype.calibration.corrector import Corrector

__all__ = ["Calibrator", "NullCalibrator", "Corrector", "AutoCalibrator", "AutocalConfig", "make_calibrator"]


def make_calibrator(screen, enabled: bool = True):
    """The autocalibrator the app uses for `screen` (NullCalibrator when disabled)."""
    if not enabled:
        return NullCalibrator()
    return AutoCalibrator(screen)
