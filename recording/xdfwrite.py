"""A minimal XDF 1.0 writer, for tests and benchmarks only (what LabRecorder writes,
minus clock offsets): it makes LabRecorder-style files to read back with
`gazetype.recording.xdf`. The app itself never writes XDF (LabRecorder does).

File: magic "XDF:", then chunks [NumLengthBytes][Length][Tag u16][content], Length
counting tag and content. Tags: 1 FileHeader (XML), 2 StreamHeader (StreamId u32 +
XML), 3 Samples (StreamId u32 + varlen count + samples, each [8][f64 timestamp]
[values]; strings as varlen length + UTF-8), 6 StreamFooter (StreamId u32 + XML).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Sequence
from xml.sax.saxutils import escape

_FMT = {"float32": "<f", "double64": "<d", "int32": "<i", "int16": "<h"}


@dataclass
class XdfStream:
    name: str
    type: str
    channel_format: str  # float32, double64, int32, int16, string
    nominal_srate: float
    source_id: str = ""
    channels: Sequence[dict] = ()  # [{label, eye, type, unit}]
    desc_extra: dict = field(default_factory=dict)  # {"screen": {"width_px": 1920, ...}}
    stamps: list[float] = field(default_factory=list)
    rows: list[Sequence] = field(default_factory=list)
    channel_count: int | None = None
    header_xml: str | None = None  # a full <info> document (e.g. pylsl's info.as_xml()) instead

    @property
    def n(self) -> int:
        if self.channel_count is not None:
            return self.channel_count
        return len(self.rows[0]) if self.rows else max(1, len(self.channels))


def _varlen(n: int) -> bytes:
    if n < 256:
        return b"\x01" + struct.pack("<B", n)
    if n < 2**32:
        return b"\x04" + struct.pack("<I", n)
    return b"\x08" + struct.pack("<Q", n)


def _chunk(tag: int, content: bytes) -> bytes:
    body = struct.pack("<H", tag) + content
    return _varlen(len(body)) + body


def _xml_el(name: str, value) -> str:
    if isinstance(value, dict):
        return f"<{name}>" + "".join(_xml_el(k, v) for k, v in value.items()) + f"</{name}>"
    return f"<{name}>{escape(str(value))}</{name}>"


def _header_xml(s: XdfStream) -> str:
    chans = "".join("<channel>" + "".join(_xml_el(k, v) for k, v in c.items()) + "</channel>" for c in s.channels)
    desc = (f"<channels>{chans}</channels>" if s.channels else "") + "".join(
        _xml_el(k, v) for k, v in s.desc_extra.items())
    return ('<?xml version="1.0"?><info>'
            f"<name>{escape(s.name)}</name><type>{escape(s.type)}</type>"
            f"<channel_count>{s.n}</channel_count><nominal_srate>{s.nominal_srate}</nominal_srate>"
            f"<channel_format>{s.channel_format}</channel_format><source_id>{escape(s.source_id)}</source_id>"
            f"<version>1.1</version><created_at>0</created_at><uid>{s.name}-uid</uid>"
            f"<session_id>default</session_id><hostname>test</hostname><desc>{desc}</desc></info>")


def _samples(sid: int, s: XdfStream, lo: int, hi: int) -> bytes:
    out = [struct.pack("<I", sid), _varlen(hi - lo)]
    for ts, row in zip(s.stamps[lo:hi], s.rows[lo:hi]):
        out.append(b"\x08" + struct.pack("<d", ts))
        if s.channel_format == "string":
            for v in row:
                b = str(v).encode("utf-8")
                out.append(_varlen(len(b)) + b)
        else:
            fmt = _FMT[s.channel_format]
            out.append(b"".join(struct.pack(fmt, v) for v in row))
    return b"".join(out)


def write_xdf(path, streams: Sequence[XdfStream], chunk_size: int = 100) -> None:
    """Write `streams` to `path`, samples interleaved in chunks as a recorder would."""
    parts = [b"XDF:", _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')]
    for sid, s in enumerate(streams, 1):
        xml = s.header_xml or _header_xml(s)
        parts.append(_chunk(2, struct.pack("<I", sid) + xml.encode("utf-8")))
    longest = max((len(s.rows) for s in streams), default=0)
    for lo in range(0, longest, chunk_size):
        for sid, s in enumerate(streams, 1):
            hi = min(lo + chunk_size, len(s.rows))
            if lo < hi:
                parts.append(_chunk(3, _samples(sid, s, lo, hi)))
    for sid, s in enumerate(streams, 1):
        first = s.stamps[0] if s.stamps else 0.0
        last = s.stamps[-1] if s.stamps else 0.0
        footer = (f'<?xml version="1.0"?><info><first_timestamp>{first}</first_timestamp>'
                  f"<last_timestamp>{last}</last_timestamp><sample_count>{len(s.rows)}</sample_count>"
                  "<clock_offsets></clock_offsets></info>")
        parts.append(_chunk(6, struct.pack("<I", sid) + footer.encode("utf-8")))
    with open(path, "wb") as fh:
        fh.write(b"".join(parts))


def write_gazetype_xdf(path, events, screen_dict: dict, rate_hz: float = 120.0, tag: str = "test") -> None:
    """What LabRecorder makes of gazetype's `--lsl-out` streams: the raw gaze stream (XDF
    gaze meta-data, px) and the events stream, one v1 JSON object per marker."""
    import json

    from gazetype.recording.v1 import event_to_dict
    from gazetype.tracker.gazechannels import gaze_channels, sample_values
    from gazetype.tracker.sample import GazeSample

    chs = [{"label": c.label, "eye": c.eye, "type": c.type, "unit": c.unit} for c in gaze_channels("pixels")]
    g = XdfStream("gazetype raw gaze", "Gaze", "double64", rate_hz, f"gazetype-out-raw@{tag}", chs,
                  {"screen": screen_dict})
    m = XdfStream("gazetype events", "Markers", "string", 0.0, f"gazetype-out-events@{tag}")
    for ev in events:
        if isinstance(ev, GazeSample):
            g.stamps.append(ev.t_s)
            g.rows.append(sample_values(ev))
        else:
            m.stamps.append(ev.t_s)
            m.rows.append([json.dumps(event_to_dict(ev))])
    write_xdf(path, [g, m])
