"""The live keyboard's loop and repaint scheduler without Qt (pipeline/live.py,
pipeline/repaint.py): what a tick does with the tracker's samples, what it changes for
drawing, pausing and dialogs, the status line; when gaze repaints. The Qt shell
(app/qt/controller.py) is tested in a window by test_window*.py."""
from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from gazetype.keyboard.dwell import NO_FOCUS, DwellEngine
from gazetype.keyboard.model import KeyboardModel
from gazetype.pipeline.live import LiveLoop, Picture
from gazetype.pipeline.pipeline import GazePipeline
from gazetype.pipeline.repaint import FRAME_S, FRAME_SLACK_S, RepaintScheduler, frame_slot
from gazetype.pipeline.session import TypingSession
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

from .conftest import ROOT

RECT = (0.0, 0.0, 1200.0, 800.0)
LETTERS = "asdfghjkl"


class ListTracker:
    """A tracker that hands over what the test queued (or fails, when told to)."""

    name = "list"
    status = "ok"
    pushes = False
    repeats_when_still = False

    def __init__(self) -> None:
        self.screen = Screen()
        self.queue: list[GazeSample] = []
        self.fail: str | None = None

    def read(self) -> list[GazeSample]:
        if self.fail:
            raise RuntimeError(self.fail)
        out, self.queue = self.queue, []
        return out


class Clock:
    def __init__(self, t_s: float = 0.0) -> None:
        self.t_s = t_s

    def __call__(self) -> float:
        return self.t_s


def make_loop(**kw):
    model = KeyboardModel(RECT)
    session = TypingSession(model, GazePipeline(DwellEngine()))
    tracker = ListTracker()
    clock = Clock()
    calls: list[tuple[str, object]] = []
    loop = LiveLoop(session, tracker, Picture(), clock=clock,
                    on_text=lambda t: calls.append(("text", t)), on_done=lambda t: calls.append(("done", t)),
                    on_selected=lambda k: calls.append(("selected", k)),
                    on_action=lambda a: calls.append(("action", a.kind)), **kw)
    assert loop.relayout(RECT, initial=True)
    return loop, tracker, clock, calls


def dwell_on(loop, tracker, key_id: str, t0: float, seconds: float, hz: float = 60.0) -> tuple[float, list[bool]]:
    """Look at `key_id` for `seconds` from `t0`, one tick per sample; returns the end
    time and what each tick said changed."""
    k = loop.session.model.keys.get(key_id)
    changed = []
    n = int(seconds * hz)
    for i in range(n):
        tracker.queue.append(GazeSample(t0 + i / hz, k.cx_px, k.cy_px))
        changed.append(loop.tick())
    return t0 + n / hz, changed


def test_a_dwell_types_a_key_flashes_it_and_says_what_changed():
    loop, tracker, clock, calls = make_loop()
    model = loop.session.model
    k = model.keys.get("a")
    changed = []
    for i in range(120):  # 2 s at 60 Hz, until the dwell selects
        tracker.queue.append(GazeSample(i / 60, k.cx_px, k.cy_px))
        changed.append(loop.tick())
        if loop.session.selections:
            break
    assert model.buffer.text == "a"
    assert calls == [("text", "a"), ("selected", "a")]
    assert changed.count(True) == 1 and changed[-1]  # the selection's tick, and only it
    pic = loop.picture
    assert pic.flash_key == "a"
    assert pic.focus is loop.pipeline.dwell.focus
    assert pic.cursor_px == (k.cx_px, k.cy_px)
    # The flash ends FLASH_S after the selection (sample time), at the next sample.
    sel_t = loop.session.selections[-1].t_s
    tracker.queue.append(GazeSample(sel_t + LiveLoop.FLASH_S + 0.01, 5.0, 5.0))
    loop.tick()
    assert pic.flash_key is None
    assert loop.drawn() == (pic.focus, None, False, (5, 5))


