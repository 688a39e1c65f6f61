"""One SQLite database per study (`DIR/study.sqlite`, WAL): the study store, the one
place that reads and writes it. The schema is documented in docs/study.md.

This module is the store's public face (`from gazetype.study.db import StudyStore, ...`);
its parts, by job:

- `db_rows`: the row dataclasses, read by column name;
- `db_schema`: the study's files, the schema, its migrations, the transaction helper;
- `db_connect`: opening (creating under a lock, checking, migrating), the -wal guard, closing;
- `db_read`: the reading queries;
- `db_write`: the writing (keystrokes, calibration updates, the plan, repairs).

Durability: the connection is in autocommit mode with `synchronous=FULL`, and every
keystroke is its own committed transaction, so killing the process at any moment
loses at most the keystroke in flight. Calibration updates are buffered and
committed with the next keystroke or within a second: the runner calls
`flush_if_due` for every gaze sample, which commits buffered updates once the oldest
is a second old. Nothing is ever deleted or overwritten: a restarted trial keeps its
earlier attempts' keystrokes.

No SQL is written anywhere else in the package (a test checks). Rows are read by
column name into the frozen dataclasses of `db_rows` (`_select`), never by position, so
a migration that adds or reorders columns does not shift fields. Writes that need
more than one statement use `transaction()`.
"""
from __future__ import annotations

from gazetype.study.db_connect import CREATION_LOCK, StoreConnection, saved_keystroke_count
from gazetype.study.db_connect import _creation_lock, _empty_or_half_made, _file_uri  # noqa: F401
from gazetype.study.db_read import StoreReads
from gazetype.study.db_rows import AnalysisTrialRow, ConditionRow, KeystrokeRow, ParticipantRow, SessionRow, \
    TrialRow, ValidationRow
from gazetype.study.db_rows import columns as _columns, from_row as _from_row  # noqa: F401
from gazetype.study.db_schema import CAL_COMMIT_EVERY_S, DB_NAME, FORMAT, MIGRATIONS, READABLE_VERSIONS, \
    RECORDINGS_DIR, SCHEMA, SCHEMA_V1, SCHEMA_VERSION, TABLES, TLX_INSTRUMENT, TLX_SCALES, VALIDATIONS_SQL, \
    is_own_file
from gazetype.study.db_schema import migrate as _migrate, statements as _statements  # noqa: F401
from gazetype.study.db_schema import transaction as _transaction  # noqa: F401
from gazetype.study.db_write import IndexTaken, StoreWrites
from gazetype.study.db_write import _f2, _safe  # noqa: F401

__all__ = [
    "StudyStore", "IndexTaken", "is_own_file", "saved_keystroke_count",
    "ParticipantRow", "ConditionRow", "TrialRow", "SessionRow", "KeystrokeRow", "AnalysisTrialRow", "ValidationRow",
    "DB_NAME", "FORMAT", "SCHEMA_VERSION", "READABLE_VERSIONS", "RECORDINGS_DIR", "TLX_SCALES", "TLX_INSTRUMENT",
    "CAL_COMMIT_EVERY_S", "VALIDATIONS_SQL", "SCHEMA_V1", "SCHEMA", "MIGRATIONS", "TABLES", "CREATION_LOCK",
]


class StudyStore(StoreReads, StoreWrites, StoreConnection):
    """A study folder's database. Open with `StudyStore.open(dir, create=...)`."""
