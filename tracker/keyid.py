"""Key ids, parsed once into a small typed form.

A key id is a stable string in recordings, study logs and layout files: a character
key's id is its character ("a", ",", "7"); an action key's its name ("space", "undo",
...); a page switch "page:NAME", a quick phrase "phrase:TEXT", a suggestion
"word:TEXT". The code asks `parse_key(key_id)` what a key is and dispatches on its
`kind`, instead of testing prefixes in many places.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache


class KeyKind(Enum):
    CHAR = "char"  # types its character
    ACTION = "action"  # space, backspace, clear, done, shift, undo, sleep, speak, copy, save, calibrate
    PAGE = "page"  # shows another page of keys
    PHRASE = "phrase"  # enters a quick phrase
    WORD = "word"  # enters a suggested word


_PREFIXED = {"page:": KeyKind.PAGE, "phrase:": KeyKind.PHRASE, "word:": KeyKind.WORD}


@dataclass(frozen=True, slots=True)
class KeyRef:
    """What a key id means: its `kind` and `arg` (the character, the action's name, the
    page's name, the phrase or the word)."""

    kind: KeyKind
    arg: str

    @property
    def key_id(self) -> str:
        if self.kind in (KeyKind.CHAR, KeyKind.ACTION):
            return self.arg
        return f"{self.kind.value}:{self.arg}"


@lru_cache(maxsize=4096)
def parse_key(key_id: str) -> KeyRef:
    """The typed form of `key_id` (cached: the same few ids come again and again)."""
    if len(key_id) == 1:
        return KeyRef(KeyKind.CHAR, key_id)
    head, sep, rest = key_id.partition(":")
    if sep:
        kind = _PREFIXED.get(head + ":")
        if kind is not None:
            return KeyRef(kind, rest)
    return KeyRef(KeyKind.ACTION, key_id)


def page_key(name: str) -> str:
    return KeyRef(KeyKind.PAGE, name).key_id


def phrase_key(text: str) -> str:
    return KeyRef(KeyKind.PHRASE, text).key_id


def word_key(word: str) -> str:
    return KeyRef(KeyKind.WORD, word).key_id
