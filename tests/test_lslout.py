"""`--lsl-out`: the publisher's streams, read back by real LSL inlets on loopback."""
import json
import math
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

pylsl = pytest.importorskip("pylsl")

from gazetype.calibration.corrector import Corrector  # noqa: E402
from gazetype.pipeline.lslout import LslPublisher  # noqa: E402
from gazetype.pipeline.pipeline import GazePipeline  # noqa: E402
from gazetype.recording.v1 import event_to_dict  # noqa: E402
from gazetype.tracker.events import LayoutEvent, LayoutItem, MarkerEvent, OffsetEvent, SelectEvent  # noqa: E402
from gazetype.tracker.lsl import LslTracker  # noqa: E402
from gazetype.tracker.sample import EyeSample, GazeSample  # noqa: E402
from gazetype.tracker.screen import Screen  # noqa: E402

from .conftest import lsl_inlet, resolve_lsl  # noqa: E402

SCREEN = Screen(1600, 900)


def inlets_for(prefix):
    """Inlets on the publisher's three streams, connected and ready."""
    out = {}
    for kind in ("raw gaze", "corrected gaze", "events"):
        out[kind] = lsl_inlet(f"{prefix} {kind}")
    return out


def pull_all(inlet, want, timeout=60.0):
    rows, stamps = [], []
    t_end = time.monotonic() + timeout
    while len(rows) < want and time.monotonic() < t_end:
        r, ts = inlet.pull_chunk(timeout=0.1)
        rows += r
        stamps += ts
    return rows, stamps


class OneEstimate:
    """A calibrator that reports one offset estimate at t >= 0.05 s."""

    def __init__(self):
        self.done = False

    def update(self, s):
        if not self.done and s.t_s >= 0.05:
            self.done = True
            return OffsetEvent(s.t_s, 30.0, -10.0, 2.0, 12)
        return None

    def on_layout(self, ev):
        pass

    def on_select(self, ev):
        pass


@pytest.mark.lsl
def test_streams_carry_xdf_gaze_meta_data_and_the_screen():
    prefix = f"gt-{uuid.uuid4().hex[:6]}"
    pub = LslPublisher(SCREEN, prefix=prefix, rate_hz=120.0)
    try:
        ins = inlets_for(prefix)
        raw = ins["raw gaze"].info(timeout=60.0)
        assert (raw.type(), raw.channel_count(), raw.nominal_srate()) == ("Gaze", 8, 120.0)
        assert raw.source_id().startswith("gazetype-out-raw@")
        doc = ET.fromstring(raw.as_xml())
        chans = [{k: c.findtext(k) for k in ("label", "eye", "type", "unit")}
                 for c in doc.find("desc/channels").findall("channel")]
        assert chans[0] == {"label": "x", "eye": "both", "type": "ScreenX", "unit": "pixels"}
        assert chans[1] == {"label": "y", "eye": "both", "type": "ScreenY", "unit": "pixels"}
        assert [c["eye"] for c in chans[2:6]] == ["left", "left", "right", "right"]
        assert chans[6] == {"label": "left_pupil", "eye": "left", "type": "Diameter", "unit": "mm"}
        assert float(doc.findtext("desc/screen/width_px")) == 1600.0
        assert float(doc.findtext("desc/screen/height_mm")) == pytest.approx(SCREEN.height_mm, abs=1e-3)
        assert doc.findtext("desc/acquisition/software") == "gazetype"
        cor = ins["corrected gaze"].info(timeout=60.0)
        assert (cor.type(), cor.channel_count()) == ("Gaze", 2)
        ev = ins["events"].info(timeout=60.0)
        assert (ev.type(), ev.channel_count(), ev.channel_format()) == ("Markers", 1, pylsl.cf_string)
        assert ev.nominal_srate() == pylsl.IRREGULAR_RATE
    finally:
        pub.close()


