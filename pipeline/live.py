"""The live keyboard's loop without Qt: what each wake-up does between the tracker and
the picture.

A tick drains what the tracker has into the session (each sample through the gaze
pipeline, selections applied to the keyboard model), and says what changed for drawing:
the key under gaze and its progress, the key that flashes after a selection, the cursor
(moves within a fixation's jitter are not drawn), and whether something the whole
picture shows changed (text, layout, selections, actions). It also holds what pauses
gaze typing (the user's pause, an open dialog), whether the tracker should be read fast,
and the status line. The clock is passed in; nothing here reads a timer.

The app's Qt shell (`app/qt/controller.py`) wakes it on a timer or when samples arrive,
hands it the Qt view as its `Picture` (the view has the same attributes), connects the
callbacks to its signals, and decides with `pipeline.repaint` when to repaint.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from gazetype.keyboard.dwell import NO_FOCUS, Focus
from gazetype.pipeline.session import Session
from gazetype.tracker.base import Tracker
from gazetype.tracker.clock import now_s


@dataclass(slots=True)
class Picture:
    """What the keyboard's view draws from gaze and the loop's state. The Qt view
    (`app.qt.keyboard_view.KeyboardView`) has the same attributes and is the live
    loop's picture in the app; this plain one serves headless use and tests."""

    focus: Focus = NO_FOCUS
    flash_key: str | None = None  # the key just selected, drawn flashing
    cursor_px: tuple[float, float] | None = None  # where gaze is drawn (None: no valid gaze)
    paused: bool = False
    dialog_open: bool = False  # gaze input is off while a dialog is open
    show_cursor: bool = True  # set by the user (settings), read by the loop


def _ignore(_value) -> None:
    pass


