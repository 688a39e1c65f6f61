"""One SQLite database per study (`DIR/study.sqlite`, WAL): the schema and every read
and write of it. The schema is documented in docs/study.md.

Durability: the connection is in autocommit mode with `synchronous=FULL`, and every
keystroke is its own committed transaction, so killing the process at any moment
loses at most the keystroke in flight. Calibration updates are buffered and
committed with the next keystroke or within a second: the runner calls
`flush_if_due` for every gaze sample, which commits buffered updates once the oldest
is a second old. Nothing is ever deleted or overwritten: a restarted trial keeps its
earlier attempts' keystrokes.

No SQL is written anywhere else in the package (a test checks). Rows are read by
column name into the frozen dataclasses below (`_select`), never by position, so
a migration that adds or reorders columns does not shift fields. Writes that need
more than one statement use `transaction()`.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from gazetype.study.design import Plan
from gazetype.study.errors import StudyError

DB_NAME = "study.sqlite"
FORMAT = "gazetype-study"
SCHEMA_VERSION = 2  # 2 added `validations`; version 1 studies are migrated when opened for writing
READABLE_VERSIONS = ("1", "2")
RECORDINGS_DIR = "recordings"


class IndexTaken(StudyError):
    """Another participant has this Latin-square index (perhaps added a moment ago by a
    run started at the same time)."""


def is_own_file(study_dir, path) -> bool:
    """Whether `path` is one of the study's own files: its database (and SQLite's
    companions, `-wal`, `-shm`, ...) or anything under its recordings folder. Output
    options never write there, not even with --force."""
    d = Path(study_dir).resolve()
    p = Path(path).resolve()
    if p.parent == d and p.name.startswith(DB_NAME):
        return True
    return p == d / RECORDINGS_DIR or (d / RECORDINGS_DIR) in p.parents
TLX_SCALES = ("mental", "physical", "temporal", "performance", "effort", "frustration")
TLX_INSTRUMENT = "nasa-tlx-raw"
CAL_COMMIT_EVERY_S = 1.0  # buffered calibration updates are committed at most this old

VALIDATIONS_SQL = """
CREATE TABLE validations (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    condition_id    INTEGER NOT NULL REFERENCES conditions(id),
    block           TEXT NOT NULL CHECK (block IN ('start', 'end')),
    t_start_s       REAL NOT NULL, t_end_s REAL NOT NULL,
    n_targets       INTEGER NOT NULL,
    accuracy_deg    REAL,                       -- mean over targets of the angle of the mean offset
    offset_dx_px    REAL, offset_dy_px REAL,    -- measured: reported (induced offset included) - target
    rms_s2s_deg     REAL, sd_deg REAL,
    data_loss_pct   REAL NOT NULL,
    induced_dx_px   REAL NOT NULL, induced_dy_px REAL NOT NULL,  -- induced offset during the block
    estimate_dx_px  REAL, estimate_dy_px REAL,  -- the autocalibration's estimate then (NULL: none yet)
    result_json     TEXT NOT NULL               -- the whole result, per target (calibration/validation.py)
);
"""

SCHEMA_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE participants (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,      -- the --participant ID
    idx            INTEGER NOT NULL UNIQUE,   -- 0-based index: row of the Latin square
    seed           INTEGER NOT NULL,          -- phrase draw seed
    n_phrases      INTEGER NOT NULL,
    n_practice     INTEGER NOT NULL,
    offset_spec    TEXT NOT NULL,             -- the induced offset SPEC
    phrase_source  TEXT NOT NULL,             -- "builtin" or the phrase file's path
    phrase_sha256  TEXT NOT NULL,
    created_utc    TEXT NOT NULL
);
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    participant_id  INTEGER NOT NULL REFERENCES participants(id),
    started_utc     TEXT NOT NULL,
    ended_utc       TEXT,
    status          TEXT NOT NULL CHECK (status IN ('running', 'completed', 'aborted', 'interrupted')),
    tracker         TEXT NOT NULL,
    screen_json     TEXT NOT NULL,
    settings_json   TEXT NOT NULL,
    recording_path  TEXT                        -- v1 recording, relative to the study folder
);
CREATE TABLE conditions (
    id              INTEGER PRIMARY KEY,
    participant_id  INTEGER NOT NULL REFERENCES participants(id),
    position        INTEGER NOT NULL,           -- 0-based, in the participant's order
    name            TEXT NOT NULL,
    offset_spec     TEXT NOT NULL,              -- induced offset ("none" when not induced)
    autocal         INTEGER NOT NULL,
    session_id      INTEGER REFERENCES sessions(id),  -- session that last started it
    started_t_s     REAL,
    ended_t_s       REAL,
    UNIQUE (participant_id, position)
);
CREATE TABLE trials (
    id              INTEGER PRIMARY KEY,
    participant_id  INTEGER NOT NULL REFERENCES participants(id),
    condition_id    INTEGER NOT NULL REFERENCES conditions(id),
    position        INTEGER NOT NULL,           -- 0-based within the condition, practice first
    practice        INTEGER NOT NULL,
    target          TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done')),
    attempt         INTEGER NOT NULL DEFAULT 0, -- attempts started; the last one is the trial
    session_id      INTEGER REFERENCES sessions(id),  -- session of the last attempt
    started_t_s     REAL,
    done_t_s        REAL,
    transcribed     TEXT,
    input_stream    TEXT,                       -- "\b" for each backspace
    UNIQUE (condition_id, position)
);
CREATE TABLE keystrokes (
    id              INTEGER PRIMARY KEY,
    trial_id        INTEGER NOT NULL REFERENCES trials(id),
    attempt         INTEGER NOT NULL,
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    seq             INTEGER NOT NULL,           -- 0-based within the attempt
    t_s             REAL NOT NULL,
    key             TEXT NOT NULL,              -- key id: "a", "space", "backspace", "done", ...
    source          TEXT NOT NULL CHECK (source IN ('dwell', 'operator')),
    raw_x_px        REAL, raw_y_px REAL,        -- tracker gaze, before the induced offset
    induced_dx_px   REAL, induced_dy_px REAL,   -- induced offset at t_s
    corrected_x_px  REAL, corrected_y_px REAL,  -- gaze the dwell engine used
    correction_dx_px REAL, correction_dy_px REAL, -- correction applied at t_s (autocalibration)
    text            TEXT NOT NULL,              -- text after the key
    UNIQUE (trial_id, attempt, seq)
);
CREATE TABLE calibration_updates (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    condition_id    INTEGER NOT NULL REFERENCES conditions(id),
    trial_id        INTEGER REFERENCES trials(id),
    t_s             REAL NOT NULL,
    dx_px           REAL NOT NULL, dy_px REAL NOT NULL,   -- estimate (reported - true)
    sd_px           REAL, n INTEGER,
    induced_dx_px   REAL NOT NULL, induced_dy_px REAL NOT NULL
);
CREATE TABLE questionnaire (
    id              INTEGER PRIMARY KEY,
    condition_id    INTEGER NOT NULL REFERENCES conditions(id),
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    instrument      TEXT NOT NULL,              -- "nasa-tlx-raw"
    item            TEXT NOT NULL,              -- mental, physical, temporal, performance, effort, frustration
    value           REAL NOT NULL,              -- 0..100
    t_s             REAL NOT NULL,
    UNIQUE (condition_id, instrument, item)
);
CREATE TABLE session_events (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    t_s             REAL NOT NULL,
    kind            TEXT NOT NULL,              -- condition_start, pause, resume, abort, ...
    data_json       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX keystrokes_trial ON keystrokes (trial_id, attempt, seq);
CREATE INDEX calibration_condition ON calibration_updates (condition_id, t_s);
CREATE INDEX trials_condition ON trials (condition_id, position);
"""

