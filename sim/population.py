"""A population of simulated typists for the autocalibration benchmark.

Written apart from the project's own simulated person (`sim.gaze`, `sim.person`,
`sim.typists`, `sim.reader`), so that a calibrator tuned to that person's habits
(e.g. its 7 % saccadic undershoot) is tested on people who do not share them.

`PersonSpec` holds every parameter of one person (units in the names);
`draw_people(n, seed)` draws people from wide ranges (`RANGES` and the shares
below); `zero_offset(spec)` is the same person on a tracker without error;
`offset_at(spec, t_s)` the tracker's offset (reported minus true gaze, px) at t_s.

Offsets: `offset0_px` is the offset at the start, `offset_px` the offset from
`offset_t_s` on. "const": offset_px all the time; "drift": a linear ramp from
offset0_px to offset_px over [0, offset_t_s]; "jump": offset0_px, then offset_px
from offset_t_s; "none": zero.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from gazetype.tracker.screen import Screen

# Continuous ranges (low, high) the population is drawn from.
RANGES: dict[str, tuple[float, float]] = {
    "undershoot_frac": (0.0, 0.12),
    "undershoot_sd_frac": (0.01, 0.05),
    "corrective_latency_s": (0.15, 0.25),
    "noise_deg": (0.1, 0.5),
    "loss_p": (0.0, 0.03),
    "blink_per_s": (0.05, 0.4),
    "glance_p": (0.3, 1.0),
    "landing_frac": (0.3, 0.6),
    "regression_p": (0.0, 0.3),
    "slip_p": (0.0, 0.05),
    "slip_fix_p": (0.3, 1.0),
    "dwell_s": (0.6, 1.0),
    "reaction_s": (0.2, 0.4),
    "glance_fix_s": (0.18, 0.35),
    "offset_deg": (0.0, 3.0),
}
RATES_HZ: tuple[float, ...] = (30.0, 60.0, 120.0, 250.0, 300.0, 500.0, 600.0, 1000.0, 1200.0)
GLANCE_TARGETS = ("letter", "word", "none")
GLANCE_WHENS = ("letter", "word")
OFFSET_KINDS = ("none", "const", "drift", "jump")
# Shares used by draw_people.
SHARE_NO_UNDERSHOOT = 0.25
SHARE_OFFSET_KIND = {"none": 0.15, "const": 0.45, "drift": 0.2, "jump": 0.2}
SHARE_GLANCE_TARGET = {"none": 0.2, "letter": 0.4, "word": 0.4}
SHARE_MULTILINE = 0.4


@dataclass(frozen=True)
class PersonSpec:
    seed: int = 0
    # eyes and tracker
    rate_hz: float = 120.0
    noise_deg: float = 0.2  # SD per axis of the reported position in a fixation
    loss_p: float = 0.0  # per-sample chance of a lost sample
    blink_per_s: float = 0.0
    undershoot_frac: float = 0.0  # mean saccadic undershoot, fraction of the amplitude
    undershoot_sd_frac: float = 0.02  # per-saccade scatter of it
    corrective: bool = False  # makes corrective saccades to the target
    corrective_latency_s: float = 0.2
    # typing
    dwell_s: float = 0.8
    reaction_s: float = 0.3  # time to notice which key lit up
    slip_p: float = 0.0  # chance per letter of hitting a neighbour instead
    slip_fix_p: float = 1.0  # chance a slip is corrected with backspace
    multiline: bool = False  # messages of 2-3 phrases without "done" in between
    # output gaze
    glance_target: str = "letter"  # "letter" | "word" | "none" (never looks at the output while typing)
    glance_when: str = "letter"  # after each "letter", or after each finished "word"
    glance_p: float = 0.8
    glance_fix_s: float = 0.25  # mean glance fixation
    landing_frac: float = 0.45  # where in a word the eyes aim, fraction of its width from the left
    proofread: bool = False  # reads each message word by word before "done"
    regression_p: float = 0.0  # chance of going back one word while proofreading
    # tracker offset (reported minus true gaze, px)
    offset_kind: str = "none"  # "none" | "const" | "drift" | "jump"
    offset_px: tuple[float, float] = (0.0, 0.0)
    offset0_px: tuple[float, float] = (0.0, 0.0)
    offset_t_s: float = 0.0

    def __post_init__(self) -> None:
        if self.glance_target not in GLANCE_TARGETS:
            raise ValueError(f"glance_target {self.glance_target!r}; one of {GLANCE_TARGETS}")
        if self.glance_when not in GLANCE_WHENS:
            raise ValueError(f"glance_when {self.glance_when!r}; one of {GLANCE_WHENS}")
        if self.offset_kind not in OFFSET_KINDS:
            raise ValueError(f"offset_kind {self.offset_kind!r}; one of {OFFSET_KINDS}")
        if not self.rate_hz > 0:
            raise ValueError("rate_hz must be positive")

    @property
    def looks_at_output(self) -> bool:
        """Gives the calibrator any output gaze at all (glances or proofreading)."""
        return self.proofread or (self.glance_target != "none" and self.glance_p > 0)

    @property
    def has_offset(self) -> bool:
        return self.offset_kind != "none" and any(v != 0.0 for v in self.offset_px + self.offset0_px)


def offset_at(spec: PersonSpec, t_s: float) -> tuple[float, float]:
    """The tracker's offset (reported minus true gaze, px) at t_s."""
    k = spec.offset_kind
    if k == "none":
        return 0.0, 0.0
    if k == "const":
        return spec.offset_px
    (ax, ay), (bx, by) = spec.offset0_px, spec.offset_px
    if k == "jump":
        return (bx, by) if t_s >= spec.offset_t_s else (ax, ay)
    f = 1.0 if spec.offset_t_s <= 0 else min(max(t_s / spec.offset_t_s, 0.0), 1.0)
    return ax + (bx - ax) * f, ay + (by - ay) * f


