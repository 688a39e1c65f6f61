"""One description of what runs, and one builder.

`PipelineSpec` is everything that decides what the pipeline and the keyboard model do
with gaze: the tracker as asked for, the induced offset, the correction, smoothing,
dwell and lock-on times, the layout and the keyboard's settings that change what a key
does (not the content it shows: a quick phrase's or a suggestion's key carries its
text). It is stored in every recording's header (`"pipeline"`) and every study session's
settings, and again (a `spec` marker) whenever the settings change live. Every entry
point builds from it with `build_model`, `build_pipeline` and `build_session`: the
keyboard and study windows, `record`, `validate`, `calibrate`, replay, the headless
study, `simulate`, `study repair` and the simulated people. Replay rebuilds exactly what
ran from the recording alone (`from_header`).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Callable, Iterable

from gazetype.calibration import make_calibrator
from gazetype.calibration.base import Calibrator
from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.keyboard.layout import STUDY_LAYOUT, Layout
from gazetype.keyboard.model import DEFAULT_PHRASES, SUGGESTION_COUNTS, KeyboardModel
from gazetype.keyboard.textlayout import Measure
from gazetype.pipeline.induced import InducedOffset
from gazetype.pipeline.pipeline import GazePipeline, Sink
from gazetype.pipeline.session import SELECTIONS_KEPT, TypingSession
from gazetype.recording.v1 import Header, RecordingError, RecordingWriter
from gazetype.tracker.events import Box, LayoutEvent, MarkerEvent
from gazetype.tracker.offset import OffsetModel, parse_offset
from gazetype.tracker.screen import Screen

SMOOTHING = ("none", "one-euro")
SPEC_KEY = "pipeline"  # the header field, the study session setting
SPEC_MARKER = "spec"  # the marker written when the spec changes during a session


class SpecError(ValueError):
    """A pipeline spec that cannot be used; the message says which field and why."""


@dataclass(frozen=True)
class PipelineSpec:
    """What decides what gaze does. Times in seconds; `window_px` is the keyboard
    window's rectangle on the screen (None: the whole screen); `induced_offset` a
    `--offset` SPEC (tracker.offset); `smoothing` one of SMOOTHING."""

    tracker: str = "auto"
    induced_offset: str = "0"
    autocal: bool = False
    smoothing: str = "none"
    dwell_s: float = 1.0
    lockon_s: float = 0.15
    keep_partial_s: float = 0.75
    layout: str = STUDY_LAYOUT
    suggestions: int = 0
    clear_confirm_s: float | None = None
    wake_window_s: float = 5.0
    speak_phrases: bool = True
    done_inserts_newline: bool = True
    window_px: Box | None = None
    font_px: float = 48.0
    output_frac: float = 0.3
    target_frac: float = 0.0

    def __post_init__(self) -> None:
        if self.smoothing not in SMOOTHING:
            raise SpecError(f"pipeline spec: smoothing must be one of {', '.join(SMOOTHING)}, got {self.smoothing!r}")
        if self.suggestions not in SUGGESTION_COUNTS:
            raise SpecError(f"pipeline spec: suggestions must be one of {SUGGESTION_COUNTS}, got {self.suggestions!r}")
        for name in ("dwell_s", "font_px"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise SpecError(f"pipeline spec: {name} must be a positive number, got {v!r}")
        for name in ("lockon_s", "keep_partial_s", "wake_window_s"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise SpecError(f"pipeline spec: {name} must be a number >= 0, got {v!r}")
        if self.window_px is not None:
            w = tuple(float(v) for v in self.window_px)
            if len(w) != 4 or not all(math.isfinite(v) for v in w) or w[2] <= w[0] or w[3] <= w[1]:
                raise SpecError(f"pipeline spec: window_px must be [x0, y0, x1, y1] with x1 > x0, y1 > y0, "
                                f"got {self.window_px!r}")
            object.__setattr__(self, "window_px", w)

    # -- what it means ------------------------------------------------------------------
    def dwell_config(self) -> DwellConfig:
        return DwellConfig(dwell_s=self.dwell_s, lockon_s=self.lockon_s, keep_partial_s=self.keep_partial_s)

    def offset_model(self, screen: Screen) -> OffsetModel:
        return parse_offset(self.induced_offset, screen)

    def window(self, screen: Screen) -> Box:
        return self.window_px or (0.0, 0.0, float(screen.width_px), float(screen.height_px))

    # -- stored form ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = asdict(self)
        d["window_px"] = list(self.window_px) if self.window_px is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict, where: str = "pipeline spec") -> "PipelineSpec":
        """The spec stored in `d`; fields it lacks take their defaults (older files),
        fields this version does not know are refused (a newer file must not replay as
        something else)."""
        if not isinstance(d, dict):
            raise SpecError(f"{where}: not an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise SpecError(f"{where}: unknown field(s) {', '.join(unknown)} (made by a newer gazetype?)")
        try:
            return cls(**d)
        except SpecError as e:
            raise SpecError(f"{where}: {str(e).removeprefix('pipeline spec: ')}") from None
        except (TypeError, ValueError) as e:
            raise SpecError(f"{where}: {e}") from None

    def with_changes(self, **changes) -> "PipelineSpec":
        return replace(self, **changes)


# What recordings made before the spec existed ran: the headless pipeline's defaults
# (no smoothing: replay had none), the app's keyboard (QWERTY... unknown, so the study's
# layout, whose keys replay reads from the recorded layout events anyway).
LEGACY = PipelineSpec()


def from_header(header: Header, legacy: PipelineSpec = LEGACY) -> PipelineSpec:
    """The spec a recording ran with: its header's, else what older recordings ran with
    (`legacy`, with the induced offset the header names)."""
    d = header.extra.get(SPEC_KEY)
    if d is not None:
        try:
            return PipelineSpec.from_dict(d, "recording header: pipeline")
        except SpecError as e:
            raise RecordingError(str(e)) from None
    spec = legacy
    induced = header.extra.get("induced_offset")
    if isinstance(induced, str):
        spec = replace(spec, induced_offset=induced)
    return spec


def header_extra(spec: PipelineSpec, **more) -> dict:
    """The header fields that carry `spec` (plus `more`)."""
    return {SPEC_KEY: spec.to_dict(), **more}


def spec_marker(spec: PipelineSpec, t_s: float) -> MarkerEvent:
    """The marker that records a change of spec during a session (replay applies it)."""
    return MarkerEvent(t_s, SPEC_MARKER, {SPEC_KEY: spec.to_dict()})


def spec_of_marker(ev: MarkerEvent) -> PipelineSpec | None:
    """The spec a `spec` marker carries (None for other markers)."""
    if ev.label != SPEC_MARKER:
        return None
    try:
        return PipelineSpec.from_dict(ev.data.get(SPEC_KEY), f"recording: spec marker at t={ev.t_s:.3f} s")
    except SpecError as e:
        raise RecordingError(str(e)) from None


# -- the builder -------------------------------------------------------------------------------
def build_model(spec: PipelineSpec, screen: Screen, *, measure: Measure | None = None,
                target_measure: Measure | None = None, predictor=None,
                phrases: Iterable[str] | None = None, layout: Layout | None = None) -> KeyboardModel:
    """The keyboard model `spec` describes. `measure` (text widths, the window's font),
    `predictor` (the suggestions' source) and the quick `phrases` are what only the
    caller knows; `layout`, a Layout object (tests) instead of the spec's by name."""
    return KeyboardModel(spec.window(screen), font_px=spec.font_px, measure=measure, target_measure=target_measure,
                         output_frac=spec.output_frac, target_frac=spec.target_frac,
                         done_inserts_newline=spec.done_inserts_newline, layout=layout or spec.layout,
                         clear_confirm_s=spec.clear_confirm_s, wake_window_s=spec.wake_window_s,
                         phrases=tuple(phrases) if phrases is not None else DEFAULT_PHRASES,
                         speak_phrases=spec.speak_phrases, suggestions=spec.suggestions, predictor=predictor)


def build_smoother(spec: PipelineSpec):
    if spec.smoothing == "one-euro":
        from gazetype.pipeline.smoothing import OneEuroFilter
        return OneEuroFilter()
    return None


def build_pipeline(spec: PipelineSpec, screen: Screen, *, calibrator: Calibrator | None = None,
                   induce: bool = True, induced: OffsetModel | None = None, induced_t0_s: float | None = None,
                   recorder: RecordingWriter | None = None, sinks: Iterable[Sink] = ()) -> GazePipeline:
    """tracker -> induced offset -> corrector -> smoothing -> dwell engine, with the
    calibrator beside it, as `spec` says. `calibrator` overrides the spec's (studies
    give each condition its own); `induced` is the spec's offset already parsed (with
    its 'keys' resolved), timed from `induced_t0_s` (None: the first sample);
    `induce=False` for streams that already carry the induced offset (a recording
    holds gaze as reported, offset included)."""
    offset = None
    if induce:
        model = induced if induced is not None else spec.offset_model(screen)
        if model.parts and not model.is_zero:
            offset = InducedOffset(model, t0_s=induced_t0_s)
    return GazePipeline(DwellEngine(config=spec.dwell_config()),
                        calibrator=calibrator if calibrator is not None else make_calibrator(screen, spec.autocal),
                        induced=offset, smoother=build_smoother(spec), recorder=recorder, sinks=list(sinks))


def build_session(spec: PipelineSpec, screen: Screen, *, model: KeyboardModel | None = None,
                  keep_selections: int | None = SELECTIONS_KEPT, **pipeline_kw) -> TypingSession:
    """Model and pipeline joined: what a window, a command or a simulated person drives
    (`keep_selections`: how many of the latest selections it keeps; None: all)."""
    return TypingSession(model if model is not None else build_model(spec, screen),
                         build_pipeline(spec, screen, **pipeline_kw), keep_selections=keep_selections)


def reconfigure(session: TypingSession, old: PipelineSpec, new: PipelineSpec, t_s: float, *,
                screen: Screen, calibrator_factory: Callable[[Screen, bool], Calibrator] = make_calibrator,
                measure: Measure | None = None) -> list[LayoutEvent]:
    """Change a running session from `old` to `new` (the settings dialog live; a spec
    marker in replay): what differs is rebuilt, the rest keeps its state. Returns the
    layout events to publish. The tracker and the induced offset are fixed for a session."""
    pipe, model = session.pipeline, session.model
    evs: list[LayoutEvent] = []
    if new.dwell_config() != old.dwell_config():
        pipe.dwell.set_config(new.dwell_config())
    if new.smoothing != old.smoothing:
        pipe.smoother = build_smoother(new)
    if new.autocal != old.autocal:
        pipe.set_condition(calibrator_factory(screen, new.autocal), pipe.induced)
    if new.font_px != old.font_px:
        evs += model.set_measure(measure, new.font_px, t_s)
    if new.output_frac != old.output_frac:
        evs += model.set_output_frac(new.output_frac, t_s)
    if new.suggestions != old.suggestions:
        evs += model.set_suggestions(new.suggestions, t_s)
    if new.layout != old.layout:
        evs += model.set_layout(new.layout, t_s)
    model.clear_confirm_s, model.wake_window_s = new.clear_confirm_s, new.wake_window_s
    model.speak_phrases = new.speak_phrases
    model.buffer.done_inserts_newline = new.done_inserts_newline
    return evs
