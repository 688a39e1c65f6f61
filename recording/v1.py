"""Recording format v1 (JSON Lines): the one writer and the one reader.

See docs/recording-format.md. Every line written is flushed at once, so a crash
loses at most the line in flight; the reader accepts a torn last line with a
warning and rejects anything else that is not v1 with a `RecordingError` naming
the file and line.
"""
from __future__ import annotations

import contextlib
import gzip
import json
import math
import os
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, TextIO

from gazetype.tracker.events import Event, LayoutEvent, LayoutItem, MarkerEvent, OffsetEvent, SelectEvent
from gazetype.tracker.private import open_private
from gazetype.tracker.sample import EyeSample, GazeSample
from gazetype.tracker.screen import Screen

FORMAT = "gazetype-recording"
_SCAN = json.JSONDecoder().scan_once


def _gaze_maker():
    """GazeSample(t, x, y, True, None, None) for the reader's hot path: the slots are
    filled through pre-bound descriptors, a third cheaper than the frozen
    dataclass __init__ (whose per-field object.__setattr__ lookups dominate)."""
    new = object.__new__
    cls = GazeSample
    st, sx, sy = cls.t_s.__set__, cls.x_px.__set__, cls.y_px.__set__
    sv, sl, sr = cls.valid.__set__, cls.left.__set__, cls.right.__set__

    def make(t: float, x: float, y: float) -> GazeSample:
        s = new(cls)
        st(s, t)
        sx(s, x)
        sy(s, y)
        sv(s, True)
        sl(s, None)
        sr(s, None)
        return s
    return make


_GAZE = _gaze_maker()
VERSION = 1


class RecordingError(Exception):
    """A recording could not be read or written. The message names file and line."""


@dataclass(frozen=True, slots=True)
class Header:
    screen: Screen
    sample_rate_hz: float | None = None
    source: str = "unknown"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {"type": "header", "format": FORMAT, "version": VERSION,
             "screen": self.screen.to_dict(), "sample_rate_hz": self.sample_rate_hz,
             "source": self.source}
        for k, v in self.extra.items():
            d.setdefault(k, v)
        return d


def _r(v: float, nd: int):
    return None if v is None or not math.isfinite(v) else round(v, nd)


def event_to_dict(ev: Event) -> dict:
    """The JSON object for one event (also what the LSL marker stream carries)."""
    if isinstance(ev, GazeSample):
        d = {"type": "gaze", "t": round(ev.t_s, 6), "x": _r(ev.x_px, 2), "y": _r(ev.y_px, 2),
             "valid": ev.valid}
        for name, eye in (("left", ev.left), ("right", ev.right)):
            if eye is not None:
                d[name] = {"x": _r(eye.x_px, 2), "y": _r(eye.y_px, 2), "valid": eye.valid,
                           "pupil_mm": _r(eye.pupil_mm, 3) if eye.pupil_mm is not None else None}
        return d
    if isinstance(ev, LayoutEvent):
        items = []
        for it in ev.items:
            item = {"text": it.text, "box": [round(b, 2) for b in it.box]}
            if it.line is not None:
                item["line"] = it.line
            items.append(item)
        d = {"type": "layout", "t": round(ev.t_s, 6), "region": ev.region, "items": items}
        if ev.text is not None:
            d["text"] = ev.text
        if ev.caret is not None:
            d["caret"] = [round(b, 2) for b in ev.caret]
        return d
    if isinstance(ev, SelectEvent):
        d = {"type": "select", "t": round(ev.t_s, 6), "key": ev.key_id}
        if ev.source != "dwell":
            d["source"] = ev.source
        return d
    if isinstance(ev, MarkerEvent):
        d = {"type": "marker", "t": round(ev.t_s, 6), "label": ev.label}
        for k, v in ev.data.items():
            d.setdefault(k, v)
        return d
    if isinstance(ev, OffsetEvent):
        d = {"type": "offset", "t": round(ev.t_s, 6), "dx": round(ev.dx_px, 3), "dy": round(ev.dy_px, 3)}
        if ev.sd_px is not None:
            d["sd"] = round(ev.sd_px, 3)
        if ev.n is not None:
            d["n"] = ev.n
        return d
    raise TypeError(f"not a recordable event: {ev!r}")


