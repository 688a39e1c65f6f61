"""`gazetype replay FILE.xdf`: LabRecorder files through the same replay as v1 recordings."""
import json
import math
import time
import uuid

import pytest

from gazetype.app.cli import main as cli_main
from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.keyboard.model import KeyboardModel
from gazetype.pipeline.pipeline import GazePipeline
from gazetype.pipeline.replay import replay
from gazetype.pipeline.session import TypingSession
from gazetype.recording.playback import ReplayTracker
from gazetype.recording.v1 import Header, RecordingError, RecordingWriter, event_to_dict
from gazetype.recording.xdf import XdfReader
from gazetype.recording.xdfwrite import XdfStream, write_gazetype_xdf, write_xdf
from gazetype.sim.gaze import SimConfig, SimGaze
from gazetype.sim.typists import PhraseTypist
from gazetype.tracker.events import LayoutEvent, MarkerEvent, SelectEvent
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

from .conftest import lsl_inlet

SCREEN = Screen(1280, 720)
PHRASE = "hello world"


def typing_session(sinks=(), recorder=None, seconds=40.0):
    """A simulated user typing PHRASE: the events any pipeline sink receives."""
    model = KeyboardModel((0, 0, SCREEN.width_px, SCREEN.height_px))
    pipe = GazePipeline(DwellEngine(config=DwellConfig(dwell_s=0.8)), recorder=recorder, sinks=list(sinks))
    session = TypingSession(model, pipe)
    session.start(0.0)
    gaze = SimGaze(PhraseTypist(model, [PHRASE], 0.8), SCREEN, SimConfig(rate_hz=120.0, seed=3))
    t_done = None
    for s in gaze.until(seconds):
        session.feed(s)
        if t_done is None and model.buffer.text == PHRASE:
            t_done = s.t_s
        if t_done is not None and s.t_s > t_done + 0.5:
            break  # the typist would go on with the next phrase
    return model.buffer.text


class Collect:
    """A pipeline sink that keeps the events (and ignores corrected gaze)."""

    def __init__(self):
        self.events = []

    def write(self, ev):
        self.events.append(ev)

    def write_corrected(self, s):
        pass

    def close(self):
        pass


