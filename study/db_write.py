"""The study store's writing (a mixin of `StudyStore`, `gazetype.study.db`): every
keystroke its own committed transaction; calibration updates buffered and committed
with the next keystroke or within `CAL_COMMIT_EVERY_S`; nothing deleted or overwritten."""
from __future__ import annotations

import json
import sqlite3

from gazetype.study.db_rows import ParticipantRow, SessionRow
from gazetype.study.db_schema import CAL_COMMIT_EVERY_S, RECORDINGS_DIR, TLX_INSTRUMENT, TLX_SCALES
from gazetype.study.design import Plan
from gazetype.study.errors import StudyError
from gazetype.tracker.private import private_dir


class IndexTaken(StudyError):
    """Another participant has this Latin-square index (perhaps added a moment ago by a
    run started at the same time)."""



class StoreWrites:
    """What `StudyStore` writes: participants with their plan, sessions and their events,
    conditions, trials, keystrokes, calibration updates, questionnaires, validations, repairs."""

    conn: sqlite3.Connection
    _pending_cal: list[tuple]
    _pending_since: float | None

    # -- participants --------------------------------------------------------------
    def add_participant(self, plan: Plan, *, n_phrases: int, n_practice: int, offset_spec: str,
                        phrase_source: str, phrase_sha256: str, created_utc: str,
                        condition_offsets: dict[str, tuple[str, bool]]) -> ParticipantRow:
        """Store a new participant with their whole plan, in one transaction.
        `condition_offsets` maps condition name to (induced offset SPEC, autocal)."""
        try:
            with self.transaction(immediate=True) as c:
                cur = c.execute(
                    "INSERT INTO participants (code, idx, seed, n_phrases, n_practice, offset_spec, "
                    "phrase_source, phrase_sha256, created_utc) VALUES (?,?,?,?,?,?,?,?,?)",
                    (plan.participant, plan.index, plan.seed, n_phrases, n_practice, offset_spec,
                     phrase_source, phrase_sha256, created_utc))
                pid = cur.lastrowid
                cond_ids = {}
                for pos, name in enumerate(plan.order):
                    spec, autocal = condition_offsets[name]
                    cond_ids[pos] = c.execute(
                        "INSERT INTO conditions (participant_id, position, name, offset_spec, autocal) "
                        "VALUES (?,?,?,?,?)", (pid, pos, name, spec, int(autocal))).lastrowid
                c.executemany(
                    "INSERT INTO trials (participant_id, condition_id, position, practice, target) VALUES (?,?,?,?,?)",
                    [(pid, cond_ids[t.condition_pos], t.trial_pos, int(t.practice), t.phrase) for t in plan.trials])
        except sqlite3.IntegrityError as e:
            if "idx" in str(e):
                raise IndexTaken(f"participant index {plan.index} is already taken in {self.folder}") from None
            raise StudyError(f"participant {plan.participant!r} already exists in {self.folder}") from None
        return self.participant(plan.participant)

    # -- sessions ------------------------------------------------------------------------
    def start_session(self, participant_id: int, *, started_utc: str, tracker: str,
                      screen: dict, settings: dict, recording_suffix: str = ".jsonl") -> SessionRow:
        """A new session (run) for a participant. Sessions left 'running' by a crash
        become 'interrupted'. The recording path is allocated here (never reused)."""
        with self.transaction(immediate=True) as c:
            c.execute("UPDATE sessions SET status = 'interrupted' WHERE participant_id = ? AND status = 'running'",
                      (participant_id,))
            sid = c.execute(
                "INSERT INTO sessions (participant_id, started_utc, status, tracker, screen_json, settings_json) "
                "VALUES (?,?,?,?,?,?)", (participant_id, started_utc, "running", tracker,
                                         json.dumps(screen), json.dumps(settings))).lastrowid
            code = c.execute("SELECT code FROM participants WHERE id = ?", (participant_id,)).fetchone()[0]
            rel = f"{RECORDINGS_DIR}/{_safe(code)}-session{sid}{recording_suffix}"
            c.execute("UPDATE sessions SET recording_path = ? WHERE id = ?", (rel, sid))
        private_dir(self.folder / RECORDINGS_DIR)  # 0700 (issue 28)
        return self.session(sid)

    def end_session(self, session_id: int, status: str, ended_utc: str) -> None:
        self.flush()
        self.conn.execute("UPDATE sessions SET status = ?, ended_utc = ? WHERE id = ?", (status, ended_utc, session_id))

    def add_event(self, session_id: int, t_s: float, kind: str, data: dict | None = None) -> None:
        self.conn.execute("INSERT INTO session_events (session_id, t_s, kind, data_json) VALUES (?,?,?,?)",
                          (session_id, t_s, kind, json.dumps(data or {})))

    # -- conditions and trials --------------------------------------------------------------
    def start_condition(self, condition_id: int, session_id: int, t_s: float) -> None:
        self.conn.execute("UPDATE conditions SET session_id = ?, started_t_s = ? WHERE id = ?",
                          (session_id, t_s, condition_id))

    def end_condition(self, condition_id: int, t_s: float) -> None:
        self.flush()
        self.conn.execute("UPDATE conditions SET ended_t_s = ? WHERE id = ?", (t_s, condition_id))

    def start_trial(self, trial_id: int, session_id: int, t_s: float) -> int:
        """Start (or restart) a trial; returns the new attempt number (1, 2, ...)."""
        self.flush()
        c = self.conn
        c.execute("UPDATE trials SET status = 'running', attempt = attempt + 1, session_id = ?, "
                  "started_t_s = ? WHERE id = ? AND status != 'done'", (session_id, t_s, trial_id))
        return c.execute("SELECT attempt FROM trials WHERE id = ?", (trial_id,)).fetchone()[0]

    def finish_trial(self, trial_id: int, t_s: float, transcribed: str, input_stream: str) -> None:
        self.flush()
        self.conn.execute("UPDATE trials SET status = 'done', done_t_s = ?, transcribed = ?, input_stream = ? "
                          "WHERE id = ?", (t_s, transcribed, input_stream, trial_id))
        self.guard_wal()

    def add_keystroke(self, *, trial_id: int, attempt: int, session_id: int, seq: int, t_s: float, key: str,
                      source: str, raw: tuple | None, induced: tuple | None, corrected: tuple | None,
                      correction: tuple | None, text: str) -> int:
        """Store one selection, committed before returning (with buffered calibration updates)."""
        raw = raw or (None, None)
        induced = induced or (None, None)
        corrected = corrected or (None, None)
        correction = correction or (None, None)
        with self.transaction() as c:
            self._write_cal()
            kid = c.execute(
                "INSERT INTO keystrokes (trial_id, attempt, session_id, seq, t_s, key, source, raw_x_px, raw_y_px, "
                "induced_dx_px, induced_dy_px, corrected_x_px, corrected_y_px, correction_dx_px, correction_dy_px, text) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (trial_id, attempt, session_id, seq, t_s, key, source, *_f2(raw), *_f2(induced),
                 *_f2(corrected), *_f2(correction), text)).lastrowid
        self._cal_committed()
        self.guard_wal()
        return kid

    def add_calibration_update(self, *, session_id: int, condition_id: int, trial_id: int | None, t_s: float,
                               dx_px: float, dy_px: float, sd_px: float | None, n: int | None,
                               induced: tuple[float, float], commit_every_s: float = CAL_COMMIT_EVERY_S) -> None:
        """Buffer an offset estimate; committed with the next keystroke, or once the oldest
        buffered one is `commit_every_s` old (here, or at the next `flush_if_due`)."""
        self._pending_cal.append((session_id, condition_id, trial_id, t_s, dx_px, dy_px, sd_px, n,
                                  induced[0], induced[1]))
        if self._pending_since is None:
            self._pending_since = t_s
        self.flush_if_due(t_s, commit_every_s)

    def flush_if_due(self, t_s: float, commit_every_s: float = CAL_COMMIT_EVERY_S) -> bool:
        """Commit the buffered calibration updates if the oldest is `commit_every_s` old
        at `t_s` (the session clock). Cheap when nothing is due: call it for every sample.
        Returns whether it committed."""
        if self._pending_since is None or t_s - self._pending_since < commit_every_s:
            return False
        self.flush()
        return True

    def _write_cal(self) -> None:
        """Insert the buffered calibration updates (inside the caller's transaction)."""
        if self._pending_cal:
            self.conn.executemany(
                "INSERT INTO calibration_updates (session_id, condition_id, trial_id, t_s, dx_px, dy_px, sd_px, n, "
                "induced_dx_px, induced_dy_px) VALUES (?,?,?,?,?,?,?,?,?,?)", self._pending_cal)

    def _cal_committed(self) -> None:
        """The buffered calibration updates are committed: forget them."""
        self._pending_cal = []
        self._pending_since = None

    def flush(self) -> None:
        """Commit buffered calibration updates."""
        if not self._pending_cal:
            return
        with self.transaction():
            self._write_cal()
        self._cal_committed()

    def add_tlx(self, condition_id: int, session_id: int, answers: dict[str, float], t_s: float) -> None:
        try:
            with self.transaction() as c:
                c.executemany("INSERT INTO questionnaire (condition_id, session_id, instrument, item, value, t_s) "
                              "VALUES (?,?,?,?,?,?)",
                              [(condition_id, session_id, TLX_INSTRUMENT, k, float(answers[k]), t_s)
                               for k in TLX_SCALES])
        except sqlite3.IntegrityError:
            raise StudyError("this condition's NASA-TLX was already answered; answers are never overwritten") from None

    def add_validation(self, *, session_id: int, condition_id: int, block: str, result_json: str, t_start_s: float,
                       t_end_s: float, n_targets: int, accuracy_deg: float | None,
                       offset_px: tuple[float, float] | None, rms_s2s_deg: float | None, sd_deg: float | None,
                       data_loss_pct: float, induced: tuple[float, float],
                       estimate: tuple[float, float] | None) -> int:
        """Store one validation block (committed at once, with any buffered estimates)."""
        off = offset_px or (None, None)
        est = estimate or (None, None)
        with self.transaction() as c:
            self._write_cal()
            vid = c.execute(
                "INSERT INTO validations (session_id, condition_id, block, t_start_s, t_end_s, n_targets, "
                "accuracy_deg, offset_dx_px, offset_dy_px, rms_s2s_deg, sd_deg, data_loss_pct, induced_dx_px, "
                "induced_dy_px, estimate_dx_px, estimate_dy_px, result_json) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (session_id, condition_id, block, t_start_s, t_end_s, n_targets, accuracy_deg, off[0], off[1],
                 rms_s2s_deg, sd_deg, data_loss_pct, induced[0], induced[1], est[0], est[1], result_json)).lastrowid
        self._cal_committed()
        self.guard_wal()
        return vid

    def repair_trial(self, trial_id: int, *, attempt: int, session_id: int, started_t_s: float,
                     done: tuple[float, str, str] | None) -> None:
        """Bring a trial's row up to what its session's recording shows: at least this
        attempt, and done (t_s, transcribed, input stream) if the recording finished it."""
        with self.transaction() as c:
            c.execute("UPDATE trials SET attempt = ?, session_id = ?, started_t_s = ?, "
                      "status = CASE WHEN status = 'done' THEN status ELSE 'running' END "
                      "WHERE id = ? AND attempt < ?", (attempt, session_id, started_t_s, trial_id, attempt))
            if done is not None:
                c.execute("UPDATE trials SET status = 'done', done_t_s = ?, transcribed = ?, input_stream = ? "
                          "WHERE id = ? AND status != 'done'", (*done, trial_id))

    def repair_condition(self, condition_id: int, *, session_id: int, started_t_s: float | None,
                         ended_t_s: float | None) -> None:
        with self.transaction() as c:
            if started_t_s is not None:
                c.execute("UPDATE conditions SET session_id = ?, started_t_s = ? WHERE id = ? AND started_t_s IS NULL",
                          (session_id, started_t_s, condition_id))
            if ended_t_s is not None:
                c.execute("UPDATE conditions SET ended_t_s = ? WHERE id = ? AND ended_t_s IS NULL",
                          (ended_t_s, condition_id))


def _f2(v: tuple) -> tuple:
    return tuple(None if x is None or x != x else float(x) for x in v)


def _safe(code: str) -> str:
    """A participant id as a file-name part."""
    s = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in code)
    return s.strip(".") or "participant"