def test_a_fixations_jitter_does_not_move_the_cursor_nor_does_an_empty_tick():
    loop, tracker, clock, calls = make_loop()
    tracker.queue.append(GazeSample(0.0, 600.0, 100.0))
    loop.tick()
    assert loop.picture.cursor_px == (600.0, 100.0)
    j = 0.9 * loop.still_px
    for i in range(10):
        tracker.queue.append(GazeSample(0.01 * (i + 1), 600.0 + j * (-1) ** i, 100.0 - j * (-1) ** i))
        loop.tick()
        assert loop.picture.cursor_px == (600.0, 100.0)
    assert not loop.tick() and loop.last is None and loop.picture.cursor_px == (600.0, 100.0)
    tracker.queue.append(GazeSample(0.5, 600.0 + loop.still_px, 100.0))  # a real move is drawn
    loop.tick()
    assert loop.picture.cursor_px == (600.0 + loop.still_px, 100.0)
    tracker.queue.append(GazeSample(0.6, float("nan"), float("nan"), False))  # no valid gaze: no cursor
    loop.tick()
    assert loop.picture.cursor_px is None
    loop.picture.show_cursor = False
    assert loop.drawn()[3] is None


def test_a_dialog_holds_gaze_and_restarts_the_dwell():
    loop, tracker, clock, calls = make_loop()
    t, _ = dwell_on(loop, tracker, "s", 0.0, 0.6)
    assert loop.pipeline.dwell.focus.progress > 0.2
    assert loop.set_blocked(True) and not loop.set_blocked(True)
    assert loop.picture.dialog_open and loop.pipeline.held and loop.pipeline.dwell.focus is NO_FOCUS
    assert "dialog open: gaze input off" in loop.status_text()
    t, _ = dwell_on(loop, tracker, "s", t, 2.0)
    assert loop.session.model.buffer.text == "" and not loop.session.selections
    assert loop.set_blocked(False)
    assert not loop.picture.dialog_open and not loop.pipeline.held
    assert "dialog open" not in loop.status_text()
    dwell_on(loop, tracker, "s", t, 1.6)
    assert loop.session.model.buffer.text == "s"


def test_pausing_types_nothing_and_says_so():
    loop, tracker, clock, calls = make_loop()
    loop.set_paused(True)
    assert loop.picture.paused and loop.pipeline.paused and "PAUSED" in loop.status_text()
    assert loop.drawn()[2] is True
    t, _ = dwell_on(loop, tracker, "d", 0.0, 2.0)
    assert loop.session.model.buffer.text == ""
    loop.set_paused(False)
    assert "PAUSED" not in loop.status_text()
    dwell_on(loop, tracker, "d", t, 1.6)
    assert loop.session.model.buffer.text == "d"


def test_a_failing_tracker_is_reported_not_raised():
    loop, tracker, clock, calls = make_loop()
    tracker.fail = "the cable is out"
    assert loop.read() == [] and not loop.tick()
    assert loop.last_error == "the cable is out" and "error: the cable is out" in loop.status_text()


def test_done_and_actions_are_passed_on():
    loop, tracker, clock, calls = make_loop()
    t, _ = dwell_on(loop, tracker, "f", 0.0, 1.6)
    t, changed = dwell_on(loop, tracker, "done", t + 0.5, 1.6)
    done = [c for c in calls if c[0] in ("done", "action")]
    assert [kind for kind, _ in done] == ["done", "action"] and done[0][1].startswith("f") and done[1][1] == "done"
    assert any(changed)


def test_busy_while_the_pointer_moves_a_dwell_fills_or_a_key_flashes():
    loop, tracker, clock, calls = make_loop()
    o = loop.session.model.layout.output
    cx, cy = (o[0] + o[2]) / 2, (o[1] + o[3]) / 2  # on the text: nothing to select
    tracker.queue.append(GazeSample(1.0, cx, cy))
    loop.tick()
    assert loop.busy()  # it just moved
    for i in range(1, 40):
        tracker.queue.append(GazeSample(1.0 + i * 0.01, cx, cy))
        loop.tick()
    assert not loop.busy()  # still for more than STILL_S
    clock.t_s = 100.0
    assert not loop.tick() and not loop.busy()  # no sample: the clock's time
    k = loop.session.model.keys.get("g")
    for i in range(30):
        tracker.queue.append(GazeSample(10.0 + i * 0.02, k.cx_px, k.cy_px))
        loop.tick()
    assert loop.pipeline.dwell.filling and loop.busy()


