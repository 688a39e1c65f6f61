"""The offset estimator: a robust, gated random-walk Kalman filter per axis.

Input is `Evidence`: one fixation on known text gives an observed offset
z = fixation - target (px) with a standard deviation per axis (how big the target
is, where eyes land in it, tracker noise). The state is the offset (dx, dy) px with
a variance per axis; it is a random walk, so the variance grows with time
(`process_sd_deg` per sqrt(s)) and slow drift is followed.

Robustness, in order:
- Start: nothing is estimated until `min_agree` observations, from at least
  `min_groups` independent sources (an aligned reading chunk is one source, each
  glance another), agree with each other (each within `agree_sigma` of their
  median); the start is their weighted mean. One stray observation, or one
  misaligned chunk, therefore never moves the estimate.
- Gating: an observation whose innovation is beyond `gate_sigma` (Mahalanobis,
  2 axes) is rejected; inside the gate a Huber weight (`huber_k`) caps its pull.
- Tentative observations (a glance that may have read another word) never update
  the estimate; outside the gate they count as votes for a jump like rejected ones.
- Jumps (the user bumped the tracker): rejected observations are kept for
  `jump_window_s`; when they agree by the same rule, and their sources outnumber
  the sources accepted meanwhile, the filter restarts from them.
- Moderate steps inside the gate: a run of same-signed innovations (EWMA of the
  normalised innovation beyond `bias_trigger`) inflates the variance, so the
  filter re-converges in a few observations instead of a slow exponential.

The estimate is "ready" (worth applying) once started, with at least
`min_evidence` observations and an SD under `publish_sd_deg`; what is applied is
`correction`, the estimate shrunk towards zero by its uncertainty.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from gazetype.tracker.screen import Screen


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation of the offset at `t_s`: z = reported fixation - target, px,
    with its SD per axis (px). `kind` says where it came from (for logs/tests)."""

    t_s: float
    zx_px: float
    zy_px: float
    sdx_px: float
    sdy_px: float
    kind: str = ""
    group: int = -1  # observations from one alignment share a group (they are not independent)
    tentative: bool = False  # only a vote for a jump: never updates the estimate directly


@dataclass(frozen=True, slots=True)
class EstimatorConfig:
    prior_sd_deg: float = 1.5  # how far off a tracker may be before any evidence
    process_sd_deg: float = 0.05  # drift: SD growth per sqrt(second)
    gate_sigma: float = 3.5  # reject innovations beyond this (Mahalanobis, 2 axes)
    huber_k: float = 2.0  # inside the gate, down-weight beyond this many SD
    min_agree: int = 3  # observations that must agree to start or to restart after a jump
    min_groups: int = 2  # ... coming from at least this many independent sources
    agree_sigma: float = 2.0  # per axis, around their median
    jump_window_s: float = 20.0  # how long rejected observations are kept
    min_evidence: int = 4  # observations before anything is applied
    publish_sd_deg: float = 0.5  # SD (RMS of the axes) under which the estimate is applied
    bias_alpha: float = 0.3  # EWMA weight of the normalised innovation
    bias_trigger: float = 1.0  # |EWMA| beyond this: a step inside the gate, re-open the variance
    min_sd_deg: float = 0.02  # floor, so the filter never stops listening
    shrink: float = 2.0  # see `correction`


