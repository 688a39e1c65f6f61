"""Recording format v1: round trip, crash safety, and clear errors on bad files."""
import gzip
import json
import math

import pytest

from gazetype.recording.v1 import Header, RecordingError, RecordingWriter, read_recording, write_recording
from gazetype.tracker.events import LayoutEvent, LayoutItem, MarkerEvent, OffsetEvent, SelectEvent
from gazetype.tracker.sample import EyeSample, GazeSample
from gazetype.tracker.screen import Screen

from .conftest import run_cli

HEADER = Header(Screen(1280, 720, 340.0, 190.0, 650.0), 60.0, source="test")
EVENTS = [
    LayoutEvent(0.0, "output", (LayoutItem("hello", (10, 20, 110, 60), 0), LayoutItem("you", (120, 20, 180, 60), 0)),
                "hello you", (185, 20, 188, 60)),
    GazeSample(0.5, 100.25, 200.5),
    GazeSample.invalid(0.52),
    GazeSample(0.54, 101.0, 201.0, True, EyeSample(99.0, 200.0, True, 3.2), EyeSample(math.nan, math.nan, False)),
    SelectEvent(0.6, "a"),
    SelectEvent(0.65, "b", "operator"),
    MarkerEvent(0.7, "trial_start", {"trial": 3, "phrase": "hi"}),
    OffsetEvent(0.8, 12.5, -3.25, 4.0, 17),
]


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_round_trip(tmp_path, name):
    path = tmp_path / name
    write_recording(path, HEADER, EVENTS)
    rec = read_recording(path)
    assert rec.header.screen == HEADER.screen and rec.header.sample_rate_hz == 60.0
    assert len(rec.events) == len(EVENTS)
    for a, b in zip(rec.events, EVENTS):
        assert type(a) is type(b)
        if isinstance(a, GazeSample) and not a.valid:
            assert not b.valid
        elif isinstance(a, GazeSample) and a.right is not None:
            assert a.left == b.left and not a.right.valid
        else:
            assert a == b


def test_every_line_is_on_disk_before_close(tmp_path):
    path = tmp_path / "live.jsonl"
    w = RecordingWriter(path, HEADER)
    w.write(GazeSample(1.0, 2.0, 3.0))
    # not closed: a crash now would still leave both lines
    assert len(path.read_text().splitlines()) == 2
    w.close()


def test_never_overwrites(tmp_path):
    path = tmp_path / "r.jsonl"
    write_recording(path, HEADER, EVENTS)
    before = path.read_bytes()
    with pytest.raises(RecordingError, match="already exists"):
        RecordingWriter(path, HEADER)
    assert path.read_bytes() == before


def test_torn_last_line_is_read_with_a_warning(tmp_path):
    path = tmp_path / "torn.jsonl"
    write_recording(path, HEADER, EVENTS)
    with open(path, "a") as f:
        f.write('{"type":"gaze","t":0.9,"x":1')  # the crash came mid-line
    warnings = []
    rec = read_recording(path, warn=warnings.append)
    assert len(rec.events) == len(EVENTS)
    assert len(warnings) == 1 and "torn" in warnings[0] and ":10" in warnings[0]


def test_torn_gzip_is_read_up_to_the_tear(tmp_path):
    path = tmp_path / "torn.jsonl.gz"
    write_recording(path, HEADER, [GazeSample(i / 60, 1.0, 2.0) for i in range(5000)])
    data = path.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    warnings = []
    rec = read_recording(cut, warn=warnings.append)
    assert 0 < len(rec.events) < 5000 and warnings


@pytest.mark.parametrize("content, where", [
    ("not json at all\n", ":1:"),
    ('{"type":"header","format":"other"}\n', ":1:"),
    ('{"type":"header","format":"gazetype-recording","version":7,"screen":{"width_px":1,"height_px":1}}\n', "version"),
])
def test_bad_headers(tmp_path, content, where):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(RecordingError) as e:
        read_recording(path)
    assert str(path) in str(e.value) and where in str(e.value)


def test_garbage_in_the_middle_names_file_and_line(tmp_path):
    path = tmp_path / "g.jsonl"
    write_recording(path, HEADER, EVENTS[:2])
    with open(path, "a") as f:
        f.write("@@@ garbage\n")
        f.write(json.dumps({"type": "gaze", "t": 1, "x": 1, "y": 1}) + "\n")
    with pytest.raises(RecordingError, match=r"g\.jsonl:4: not valid JSON"):
        read_recording(path)


