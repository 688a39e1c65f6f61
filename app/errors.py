"""Errors that mean "the user gave us something wrong": printed as one line."""
from __future__ import annotations

import re

# What str.splitlines() breaks on: a message must not hold any of them.
_LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


class UserError(Exception):
    """Bad arguments or input, with a message that says what and where."""


def user_error_types() -> tuple[type[BaseException], ...]:
    from gazetype.recording.v1 import RecordingError
    from gazetype.study.errors import StudyError
    from gazetype.tracker.base import TrackerError
    from gazetype.tracker.offset import OffsetSpecError
    return (UserError, TrackerError, RecordingError, OffsetSpecError, StudyError)


def one_line(message: str) -> str:
    """`message` as one line: a line break inside it (from a file name, a value the user
    typed or a field of a damaged file) is written as its escape, e.g. \\n."""
    return _LINE_BREAKS.sub(lambda m: repr(m.group())[1:-1], message)