@pytest.mark.lsl
def test_pipeline_sinks_publish_raw_corrected_and_events_as_v1_json():
    prefix = f"gt-{uuid.uuid4().hex[:6]}"
    pub = LslPublisher(SCREEN, prefix=prefix, rate_hz=120.0)
    ins = inlets_for(prefix)
    # an immediate correction, also on a key (the corrector otherwise holds still under a dwell)
    pipe = GazePipeline(calibrator=OneEstimate(), corrector=Corrector(max_speed_px_s=1e9, hold_budget_px=1e9),
                        sinks=[pub])
    layout = LayoutEvent(0.0, "keyboard", (LayoutItem("a", (0, 0, 100, 100)), LayoutItem("b", (100, 0, 200, 100))))
    pipe.on_layout(layout)
    samples = []
    for k in range(24):
        t = k / 120
        if k % 8 == 7:
            s = GazeSample.invalid(t)
        else:
            s = GazeSample(t, 50.0 + k, 60.0, True, EyeSample(49.0 + k, 60.0, True, 3.0),
                           EyeSample(51.0 + k, 60.0, True, 3.2))
        samples.append(s)
        pipe.feed(s)
    sel = SelectEvent(0.2, "a")
    mark = MarkerEvent(0.21, "trial_end", {"trial": 3, "phrase": "hello world"})
    pipe.on_select(sel)
    pipe.on_marker(mark)

    raw, raw_t = pull_all(ins["raw gaze"], 24)
    cor, cor_t = pull_all(ins["corrected gaze"], 24)
    evs, ev_t = pull_all(ins["events"], 4)
    pub.close()
    assert len(raw) == len(cor) == 24
    for s, row, ts in zip(samples, raw, raw_t):
        assert ts == pytest.approx(s.t_s, abs=1e-3)  # our clock is the LSL clock here
        if s.valid:
            assert row == [s.x_px, s.y_px, s.left.x_px, 60.0, s.right.x_px, 60.0, 3.0, 3.2]
        else:
            assert all(math.isnan(v) for v in row)
    # The estimate (30, -10) arrives at t >= 0.05 s; corrected = reported - offset from then on.
    for s, row in zip(samples, cor):
        if not s.valid:
            assert all(math.isnan(v) for v in row)
        elif s.t_s >= 0.05:
            assert row == [s.x_px - 30.0, s.y_px + 10.0]
        else:
            assert row == [s.x_px, s.y_px]
    objs = [json.loads(r[0]) for r in evs]
    kinds = [o["type"] for o in objs]
    assert kinds == ["layout", "offset", "select", "marker"]
    assert objs[0] == event_to_dict(layout)
    assert objs[2] == event_to_dict(sel) and objs[3] == event_to_dict(mark)
    assert objs[1]["dx"] == 30.0 and objs[1]["dy"] == -10.0
    assert ev_t[2] == pytest.approx(0.2, abs=1e-3)
    assert pub.counts == {"raw": 24, "corrected": 24, "events": 4}


@pytest.mark.lsl
def test_gazetypes_own_raw_stream_is_not_picked_by_default_but_can_be_named():
    prefix = f"gt-{uuid.uuid4().hex[:6]}"
    pub = LslPublisher(SCREEN, prefix=prefix)
    try:
        assert f"{prefix} raw gaze" not in " ".join(LslTracker.discover())
        tr = LslTracker(SCREEN, arg=f"{prefix} raw gaze", wait_s=30).start()
        try:
            assert pub.raw is not None and resolve_lsl(f"{prefix} raw gaze")
            assert tr.status.startswith(f"lsl: {prefix} raw gaze")
            assert tr.layout.both.has_xy and tr.layout.left.has_xy
        finally:
            tr.stop()
    finally:
        pub.close()


def test_run_has_an_lsl_out_flag_off_by_default():
    from gazetype.app.cli import build_parser
    p = build_parser()
    assert p.parse_args(["run"]).lsl_out is False
    assert p.parse_args(["run", "--lsl-out"]).lsl_out is True


@pytest.mark.lsl
def test_time_zero_is_not_taken_for_now():
    """liblsl stamps a sample pushed with timestamp 0.0 with the current time; a session
    that starts at t = 0 (simulation, replay) must keep its times."""
    prefix = f"gt-{uuid.uuid4().hex[:6]}"
    pub = LslPublisher(SCREEN, prefix=prefix)
    pub._to_lsl = 0.0  # as often measured on Linux, where both clocks are CLOCK_MONOTONIC
    ins = inlets_for(prefix)
    pub.write(GazeSample(0.0, 1.0, 2.0, True))
    pub.write(MarkerEvent(0.0, "start"))
    (_,), (t_raw,) = pull_all(ins["raw gaze"], 1)
    (_,), (t_ev,) = pull_all(ins["events"], 1)
    pub.close()
    assert abs(t_raw) < 1e-9 and abs(t_ev) < 1e-9


# -- reliability (issue 13, finding 9: LSL output) ---------------------------------------------

def _events_inlet(name):
    return lsl_inlet(name)


