"""The study store's connection: opening a study (creating it under a lock, checking
and migrating it), guarding its -wal file, transactions, closing. `StudyStore`
(`gazetype.study.db`) is this with its reading and writing queries."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

from gazetype.study.db_rows import columns, from_row
from gazetype.study.db_schema import DB_NAME, FORMAT, READABLE_VERSIONS, RECORDINGS_DIR, SCHEMA, SCHEMA_VERSION, \
    migrate, statements, transaction
from gazetype.study.errors import StudyError
from gazetype.tracker.private import private_dir, private_file

if TYPE_CHECKING:
    from gazetype.study.db import StudyStore


class StoreConnection:
    """A study folder's database connection (`StudyStore`'s base)."""

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
            # Participants' data: the folders 0700, the files 0600 (issue 28).
            private_dir(folder)
            private_dir(folder / RECORDINGS_DIR)
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
            private_file(tmp)  # 0600 before SQLite opens it: its -wal and -shm take its mode
            conn = cls._connect(tmp)
            conn.execute("PRAGMA journal_mode = WAL")
            try:
                with transaction(conn):
                    for stmt in statements(SCHEMA):
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
            migrate(conn)
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
        return transaction(self.conn, immediate=immediate)

    def _select(self, cls, table: str, tail: str = "", params: tuple = ()) -> list:
        """Rows of `table` as `cls`, selecting and mapping its fields by column name."""
        cur = self.conn.cursor()
        cur.row_factory = sqlite3.Row
        cur.execute(f"SELECT {columns(cls)} FROM {table} {tail}", params)
        return [from_row(cls, r) for r in cur]

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
