"""The composition root: the one place that chooses the tracker (`open_tracker`) and
joins it to a session built from a pipeline spec (`pipeline.spec`: the one builder),
for the keyboard window, the study window and the commands. Headless (no Qt): a window passes in what only Qt knows, such as where the
mouse pointer is. Everything it builds is closed by `Parts.close()`, once."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from gazetype.keyboard.model import KeyboardModel
from gazetype.pipeline.pipeline import GazePipeline, Sink
from gazetype.pipeline.session import TypingSession
from gazetype.recording.v1 import RecordingWriter
from gazetype.tracker import registry
from gazetype.tracker.base import Tracker, TrackerError
from gazetype.tracker.clock import now_s
from gazetype.tracker.offset import OffsetModel
from gazetype.tracker.screen import Screen

CursorFn = Callable[[], tuple[float, float]]

# What the simulated person types in the keyboard window (`--tracker sim`).
DEMO_PHRASES = ("hello from gazetype", "the quick brown fox jumps", "typing with my eyes")


@dataclass(frozen=True)
class TrackerChoice:
    tracker: Tracker
    notice: str | None  # for the user: what stands in for gaze, or why we fell back


def open_tracker(name: str, screen: Screen, model: KeyboardModel | None, *, cursor_pos: CursorFn | None = None,
                 fallback: bool = True, demo_phrases: tuple[str, ...] | None = DEMO_PHRASES,
                 active: Callable[[], bool] = lambda: True, clock: Callable[[], float] = now_s,
                 validation: Callable[[], object] | None = None, sim_offset: OffsetModel | None = None,
                 wait_s: float = 0.0, none_found: str = "no eye tracker found; connect one, or pass --tracker "
                                                     "mouse (or sim) explicitly") -> TrackerChoice:
    """The tracker named `name` ("auto", "mouse", "sim", "lsl:NAME", "tobii", "replay:FILE"),
    for every command. `auto` takes a real tracker found now, else the mouse when
    `fallback` (the keyboard window) or fails with `none_found` (a study, validate and
    calibrate must say what they used). The simulated person types `demo_phrases`
    (None: the model's target phrase, as in a study) while `active()`, and looks at the
    targets of the validation `validation()` returns while it is not None (a study's
    validation blocks); without a keyboard (`model` None: validate) it only looks at the
    targets, with `sim_offset` as its tracker's error. `wait_s`: how long a device may
    take to appear (0: windows open at once and the status line shows the search)."""
    notice = None
    if name == "auto":
        found = registry.auto_choice()
        if found is None:
            if not fallback:
                raise TrackerError(none_found)
            name, notice = "mouse", "No eye tracker found: the mouse stands in for gaze."
        else:
            name = found
    registry.get(name)  # an unknown name is one line, before anything opens
    if name == "mouse":
        from gazetype.tracker.mouse import MouseTracker
        return TrackerChoice(MouseTracker(screen, cursor_pos=cursor_pos),
                             notice or "Mouse mode: the mouse stands in for gaze.")
    if name.split(":", 1)[0] == "sim" and (model is not None or validation is not None):
        return _open_sim(screen, model, demo_phrases, active, clock, validation, sim_offset)
    return TrackerChoice(registry.create(name, screen=screen, wait_s=wait_s), notice)


def _open_sim(screen, model, demo_phrases, active, clock, validation, sim_offset) -> TrackerChoice:
    """The simulated person, only when asked for (gazetype.sim is imported here alone)."""
    if model is None:  # no keyboard: eyes on the validation targets only
        from gazetype.sim.validation import validation_tracker
        kw = {"offset": sim_offset} if sim_offset is not None else {}
        return TrackerChoice(validation_tracker(screen, validation(), **kw), "simulated eyes on the targets")
    from gazetype.sim.person import SimUserTracker
    phrases = list(demo_phrases) if demo_phrases is not None else None
    what = ("A simulated person is typing demo phrases by itself." if phrases is not None
            else "simulated participant")
    tracker = SimUserTracker(screen, model, phrases=phrases, active=active, clock=clock)
    if validation is not None:
        from gazetype.sim.validation import TargetLooker
        tracker.set_script(TargetLooker(validation, inner=tracker.user))
    return TrackerChoice(tracker, what)


def lsl_sinks(enabled: bool, screen: Screen, tracker: Tracker) -> list[Sink]:
    """`--lsl-out`: publish raw and corrected gaze and all events (off by default: gaze is personal data)."""
    if not enabled:
        return []
    from gazetype.pipeline.lslout import LslPublisher
    # The rate is read when the first sample is published: a device's rate is known only
    # once the tracker has connected, which in the windows is after this.
    return [LslPublisher(screen, rate_hz=lambda: tracker.nominal_rate_hz)]


@dataclass
class Parts:
    """What a window or command runs on; `close()` releases it all, once."""

    tracker: Tracker
    pipeline: GazePipeline
    session: TypingSession
    notice: str | None = None
    recorder: RecordingWriter | None = None
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.tracker.stop()
        for sink in self.pipeline.sinks:
            sink.close()
        if self.recorder is not None:
            self.recorder.close()


def assemble(choice: TrackerChoice, model: KeyboardModel, pipeline: GazePipeline, *,
             recorder: RecordingWriter | None = None, cursor_visible: Callable[[], bool] = lambda: False) -> Parts:
    """Join model, pipeline and tracker into a session; a tracker that watches the
    session (the simulated person) is attached to it."""
    session = TypingSession(model, pipeline)
    choice.tracker.attach_session(session, cursor_visible=cursor_visible)
    return Parts(choice.tracker, pipeline, session, choice.notice, recorder)
