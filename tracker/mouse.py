"""The mouse as a gaze source: the cursor position, polled when samples are read.

The cursor function is given by the app (Qt's QCursor.pos mapped to the keyboard's
display), so this module needs no Qt. The app reads at >= 60 Hz. Where the pointer
happens to rest when the keyboard opens is not gaze: until the mouse first moves,
samples are invalid (a pointer left on a key would type it a second after launch).
"""
from __future__ import annotations

from typing import Callable

from gazetype.tracker.base import Tracker, TrackerError
from gazetype.tracker.registry import register
from gazetype.tracker.sample import GazeSample

MOVE_PX = 3.0  # the pointer must move this far (px, |dx| + |dy|) before it counts as gaze
CursorFn = Callable[[], "tuple[float, float] | None"]


@register("mouse")
class MouseTracker(Tracker):
    description = "the mouse cursor stands in for gaze"
    repeats_when_still = True
    calibration_note = "nothing to calibrate (the mouse cursor is where it points)"

    def __init__(self, screen=None, *, cursor_pos: CursorFn | None = None, rate_hz: float = 120.0,
                 clock=None, arg=None, **_) -> None:
        kw = {"clock": clock} if clock is not None else {}
        super().__init__(screen, **kw)
        self.cursor_pos = cursor_pos
        self.nominal_rate_hz = rate_hz
        self._last_t = -1.0
        self._start_pos: tuple[float, float] | None = None  # the pointer when first read
        self.moved = False

    def _open(self) -> None:
        if self.cursor_pos is None:
            raise TrackerError("the mouse tracker needs a window to read the cursor from; use it with 'gazetype run'")
        self.status = "mouse"

    def _poll(self, now: float) -> None:
        if now - self._last_t < 0.5 / self.nominal_rate_hz:
            return
        self._last_t = now
        pos = self.cursor_pos()
        if pos is not None and not self.moved:
            if self._start_pos is None:
                self._start_pos = pos
            if abs(pos[0] - self._start_pos[0]) + abs(pos[1] - self._start_pos[1]) < MOVE_PX:
                pos = None  # not moved yet: not gaze
            else:
                self.moved = True
        if pos is None:
            self._emit(GazeSample.invalid(now))
        else:
            self._emit(GazeSample.make(now, pos[0], pos[1]))

    @classmethod
    def discover(cls) -> list[str]:
        return ["mouse: the mouse cursor (always available in the app)"]
