"""The Qt shell of the live keyboard: wakes the headless loop on a Qt timer or when
samples arrive, and calls the view.

The only place with a QTimer. Samples of a push tracker (LSL, Tobii: a reader
thread) wake it as they arrive; trackers that make samples when read (mouse, sim,
replay) are polled ~125 times a second, but the mouse only while it moves or a
dwell fills (it repeats itself while still: idle, a tick every 100 ms). What a tick
does without Qt is `pipeline.live.LiveLoop` (each sample to the headless session; focus,
flash and cursor into the view, which is the loop's picture; pausing, dialogs, the
status line); when gaze repaints is `pipeline.repaint.RepaintScheduler`. The view
repaints when what it draws changed (focus and progress, the cursor, a flash, the text
or layout).
While a modal dialog is open (settings) gaze types nothing: the dwell engine is
paused and starts afresh, so a gaze through the dialog never selects the key behind.
"""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from gazetype.app.qt.keyboard_view import KeyboardView
from gazetype.pipeline import repaint
from gazetype.pipeline.live import LiveLoop, offset_text  # noqa: F401  (offset_text: imported from here too)
from gazetype.pipeline.session import Session
from gazetype.tracker.base import Tracker
from gazetype.tracker.clock import now_s


class GazeController(QObject):
    selected = Signal(str)  # a key id, after the model applied it
    textChanged = Signal(str)
    doneSelected = Signal(str)  # the text when "done" was selected
    actionRequested = Signal(object)  # a keyboard.model.Action (speak, copy, done, ...)
    _arrived = Signal()  # emitted on the tracker's thread; runs tick on this (the GUI) thread

    POLL_MS = 8  # trackers that make samples when read (mouse, sim, replay)
    SLOW_MS = 50  # push trackers: samples wake the tick; this timer only for flashes and dialogs
    IDLE_MS = 100  # the mouse, resting with nothing filling or flashing (a move wakes it at once)
    FRAME_S = repaint.FRAME_S  # gaze-driven repaints at most this often (the display's refresh)
    FRAME_SLACK_S = repaint.FRAME_SLACK_S  # a gaze change this little before its frame is painted for that frame
    BATCH_S = 0.004  # without sinks, a push tracker hands samples over at most this often:
    # under the sample period of trackers up to 250 Hz (each of their samples comes at once),
    # while a 600 or 1200 Hz stream wakes the GUI thread 250 times a second, not per sample
    # (measured: 1200 Hz 8.5 % of a core instead of 17 %, for 2.3 ms more latency, median).
    frame_slot = staticmethod(repaint.frame_slot)

    def __init__(self, view: KeyboardView, session: Session, tracker: Tracker, parent=None, *,
                 clock: Callable[[], float] = now_s) -> None:
        super().__init__(parent)
        self.clock = clock  # stamps layout changes; the simulated tracker's clock (tests run it faster)
        self.view = view
        self.tracker = tracker
        # The view is the loop's picture: the loop sets focus, flash and cursor on it.
        self.loop = LiveLoop(session, tracker, view, clock=clock, on_text=self.textChanged.emit,
                             on_done=self.doneSelected.emit, on_selected=self.selected.emit,
                             on_action=self.actionRequested.emit)
        self.frames = repaint.RepaintScheduler(self.FRAME_S, self.FRAME_SLACK_S)
        self._timer = QTimer(self)
        self._timer.setInterval(self.SLOW_MS if tracker.pushes else self.POLL_MS)
        self._timer.timeout.connect(self.tick)
        if tracker.pushes:
            # Input as it arrives: each sample wakes the GUI thread (at most one wake-up
            # pending), instead of waiting up to a poll interval.
            self._arrived.connect(self.tick, Qt.QueuedConnection)
            tracker.on_arrival = self._arrived.emit
            # A sink (LSL out) takes each corrected sample as soon as it can be had; the
            # keyboard alone may have what arrives within BATCH_S handed over at once (a
            # sample after a quiet BATCH_S still comes at once).
            tracker.batch_s = 0.0 if session.pipeline.sinks else self.BATCH_S
        # The mouse repeats itself while still: read it fast only while something moves,
        # fills or flashes (idle, it costs a tick every SLOW_MS).
        self._push = tracker.pushes
        self._adaptive = not tracker.pushes and tracker.repeats_when_still
        self._frame = QTimer(self)  # a repaint held back to keep FRAME_S between them
        self._frame.setSingleShot(True)
        self._frame.timeout.connect(self._paint_changes)
        view.geometryChanged.connect(self.relayout)

    @property
    def session(self) -> Session:
        return self.loop.session

    @property
    def pipeline(self):
        return self.loop.session.pipeline

    @property
    def blocked(self) -> bool:
        """A modal dialog is open: gaze types nothing."""
        return self.loop.blocked

    @property
    def last_error(self) -> str | None:
        return self.loop.last_error

    @property
    def _still_px(self) -> float:
        return self.loop.still_px

    def start(self) -> None:
        self.relayout(initial=True)
        self.tracker.start()
        self._timer.start()

    def suspend(self) -> None:
        """Lend the tracker to another screen (a validation): read nothing until `resume`."""
        self._timer.stop()
        self._frame.stop()
        self.tracker.on_arrival = None

    def resume(self) -> None:
        if self.tracker.pushes:
            self.tracker.on_arrival = self._arrived.emit
        self._timer.start()

    def hurry(self) -> None:
        """The pointer moved: read the tracker at the fast rate again from the next tick."""
        if self._adaptive and self._timer.isActive() and self._timer.interval() != self.POLL_MS:
            self._timer.start(self.POLL_MS)

    def _pace(self) -> None:
        """Fast while the pointer moved in the last STILL_S, a dwell fills or a key flashes."""
        want = self.POLL_MS if self.loop.busy() else self.IDLE_MS
        if self._timer.isActive() and self._timer.interval() != want:
            self._timer.start(want)

    def stop(self) -> None:
        self._timer.stop()
        self._frame.stop()
        self.tracker.on_arrival = None
        self.tracker.stop()

    def display_rect(self) -> tuple[float, float, float, float]:
        """The view's rectangle in px of the display it is on (origin top-left)."""
        g = self.view.mapToGlobal(QPoint(0, 0))
        scr = self.view.screen()
        top_left = scr.geometry().topLeft() if scr is not None else QPoint(0, 0)
        x, y = g.x() - top_left.x(), g.y() - top_left.y()
        return (float(x), float(y), float(x + self.view.width()), float(y + self.view.height()))

    def relayout(self, initial: bool = False) -> None:
        rect = self.display_rect()
        self.view.origin.setX(rect[0])
        self.view.origin.setY(rect[1])
        if self.loop.relayout(rect, initial):
            self.view.update()

    def set_paused(self, paused: bool) -> None:
        self.loop.set_paused(paused)
        self.view.update()

    def scroll(self, lines: int) -> None:
        """Scroll the output panel back (lines > 0) or forward."""
        self.loop.scroll(lines)
        self.view.update()

    def tick(self) -> None:
        loop = self.loop
        if loop.set_blocked(QApplication.activeModalWidget() is not None):
            self.view.update()
        samples = loop.read()
        if samples and self._push:
            # The slow timer is for when nothing arrives (flashes ending, dialogs): while
            # samples flow it never fires (one wake-up fewer per SLOW_MS).
            self._timer.start()
        changed = loop.feed(samples)
        # Paint only what changed: an idle keyboard (gaze resting, nothing filling) costs
        # no paints; text, keys or labels repaint all, gaze (focus, flash, cursor) only the
        # places it moved from and to, at most FRAME_S apart (a 1200 Hz tracker would
        # otherwise ask for 1200 paints a second).
        frames = self.frames
        if changed:
            frames.mark(loop.drawn(), time.perf_counter())
            self.view.update()
        elif (drawn := loop.drawn()) != frames.drawn:
            now = time.perf_counter()
            if (slot := frames.slot(now)) is not None:
                self._frame.stop()
                self._paint_changes(drawn, slot)
            elif not self._frame.isActive():
                # Painted by a later tick, right after its samples (a paint at some other
                # moment would hold up the next sample); by the timer if none comes.
                self._frame.start(frames.wait_ms(now))
        if self._adaptive:
            self._pace()

    def _paint_changes(self, drawn: tuple | None = None, slot_s: float | None = None) -> None:
        """Repaint where gaze changed the picture since the last repaint (`drawn`: what
        the loop's `drawn()` gives, `slot_s`: its frame slot, when the caller has them already)."""
        if drawn is None:
            drawn = self.loop.drawn()
        frames = self.frames
        if drawn == frames.drawn:
            return
        if slot_s is None:
            now = time.perf_counter()
            slot_s = frames.slot(now) or now
        before = frames.mark(drawn, slot_s)
        if before is None or before[2] != drawn[2]:
            self.view.update()  # paused or not: the overlay
        else:
            self.view.update_changed((before[0].key_id, before[1], before[3]), (drawn[0].key_id, drawn[1], drawn[3]))

    def status_text(self) -> str:
        return self.loop.status_text()