@pytest.mark.lsl
def test_a_consumer_that_connects_late_is_sent_the_current_layouts():
    prefix = f"gt-{uuid.uuid4().hex[:6]}"
    pub = LslPublisher(SCREEN, prefix=prefix, rate_hz=120.0, resend_s=0.5)
    try:
        keys = LayoutEvent(1.0, "keyboard", (LayoutItem("a", (0, 0, 100, 100)),))
        target = LayoutEvent(1.0, "target", (LayoutItem("hello", (0, 200, 300, 250), 0),), text="hello")
        pub.write(keys)
        pub.write(target)
        t = 1.0
        for _ in range(20):  # published before anyone listens
            t += 0.01
            pub.write(GazeSample(t, 10.0, 10.0, True))
        late = _events_inlet(f"{prefix} events")  # LabRecorder started after the app
        got = []
        t_end = time.monotonic() + 60  # a deadline: the loop ends as soon as it holds
        while len(got) < 2 and time.monotonic() < t_end:
            t += 0.01
            pub.write(GazeSample(t, 10.0, 10.0, True))  # publishing goes on; it notices the consumer
            rows, stamps = late.pull_chunk(timeout=0.0)
            got += [(json.loads(r[0]), ts) for r, ts in zip(rows, stamps)]
            time.sleep(0.01)
        assert sorted(o["region"] for o, _ in got[:2]) == ["keyboard", "target"]
        for o, ts in got[:2]:
            want = keys if o["region"] == "keyboard" else target
            # the same layout, stamped with the newest time published (times never go back)
            assert {k: v for k, v in o.items() if k != "t"} == {k: v for k, v in event_to_dict(want).items()
                                                                  if k != "t"}
            assert o["t"] > 1.0 and ts == pytest.approx(o["t"], abs=1e-3)
        # ... and again every resend_s while it stays connected.
        t_end = time.monotonic() + 60  # a deadline: the loop ends as soon as it holds
        while len(got) < 4 and time.monotonic() < t_end:
            t += 0.01
            pub.write(GazeSample(t, 10.0, 10.0, True))
            rows, stamps = late.pull_chunk(timeout=0.0)
            got += [(json.loads(r[0]), ts) for r, ts in zip(rows, stamps)]
            time.sleep(0.01)
        assert len(got) >= 4 and pub.layouts_resent >= 4
    finally:
        pub.close()


@pytest.mark.lsl
def test_gaze_outlets_get_the_trackers_rate_known_only_after_it_connected():
    """As the windows do it: the sink is built before the tracker starts (wait_s=0)."""
    from gazetype.app.compose import lsl_sinks

    name = f"gt-src-{uuid.uuid4().hex[:6]}"
    info = pylsl.StreamInfo(name, "Gaze", 2, 250.0, pylsl.cf_double64, f"test-{name}")
    src = pylsl.StreamOutlet(info)
    tr = LslTracker(SCREEN, arg=name, wait_s=0)
    (pub,) = lsl_sinks(True, SCREEN, tr)
    assert tr.nominal_rate_hz is None and pub.raw is None  # not yet known: no gaze outlet yet
    tr.start()
    try:
        t_end = time.monotonic() + 60  # a deadline: the loop ends as soon as it holds
        got = []
        while not got and time.monotonic() < t_end:
            src.push_sample([5.0, 6.0])
            got = tr.read()
            time.sleep(0.01)
        assert got and tr.nominal_rate_hz == 250.0
        for s in got:
            pub.write(s)
            pub.write_corrected(s)
        for kind in ("raw", "corrected"):
            out = resolve_lsl(pub.names[kind])
            assert out.nominal_srate() == 250.0
    finally:
        tr.stop()
        pub.close()


@pytest.mark.lsl
def test_two_publishers_on_one_machine_have_distinct_names_and_source_ids():
    prefix = f"gt-{uuid.uuid4().hex[:6]}"
    a = LslPublisher(SCREEN, prefix=prefix)
    b = LslPublisher(SCREEN, prefix=prefix)
    try:
        assert (a.instance, b.instance) == (1, 2)
        assert a.names["raw"] == f"{prefix} raw gaze" and b.names["raw"] == f"{prefix}-2 raw gaze"
        ids = {}
        for pub in (a, b):
            for kind, name in pub.names.items():
                info = resolve_lsl(name)
                ids[(pub.instance, kind)] = info.source_id()
        assert len(set(ids.values())) == 6
        assert ids[(1, "raw")].startswith("gazetype-out-raw@") and ids[(2, "raw")].startswith("gazetype-out-raw-2@")
    finally:
        a.close()
        b.close()
    c = LslPublisher(SCREEN, prefix=prefix)  # the first is gone: its name is free again (stable across restarts)
    try:
        assert c.instance == 1 and c.names["events"] == f"{prefix} events"
    finally:
        c.close()
