"""Recordings: the v1 format (JSON Lines, `v1.py`: the one reader and the one writer),
LabRecorder's XDF files (`xdf.py`, read only) and their playback as a tracker
(`playback.py`). `open_reader(path)` picks the reader for a file."""
from __future__ import annotations

import os

from gazetype.recording.v1 import RecordingReader


def open_reader(path: str | os.PathLike, **xdf_options):
    """A reader for `path`: `v1.RecordingReader` for v1, `xdf.XdfReader` for
    LabRecorder .xdf files (pyxdf). Both have `header` and iterate events in order."""
    from gazetype.recording.xdf import XdfReader, is_xdf
    if is_xdf(path):
        return XdfReader(path, **xdf_options)
    return RecordingReader(path)