def zero_offset(spec: PersonSpec) -> PersonSpec:
    """The same person on a tracker with no offset at all."""
    return replace(spec, offset_kind="none", offset_px=(0.0, 0.0), offset0_px=(0.0, 0.0), offset_t_s=0.0)


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    r = rng.random()
    acc = 0.0
    for k, p in shares.items():
        acc += p
        if r < acc:
            return k
    return k


def _vec(rng: random.Random, lo_deg: float, hi_deg: float, ppd: float) -> tuple[float, float]:
    mag = rng.uniform(lo_deg, hi_deg) * ppd
    a = rng.uniform(0.0, 2.0 * math.pi)
    return mag * math.cos(a), mag * math.sin(a)


def draw_person(rng: random.Random, seed: int, screen: Screen | None = None,
                duration_s: float = 150.0, fixed: dict | None = None) -> PersonSpec:
    """One person from the population (`duration_s`: the session length, for drift and jump times).
    `fixed` gives some categorical choices instead of drawing them (keys as in `_balanced`)."""
    ppd = (screen or Screen()).px_per_deg
    u = lambda name: rng.uniform(*RANGES[name])  # noqa: E731
    fx = fixed or {}
    kind = fx["offset_kind"] if "offset_kind" in fx else _pick(rng, SHARE_OFFSET_KIND)
    lo, hi = RANGES["offset_deg"]
    off = off0 = (0.0, 0.0)
    t_off = 0.0
    if kind == "const":
        off = off0 = _vec(rng, lo, hi, ppd)
    elif kind == "drift":
        off0 = _vec(rng, 0.0, 0.5, ppd) if rng.random() < 0.5 else (0.0, 0.0)
        off = _vec(rng, 1.0, hi, ppd)
        t_off = rng.uniform(0.5, 1.0) * duration_s
    elif kind == "jump":
        off0 = _vec(rng, 0.0, 1.0, ppd) if rng.random() < 0.5 else (0.0, 0.0)
        off = _vec(rng, 1.0, hi, ppd)
        t_off = rng.uniform(0.25, 0.5) * duration_s
    no_undershoot = fx["no_undershoot"] if "no_undershoot" in fx else rng.random() < SHARE_NO_UNDERSHOOT
    undershoot = 0.0 if no_undershoot else u("undershoot_frac")
    proofread = fx["proofread"] if "proofread" in fx else rng.random() < 0.5
    pick = lambda name, draw: fx[name] if name in fx else draw()  # noqa: E731
    return PersonSpec(
        seed=seed,
        rate_hz=pick("rate_hz", lambda: rng.choice(RATES_HZ)),
        noise_deg=u("noise_deg"),
        loss_p=u("loss_p") if rng.random() < 0.5 else 0.0,
        blink_per_s=u("blink_per_s"),
        undershoot_frac=undershoot,
        undershoot_sd_frac=u("undershoot_sd_frac"),
        corrective=pick("corrective", lambda: rng.random() < 0.5),
        corrective_latency_s=u("corrective_latency_s"),
        dwell_s=u("dwell_s"),
        reaction_s=u("reaction_s"),
        slip_p=u("slip_p") if rng.random() < 0.5 else 0.0,
        slip_fix_p=u("slip_fix_p"),
        multiline=pick("multiline", lambda: rng.random() < SHARE_MULTILINE),
        glance_target=pick("glance_target", lambda: _pick(rng, SHARE_GLANCE_TARGET)),
        glance_when=pick("glance_when", lambda: rng.choice(GLANCE_WHENS)),
        glance_p=u("glance_p"),
        glance_fix_s=u("glance_fix_s"),
        landing_frac=u("landing_frac"),
        proofread=proofread,
        regression_p=u("regression_p") if proofread and rng.random() < 0.7 else 0.0,
        offset_kind=kind,
        offset_px=off,
        offset0_px=off0,
        offset_t_s=t_off,
    )


