"""`--tracker lsl`: a real LSL outlet and inlet on loopback (LSLAPICFG from conftest)."""
import logging
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


def wait_until(pred, timeout=30.0):
    """True once `pred()` holds; the deadline is generous (a loaded machine), the wait is not."""
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def readers():
    """The LSL reader threads alive now (each LslTracker runs one while started)."""
    return {t for t in threading.enumerate() if t.name == "gazetype-lsl-in" and t.is_alive()}


def read_n(tracker, n, timeout=30.0):
    got = []
    wait_until(lambda: got.extend(tracker.read()) or len(got) >= n, timeout)
    return got


@pytest.mark.lsl
def test_round_trip_values_validity_and_lsl_timestamps():
    name = unique()
    out = outlet(name)
    tr = LslTracker(Screen(1920, 1080), arg=name, wait_s=30).start()
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


@pytest.mark.lsl
def test_metadata_normalised_units_scale_to_the_keyboard_screen():
    name = unique()
    out = outlet(name, gaze_channels("normalized", eyes=False))
    tr = LslTracker(Screen(1000, 500), arg=name, wait_s=30).start()
    try:
        out.push_sample([0.25, 0.5])
        (s,) = read_n(tr, 1)
    finally:
        tr.stop()
    assert (s.x_px, s.y_px, s.valid) == (250.0, 250.0, True)
    assert "normalised" in tr.stream_info["layout"]


@pytest.mark.lsl
def test_tobii_lsl_app_layout_type_eyetracker_nan_invalid():
    name = unique("TobiiPro")
    out = outlet(name, channels=[], typ="Eyetracker", n=6)
    tr = LslTracker(Screen(1920, 1080), arg=name, wait_s=30).start()
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


@pytest.mark.lsl
def test_stream_loss_shows_in_status_and_reading_resumes_when_it_returns():
    name = unique()
    out = outlet(name)
    tr = LslTracker(arg=name, wait_s=30).start()
    try:
        out.push_sample([10.0] * 6 + [3.0, 3.0])
        assert read_n(tr, 1)[0].valid
        del out  # the sender goes away
        assert wait_until(lambda: tr.status == "lost: reconnecting"), tr.status
        lost = read_n(tr, 1)
        assert lost and not lost[-1].valid  # one invalid sample: nothing dwells on stale gaze
        assert tr.read() == []  # and nothing crashes while it is gone
        time.sleep(0.5)
        assert tr.status == "lost: reconnecting" and tr.running
        out = outlet(name)  # the sender comes back (same name)
        assert wait_until(lambda: tr.status.startswith("lsl: ")), tr.status
        out.push_sample([20.0] * 6 + [3.0, 3.0])
        back = read_n(tr, 1)
        assert back[-1].valid and back[-1].x_px == 20.0
        assert tr.connections == 2
    finally:
        tr.stop()


@pytest.mark.lsl
def test_a_silent_stream_is_reported_and_recovers():
    name = unique()
    out = outlet(name)
    tr = LslTracker(arg=name, wait_s=30, stall_s=0.3).start()
    try:
        out.push_sample([1.0] * 8)
        read_n(tr, 1)
        assert wait_until(lambda: tr.status == f"no data from {name}"), tr.status
        assert not read_n(tr, 1)[-1].valid
        out.push_sample([2.0] * 8)
        assert wait_until(lambda: tr.status.startswith("lsl: "))
    finally:
        tr.stop()


@pytest.mark.lsl
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


@pytest.mark.lsl
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
        assert wait_until(lambda: tr.status.startswith("lsl: ")), tr.status
        out.push_sample([5.0] * 8)
        assert read_n(tr, 1)[0].x_px == 5.0
    finally:
        tr.stop()
    # stop() joins the reader with a timeout; that it ended (rather than the join timing
    # out) is what says stop() is honoured while connected, without a wall-clock bound.
    assert not reader.is_alive()


@pytest.mark.lsl
def test_a_stream_without_gaze_channels_is_refused_with_its_name():
    name = unique("eeg")
    _out = outlet(name, channels=[], typ="Gaze", n=3)  # noqa: F841 (must stay alive)
    with pytest.raises(TrackerError, match=f"stream '{name}'.*no ScreenX/ScreenY"):
        LslTracker(arg=name, wait_s=30).start()


@pytest.mark.lsl
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


def _record_1s_while(send, stop: threading.Event, name: str, path) -> int:
    """`gazetype record --duration 1` from stream `name` while `send` (a loop until `stop`) sends."""
    th = threading.Thread(target=send, daemon=True)
    th.start()
    try:
        return cli_main(["record", "--tracker", f"lsl:{name}", "--duration", "1", "--out", str(path)])
    finally:
        stop.set()
        th.join()