class OffsetEstimator:
    """See the module doc. `add(ev)` returns True when the estimate changed."""

    def __init__(self, screen: Screen | None = None, config: EstimatorConfig | None = None) -> None:
        self.config = cfg = config or EstimatorConfig()
        ppd = (screen or Screen()).px_per_deg
        self.ppd = ppd
        self._prior_var = (cfg.prior_sd_deg * ppd) ** 2
        self._q = (cfg.process_sd_deg * ppd) ** 2  # px^2 per s
        self._min_var = (cfg.min_sd_deg * ppd) ** 2
        self._publish_sd = cfg.publish_sd_deg * ppd
        self.reset()

    def reset(self) -> None:
        self.started = False
        self.mx = self.my = 0.0
        self.px = self.py = self._prior_var
        self.t_s: float | None = None
        self.n = 0  # observations accepted since the (re)start
        self.n_rejected = 0
        self.restarts = 0
        self._pool: list[tuple[Evidence, int]] = []  # candidates: (evidence, accepted sources then)
        self._accepted = 0  # sources (groups) accepted in total (for the jump rule)
        self._last_group: int | None = None
        self._bx = self._by = 0.0  # EWMA of normalised innovations

    # -- state ---------------------------------------------------------------------
    @property
    def offset(self) -> tuple[float, float]:
        return (self.mx, self.my)

    @property
    def correction(self) -> tuple[float, float]:
        """The offset to apply: the estimate shrunk towards zero by its uncertainty,
        by the factor max(0, 1 - shrink * (var_x + var_y) / |estimate|^2). An estimate
        within about sqrt(2 * shrink) SD of zero (not significant) applies nothing;
        a large, certain one applies almost all of itself. This keeps noise from
        becoming a false correction when there is no offset."""
        m2 = self.mx * self.mx + self.my * self.my
        if m2 <= 0.0:
            return (0.0, 0.0)
        f = 1.0 - self.config.shrink * (self.px + self.py) / m2
        if f <= 0.0:
            return (0.0, 0.0)
        return (self.mx * f, self.my * f)

    @property
    def sd_px(self) -> float:
        """Uncertainty: RMS over the two axes of the SD of the estimate, px."""
        return math.sqrt(0.5 * (self.px + self.py))

    @property
    def ready(self) -> bool:
        return self.started and self.n >= self.config.min_evidence and self.sd_px <= self._publish_sd

    def predict(self, t_s: float) -> None:
        """Advance the random walk to `t_s` (variance grows, capped at the prior)."""
        if self.t_s is not None and t_s > self.t_s:
            grow = self._q * (t_s - self.t_s)
            self.px = min(self.px + grow, self._prior_var)
            self.py = min(self.py + grow, self._prior_var)
        if self.t_s is None or t_s > self.t_s:
            self.t_s = t_s

    def variance_at(self, t_s: float) -> tuple[float, float]:
        """The variances (px^2) the estimate would have at `t_s`, without changing it."""
        dt = t_s - self.t_s if self.t_s is not None and t_s > self.t_s else 0.0
        g = self._q * dt
        return min(self.px + g, self._prior_var), min(self.py + g, self._prior_var)

    # -- update --------------------------------------------------------------------
    def add(self, ev: Evidence) -> bool:
        if not (math.isfinite(ev.zx_px) and math.isfinite(ev.zy_px)
                and ev.sdx_px > 0 and ev.sdy_px > 0):
            return False
        self.predict(ev.t_s)
        if not self.started:
            if ev.tentative:
                return False
            self._pool_add(ev)
            return self._try_restart(ev.t_s)
        rx, ry = ev.sdx_px ** 2, ev.sdy_px ** 2
        nx, ny = ev.zx_px - self.mx, ev.zy_px - self.my
        sx, sy = self.px + rx, self.py + ry
        d2 = nx * nx / sx + ny * ny / sy
        g = self.config.gate_sigma
        if ev.tentative and d2 <= g * g:
            return False
        if d2 > g * g:
            self.n_rejected += 1
            self._pool_add(ev)
            return self._try_restart(ev.t_s)
        d = math.sqrt(d2)
        k = self.config.huber_k
        w = 1.0 if d <= k else k / d
        self._kalman(nx, ny, rx / w, ry / w)
        self.n += 1
        if ev.group < 0 or ev.group != self._last_group:
            self._accepted += 1
            self._last_group = ev.group
        self._watch_bias(nx / math.sqrt(sx), ny / math.sqrt(sy))
        return True

    def _kalman(self, nx: float, ny: float, rx: float, ry: float) -> None:
        kx = self.px / (self.px + rx)
        ky = self.py / (self.py + ry)
        self.mx += kx * nx
        self.my += ky * ny
        self.px = max((1.0 - kx) * self.px, self._min_var)
        self.py = max((1.0 - ky) * self.py, self._min_var)

    def _watch_bias(self, ex: float, ey: float) -> None:
        a = self.config.bias_alpha
        self._bx = (1 - a) * self._bx + a * ex
        self._by = (1 - a) * self._by + a * ey
        trig = self.config.bias_trigger
        # A persistent one-sided innovation means the offset moved: let it move fast.
        if abs(self._bx) > trig:
            self.px = min(self.px * (5.0 + self._bx * self._bx), self._prior_var)
            self._bx = 0.0
        if abs(self._by) > trig:
            self.py = min(self.py * (5.0 + self._by * self._by), self._prior_var)
            self._by = 0.0

    # -- start / restart -----------------------------------------------------------
    def _pool_add(self, ev: Evidence) -> None:
        pool = self._pool
        pool.append((ev, self._accepted))
        horizon = ev.t_s - self.config.jump_window_s
        while pool and pool[0][0].t_s < horizon:
            pool.pop(0)
        if len(pool) > 12:
            pool.pop(0)

    def _try_restart(self, t_s: float) -> bool:
        cfg = self.config
        pool = self._pool
        if len(pool) < cfg.min_agree:
            return False
        evs = [e for e, _ in pool]
        agree = _agreeing(evs, cfg.agree_sigma)
        if len(agree) < cfg.min_agree:
            return False
        groups = len({evs[i].group if evs[i].group >= 0 else -1 - i for i in agree})
        if groups < cfg.min_groups:
            return False
        if self.started:
            # Only a jump if these outnumber what was accepted since the first of them.
            first = min(i for i in agree)
            accepted_since = self._accepted - pool[first][1]
            if accepted_since >= groups:
                return False
        wx = sum(1.0 / evs[i].sdx_px ** 2 for i in agree)
        wy = sum(1.0 / evs[i].sdy_px ** 2 for i in agree)
        self.mx = sum(evs[i].zx_px / evs[i].sdx_px ** 2 for i in agree) / wx
        self.my = sum(evs[i].zy_px / evs[i].sdy_px ** 2 for i in agree) / wy
        self.px = min(max(1.0 / wx, self._min_var), self._prior_var)
        self.py = min(max(1.0 / wy, self._min_var), self._prior_var)
        if self.started:
            self.restarts += 1
        self.started = True
        self.n = len(agree)
        self._bx = self._by = 0.0
        self._pool = []
        self._last_group = None
        self.t_s = t_s
        return True


def _median(v: list[float]) -> float:
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def _agreeing(evs: list[Evidence], sigma: float) -> list[int]:
    """Indices of the observations within `sigma` SD (per axis) of the median,
    favouring the recent ones: the median is taken over the latest half when the
    whole set does not agree (after a jump the old candidates are stale)."""
    best: list[int] = []
    for start in range(0, max(1, len(evs) - 2)):
        sub = range(start, len(evs))
        mx = _median([evs[i].zx_px for i in sub])
        my = _median([evs[i].zy_px for i in sub])
        ok = [i for i in sub if abs(evs[i].zx_px - mx) <= sigma * evs[i].sdx_px
              and abs(evs[i].zy_px - my) <= sigma * evs[i].sdy_px]
        if len(ok) > len(best):
            best = ok
        if len(best) >= len(evs) - start:
            break
    return best
