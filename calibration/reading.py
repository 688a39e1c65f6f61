"""The reading-phase detector: which fixations read known text, and what they read.

Fed the UI's layout and select events and every fixation (reported positions),
it turns output reading into `Evidence` for the offset estimator:

- Input is never evidence: a fixation whose corrected position (reported minus the
  correction in force, which is what the dwell engine saw) is on a key, or during
  which a key was selected, is typing, and ends any reading episode. (With a
  miscalibrated tracker users aim off-target to hit keys, so key fixations carry
  the user's compensation, not the offset.)
- Glances: when the output gains a character, the next fixation on that text within
  `glance_window_s` is a check of it: of the new character, or after a space of
  the finished word. Whether it looked at the new text or at another visible word
  is decided by their likelihood under the current estimate and its uncertainty,
  with a prior (`glance_prior`) for the new text. If another word explains it
  better, the glance only votes for a jump of the offset (`tentative`).
- Episodes: consecutive non-input fixations on a text region (output, study target
  phrase, or any other region with words, e.g. a reading-only recording) form a
  reading episode, aligned to the region's words with `align.warp` in chunks of
  `chunk` fixations as they come. Each chunk starts where the previous one left
  off (or at the top of a page just shown), so the reading position carries over.
  The offset hypotheses (a lattice around the estimate: half lines in y, about half
  a word in x) keep an accumulated cost from chunk to chunk (`_Belief`). The best
  must beat every hypothesis that reads other lines by `min_margin`, or the chunk
  gives no evidence (and beat other x shifts, or its x evidence is weak); each
  fixation that fits its word gives an observation relative to the word's centre.

Targets: the new character's centre; word centres (x SD a fraction of the word's
width); line centres in y.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gazetype.calibration.align import warp
from gazetype.calibration.estimator import Evidence, OffsetEstimator
from gazetype.calibration.fixation import Fixation
from gazetype.tracker.events import Box, LayoutEvent, SelectEvent
from gazetype.tracker.screen import Screen

KEYBOARD = "keyboard"


@dataclass(frozen=True, slots=True)
class ReadingConfig:
    key_margin_deg: float = 0.3  # a fixation this close to a key is input
    region_gate_deg: float = 2.5  # how far from a text region (after correction) still reads it
    max_offset_deg: float = 2.5  # largest offset searched for (line-shift hypotheses)
    glance_window_s: float = 2.5  # a glance at new text starts this soon after it appeared
    glance_prior: float = 0.85  # prior that the first text fixation after a change checks it
    landing_sd_deg: float = 0.3  # where eyes land on a target, beyond the target's size
    word_landing_frac: float = 0.2  # SD of landing within a word, as a fraction of its width
    # Where eyes land in a word (the target evidence is measured against): the
    # preferred viewing position, left of its centre (Rayner 1979), from its left edge.
    pvl_frac: float = 0.45
    # Saccades land short of their target by about 5-10% of their amplitude (Becker
    # 1989); a glance from the keyboard up to the text falls about a degree short.
    # Each fixation is taken back to where it aimed, from where it came from:
    # aim = (landing - u * launch) / (1 - u), in reported px (the offset cancels).
    undershoot_frac: float = 0.07
    launch_gap_s: float = 0.3  # a launch fixation that ended longer ago than this is unknown
    episode_gap_s: float = 1.0  # a pause longer than this ends a reading episode
    chunk: int = 12  # fixations aligned at once in long episodes
    lag: int = 3  # ... of which the last few wait for the next chunk (right context)
    resume_s: float = 8.0  # reading resumed within this continues where it left off
    min_fit: float = 0.5  # an alignment in which fewer fixations fit their word fits nothing
    min_episode: int = 3  # shorter episodes carry too little sequence to align
    min_margin: float = 3.0  # the best line hypothesis must win by this (cost units)
    jump_penalty: float = 12.0  # cost of assuming the offset jumped (per axis)
    cap: float = 9.0  # cost cap per fixation-word cell
    emit_cost: float = 2.0  # only fixations matched at most this well give evidence
    onset_window_s: float = 2.5  # reading that starts this soon after new text starts at its top


class TextRegion:
    """The words of one text region in reading order, with geometry for matching."""

    __slots__ = ("name", "text", "caret", "t_s", "wx", "wy", "hw", "ww", "lines", "texts",
                 "line_h", "bbox", "onset_s", "_arrays", "tx")

    def __init__(self, ev: LayoutEvent, onset_s: float, pvl_frac: float) -> None:
        self.name = ev.region
        self.text = ev.text
        self.caret = ev.caret
        self.t_s = ev.t_s
        self.onset_s = onset_s
        self._arrays = None
        items = sorted(ev.items, key=lambda it: (it.line if it.line is not None else it.cy_px, it.box[0]))
        self.wx = [it.cx_px for it in items]
        self.wy = [it.cy_px for it in items]
        self.ww = [it.box[2] - it.box[0] for it in items]
        self.hw = [0.5 * w for w in self.ww]
        self.tx = [it.box[0] + pvl_frac * w for it, w in zip(items, self.ww)]  # where eyes land in x
        self.texts = [it.text for it in items]
        self.lines = [it.line if it.line is not None else round(it.cy_px) for it in items]
        hs = sorted(it.box[3] - it.box[1] for it in items)
        if hs:
            self.line_h = hs[len(hs) // 2]
        elif ev.caret is not None:
            self.line_h = ev.caret[3] - ev.caret[1]
        else:
            self.line_h = 0.0
        boxes = [it.box for it in items] + ([ev.caret] if ev.caret is not None else [])
        self.bbox: Box | None = None
        if boxes:
            self.bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                         max(b[2] for b in boxes), max(b[3] for b in boxes))

    def __len__(self) -> int:
        return len(self.wx)

    def arrays(self, min_sx: float):
        """(centre x, centre y, x scale, is short) per word as numpy arrays (cached)."""
        a = self._arrays
        if a is None or a[4] != min_sx:
            a = self._arrays = (np.asarray(self.wx, float), np.asarray(self.wy, float),
                                np.maximum(np.asarray(self.hw, float), min_sx),
                                np.asarray([len(t) <= 3 for t in self.texts], bool), min_sx)
        return a

    def distance(self, x: float, y: float) -> float:
        """px from (x, y) to the region's bounding box (0 inside)."""
        if self.bbox is None:
            return math.inf
        x0, y0, x1, y1 = self.bbox
        dx = x0 - x if x < x0 else (x - x1 if x > x1 else 0.0)
        dy = y0 - y if y < y0 else (y - y1 if y > y1 else 0.0)
        return math.hypot(dx, dy)