def draw_people(n: int, seed: int = 0, screen: Screen | None = None,
                duration_s: float = 150.0) -> list[PersonSpec]:
    """`n` people drawn from the population, deterministic for `seed`."""
    rng = random.Random(f"gazetype-population-{seed}")
    fixed = _balanced(rng, n)
    return [draw_person(rng, seed * 100_003 + i, screen, duration_s, fixed[i]) for i in range(n)]


def _spread(rng: random.Random, n: int, shares: dict) -> list:
    """n values in the given shares (rounded, the remainder at random), shuffled."""
    out = []
    for v, p in shares.items():
        out += [v] * int(p * n)
    while len(out) < n:
        out.append(_pick(rng, shares))
    rng.shuffle(out)
    return out


def _balanced(rng: random.Random, n: int) -> list[dict]:
    """Categorical choices in their shares for n people (stratified, so that a
    sample of 60 holds every group in proportion), each factor shuffled on its own."""
    cols = {
        "offset_kind": _spread(rng, n, SHARE_OFFSET_KIND),
        "glance_target": _spread(rng, n, SHARE_GLANCE_TARGET),
        "glance_when": _spread(rng, n, {w: 1.0 / len(GLANCE_WHENS) for w in GLANCE_WHENS}),
        "multiline": _spread(rng, n, {True: SHARE_MULTILINE, False: 1.0 - SHARE_MULTILINE}),
        "corrective": _spread(rng, n, {True: 0.5, False: 0.5}),
        "proofread": _spread(rng, n, {True: 0.5, False: 0.5}),
        "no_undershoot": _spread(rng, n, {True: SHARE_NO_UNDERSHOOT, False: 1.0 - SHARE_NO_UNDERSHOOT}),
        "rate_hz": _spread(rng, n, {r: 1.0 / len(RATES_HZ) for r in RATES_HZ}),
    }
    return [{k: v[i] for k, v in cols.items()} for i in range(n)]
