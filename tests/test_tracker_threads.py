"""The background-reader machinery every push tracker shares (tracker/base.py): one
stop event per run, a short join outside the lock, a bounded queue that counts what it
drops, callback errors isolated. A scripted tracker, no device or network."""
import logging
import threading
import time

import pytest

from gazetype.tracker.base import JOIN_S, ReaderRun, Tracker
from gazetype.tracker.sample import GazeSample


class Pusher(Tracker):
    """Emits samples x = (run number, k) from its reader thread. `stubborn`: the thread
    ignores its stop event until `release` is set (a vendor call that cannot be interrupted)."""

    def __init__(self, rate_hz=1000.0, stubborn=False, **kw):
        super().__init__(**kw)
        self.rate_hz = rate_hz
        self.stubborn = stubborn
        self.release = threading.Event()
        self.runs = 0

    def _open(self):
        self.runs += 1
        n = self.runs
        self._start_reader(lambda run: self._loop(run, n), "test-pusher")

    def _loop(self, run: ReaderRun, n: int):
        k = 0
        while True:
            if run.stopped and (not self.stubborn or self.release.is_set()):
                return
            self._emit(GazeSample(time.monotonic(), float(n), float(k)), run)
            k += 1
            time.sleep(1.0 / self.rate_hz)


def pushers():
    return [t for t in threading.enumerate() if t.name == "test-pusher" and t.is_alive()]


@pytest.mark.slow
def test_stop_returns_fast_and_an_abandoned_thread_never_feeds_the_next_run():
    tr = Pusher(stubborn=True)
    tr.start()
    time.sleep(0.05)
    t0 = time.monotonic()
    tr.stop()
    took = time.monotonic() - t0
    assert took < JOIN_S + 0.5, took  # joined briefly, not until the thread gives up
    assert tr.abandoned_threads == 1 and len(pushers()) == 1  # still running: abandoned
    tr.start()  # a restart while the old thread is still emitting
    try:
        time.sleep(0.2)
        got = tr.read()
        assert got and {s.x_px for s in got} == {2.0}  # only the new run's samples
        ks = [s.y_px for s in got]
        assert ks == sorted(set(ks))  # one reader: no duplicates, in order
    finally:
        tr.release.set()
        tr.stop()
    t_end = time.monotonic() + 2
    while pushers() and time.monotonic() < t_end:
        time.sleep(0.01)
    assert not pushers()


def test_repeated_start_stop_leaves_no_threads_behind():
    before = threading.active_count()
    tr = Pusher()
    for _ in range(20):
        tr.start()
        time.sleep(0.005)
        t0 = time.monotonic()
        tr.stop()
        assert time.monotonic() - t0 < JOIN_S
    assert threading.active_count() == before and tr.abandoned_threads == 0
    assert tr.read() == []  # stopped: nothing


def test_the_queue_is_bounded_drops_the_oldest_and_counts():
    class Small(Pusher):
        queue_max = 100

    tr = Small(rate_hz=5000.0)
    tr.start()
    try:
        t_end = time.monotonic() + 3
        while tr.dropped < 50 and time.monotonic() < t_end:
            time.sleep(0.01)
        got = tr.read()
    finally:
        tr.stop()
    assert len(got) <= 100 and tr.dropped >= 50
    ks = [int(s.y_px) for s in got]
    assert ks == list(range(ks[0], ks[0] + len(ks)))  # the newest, contiguous: the oldest went
    assert ks[0] >= tr.dropped  # (everything before the kept ones was dropped, counted)


def test_a_raising_callback_is_counted_logged_once_and_the_reader_goes_on(caplog):
    got = []

    def bad(s):
        got.append(s)
        raise ValueError("consumer bug")

    tr = Pusher()
    with caplog.at_level(logging.ERROR, logger="gazetype.tracker"):
        tr.start(callback=bad)
        try:
            t_end = time.monotonic() + 3
            while len(got) < 20 and time.monotonic() < t_end:
                time.sleep(0.01)
        finally:
            tr.stop()
    assert len(got) >= 20 and tr.callback_errors == len(got)
    msgs = [r.getMessage() for r in caplog.records if "callback raised" in r.getMessage()]
    assert len(msgs) == 1 and "ValueError: consumer bug" in msgs[0] and "\n" not in msgs[0]


@pytest.mark.slow
def test_stop_does_not_hold_the_lock_while_joining():
    """Another thread can use the tracker (start) while a stop waits for a stuck reader."""
    tr = Pusher(stubborn=True)
    tr.start()
    stopper = threading.Thread(target=tr.stop)
    stopper.start()
    time.sleep(0.05)  # stop() is now joining the stuck thread
    t0 = time.monotonic()
    assert tr._lock.acquire(timeout=JOIN_S / 4), "stop() holds the lock through its join"
    tr._lock.release()
    assert time.monotonic() - t0 < JOIN_S / 4 + 0.05
    stopper.join()
    tr.release.set()


@pytest.mark.slow
def test_batching_wakes_the_consumer_at_most_once_a_batch_and_loses_nothing():
    """Issue 15: every sample of a push tracker woke the GUI thread. With `batch_s` the
    consumer is woken at most once per batch (what comes meanwhile goes with the next
    wake-up), a sample after a quiet batch at once; every sample is read, in order."""
    tr = Pusher(rate_hz=200.0)
    tr.batch_s = 0.1
    wakes = []
    got = []
    tr.on_arrival = lambda: wakes.append(time.monotonic())
    tr.start()
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:
            got.extend(tr.read())  # the consumer reads when it likes (here: busily)
            time.sleep(0.002)
    finally:
        tr.stop()
    got.extend(tr.read())
    assert len(got) >= 100  # ~200 at 200 Hz; fewer on a loaded machine
    assert len(wakes) <= 1 + 1.0 / (0.9 * 0.1) + 1, len(wakes)  # unbatched: one per read, ~200
    assert [s.y_px for s in got] == [float(k) for k in range(len(got))]  # none lost, in order
    gaps = [b - a for a, b in zip(wakes, wakes[1:])]
    assert min(gaps) >= 0.9 * 0.1 - 1e-3, gaps
    quiet = Pusher(rate_hz=1.0)  # a sample a second: each one wakes the consumer at once
    quiet.batch_s = 0.1
    woke = []
    quiet.on_arrival = lambda: woke.append(time.monotonic())
    quiet.start()
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.5:
            quiet.read()
            time.sleep(0.01)
    finally:
        quiet.stop()
    assert len(woke) >= 2 and all(b - a > 0.5 for a, b in zip(woke, woke[1:]))
