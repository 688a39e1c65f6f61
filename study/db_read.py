"""The study store's reading queries (a mixin of `StudyStore`, `gazetype.study.db`):
rows by column name into the dataclasses of `db_rows`, never by position."""
from __future__ import annotations

import json
import sqlite3
from typing import Iterator

from gazetype.study.db_rows import AnalysisTrialRow, ConditionRow, KeystrokeRow, ParticipantRow, SessionRow, \
    TrialRow, ValidationRow, from_row
from gazetype.study.db_schema import TABLES, TLX_INSTRUMENT


class StoreReads:
    """What `StudyStore` reads (never writes): participants, their plan, sessions, and
    the rows analysis, export and repair read."""

    conn: sqlite3.Connection

    # -- participants --------------------------------------------------------------
    def participant(self, code: str) -> ParticipantRow | None:
        return self._select_one(ParticipantRow, "participants", "WHERE code = ?", (code,))

    def participants(self) -> list[ParticipantRow]:
        return self._select(ParticipantRow, "participants", "ORDER BY idx")

    def next_index(self) -> int:
        r = self.conn.execute("SELECT MAX(idx) FROM participants").fetchone()[0]
        return 0 if r is None else r + 1

    def index_taken(self, idx: int) -> bool:
        return self.conn.execute("SELECT 1 FROM participants WHERE idx = ?", (idx,)).fetchone() is not None
    # -- plan --------------------------------------------------------------------------
    def conditions(self, participant_id: int) -> list[ConditionRow]:
        return self._select(ConditionRow, "conditions", "WHERE participant_id = ? ORDER BY position",
                            (participant_id,))

    def condition(self, condition_id: int) -> ConditionRow:
        return self._select_one(ConditionRow, "conditions", "WHERE id = ?", (condition_id,))

    def trials(self, condition_id: int) -> list[TrialRow]:
        return self._select(TrialRow, "trials", "WHERE condition_id = ? ORDER BY position", (condition_id,))

    def trial(self, trial_id: int) -> TrialRow:
        return self._select_one(TrialRow, "trials", "WHERE id = ?", (trial_id,))

    # -- sessions ------------------------------------------------------------------------
    def session(self, session_id: int) -> SessionRow:
        return self._select_one(SessionRow, "sessions", "WHERE id = ?", (session_id,))

    def sessions(self, participant_id: int | None = None) -> list[SessionRow]:
        if participant_id is None:
            return self._select(SessionRow, "sessions", "ORDER BY id")
        return self._select(SessionRow, "sessions", "WHERE participant_id = ? ORDER BY id", (participant_id,))

    def tlx(self, condition_id: int) -> dict[str, float]:
        return dict(self.conn.execute(
            "SELECT item, value FROM questionnaire WHERE condition_id = ? AND instrument = ?",
            (condition_id, TLX_INSTRUMENT)))

    # -- reading -----------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        """The meta table: format, schema_version, created_utc, created_by."""
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def keystrokes(self, trial_id: int, attempt: int | None = None) -> list[KeystrokeRow]:
        if attempt is None:
            return self._select(KeystrokeRow, "keystrokes", "WHERE trial_id = ? ORDER BY attempt, seq", (trial_id,))
        return self._select(KeystrokeRow, "keystrokes", "WHERE trial_id = ? AND attempt = ? ORDER BY seq",
                            (trial_id, attempt))

    def key_entries(self, trial_id: int, attempt: int) -> list[tuple[float, str, str]]:
        """(t_s, key, text after the key) of an attempt's selections, in order."""
        return self.conn.execute("SELECT t_s, key, text FROM keystrokes WHERE trial_id = ? AND attempt = ? "
                                 "ORDER BY seq", (trial_id, attempt)).fetchall()

    def analysis_trials(self) -> list[AnalysisTrialRow]:
        """Every planned trial with its participant and condition, in participant
        (index), condition and trial order."""
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        cur.execute(
            "SELECT p.code AS participant, p.idx AS participant_index, t.id AS trial_id, t.session_id, "
            "c.name AS condition, c.id AS condition_id, c.position AS condition_pos, t.position AS trial_pos, "
            "t.practice, t.status, t.attempt, t.target, c.offset_spec, c.autocal, t.done_t_s, t.transcribed, "
            "t.input_stream "
            "FROM trials t JOIN conditions c ON t.condition_id = c.id JOIN participants p ON t.participant_id = p.id "
            "ORDER BY p.idx, c.position, t.position")
        return [from_row(AnalysisTrialRow, r) for r in cur.fetchall()]

    def count_done_trials(self, session_id: int) -> int:
        """Trials whose last attempt was in `session_id` and finished."""
        return self.conn.execute("SELECT COUNT(*) FROM trials WHERE session_id = ? AND status = 'done'",
                                 (session_id,)).fetchone()[0]

    def condition_starts(self) -> dict[tuple[int, int], float]:
        """(session id, condition id) -> t_s of the first condition_start event."""
        starts: dict[tuple[int, int], float] = {}
        for sid, t, data in self.conn.execute(
                "SELECT session_id, t_s, data_json FROM session_events WHERE kind = 'condition_start' ORDER BY id"):
            cid = json.loads(data).get("condition_id")
            if cid is not None:
                starts.setdefault((sid, cid), t)
        return starts

    def all_conditions(self) -> list[tuple[str, int, str]]:
        """(participant code, condition id, condition name) in participant (index) and condition order."""
        return self.conn.execute(
            "SELECT p.code, c.id, c.name FROM conditions c JOIN participants p ON c.participant_id = p.id "
            "ORDER BY p.idx, c.position").fetchall()

    def questionnaire_rows(self) -> list[tuple[str, str, int, str, str, float]]:
        """(participant code, condition name, condition position, instrument, item, value)
        in participant, condition and answer order."""
        return self.conn.execute(
            "SELECT p.code, c.name, c.position, q.instrument, q.item, q.value FROM questionnaire q "
            "JOIN conditions c ON q.condition_id = c.id JOIN participants p ON c.participant_id = p.id "
            "ORDER BY p.idx, c.position, q.id").fetchall()

    def all_keystrokes(self) -> Iterator[tuple]:
        """Every keystroke with participant, session, condition and trial context."""
        return self.conn.execute(
            "SELECT p.code, k.session_id, c.name, c.position, t.position, t.practice, k.attempt, "
            "k.attempt = t.attempt AS counted, k.seq, k.t_s, k.key, k.source, k.raw_x_px, k.raw_y_px, "
            "k.induced_dx_px, k.induced_dy_px, k.corrected_x_px, k.corrected_y_px, k.correction_dx_px, "
            "k.correction_dy_px, k.text FROM keystrokes k JOIN trials t ON k.trial_id = t.id "
            "JOIN conditions c ON t.condition_id = c.id JOIN participants p ON t.participant_id = p.id "
            "ORDER BY p.idx, c.position, t.position, k.attempt, k.seq")

    def calibration_updates(self, condition_id: int) -> list[tuple]:
        """(t_s, dx_px, dy_px, induced_dx_px, induced_dy_px, session_id) of a condition."""
        return self.conn.execute(
            "SELECT t_s, dx_px, dy_px, induced_dx_px, induced_dy_px, session_id FROM calibration_updates "
            "WHERE condition_id = ? ORDER BY id", (condition_id,)).fetchall()

    def has_table(self, table: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 (table,)).fetchone() is not None

    def validations(self, condition_id: int | None = None) -> list[ValidationRow]:
        """Validation blocks (of one condition, or all) in participant, condition and time
        order; none for a version-1 study read as it is."""
        if not self.has_table("validations"):
            return []
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        where = "" if condition_id is None else "WHERE v.condition_id = ? "
        cur.execute(
            "SELECT v.id, p.code AS participant, v.session_id, v.condition_id, c.name AS condition, "
            "c.position AS condition_pos, v.block, v.t_start_s, v.t_end_s, v.n_targets, v.accuracy_deg, "
            "v.offset_dx_px, v.offset_dy_px, v.rms_s2s_deg, v.sd_deg, v.data_loss_pct, v.induced_dx_px, "
            "v.induced_dy_px, v.estimate_dx_px, v.estimate_dy_px, v.result_json FROM validations v "
            "JOIN conditions c ON v.condition_id = c.id JOIN participants p ON c.participant_id = p.id "
            + where + "ORDER BY p.idx, c.position, v.t_start_s, v.id", () if condition_id is None else (condition_id,))
        return [from_row(ValidationRow, r) for r in cur.fetchall()]

    def session_keystroke_count(self, session_id: int) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM keystrokes WHERE session_id = ?", (session_id,)).fetchone()[0]

    def attempt_seqs(self, trial_id: int, attempt: int) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT seq FROM keystrokes WHERE trial_id = ? AND attempt = ?",
                                                (trial_id, attempt))}

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(table)
        return self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
