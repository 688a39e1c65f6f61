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
"""
from __future__ import annotations

import queue
import threading
import time
from typing import Callable, ClassVar, Iterator

from gazetype.tracker.clock import now_s
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

SampleCallback = Callable[[GazeSample], None]


class TrackerError(Exception):
    """A tracker could not be found, opened, or kept running. One line, for the user."""


class Tracker:
    name: ClassVar[str] = "tracker"
    description: ClassVar[str] = ""

    def __init__(self, screen: Screen | None = None, *, clock: Callable[[], float] = now_s) -> None:
        self.screen = screen or Screen()
        self.clock = clock
        self.nominal_rate_hz: float | None = None
        self.status = "stopped"  # one short phrase for the status line
        self._queue: queue.SimpleQueue[GazeSample] = queue.SimpleQueue()
        self._callback: SampleCallback | None = None
        self._running = False
        self._lock = threading.Lock()

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

    @classmethod
    def discover(cls) -> list[str]:
        """Human-readable descriptions of devices/streams of this kind available now."""
        return []

    # -- what subclasses call ---------------------------------------------------
    def _emit(self, s: GazeSample) -> None:
        cb = self._callback
        if cb is not None:
            cb(s)
        else:
            self._queue.put(s)

    # -- the interface ----------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    def start(self, callback: SampleCallback | None = None) -> "Tracker":
        with self._lock:
            if self._running:
                return self
            self._callback = callback
            self._open()
            self._running = True
            if self.status == "stopped":
                self.status = "running"
        return self

    def stop(self) -> None:
        with self._lock:
            if not self._running:
                return
            self._running = False
            try:
                self._close()
            finally:
                self.status = "stopped"

    def read(self) -> list[GazeSample]:
        """Samples that arrived since the last call, oldest first. Never blocks."""
        if not self._running:
            return []
        self._poll(self.clock())
        out = []
        get = self._queue.get_nowait
        try:
            while True:
                out.append(get())
        except queue.Empty:
            pass
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
