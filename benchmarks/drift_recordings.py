"""Real reading data as gazetype recordings: the jwcarr/drift trials, laid onto gaze samples.

Data (``/work/shared/data/drift``, i.e. ``<repo>/../shared/data/drift``; see its README.md):

    Carr, J. W., Pescuma, V. N., Furlan, M., Ktori, M., & Crepaldi, D. (2022). Algorithms for
    the automated correction of vertical drift in eye-tracking data. Behavior Research Methods,
    54(1), 287-310. https://doi.org/10.3758/s13428-021-01554-0
    Data and code: https://github.com/jwcarr/drift (commit 5b4b6c4). Licence: CC BY 4.0.

Recorded by Pescuma et al. with an EyeLink 1000 Plus (1000 Hz) on a 1920x1080 screen: 48 trials
(24 adults, 24 children), 12 Italian passages of 10 to 13 lines, Courier New 16 px per character,
64 px line spacing, line k's midline at y = 155 + 64 k. Every recording written here carries this
attribution in its header (``extra["dataset"]``); keep it with any copy.

What a recording holds (format v1, ``gazetype.recording.v1.RecordingWriter``):

- header: the screen, 1920x1080 px with the pixel pitch of a 24" 16:9 panel (531 x 298.7 mm) at
  ``DISTANCE_MM`` = 562.5 mm, so px per degree = 35.5 and a 16 px character is 0.45 deg, as the
  data's README states (the study's real viewing distance is not given in the data);
  ``extra["dataset"]``: attribution, trial, participant, age group, passage, the natural,
  injected and true offsets, rate, noise, seed.
- a ``LayoutEvent`` at t = 0 for region ``"text"``: every word (run of non-space characters) as a
  ``LayoutItem(text, box, line)``, box x from the character grid (x0 = position + 16 i,
  x1 = position + 16 j for characters i..j-1), y = line midline +- 32 px (the line's extent);
  ``text`` is the passage, lines joined by newlines.
- gaze samples on the grid t = k / rate_hz (rate 120 Hz by default; 1000 and 30 also used): during
  a recorded fixation [start, end] ms, the fixation point plus Gaussian noise (``noise_deg`` per
  axis, seeded); in a gap between fixations of up to ``BLINK_GAP_MS``, samples along the straight
  line from one fixation to the next (a saccade; ``saccade="invalid"`` writes invalid samples
  instead); longer gaps (blinks, data loss) are invalid samples. The injected offset
  ``inject_px`` is added to every valid sample.

Truth: the offset (reported minus true gaze) of a recording is natural + injected. The natural
y offset of a trial is the median over its non-discarded fixations of recorded y minus gold y
(the line midline the two human correctors agreed on). The gold standard only corrects y, so
the natural x offset is an estimate: the horizontal shift that puts the fixations, on their gold
lines, inside the boxes of those lines' words (`lines.offset_from_assignment`, "boxes"; median
-4 px across trials, IQR 16 px). x errors are measured against it.

    python -m benchmarks.drift_recordings OUT_DIR [--rate 120] [--inject DX,DY] [--noise-deg 0.1]
                                                  [--seed 0] [--trials trial_0,trial_5] [--gz]
    (or: python benchmarks/drift_recordings.py OUT_DIR ...)
"""
from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gazetype.recording.v1 import Header, RecordingWriter
from gazetype.tracker.events import LayoutEvent, LayoutItem
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "drift"

CHAR_PX = 16.0
LINE_PX = 64.0
MIDLINE0_PX = 155.0  # line k's midline: 155 + 64 k
HALF_LINE_PX = LINE_PX / 2
WIDTH_MM = 531.0  # 24" 16:9 panel, square pixels
HEIGHT_MM = 531.0 * 1080 / 1920  # 298.7
DISTANCE_MM = 562.5  # -> 35.5 px per degree: 16 px = 0.45 deg (the data's README)
SCREEN = Screen(1920, 1080, WIDTH_MM, HEIGHT_MM, DISTANCE_MM)
BLINK_GAP_MS = 100.0  # gaps between fixations longer than this are blinks/data loss: invalid samples
REGION = "text"

