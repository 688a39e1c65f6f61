"""Read a LabRecorder XDF file as gazetype events (pyxdf), for `gazetype replay FILE.xdf`.

`XdfReader` has the interface of `recording.v1.RecordingReader` (`header`,
iteration over events in time order), so replay treats both alike:

* gaze: one stream of content type `Gaze` or `Eyetracker`, read with the XDF gaze
  meta-data (`tracker.gazechannels`). Preference: gazetype's own raw stream
  (`--lsl-out`), then `Gaze`, then `Eyetracker`; gazetype's corrected stream is
  never replayed (it is an output). `stream` picks one by name.
* events: `Markers` streams. Strings that are gazetype v1 JSON objects (layout,
  select, marker, offset) become those events; any other string a `MarkerEvent`
  labelled with it. When gazetype's own event stream is present, only it is used.

Times are the XDF timestamps after pyxdf's clock synchronisation (seconds), for
gaze and events alike. Normalised coordinates are scaled to the screen gazetype
wrote into the stream's `<desc><screen>`, else to `screen`, else the default.
"""
from __future__ import annotations

import heapq
import json
import logging
import math
import os
import sys
from pathlib import Path
from typing import Iterator

from gazetype.recording.v1 import LIMIT, Header, RecordingError, event_from_dict
from gazetype.tracker.events import Event, MarkerEvent
from gazetype.tracker.gazechannels import (
    GAZE_TYPES,
    OUT_SOURCE_PREFIX,
    GazeLayout,
    GazeLayoutError,
    channels_from_dicts,
)
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

XDF_SUFFIXES = (".xdf", ".xdfz")