class LiveLoop:
    """The per-tick work of the live keyboard, headless: `read` the tracker, `feed` what
    it had to the session (`tick` does both), then `drawn()` is what gaze changes in the
    picture and `busy()` whether to read the tracker fast.

    `on_text(text)`, `on_done(text)`, `on_selected(key_id)`, `on_action(action)` are
    called as the session reports them (the Qt shell emits its signals)."""

    STILL_S = 0.3  # the mouse is polled fast this long after it last moved (the smoothing settles)
    FLASH_S = 0.25  # a selected key flashes this long (sample time)
    CURSOR_STILL_DEG = 0.25  # the drawn cursor follows moves of at least this much (each axis):
    # within a fixation gaze jitters by about a tracker's precision (0.1 to 0.5 deg RMS);
    # a cursor that stays put there is calmer to look at and costs no repaints.
    CURSOR_STILL_PX = 3.0  # and at least this

    def __init__(self, session: Session, tracker: Tracker, picture: Picture | None = None, *,
                 clock: Callable[[], float] = now_s,
                 on_text: Callable[[str], None] = _ignore, on_done: Callable[[str], None] = _ignore,
                 on_selected: Callable[[str], None] = _ignore, on_action: Callable[[object], None] = _ignore) -> None:
        self.session = session
        self.tracker = tracker
        self.picture = picture if picture is not None else Picture()
        self.clock = clock  # stamps layout changes and scrolling; paces when no sample came
        self.on_text = on_text
        self.on_done = on_done
        self.on_selected = on_selected
        self.on_action = on_action
        self.still_px = max(self.CURSOR_STILL_PX, self.CURSOR_STILL_DEG * tracker.screen.px_per_deg)
        self.last_error: str | None = None  # the tracker's last failure to read
        self.blocked = False  # a modal dialog is open: gaze types nothing
        self.last = None  # the last corrected sample of the last tick (None: none came)
        self._flash_until = 0.0
        self._last_pos: tuple | None = None
        self._moved_t = -1e9

    @property
    def pipeline(self):
        return self.session.pipeline

    # -- a tick --------------------------------------------------------------------------
    def read(self) -> list:
        """What the tracker has; a tracker failing must not take the keyboard down (the
        error goes to the status line)."""
        try:
            return self.tracker.read()
        except Exception as e:
            self.last_error = str(e)
            return []

    def tick(self) -> bool:
        """`feed(read())`: one wake-up."""
        return self.feed(self.read())

    def feed(self, samples) -> bool:
        """Feed `samples` to the session and update the picture: focus, flash, cursor.
        Returns whether anything the whole picture shows changed: text, layout,
        selections, actions."""
        pic = self.picture  # (in the app, a Qt wrapper: its attributes cost more than a plain object's)
        feed = self.session.feed
        last = None
        changed = False
        for s in samples:
            st = feed(s)
            step = st.step
            last = step.corrected
            if st.changes or st.layout or step.selections:
                changed = True
                for ch in st.changes:
                    self.on_text(ch.text)
                    if ch.done:
                        self.on_done(ch.text)
                for sel in step.selections:
                    pic.flash_key = sel.key_id
                    self._flash_until = sel.t_s + self.FLASH_S
                    self.on_selected(sel.key_id)
        self.last = last
        if last is not None:
            cur = pic.cursor_px
            if not last.valid:
                pic.cursor_px = None
            elif cur is None or abs(last.x_px - cur[0]) >= self.still_px or \
                    abs(last.y_px - cur[1]) >= self.still_px:
                # Moves within a fixation's jitter are not drawn: a still gaze costs no paints.
                pic.cursor_px = (last.x_px, last.y_px)
            if pic.flash_key is not None and last.t_s > self._flash_until:
                pic.flash_key = None
        for action in self.session.model.take_actions():
            changed = True
            self.on_action(action)
        pic.focus = self.session.pipeline.dwell.focus
        return changed

    def drawn(self) -> tuple:
        """What gaze changes in the picture: (focus, flash key, paused, cursor in whole px)."""
        p = self.picture
        cur = p.cursor_px if p.show_cursor else None
        return (p.focus, p.flash_key, p.paused, None if cur is None else (round(cur[0]), round(cur[1])))

    def busy(self) -> bool:
        """Whether a tracker that repeats itself while still (the mouse) should be read
        fast: it moved in the last STILL_S, a dwell fills or a key flashes."""
        last = self.last
        if last is not None:
            pos = (round(last.x_px * 2), round(last.y_px * 2)) if last.valid else None
            if pos != self._last_pos:
                self._last_pos = pos
                self._moved_t = last.t_s
            now = last.t_s
        else:
            now = self.clock()
        return now - self._moved_t < self.STILL_S or self.picture.flash_key is not None or \
            self.session.pipeline.dwell.filling

    # -- what pauses gaze typing, the layout, scrolling ------------------------------------
    def set_blocked(self, blocked: bool) -> bool:
        """A modal dialog opened or closed; returns whether that changed anything. While
        one is open gaze types nothing, and the dwell starts afresh on either side, so a
        gaze through the dialog never selects the key behind."""
        if blocked == self.blocked:
            return False
        self.blocked = self.session.pipeline.held = self.picture.dialog_open = blocked
        self.session.pipeline.dwell.reset()  # no progress carried into or out of the dialog
        return True

    def set_paused(self, paused: bool) -> None:
        self.session.pipeline.paused = paused
        self.picture.paused = paused

    def relayout(self, rect: tuple[float, float, float, float], initial: bool = False) -> bool:
        """The view is now at `rect` (display px): lay the keyboard out there and tell the
        pipeline (the first time, start the session). False when too small to lay out
        (the previous layout is kept)."""
        t = self.clock()
        try:
            evs = self.session.model.resize(rect, t)
        except ValueError:
            return False
        if initial:
            self.session.start(t)
        else:
            self.session.publish(evs)
        return True

    def scroll(self, lines: int) -> None:
        """Scroll the output panel back (lines > 0) or forward."""
        self.session.publish(self.session.model.scroll(lines, self.clock()))

    def status_text(self) -> str:
        p = self.session.pipeline
        tracker = self.tracker
        parts = [f"tracker: {tracker.name} ({tracker.status})",
                 f"{p.stats.rate_hz:.0f} Hz", f"data loss {p.stats.loss_fraction * 100:.0f}%"]
        off = p.offset
        if p.calibrator.active:
            parts.append(offset_text(off, tracker.screen.px_per_deg))
            if p.calibrator.conflict:
                parts.append("autocal holding: the evidence points two ways")
        else:
            parts.append("autocal off")
        dropped = getattr(tracker, "dropped", 0)
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