ATTRIBUTION = {
    "name": "jwcarr/drift reading data (Pescuma et al.), gold-standard line assignments",
    "citation": ("Carr, J. W., Pescuma, V. N., Furlan, M., Ktori, M., & Crepaldi, D. (2022). "
                 "Algorithms for the automated correction of vertical drift in eye-tracking data. "
                 "Behavior Research Methods, 54(1), 287-310. https://doi.org/10.3758/s13428-021-01554-0"),
    "source": "https://github.com/jwcarr/drift (commit 5b4b6c4)",
    "license": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
    "converted_by": "gazetype benchmarks/drift_recordings.py (fixations laid onto synthetic gaze samples)",
}


@dataclass(frozen=True)
class Fix:
    """One recorded fixation: position (px, as recorded, with the tracker's drift), times (ms),
    the gold line (None when the correctors discarded it)."""

    x: float
    y: float
    start_ms: float
    end_ms: float
    gold_line: int | None


@dataclass(frozen=True)
class Passage:
    id: str
    x0: float  # left edge of character 0
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def words(self) -> tuple[LayoutItem, ...]:
        """Every word (run of non-space characters) with its box on the character grid."""
        items = []
        for k, line in enumerate(self.lines):
            mid = line_midline(k)
            i = 0
            n = len(line)
            while i < n:
                if line[i].isspace():
                    i += 1
                    continue
                j = i
                while j < n and not line[j].isspace():
                    j += 1
                items.append(LayoutItem(line[i:j], (self.x0 + CHAR_PX * i, mid - HALF_LINE_PX,
                                                    self.x0 + CHAR_PX * j, mid + HALF_LINE_PX), k))
                i = j
        return tuple(items)


@dataclass(frozen=True)
class Trial:
    id: str
    participant: str
    age_group: str  # "adult" | "child"
    passage: Passage
    fixations: tuple[Fix, ...]
    natural_dy_px: float  # median recorded y - gold y over non-discarded fixations
    natural_dx_px: float = 0.0  # estimated from the gold lines (see _natural_dx); no x gold standard


def line_midline(k: int) -> float:
    return MIDLINE0_PX + LINE_PX * k


def _line_of(y_gold: float) -> int:
    k = round((y_gold - MIDLINE0_PX) / LINE_PX)
    if abs(line_midline(k) - y_gold) > 0.5:
        raise ValueError(f"gold y {y_gold} is not a line midline")
    return k


def _natural_dx(p: Passage, fixes: list) -> float:
    """The trial's own horizontal offset, as well as it can be known: the data has no x gold
    standard, so this is the shift that puts the fixations, on their gold lines, inside the
    word boxes of those lines (`lines.offset_from_assignment`, x_method "boxes")."""
    from gazetype.calibration.lines import TextLines, offset_from_assignment
    tl = TextLines.from_text(p.lines, p.x0, MIDLINE0_PX, CHAR_PX, LINE_PX)
    on = [f for f in fixes if f.gold_line is not None]
    off = offset_from_assignment([(f.x, f.y) for f in on], tl, [f.gold_line for f in on])
    return float(off.dx_px) if off.dx_px == off.dx_px else 0.0


def data_available(data_dir: Path = DATA_DIR) -> bool:
    return all((Path(data_dir) / f).is_file() for f in ("passages.json", "sample.json", "gold.json"))


