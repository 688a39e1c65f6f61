"""Explicit calibration by the tracker (Tobii's screen-based calibration), as a headless
state machine with the clock passed in: `ExplicitCalibration.update(t_s)`.

The procedure: enter calibration mode; for each target in order, show it, shrink it
(`shrink_s`), let the eyes settle (`settle_s`), then `collect(x_px, y_px)`; a target
whose collection fails is tried once more (`retries`); then compute and apply; and
always leave calibration mode, also after an error, a cancel (Escape) or a failed
compute. The device calls block (collect about 0.5 to 1 s), so they run on a
`Worker` (a thread in the app, `InlineWorker` in tests): `update` only submits a call
and later picks up its outcome, never waits. A call still running after its
`timeout_s` ends the calibration with an error (the device is then left as soon as
the worker is free).

The screen (app/qt/calibration_screen.py) draws `view()` and calls `update`; the
result (`Outcome`) carries per-target status and the device's result (per-sample
positions for each eye, for the result plot).
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from gazetype.tracker.devicecal import CalibrationError, CalibrationResult, DeviceCalibration
from gazetype.tracker.screen import Screen

MARGIN = 0.1  # targets sit this fraction of the screen in from each edge


def target_layout(n: int, margin: float = MARGIN) -> tuple[tuple[float, float], ...]:
    """5 or 9 normalised targets, (0, 0) top-left: the centre first, then the corners
    (and for 9 the edge midpoints), so that a person finds the first one at once."""
    lo, mid, hi = margin, 0.5, 1.0 - margin
    if n == 5:
        return ((mid, mid), (lo, lo), (hi, lo), (lo, hi), (hi, hi))
    if n == 9:
        return ((mid, mid), (lo, lo), (mid, lo), (hi, lo), (lo, mid), (hi, mid), (lo, hi), (mid, hi), (hi, hi))
    raise ValueError(f"calibration uses 5 or 9 targets, not {n}")


def targets_px(screen: Screen, n: int) -> tuple[tuple[float, float], ...]:
    return tuple((x * screen.width_px, y * screen.height_px) for x, y in target_layout(n))


# -- running blocking calls off the caller's thread -------------------------------------

class Job:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.value: Any = None
        self.error: str | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self.value = self.fn()
        except CalibrationError as e:
            self.error = str(e)
        except Exception as e:  # a device's surprise: still one line
            self.error = f"{type(e).__name__}: {' '.join(str(e).split())}"
        finally:
            self.done.set()


class ThreadWorker:
    """Runs submitted calls one after the other on one daemon thread."""

    def __init__(self, name: str = "gazetype-calibration") -> None:
        self._q: queue.Queue[Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()
        self.on_done: Callable[[], None] | None = None  # e.g. wake the GUI thread

    def _loop(self) -> None:
        while True:
            job = self._q.get()
            if job is None:
                return
            job.run()
            cb = self.on_done
            if cb is not None:
                try:
                    cb()
                except Exception:
                    pass

    def submit(self, fn: Callable[[], Any]) -> Job:
        job = Job(fn)
        self._q.put(job)
        return job

    def close(self) -> None:
        """After the calls already submitted (leave, above all), the thread ends."""
        self._q.put(None)


class InlineWorker:
    """Runs each call at once on the caller's thread (tests, headless use)."""

    def submit(self, fn: Callable[[], Any]) -> Job:
        job = Job(fn)
        job.run()
        return job

    def close(self) -> None:
        pass


# -- the procedure ----------------------------------------------------------------------

# Phases, in order; the last three are final.
ENTERING, SHOWING, SETTLING, COLLECTING, COMPUTING, LEAVING = (
    "entering", "showing", "settling", "collecting", "computing", "leaving")
DONE, FAILED, CANCELLED = "done", "failed", "cancelled"
FINAL = (DONE, FAILED, CANCELLED)


