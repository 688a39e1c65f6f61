"""The reading-phase detector: which fixations read known text, and what they read.

Fed the UI's layout and select events and every fixation (reported px), it gives the
estimator evidence from output gaze only:

- Input is never evidence: a fixation whose corrected position (reported minus the
  correction in force: what the dwell engine saw) is on a key, or during which a key
  was selected, is typing, and ends any reading episode. With a miscalibrated
  tracker users aim off-target to hit keys: key fixations carry the user's
  compensation, not the offset.
- Glances (`glances.py`): the first fixation on the text after a letter or a word
  appeared, within a window, is a look at it.
- Reading episodes (`episodes.py`): consecutive other fixations on a text region are
  aligned to its lines as a whole, again as the episode grows.

Which region a fixation is on is judged after the correction in force, with a gate
wide enough for the largest offset looked for.

The word suggestion row (region "suggestions", its candidates also keys "word:TEXT" in
the keyboard region) is a one-line text: fixations on a candidate are not input but
read it, as an episode aligned like the output text's (the same care: a glance at the
row may land on any candidate, and x is left out when another shift fits nearly as
well). A dwell that selects a candidate is input, and the episode's fixations on that
candidate are dropped (they may have been the start of the dwell). With
`suggestion_row=False` fixations on the row are input, as on any key.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from gazetype.calibration.episodes import AlignCache, EpisodeConfig, episode_evidence
from gazetype.calibration.estimator import OffsetEstimator
from gazetype.calibration.fixation import Fixation
from gazetype.calibration.glances import Expectation, GlanceConfig, expect, glance_evidence
from gazetype.calibration.regions import TextRegion
from gazetype.tracker.events import Box, LayoutEvent, SelectEvent
from gazetype.tracker.keyid import KeyKind, parse_key
from gazetype.tracker.screen import Screen

KEYBOARD = "keyboard"
SUGGESTIONS = "suggestions"  # keyboard.layout.SUGGESTIONS (calibration does not import keyboard)
SPACE_KEYS = ("space", " ")  # the layout's id, and the character itself (other keyboards' recordings)


@dataclass(frozen=True, slots=True)
class ReadingConfig:
    key_margin_deg: float = 0.3  # a fixation this close to a key (after correction) is input
    region_gate_deg: float = 3.5  # how far from a text region (after correction) still reads it
    launch_gap_s: float = 0.3  # the fixation before counts as the saccade's launch if this recent
    suggestion_row: bool = True  # reading the word suggestion row is evidence (else it is input)
    # The row is scanned with long saccades from candidate to candidate (about 10 deg on a
    # 24" screen), whose landing scatter (5 % of the amplitude) is far above a reader's:
    # its episodes carry that much noise.
    row_episode: EpisodeConfig = field(default_factory=lambda: EpisodeConfig(x_sd_deg=0.5, y_sd_deg=0.5))
    glance: GlanceConfig = field(default_factory=GlanceConfig)
    episode: EpisodeConfig = field(default_factory=EpisodeConfig)


@dataclass
class _Episode:
    region: str
    layout_t_s: float
    group: int
    fixes: list = field(default_factory=list)
    aligned: int = 0  # fixations at the last alignment
    cache: AlignCache = field(default_factory=AlignCache)  # its cost terms, per fixation


class ReadingDetector:
    """See the module doc. Evidence goes straight to `estimator`."""

    def __init__(self, estimator: OffsetEstimator, screen: Screen | None = None,
                 config: ReadingConfig | None = None) -> None:
        self.config = cfg = config or ReadingConfig()
        self.est = estimator
        self.ppd = ppd = (screen or Screen()).px_per_deg
        self._key_margin = cfg.key_margin_deg * ppd
        self._gate = cfg.region_gate_deg * ppd
        self.keys: list[Box] = []
        self.word_keys: dict[str, Box] = {}  # the suggestion row's keys (not input when reading it)
        self.kb_bbox: Box | None = None
        self.regions: dict[str, TextRegion] = {}
        self._expect: Expectation | None = None
        self._glance_n = 0  # fixations of the glance visit so far
        self._last_select_s = float("-inf")
        self._prev: Fixation | None = None  # the last fixation: the next saccade's launch site
        self._ep: _Episode | None = None
        self._groups = 0
        self.conflict = False  # the last aligned episode's line assignments disagreed
        self._applied = (0.0, 0.0)  # the correction in force at the last fixation
        self.phase = "none"  # of the last fixation: "input", "glance", "reading", "other"
        self.counts = {"input": 0, "glance": 0, "reading": 0, "other": 0}

    # -- UI events -----------------------------------------------------------------
    def on_layout(self, ev: LayoutEvent) -> None:
        if ev.region == KEYBOARD:
            m = self._key_margin
            row = self.config.suggestion_row
            self.word_keys = {it.text: it.box for it in ev.items if row and parse_key(it.text).kind is KeyKind.WORD}
            self.keys = [(it.box[0] - m, it.box[1] - m, it.box[2] + m, it.box[3] + m) for it in ev.items
                         if not (row and parse_key(it.text).kind is KeyKind.WORD)]
            self.kb_bbox = None
            if self.keys:
                self.kb_bbox = (min(b[0] for b in self.keys), min(b[1] for b in self.keys),
                                max(b[2] for b in self.keys), max(b[3] for b in self.keys))
            return
        if ev.region == SUGGESTIONS and not self.config.suggestion_row:
            return
        if self._ep is not None and self._ep.region == ev.region:
            self._close_episode()  # positions are about to change: use the old ones
        old = self.regions.get(ev.region)
        if not ev.items:
            self.regions.pop(ev.region, None)
            return
        new = TextRegion(ev, ev.t_s)
        self.regions[ev.region] = new
        kind = _appended(old.text if old is not None else None, new.text)
        if kind is not None:
            self._expect = expect(new, ev.t_s, kind, self.config.glance)
            self._glance_n = 0

    def on_select(self, ev: SelectEvent) -> None:
        self._last_select_s = ev.t_s
        self._expect = None
        ep = self._ep
        if ep is not None and ep.region == SUGGESTIONS and parse_key(ev.key_id).kind is KeyKind.WORD:
            self._drop_selected(ep, self.word_keys.get(ev.key_id))
        self._close_episode()
        # Without the text in layout events a space changes no word: the word just
        # finished is what a glance would check.
        if ev.key_id in SPACE_KEYS:
            reg = self.regions.get("output")
            if reg is not None and reg.derived:
                self._expect = expect(reg, ev.t_s, "word", self.config.glance)
                self._glance_n = 0

    # -- fixations -----------------------------------------------------------------
    def on_fixation(self, f: Fixation, applied: tuple[float, float]) -> None:
        """Classify fixation `f` (reported px); `applied` is the correction in force."""
        launch = self._prev
        self._prev = f
        self._applied = applied
        if launch is not None and f.t_start_s - launch.t_end_s > self.config.launch_gap_s:
            launch = None
        cx, cy = f.x_px - applied[0], f.y_px - applied[1]
        if self._on_key(cx, cy) or f.t_start_s <= self._last_select_s <= f.t_end_s + 0.05:
            if self._expect is not None and f.t_start_s > self._expect.t_s:
                self._expect = None  # back to typing without looking at the new text
            self._phase("input")
            self._close_episode()
            return
        reg = self._region_at(cx, cy)
        if reg is None:
            self._phase("other")
            self._close_episode()
            return
        exp = self._expect
        if exp is not None:
            # A glance visit: its first fixation, and those after it (a corrective saccade
            # lands where the first one aimed, from close by: little undershoot to doubt).
            self._glance_n += 1
            if (f.t_start_s - exp.t_s <= self.config.glance.window_s and exp.region == reg.name
                    and self._glance_n <= self.config.glance.max_fixations):
                ev = glance_evidence(f, None if launch is None else (launch.x_px, launch.y_px), exp, reg,
                                     applied, -1, self.ppd, self.config.glance)
                if ev is not None:
                    self.est.add(ev)
                    self._phase("glance")
                    return
            self._expect = None
        self._phase("reading")
        ep = self._ep
        if ep is not None and (ep.region != reg.name or ep.layout_t_s != reg.t_s
                               or f.t_start_s - ep.fixes[-1].t_end_s > self.config.episode.gap_s):
            self._close_episode()
            ep = None
        if ep is None:
            self._groups += 1
            ep = self._ep = _Episode(reg.name, reg.t_s, self._groups)
        ep.fixes.append(f)
        keep = (self.config.row_episode if ep.region == SUGGESTIONS else self.config.episode).max_fixations
        if len(ep.fixes) > 2 * keep:
            # Only the latest max_fixations are ever aligned: a long read (a page, an hour)
            # forgets the older ones (the counts shift with them: the same alignments).
            drop = len(ep.fixes) - keep
            del ep.fixes[:drop]
            ep.aligned -= drop
        if len(ep.fixes) - ep.aligned >= self.config.episode.chunk:
            self._align(ep)

    def flush(self) -> None:
        """End of data: use the episode in progress."""
        self._close_episode()

    # -- helpers -------------------------------------------------------------------
    def _phase(self, phase: str) -> None:
        self.phase = phase
        self.counts[phase] += 1

    def _drop_selected(self, ep: _Episode, box: Box | None) -> None:
        """A candidate was selected: the episode's fixations on it (or, not knowing
        where it was, all of them) are not evidence."""
        if box is None:
            ep.fixes.clear()
        else:
            m = self._key_margin
            ax, ay = self._applied
            ep.fixes[:] = [f for f in ep.fixes if not (box[0] - m <= f.x_px - ax < box[2] + m
                                                       and box[1] - m <= f.y_px - ay < box[3] + m)]
        self.est.replace_group(ep.group, [])
        ep.aligned = -1  # align again what is left

    def _close_episode(self) -> None:
        ep, self._ep = self._ep, None
        if ep is not None and len(ep.fixes) > ep.aligned:
            self._align(ep)

    def _align(self, ep: _Episode) -> None:
        ep.aligned = len(ep.fixes)
        reg = self.regions.get(ep.region)
        if reg is None or reg.t_s != ep.layout_t_s:
            return
        cfg = self.config.row_episode if ep.region == SUGGESTIONS else self.config.episode
        evs, conflict = episode_evidence(ep.fixes, reg, ep.group, self.ppd, cfg, ep.cache)
        if len(ep.fixes) >= cfg.min_fixations:
            self.conflict = conflict
        self.est.replace_group(ep.group, evs)

    def _on_key(self, x: float, y: float) -> bool:
        bb = self.kb_bbox
        if bb is None or not (bb[0] <= x < bb[2] and bb[1] <= y < bb[3]):
            return False
        return any(x0 <= x < x1 and y0 <= y < y1 for x0, y0, x1, y1 in self.keys)

    def _region_at(self, x: float, y: float) -> TextRegion | None:
        best, bd = None, self._gate
        for reg in self.regions.values():
            d = reg.distance(x, y)
            if d <= bd:
                best, bd = reg, d
        return best


def _appended(old: str | None, new: str) -> str | None:
    """What typing did to a text: "char" (a letter was added), "word" (a word was
    finished with a space) or None. Derived texts (words only) show a new word as
    " x" appended."""
    if old is None or not new.startswith(old):
        return None
    add = new[len(old):]
    if add == " ":
        return "word"
    if len(add) == 1 and not add.isspace():
        return "char"
    if len(add) == 2 and add[0] in " \n" and not add[1].isspace():
        return "char"
    return None
