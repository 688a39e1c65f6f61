"""Online fixation detection (dispersion based, thresholds in degrees).

`FixationDetector.add(t_s, x_px, y_px, valid)` is called for every reported sample
and returns a `Fixation` when one ends (None otherwise). A fixation is a run of
valid samples that stay within `radius_deg` of their running centroid for at least
`min_duration_s`. It ends when gaze has moved: two consecutive samples outside the
radius that agree with each other (a single stray sample is noise and is dropped,
so one spike does not split a fixation), or when data is missing for longer than
`max_gap_s` (a blink inside a fixation does not split it).

Everything is plain floats and running sums: this runs once per sample on the
hot path, at any rate from 30 to 1200 Hz.
"""
from __future__ import annotations

from dataclasses import dataclass

from gazetype.tracker.screen import Screen


@dataclass(frozen=True, slots=True)
class Fixation:
    """A fixation: mean reported position (px) of `n` samples from `t_start_s` to
    `t_end_s` (times of its first and last sample, s)."""

    t_start_s: float
    t_end_s: float
    x_px: float
    y_px: float
    n: int

    @property
    def duration_s(self) -> float:
        return self.t_end_s - self.t_start_s


@dataclass(frozen=True, slots=True)
class FixationConfig:
    radius_deg: float = 1.0  # max distance of a sample from the running centroid
    min_duration_s: float = 0.08  # shorter runs are saccade debris, not fixations
    max_gap_s: float = 0.25  # invalid data longer than this ends a fixation (blink ~150 ms)


class FixationDetector:
    """Dispersion-based online fixation detector. See the module doc."""

    __slots__ = ("r2", "min_duration_s", "max_gap_s", "_n", "_sx", "_sy", "_cx", "_cy",
                 "_t0", "_t1", "_px", "_py", "_pt", "_pending", "on_fixation")

    def __init__(self, screen: Screen | None = None, config: FixationConfig | None = None) -> None:
        cfg = config or FixationConfig()
        ppd = (screen or Screen()).px_per_deg
        r = cfg.radius_deg * ppd
        self.r2 = r * r
        self.min_duration_s = cfg.min_duration_s
        self.max_gap_s = cfg.max_gap_s
        self._n = 0  # samples in the current fixation (0: none)
        self._sx = self._sy = 0.0
        self._cx = self._cy = 0.0
        self._t0 = self._t1 = 0.0
        self._pending = False  # one sample outside the radius, waiting for confirmation
        self._px = self._py = self._pt = 0.0
        # For `update`: called with (fixation, t_s of the sample that ended it).
        self.on_fixation = lambda f, t_s: None

    @property
    def current(self) -> Fixation | None:
        """The fixation in progress (may still be shorter than the minimum)."""
        if self._n == 0:
            return None
        return Fixation(self._t0, self._t1, self._cx, self._cy, self._n)

    def update(self, s):
        """Feed one `GazeSample`; when it ends a fixation, returns what
        `on_fixation(fixation, s.t_s)` returns, else None. (The common case, a sample
        inside the current fixation, is handled here without further calls.)"""
        n = self._n
        if n and s.valid:
            x, y, t = s.x_px, s.y_px, s.t_s
            dx = x - self._cx
            dy = y - self._cy
            if dx * dx + dy * dy <= self.r2 and t - self._t1 <= self.max_gap_s:
                self._pending = False
                n += 1
                self._n = n
                self._sx += x
                self._sy += y
                self._cx = self._sx / n
                self._cy = self._sy / n
                self._t1 = t
                return None
        f = self.add(s.t_s, s.x_px, s.y_px, s.valid)
        return None if f is None else self.on_fixation(f, s.t_s)

    def add(self, t_s: float, x_px: float, y_px: float, valid: bool) -> Fixation | None:
        """Feed one sample; returns the fixation that this sample ended, if any."""
        n = self._n
        if not valid or x_px != x_px or y_px != y_px:  # NaN-safe without a call
            if n and t_s - self._t1 > self.max_gap_s:
                self._pending = False
                return self._close()
            return None
        if n:
            if t_s - self._t1 > self.max_gap_s:
                # Data came back after a long gap: whatever was before has ended.
                out = self._close()
                self._start(t_s, x_px, y_px)
                return out
            dx = x_px - self._cx
            dy = y_px - self._cy
            if dx * dx + dy * dy <= self.r2:
                self._pending = False
                n += 1
                self._n = n
                self._sx += x_px
                self._sy += y_px
                self._cx = self._sx / n
                self._cy = self._sy / n
                self._t1 = t_s
                return None
            if self._pending:
                ex = x_px - self._px
                ey = y_px - self._py
                if ex * ex + ey * ey <= self.r2:
                    # Two agreeing samples away from the fixation: gaze has moved.
                    out = self._close()
                    self._start(self._pt, self._px, self._py)
                    self._add_point(t_s, x_px, y_px)
                    return out
            # First sample away (or still in flight during a saccade): wait and see.
            self._pending = True
            self._px, self._py, self._pt = x_px, y_px, t_s
            return None
        self._start(t_s, x_px, y_px)
        return None

    def flush(self) -> Fixation | None:
        """End the fixation in progress (end of data)."""
        self._pending = False
        return self._close() if self._n else None

    def _start(self, t_s: float, x_px: float, y_px: float) -> None:
        self._n = 1
        self._sx, self._sy = x_px, y_px
        self._cx, self._cy = x_px, y_px
        self._t0 = self._t1 = t_s
        self._pending = False

    def _add_point(self, t_s: float, x_px: float, y_px: float) -> None:
        n = self._n + 1
        self._n = n
        self._sx += x_px
        self._sy += y_px
        self._cx = self._sx / n
        self._cy = self._sy / n
        self._t1 = t_s

    def _close(self) -> Fixation | None:
        n = self._n
        self._n = 0
        if n < 2 or self._t1 - self._t0 < self.min_duration_s:
            return None
        return Fixation(self._t0, self._t1, self._cx, self._cy, n)