@dataclass(frozen=True)
class TargetStatus:
    x_px: float
    y_px: float
    attempts: int
    collected: bool


@dataclass(frozen=True)
class Outcome:
    """How it ended: `status` done (the device computed and applied a calibration),
    failed (`message` says why) or cancelled; per target, what was collected; the
    device's result when compute ran."""
    status: str
    message: str
    targets: tuple[TargetStatus, ...]
    result: CalibrationResult | None = None
    left_ok: bool = True  # leaving calibration mode worked

    @property
    def ok(self) -> bool:
        return self.status == DONE


@dataclass(frozen=True)
class View:
    """What the screen draws now."""
    phase: str
    index: int  # the current target (0-based), -1 before the first
    n_targets: int
    target_px: tuple[float, float] | None
    shrink: float  # 1.0 = full size, going to 0.0 at the end of the shrink animation
    message: str
    outcome: Outcome | None = None


@dataclass
class _Target:
    x_px: float
    y_px: float
    attempts: int = 0
    collected: bool = False


@dataclass
class ExplicitCalibration:
    device: DeviceCalibration
    targets: tuple[tuple[float, float], ...]
    worker: Any = field(default_factory=InlineWorker)
    show_s: float = 0.4  # the target appears before shrinking
    shrink_s: float = 0.8
    settle_s: float = 0.3
    retries: int = 1  # a target whose collection fails is tried this many more times
    timeout_s: float = 15.0  # a device call that takes longer ends the calibration

    def __post_init__(self) -> None:
        if not self.targets:
            raise ValueError("no calibration targets")
        self._t = [_Target(x, y) for x, y in self.targets]
        self.phase = ENTERING
        self.index = -1
        self.message = "preparing the eye tracker"
        self._since: float | None = None  # when the current phase began
        self._job: Job | None = None
        self._job_t: float | None = 0.0
        self._entered = False  # enter was submitted: leave must follow
        self._final: tuple[str, str] | None = None  # status, message once leave is done
        self.result: CalibrationResult | None = None
        self.outcome: Outcome | None = None
        self.calls: list[str] = []  # enter, collect, compute, leave in the order submitted

    # -- driving ---------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.phase in FINAL

    def cancel(self, why: str = "cancelled") -> None:
        """Escape: stop now, leave calibration mode (after a call in progress)."""
        if self.finished or self.phase == LEAVING:
            return
        self._finish(CANCELLED, why)

    def update(self, t_s: float) -> View:
        if self._since is None:
            self._since = t_s
        for _ in range(4):  # a few steps at most per update (InlineWorker finishes calls at once)
            if not self._step(t_s):
                break
        return self.view(t_s)

    def _submit(self, what: str, fn: Callable[[], Any], t_s: float) -> None:
        self.calls.append(what)
        self._job, self._job_t = self.worker.submit(fn), t_s

    def _job_outcome(self, t_s: float) -> tuple[bool, Any, str | None]:
        """(finished, value, error) of the call in progress; a call past its timeout is an error."""
        job = self._job
        if job is None:
            return True, None, None
        if self._job_t is None:
            self._job_t = t_s
        if not job.done.is_set():
            if t_s - self._job_t > self.timeout_s:
                self._job = None
                return True, None, f"the eye tracker did not answer within {self.timeout_s:g} s"
            return False, None, None
        self._job = None
        return True, job.value, job.error

    def _go(self, phase: str, t_s: float, message: str | None = None) -> None:
        self.phase, self._since = phase, t_s
        if message is not None:
            self.message = message

    def _step(self, t_s: float) -> bool:
        """One transition if one is due; True if the state changed."""
        p = self.phase
        if p in FINAL:
            return False
        if p == ENTERING:
            if self._job is None and not self._entered:
                self._entered = True
                self._submit("enter", self.device.enter, t_s)
            done, _, err = self._job_outcome(t_s)
            if not done:
                return False
            if err is not None:
                self._finish(FAILED, f"could not start calibration: {err}")
                return True
            self.index = 0
            self._go(SHOWING, t_s, self._look_message())
            return True
        if p == SHOWING:
            if t_s - self._since >= self.show_s + self.shrink_s:
                self._go(SETTLING, t_s)
                return True
            return False
        if p == SETTLING:
            if t_s - self._since >= self.settle_s:
                tg = self._t[self.index]
                tg.attempts += 1
                self._go(COLLECTING, t_s)
                self._submit("collect", lambda: self.device.collect(tg.x_px, tg.y_px), t_s)
                return True
            return False
        if p == COLLECTING:
            done, ok, err = self._job_outcome(t_s)
            if not done:
                return False
            if err is not None:
                self._finish(FAILED, f"collecting at target {self.index + 1} failed: {err}")
                return True
            tg = self._t[self.index]
            tg.collected = bool(ok)
            if not tg.collected and tg.attempts <= self.retries:
                self._go(SHOWING, t_s, f"once more: {self._look_message()}")
                return True
            if self.index + 1 < len(self._t):
                self.index += 1
                self._go(SHOWING, t_s, self._look_message())
                return True
            self._go(COMPUTING, t_s, "computing the calibration")
            self._submit("compute", self.device.compute_and_apply, t_s)
            return True
        if p == COMPUTING:
            done, res, err = self._job_outcome(t_s)
            if not done:
                return False
            if err is not None:
                self._finish(FAILED, f"computing the calibration failed: {err}")
            elif not isinstance(res, CalibrationResult) or not res.ok:
                self.result = res if isinstance(res, CalibrationResult) else None
                self._finish(FAILED, "the eye tracker could not compute a calibration from these targets; "
                                     "try again (keep the head still, follow each dot)")
            else:
                self.result = res
                missed = sum(1 for tg in self._t if not tg.collected)
                eyes = {"success": "both eyes", "success_left_eye": "the left eye only",
                        "success_right_eye": "the right eye only"}[res.status]
                more = f"; {missed} of {len(self._t)} targets had no data" if missed else ""
                self._finish(DONE, f"calibrated ({eyes}{more})")
            return True
        if p == LEAVING:
            done, _, err = self._job_outcome(t_s)
            if not done:
                return False
            status, message = self._final
            left_ok = err is None
            if not left_ok:
                message = f"{message}; leaving calibration mode failed: {err}"
            self.phase = status
            self.message = message
            self.outcome = Outcome(status, message, self._statuses(), self.result, left_ok)
            self.worker.close()
            return True
        return False

    def _finish(self, status: str, message: str) -> None:
        """Every ending goes through here: leave calibration mode, then report."""
        self._final = (status, message)
        self.message = message if status != DONE else "leaving calibration mode"
        self.phase = LEAVING
        if self._entered:
            # Queued behind any call in progress (the worker is serial): leave always follows.
            self.calls.append("leave")
            self._job, self._job_t = self.worker.submit(self.device.leave), None  # timed from the next update
        else:
            self._job = None

    def _look_message(self) -> str:
        return f"look at the dot ({self.index + 1} of {len(self._t)})"

    def _statuses(self) -> tuple[TargetStatus, ...]:
        return tuple(TargetStatus(tg.x_px, tg.y_px, tg.attempts, tg.collected) for tg in self._t)

    def view(self, t_s: float) -> View:
        tp = None
        shrink = 1.0
        if self.phase in (SHOWING, SETTLING, COLLECTING) and 0 <= self.index < len(self._t):
            tg = self._t[self.index]
            tp = (tg.x_px, tg.y_px)
            if self.phase == SHOWING:
                since = t_s if self._since is None else self._since
                el = (t_s - since) - self.show_s
                shrink = 1.0 if el <= 0 else max(0.0, 1.0 - el / self.shrink_s)
            else:
                shrink = 0.0
        return View(self.phase, self.index, len(self._t), tp, shrink, self.message, self.outcome)
