"""The drift trials as arrays, for the line-assignment benchmark (drift_lines.py).

A view over the one reader of the data files, `drift_recordings.load_trials` (which also
turns trials into recordings). Data: Carr, Pescuma, Furlan, Ktori & Crepaldi (2022),
"Algorithms for the automated correction of vertical drift in eye-tracking data", Behavior
Research Methods 54:287-310, https://github.com/jwcarr/drift (commit 5b4b6c4). CC BY 4.0.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __package__:
    from benchmarks import drift_recordings as dr
else:  # run as a script: benchmarks/ itself is on sys.path
    import drift_recordings as dr  # type: ignore[no-redef]

DATA_DIR = dr.DATA_DIR
CHAR_W_PX = float(dr.CHAR_PX)
LINE_H_PX = float(dr.LINE_PX)
FIRST_MID_Y_PX = float(dr.MIDLINE0_PX)
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
    natural_dy: float         # median of recorded y minus gold midline y (px)

    @property
    def kept(self) -> np.ndarray:
        return self.gold_line >= 0

    def natural_dy_px(self) -> float:
        return self.natural_dy


def load_passages(data_dir: Path = DATA_DIR) -> dict[str, dict]:
    """passage id -> {"left_px", "lines": [str, ...]}."""
    return {t.passage.id: {"left_px": t.passage.x0, "lines": list(t.passage.lines)}
            for t in dr.load_trials(data_dir).values()}


def load_trials(data_dir: Path = DATA_DIR) -> list[Trial]:
    out = []
    for t in dr.load_trials(data_dir).values():
        fx = t.fixations
        out.append(Trial(t.id, t.participant, t.age_group, t.passage.id,
                         np.array([[f.x, f.y] for f in fx], dtype=float),
                         np.array([f.end_ms - f.start_ms for f in fx], dtype=float),
                         np.array([-1 if f.gold_line is None else f.gold_line for f in fx], dtype=int),
                         t.natural_dy_px))
    return out
