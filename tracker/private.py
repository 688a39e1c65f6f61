"""Files that hold a person's words or gaze are private to the user (issue 28).

On POSIX, folders gazetype makes for them are 0700 and files 0600 whatever the
umask (the mode is set after creation, so a permissive umask cannot widen it); an
existing file or folder that other accounts can read is tightened by `tighten`.
On Windows these are no-ops (files there inherit the folder's access list).
Used by the history and settings (app), recordings (recording.v1), the study
store, its exports and report (study). docs/privacy.md lists what is kept where."""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

POSIX = os.name == "posix"
DIR_MODE = 0o700
FILE_MODE = 0o600


def opener(path: str | os.PathLike, flags: int) -> int:
    """An `open(..., opener=opener)` that creates the file 0600 (and sets 0600 on the
    file it opens, so the umask cannot widen it)."""
    fd = os.open(path, flags, FILE_MODE)
    if POSIX:
        try:
            os.fchmod(fd, FILE_MODE)
        except OSError:
            os.close(fd)
            raise
    return fd


def open_private(path: str | os.PathLike, mode: str = "w", **kwargs):
    """`open(path, mode, ...)` with the file private (0600)."""
    return open(path, mode, opener=opener, **kwargs)


def private_file(path: str | os.PathLike) -> Path:
    """Make `path` an empty 0600 file if it does not exist (never truncating one that
    does), e.g. before SQLite opens it: SQLite makes its -journal, -wal and -shm files
    with the database file's mode."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE) if not path.exists() else None
    if fd is not None:
        try:
            if POSIX:
                os.fchmod(fd, FILE_MODE)
        finally:
            os.close(fd)
    return path


def private_dir(path: str | os.PathLike) -> Path:
    """Make the folder `path` (and missing parents, as `mkdir -p`); the folder itself,
    if made here, is 0700 whatever the umask. An existing folder is left as it is."""
    path = Path(path)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=DIR_MODE)
        except FileExistsError:
            return path  # made meanwhile by someone else: not ours to change
        if POSIX:
            os.chmod(path, DIR_MODE)
    return path


def tighten(path: str | os.PathLike, warn: bool = False) -> bool:
    """Make an existing file 0600 (a folder 0700) if other accounts can read or write
    it; True if it changed. With `warn`, say so in one line on stderr."""
    if not POSIX:
        return False
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError:
        return False
    if not st.st_mode & 0o077:
        return False
    mode = DIR_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE
    try:
        os.chmod(path, mode)
    except OSError:
        return False
    if warn:
        print(f"gazetype: warning: {path} was readable by other accounts; made private ({mode:04o})", file=sys.stderr)
    return True


def tighten_sqlite(db: str | os.PathLike) -> None:
    """The -wal, -shm and -journal files next to a SQLite database: 0600 if they exist."""
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(str(db) + suffix)
