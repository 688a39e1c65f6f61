"""Time convention: seconds (float) on a monotonic clock.

`now_s` is the same clock as `pylsl.local_clock()` on Linux (CLOCK_MONOTONIC), so
LSL timestamps and our own can be compared without conversion. Core logic never
reads the clock itself: it takes `t_s` from the samples it is given.
"""
from __future__ import annotations

import time

now_s = time.monotonic


class ManualClock:
    """A clock you advance by hand, for simulation and tests."""

    def __init__(self, t_s: float = 0.0) -> None:
        self.t_s = float(t_s)

    def __call__(self) -> float:
        return self.t_s

    def advance(self, dt_s: float) -> float:
        self.t_s += dt_s
        return self.t_s


def clock_offset_s(ref, other, tries: int = 7) -> float:
    """`ref() - other()` in seconds, from the tightest of `tries` bracketed readings.

    Used at the edge where a device or LSL clock meets ours (on Linux both are
    CLOCK_MONOTONIC and this comes out at a few microseconds).
    """
    best = None
    for _ in range(max(1, tries)):
        a = ref()
        o = other()
        b = ref()
        if best is None or b - a < best[0]:
            best = (b - a, 0.5 * (a + b) - o)
    return best[1]
