"""The study package's one user-facing error type (printed as one line by the CLI)."""
from __future__ import annotations


class StudyError(Exception):
    """Bad study input: unknown condition, not a study folder, corrupt database,
    unusable phrase file... The message names what and where; nothing was changed."""
