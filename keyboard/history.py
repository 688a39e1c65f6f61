"""What the user has said, kept on this machine only: every finished text (on "done")
and the phrases they saved, in one SQLite file. Never sent anywhere; the keyboard's
history setting turns the keeping off and `gazetype history --clear` deletes it all.

The phrases page draws on it (`quick_phrases`): a few fixed phrases first, so that
they stay where the eyes expect them, then saved phrases and the most frequent texts.
The suggestion row's adaptation lives here too (`learn_words`, `user_words`): the
counts of the words and word pairs of the finished texts (keyboard.predict), never of
study phrases (the studies keep no history) and never of a word that was erased before
"done" (only the finished text is counted). Clearing the history clears them.
Headless; the app chooses the file (app.settings.history_path)."""
from __future__ import annotations

import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from gazetype.tracker.private import private_dir, private_file, tighten, tighten_sqlite

if TYPE_CHECKING:
    from gazetype.keyboard.predict import UserWords

FIXED_PHRASES = ("yes", "no", "thank you")  # always first, always in the same place
MORE_PHRASES = ("please", "wait", "I need help", "I am tired", "I am fine")
MAX_TEXT_CHARS = 10_000


class History:
    """Finished texts and saved phrases in the SQLite file `path` (made on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # Private to the user (issue 28): the folder 0700, the file 0600 (made before
        # SQLite opens it: its -journal takes the database's mode); loosened ones are tightened.
        folder = private_dir(self.path.parent)
        tighten(folder, warn=True)
        tighten(self.path, warn=True)
        private_file(self.path)
        tighten_sqlite(self.path)
        self._db = sqlite3.connect(self.path)
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS texts (id INTEGER PRIMARY KEY, t_unix REAL NOT NULL, text TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS phrases (text TEXT PRIMARY KEY, t_unix REAL NOT NULL);"
            "CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, n INTEGER NOT NULL);"
            "CREATE TABLE IF NOT EXISTS pairs (prev TEXT NOT NULL, word TEXT NOT NULL, n INTEGER NOT NULL,"
            " PRIMARY KEY (prev, word));")
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

    def entries(self) -> list[tuple[str, float, str]]:
        """(id, time, text) of every entry: the finished texts ("t" and their number),
        oldest first, then the saved phrases ("s" and a number), newest first. The id
        names one entry for `delete` (`gazetype history` lists them)."""
        out = [(f"t{i}", t, text) for i, t, text in self._db.execute("SELECT id, t_unix, text FROM texts ORDER BY id")]
        out += [(f"s{i}", t, text) for i, t, text in
                self._db.execute("SELECT rowid, t_unix, text FROM phrases ORDER BY t_unix DESC")]
        return out

    def delete(self, entry_id: str) -> str | None:
        """Delete the one entry `entry_id` (from `entries`); returns its text, or None if
        there is no such entry. The file is vacuumed so that the text does not linger."""
        entry_id = entry_id.strip().lower()
        table = {"t": ("texts", "id"), "s": ("phrases", "rowid")}.get(entry_id[:1])
        if table is None or not entry_id[1:].isdigit() or not entry_id[1:].isascii():
            return None
        name, key = table
        row = self._db.execute(f"SELECT text FROM {name} WHERE {key} = ?", (int(entry_id[1:]),)).fetchone()
        if row is None:
            return None
        self._db.execute(f"DELETE FROM {name} WHERE {key} = ?", (int(entry_id[1:]),))
        self._db.commit()
        self._db.execute("VACUUM")
        return row[0]

    def forget(self, text: str) -> int:
        """Delete a phrase from the phrases page: the saved phrase `text` and every
        finished text equal to it (so that it is no longer among the most said); returns
        how many entries were deleted. Vacuumed like `delete`."""
        n = self._db.execute("DELETE FROM texts WHERE text = ?", (text,)).rowcount
        n += self._db.execute("DELETE FROM phrases WHERE text = ?", (text,)).rowcount
        self._db.commit()
        if n:
            self._db.execute("VACUUM")
        return n

    def learn_words(self, text: str, user: "UserWords | None" = None) -> None:
        """Count the words and word pairs of a finished text (and add them to `user`, the
        predictor's counts in memory, if given)."""
        from gazetype.keyboard.predict import UserWords

        words, pairs = UserWords().learn(text[:MAX_TEXT_CHARS])
        if user is not None:
            user.add(words, pairs)
        self._db.executemany("INSERT INTO words (word, n) VALUES (?, 1) ON CONFLICT(word) DO UPDATE SET n = n + 1",
                             [(w,) for w in words])
        self._db.executemany("INSERT INTO pairs (prev, word, n) VALUES (?, ?, 1) "
                             "ON CONFLICT(prev, word) DO UPDATE SET n = n + 1", pairs)
        self._db.commit()

    def user_words(self) -> "UserWords":
        """The learnt word and pair counts, for keyboard.predict.Predictor."""
        from gazetype.keyboard.predict import UserWords

        user = UserWords()
        user.words.update(dict(self._db.execute("SELECT word, n FROM words")))
        for prev, word, n in self._db.execute("SELECT prev, word, n FROM pairs"):
            user.pairs.setdefault(prev, Counter())[word] = n
        return user

    def clear(self) -> tuple[int, int]:
        """Delete everything kept (the learnt words too); returns (texts, phrases)
        deleted. The file is vacuumed so that deleted text does not linger in it."""
        n_texts = self._db.execute("DELETE FROM texts").rowcount
        n_phrases = self._db.execute("DELETE FROM phrases").rowcount
        self._db.execute("DELETE FROM words")
        self._db.execute("DELETE FROM pairs")
        self._db.commit()
        self._db.execute("VACUUM")
        return n_texts, n_phrases

    def close(self) -> None:
        self._db.close()


def quick_phrases(history: History | None, n: int = 8, fixed: Sequence[str] = FIXED_PHRASES,
                  more: Sequence[str] = MORE_PHRASES, most_said: bool = True) -> list[str]:
    """The phrases page: the fixed phrases, then saved ones, then the most frequent
    texts (unless `most_said` is False: the setting that keeps them off the screen),
    then more stock phrases; each once, at most `n`."""
    out = list(fixed)
    if history is not None:
        out += history.saved() + (history.frequent(n) if most_said else [])
    out += list(more)
    return list(dict.fromkeys(out))[:n]
