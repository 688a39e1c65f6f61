"""Exclusive OS file locks (flock) that leave no file behind.

The lock file is removed by its holder on release, while still locked. A process that
opened the file before it was removed may then lock the removed file: `acquire` checks
after locking that the path still names the file it locked, and tries again if not.
Released by the OS when the process ends, even by kill -9 (the file then stays until the
next holder removes it). None of this exists where fcntl is missing (Windows): there
`acquire` returns a handle that locks nothing."""
from __future__ import annotations

import os
import time
from pathlib import Path


class Held:
    """A lock held on `path` (release() removes the file and drops the lock)."""

    def __init__(self, path: Path, f) -> None:
        self.path = path
        self._f = f

    def release(self) -> None:
        if self._f is None:
            return
        try:
            self.path.unlink(missing_ok=True)  # before unlocking: no one can lock it meanwhile
        except OSError:
            pass  # a read-only folder: the empty file stays, the lock still goes
        finally:
            self._f.close()  # closing drops the lock
            self._f = None


def acquire(path: Path, wait_s: float = 0.0) -> Held | None:
    """Lock `path` (created if missing), waiting up to `wait_s` for another holder; None if
    it is still held then. OSError if the file cannot be opened."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return Held(path, None)
    path = Path(path)
    end = time.monotonic() + wait_s
    while True:
        f = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            if time.monotonic() >= end:
                return None
            time.sleep(0.05)
            continue
        try:
            st = os.stat(path)
            same = (st.st_dev, st.st_ino) == (os.fstat(f.fileno()).st_dev, os.fstat(f.fileno()).st_ino)
        except FileNotFoundError:
            same = False
        if same:
            return Held(path, f)
        f.close()  # the holder before us removed it on release: lock the file at `path` now
