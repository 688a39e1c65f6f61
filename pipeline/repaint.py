"""When gaze repaints the keyboard: the repaint scheduler of the live loop.

Text, keys or labels changing repaint the whole view at once. What gaze changes (the
key under gaze and its progress, a flashing key, the cursor) is repainted at most once
a display frame and in step with the frames: a 1200 Hz tracker would otherwise ask for
1200 paints a second, and ticks out of step with the frames (a 120 Hz tracker's 8.3 ms,
a 60 Hz one's jitter) would paint every third or every other frame. Pure and headless:
the times are passed in (`time.perf_counter` seconds in the app); the Qt shell
(`app/qt/controller.py`) holds the one timer that paints a change no later tick painted.
"""
from __future__ import annotations

FRAME_S = 1 / 60  # gaze-driven repaints at most this often (the display's refresh)
FRAME_SLACK_S = 0.004  # a gaze change this little before its frame is painted for that frame


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


class RepaintScheduler:
    """What the view showed after its last repaint (`drawn`, as the live loop's `drawn()`
    gives it) and the frame that repaint counted for (`painted_s`), and from them whether
    a gaze repaint is due.

    Per tick the shell: after a whole repaint, `mark(drawn, now)`; else, when `drawn`
    differs from what was shown, a repaint is due at `slot(now)` (`mark(drawn, slot)`
    and repaint where it changed) or, when that is None, at the latest after
    `wait_ms(now)` (a later tick paints it first if one comes)."""

    def __init__(self, frame_s: float = FRAME_S, slack_s: float = FRAME_SLACK_S) -> None:
        self.frame_s = frame_s
        self.slack_s = slack_s
        self.drawn: tuple | None = None  # what the view showed after the last repaint
        self.painted_s = 0.0  # the frame the last repaint counted for (perf_counter s)

    frame_slot = staticmethod(frame_slot)

    def slot(self, now_s: float) -> float | None:
        """The frame a gaze repaint now counts for, or None: too early, wait."""
        return frame_slot(self.painted_s, now_s, self.frame_s, self.slack_s)

    def wait_ms(self, now_s: float) -> int:
        """How long the timer that paints a held-back change waits (ms, at least 1): to
        the frame after the one due, so that a tick, which paints right after its
        samples, usually comes first (a paint at some other moment would hold up the
        next sample)."""
        wait_s = self.painted_s + self.frame_s - now_s
        return max(1, int((wait_s + self.frame_s) * 1000 + 0.5))

    def mark(self, drawn: tuple, slot_s: float) -> tuple | None:
        """The view was repainted to show `drawn`, counting for the frame `slot_s`;
        returns what it showed before."""
        before = self.drawn
        self.drawn = drawn
        self.painted_s = slot_s
        return before
