"""Connects a tracker to the typing session on a Qt timer and feeds the view.

The only place with a QTimer. Samples of a push tracker (LSL, Tobii: a reader
thread) wake it as they arrive; trackers that make samples when read (mouse, sim,
replay) are polled ~125 times a second, but the mouse only while it moves or a
dwell fills (it repeats itself while still: idle, a tick every 100 ms). Each sample goes to the headless session,
and the view repaints when what it draws changed (focus and progress, the cursor, a
flash, the text or layout).
While a modal dialog is open (settings) gaze types nothing: the dwell engine is
paused and starts afresh, so a gaze through the dialog never selects the key behind.
"""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

from gazetype.app.qt.keyboard_view import KeyboardView
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
    CURSOR_STILL_DEG = 0.25  # the drawn cursor follows moves of at least this much (each axis):
    # within a fixation gaze jitters by about a tracker's precision (0.1 to 0.5 deg RMS);
    # a cursor that stays put there is calmer to look at and costs no repaints.
    CURSOR_STILL_PX = 3.0  # and at least this
    FRAME_S = 1 / 60  # gaze-driven repaints at most this often (the display's refresh)
    FRAME_SLACK_S = 0.004  # a gaze change this little before its frame is painted for that frame
    BATCH_S = 0.004  # without sinks, a push tracker hands samples over at most this often:
    # under the sample period of trackers up to 250 Hz (each of their samples comes at once),
    # while a 600 or 1200 Hz stream wakes the GUI thread 250 times a second, not per sample
    # (measured: 1200 Hz 8.5 % of a core instead of 17 %, for 2.3 ms more latency, median).
    STILL_S = 0.3  # the mouse is polled fast this long after it last moved (the smoothing settles)

    def __init__(self, view: KeyboardView, session: Session, tracker: Tracker, parent=None, *,
                 clock: Callable[[], float] = now_s) -> None:
        super().__init__(parent)
        self.clock = clock  # stamps layout changes; the simulated tracker's clock (tests run it faster)
        self.view = view
        self.session = session
        self.tracker = tracker
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
        self._last_pos: tuple | None = None
        self._moved_t = -1e9
        self._flash_until = 0.0
        self._drawn: tuple | None = None  # what the view showed after the last tick
        self._painted = 0.0  # perf_counter of the last gaze-driven repaint
        self._frame = QTimer(self)  # a repaint held back to keep FRAME_S between them
        self._frame.setSingleShot(True)
        self._frame.timeout.connect(self._paint_changes)
        self._still_px = max(self.CURSOR_STILL_PX, self.CURSOR_STILL_DEG * tracker.screen.px_per_deg)
        self.last_error: str | None = None
        self.blocked = False  # a modal dialog is open
        view.geometryChanged.connect(self.relayout)

    @property
    def pipeline(self):
        return self.session.pipeline

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

    def _pace(self, last) -> None:
        """Fast while the pointer moved in the last STILL_S, a dwell fills or a key flashes."""
        if last is not None:
            pos = (round(last.x_px * 2), round(last.y_px * 2)) if last.valid else None
            if pos != self._last_pos:
                self._last_pos = pos
                self._moved_t = last.t_s
            now = last.t_s
        else:
            now = self.clock()
        busy = now - self._moved_t < self.STILL_S or self.view.flash_key is not None or self.pipeline.dwell.filling
        want = self.POLL_MS if busy else self.IDLE_MS
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
        t = self.clock()
        model = self.session.model
        try:
            evs = model.resize(rect, t)
        except ValueError:
            return  # too small to lay out: keep the previous layout
        if initial:
            self.session.start(t)
        else:
            self.session.publish(evs)
        self.view.update()

    def set_paused(self, paused: bool) -> None:
        self.pipeline.paused = paused
        self.view.paused = paused
        self.view.update()

    def _check_dialogs(self) -> None:
        blocked = QApplication.activeModalWidget() is not None
        if blocked != self.blocked:
            self.blocked = self.pipeline.held = self.view.dialog_open = blocked
            self.pipeline.dwell.reset()  # no progress carried into or out of the dialog
            self.view.update()

    def scroll(self, lines: int) -> None:
        """Scroll the output panel back (lines > 0) or forward."""
        self.session.publish(self.session.model.scroll(lines, self.clock()))
        self.view.update()

    def tick(self) -> None:
        self._check_dialogs()
        try:
            samples = self.tracker.read()
        except Exception as e:  # a tracker failing must not take the keyboard down
            self.last_error = str(e)
            samples = []
        if samples and self._push:
            # The slow timer is for when nothing arrives (flashes ending, dialogs): while
            # samples flow it never fires (one wake-up fewer per SLOW_MS).
            self._timer.start()
        view = self.view  # (a Qt wrapper: its attributes cost more than a plain object's)
        feed = self.session.feed
        last = None
        changed = False  # anything the view draws from the model: text, layout, selections
        for s in samples:
            st = feed(s)
            step = st.step
            last = step.corrected
            if st.changes or st.layout or step.selections:
                changed = True
                for ch in st.changes:
                    self.textChanged.emit(ch.text)
                    if ch.done:
                        self.doneSelected.emit(ch.text)
                for sel in step.selections:
                    view.flash_key = sel.key_id
                    self._flash_until = sel.t_s + 0.25
                    self.selected.emit(sel.key_id)
        if last is not None:
            cur = view.cursor_px
            if not last.valid:
                view.cursor_px = None
            elif cur is None or abs(last.x_px - cur[0]) >= self._still_px or \
                    abs(last.y_px - cur[1]) >= self._still_px:
                # Moves within a fixation's jitter are not drawn: a still gaze costs no paints.
                view.cursor_px = (last.x_px, last.y_px)
            if view.flash_key is not None and last.t_s > self._flash_until:
                view.flash_key = None
        for action in self.session.model.take_actions():
            changed = True
            self.actionRequested.emit(action)
        view.focus = self.pipeline.dwell.focus
        # Paint only what changed: an idle keyboard (gaze resting, nothing filling) costs
        # no paints; text, keys or labels repaint all, gaze (focus, flash, cursor) only the
        # places it moved from and to, at most FRAME_S apart (a 1200 Hz tracker would
        # otherwise ask for 1200 paints a second).
        if changed:
            self._drawn = self._drawn_now()
            self._painted = time.perf_counter()
            self.view.update()
        elif (drawn := self._drawn_now()) != self._drawn:
            now = time.perf_counter()
            if (slot := self.frame_slot(self._painted, now, self.FRAME_S, self.FRAME_SLACK_S)) is not None:
                self._frame.stop()
                self._paint_changes(drawn, slot)
            elif not self._frame.isActive():
                # Painted by a later tick, right after its samples (a paint at some other
                # moment would hold up the next sample); by the timer if none comes.
                wait_s = self._painted + self.FRAME_S - now
                self._frame.start(max(1, int((wait_s + self.FRAME_S) * 1000 + 0.5)))
        if self._adaptive:
            self._pace(last)

    def _drawn_now(self) -> tuple:
        """What gaze changes in the picture: (focus, flash key, paused, cursor in whole px)."""
        v = self.view
        cur = v.cursor_px if v.show_cursor else None
        return (v.focus, v.flash_key, v.paused, None if cur is None else (round(cur[0]), round(cur[1])))

    @staticmethod
    def frame_slot(painted_s: float, now_s: float, frame_s: float, slack_s: float) -> float | None:
        """The frame a gaze repaint at `now_s` counts for (s, perf_counter), or None when it
        is too early: the last one counted for `painted_s`. On time (up to `slack_s` early,
        less than a frame late) it is the next frame, so the paints keep the frames'
        cadence: ticks out of step with the frames (a 120 Hz tracker's 8.3 ms, a 60 Hz one's
        jitter) would otherwise paint every third or every other one: 40 or ~48 a second."""
        due = painted_s + frame_s
        if now_s < due - slack_s:
            return None
        return due if now_s - due < frame_s else now_s

    def _paint_changes(self, drawn: tuple | None = None, slot_s: float | None = None) -> None:
        """Repaint where gaze changed the picture since the last repaint (`drawn`: what
        `_drawn_now` gives, `slot_s`: its `frame_slot`, when the caller has them already)."""
        if drawn is None:
            drawn = self._drawn_now()
        before = self._drawn
        if drawn == before:
            return
        self._drawn = drawn
        if slot_s is None:
            now = time.perf_counter()
            slot_s = self.frame_slot(self._painted, now, self.FRAME_S, self.FRAME_SLACK_S) or now
        self._painted = slot_s
        if before is None or before[2] != drawn[2]:
            self.view.update()  # paused or not: the overlay
        else:
            self.view.update_changed((before[0].key_id, before[1], before[3]), (drawn[0].key_id, drawn[1], drawn[3]))

    def status_text(self) -> str:
        p = self.pipeline
        parts = [f"tracker: {self.tracker.name} ({self.tracker.status})",
                 f"{p.stats.rate_hz:.0f} Hz", f"data loss {p.stats.loss_fraction * 100:.0f}%"]
        off = p.offset
        if p.calibrator.active:
            parts.append(offset_text(off, self.tracker.screen.px_per_deg))
            if p.calibrator.conflict:
                parts.append("autocal holding: the evidence points two ways")
        else:
            parts.append("autocal off")
        dropped = getattr(self.tracker, "dropped", 0)
        if dropped:
            parts.append(f"{dropped} samples dropped (read too late)")
        if self.blocked:
            parts.append("dialog open: gaze input off")
        elif p.paused:
            parts.append("PAUSED")
        if self.session.model.asleep:
            parts.append("asleep: look at 'wake' twice")
        if self.last_error:
            parts.append(f"error: {self.last_error}")
        return "   \u00b7   ".join(parts)


def offset_text(off, px_per_deg: float) -> str:
    """The autocalibration state for the status line: estimate in px and degrees,
    and a confidence word from its standard error (good < 0.15 deg < fair < 0.3 deg)."""
    if off is None:
        return "autocal: gathering evidence"
    size_deg = (off.dx_px ** 2 + off.dy_px ** 2) ** 0.5 / px_per_deg
    text = f"autocal offset {off.dx_px:+.0f},{off.dy_px:+.0f} px ({size_deg:.1f}\u00b0)"
    if off.sd_px is not None:
        sd_deg = off.sd_px / px_per_deg
        word = "good" if sd_deg < 0.15 else "fair" if sd_deg < 0.3 else "low"
        text += f", confidence {word} (\u00b1{sd_deg:.2f}\u00b0)"
    return text

