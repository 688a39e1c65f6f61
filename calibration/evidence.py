"""Evidence of the tracker offset: what one fixation on known text says about it.

An observation does not give one offset but a range of offsets the model cannot tell
apart, plus noise around that range:

- `z*_px`: the middle of the range, reported fixation minus target (px);
- `half*_px`: the half-width of the range. It holds what differs between people and
  is not known for this one: how far saccades undershoot (0 to 12 % of the saccade,
  along it), where in a word the eyes land (0.3 to 0.6 of its width), whether a
  glance went to the new letter or to its word. Any offset inside is equally likely;
- `sd*_px`: noise beyond the range (tracker noise, fixation scatter), px.

- `v*_px`: the saccade that brought the eyes there, landing minus launch (reported
  px, in which the offset cancels; 0 when the launch is unknown). Saccades land short
  of where they aim by a fraction u of their length (Becker 1989: 5 to 10 %; 0 to 12 %
  between people, some correcting with a second saccade): the aim is the landing plus
  u / (1 - u) of this vector. u is one number per person: the estimator weighs the
  hypotheses for it together (it is identified when saccades come from several
  directions) instead of assuming one.

An axis with an infinite half-width says nothing on that axis (e.g. the x of a
fixation on a line whose words are ambiguous).
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Evidence:
    t_s: float
    zx_px: float
    zy_px: float
    halfx_px: float
    halfy_px: float
    sdx_px: float
    sdy_px: float
    vx_px: float = 0.0
    vy_px: float = 0.0
    kind: str = ""  # where it came from: "glance-char", "glance-word", "read", ...
    group: int = -1  # observations of one aligned reading episode share a group id
    sources: int = 1  # independent sources it stands for (an x fit over several lines: one per line)
    weight: float = 1.0  # fixations it stands for (a line of reading summarised by its median)

    @property
    def has_x(self) -> bool:
        return math.isfinite(self.halfx_px)

    @property
    def has_y(self) -> bool:
        return math.isfinite(self.halfy_px)

    def valid(self) -> bool:
        """Finite, and within a screen's reach (px): anything else is a broken input."""
        big = 1e5
        return (abs(self.zx_px) < big and abs(self.zy_px) < big and abs(self.vx_px) < big and abs(self.vy_px) < big
                and 1e-3 <= self.sdx_px < big and 1e-3 <= self.sdy_px < big
                and self.halfx_px >= 0 and self.halfy_px >= 0)
