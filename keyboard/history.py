"""What the user has said, kept on this machine only: every finished text (on "done")
and the phrases they saved, in one SQLite file. Never sent anywhere; the keyboard's
history setting turns the keeping off and `gazetype history --clear` deletes it all.

The phrases page draws on it (`quick_phrases`): a few fixed phrases first, so that
they stay where the eyes expect them, then saved phrases and the most frequent texts.
Headless; the app chooses the file (app.settings.history_path)."""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Sequence

FIXED_PHRASES = ("yes", "no", "thank you")  # always first, always in the same place
MORE_PHRASES = ("please", "wait", "I need help", "I am tired", "I am fine")
MAX_TEXT_CHARS = 10_000


class History:
    """Finished texts and saved phrases in the SQLite file `path` (made on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS texts (id INTEGER PRIMARY KEY, t_unix REAL NOT NULL, text TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS phrases (text TEXT PRIMARY KEY, t_unix REAL NOT NULL);")
        self._db.commit()

    def add(self, text: str, t_unix: float | None = None) -> None:
        """Keep a finished text (blank ones are not kept)."""
        text = text.strip()[:MAX_TEXT_CHARS]
        if text:
            self._db.execute("INSERT INTO texts (t_unix, text) VALUES (?, ?)", (t_unix or time.time(), text))
            self._db.commit()

    def save_phrase(self, text: str, t_unix: float | None = None) -> None:
        text = text.strip()[:MAX_TEXT_CHARS]
        if text:
            self._db.execute("INSERT OR REPLACE INTO phrases (text, t_unix) VALUES (?, ?)",
                             (text, t_unix or time.time()))
            self._db.commit()

    def texts(self, limit: int | None = None) -> list[tuple[float, str]]:
        """(time, text) of the finished texts, oldest first (the last `limit` of them)."""
        rows = self._db.execute("SELECT t_unix, text FROM texts ORDER BY id DESC LIMIT ?", (limit or -1,)).fetchall()
        return rows[::-1]

    def saved(self) -> list[str]:
        """Saved phrases, the newest first."""
        return [r[0] for r in self._db.execute("SELECT text FROM phrases ORDER BY t_unix DESC")]

    def frequent(self, n: int, min_count: int = 2) -> list[str]:
        """The texts said most often (at least `min_count` times), most frequent first."""
        return [r[0] for r in self._db.execute(
            "SELECT text, COUNT(*) AS c FROM texts GROUP BY text HAVING c >= ? ORDER BY c DESC, MAX(id) DESC LIMIT ?",
            (min_count, n))]

    def clear(self) -> tuple[int, int]:
        """Delete everything kept; returns (texts, phrases) deleted. The file is vacuumed
        so that deleted text does not linger in it."""
        n_texts = self._db.execute("DELETE FROM texts").rowcount
        n_phrases = self._db.execute("DELETE FROM phrases").rowcount
        self._db.commit()
        self._db.execute("VACUUM")
        return n_texts, n_phrases

    def close(self) -> None:
        self._db.close()


def quick_phrases(history: History | None, n: int = 8, fixed: Sequence[str] = FIXED_PHRASES,
                  more: Sequence[str] = MORE_PHRASES) -> list[str]:
    """The phrases page: the fixed phrases, then saved ones, then the most frequent
    texts, then more stock phrases; each once, at most `n`."""
    out = list(fixed)
    if history is not None:
        out += history.saved() + history.frequent(n)
    out += list(more)
    return list(dict.fromkeys(out))[:n]