# Coordinates, times and sizes beyond this are broken input, not data (px, s, mm).
LIMIT = 1e9
MAX_LINE_CHARS = 1 << 20  # a line longer than 1 MiB is not a recording line (and is not read whole)


def _finite(v, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{what} must be a number, got {str(v)[:40]!r}")
    try:
        f = float(v)
    except OverflowError:  # a 400-digit integer
        f = math.inf
    if not -LIMIT < f < LIMIT:
        raise ValueError(f"{what} must be a finite number within +-{LIMIT:g}, got {str(v)[:40]}")
    return f


def _num(d: dict, key: str):
    v = d.get(key)
    if v is None:
        return None
    return _finite(v, f"field {key!r}")


def _box(v) -> tuple[float, float, float, float]:
    if not isinstance(v, (list, tuple)) or len(v) != 4:
        raise ValueError(f"box must be [x0, y0, x1, y1], got {str(v)[:60]!r}")
    x0, y0, x1, y1 = (_finite(b, "box value") for b in v)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _eye(d) -> EyeSample | None:
    if not isinstance(d, dict):
        return None
    x, y = _num(d, "x"), _num(d, "y")
    ok = bool(d.get("valid", True)) and x is not None and y is not None
    return EyeSample(x if x is not None else math.nan, y if y is not None else math.nan, ok,
                     _num(d, "pupil_mm"))


def event_from_dict(d: dict) -> Event | None:
    """Parse one v1 object; None for types this reader does not know (ignored)."""
    typ = d.get("type")
    if typ == "gaze":
        # Fast path for the common line: float t/x/y, valid, no per-eye data.
        t, x, y = d.get("t"), d.get("x"), d.get("y")
        if (t.__class__ is float and x.__class__ is float and y.__class__ is float
                and d.get("valid", True) is True and "left" not in d and "right" not in d
                and -LIMIT < t < LIMIT and -LIMIT < x < LIMIT and -LIMIT < y < LIMIT):
            return GazeSample(t, x, y, True, None, None)
    t = _num(d, "t")
    if typ == "gaze":
        if t is None:
            raise ValueError("gaze line has no time 't'")
        left = _eye(d.get("left")) if "left" in d else None
        right = _eye(d.get("right")) if "right" in d else None
        return GazeSample.make(t, _num(d, "x"), _num(d, "y"), bool(d.get("valid", True)), left, right)
    if typ in ("header", None):
        if typ is None:
            raise ValueError("line has no 'type'")
        raise ValueError("a second header line")
    if t is None:
        raise ValueError(f"{typ} line has no time 't'")
    if typ == "layout":
        region = d.get("region")
        if not isinstance(region, str):
            raise ValueError("layout line has no 'region'")
        raw = d.get("items") or []
        if not isinstance(raw, list):
            raise ValueError("layout 'items' must be a list")
        items = tuple(LayoutItem(str(it.get("text", "")), _box(it.get("box")), _line(it.get("line")))
                      for it in raw)
        caret = _box(d["caret"]) if d.get("caret") is not None else None
        text = d.get("text")
        return LayoutEvent(t, region, items, str(text) if text is not None else None, caret)
    if typ == "select":
        key = d.get("key")
        if not isinstance(key, str):
            raise ValueError("select line has no 'key'")
        source = d.get("source", "dwell")
        if source not in ("dwell", "operator"):
            raise ValueError("select 'source' must be \"dwell\" or \"operator\"")
        return SelectEvent(t, key, source)
    if typ == "marker":
        data = {k: v for k, v in d.items() if k not in ("type", "t", "label")}
        return MarkerEvent(t, str(d.get("label", "")), data)
    if typ == "offset":
        dx, dy = _num(d, "dx"), _num(d, "dy")
        if dx is None or dy is None:
            raise ValueError("offset line needs 'dx' and 'dy'")
        n = d.get("n")
        return OffsetEvent(t, dx, dy, _num(d, "sd"), int(n) if isinstance(n, int) else None)
    return None


def _line(v) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 1_000_000:
        raise ValueError(f"item 'line' must be a whole number from 0, got {v!r:.40}")
    return v


def _size(scr: dict, key: str, required: bool) -> float | None:
    v = scr.get(key)
    if v is None and not required:
        return None
    f = _finite(v, f"screen {key!r}")
    if not f > 0:
        raise ValueError(f"screen {key!r} must be positive, got {v}")
    return f


def header_from_dict(d: dict) -> Header:
    if d.get("type") != "header" or d.get("format") != FORMAT:
        raise ValueError("first line is not a gazetype-recording header")
    if d.get("version") != VERSION:
        raise ValueError(f"unsupported recording version {d.get('version')!r:.40} (this reader knows {VERSION})")
    scr = d.get("screen")
    if not isinstance(scr, dict) or "width_px" not in scr or "height_px" not in scr:
        raise ValueError("header 'screen' needs width_px and height_px")
    w, h = _size(scr, "width_px", True), _size(scr, "height_px", True)
    if w > 100_000 or h > 100_000:
        raise ValueError(f"header screen of {w:g}x{h:g} px is not a screen")
    for key in ("width_mm", "height_mm", "distance_mm"):
        _size(scr, key, False)
    screen = Screen.from_dict(scr)
    rate = _num(d, "sample_rate_hz")
    if rate is not None and not 0 < rate <= 100_000:
        raise ValueError(f"header sample_rate_hz must be from 0 to 100000, got {rate:g}")
    extra = {k: v for k, v in d.items()
             if k not in ("type", "format", "version", "screen", "sample_rate_hz", "source")}
    return Header(screen, rate, str(d.get("source", "unknown")), extra)


def _open_text(path: Path, mode: str) -> TextIO:
    if mode == "x":
        # A new recording is private (0600 whatever the umask, issue 28): made empty here
        # (FileExistsError if it exists: never overwritten), then written.
        open_private(path, "xb").close()
        mode = "w"
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8", newline="\n")
    return open(path, mode, encoding="utf-8", newline="\n")


class RecordingWriter:
    """Writes a v1 recording, flushing each line. Refuses to overwrite a file."""

    def __init__(self, path: str | os.PathLike, header: Header, *, fsync: bool = False) -> None:
        self.path = Path(path)
        self._fsync = fsync
        try:
            self._fh = _open_text(self.path, "x")
        except FileExistsError:
            raise RecordingError(f"{self.path}: already exists; choose another file (recordings are never overwritten)") from None
        except OSError as e:
            raise RecordingError(f"{self.path}: cannot create: {e.strerror}") from None
        self._dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
        self.lines = 0
        try:
            self._line(header.to_dict())
        except RecordingError:
            # Nothing recorded yet: leave no empty file behind to block a retry.
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise

    def _line(self, d: dict) -> None:
        try:
            self._fh.write(self._dumps(d) + "\n")
            self._fh.flush()
            if self._fsync:
                os.fsync(self._fh.fileno())
        except OSError as e:
            with contextlib.suppress(OSError):
                self._fh.close()
            kept = f"; its first {self.lines} line(s) are kept" if self.lines else ""
            raise RecordingError(f"{self.path}: cannot write ({e.strerror or e}){kept}") from None
        self.lines += 1

    def write(self, ev: Event) -> None:
        self._line(event_to_dict(ev))

    def close(self) -> None:
        if not self._fh.closed:
            try:
                self._fh.close()
            except OSError as e:  # the last buffered bytes (gzip) could not be written
                raise RecordingError(f"{self.path}: cannot write ({e.strerror or e}); its first {self.lines} "
                                     "line(s) are kept") from None

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


class RecordingReader:
    """Streams a v1 recording (.jsonl or .jsonl.gz). `header` is read on open."""

    def __init__(self, path: str | os.PathLike, *, warn: Callable[[str], None] = _warn) -> None:
        self.path = Path(path)
        self._warn = warn
        if not self.path.exists():
            raise RecordingError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise RecordingError(f"{self.path}: is a directory, not a recording")
        self._lines = self._read_lines()
        held: list[str] = []  # a warning while looking for the header is part of the error, if any
        self._warn = held.append
        try:
            first = next(self._lines, None)
        finally:
            self._warn = warn
        if first is None:
            if held:  # one line: the torn gzip stream is why nothing is there
                raise RecordingError(f"{self.path}: compressed stream ends before the first line (torn write); "
                                     "not a gazetype recording")
            raise RecordingError(f"{self.path}: empty file, not a gazetype recording")
        for msg in held:
            warn(msg)
        lineno, text, _ = first
        try:
            self.header = header_from_dict(json.loads(text))
        except (ValueError, TypeError, AttributeError, RecursionError) as e:
            if isinstance(e, RecursionError):
                e = ValueError("nested too deeply to be a header")
            raise RecordingError(f"{self.path}:{lineno}: {_why(e)}") from None

    def _read_lines(self) -> Iterator[tuple[int, str, bool]]:
        try:
            fh = _open_text(self.path, "r")
            with fh:
                lineno = 0
                while True:
                    line = fh.readline(MAX_LINE_CHARS + 1)
                    if not line:
                        break
                    lineno += 1
                    if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
                        raise RecordingError(f"{self.path}:{lineno}: line longer than {MAX_LINE_CHARS} characters; "
                                             "not a recording line")
                    complete = line.endswith("\n")
                    if line.strip():
                        yield lineno, line, complete
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:  # torn or bad gzip stream
            if isinstance(e, EOFError):
                self._warn(f"{self.path}: compressed stream ends early (torn write); read what was complete")
                return
            raise RecordingError(f"{self.path}: not a valid gzip file") from None
        except UnicodeDecodeError:
            raise RecordingError(f"{self.path}:{lineno + 1}: not UTF-8 text") from None
        except OSError as e:
            raise RecordingError(f"{self.path}: cannot read: {e.strerror or e}") from None

    def __iter__(self) -> Iterator[Event]:
        loads = json.loads
        # The C scanner json.loads uses, without its Python wrapper (about half the
        # cost per line); anything it does not take whole goes through json.loads,
        # which then gives the same result or error as before.
        scan = _SCAN
        from_dict = event_from_dict
        gaze = _GAZE
        for lineno, text, complete in self._lines:
            try:
                try:
                    d, end = scan(text, 0)
                    if end != len(text) and text[end:].strip():
                        d = loads(text)
                except (StopIteration, ValueError):
                    d = loads(text)
                if d.__class__ is not dict:
                    if not isinstance(d, dict):
                        raise ValueError("line is not a JSON object")
                # Inlined fast path of event_from_dict for the common gaze line.
                if d.get("type") == "gaze":
                    t, x, y = d.get("t"), d.get("x"), d.get("y")
                    if (t.__class__ is float and x.__class__ is float and y.__class__ is float
                            and d.get("valid", True) is True and "left" not in d and "right" not in d
                            and -LIMIT < t < LIMIT and -LIMIT < x < LIMIT and -LIMIT < y < LIMIT):
                        yield gaze(t, x, y)
                        continue
                ev = from_dict(d)
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
                if isinstance(e, RecursionError):
                    e = ValueError("nested too deeply to be a recording line")
                if not complete:
                    self._warn(f"{self.path}:{lineno}: torn last line ignored")
                    return
                raise RecordingError(f"{self.path}:{lineno}: {_why(e)}") from None
            if ev is not None:
                yield ev


def _why(e: Exception) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"not valid JSON ({e.msg})"
    return str(e) or type(e).__name__


@dataclass
class Recording:
    header: Header
    events: list[Event]

    @property
    def samples(self) -> list[GazeSample]:
        return [e for e in self.events if isinstance(e, GazeSample)]


def read_recording(path: str | os.PathLike, *, warn: Callable[[str], None] = _warn) -> Recording:
    reader = RecordingReader(path, warn=warn)
    return Recording(reader.header, list(reader))


def write_recording(path: str | os.PathLike, header: Header, events) -> None:
    with RecordingWriter(path, header) as w:
        for ev in events:
            w.write(ev)