def test_unknown_types_and_fields_are_ignored(tmp_path):
    path = tmp_path / "u.jsonl"
    write_recording(path, HEADER, [])
    with open(path, "a") as f:
        f.write('{"type":"heartbeat","t":1}\n')
        f.write('{"type":"gaze","t":1.5,"x":3.5,"y":4.5,"valid":true,"vendor_field":42}\n')
    rec = read_recording(path)
    assert rec.events == [GazeSample(1.5, 3.5, 4.5)]


@pytest.mark.subprocess
def test_cli_replay_of_garbage_is_one_line_exit_2(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text("this is not a recording\n")
    r = run_cli("replay", str(path), "--json")
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in r.stderr


def test_gz_and_plain_have_the_same_content(tmp_path):
    write_recording(tmp_path / "a.jsonl", HEADER, EVENTS)
    write_recording(tmp_path / "a.jsonl.gz", HEADER, EVENTS)
    assert gzip.open(tmp_path / "a.jsonl.gz", "rt").read() == (tmp_path / "a.jsonl").read_text()


GOOD_HEADER = ('{"type":"header","format":"gazetype-recording","version":1,'
               '"screen":{"width_px":1920,"height_px":1080},"sample_rate_hz":120}')


@pytest.mark.parametrize("line, word", [
    ('{"type":"gaze","t":NaN,"x":1.0,"y":2.0}', "'t'"),
    ('{"type":"gaze","t":Infinity,"x":1.0,"y":2.0}', "'t'"),
    ('{"type":"gaze","t":1' + "0" * 400 + ',"x":1.0,"y":2.0}', "'t'"),
    ('{"type":"gaze","t":1.0,"x":1e308,"y":2.0}', "'x'"),
    ('{"type":"layout","t":1,"region":"output","items":[{"text":"a","box":[0,0,NaN,1]}]}', "box"),
    ('{"type":"layout","t":1,"region":"output","items":[{"text":"a","box":[0,0,1e308,1]}]}', "box"),
    ('{"type":"layout","t":1,"region":"output","items":[{"text":"a","box":[0,0,1,1],"line":Infinity}]}', "line"),
    ("[" * 50_000 + "]" * 50_000, "nested"),
])
def test_values_that_would_break_later_stop_at_the_reader_with_the_line(tmp_path, line, word):
    p = tmp_path / "bad.jsonl"
    p.write_text(GOOD_HEADER + "\n" + '{"type":"gaze","t":0.5,"x":1.0,"y":2.0}\n' + line + "\n"
                 + '{"type":"gaze","t":0.6,"x":1.0,"y":2.0}\n')
    with pytest.raises(RecordingError, match=r"bad\.jsonl:3: ") as e:
        read_recording(p)
    assert word in str(e.value)


@pytest.mark.parametrize("screen", ['{"width_px":Infinity,"height_px":1080}', '{"width_px":1' + "0" * 400 + ',"height_px":1}',
                                    '{"width_px":1920,"height_px":1080,"distance_mm":-5}'])
def test_impossible_header_sizes_are_refused(tmp_path, screen):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"type":"header","format":"gazetype-recording","version":1,"screen":' + screen + "}\n")
    with pytest.raises(RecordingError, match=r"bad\.jsonl:1: .*screen"):
        read_recording(p)


def test_a_compressed_line_that_inflates_beyond_reason_is_refused_without_reading_it_whole(tmp_path):
    p = tmp_path / "bomb.jsonl.gz"
    with gzip.open(p, "wt") as f:
        f.write(GOOD_HEADER + "\n" + '{"type":"marker","t":1,"label":"' + "a" * (3 << 20) + '"}\n')
    assert p.stat().st_size < 50_000
    with pytest.raises(RecordingError, match=r"bomb\.jsonl\.gz:2: line longer than"):
        read_recording(p)


@pytest.mark.subprocess
def test_replay_of_a_nan_time_is_one_line_and_exit_2_never_nan_json(tmp_path):
    p = tmp_path / "nan.jsonl"
    p.write_text(GOOD_HEADER + "\n" + '{"type":"gaze","t":NaN,"x":1.0,"y":2.0}\n')
    r = run_cli("replay", str(p), "--json")
    assert r.returncode == 2 and "NaN" not in r.stdout
    assert len(r.stderr.strip().splitlines()) == 1 and "nan.jsonl:2" in r.stderr