class _Belief:
    """Offset hypotheses on a lattice around `origin` (px) with their accumulated
    alignment cost (-2 log likelihood, relative to the best), carried from chunk to
    chunk of reading: a Viterbi-style filter in which staying is free and jumping
    anywhere costs `jump` once, so a shift that fits better chunk after chunk wins
    even when each chunk alone is ambiguous (an x offset about a word wide is)."""

    def __init__(self, origin, step_x, step_y, kx, ky, vx, vy, jump) -> None:
        self.origin = origin
        self.step_x, self.step_y, self.kx, self.ky = step_x, step_y, kx, ky
        self.grid = [(a, b) for a in range(-kx, kx + 1) for b in range(-ky, ky + 1)]
        self.xs = [a * step_x for a in range(-kx, kx + 1)]
        self.ys = [b * step_y for b in range(-ky, ky + 1)]
        # Prior from the estimator's uncertainty: far hypotheses cost up to a jump.
        self.b = np.array([min((a * step_x) ** 2 / vx, jump) + min((b * step_y) ** 2 / vy, jump)
                           for a, b in self.grid])

    def recenter(self, mx: float, my: float, jump: float) -> None:
        sa = round((mx - self.origin[0]) / self.step_x)
        sb = round((my - self.origin[1]) / self.step_y)
        if not sa and not sb:
            return
        nx, ny = 2 * self.kx + 1, 2 * self.ky + 1
        old = self.b.reshape(nx, ny)
        new = np.full((nx, ny), old.min() + jump)
        # new[a, b] = old[a + sa, b + sb] where both exist
        a0, a1 = max(0, -sa), min(nx, nx - sa)
        b0, b1 = max(0, -sb), min(ny, ny - sb)
        if a0 < a1 and b0 < b1:
            new[a0:a1, b0:b1] = old[a0 + sa:a1 + sa, b0 + sb:b1 + sb]
        self.b = (new - new.min()).ravel()
        self.origin = (self.origin[0] + sa * self.step_x, self.origin[1] + sb * self.step_y)

    def predict(self, jump: float) -> np.ndarray:
        """Before a chunk: any hypothesis may be reached by a jump."""
        return np.minimum(self.b, self.b.min() + jump)

    def update(self, costs) -> None:
        """After a chunk: the alignment costs (prior included). Costs only bounded
        from below (pruned hypotheses) are all beyond a jump from the best, so the
        next `predict` caps them at the jump cost exactly as their true costs."""
        b = np.asarray(costs, float)
        self.b = b - b.min()


