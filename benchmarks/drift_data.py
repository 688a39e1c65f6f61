"""Loader for the real multi-line reading data in shared/data/drift (pure json/numpy).

Data: Carr, Pescuma, Furlan, Ktori & Crepaldi (2022), "Algorithms for the automated
correction of vertical drift in eye-tracking data", Behavior Research Methods 54:287-310,
https://github.com/jwcarr/drift (commit 5b4b6c4). Licence CC BY 4.0.
48 trials (24 adults, 24 children), EyeLink 1000 Plus, 12 Italian passages.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "drift"
CHAR_W_PX = 16.0
LINE_H_PX = 64.0
FIRST_MID_Y_PX = 155.0
ATTRIBUTION = ("Data: Carr, Pescuma, Furlan, Ktori & Crepaldi (2022), Behav Res Methods 54:287-310; "
               "github.com/jwcarr/drift; CC BY 4.0")


@dataclass(frozen=True, eq=False)
class Trial:
    trial_id: str
    participant_id: str
    age_group: str            # "adult" | "child"
    passage_id: str
    fix_xy: np.ndarray        # (n, 2) recorded fixation x, y (px)
    dur_ms: np.ndarray        # (n,)
    gold_line: np.ndarray     # (n,) gold line index, -1 = discarded by the correctors

    @property
    def kept(self) -> np.ndarray:
        return self.gold_line >= 0

    def natural_dy_px(self) -> float:
        """The trial's own vertical offset: median of recorded y minus gold midline y."""
        k = self.kept
        gold_y = FIRST_MID_Y_PX + LINE_H_PX * self.gold_line[k]
        return float(np.median(self.fix_xy[k, 1] - gold_y))


def _fixations(entry) -> list[dict]:
    return entry["fixations"]["__FixationSequence__"]


def load_passages(data_dir: Path = DATA_DIR) -> dict[str, dict]:
    """passage id -> {"left_px", "lines": [str, ...]}."""
    raw = json.loads((Path(data_dir) / "passages.json").read_text(encoding="utf-8"))
    return {pid: {"left_px": float(v["__TextBlock__"]["position"][0]), "lines": v["__TextBlock__"]["text"]}
            for pid, v in raw.items()}


def load_trials(data_dir: Path = DATA_DIR) -> list[Trial]:
    data_dir = Path(data_dir)
    sample = json.loads((data_dir / "sample.json").read_text(encoding="utf-8"))
    gold = json.loads((data_dir / "gold.json").read_text(encoding="utf-8"))
    trials = []
    for tid, t in sample.items():
        fx, gx = _fixations(t), _fixations(gold[tid])
        if len(fx) != len(gx):
            raise ValueError(f"{tid}: sample and gold differ in length")
        xy = np.array([[f["x"], f["y"]] for f in fx], dtype=float)
        dur = np.array([f["end"] - f["start"] for f in fx], dtype=float)
        gl = np.array([-1 if g.get("discarded") else int(round((g["y"] - FIRST_MID_Y_PX) / LINE_H_PX))
                       for g in gx], dtype=int)
        trials.append(Trial(tid, str(t["participant_id"]), t["age_group"], t["passage_id"], xy, dur, gl))
    return trials