@pytest.mark.lsl
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

    path = tmp_path / "lsl.jsonl"
    rc = _record_1s_while(send, stop, name, path)
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


@pytest.mark.lsl
def test_samples_arrive_without_waiting_for_the_poll_timeout():
    """A pushed sample reaches the tracker's callback without waiting out the reader's
    0.1 s poll timeout (it once waited the whole timeout: 50 ms mean latency)."""
    name = unique()
    out = outlet(name, gaze_channels("pixels", eyes=False))
    got = {}
    tr = LslTracker(arg=name, wait_s=30)
    tr.start(callback=lambda s: got.setdefault(int(s.x_px), time.monotonic()))
    try:
        for k in range(20):
            out.push_sample([float(k), 0.0])
            time.sleep(0.05)
        assert wait_until(lambda: len(got) == 20), sorted(got)
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


@pytest.mark.lsl
def test_a_batching_reader_wakes_its_consumer_once_a_batch_and_a_lone_sample_at_once():
    """Issue 15: a wake-up of the GUI thread per sample cost more than the sample's work.
    With `batch_s` the reader hands over what arrives within it together; a sample after a
    quiet `batch_s` still goes at once. Nothing is lost or reordered."""
    name = unique()
    out = outlet(name, gaze_channels("pixels", eyes=False))
    tr = LslTracker(arg=name, wait_s=30)
    tr.batch_s = 0.4
    wakes = []
    tr.on_arrival = lambda: wakes.append(time.monotonic())
    tr.start()
    got = []
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        for k in range(120):  # 1 s at 120 Hz
            out.push_sample([float(k), 0.0])
            got.extend(tr.read())
            time.sleep(1 / 120)
        assert wait_until(lambda: got.extend(tr.read()) or len(got) >= 120), len(got)
        burst = [w for w in wakes if w >= t0]
        assert len(burst) <= 2 + (time.monotonic() - t0) / 0.4, len(burst)  # not one per sample
        time.sleep(0.8)  # quiet
        got.extend(tr.read())
        n_wakes = len(wakes)
        t1 = time.monotonic()
        out.push_sample([1000.0, 0.0])
        assert wait_until(lambda: len(wakes) > n_wakes)
        assert wakes[n_wakes] - t1 < 0.2  # not held back for a batch
        got.extend(read_n(tr, 1))
    finally:
        tr.stop()
    assert [s.x_px for s in got] == [*map(float, range(120)), 1000.0]


@pytest.mark.lsl
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

    tr = LslTracker(arg=name, wait_s=30)
    tr.start(callback=bad)
    try:
        out.push_sample([1.0] * 8)
        out.push_sample([2.0] * 8)
        out.push_sample([3.0] * 8)
        assert wait_until(lambda: any(s.valid and s.x_px == 3.0 for s in calls))
        assert tr.callback_errors == 2 and tr.connections == 1
        assert tr.status == f"lsl: {name} 120 Hz"
        assert [s.x_px for s in calls if s.valid] == [1.0, 2.0, 3.0]
    finally:
        tr.stop()
    errors = [r for r in caplog.records if "callback raised" in r.getMessage()]
    assert len(errors) == 1 and "RuntimeError: consumer bug" in errors[0].getMessage()
    assert "\n" not in errors[0].getMessage()


# -- reliability (issue 13, findings 9 and 10) ------------------------------------------------

class Sender:
    """Pushes x = k (k = 0, 1, ...) at `rate` Hz on a thread until stopped."""

    def __init__(self, out, rate=500.0, n_channels=8):
        self.out, self.rate, self.n = out, rate, n_channels
        self.stop = threading.Event()
        self.th = threading.Thread(target=self._run, daemon=True)
        self.th.start()

    def _run(self):
        k = 0
        while not self.stop.is_set():
            self.out.push_sample([float(k)] + [1.0] * (self.n - 1))
            k += 1
            time.sleep(1 / self.rate)

    def close(self):
        self.stop.set()
        self.th.join()


