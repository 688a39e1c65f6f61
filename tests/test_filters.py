"""Gaze smoothing: less jitter in a fixation, little lag on a saccade, reset on blinks."""
import random
import statistics

from gazetype.pipeline.smoothing import OneEuroFilter
from gazetype.tracker.sample import GazeSample


def test_one_euro_reduces_fixation_jitter_and_follows_saccades():
    rng = random.Random(0)
    f = OneEuroFilter()
    raw, out = [], []
    for i in range(600):  # 5 s fixation at 120 Hz with 6 px noise
        s = GazeSample(i / 120, 500 + rng.gauss(0, 6), 300 + rng.gauss(0, 6))
        raw.append(s.x_px)
        out.append(f(s).x_px)
    assert statistics.pstdev(out[60:]) < 0.5 * statistics.pstdev(raw[60:])
    # a 400 px saccade: within 100 ms the filtered gaze is most of the way there
    t = 600 / 120
    for i in range(12):
        y = f(GazeSample(t + i / 120, 900 + rng.gauss(0, 6), 300)).x_px
    assert y > 800


def test_one_euro_passes_invalid_samples_and_restarts_after_them():
    f = OneEuroFilter()
    for i in range(100):
        f(GazeSample(i / 60, 100.0, 100.0))
    bad = f(GazeSample.invalid(2.0))
    assert not bad.valid
    after = f(GazeSample(2.1, 800.0, 600.0))
    assert (after.x_px, after.y_px) == (800.0, 600.0)  # no drag from before the blink