def is_xdf(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in XDF_SUFFIXES or str(path).lower().endswith(".xdf.gz")


def _first(v, default=None):
    if isinstance(v, list):
        return v[0] if v else default
    return default if v is None else v


def _info(stream: dict, key: str, default: str = "") -> str:
    v = _first(stream.get("info", {}).get(key), default)
    return default if v is None else str(v)


def _desc(stream: dict) -> dict:
    d = _first(stream.get("info", {}).get("desc"))
    return d if isinstance(d, dict) else {}


def _channels(stream: dict) -> list[dict]:
    chs = _first(_desc(stream).get("channels"))
    if not isinstance(chs, dict):
        return []
    raw = chs.get("channel") or []
    return [c for c in raw if isinstance(c, dict)]


def _screen(stream: dict) -> Screen | None:
    scr = _first(_desc(stream).get("screen"))
    if not isinstance(scr, dict):
        return None
    try:
        vals = {k: float(_first(v)) for k, v in scr.items() if _first(v) is not None}
        return Screen(int(round(vals["width_px"])), int(round(vals["height_px"])), vals.get("width_mm"),
                      vals.get("height_mm"), vals.get("distance_mm", 600.0))
    except (KeyError, ValueError, TypeError):
        return None


def _is_ours(stream: dict, role: str) -> bool:
    return _info(stream, "source_id").startswith(f"{OUT_SOURCE_PREFIX}-{role}")


def _gaze_rank(stream: dict) -> tuple:
    typ = _info(stream, "type").lower()
    return (0 if _is_ours(stream, "raw") else 1, 0 if typ == "gaze" else 1, _info(stream, "name"))


class _Collect(logging.Handler):
    """Keeps the messages (not the tracebacks) of the records it is given."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            msg += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.messages.append(" ".join(msg.split())[:200])


class XdfReader:
    """Events of an XDF file in time order (see the module doc). Loads the file on open."""

    def __init__(self, path: str | os.PathLike, *, screen: Screen | None = None, stream: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise RecordingError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise RecordingError(f"{self.path}: is a directory, not an XDF file")
        try:
            import pyxdf
        except ImportError:
            raise RecordingError(f"{self.path}: reading XDF needs pyxdf (pip install pyxdf)") from None
        log = logging.getLogger("pyxdf")
        level, propagate = log.level, log.propagate
        log.setLevel(logging.ERROR)  # its warnings (e.g. about clock segments) are not the user's problem
        # Its errors (a damaged chunk it skips) are logged with a traceback: keep them here and
        # say it in one line instead.
        damaged = _Collect()
        log.addHandler(damaged)
        log.propagate = False
        try:
            # No dejittering: replay what a live gazetype read (the LSL timestamps as sent).
            streams, _ = pyxdf.load_xdf(str(self.path), dejitter_timestamps=False)
        except Exception as e:  # pyxdf raises many kinds on damaged or foreign files
            raise RecordingError(f"{self.path}: not a readable XDF file ({type(e).__name__}: {e})") from None
        finally:
            log.removeHandler(damaged)
            log.setLevel(level)
            log.propagate = propagate
        if damaged.messages:
            print(f"warning: {self.path}: damaged XDF, {len(damaged.messages)} part(s) skipped "
                  f"({damaged.messages[0]})", file=sys.stderr)
        gaze_types = {t.lower() for t in GAZE_TYPES}
        candidates = [s for s in streams if _info(s, "type").lower() in gaze_types and not _is_ours(s, "corrected")]
        if stream is not None:
            candidates = [s for s in streams if _info(s, "name") == stream]
        if not candidates:
            names = ", ".join(f"{_info(s, 'name')!r} ({_info(s, 'type')})" for s in streams) or "none"
            want = f"named {stream!r}" if stream else f"of type {' or '.join(GAZE_TYPES)}"
            raise RecordingError(f"{self.path}: no gaze stream {want}; streams in the file: {names}")
        self.gaze_stream = sorted(candidates, key=_gaze_rank)[0]
        g = self.gaze_stream
        name = _info(g, "name")
        self.screen = _screen(g) or screen or Screen()
        try:
            n = int(_info(g, "channel_count", "0"))
            self.layout = GazeLayout.from_channels(channels_from_dicts(_channels(g)), n, _info(g, "type"), name)
        except (GazeLayoutError, ValueError) as e:
            raise RecordingError(f"{self.path}: {e}") from None
        try:
            rate = float(_info(g, "nominal_srate", "0"))
        except ValueError:
            rate = 0.0
        markers = [s for s in streams if _info(s, "type").lower() == "markers"]
        ours = [s for s in markers if _is_ours(s, "events")]
        self.marker_streams = ours or markers
        self.header = Header(self.screen, rate if rate > 0 else None, source=f"xdf:{name}",
                             extra={"xdf": {"file": self.path.name, "gaze_stream": name,
                                            "layout": self.layout.describe(),
                                            "marker_streams": [_info(s, "name") for s in self.marker_streams]}})

    def _gaze(self) -> Iterator[tuple[float, int, Event]]:
        g = self.gaze_stream
        to_sample, screen = self.layout.to_sample, self.screen
        dropped = 0
        for ts, row in zip(g["time_stamps"], g["time_series"]):
            t = float(ts)
            if not -LIMIT < t < LIMIT:  # NaN or absurd (a damaged file): a sample that has no place in time
                dropped += 1
                continue
            s = to_sample(t, row, screen)
            if s.valid and not (-LIMIT < s.x_px < LIMIT and -LIMIT < s.y_px < LIMIT):
                s = GazeSample.invalid(t)  # as the v1 reader's limits: not gaze on any screen
            yield t, 0, s
        if dropped:
            print(f"warning: {self.path}: {dropped} gaze sample(s) without a finite time stamp skipped",
                  file=sys.stderr)

    def _events(self, stream: dict) -> Iterator[tuple[float, int, Event]]:
        for ts, row in zip(stream["time_stamps"], stream["time_series"]):
            t = float(ts)
            text = row[0] if len(row) else ""
            ev = _marker_event(t, str(text))
            if ev is not None:
                yield t, 1, ev

    def __iter__(self) -> Iterator[Event]:
        # At equal times gaze comes first: gazetype stamps a selection and the layout it
        # causes with the time of the sample that triggered them (as in v1 recordings).
        sources = [self._gaze()] + [self._events(s) for s in self.marker_streams]
        for _, _, ev in heapq.merge(*sources, key=lambda x: (x[0], x[1])):
            yield ev


def _marker_event(t: float, text: str) -> Event | None:
    """A marker string as an event at `t` (the XDF time wins over any 't' inside)."""
    s = text.strip()
    if s.startswith("{"):
        try:
            d = json.loads(s)
        except ValueError:
            d = None
        if isinstance(d, dict) and isinstance(d.get("type"), str) and d["type"] not in ("gaze", "header"):
            try:
                ev = event_from_dict(dict(d, t=t))
            except (ValueError, TypeError, KeyError):
                ev = None  # not one of ours after all: keep it as a plain marker
            if ev is not None:
                return ev
    if not math.isfinite(t):
        return None
    return MarkerEvent(t, text)