def test_relayout_and_scroll():
    loop, tracker, clock, calls = make_loop()
    assert not loop.relayout((0.0, 0.0, 10.0, 10.0))  # too small: the previous layout is kept
    assert loop.session.model.keys.get("a") is not None
    clock.t_s = 2.0
    assert loop.relayout((0.0, 0.0, 1000.0, 700.0))
    assert loop.session.model.keys.get("a").box[2] <= 1000.0
    loop.scroll(1)  # nothing to scroll back to: no error


def test_the_loop_and_the_scheduler_load_no_qt():
    code = ("import sys, gazetype.pipeline.live, gazetype.pipeline.repaint\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


class LoopMachine(RuleBasedStateMachine):
    """Random gaze (on keys, off them, lost), dialogs and pauses through the loop.
    What it draws always follows the pipeline; nothing is typed while a dialog is open or
    the keyboard is paused; every selection is passed on once, in order; the cursor
    moves only by at least the dead band, the flash ends FLASH_S after its selection."""

    def __init__(self) -> None:
        super().__init__()
        self.loop, self.tracker, self.clock, self.calls = make_loop()
        self.t = 0.0
        self.paused = False

    def _feed(self, points: list[tuple[float, float] | None], dt: float) -> None:
        loop = self.loop
        n_sel = len(loop.session.selections)
        cur_before = loop.picture.cursor_px
        for p in points:
            self.t += dt
            self.tracker.queue.append(GazeSample(self.t, *p) if p is not None else
                                      GazeSample(self.t, float("nan"), float("nan"), False))
        changed = loop.tick()
        sels = loop.session.selections[n_sel:]
        if loop.blocked or self.paused:
            assert not sels
        if sels:
            assert changed
        last = loop.last
        if not points:
            assert last is None and loop.picture.cursor_px == cur_before
        elif not last.valid:
            assert loop.picture.cursor_px is None
        else:
            cur = loop.picture.cursor_px
            assert cur == (last.x_px, last.y_px) or (
                cur == cur_before and abs(last.x_px - cur[0]) < loop.still_px and abs(last.y_px - cur[1]) < loop.still_px)
        if loop.session.selections and last is not None:
            sel = loop.session.selections[-1]
            if last.t_s > sel.t_s + LiveLoop.FLASH_S:
                assert loop.picture.flash_key is None
            elif sels:
                assert loop.picture.flash_key == sels[-1].key_id

    @rule(key=st.sampled_from(LETTERS), n=st.integers(1, 40), dt=st.sampled_from([1 / 120, 1 / 60, 0.03]))
    def look_at_a_key(self, key, n, dt):
        k = self.loop.session.model.keys.get(key)
        p = (k.cx_px, k.cy_px) if k is not None else (600.0, 50.0)
        self._feed([p] * n, dt)

    @rule(points=st.lists(st.one_of(st.none(), st.tuples(st.floats(0, 1200), st.floats(0, 800))), max_size=8),
          dt=st.sampled_from([1 / 120, 0.01, 0.2]))
    def glance(self, points, dt):
        self._feed(points, dt)

    @rule(blocked=st.booleans())
    def dialog(self, blocked):
        was = self.loop.blocked
        assert self.loop.set_blocked(blocked) == (blocked != was)
        if blocked != was:
            assert self.loop.pipeline.dwell.focus is NO_FOCUS

    @rule(paused=st.booleans())
    def pause(self, paused):
        self.paused = paused
        self.loop.set_paused(paused)

    @invariant()
    def draws_what_the_pipeline_says(self):
        loop = self.loop
        if self.tracker.queue:
            return
        assert loop.picture.dialog_open == loop.blocked == loop.pipeline.held
        assert loop.picture.paused == self.paused == loop.pipeline.paused
        status = loop.status_text()
        assert ("dialog open" in status) == loop.blocked
        assert ("PAUSED" in status) == (self.paused and not loop.blocked)

    @invariant()
    def every_selection_passed_on_once_in_order(self):
        got = [k for kind, k in self.calls if kind == "selected"]
        assert got == [s.key_id for s in self.loop.session.selections]


TestLoopMachine = LoopMachine.TestCase
TestLoopMachine.settings = settings(max_examples=60, stateful_step_count=30)


class FramesMachine(RuleBasedStateMachine):
    """The Qt shell's repaint rule with a simulated timer: ticks at any moments, each
    changing the whole picture, what gaze draws, or nothing. Gaze repaints keep a frame
    apart (a little slack early), a change is never forgotten (a repaint or the timer is
    always pending for it) and is painted within two frames, the slack and a millisecond."""

    def __init__(self) -> None:
        super().__init__()
        self.f = RepaintScheduler()
        self.now = 0.0
        self.drawn = (0,)
        self.timer_at: float | None = None
        self.gaze_paints: list[tuple[float, float]] = []  # (time, slot)
        self.changed_at: float | None = None  # when the picture first differed from what was shown
        self.f.mark(self.drawn, self.now)  # the first, whole, repaint

    def _paint_changes(self, drawn, slot):  # GazeController._paint_changes
        if drawn == self.f.drawn:
            return
        prev = self.f.painted_s
        if slot is None:  # the timer: on its frame, or now (after a whole repaint meanwhile)
            slot = self.f.slot(self.now) or self.now
            assert slot >= prev
        else:  # a tick: a frame after the last repaint at least
            assert slot >= prev + FRAME_S - 1e-12
        self.f.mark(drawn, slot)
        assert self.now >= slot - FRAME_SLACK_S - 1e-12
        self.gaze_paints.append((self.now, slot))
        self.changed_at = None

    def _advance(self, dt):
        end = self.now + dt
        if self.timer_at is not None and self.timer_at <= end:
            self.now = self.timer_at
            self.timer_at = None
            self._paint_changes(self.drawn, None)
        self.now = end

    @rule(dt=st.floats(0.0, 0.05), what=st.sampled_from(["nothing", "gaze", "whole"]))
    def tick(self, dt, what):  # GazeController.tick, after the loop's feed
        self._advance(dt)
        if what == "gaze":
            self.drawn = (self.drawn[0] + 1,)
            if self.changed_at is None:
                self.changed_at = self.now
        if what == "whole":
            self.f.mark(self.drawn, self.now)
            self.changed_at = None
        elif self.drawn != self.f.drawn:
            if (slot := self.f.slot(self.now)) is not None:
                self.timer_at = None
                self._paint_changes(self.drawn, slot)
            elif self.timer_at is None:
                self.timer_at = self.now + self.f.wait_ms(self.now) / 1000

    @precondition(lambda self: self.timer_at is not None)
    @rule()
    def only_the_timer(self):
        self._advance(self.timer_at - self.now)

    @invariant()
    def a_change_is_never_forgotten(self):
        if self.drawn != self.f.drawn:
            assert self.timer_at is not None
            # the last repaint may have counted for a frame up to FRAME_SLACK_S ahead
            assert self.timer_at - self.changed_at <= 2 * FRAME_S + FRAME_SLACK_S + 0.0015


TestFramesMachine = FramesMachine.TestCase
TestFramesMachine.settings = settings(max_examples=150, stateful_step_count=60)


@given(painted=st.floats(-10, 10), dt=st.floats(0, 1))
def test_frame_slot_is_on_the_frame_or_now(painted, dt):
    now = painted + dt
    slot = frame_slot(painted, now, FRAME_S, FRAME_SLACK_S)
    if dt < FRAME_S - FRAME_SLACK_S - 1e-9:
        assert slot is None
    elif slot is not None:
        assert slot >= painted + FRAME_S - 1e-9 and now >= slot - FRAME_SLACK_S - 1e-9
        assert slot == now or slot == painted + FRAME_S


@given(rate_hz=st.floats(20, 1200), jitter=st.floats(0, 0.002), seconds=st.floats(0.5, 3))
def test_gaze_paints_at_most_once_a_frame_on_average(rate_hz, jitter, seconds):
    import random
    rng = random.Random(int(rate_hz * 1000))
    f = RepaintScheduler()
    f.painted_s = -1.0
    n, times = int(seconds * rate_hz), []
    for k in range(n):
        now = k / rate_hz + rng.uniform(-jitter, jitter)
        if (slot := f.slot(now)) is not None:
            f.mark((k,), slot)
            times.append(now)
    span = n / rate_hz
    assert len(times) <= span / FRAME_S + 2
    if rate_hz >= 1 / (FRAME_S - FRAME_SLACK_S) and jitter == 0:
        assert len(times) >= span / FRAME_S - 2  # ticks at least as often as frames: every frame painted
