"""The study database's rows: one frozen dataclass per row kind, read by column name
(`from_row`), never by position, so a migration that adds or reorders columns does not
shift fields. Part of the study store (`gazetype.study.db`)."""
from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class ParticipantRow:
    id: int
    code: str
    idx: int
    seed: int
    n_phrases: int
    n_practice: int
    offset_spec: str
    phrase_source: str
    phrase_sha256: str
    created_utc: str


@dataclass(frozen=True)
class ConditionRow:
    id: int
    participant_id: int
    position: int
    name: str
    offset_spec: str
    autocal: bool
    session_id: int | None
    started_t_s: float | None
    ended_t_s: float | None


@dataclass(frozen=True)
class TrialRow:
    id: int
    participant_id: int
    condition_id: int
    position: int
    practice: bool
    target: str
    status: str
    attempt: int
    session_id: int | None
    started_t_s: float | None
    done_t_s: float | None
    transcribed: str | None
    input_stream: str | None


@dataclass(frozen=True)
class SessionRow:
    id: int
    participant_id: int
    started_utc: str
    ended_utc: str | None
    status: str
    tracker: str
    screen_json: str
    settings_json: str
    recording_path: str | None


@dataclass(frozen=True)
class KeystrokeRow:
    id: int
    trial_id: int
    attempt: int
    session_id: int
    seq: int
    t_s: float
    key: str
    source: str
    raw_x_px: float | None
    raw_y_px: float | None
    induced_dx_px: float | None
    induced_dy_px: float | None
    corrected_x_px: float | None
    corrected_y_px: float | None
    correction_dx_px: float | None
    correction_dy_px: float | None
    text: str


@dataclass(frozen=True)
class AnalysisTrialRow:
    """A planned trial with its participant and condition, for analysis."""

    participant: str  # participants.code
    participant_index: int  # participants.idx
    trial_id: int
    session_id: int | None
    condition: str  # conditions.name
    condition_id: int
    condition_pos: int
    trial_pos: int
    practice: bool
    status: str
    attempt: int
    target: str
    offset_spec: str  # conditions.offset_spec
    autocal: bool
    done_t_s: float | None
    transcribed: str | None
    input_stream: str | None


@dataclass(frozen=True)
class ValidationRow:
    """A stored validation block with its participant and condition."""

    id: int
    participant: str
    session_id: int
    condition_id: int
    condition: str
    condition_pos: int
    block: str  # "start" or "end" of the condition
    t_start_s: float
    t_end_s: float
    n_targets: int
    accuracy_deg: float | None
    offset_dx_px: float | None  # measured reported - target (the induced offset included)
    offset_dy_px: float | None
    rms_s2s_deg: float | None
    sd_deg: float | None
    data_loss_pct: float
    induced_dx_px: float
    induced_dy_px: float
    estimate_dx_px: float | None  # the autocalibration's estimate at the block (None: none yet)
    estimate_dy_px: float | None
    result_json: str


def columns(cls) -> str:
    """The SELECT list for a row dataclass: its fields, by name."""
    return ", ".join(f.name for f in dataclasses.fields(cls))


def from_row(cls, row: sqlite3.Row):
    """A row dataclass from a `sqlite3.Row`, field by field by column name (never by position)."""
    return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})
