"""Errors that mean "the user gave us something wrong": printed as one line."""
from __future__ import annotations


class UserError(Exception):
    """Bad arguments or input, with a message that says what and where."""


def user_error_types() -> tuple[type[BaseException], ...]:
    from gazetype.recording.v1 import RecordingError
    from gazetype.tracker.base import TrackerError
    from gazetype.tracker.offset import OffsetSpecError
    types: list[type[BaseException]] = [UserError, TrackerError, RecordingError, OffsetSpecError]
    try:
        from gazetype.study.errors import StudyError  # added by the study runner
        types.append(StudyError)
    except ImportError:
        pass
    return tuple(types)