@dataclass(slots=True)
class _Expect:
    """A glance we expect: new text appeared at t_s in `region`."""

    t_s: float
    region: str
    targets: list  # (x, y, sdx, sdy, prior)
    kind: str


class ReadingDetector:
    """See the module doc. Call `on_layout`/`on_select` with UI events and
    `on_fixation(fix, applied)` with each fixation; each returns evidence."""

    def __init__(self, estimator: OffsetEstimator, screen: Screen | None = None,
                 config: ReadingConfig | None = None) -> None:
        self.config = cfg = config or ReadingConfig()
        self.est = estimator
        self.ppd = ppd = (screen or Screen()).px_per_deg
        self._key_margin = cfg.key_margin_deg * ppd
        self._gate = cfg.region_gate_deg * ppd
        self._max_off = cfg.max_offset_deg * ppd
        self._land2 = (cfg.landing_sd_deg * ppd) ** 2
        self.keys: list[Box] = []
        self.kb_bbox: Box | None = None
        self.regions: dict[str, TextRegion] = {}
        self._expect: _Expect | None = None
        self._last_select_s = -math.inf
        self._ep: list[Fixation] = []  # the reading episode's fixations not yet used
        self._prev: Fixation | None = None  # the last fixation, as detected: the next saccade's launch
        self._ep_region: str | None = None
        # Where the reader is in the text: the word the last used fixation read, so
        # the next chunk continues from there (None: unknown).
        self._anchor: tuple[str, float, int, float] | None = None  # (region, layout t_s, word, t_s)
        self._since_anchor = 0  # reading fixations since the anchor (it widens the window)
        self._fit_failed = False
        self._group = 0  # id of the last aligned chunk (its evidence is one source)
        self._beliefs: dict[str, _Belief] = {}  # per text region: offset hypotheses
        self._restarts = 0
        self.phase = "none"  # of the last fixation: "input", "glance", "reading", "other"
        self.counts = {"input": 0, "glance": 0, "reading": 0, "other": 0}

    # -- UI events -----------------------------------------------------------------
    def on_layout(self, ev: LayoutEvent) -> list[Evidence]:
        out: list[Evidence] = []
        if ev.region == KEYBOARD:
            m = self._key_margin
            self.keys = [(it.box[0] - m, it.box[1] - m, it.box[2] + m, it.box[3] + m) for it in ev.items]
            self.kb_bbox = None
            if self.keys:
                self.kb_bbox = (min(b[0] for b in self.keys), min(b[1] for b in self.keys),
                                max(b[2] for b in self.keys), max(b[3] for b in self.keys))
            return out
        if self._ep_region == ev.region:
            out = self._flush()  # positions are about to change: use the old ones
        old = self.regions.get(ev.region)
        old_text = old.text if old is not None else None
        new_text = ev.text
        continued = (old_text is not None and new_text is not None and
                     (new_text.startswith(old_text) or old_text.startswith(new_text)))
        same = old is not None and old_text == new_text and new_text is not None
        onset = old.onset_s if (old is not None and (continued or same)) else ev.t_s
        if not ev.items and ev.caret is None:
            self.regions.pop(ev.region, None)
        else:
            self.regions[ev.region] = TextRegion(ev, onset, self.config.pvl_frac)
        if old_text is not None and new_text is not None and new_text.startswith(old_text) \
                and len(new_text) == len(old_text) + 1:
            self._expect = self._glance_targets(self.regions.get(ev.region), new_text[-1], ev.t_s)
        return out

    def on_select(self, ev: SelectEvent) -> list[Evidence]:
        self._last_select_s = ev.t_s
        self._expect = None  # a newer change will set its own expectation
        return self._flush()

    def _glance_targets(self, reg: TextRegion | None, ch: str, t_s: float) -> _Expect | None:
        if reg is None or not len(reg):
            return None
        land2 = self._land2
        i = len(reg) - 1  # the last word
        w = reg.ww[i]
        wsd = math.sqrt((self.config.word_landing_frac * w) ** 2 + land2)
        ysd = math.sqrt(land2 + (0.1 * reg.line_h) ** 2)
        word = (reg.tx[i], reg.wy[i], wsd, ysd)
        if ch == " ":
            return _Expect(t_s, reg.name, [word + (1.0,)], "word")
        if ch == "\n" or not ch.strip():
            return None
        # The new character: at the end of the last word (the caret is right after it).
        txt = reg.texts[i]
        if not txt.endswith(ch):
            return None
        cw = w / max(len(txt), 1)
        right = reg.caret[0] if reg.caret is not None and abs(reg.caret[0] - (reg.wx[i] + reg.hw[i])) < cw else reg.wx[i] + reg.hw[i]
        cx = right - 0.5 * cw
        # Aimed at the new character, at the caret; but people may look at the word
        # it ends instead: the x SD covers half the way to the word's centre, so such
        # glances cannot pull x far, while y (the line) is exact either way.
        sdx = math.sqrt((0.3 * cw) ** 2 + land2 + (0.5 * (cx - reg.tx[i])) ** 2)
        return _Expect(t_s, reg.name, [(cx, reg.wy[i], sdx, ysd, 1.0)], "char")

    # -- fixations -----------------------------------------------------------------
    def on_fixation(self, f: Fixation, applied: tuple[float, float]) -> list[Evidence]:
        """Classify fixation `f` (reported px); `applied` is the correction in force."""
        cx, cy = f.x_px - applied[0], f.y_px - applied[1]
        launch, self._prev = self._prev, f
        u = self.config.undershoot_frac
        if u and launch is not None and f.t_start_s - launch.t_end_s <= self.config.launch_gap_s:
            f = Fixation(f.t_start_s, f.t_end_s, (f.x_px - u * launch.x_px) / (1.0 - u),
                         (f.y_px - u * launch.y_px) / (1.0 - u), f.n)
        if self._on_key(cx, cy) or f.t_start_s <= self._last_select_s <= f.t_end_s + 0.05:
            if self._expect is not None and f.t_start_s > self._expect.t_s:
                self._expect = None  # back to typing without looking at the new text
            return self._end_phase("input")
        est = self.est
        mx, my = (est.mx, est.my) if est.started else applied
        region = self._region_at(f.x_px - mx, f.y_px - my)
        if region is None:
            return self._end_phase("other")
        out: list[Evidence] = []
        exp = self._expect
        if exp is not None:
            if f.t_start_s - exp.t_s > self.config.glance_window_s:
                self._expect = exp = None
            elif exp.region == region.name:
                ev = self._glance(f, exp, region)
                self._expect = None
                if ev is not None:
                    self.phase = "glance"
                    self.counts["glance"] += 1
                    return [ev]
        # Part of a reading episode.
        self.phase = "reading"
        self.counts["reading"] += 1
        ep = self._ep
        if ep and (self._ep_region != region.name or f.t_start_s - ep[-1].t_end_s > self.config.episode_gap_s):
            out.extend(self._flush())
        if not self._ep:
            self._ep_region = region.name
        self._ep.append(f)
        if len(self._ep) >= self.config.chunk:
            out.extend(self._align(final=False))
        return out

    def flush(self) -> list[Evidence]:
        """End the current episode (end of data)."""
        return self._flush()

    def _end_phase(self, phase: str) -> list[Evidence]:
        self.phase = phase
        self.counts[phase] += 1
        return self._flush()

    def _on_key(self, x: float, y: float) -> bool:
        bb = self.kb_bbox
        if bb is None or not (bb[0] <= x < bb[2] and bb[1] <= y < bb[3]):
            return False
        for x0, y0, x1, y1 in self.keys:
            if x0 <= x < x1 and y0 <= y < y1:
                return True
        return False

    def _region_at(self, x: float, y: float) -> TextRegion | None:
        best, bd = None, self._gate
        for reg in self.regions.values():
            if not len(reg):
                continue
            d = reg.distance(x, y)
            if d <= bd:
                best, bd = reg, d
        return best

    # -- glances -------------------------------------------------------------------
    def _glance(self, f: Fixation, exp: _Expect, reg: TextRegion) -> Evidence | None:
        """Resolve which target the glance looked at; None if not the new text."""
        est = self.est
        if est.started:
            mx, my = est.mx, est.my
            vx, vy = est.variance_at(f.t_end_s)
        else:
            mx = my = 0.0
            vx = vy = (self.config.max_offset_deg * self.ppd / 2.0) ** 2
        cands = []  # (log weight, zx, zy, sdx, sdy, is_target)
        n_bg = max(len(reg), 1)
        bg_prior = (1.0 - self.config.glance_prior) / n_bg
        land2 = self._land2
        ysd = math.sqrt(land2 + (0.1 * reg.line_h) ** 2)
        for tx, ty, sdx, sdy, prior in exp.targets:
            cands.append(self._loglik(f, tx, ty, sdx, sdy, prior * self.config.glance_prior, mx, my, vx, vy) + (True,))
        # Other words as background; those many SD away cannot matter (and are skipped).
        cx, cy = f.x_px - mx, f.y_px - my
        reach_y = 6.0 * math.sqrt(vy + ysd * ysd)
        frac = self.config.word_landing_frac
        for j in range(len(reg)):
            wy = reg.wy[j]
            if abs(cy - wy) > reach_y:
                continue
            sdx = math.sqrt((frac * reg.ww[j]) ** 2 + land2)
            if abs(cx - reg.wx[j]) > 6.0 * math.sqrt(vx + sdx * sdx):
                continue
            cands.append(self._loglik(f, reg.tx[j], wy, sdx, ysd, bg_prior, mx, my, vx, vy) + (False,))
        top = max(c[0] for c in cands)
        ws = [math.exp(c[0] - top) for c in cands]
        tot = sum(ws)
        p_target = sum(w for w, c in zip(ws, cands) if c[5]) / tot
        # Weights among the targets alone (relative to the best target: no underflow).
        ttop = max(c[0] for c in cands if c[5])
        tw = [(math.exp(c[0] - ttop), c) for c in cands if c[5]]
        tentative = p_target < 0.8
        if tentative:
            # Another word explains it better under the current estimate: maybe the
            # user read that word, maybe the offset jumped. A vote, not a measurement.
            if not est.started or any(r is not reg and r.distance(f.x_px, f.y_px) == 0.0
                                      for r in self.regions.values()):
                return None
            tw = [max(tw, key=lambda wc: wc[0])]
        # Moment-match the target candidates into one observation.
        s = sum(w for w, _ in tw)
        zx = sum(w * c[1] for w, c in tw) / s
        zy = sum(w * c[2] for w, c in tw) / s
        vxm = sum(w * (c[3] ** 2 + (c[1] - zx) ** 2) for w, c in tw) / s
        vym = sum(w * (c[4] ** 2 + (c[2] - zy) ** 2) for w, c in tw) / s
        if math.hypot(zx, zy) > self._max_off + 0.5 * reg.line_h:
            return None
        return Evidence(f.t_end_s, zx, zy, math.sqrt(vxm), math.sqrt(vym),
                        ("glance?-" if tentative else "glance-") + exp.kind, tentative=tentative)

    @staticmethod
    def _loglik(f: Fixation, tx, ty, sdx, sdy, prior, mx, my, vx, vy):
        zx, zy = f.x_px - tx, f.y_px - ty
        sx, sy = vx + sdx * sdx, vy + sdy * sdy
        nx, ny = zx - mx, zy - my
        ll = math.log(max(prior, 1e-12)) - 0.5 * (nx * nx / sx + ny * ny / sy) - 0.5 * math.log(sx * sy)
        return (ll, zx, zy, sdx, sdy)

    # -- episodes ------------------------------------------------------------------
    def _flush(self) -> list[Evidence]:
        out = self._align(final=True) if self._ep else []
        self._ep = []
        self._ep_region = None
        return out

    def _belief_for(self, reg: TextRegion, mx: float, my: float, vx: float, vy: float) -> "_Belief":
        """The region's offset hypotheses, re-centred on the estimate (or anew)."""
        if self.est.restarts != self._restarts:  # the estimator jumped: old beliefs are stale
            self._restarts = self.est.restarts
            self._beliefs.clear()
        # y in halves of a line (one is within a quarter line of the truth), x in
        # steps of about half a typical word, both over +-max_offset.
        step_y = reg.line_h / 2.0
        step_x = max(0.4 * sorted(reg.ww)[len(reg.ww) // 2], 0.5 * self.ppd)
        bel = self._beliefs.get(reg.name)
        if bel is None or abs(bel.step_y - step_y) > 0.05 * step_y or abs(bel.step_x - step_x) > 0.05 * step_x:
            ky = min(12, max(3, math.ceil(self._max_off / step_y)))
            kx = min(3, max(1, math.ceil(self._max_off / step_x)))
            bel = _Belief((mx, my), step_x, step_y, kx, ky, vx + self._land2, vy + self._land2,
                          self.config.jump_penalty)
            self._beliefs[reg.name] = bel
        else:
            bel.recenter(mx, my, self.config.jump_penalty)
        return bel

    def _start_word(self, reg: TextRegion, t_s: float) -> int | None:
        """Where reading starting at t_s should start: the top of a page just shown,
        or where the last chunk of reading on this page left off (if recent)."""
        a = self._anchor
        if a is not None and a[0] == reg.name and a[1] == reg.t_s and t_s - a[3] <= self.config.resume_s \
                and a[2] < len(reg):
            return a[2]
        if t_s - reg.onset_s <= self.config.onset_window_s:
            return 0
        return None

    def _align(self, final: bool) -> list[Evidence]:
        """Align the episode so far; use all of it (final) or all but the last `lag`."""
        cfg = self.config
        ep = self._ep
        reg = self.regions.get(self._ep_region) if self._ep_region is not None else None
        if reg is None or not len(reg) or reg.line_h <= 0:
            self._ep = [] if final else ep[-cfg.lag:]
            return []
        stop = len(ep) if final else len(ep) - cfg.lag
        j0 = self._start_word(reg, ep[0].t_start_s)
        out: list[Evidence] = []
        last_word = None
        if len(ep) >= cfg.min_episode:
            out, last_word = self._evidence(ep, reg, stop, j0)
        if last_word is not None:
            self._anchor = (reg.name, reg.t_s, last_word, ep[stop - 1].t_end_s)
            self._since_anchor = len(ep) - stop
        elif j0 is not None and self._fit_failed:
            self._anchor = None  # lost the place: the next chunk searches the whole text
        else:
            self._since_anchor += stop
        if not final:
            self._ep = ep[stop:]
        return out

    def _evidence(self, ep: list[Fixation], reg: TextRegion, stop: int,
                  j0: int | None) -> tuple[list[Evidence], int | None]:
        """Evidence from aligning `ep` to `reg`, for ep[:stop]; and the word that
        ep[stop-1] read (None when the alignment is ambiguous or poor)."""
        cfg = self.config
        est = self.est
        t = ep[-1].t_end_s
        if est.started:
            mx, my = est.mx, est.my
            vx, vy = est.variance_at(t)
        else:
            mx = my = 0.0
            vx = vy = (self.config.max_offset_deg * self.ppd / 2.0) ** 2
        bel = self._belief_for(reg, mx, my, vx, vy)
        ox, oy = bel.origin
        lh = reg.line_h
        ky = bel.ky
        land2 = self._land2
        fx = [f.x_px - ox for f in ep]
        fy = [f.y_px - oy for f in ep]
        n_w = len(reg)
        window = None
        if j0 is not None:
            # The reader moved on about a word per fixation since the anchor.
            reach = j0 + 4 + 2 * self._since_anchor
            lo = max(0, j0 - 2)
            idx = range(lo, min(n_w, reach + 2 * len(ep) + 4))
            window = (j0 - 2 - lo, reach - lo)
        elif n_w > 48:  # long texts: only the lines the fixations could be on
            lo_y = min(fy) - (ky + 1) * lh
            hi_y = max(fy) + (ky + 1) * lh
            idx = [j for j in range(n_w) if lo_y <= reg.wy[j] <= hi_y]
            if not idx:
                return [], None
        else:
            idx = range(n_w)
        arr = reg.arrays(0.5 * self.ppd)
        sel = slice(idx.start, idx.stop) if isinstance(idx, range) else np.asarray(idx, int)
        wx, wy, sx, short = arr[0][sel], arr[1][sel], arr[2][sel], arr[3][sel]
        prior = bel.predict(cfg.jump_penalty)
        al = warp(fx, fy, wx, wy, sx, 0.5 * lh, bel.xs, bel.ys, cap=cfg.cap, start=window, penalties=prior,
                  short=short, slack=cfg.jump_penalty)
        good = sum(1 for c in al.cell if c <= cfg.emit_cost)
        self._fit_failed = good < cfg.min_fit * len(ep)
        if self._fit_failed:
            return [], None  # most fixations fit no word: not this text, or not where we thought
        bel.update(al.costs)
        grid = bel.grid
        best = 0.0
        ba, bb = grid[al.best]
        # Lines: the best must beat every hypothesis that reads other lines (a whole
        # line or more away) clearly, or the chunk gives no evidence.
        rival_y = min((c for c, (ga, gb) in zip(bel.b, grid) if abs(gb - bb) >= 2), default=math.inf)
        if rival_y - best < cfg.min_margin:
            return [], None
        # Words: if another x shift (not a neighbour on the grid) nearly ties, the
        # assignment within lines is uncertain: keep the y evidence, drop most of x.
        rival_x = min((c for c, (ga, gb) in zip(bel.b, grid) if abs(gb - bb) < 2 and abs(ga - ba) > 1),
                      default=math.inf)
        x_weak = rival_x - best < cfg.min_margin
        self._group += 1
        out = []
        ysd = math.sqrt(land2 + (0.1 * lh) ** 2)
        weak_sd = self._max_off
        for i in range(stop):
            if al.cell[i] > cfg.emit_cost:
                continue
            j = idx[al.words[i]]
            f = ep[i]
            sdx = weak_sd if x_weak else math.sqrt((cfg.word_landing_frac * reg.ww[j]) ** 2 + land2)
            out.append(Evidence(f.t_end_s, f.x_px - reg.tx[j], f.y_px - reg.wy[j], sdx, ysd, "read", self._group))
        return out, idx[al.words[stop - 1]]
