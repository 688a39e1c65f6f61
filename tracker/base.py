"""The tracker interface every adapter implements, and its one error type.

A tracker delivers `GazeSample`s in screen px on the monotonic clock. Consumers
either pull (`read()` returns what arrived since the last call, never blocks) or
iterate (`samples()` blocks until the tracker stops), or pass a callback to
`start()` that is called for every sample (from the tracker's thread, for push
devices). Adapters convert vendor units at this edge; nothing downstream knows
which tracker it is.

To add a tracker: subclass `Tracker`, implement `_open`/`_close` and either push
samples with `_emit` (device threads) or generate them in `_poll` (pull sources),
and decorate the class with `@register("name")` in its own module.

Background readers (device and stream adapters) use `_start_reader(target, name)`:
each start gets a fresh `ReaderRun` with its own stop event, passed to the thread as
its argument (never read from an attribute, which a restart replaces). `stop()` sets
that event and joins the thread for at most `JOIN_S` outside the tracker's lock, so
it never blocks its caller (the GUI thread) for long; a thread that outlives the join
is abandoned with its own event set, and what it emits afterwards is dropped, so it
can never feed a later run's queue. Samples wait in a bounded queue (`QUEUE_MAX`,
oldest dropped first and counted in `dropped`); an exception in the consumer's
callback is counted in `callback_errors`, logged once, and never stops the reader.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from typing import Callable, ClassVar, Iterator

from gazetype.tracker.clock import now_s
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

SampleCallback = Callable[[GazeSample], None]

log = logging.getLogger("gazetype.tracker")

QUEUE_MAX = 60_000  # samples waiting for read(): 30 s at 2000 Hz; beyond it the oldest are dropped
JOIN_S = 0.5  # how long stop() waits for a reader thread to end before abandoning it


class ReaderRun:
    """One start..stop of a tracker's background reader.

    `stop_ev` is this run's own stop event: set once by stop() (or a failed start) and
    never cleared or replaced. `first` is set on the first connection or a fatal error
    (then `error` holds the message). The thread reads only its own run.
    """

    def __init__(self) -> None:
        self.stop_ev = threading.Event()
        self.first = threading.Event()
        self.error: str | None = None
        self.thread: threading.Thread | None = None

    @property
    def stopped(self) -> bool:
        return self.stop_ev.is_set()

    def wait(self, timeout_s: float) -> bool:
        """Sleep up to `timeout_s`; True as soon as the run is stopped."""
        return self.stop_ev.wait(timeout_s)

    def fail(self, msg: str) -> None:
        """A fatal error: start() (waiting for `first`) raises it."""
        self.error = msg
        self.first.set()


class TrackerError(Exception):
    """A tracker could not be found, opened, or kept running. One line, for the user."""


class Tracker:
    name: ClassVar[str] = "tracker"
    description: ClassVar[str] = ""
    # Samples arrive on a reader thread (a device, a stream) rather than being made in
    # read(): a consumer can then wait for `on_arrival` instead of polling.
    pushes: ClassVar[bool] = False
    # A pull source whose samples only repeat while nothing moves (the mouse): a consumer
    # may read it slowly while idle and fast again when told it moved.
    repeats_when_still: ClassVar[bool] = False
    queue_max: int = QUEUE_MAX
    # Why `calibration()` is None, one line for the user (see tracker/devicecal.py).
    calibration_note: ClassVar[str] = "calibration is done in the vendor's software"
    # True when `calibration()` may return one once connected (Tobii, a bridge's LSL stream):
    # others are not even started to find out.
    may_calibrate: ClassVar[bool] = False

    def __init__(self, screen: Screen | None = None, *, clock: Callable[[], float] = now_s) -> None:
        self.screen = screen or Screen()
        self.clock = clock
        self.nominal_rate_hz: float | None = None
        self.status = "stopped"  # one short phrase for the status line
        self._queue: deque[GazeSample] = deque(maxlen=self.queue_max)
        self._qlock = threading.Lock()  # the queue, and a run's stop against its emits
        self.dropped = 0  # samples dropped because nobody read them in time (the queue was full)
        self.callback_errors = 0  # exceptions raised by the consumer's callback (caught)
        # A push tracker wakes its consumer (`on_arrival`) at most once per `batch_s`: a
        # sample after a quiet `batch_s` goes at once, those that follow within it go with
        # the next wake-up (or the consumer's own timer). 0: each at once.
        self.batch_s = 0.0
        self._woke_s = -math.inf  # time.monotonic() of the last wake-up
        self.abandoned_threads = 0  # reader threads that did not end within JOIN_S of stop()
        self._callback: SampleCallback | None = None
        # Called (from the reader thread) when a sample is queued and none is waiting
        # since the last read(): at most one wake-up is pending, whatever the rate.
        self.on_arrival: Callable[[], None] | None = None
        self._wake_pending = False
        self._running = False
        self._lock = threading.Lock()
        self._run: ReaderRun | None = None

    # -- what subclasses implement ---------------------------------------------
    def _open(self) -> None:
        """Connect to the source; raise TrackerError with a clear message on failure."""

    def _close(self) -> None:
        """Disconnect; must not raise."""

    def _poll(self, now: float) -> None:
        """Pull sources generate or fetch samples up to `now` here (called by read)."""

    def attach_session(self, session, cursor_visible: Callable[[], bool] = lambda: False) -> None:
        """A tracker that watches the typing session (the simulated person, who sees
        what the keyboard shows) takes it here; real trackers have no use for it."""

    def calibration(self):
        """A `tracker.devicecal.DeviceCalibration` when the device can be calibrated from
        here (Tobii through the SDK or the bridge), else None: then `calibration_note`
        says where calibration is done."""
        return None

    def no_calibration_message(self) -> str:
        """One line: why this tracker cannot be calibrated from gazetype."""
        return f"{self.name}: {self.calibration_note}"

    @classmethod
    def discover(cls) -> list[str]:
        """Human-readable descriptions of devices/streams of this kind available now."""
        return []

    # -- what subclasses call ---------------------------------------------------
    def _emit(self, s: GazeSample, run: ReaderRun | None = None) -> None:
        """Deliver a sample. Reader threads pass their `run`: once it is stopped, what
        they emit is dropped. Never raises (a failing callback is counted and logged once)."""
        if run is not None and run.stop_ev.is_set():
            return
        cb = self._callback
        if cb is not None:
            try:
                cb(s)
            except Exception as e:
                self._callback_failed(e)
            return
        with self._qlock:
            if run is not None and run.stop_ev.is_set():
                return
            q = self._queue
            if len(q) == q.maxlen:
                self.dropped += 1
            q.append(s)
            wake = None
            if not self._wake_pending:
                now = time.monotonic() if self.batch_s else 0.0
                # Batching: no wake-up within batch_s of the last one; what is queued meanwhile
                # goes with the next (or with the consumer's own slow timer, if none comes).
                if not self.batch_s or now - self._woke_s >= 0.9 * self.batch_s:  # (a timer's slack)
                    wake = self.on_arrival
                    self._wake_pending = True
                    self._woke_s = now
        if wake is not None:
            try:
                wake()
            except Exception as e:
                self._callback_failed(e)

    def _callback_failed(self, e: Exception) -> None:
        self.callback_errors += 1
        if self.callback_errors == 1:
            log.error("%s tracker: the sample callback raised %s: %s; the tracker keeps running "
                      "(further errors are counted, not logged)", self.name, type(e).__name__, e)

    def _set_status(self, run: ReaderRun | None, text: str) -> None:
        """Set `status` from a reader thread, unless its run has been stopped."""
        if run is None or not run.stop_ev.is_set():
            self.status = text

    def _start_reader(self, target: Callable[[ReaderRun], None], name: str) -> ReaderRun:
        """Start `target(run)` on a daemon thread with a fresh run (its own stop event)."""
        run = ReaderRun()
        run.thread = threading.Thread(target=target, args=(run,), name=name, daemon=True)
        self._run = run
        run.thread.start()
        return run

    def _stop_reader(self, run: ReaderRun | None, join_s: float = JOIN_S) -> bool:
        """Stop `run`: set its event (no emit of it gets through after this), join its
        thread for at most `join_s`. True if the thread ended; else it is abandoned."""
        if run is None:
            return True
        with self._qlock:
            run.stop_ev.set()
        if self._run is run:
            self._run = None
        t = run.thread
        if t is None or t is threading.current_thread():
            return True
        t.join(timeout=join_s)
        if t.is_alive():
            self.abandoned_threads += 1
            log.debug("%s tracker: reader thread %s did not end within %g s; abandoned", self.name, t.name, join_s)
            return False
        return True

    # -- the interface ----------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    def start(self, callback: SampleCallback | None = None) -> "Tracker":
        with self._lock:
            if self._running:
                return self
            self._callback = callback
            with self._qlock:
                self._queue.clear()  # nothing from an earlier run
            self._open()
            self._running = True
            if self.status == "stopped":
                self.status = "running"
        return self

    def stop(self) -> None:
        """Stop; returns within about JOIN_S even if a reader thread is stuck in a
        vendor call (that thread is abandoned and ends by itself)."""
        with self._lock:
            if not self._running:
                return
            self._running = False
            run, self._run = self._run, None
            if run is not None:
                with self._qlock:
                    run.stop_ev.set()  # from here on nothing of this run is emitted
            try:
                self._close()
            finally:
                self.status = "stopped"
        self._stop_reader(run)  # the join: outside the lock

    def read(self) -> list[GazeSample]:
        """Samples that arrived since the last call, oldest first. Never blocks."""
        if not self._running:
            return []
        self._poll(self.clock())
        with self._qlock:
            out = list(self._queue)
            self._queue.clear()
            self._wake_pending = False
        return out

    def samples(self, duration_s: float | None = None, idle_s: float = 0.005) -> Iterator[GazeSample]:
        """Iterate samples as they come, for `duration_s` of tracker time (or until stopped)."""
        t_end = None if duration_s is None else self.clock() + duration_s
        while self._running:
            batch = self.read()
            for s in batch:
                if t_end is not None and s.t_s > t_end:
                    return
                yield s
            if t_end is not None and self.clock() > t_end:
                return
            if not batch:
                time.sleep(idle_s)

    def __enter__(self) -> "Tracker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