@pytest.mark.lsl
def test_repeated_start_stop_no_duplicates_no_thread_build_up_and_stop_is_fast():
    name = unique()
    sender = Sender(outlet(name))
    base_threads = threading.active_count()
    tr = LslTracker(arg=name, wait_s=30)
    stop_s = []
    try:
        for _ in range(10):  # each waits for the connection (about 0.7 s)
            tr.start()
            got = read_n(tr, 5)
            ks = [s.x_px for s in got if s.valid]
            assert len(ks) >= 5 and ks == sorted(set(ks)), ks  # one reader: none twice, in order
            t0 = time.monotonic()
            tr.stop()
            stop_s.append(time.monotonic() - t0)
        # Restarts that do not wait for the connection (the GUI's wait_s=0), back to back:
        gui = LslTracker(arg=name, wait_s=0)
        for _ in range(20):
            gui.start()
            gui.stop()
        gui.start()
        try:
            assert wait_until(lambda: gui.status.startswith("lsl: ")), gui.status
            got = read_n(gui, 50)
            ks = [s.x_px for s in got if s.valid]
            assert len(ks) >= 50 and ks == sorted(set(ks)), ks
            assert len(readers()) == 1  # the earlier runs' readers have ended
        finally:
            gui.stop()
    finally:
        sender.close()
    assert not readers()
    assert threading.active_count() <= base_threads, threading.enumerate()
    # Reader threads wake every 0.1 s: stop() joins in about that (it never waits more
    # than base.JOIN_S = 0.5 s; before, up to 3 s for LSL and 10 s for Tobii, under a lock).
    assert max(stop_s) < 0.5 + 0.2, stop_s
    assert tr.abandoned_threads == 0 and tr.dropped == 0


@pytest.mark.lsl
def test_absurd_per_eye_values_make_the_eye_invalid_never_inf():
    name = unique()
    out = outlet(name, gaze_channels("pixels", binocular=False))  # eyes only: the gaze is their mean
    tr = LslTracker(Screen(1920, 1080), arg=name, wait_s=30).start()
    try:
        out.push_sample([1.5e308, 1.5e308, 1.5e308, 1.5e308, 3.0, 3.0])
        out.push_sample([1.5e308, 100.0, 500.0, 600.0, 3.0, 3.0])  # the left eye's x is garbage
        out.push_sample([-1e9, 5.0, 1e9, 5.0, 3.0, 3.0])  # beyond ten screens: garbage
        out.push_sample([-100.0, 5.0, 2100.0, 5.0, 3.0, 3.0])  # off screen, but plausibly gaze
        a, b, c, d = read_n(tr, 4)
    finally:
        tr.stop()
    assert not a.valid and math.isnan(a.x_px) and not a.left.valid and not a.right.valid
    assert b.valid and (b.x_px, b.y_px) == (500.0, 600.0) and not b.left.valid
    assert not c.valid and math.isnan(c.x_px)
    assert d.valid and d.x_px == 1000.0


def _pushed_with_offset(offset_s, n=40):
    # Over 1.6 s: the clock offset to the sender becomes known after ~0.6 s (until then
    # the samples are timed by arrival); the timestamps are found off the clock then.
    name = unique()
    out = outlet(name)
    tr = LslTracker(arg=name, wait_s=30).start()
    try:
        sent = []
        for k in range(n):
            ts = pylsl.local_clock()
            out.push_sample([float(k)] + [1.0] * 7, ts + offset_s)
            sent.append(ts)
            time.sleep(0.04)
        got = read_n(tr, n)
        return tr, name, sent, got
    finally:
        tr.stop()


@pytest.mark.lsl
def test_timestamps_a_million_seconds_off_are_moved_onto_our_clock_and_said_once(caplog):
    for offset_s in (1e6, -1e6):
        caplog.clear()
        tr, name, sent, got = _pushed_with_offset(offset_s)
        assert len(got) == 40
        # Arrival times: each within a few ms of when it was sent (well, after), in order.
        assert all(-0.001 <= s.t_s - ts < 0.1 for s, ts in zip(got, sent)), [s.t_s - ts for s, ts in zip(got, sent)]
        assert [s.t_s for s in got] == sorted(s.t_s for s in got)
        # the spacing the sender gave them is kept
        assert got[-1].t_s - got[0].t_s == pytest.approx(sent[-1] - sent[0], abs=0.02)
        assert tr.time_remaps == 1 and tr.out_of_order == 0
        warns = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warns) == 1 and name in warns[0] and "arrival times" in warns[0], warns


