"""Study design: conditions, counterbalancing and each participant's trial plan.

Conditions (the EyeO-style comparison):
    calibrated      the tracker as calibrated; no induced offset, no autocalibration
    miscalibrated   the induced offset is added to the tracker stream, not corrected
    autocalibrated  the same induced offset, corrected by implicit autocalibration
    predicted       as calibrated, with a row of 5 word suggestions above the keys
                    (prediction on/off as a factor: --conditions calibrated,predicted)

Order is counterbalanced with a balanced Latin square (Williams design) indexed by the
participant's index: every condition appears equally often in every position, and
every condition follows every other equally often (for an odd number of conditions
this needs 2n orders, the square and its mirror). Phrases are drawn without
replacement with a seed derived from the participant's id, so a plan can always be
rebuilt; it is stored anyway, so a changed phrase file cannot change a running study.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from gazetype.study.errors import StudyError
from gazetype.study.phrases import PhraseSet


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    induced: bool  # the study's offset is added to the tracker stream
    autocal: bool  # implicit autocalibration corrects the stream
    description: str
    suggestions: int = 0  # word suggestions shown above the keys (0: none)


CONDITIONS: dict[str, Condition] = {c.name: c for c in (
    Condition("calibrated", False, False, "baseline: the tracker as calibrated"),
    Condition("miscalibrated", True, False, "induced offset, no correction"),
    Condition("autocalibrated", True, True, "induced offset, corrected by autocalibration"),
    Condition("predicted", False, False, "the tracker as calibrated, with 5 word suggestions", suggestions=5),
)}
DEFAULT_CONDITIONS = ("calibrated", "miscalibrated", "autocalibrated")
# Along the rows, 0.6 of the key pitch to the right: gaze aimed at a key's centre lands
# on its right-hand neighbour, so miscalibration costs typing (the former 1.5 deg down
# cost so little that simulated miscalibrated typing was faster than calibrated). On a
# 24" full-HD screen at 60 cm: 114 px, 3.0 deg.
DEFAULT_OFFSET = "0.6,0keys"


def parse_conditions(text: str | None) -> tuple[str, ...]:
    """Condition names from a comma-separated list (None: the default three)."""
    if text is None:
        return DEFAULT_CONDITIONS
    names = tuple(n.strip().lower() for n in text.split(",") if n.strip())
    if not names:
        raise StudyError(f"--conditions {text!r}: no condition given; choose from {', '.join(CONDITIONS)}")
    for n in names:
        if n not in CONDITIONS:
            raise StudyError(f"--conditions: unknown condition {n!r}; choose from {', '.join(CONDITIONS)}")
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise StudyError(f"--conditions: {', '.join(sorted(dup))} given twice")
    return names


def balanced_latin_square(n: int) -> list[list[int]]:
    """Williams' balanced Latin square for n treatments (0..n-1), one order per row.

    Row r is the first row (0, 1, n-1, 2, n-2, ...) plus r mod n. For odd n the
    mirrored rows are appended (2n rows), since no n-row square is balanced then."""
    if n < 1:
        raise ValueError("need at least one condition")
    first, lo, hi = [0], 1, n - 1
    while len(first) < n:
        first.append(lo)
        lo += 1
        if len(first) < n:
            first.append(hi)
            hi -= 1
    rows = [[(c + r) % n for c in first] for r in range(n)]
    if n % 2 == 1 and n > 1:
        rows += [list(reversed(row)) for row in rows]
    return rows


def condition_order(conditions: tuple[str, ...], participant_index: int) -> tuple[str, ...]:
    """The order participant `participant_index` (0-based) gets the conditions in."""
    if participant_index < 0:
        raise StudyError(f"participant index must be >= 0, got {participant_index}")
    rows = balanced_latin_square(len(conditions))
    return tuple(conditions[i] for i in rows[participant_index % len(rows)])


def participant_seed(participant: str) -> int:
    """A stable seed from a participant id (not Python's salted hash())."""
    return int.from_bytes(hashlib.sha256(f"gazetype-study:{participant}".encode()).digest()[:7], "big")  # < 2**56: fits SQLite INTEGER


@dataclass(frozen=True, slots=True)
class PlannedTrial:
    condition: str
    condition_pos: int  # 0-based position of the condition in this participant's order
    trial_pos: int  # 0-based position within the condition, practice trials first
    practice: bool
    phrase: str


@dataclass(frozen=True)
class Plan:
    participant: str
    index: int
    seed: int
    order: tuple[str, ...]
    trials: tuple[PlannedTrial, ...]


def make_plan(participant: str, index: int, conditions: tuple[str, ...], phrases: PhraseSet,
              n_phrases: int, n_practice: int) -> Plan:
    """Per condition (in Latin-square order): `n_practice` practice phrases, then
    `n_phrases` measured ones, all distinct, drawn with the participant's seed."""
    if n_phrases < 1:
        raise StudyError(f"--phrases must be at least 1, got {n_phrases}")
    if n_practice < 0:
        raise StudyError(f"--practice must be 0 or more, got {n_practice}")
    order = condition_order(conditions, index)
    per = n_phrases + n_practice
    need = per * len(order)
    if need > len(phrases):
        raise StudyError(f"{phrases.source}: {len(phrases)} phrases, but {len(order)} conditions x "
                         f"({n_practice} practice + {n_phrases}) need {need} distinct ones")
    seed = participant_seed(participant)
    drawn = random.Random(seed).sample(phrases.phrases, need)
    trials = []
    for ci, cond in enumerate(order):
        for ti, phrase in enumerate(drawn[ci * per:(ci + 1) * per]):
            trials.append(PlannedTrial(cond, ci, ti, ti < n_practice, phrase))
    return Plan(participant, index, seed, order, tuple(trials))