@lru_cache(maxsize=4)
def _load(data_dir: str) -> dict[str, Trial]:
    d = Path(data_dir)
    passages_raw = json.loads((d / "passages.json").read_text(encoding="utf-8"))
    sample = json.loads((d / "sample.json").read_text(encoding="utf-8"))
    gold = json.loads((d / "gold.json").read_text(encoding="utf-8"))
    passages = {}
    for pid, v in passages_raw.items():
        tb = v["__TextBlock__"]
        passages[pid] = Passage(pid, float(tb["position"][0]), tuple(tb["text"]))
    trials = {}
    for tid, v in sample.items():
        rec = v["fixations"]["__FixationSequence__"]
        gs = gold[tid]["fixations"]["__FixationSequence__"]
        if len(rec) != len(gs):
            raise ValueError(f"{tid}: sample and gold disagree on the number of fixations")
        fixes = []
        for a, b in zip(rec, gs):
            if (a["x"], a["start"], a["end"]) != (b["x"], b["start"], b["end"]):
                raise ValueError(f"{tid}: sample and gold fixations differ beyond y")
            line = None if b.get("discarded") else _line_of(float(b["y"]))
            fixes.append(Fix(float(a["x"]), float(a["y"]), float(a["start"]), float(a["end"]), line))
        diffs = [f.y - line_midline(f.gold_line) for f in fixes if f.gold_line is not None]
        p = passages[v["passage_id"]]
        trials[tid] = Trial(tid, str(v["participant_id"]), v["age_group"], p, tuple(fixes),
                            float(statistics.median(diffs)), _natural_dx(p, fixes))
    return dict(sorted(trials.items(), key=lambda kv: int(kv[0].split("_")[-1])
                       if kv[0].split("_")[-1].isdigit() else kv[0]))


def load_trials(data_dir: Path | str = DATA_DIR) -> dict[str, Trial]:
    """trial id -> Trial (in trial number order), with the gold line of each fixation and the
    trial's natural y offset. Raises FileNotFoundError when the data is absent."""
    if not data_available(Path(data_dir)):
        raise FileNotFoundError(f"drift data not found in {data_dir}")
    return _load(str(Path(data_dir).resolve()))


def true_offset(trial: Trial, inject_px: tuple[float, float] = (0.0, 0.0)) -> tuple[float, float]:
    """The offset (reported minus true gaze, px) of a recording made with `inject_px`."""
    return trial.natural_dx_px + inject_px[0], trial.natural_dy_px + inject_px[1]


def header_for(trial: Trial, *, rate_hz: float, inject_px, noise_deg: float, seed: int,
               saccade: str) -> Header:
    tx, ty = true_offset(trial, inject_px)
    return Header(SCREEN, float(rate_hz), "drift", {"dataset": {
        **ATTRIBUTION,
        "trial": trial.id, "participant": trial.participant, "age_group": trial.age_group,
        "passage": trial.passage.id, "fixations": len(trial.fixations),
        "natural_offset_px": [trial.natural_dx_px, round(trial.natural_dy_px, 3)],
        "natural_offset_note": "y: median recorded minus gold y; x: the shift that puts the fixations on their gold lines inside word boxes",
        "injected_offset_px": [float(inject_px[0]), float(inject_px[1])],
        "true_offset_px": [round(tx, 3), round(ty, 3)],
        "rate_hz": float(rate_hz), "noise_deg": noise_deg, "seed": seed, "saccade": saccade,
    }})