@pytest.mark.lsl
def test_the_first_samples_do_not_wait_for_the_clock_offset():
    """Issue 15: the reader asked liblsl for the clock offset (~0.6 s the first time)
    before reading, so the first 0.6 to 0.8 s of gaze came in one late batch. It is asked
    for on a thread of its own now; the samples meanwhile are timed by their arrival."""
    name = unique()
    out = outlet(name, gaze_channels("pixels", eyes=False))
    stop = threading.Event()
    pushed: dict[int, float] = {}

    def send():
        k = 0
        while not stop.is_set():
            pushed[k] = pylsl.local_clock()
            out.push_sample([float(k), 0.0], pushed[k])
            k += 1
            time.sleep(1 / 240)

    late: list[float] = []
    times: list[float] = []

    def on_sample(s):
        if s.valid:
            late.append(pylsl.local_clock() - pushed[int(s.x_px)])
            times.append(s.t_s - pushed[int(s.x_px)])

    th = threading.Thread(target=send, daemon=True)
    th.start()
    tr = LslTracker(arg=name, wait_s=30)
    try:
        tr.start(callback=on_sample)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.5:
            time.sleep(0.05)
    finally:
        stop.set()
        tr.stop()
        th.join()
    first = late[:120]  # the first half second after connecting
    assert len(first) == 120
    assert max(first) < 0.1, f"a late batch: up to {max(first) * 1000:.0f} ms late"
    # arrival times, then the offset: each sample time within a few ms of its push
    assert all(-0.002 < d < 0.05 for d in times), (min(times), max(times))


@pytest.mark.lsl
def test_backward_timestamps_are_dropped_and_counted_a_jump_back_is_rebased(caplog):
    name = unique()
    out = outlet(name, gaze_channels("pixels", eyes=False))
    tr = LslTracker(arg=name, wait_s=30).start()
    try:
        t0 = pylsl.local_clock()
        for x, dt in ((1, 0.000), (2, 0.010), (3, 0.005), (4, 0.004), (5, 0.020)):  # 3 and 4 go back
            out.push_sample([float(x), 0.0], t0 + dt)
        got = read_n(tr, 3)
        assert [s.x_px for s in got] == [1.0, 2.0, 5.0] and tr.out_of_order == 2
        # A jump back of 5 s: the sender's clock restarted; re-based (not 5 s of drops).
        t1 = pylsl.local_clock() - 5.0
        for x in range(6, 11):
            out.push_sample([float(x), 0.0], t1 + 0.01 * x)
        more = read_n(tr, 5)
    finally:
        tr.stop()
    assert [s.x_px for s in more] == [6.0, 7.0, 8.0, 9.0, 10.0]
    ts = [s.t_s for s in got + more]
    assert ts == sorted(ts) and tr.time_remaps == 1
    warns = [r.getMessage() for r in caplog.records if "older than the one before" in r.getMessage()]
    assert len(warns) == 1


@pytest.mark.lsl
def test_two_streams_with_one_name_are_refused_in_one_line_and_one_can_be_chosen(capsys):
    name = unique("dup")
    a = outlet(name, source_id="sender-A")
    b = outlet(name, source_id="sender-B")
    with pytest.raises(TrackerError) as e:
        LslTracker(arg=name, wait_s=1).start()
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"2 LSL streams are named '{name}'")
    assert "source_id sender-A" in msg and "source_id sender-B" in msg
    assert f"--tracker lsl:{name}@sender-A or lsl:{name}@sender-B" in msg
    assert not readers()
    tr = LslTracker(arg=f"{name}@sender-B", wait_s=30).start()
    try:
        assert tr.stream_info["source_id"] == "sender-B"
        b.push_sample([7.0] * 8)
        assert read_n(tr, 1)[0].x_px == 7.0
    finally:
        tr.stop()
    # The CLI: one line, exit 2.
    rc = cli_main(["record", "--tracker", f"lsl:{name}", "--duration", "1", "--out", "/tmp/never.jsonl"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "2 LSL streams are named" in err and "Traceback" not in err
    # By host: once B is gone, NAME@HOST finds A (both were on this host).
    (info,) = [i for i in find_gaze_streams(1.0, name) if i.source_id() == "sender-A"]
    del b
    tr = LslTracker(arg=f"{name}@{info.hostname()}", wait_s=30).start()
    try:
        assert tr.stream_info["source_id"] == "sender-A"
    finally:
        tr.stop()
    del a


@pytest.mark.lsl
def test_record_with_a_sender_a_million_seconds_off_records_and_warns(tmp_path, capsys):
    name = unique()
    out = outlet(name)
    stop = threading.Event()

    def send():
        k = 0
        while not stop.is_set():
            out.push_sample([100.0 + k, 300.0] + [NAN] * 6, pylsl.local_clock() + 1e6)
            k += 1
            time.sleep(1 / 120)

    path = tmp_path / "off.jsonl"
    rc = _record_1s_while(send, stop, name, path)
    err = capsys.readouterr().err
    assert rc == 0
    rec = read_recording(path)
    assert len(rec.samples) > 30  # it once recorded none, silently
    assert "timestamps re-mapped" in err