TABLES = ("meta", "participants", "sessions", "conditions", "trials", "keystrokes",
          "calibration_updates", "questionnaire", "session_events", "validations")

# Schema migrations: version -> the statements that bring a study of that version to the
# next. Each runs in one transaction with the version bump, when a study is opened for
# writing; reading (export, report, status) never writes and reads older versions as they
# are (a missing table reads as empty).
MIGRATIONS = {
    1: VALIDATIONS_SQL + "CREATE INDEX validations_condition ON validations (condition_id, t_start_s);\n",
}
SCHEMA = SCHEMA_V1 + MIGRATIONS[1]  # a new study: version 1 and every migration


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


def _columns(cls) -> str:
    """The SELECT list for a row dataclass: its fields, by name."""
    return ", ".join(f.name for f in dataclasses.fields(cls))


def _from_row(cls, row: sqlite3.Row):
    """A row dataclass from a `sqlite3.Row`, field by field by column name (never by position)."""
    return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection, *, immediate: bool = False):
    """BEGIN [IMMEDIATE] ... COMMIT; ROLLBACK on any exception (COMMIT's own included),
    then re-raise. A ROLLBACK that fails because no transaction is active any more
    (SQLite already rolled back, say after a disk-full error) does not hide the error."""
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        raise


def _statements(script: str) -> list[str]:
    """A SQL script split into complete statements (so they can run inside a transaction)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


class StudyStore:
    """A study folder's database. Open with `StudyStore.open(dir, create=...)`."""

    def __init__(self, folder: Path, conn: sqlite3.Connection) -> None:
        self.folder = folder
        self.path = folder / DB_NAME
        self.conn = conn
        self._pending_cal: list[tuple] = []
        self._pending_since: float | None = None  # t_s of the oldest buffered calibration update
        self._wal_id: tuple[int, int] | None = None  # (device, inode) of the -wal file this connection writes
        self.wal_rescues = 0  # times the -wal file was found deleted or replaced and its rows saved

    # -- opening -------------------------------------------------------------------
    @classmethod
    def open(cls, folder: str | os.PathLike, *, create: bool = False, created_utc: str | None = None,
             app_version: str = "", read_only: bool = False) -> "StudyStore":
        """Open the study in `folder`. With `create`, a missing or empty folder becomes a
        new study; a folder with other files but no study.sqlite is refused. With
        `read_only` (export, report, status) nothing is written, so a study on a read-only
        mount or in a folder the user may not write can still be read."""
        folder = Path(folder)
        db = folder / DB_NAME
        try:
            exists = db.exists()
        except OSError as e:
            raise StudyError(f"{folder}: cannot read the study folder ({e.strerror or e})") from None
        if not exists:
            if not create or read_only:
                if not folder.exists():
                    raise StudyError(f"{folder}: no such study folder")
                if not folder.is_dir():
                    raise StudyError(f"{folder}: not a folder")
                raise StudyError(f"{folder}: not a study folder (no {DB_NAME})")
            cls.check_can_create(folder)
            return cls._create(folder, created_utc or "", app_version)
        if db.is_dir():
            raise StudyError(f"{db}: is a folder, not a study database")
        if read_only:
            return cls._open_read_only(folder)
        return cls._open_existing(folder)

    @staticmethod
    def check_can_create(folder: str | os.PathLike) -> None:
        """Raise StudyError unless a new study can be made in `folder` (missing or empty)."""
        folder = Path(folder)
        if (folder / DB_NAME).exists():
            return
        if folder.exists() and not folder.is_dir():
            raise StudyError(f"{folder}: exists and is not a folder")
        if folder.exists() and not _empty_or_half_made(folder):
            raise StudyError(f"{folder}: not a study folder (no {DB_NAME}) and not empty; "
                             "give a new or empty folder for a new study")

    @staticmethod
    def _connect(db: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(db, isolation_level=None, timeout=10.0)
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    @classmethod
    def _create(cls, folder: Path, created_utc: str, app_version: str) -> "StudyStore":
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / RECORDINGS_DIR).mkdir(exist_ok=True)
        except OSError as e:
            raise StudyError(f"{folder}: cannot create the study folder: {e.strerror or e}") from None
        # Two first runs may start at once (two participants on two machines sharing the
        # folder, or a double click): one creates the study under a lock, the other then
        # opens what the first made.
        with _creation_lock(folder):
            if (folder / DB_NAME).exists():
                return cls._open_existing(folder)
            tmp = folder / (DB_NAME + ".new")
            for suffix in ("", "-wal", "-shm", "-journal"):
                p = folder / (DB_NAME + ".new" + suffix)
                if p.exists():
                    p.unlink()  # a half-made database from a crash during creation
            conn = cls._connect(tmp)
            conn.execute("PRAGMA journal_mode = WAL")
            try:
                with _transaction(conn):
                    for stmt in _statements(SCHEMA):
                        conn.execute(stmt)
                    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                        ("format", FORMAT), ("schema_version", str(SCHEMA_VERSION)),
                        ("created_utc", created_utc), ("created_by", f"gazetype {app_version}".strip())])
            finally:
                conn.close()
            # Appear only once complete: a study.sqlite is always a whole study.
            os.replace(tmp, folder / DB_NAME)
            for suffix in ("-wal", "-shm"):
                p = folder / (DB_NAME + ".new" + suffix)
                if p.exists():
                    p.unlink()
        return cls._open_existing(folder)

    @classmethod
    def _open_read_only(cls, folder: Path) -> "StudyStore":
        db = folder / DB_NAME
        uri = _file_uri(db)
        conn = None
        try:
            conn = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None, timeout=10.0)
            conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
        except sqlite3.OperationalError:
            if conn is not None:
                conn.close()
            # A WAL database whose folder cannot be written (no -shm can be made): read the
            # file as it is, which is the whole study unless a -wal file holds unsaved rows.
            wal = folder / (DB_NAME + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise StudyError(f"{db}: the study has unsaved changes in {wal.name} and its folder cannot be "
                                 "written; copy the study folder somewhere writable and read the copy") from None
            conn = sqlite3.connect(uri + "?immutable=1", uri=True, isolation_level=None)
        except sqlite3.DatabaseError as e:
            if conn is not None:
                conn.close()
            raise StudyError(f"{db}: not a readable study database ({e})") from None
        return cls._checked(folder, conn, read_only=True)

    @classmethod
    def _open_existing(cls, folder: Path) -> "StudyStore":
        try:
            conn = cls._connect(folder / DB_NAME)
        except sqlite3.DatabaseError as e:
            raise StudyError(f"{folder / DB_NAME}: not a readable study database ({e})") from None
        return cls._checked(folder, conn)

    @classmethod
    def _checked(cls, folder: Path, conn: sqlite3.Connection, read_only: bool = False) -> "StudyStore":
        db = folder / DB_NAME
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as e:
            conn.close()
            raise StudyError(f"{db}: not a readable study database ({e})") from None
        if ok != "ok":
            raise StudyError(f"{db}: the database is damaged ({ok}); restore it from a backup")
        if meta.get("format") != FORMAT:
            raise StudyError(f"{db}: not a gazetype study database")
        if meta.get("schema_version") not in READABLE_VERSIONS:
            raise StudyError(f"{db}: study schema version {meta.get('schema_version')} is not "
                             f"supported (this gazetype reads versions {', '.join(READABLE_VERSIONS)})")
        if read_only:
            return cls(folder, conn)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA busy_timeout = 10000")
            _migrate(conn)
        except sqlite3.DatabaseError as e:
            raise StudyError(f"{db}: cannot use the database ({e})") from None
        return cls(folder, conn)

    def guard_wal(self) -> bool:
        """Save the rows if the -wal file was deleted or replaced under this connection.

        Rows committed in WAL mode live in `study.sqlite-wal` until a checkpoint copies
        them into `study.sqlite`. If that file is deleted while we write (a cleanup tool,
        a user), our commits go to a file no one else can see, and another connection
        opening the database meanwhile makes them unrecoverable. A checkpoint through our
        still-open handle copies them into the database; reconnecting makes a new -wal.
        Cheap (one stat): called after every keystroke. Returns whether it rescued."""
        wal = self.folder / (DB_NAME + "-wal")
        try:
            st = wal.stat()
            now = (st.st_dev, st.st_ino)
        except OSError:
            now = None
        if self._wal_id is None or now == self._wal_id:
            self._wal_id = now
            return False
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()
        self.conn = self._connect(self.path)
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA busy_timeout = 10000")
        self.wal_rescues += 1
        self._wal_id = None
        self.guard_wal()
        return True

    def checkpoint(self) -> None:
        """Copy committed rows from the -wal file into the database file now (cheap when
        there is little to copy); done once a run has made its participant and session."""
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.guard_wal()

    def transaction(self, *, immediate: bool = False):
        """`with store.transaction():` BEGIN [IMMEDIATE] ... COMMIT, ROLLBACK on any exception."""
        return _transaction(self.conn, immediate=immediate)

    def _select(self, cls, table: str, tail: str = "", params: tuple = ()) -> list:
        """Rows of `table` as `cls`, selecting and mapping its fields by column name."""
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        cur.execute(f"SELECT {_columns(cls)} FROM {table} {tail}", params)
        return [_from_row(cls, r) for r in cur]

    def _select_one(self, cls, table: str, tail: str = "", params: tuple = ()):
        rows = self._select(cls, table, tail, params)
        return rows[0] if rows else None

    @contextlib.contextmanager
    def reading(self):
        """Turn SQLite errors met while reading (a damaged record, say) into one StudyError."""
        try:
            yield self
        except sqlite3.Error as e:
            why = (str(e).splitlines() or [type(e).__name__])[0][:200]
            raise StudyError(f"{self.path}: cannot read the study database ({why})") from None

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.conn.close()

    def __enter__(self) -> "StudyStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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
        (self.folder / RECORDINGS_DIR).mkdir(exist_ok=True)
        return self.session(sid)

    def session(self, session_id: int) -> SessionRow:
        return self._select_one(SessionRow, "sessions", "WHERE id = ?", (session_id,))

    def sessions(self, participant_id: int | None = None) -> list[SessionRow]:
        if participant_id is None:
            return self._select(SessionRow, "sessions", "ORDER BY id")
        return self._select(SessionRow, "sessions", "WHERE participant_id = ? ORDER BY id", (participant_id,))

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
        return [_from_row(AnalysisTrialRow, r) for r in cur.fetchall()]

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
        return [_from_row(ValidationRow, r) for r in cur.fetchall()]

    def session_keystroke_count(self, session_id: int) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM keystrokes WHERE session_id = ?", (session_id,)).fetchone()[0]

    def attempt_seqs(self, trial_id: int, attempt: int) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT seq FROM keystrokes WHERE trial_id = ? AND attempt = ?",
                                                (trial_id, attempt))}

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

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(table)
        return self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a study to SCHEMA_VERSION, one version per transaction (the version is read
    again inside it: two runs opening an old study at once migrate it once)."""
    while True:
        with _transaction(conn, immediate=True):
            v = int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
            if v >= SCHEMA_VERSION:
                return
            for stmt in _statements(MIGRATIONS[v]):
                conn.execute(stmt)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(v + 1),))


CREATION_LOCK = ".creating.lock"


@contextlib.contextmanager
def _creation_lock(folder: Path, timeout_s: float = 30.0):
    """An exclusive OS lock on creating the study in `folder` (released even by kill -9;
    its file removed after use; none where fcntl is missing: Windows)."""
    from gazetype.study import oslock
    try:
        held = oslock.acquire(folder / CREATION_LOCK, wait_s=timeout_s)
    except OSError as e:
        raise StudyError(f"{folder}: cannot create the study folder: {e.strerror or e}") from None
    if held is None:
        raise StudyError(f"{folder}: another run has been creating this study for {timeout_s:g} s; try again")
    try:
        yield
    finally:
        held.release()


def _empty_or_half_made(folder: Path) -> bool:
    """True for an empty folder, or one holding only what a creation that crashed (or is
    under way) left."""
    for p in folder.iterdir():
        if p.name.startswith(DB_NAME + ".new") or p.name == CREATION_LOCK:
            continue
        if p.name == RECORDINGS_DIR and p.is_dir() and not any(p.iterdir()):
            continue
        return False
    return True


def _file_uri(db: Path) -> str:
    """An SQLite URI for `db` (characters such as ? and # in the path escaped)."""
    return "file:" + urllib.parse.quote(str(db.resolve()))


def saved_keystroke_count(folder, session_id: int) -> int | None:
    """A session's keystrokes as a new connection finds them in the study's files (what
    survives this process), or None if the database cannot be read."""
    db = Path(folder) / DB_NAME
    try:
        conn = sqlite3.connect(_file_uri(db) + "?mode=ro", uri=True, timeout=10.0)
        try:
            return conn.execute("SELECT COUNT(*) FROM keystrokes WHERE session_id = ?", (session_id,)).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _f2(v: tuple) -> tuple:
    return tuple(None if x is None or x != x else float(x) for x in v)


def _safe(code: str) -> str:
    """A participant id as a file-name part."""
    s = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in code)
    return s.strip(".") or "participant"
