"""Validation: how far the tracker's gaze is from targets the person looks at, as the
vendor tools and lab toolboxes measure it (Tobii's and EyeLink's validation, Titta,
PsychoPy iohub). Headless and clock-free: `ValidationSession.update(sample)` takes
samples with their own times, `tick(t_s)` moves time on without one, `view(t_s)` says
what to draw; the Qt screen (`app/qt/validation_screen.py`), the study runner and the
tests drive the same object.

Per target, in order: the target glides from the previous one (`move_s`), then stays
for `dwell_s`; it shrinks from `radius_px` to `dot_px` over the first `shrink_s` of the
dwell (drawing the eye to its centre), and the samples of the first `discard_s` of the
dwell are thrown away (the saccade there and its settling). The rest is the target's
collect window.

Statistics (degrees through the one conversion, `Screen.px_to_deg`; offsets are
reported minus true, in px, as everywhere in gazetype):

- `offset_dx_px`, `offset_dy_px`: mean valid gaze minus the target;
- `accuracy_deg`: the angle of that mean offset (accuracy as the offset of the mean
  gaze position; `mean_error_deg` is the mean of each sample's angular distance, the
  per-sample form some vendor tools report, which noise inflates);
- `rms_s2s_deg`: root mean square of the angular distances between consecutive valid
  samples (pairs across an invalid sample are not used); `sd_deg`: sqrt(SDx² + SDy²);
- `data_loss_pct`: invalid samples of the collect window (blinks, NaN, infinities,
  gaze off the screen) as a percentage of all its samples (100 when none arrived).

Overall values are the means over targets that have them (data loss: over all samples).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import Enum

from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

RESULT_FORMAT = "gazetype-validation"
RESULT_VERSION = 1


class ValidationError(ValueError):
    """A validation that cannot be set up (bad target count, timing or screen)."""


@dataclass(frozen=True, slots=True)
class ValidationConfig:
    """Targets and timing. Margins: px from the screen edges to the outer targets
    (None: 10 % of the screen's width and height)."""

    n_targets: int = 9  # 5 (centre and four corners) or 9 (a 3 x 3 grid)
    dwell_s: float = 1.5  # a target stays this long at its place
    discard_s: float = 0.5  # samples of the first part of the dwell are not used
    move_s: float = 0.3  # the target glides from the previous place
    shrink_s: float = 0.5  # the target shrinks over the first part of the dwell
    radius_px: float = 30.0  # target radius when it appears ...
    dot_px: float = 5.0  # ... and at the end of the shrink
    margin_px: float | None = None

    def __post_init__(self) -> None:
        if self.n_targets not in (5, 9):
            raise ValidationError(f"validation targets must be 5 or 9, not {self.n_targets}")
        for name in ("dwell_s", "discard_s", "move_s", "shrink_s", "radius_px", "dot_px"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise ValidationError(f"validation {name} must be a number >= 0, not {v!r}")
        if not self.dwell_s > self.discard_s:
            raise ValidationError(f"the dwell per target ({self.dwell_s * 1000:g} ms) must be longer than the "
                                  f"discarded start ({self.discard_s * 1000:g} ms)")
        if self.margin_px is not None and not (math.isfinite(self.margin_px) and self.margin_px >= 0):
            raise ValidationError(f"validation margin must be >= 0 px, not {self.margin_px!r}")

    @property
    def target_s(self) -> float:
        return self.move_s + self.dwell_s

    @property
    def total_s(self) -> float:
        return self.n_targets * self.target_s


def target_positions(screen: Screen, n_targets: int = 9, margin_px: float | None = None) -> list[tuple[float, float]]:
    """Target centres in px: the centre first, then the others row by row (9: a 3 x 3
    grid; 5: the centre and the four corners), `margin_px` from the edges (None: 10 %
    of the width and of the height)."""
    if n_targets not in (5, 9):
        raise ValidationError(f"validation targets must be 5 or 9, not {n_targets}")
    w, h = float(screen.width_px), float(screen.height_px)
    mx, my = (0.1 * w, 0.1 * h) if margin_px is None else (float(margin_px), float(margin_px))
    if not (2 * mx < w and 2 * my < h):
        raise ValidationError(f"a margin of {margin_px} px leaves no room on a {screen.width_px}x{screen.height_px} "
                              "screen")
    xs, ys = (mx, w / 2, w - mx), (my, h / 2, h - my)
    centre = (xs[1], ys[1])
    if n_targets == 9:
        rest = [(x, y) for y in ys for x in xs if (x, y) != centre]
    else:
        rest = [(xs[0], ys[0]), (xs[2], ys[0]), (xs[0], ys[2]), (xs[2], ys[2])]
    return [centre, *rest]


# -- statistics ---------------------------------------------------------------------------

def _mean(v: list[float]) -> float | None:
    return math.fsum(v) / len(v) if v else None


@dataclass(frozen=True, slots=True)
class TargetResult:
    index: int
    x_px: float
    y_px: float
    n_samples: int  # in the collect window
    n_valid: int
    offset_dx_px: float | None  # mean reported gaze minus the target
    offset_dy_px: float | None
    accuracy_deg: float | None  # angle of the mean offset
    mean_error_deg: float | None  # mean angle of each sample from the target
    rms_s2s_deg: float | None
    sd_deg: float | None
    data_loss_pct: float


def target_stats(index: int, target: tuple[float, float], samples: list[GazeSample], screen: Screen) -> TargetResult:
    """The statistics of one target's collect window (`samples` in time order)."""
    tx, ty = target
    ok = [s.valid and math.isfinite(s.x_px) and math.isfinite(s.y_px) and screen.contains(s.x_px, s.y_px)
          for s in samples]
    valid = [s for s, g in zip(samples, ok) if g]
    n, nv = len(samples), len(valid)
    loss = 100.0 if n == 0 else 100.0 * (n - nv) / n
    if nv == 0:
        return TargetResult(index, tx, ty, n, 0, None, None, None, None, None, None, loss)
    deg = screen.px_to_deg
    mx = math.fsum(s.x_px for s in valid) / nv
    my = math.fsum(s.y_px for s in valid) / nv
    dx, dy = mx - tx, my - ty
    acc = deg(math.hypot(dx, dy))
    mean_err = deg(math.fsum(math.hypot(s.x_px - tx, s.y_px - ty) for s in valid) / nv)
    s2s = [math.hypot(b.x_px - a.x_px, b.y_px - a.y_px) ** 2
           for a, b, ga, gb in zip(samples, samples[1:], ok, ok[1:]) if ga and gb]
    rms = deg(math.sqrt(math.fsum(s2s) / len(s2s))) if s2s else None
    sd = None
    if nv >= 2:
        vx = math.fsum((s.x_px - mx) ** 2 for s in valid) / (nv - 1)
        vy = math.fsum((s.y_px - my) ** 2 for s in valid) / (nv - 1)
        sd = deg(math.sqrt(vx + vy))
    return TargetResult(index, tx, ty, n, nv, dx, dy, acc, mean_err, rms, sd, loss)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """A whole validation: per target and overall. Times on the session's clock."""

    targets: tuple[TargetResult, ...]
    screen: Screen
    config: ValidationConfig
    t_start_s: float
    t_end_s: float
    n_samples: int
    n_valid: int
    offset_dx_px: float | None
    offset_dy_px: float | None
    accuracy_deg: float | None
    mean_error_deg: float | None
    rms_s2s_deg: float | None
    sd_deg: float | None
    data_loss_pct: float
    tracker: str = ""

    @property
    def offset_deg(self) -> float | None:
        """The angle of the overall mean offset vector."""
        if self.offset_dx_px is None:
            return None
        return self.screen.px_to_deg(math.hypot(self.offset_dx_px, self.offset_dy_px))

    def to_dict(self) -> dict:
        cfg = asdict(self.config)
        cfg["dwell_ms"] = round(cfg.pop("dwell_s") * 1000, 3)
        return {"format": RESULT_FORMAT, "version": RESULT_VERSION, "tracker": self.tracker,
                "screen": self.screen.to_dict(), "px_per_deg": round(self.screen.px_per_deg, 4), "config": cfg,
                "t_start_s": self.t_start_s, "t_end_s": self.t_end_s,
                "overall": {k: getattr(self, k) for k in _OVERALL},
                "targets": [asdict(t) for t in self.targets]}

    def to_json(self) -> str:
        return json.dumps(_finite(self.to_dict()), indent=2) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> "ValidationResult":
        cfg = dict(d["config"])
        cfg["dwell_s"] = cfg.pop("dwell_ms") / 1000.0
        return cls(tuple(TargetResult(**t) for t in d["targets"]), Screen.from_dict(d["screen"]),
                   ValidationConfig(**cfg), d["t_start_s"], d["t_end_s"],
                   **{k: d["overall"][k] for k in _OVERALL}, tracker=d.get("tracker", ""))


_OVERALL = ("n_samples", "n_valid", "offset_dx_px", "offset_dy_px", "accuracy_deg", "mean_error_deg",
            "rms_s2s_deg", "sd_deg", "data_loss_pct")


def _finite(v):
    """JSON has no NaN: None for it (statistics never produce one; this is a guard)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def summarise(targets: list[TargetResult], screen: Screen, config: ValidationConfig, t_start_s: float,
              t_end_s: float, tracker: str = "") -> ValidationResult:
    n = sum(t.n_samples for t in targets)
    nv = sum(t.n_valid for t in targets)
    have = [t for t in targets if t.accuracy_deg is not None]
    return ValidationResult(
        tuple(targets), screen, config, t_start_s, t_end_s, n, nv,
        _mean([t.offset_dx_px for t in have]), _mean([t.offset_dy_px for t in have]),
        _mean([t.accuracy_deg for t in have]), _mean([t.mean_error_deg for t in have]),
        _mean([t.rms_s2s_deg for t in targets if t.rms_s2s_deg is not None]),
        _mean([t.sd_deg for t in targets if t.sd_deg is not None]),
        100.0 if n == 0 else 100.0 * (n - nv) / n, tracker)


# -- the state machine ----------------------------------------------------------------------

class Stage(str, Enum):
    WAITING = "waiting"  # not started
    MOVE = "move"  # the target glides to its place
    DWELL = "dwell"  # at its place: shrinking, then collecting
    DONE = "done"


@dataclass(frozen=True, slots=True)
class ValidationView:
    """What to draw at a moment."""

    stage: Stage
    index: int  # current target (0-based); n_targets when done
    n_targets: int
    x_px: float
    y_px: float
    radius_px: float
    collecting: bool
    progress: float  # 0..1 over the whole validation


@dataclass(frozen=True, slots=True)
class TargetShown:
    t_s: float
    index: int
    x_px: float
    y_px: float


@dataclass(frozen=True, slots=True)
class TargetDone:
    t_s: float
    result: TargetResult


@dataclass(frozen=True, slots=True)
class ValidationDone:
    t_s: float
    result: ValidationResult


Event = TargetShown | TargetDone | ValidationDone


@dataclass
class ValidationSession:
    """One validation run. `start(t_s)` (or the first `update`/`tick`) starts it; the
    result is in `result` once `done`."""

    screen: Screen
    config: ValidationConfig = field(default_factory=ValidationConfig)
    tracker: str = ""

    def __post_init__(self) -> None:
        self.targets = target_positions(self.screen, self.config.n_targets, self.config.margin_px)
        self.t0_s: float | None = None
        self._i = -1  # target whose TargetShown was emitted
        self._window: list[GazeSample] = []
        self._done: list[TargetResult] = []
        self.result: ValidationResult | None = None
        self.samples = 0  # all samples seen

    @property
    def done(self) -> bool:
        return self.result is not None

    @property
    def started(self) -> bool:
        return self.t0_s is not None

    def start(self, t_s: float) -> list[Event]:
        if self.t0_s is None:
            self.t0_s = float(t_s)
        return self.tick(t_s)

    def _where(self, t_s: float) -> tuple[int, float]:
        """(target index, seconds since it began moving) at t_s."""
        rel = t_s - self.t0_s
        i = int(rel // self.config.target_s) if rel >= 0 else 0
        return i, rel - i * self.config.target_s

    def tick(self, t_s: float) -> list[Event]:
        """Move time on to `t_s`: finish targets whose time is over."""
        if self.t0_s is None:
            self.t0_s = float(t_s)
        if self.done or not math.isfinite(t_s):
            return []
        out: list[Event] = []
        cfg = self.config
        i, _ = self._where(t_s)
        while self._i < min(i, cfg.n_targets):
            if self._i >= 0:
                end_t = self.t0_s + (self._i + 1) * cfg.target_s
                res = target_stats(self._i, self.targets[self._i], self._window, self.screen)
                self._done.append(res)
                out.append(TargetDone(end_t, res))
                self._window = []
            self._i += 1
            if self._i < cfg.n_targets:
                x, y = self.targets[self._i]
                out.append(TargetShown(self.t0_s + self._i * cfg.target_s, self._i, x, y))
        if i >= cfg.n_targets and self.result is None:
            t_end = self.t0_s + cfg.total_s
            self.result = summarise(self._done, self.screen, cfg, self.t0_s, t_end, self.tracker)
            out.append(ValidationDone(t_end, self.result))
        return out

    def update(self, s: GazeSample) -> list[Event]:
        """One sample (any: invalid, NaN, off the screen, out of order)."""
        t = s.t_s
        if not isinstance(t, (int, float)) or not math.isfinite(t):
            return []
        out = self.tick(t)
        if self.done or t < self.t0_s:
            return out
        self.samples += 1
        i, rel = self._where(t)
        if i == self._i and rel >= self.config.move_s + self.config.discard_s:
            self._window.append(s)
        return out

    def view(self, t_s: float) -> ValidationView:
        cfg = self.config
        n = cfg.n_targets
        if self.t0_s is None:
            x, y = self.targets[0]
            return ValidationView(Stage.WAITING, 0, n, x, y, cfg.radius_px, False, 0.0)
        i, rel = self._where(t_s)
        if i >= n or self.done:
            x, y = self.targets[-1]
            return ValidationView(Stage.DONE, n, n, x, y, cfg.dot_px, False, 1.0)
        x, y = self.targets[i]
        progress = min(max((t_s - self.t0_s) / cfg.total_s, 0.0), 1.0)
        if rel < cfg.move_s:
            px, py = self.targets[i - 1] if i > 0 else (x, y)
            f = 0.5 - 0.5 * math.cos(math.pi * rel / cfg.move_s)
            return ValidationView(Stage.MOVE, i, n, px + f * (x - px), py + f * (y - py), cfg.radius_px, False,
                                  progress)
        d = rel - cfg.move_s
        f = 1.0 if cfg.shrink_s <= 0 else min(d / cfg.shrink_s, 1.0)
        r = cfg.radius_px + f * (cfg.dot_px - cfg.radius_px)
        return ValidationView(Stage.DWELL, i, n, x, y, r, d >= cfg.discard_s, progress)


def format_table(res: ValidationResult) -> str:
    """Per target and overall, as a text table."""
    def f(v, nd=2):
        return "-" if v is None else f"{v:.{nd}f}"
    rows = [["target", "x_px", "y_px", "accuracy_deg", "offset_px", "rms_s2s_deg", "sd_deg", "loss_%", "n"]]
    for t in res.targets:
        off = "-" if t.offset_dx_px is None else f"{t.offset_dx_px:+.1f},{t.offset_dy_px:+.1f}"
        rows.append([str(t.index + 1), f"{t.x_px:.0f}", f"{t.y_px:.0f}", f(t.accuracy_deg), off,
                     f(t.rms_s2s_deg, 3), f(t.sd_deg, 3), f"{t.data_loss_pct:.1f}", str(t.n_samples)])
    off = "-" if res.offset_dx_px is None else f"{res.offset_dx_px:+.1f},{res.offset_dy_px:+.1f}"
    rows.append(["all", "", "", f(res.accuracy_deg), off, f(res.rms_s2s_deg, 3), f(res.sd_deg, 3),
                 f"{res.data_loss_pct:.1f}", str(res.n_samples)])
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.rjust(w[i]) for i, c in enumerate(r)).rstrip() for r in rows)
