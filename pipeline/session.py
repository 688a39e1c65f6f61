"""The typing session: joins the keyboard's UI model to the gaze pipeline. A selection
updates the model, and the model's new layout goes back to the pipeline (and so to
the calibrator and the recording)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from gazetype.keyboard.dwell import Selection
from gazetype.keyboard.model import KeyboardModel
from gazetype.keyboard.text import TextChange
from gazetype.pipeline.pipeline import GazePipeline, Step
from gazetype.tracker.events import LayoutEvent, SelectEvent
from gazetype.tracker.sample import GazeSample


class Session(Protocol):
    """What drives a window: a keyboard model and its pipeline, started once, fed every
    sample, told of layout changes. `TypingSession` is one; a study runner offers one
    (`study.runner.StudySession`)."""

    model: KeyboardModel
    pipeline: GazePipeline

    def start(self, t_s: float) -> list[LayoutEvent]: ...

    def publish(self, evs: list[LayoutEvent]) -> None: ...

    def feed(self, s: GazeSample) -> "SessionStep": ...


@dataclass
class SessionStep:
    step: Step
    changes: list[TextChange] = field(default_factory=list)
    layout: list[LayoutEvent] = field(default_factory=list)


SELECTIONS_KEPT = 1000  # the latest selections a session keeps (a day's typing makes thousands)


class TypingSession:
    """Joins the UI model and the gaze pipeline: a selection updates the model, and
    the model's new layout goes back to the pipeline (and so to the calibrator).
    `selections` keeps the latest `keep_selections` dwell selections (None: all, for
    simulations that study them), `n_selections` counts all of them."""

    def __init__(self, model: KeyboardModel, pipeline: GazePipeline, *,
                 keep_selections: int | None = SELECTIONS_KEPT) -> None:
        self.model = model
        self.pipeline = pipeline
        self.selections: list[Selection] = []
        self.n_selections = 0
        self._keep = keep_selections

    def start(self, t_s: float) -> list[LayoutEvent]:
        evs = self.model.layout_events(t_s)
        for ev in evs:
            self.pipeline.on_layout(ev)
        return evs

    def publish(self, evs: list[LayoutEvent]) -> None:
        for ev in evs:
            self.pipeline.on_layout(ev)

    def feed(self, s: GazeSample) -> SessionStep:
        m = self.model
        if m.clear_armed_until is not None or m.wake_armed_until is not None:
            m.tick(s.t_s)  # a clear or wake waiting for its second dwell lapses
        step = self.pipeline.feed(s)
        out = SessionStep(step)
        for sel in step.selections:
            self.selections.append(sel)
            self.n_selections += 1
            if self._keep is not None and len(self.selections) > self._keep:
                del self.selections[0]
            change, evs = self.select(sel.key_id, sel.t_s)
            if change is not None:
                out.changes.append(change)
            out.layout.extend(evs)
        return out

    def select(self, key_id: str, t_s: float, source: str = "dwell") -> tuple[TextChange | None, list[LayoutEvent]]:
        """A key selected by dwell or by the operator: record it, apply it, publish."""
        self.pipeline.on_select(SelectEvent(t_s, key_id, source))
        change, evs = self.model.select(key_id, t_s)
        self.publish(evs)
        return change, evs