def xdf_from_events(events, path):
    write_gazetype_xdf(path, events, SCREEN.to_dict())


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One typing session, as a v1 recording and as the XDF file of the same events."""
    d = tmp_path_factory.mktemp("xdf")
    sink = Collect()
    with RecordingWriter(d / "s.jsonl", Header(SCREEN, 120.0, source="sim")) as w:
        typed = typing_session([sink], recorder=w)
    assert typed == PHRASE
    xdf_from_events(sink.events, d / "s.xdf")
    return d / "s.jsonl", d / "s.xdf", sink.events


def test_xdf_replays_like_the_v1_recording_of_the_same_session(session):
    v1, xdf, events = session
    a = replay(v1, dwell=DwellConfig(dwell_s=0.8))
    b = replay(xdf, dwell=DwellConfig(dwell_s=0.8))
    assert a.typed_text == b.typed_text == PHRASE
    assert [k for _, k in a.selections] == [k for _, k in b.selections]
    # The XDF keeps full-precision times (no dejittering), so its replay selects at
    # exactly the live session's instants; v1 files round t to 1 us, which can move
    # a dwell that is an exact multiple of the sample period by one sample.
    live = [(e.t_s, e.key_id) for e in events if isinstance(e, SelectEvent)]
    assert b.selections == live
    assert [t for t, _ in a.selections] == pytest.approx([t for t, _ in b.selections], abs=1 / 120 + 1e-6)
    assert (b.samples, b.valid) == (a.samples, a.valid)
    assert b.recorded_selections == a.recorded_selections == len(PHRASE)
    assert b.header.screen == SCREEN and b.header.source == "xdf:gazetype raw gaze"


def test_xdf_reader_restores_the_events_themselves(session):
    _, xdf, events = session
    got = list(XdfReader(xdf))
    assert len(got) == len(events)
    layouts = [e for e in got if isinstance(e, LayoutEvent)]
    want = [e for e in events if isinstance(e, LayoutEvent)]
    assert [event_to_dict(e) for e in layouts] == [event_to_dict(e) for e in want]
    gz = [e for e in got if isinstance(e, GazeSample)]
    gw = [e for e in events if isinstance(e, GazeSample)]
    assert all((a.valid, a.t_s) == (b.valid, pytest.approx(b.t_s, abs=1e-9)) for a, b in zip(gz, gw))
    assert all(a.x_px == b.x_px for a, b in zip(gz, gw) if a.valid)


def test_replay_command_reads_xdf(session, capsys):
    _, xdf, _ = session
    assert cli_main(["replay", str(xdf), "--json", "--dwell-ms", "800"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["typed_text"] == PHRASE and out["source"] == "xdf:gazetype raw gaze"
    assert out["sample_rate_hz"] == pytest.approx(120.0, rel=1e-3)


def test_replay_tracker_plays_xdf_too(session):
    _, xdf, events = session
    tr = ReplayTracker(path=str(xdf), speed=1000.0).start()
    got = []
    t_end = time.monotonic() + 5
    while tr.status != "replay ended" and time.monotonic() < t_end:
        got += tr.read()
        time.sleep(0.005)
    assert len(got) == sum(isinstance(e, GazeSample) for e in events) and tr.status == "replay ended"


def test_tobii_lsl_app_stream_and_plain_string_markers(tmp_path):
    et = XdfStream("TobiiPro", "Eyetracker", "float32", 60.0, "tobii-123", channel_count=6)
    for k in range(120):
        et.stamps.append(100.0 + k / 60)
        et.rows.append([math.nan] * 6 if k % 10 == 0 else [0.25, 0.5, 3.0, 0.35, 0.5, 3.1])
    mk = XdfStream("PsychoPy", "Markers", "string", 0.0, "pp")
    mk.stamps += [100.5, 101.0, 101.5]
    mk.rows += [["trial_start"], ['{"type":"select","t":0,"key":"a"}'], ['{"not":"ours"}']]
    path = tmp_path / "tobii.xdf"
    write_xdf(path, [et, mk])
    r = XdfReader(path, screen=Screen(1000, 1000))
    evs = list(r)
    gaze = [e for e in evs if isinstance(e, GazeSample)]
    assert len(gaze) == 120 and sum(g.valid for g in gaze) == 108
    v = next(g for g in gaze if g.valid)
    assert (v.x_px, v.y_px) == (pytest.approx(300.0), 500.0)
    assert v.left.pupil_mm == 3.0
    other = [e for e in evs if not isinstance(e, GazeSample)]
    assert [type(e) for e in other] == [MarkerEvent, SelectEvent, MarkerEvent]
    assert other[0].label == "trial_start" and other[1].t_s == pytest.approx(101.0)  # XDF time wins
    assert other[2].label == '{"not":"ours"}'
    assert r.header.sample_rate_hz == 60.0 and r.header.extra["xdf"]["gaze_stream"] == "TobiiPro"


def test_bad_xdf_files_are_one_line_errors(tmp_path, capsys):
    garbage = tmp_path / "g.xdf"
    garbage.write_bytes(b"not xdf at all")
    with pytest.raises(RecordingError, match="g.xdf: not a readable XDF file"):
        XdfReader(garbage)
    eeg = XdfStream("EEG", "EEG", "float32", 100.0, "eeg", channel_count=4)
    eeg.stamps, eeg.rows = [0.0, 0.01], [[1, 2, 3, 4]] * 2
    write_xdf(tmp_path / "eeg.xdf", [eeg])
    with pytest.raises(RecordingError, match=r"no gaze stream of type Gaze or Eyetracker; streams in the file: 'EEG' \(EEG\)"):
        XdfReader(tmp_path / "eeg.xdf")
    assert cli_main(["replay", str(tmp_path / "eeg.xdf")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "eeg.xdf" in err and "Traceback" not in err
    with pytest.raises(RecordingError, match="no such file"):
        XdfReader(tmp_path / "missing.xdf")


def test_a_torn_xdf_file_replays_what_was_complete(session, tmp_path):
    _, xdf, _ = session
    data = xdf.read_bytes()
    torn = tmp_path / "torn.xdf"
    torn.write_bytes(data[: int(len(data) * 0.6)])  # a recorder that crashed mid-file
    res = replay(torn, dwell=DwellConfig(dwell_s=0.8))
    assert 0 < res.samples < 2640
    assert PHRASE.startswith(res.typed_text.rstrip())


@pytest.mark.lsl
def test_live_lsl_session_captured_to_xdf_replays_to_the_same_text(tmp_path):
    """--lsl-out -> LSL inlets (as LabRecorder) -> XDF with the streams' real headers -> replay."""
    pylsl = pytest.importorskip("pylsl")
    from gazetype.pipeline.lslout import LslPublisher

    prefix = f"gt-{uuid.uuid4().hex[:6]}"
    pub = LslPublisher(SCREEN, prefix=prefix, rate_hz=120.0)
    inlets = {}
    for kind in ("raw gaze", "events", "corrected gaze"):
        inlets[kind] = lsl_inlet(f"{prefix} {kind}", max_buflen=120)
    typed = typing_session([pub])
    assert typed == PHRASE
    streams = []
    for kind, inlet in inlets.items():
        info = inlet.info(timeout=60.0)
        fmt = {pylsl.cf_double64: "double64", pylsl.cf_string: "string"}[info.channel_format()]
        s = XdfStream(info.name(), info.type(), fmt, info.nominal_srate(), info.source_id(),
                      header_xml=info.as_xml(), channel_count=info.channel_count())
        want = pub.counts["raw" if kind != "events" else "events"]
        t_end = time.monotonic() + 10
        while len(s.rows) < want and time.monotonic() < t_end:
            rows, stamps = inlet.pull_chunk(timeout=0.2)
            s.rows += rows
            s.stamps += stamps
        assert len(s.rows) == want
        streams.append(s)
    pub.close()
    path = tmp_path / "labrecorder.xdf"
    write_xdf(path, streams)
    res = replay(path, dwell=DwellConfig(dwell_s=0.8))
    assert res.typed_text == PHRASE, (res.to_json(), [(s.name, len(s.rows), s.stamps[:3]) for s in streams])
    assert res.header.source == f"xdf:{prefix} raw gaze"  # the raw stream, not the corrected one
    assert res.recorded_selections == len(PHRASE)
    assert res.header.screen == SCREEN
