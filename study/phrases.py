"""Phrase sets for transcription trials: the bundled set, or any one-phrase-per-line file.

A phrase file is UTF-8 text with one phrase per line. Blank lines and lines starting
with '#' are skipped, whitespace is collapsed and text is lowercased (the study
layout has no shift). Phrases with characters the keyboard cannot type are skipped with a
warning; a file left with no usable line is a StudyError.
"""
from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from gazetype.keyboard.layout import PAGES
from gazetype.study.errors import StudyError

BUILTIN = "builtin"  # the name of the bundled set, in settings and the database
# Every character some key of the keyboard types (letters and symbol pages).
TYPEABLE = frozenset(k for page in PAGES.values() for row in page for k, _ in row if len(k) == 1) | {" "}


@dataclass(frozen=True)
class PhraseSet:
    """Phrases in file order; `source` is "builtin" or the file's path; `sha256` of the
    phrases (so a study records exactly which set it drew from)."""

    phrases: tuple[str, ...]
    source: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256("\n".join(self.phrases).encode()).hexdigest()

    def __len__(self) -> int:
        return len(self.phrases)


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def parse_phrases(text: str, source: str, warn: Callable[[str], None] = _warn) -> PhraseSet:
    """Phrases from the text of a phrase file (see module doc). `source` names it in messages."""
    out: list[str] = []
    seen: set[str] = set()
    untypeable: list[int] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        p = " ".join(line.split()).lower()
        if not p or p.startswith("#"):
            continue
        if any(c not in TYPEABLE for c in p):
            untypeable.append(lineno)
            continue
        if p in seen:
            continue
        seen.add(p)
        out.append(p)
    if untypeable:
        first = ", ".join(str(n) for n in untypeable[:5]) + (" ..." if len(untypeable) > 5 else "")
        warn(f"{source}: skipped {len(untypeable)} phrase(s) with characters the keyboard cannot type (lines {first})")
    if not out:
        raise StudyError(f"{source}: no usable phrases (expected one phrase per line, "
                         "letters, digits, spaces and basic punctuation)")
    return PhraseSet(tuple(out), source)


def load_phrases(path: str | Path | None = None, warn: Callable[[str], None] = _warn) -> PhraseSet:
    """The phrase set in `path`, or the bundled one for None / "builtin"."""
    if path is None or str(path) == BUILTIN:
        text = resources.files("gazetype.study").joinpath("data/phrases.txt").read_text(encoding="utf-8")
        return parse_phrases(text, BUILTIN, warn)
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise StudyError(f"{p}: no such phrase file") from None
    except IsADirectoryError:
        raise StudyError(f"{p}: is a directory, not a phrase file") from None
    except OSError as e:
        raise StudyError(f"{p}: cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise StudyError(f"{p}:{line}: not UTF-8 text; save the phrase file as UTF-8") from None
    return parse_phrases(text, str(p), warn)