def gaze_samples(trial: Trial, *, rate_hz: float = 120.0, inject_px=(0.0, 0.0), noise_deg: float = 0.1,
                 seed: int = 0, saccade: str = "line", screen: Screen = SCREEN):
    """The trial's fixations laid onto gaze samples (see the module doc); yields GazeSamples."""
    if rate_hz <= 0:
        raise ValueError("rate_hz must be positive")
    if saccade not in ("line", "invalid"):
        raise ValueError("saccade must be 'line' or 'invalid'")
    rng = random.Random(seed)
    sd = noise_deg * screen.px_per_deg
    g = rng.gauss
    dx, dy = float(inject_px[0]), float(inject_px[1])
    fixes = trial.fixations
    if not fixes:
        return
    step_ms = 1000.0 / rate_hz
    k = math.ceil(fixes[0].start_ms / step_ms - 1e-9)
    end_ms = fixes[-1].end_ms
    i = 0
    n = len(fixes)
    while True:
        t_ms = k * step_ms
        if t_ms > end_ms + 1e-9:
            break
        while i < n - 1 and t_ms > fixes[i].end_ms + 1e-9 and t_ms >= fixes[i + 1].start_ms - 1e-9:
            i += 1
        f = fixes[i]
        t_s = t_ms / 1000.0
        if t_ms <= f.end_ms + 1e-9:  # inside fixation i
            x, y = f.x, f.y
            if sd > 0:
                x += g(0.0, sd)
                y += g(0.0, sd)
            yield GazeSample(t_s, x + dx, y + dy, True)
        else:  # gap between fixation i and i + 1
            nxt = fixes[i + 1]
            gap = nxt.start_ms - f.end_ms
            if saccade == "invalid" or gap > BLINK_GAP_MS:
                yield GazeSample.invalid(t_s)
            else:
                a = (t_ms - f.end_ms) / gap
                x = f.x + a * (nxt.x - f.x)
                y = f.y + a * (nxt.y - f.y)
                if sd > 0:
                    x += g(0.0, sd)
                    y += g(0.0, sd)
                yield GazeSample(t_s, x + dx, y + dy, True)
        k += 1


def layout_event(trial: Trial, t_s: float = 0.0) -> LayoutEvent:
    return LayoutEvent(t_s, REGION, trial.passage.words(), trial.passage.text, None)


def trial_recording(trial_id: str, out_path, *, rate_hz: float = 120.0, inject_px=(0.0, 0.0),
                    noise_deg: float = 0.1, seed: int = 0, saccade: str = "line",
                    data_dir: Path | str = DATA_DIR) -> Path:
    """Write trial `trial_id` as a v1 recording at `out_path` (never overwrites: RecordingError if
    it exists). Returns the path."""
    trial = load_trials(data_dir)[trial_id]
    header = header_for(trial, rate_hz=rate_hz, inject_px=inject_px, noise_deg=noise_deg, seed=seed,
                        saccade=saccade)
    with RecordingWriter(out_path, header) as w:
        w.write(layout_event(trial, 0.0))
        for s in gaze_samples(trial, rate_hz=rate_hz, inject_px=inject_px, noise_deg=noise_deg,
                              seed=seed, saccade=saccade):
            w.write(s)
    return Path(out_path)


def _pair(s: str) -> tuple[float, float]:
    a, b = s.split(",")
    return float(a), float(b)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--rate", type=float, default=120.0, help="sample rate, Hz (default 120)")
    ap.add_argument("--inject", type=_pair, default=(0.0, 0.0), metavar="DX,DY",
                    help="offset added to every sample, px (default 0,0)")
    ap.add_argument("--noise-deg", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--saccade", choices=("line", "invalid"), default="line")
    ap.add_argument("--trials", default=None, help="comma-separated trial ids (default: all)")
    ap.add_argument("--gz", action="store_true", help="write .jsonl.gz")
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    a = ap.parse_args(argv)
    try:
        trials = load_trials(a.data)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    ids = a.trials.split(",") if a.trials else list(trials)
    a.out_dir.mkdir(parents=True, exist_ok=True)
    ext = ".jsonl.gz" if a.gz else ".jsonl"
    tag = f"{a.rate:g}hz_dx{a.inject[0]:+g}_dy{a.inject[1]:+g}"
    for tid in ids:
        p = a.out_dir / f"drift_{tid}_{tag}{ext}"
        trial_recording(tid, p, rate_hz=a.rate, inject_px=a.inject, noise_deg=a.noise_deg,
                        seed=a.seed, saccade=a.saccade, data_dir=a.data)
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
