"""Glances: checking the text just typed.

When a letter appears (or, after a space, a word is finished), people often look at
it before the next dwell. The first fixations on the text within `window_s` (up to
`max_fixations`, until the eyes go back to the keys) are taken as looking at the new
text; a corrective saccade after a short landing is one of them. The evidence allows
everything that differs between people (docs/autocalibration.md, "What people
differ in"):

- the target: the new letter (after a space, the caret), or the word, anywhere from
  `landing_lo_frac` to `landing_hi_frac` of its width (Rayner 1979: eyes land left of
  a word's centre; the range is wider than any one reader's);
- the saccade up from the keyboard lands short of its aim by a fraction of its length
  that differs between people: the evidence carries the saccade (landing minus
  launch) and the estimator weighs the undershoot hypotheses (evidence.py);
- a fixation that lands inside another word of the text is not taken (that word may
  have been read instead).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from gazetype.calibration.evidence import Evidence
from gazetype.calibration.regions import TextRegion


@dataclass(frozen=True, slots=True)
class GlanceConfig:
    window_s: float = 2.5  # a glance at new text starts this soon after it appeared (s)
    landing_lo_frac: float = 0.3  # where in a word eyes land, from its left edge (fraction of width)
    landing_hi_frac: float = 0.6
    sd_deg: float = 0.35  # scatter of a fixation around where it aimed (tracker and eye), deg
    max_fixations: int = 3  # fixations of one visit taken as looking at the new text


@dataclass(frozen=True, slots=True)
class Expectation:
    """New text appeared at t_s in `region`: a glance may check x0..x1 between the
    lines at y0..y1 (px; one line unless the target may be on either of two)."""

    t_s: float
    region: str
    x0_px: float
    x1_px: float
    y0_px: float
    y1_px: float
    word: int  # index of the word it belongs to
    kind: str  # "char" or "word"


def expect(reg: TextRegion, t_s: float, kind: str, cfg: GlanceConfig) -> Expectation | None:
    """The target of a glance at the last word of `reg` after its new last letter
    (`kind` "char") or the space that finished it ("word"): the letter or the caret,
    or the word (from `landing_lo_frac` to `landing_hi_frac` of its width). The first
    letter of a new word may also be checked by looking at the word before it (just
    finished), which is on the line above when the text wrapped: then both count."""
    i = reg.last_word()
    if i is None:
        return None
    x0, x1 = reg.x0[i], reg.x1[i]
    w = x1 - x0
    cw = w / max(len(reg.texts[i]), 1)
    y = reg.line_y[reg.lines[i]]
    lo = x0 + cfg.landing_lo_frac * w
    if kind == "word":
        return Expectation(t_s, reg.name, lo, x1 + 1.5 * cw, y, y, i, kind)
    hi = max(x0 + cfg.landing_hi_frac * w, x1)
    lo = min(lo, x1 - cw)
    y0 = y1 = y
    if len(reg.texts[i]) == 1 and i > 0:
        pw = reg.x1[i - 1] - reg.x0[i - 1]
        py = reg.line_y[reg.lines[i - 1]]
        lo, hi = min(lo, reg.x0[i - 1] + cfg.landing_lo_frac * pw), max(hi, reg.x1[i - 1] + 1.5 * cw)
        y0, y1 = min(y, py), max(y, py)
    return Expectation(t_s, reg.name, lo, hi, y0, y1, i, kind)


def glance_evidence(fix, launch, exp: Expectation, reg: TextRegion, applied: tuple[float, float],
                    group: int, ppd: float, cfg: GlanceConfig) -> Evidence | None:
    """Evidence from fixation `fix` (reported px) taken as a glance at `exp`; `launch`
    is the fixation before it (or None), `applied` the correction in force."""
    # Landed inside another word (after the correction in force): it may have read that one.
    cx, cy = fix.x_px - applied[0], fix.y_px - applied[1]
    for j in range(len(reg)):
        if j != exp.word and reg.x0[j] <= cx < reg.x1[j] and abs(cy - reg.cy[j]) < 0.5 * reg.line_h:
            return None
    vx, vy = (fix.x_px - launch[0], fix.y_px - launch[1]) if launch is not None else (0.0, 0.0)
    tx, thx = 0.5 * (exp.x0_px + exp.x1_px), 0.5 * (exp.x1_px - exp.x0_px)
    ty, thy = 0.5 * (exp.y0_px + exp.y1_px), 0.5 * (exp.y1_px - exp.y0_px)
    sd = cfg.sd_deg * ppd
    sdy = math.hypot(sd, 0.1 * reg.line_h)
    return Evidence(fix.t_end_s, fix.x_px - tx, fix.y_px - ty, thx, thy, sd, sdy, vx, vy,
                    kind="glance-" + exp.kind, group=group)
