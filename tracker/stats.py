"""Running stream statistics for the status line: sample rate and data loss."""
from __future__ import annotations

from collections import deque

from gazetype.tracker.sample import GazeSample


class StreamStats:
    """Sample rate (Hz) and invalid fraction over the last `window_s` seconds (of the
    samples' own times; at most `max_samples` of them, for time stamps that stall or
    jump back: a tracker's clock restarting must not make the window grow for hours)."""

    def __init__(self, window_s: float = 2.0, max_samples: int = 10_000) -> None:
        self.window_s = window_s
        self.max_samples = max_samples  # 2 s at 5000 Hz
        self._times: deque[float] = deque()
        self._valid: deque[bool] = deque()
        self._n_invalid = 0
        self.total = 0
        self.total_valid = 0

    def add(self, s: GazeSample) -> None:
        self.total += 1
        self.total_valid += s.valid
        self._times.append(s.t_s)
        self._valid.append(s.valid)
        self._n_invalid += not s.valid
        cutoff = s.t_s - self.window_s
        while self._times and self._times[0] < cutoff:
            self._times.popleft()
            self._n_invalid -= not self._valid.popleft()
        if len(self._times) > self.max_samples:
            self._times.popleft()
            self._n_invalid -= not self._valid.popleft()

    @property
    def rate_hz(self) -> float:
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    @property
    def loss_fraction(self) -> float:
        return self._n_invalid / len(self._times) if self._times else 0.0
