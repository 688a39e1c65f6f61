"""The study database's files, schema and migrations, and the one transaction helper.
Part of the study store (`gazetype.study.db`); the schema is documented in docs/study.md."""
from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

DB_NAME = "study.sqlite"
FORMAT = "gazetype-study"
SCHEMA_VERSION = 2  # 2 added `validations`; version 1 studies are migrated when opened for writing
READABLE_VERSIONS = ("1", "2")
RECORDINGS_DIR = "recordings"

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


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, *, immediate: bool = False):
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


def statements(script: str) -> list[str]:
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


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a study to SCHEMA_VERSION, one version per transaction (the version is read
    again inside it: two runs opening an old study at once migrate it once)."""
    while True:
        with transaction(conn, immediate=True):
            v = int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
            if v >= SCHEMA_VERSION:
                return
            for stmt in statements(MIGRATIONS[v]):
                conn.execute(stmt)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(v + 1),))
