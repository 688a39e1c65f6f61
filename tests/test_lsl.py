"""`--tracker lsl`: a real LSL outlet and inlet on loopback (LSLAPICFG from conftest)."""
import math
import threading
import time
import uuid

import pytest

pylsl = pytest.importorskip("pylsl")

from gazetype.app.cli import main as cli_main  # noqa: E402
from gazetype.recording.v1 import read_recording  # noqa: E402
from gazetype.tracker.base import TrackerError  # noqa: E402
from gazetype.tracker.gazechannels import add_gaze_desc, gaze_channels  # noqa: E402
from gazetype.tracker.lsl import LslTracker, find_gaze_streams, gaze_predicate  # noqa: E402
from gazetype.tracker.screen import Screen  # noqa: E402

NAN = math.nan


def unique(prefix="gt"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def outlet(name, channels=None, typ="Gaze", rate=120.0, n=None, source_id=None):
    channels = gaze_channels("pixels") if channels is None else channels
    info = pylsl.StreamInfo(name, typ, n or len(channels), rate, pylsl.cf_double64, source_id or f"test-{name}")
    if channels:
        add_gaze_desc(info, channels, None)
    return pylsl.StreamOutlet(info)


def wait_until(pred, timeout=5.0):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def readers():
    """The LSL reader threads alive now (each LslTracker runs one while started)."""
    return {t for t in threading.enumerate() if t.name == "gazetype-lsl-in" and t.is_alive()}


def read_n(tracker, n, timeout=3.0):
    got = []
    wait_until(lambda: got.extend(tracker.read()) or len(got) >= n, timeout)
    return got


def test_round_trip_values_validity_and_lsl_timestamps():
    name = unique()
    out = outlet(name)
    tr = LslTracker(Screen(1920, 1080), arg=name, wait_s=5).start()
    try:
        assert tr.status == f"lsl: {name} 120 Hz" and tr.nominal_rate_hz == 120.0
        assert tr.stream_info["source_id"] == f"test-{name}"
        sent = []
        for i in range(40):
            ts = pylsl.local_clock()
            row = [NAN] * 8 if i % 10 == 9 else [100.0 + i, 200.0, 99.0 + i, 200.0, 101.0 + i, 200.0, 3.0, 3.1]
            out.push_sample(row, ts)
            sent.append((ts, row))
            time.sleep(0.002)
        got = read_n(tr, 40)
    finally:
        tr.stop()
    assert len(got) == 40
    for s, (ts, row) in zip(got, sent):
        # LSL time + time_correction on our clock: the same machine, so within a few ms.
        assert abs(s.t_s - ts) < 0.005
        if math.isnan(row[0]):
            assert not s.valid and not s.left.valid and not s.right.valid
        else:
            assert s.valid and (s.x_px, s.y_px) == (row[0], row[1])
            assert (s.left.x_px, s.right.x_px, s.left.pupil_mm, s.right.pupil_mm) == (row[2], row[4], 3.0, 3.1)
    assert [s.t_s for s in got] == sorted(s.t_s for s in got)
    assert tr.status == "stopped"


def test_metadata_normalised_units_scale_to_the_keyboard_screen():
    name = unique()
    out = outlet(name, gaze_channels("normalized", eyes=False))
    tr = LslTracker(Screen(1000, 500), arg=name, wait_s=5).start()
    try:
        out.push_sample([0.25, 0.5])
        (s,) = read_n(tr, 1)
    finally:
        tr.stop()
    assert (s.x_px, s.y_px, s.valid) == (250.0, 250.0, True)
    assert "normalised" in tr.stream_info["layout"]


def test_tobii_lsl_app_layout_type_eyetracker_nan_invalid():
    name = unique("TobiiPro")
    out = outlet(name, channels=[], typ="Eyetracker", n=6)
    tr = LslTracker(Screen(1920, 1080), arg=name, wait_s=5).start()
    try:
        out.push_sample([0.5, 0.5, 3.0, 0.6, 0.5, 3.2])
        out.push_sample([NAN] * 6)
        a, b = read_n(tr, 2)
    finally:
        tr.stop()
    assert a.valid and a.x_px == pytest.approx(0.55 * 1920) and a.y_px == pytest.approx(540)
    assert a.left.pupil_mm == 3.0
    assert not b.valid
    assert tr.stream_info["layout"].startswith("tobii-lsl-app")


def test_stream_loss_shows_in_status_and_reading_resumes_when_it_returns():
    name = unique()
    out = outlet(name)
    tr = LslTracker(arg=name, wait_s=5).start()
    try:
        out.push_sample([10.0] * 6 + [3.0, 3.0])
        assert read_n(tr, 1)[0].valid
        del out  # the sender goes away
        assert wait_until(lambda: tr.status == "lost: reconnecting", 3.0), tr.status
        lost = read_n(tr, 1)
        assert lost and not lost[-1].valid  # one invalid sample: nothing dwells on stale gaze
        assert tr.read() == []  # and nothing crashes while it is gone
        time.sleep(0.5)
        assert tr.status == "lost: reconnecting" and tr.running
        out = outlet(name)  # the sender comes back (same name)
        assert wait_until(lambda: tr.status.startswith("lsl: "), 5.0), tr.status
        out.push_sample([20.0] * 6 + [3.0, 3.0])
        back = read_n(tr, 1)
        assert back[-1].valid and back[-1].x_px == 20.0
        assert tr.connections == 2
    finally:
        tr.stop()


def test_a_silent_stream_is_reported_and_recovers():
    name = unique()
    out = outlet(name)
    tr = LslTracker(arg=name, wait_s=5, stall_s=0.3).start()
    try:
        out.push_sample([1.0] * 8)
        read_n(tr, 1)
        assert wait_until(lambda: tr.status == f"no data from {name}", 2.0), tr.status
        assert not read_n(tr, 1)[-1].valid
        out.push_sample([2.0] * 8)
        assert wait_until(lambda: tr.status.startswith("lsl: "), 2.0)
    finally:
        tr.stop()


def test_no_stream_is_a_clear_error_in_bounded_time():
    name = unique("missing")
    before = readers()
    t0 = time.monotonic()
    with pytest.raises(TrackerError, match=f"no LSL stream '{name}' found within 1 s"):
        LslTracker(arg=name, wait_s=1.0).start()
    elapsed = time.monotonic() - t0
    assert not readers() - before  # its reader thread was stopped, not left searching
    # It waits out wait_s (an Event.wait, never shorter), then joins its reader for at
    # most 3 s (in practice one 0.1 s resolver poll). The bound is that worst case plus
    # 3 s for a loaded machine: it still catches a start() that hangs or ignores wait_s.
    assert 0.99 <= elapsed < 1.0 + 3.0 + 3.0, elapsed


def test_gui_mode_returns_at_once_and_connects_when_the_stream_appears():
    name = unique()
    before = readers()
    t0 = time.monotonic()
    tr = LslTracker(arg=name, wait_s=0).start()
    try:
        # start() returned before the stream exists, so it did not wait to find it: the
        # resolution happens off the caller's thread. A resolution on the caller's thread
        # blocks for its whole timeout when nothing is there (1 s and more; 5.5 s for a
        # one-shot resolve_bypred in liblsl 1.18): 2 s catches that and leaves a loaded
        # machine plenty of room.
        assert time.monotonic() - t0 < 2.0
        assert tr.status.startswith("searching for LSL stream")
        (reader,) = readers() - before
        out = outlet(name)
        assert wait_until(lambda: tr.status.startswith("lsl: "), 5.0), tr.status
        out.push_sample([5.0] * 8)
        assert read_n(tr, 1)[0].x_px == 5.0
    finally:
        tr.stop()
    # stop() joins the reader with a timeout; that it ended (rather than the join timing
    # out) is what says stop() is honoured while connected, without a wall-clock bound.
    assert not reader.is_alive()


def test_a_stream_without_gaze_channels_is_refused_with_its_name():
    name = unique("eeg")
    _out = outlet(name, channels=[], typ="Gaze", n=3)  # noqa: F841 (must stay alive)
    with pytest.raises(TrackerError, match=f"stream '{name}'.*no ScreenX/ScreenY"):
        LslTracker(arg=name, wait_s=5).start()


def test_discovery_lists_gaze_streams_but_not_gazetypes_own_output():
    a, b, mine = unique("gaze"), unique("et"), unique("own")
    outs = [outlet(a), outlet(b, channels=[], typ="Eyetracker", n=6),
            outlet(mine, source_id="gazetype-out-raw@test")]
    names = [i.name() for i in find_gaze_streams(1.0)]
    assert a in names and b in names and mine not in names
    # XDF-style Gaze streams come before the Tobii app's Eyetracker type, whatever the
    # names ("gaze-..." sorts after "et-..."), so a default connection takes the former.
    assert names.index(a) < names.index(b)
    listed = LslTracker.discover()
    assert any(line.startswith(f"lsl:{a}: type Gaze, 8 channels, 120 Hz") for line in listed)
    del outs


def test_predicate_quotes_names():
    assert gaze_predicate("it's") == "name=\"it's\""
    with pytest.raises(TrackerError):
        gaze_predicate("a'b\"c")


def test_record_command_records_an_lsl_stream(tmp_path, capsys):
    name = unique()
    out = outlet(name)
    stop = threading.Event()
    sent = []  # LSL timestamp of sample k (its x is 100 + k)

    def send():
        k = 0
        while not stop.is_set():
            ts = pylsl.local_clock()
            sent.append(ts)
            out.push_sample([100.0 + k, 300.0] + [NAN] * 6, ts)
            k += 1
            time.sleep(1 / 120)

    th = threading.Thread(target=send, daemon=True)
    th.start()
    path = tmp_path / "lsl.jsonl"
    try:
        rc = cli_main(["record", "--tracker", f"lsl:{name}", "--duration", "1", "--out", str(path)])
    finally:
        stop.set()
        th.join()
    assert rc == 0
    rec = read_recording(path)
    assert rec.header.sample_rate_hz == 120.0 and rec.header.source == f"lsl:{name}"
    assert rec.header.extra["lsl"]["name"] == name
    # Not a sample count (the sleep-paced sender falls behind on a loaded machine): what
    # was recorded is a run of what was sent, none lost or repeated, each with the
    # sender's timestamp, all within the 1 s asked for.
    ks = [round(s.x_px) - 100 for s in rec.samples]
    assert ks == list(range(ks[0], ks[0] + len(ks))), ks
    assert all(s.valid and s.y_px == 300.0 and abs(s.t_s - sent[k]) < 0.005 for k, s in zip(ks, rec.samples))
    span = rec.samples[-1].t_s - rec.samples[0].t_s
    # Up to 1 s; at least half of it, as the end may miss what a loaded machine delivers
    # late, while a recorder that stopped early or kept no timestamps would have far less.
    assert 0.5 <= span <= 1.0, span
    # Never overwritten: a second run refuses before connecting.
    assert cli_main(["record", "--tracker", f"lsl:{name}", "--duration", "1", "--out", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_samples_arrive_without_waiting_for_the_poll_timeout():
    """A pushed sample reaches the tracker's callback without waiting out the reader's
    0.1 s poll timeout (it once waited the whole timeout: 50 ms mean latency)."""
    name = unique()
    out = outlet(name, gaze_channels("pixels", eyes=False))
    got = {}
    tr = LslTracker(arg=name, wait_s=5)
    tr.start(callback=lambda s: got.setdefault(int(s.x_px), time.monotonic()))
    try:
        for k in range(20):
            out.push_sample([float(k), 0.0])
            time.sleep(0.05)
        assert wait_until(lambda: len(got) == 20, 5.0), sorted(got)
    finally:
        tr.stop()
    # Not a latency bound (wake-ups are late on a loaded machine): a reader that waits out
    # its 0.1 s poll hands over what came in meanwhile together, at most one burst per
    # 0.1 s. Samples sent 50 ms apart and handed over one by one make more bursts than
    # that; a sample merges with the next only if it is more than 45 ms late.
    arrived = [got[k] for k in range(20)]
    bursts = 1 + sum(b - a > 0.005 for a, b in zip(arrived, arrived[1:]))
    most_if_polled = 1 + (arrived[-1] - arrived[0]) / 0.1
    assert bursts > most_if_polled, (bursts, most_if_polled, arrived)


def test_a_failing_consumer_callback_does_not_kill_the_reader(caplog):
    """An exception in the consumer's callback is counted and logged once; the connection
    stays up and the next samples are delivered (it once tore the connection down)."""
    name = unique()
    out = outlet(name)
    calls = []

    def bad(s):
        calls.append(s)
        if s.valid and s.x_px < 3.0:
            raise RuntimeError("consumer bug")

    tr = LslTracker(arg=name, wait_s=5)
    tr.start(callback=bad)
    try:
        out.push_sample([1.0] * 8)
        out.push_sample([2.0] * 8)
        out.push_sample([3.0] * 8)
        assert wait_until(lambda: any(s.valid and s.x_px == 3.0 for s in calls), 2.0)
        assert tr.callback_errors == 2 and tr.connections == 1
        assert tr.status == f"lsl: {name} 120 Hz"
        assert [s.x_px for s in calls if s.valid] == [1.0, 2.0, 3.0]
    finally:
        tr.stop()
    errors = [r for r in caplog.records if "callback raised" in r.getMessage()]
    assert len(errors) == 1 and "RuntimeError: consumer bug" in errors[0].getMessage()
    assert "\n" not in errors[0].getMessage()
