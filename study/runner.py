"""The study session state machine, headless and clock-free.

The Qt study window, the CLI's headless mode and simulated participants all drive
the same `StudyRunner`: feed it gaze samples (`feed`) and operator actions
(`continue_`, `pause`, `resume`, `abort`, `submit_tlx`, `operator_select`), each with
its time in seconds; render `runner.view`. The runner owns no clock and no widget.

Phases:

    BREAK ──continue_──> TRIAL ──done key──> TRIAL (next phrase) ... ──last phrase──>
        QUESTIONNAIRE (with --tlx) ──submit_tlx──> BREAK (next condition) ... FINISHED
    any phase ──pause──> PAUSED ──resume──> (the phase it left; a trial restarts)
    any phase ──abort──> ABORTED

Per condition the runner sets the pipeline up: the induced offset (timed from the
condition's start), a fresh autocalibrator when the condition has one, a fresh
corrector. Outside trials the pipeline is paused (gaze is still recorded, nothing
is typed) and no offset is induced. Every selection is stored (committed) before
`feed` returns, and offset estimates within a second (of sample time); see study/db.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from gazetype.calibration import make_calibrator
from gazetype.calibration.base import NullCalibrator
from gazetype.calibration.validation import ValidationConfig, ValidationDone, ValidationSession, ValidationView
from gazetype.keyboard.layout import DONE, STUDY_LAYOUT
from gazetype.keyboard.model import KeyboardModel
from gazetype.keyboard.text import drop_suggestion_space
from gazetype.pipeline.induced import InducedOffset
from gazetype.pipeline.session import SessionStep, TypingSession
from gazetype.pipeline.spec import PipelineSpec, build_model
from gazetype.study.db import TLX_SCALES, ConditionRow, ParticipantRow, SessionRow, StudyStore, TrialRow
from gazetype.study.design import CONDITIONS
from gazetype.study.errors import StudyError
from gazetype.tracker.events import MarkerEvent
from gazetype.tracker.offset import OffsetModel, parse_offset
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

TARGET_FRAC = 0.1  # height of the target-phrase strip, as a fraction of the window
VALIDATION_LEAD_S = 1.0  # a validation block shows its first target this long before measuring


def study_spec(*, dwell_s: float = 1.0, tracker: str = "sim", font_px: float = 48.0) -> PipelineSpec:
    """The pipeline of a study, the same in the window, headless and simulated: full
    screen, a target strip above the output, always the fixed "study" layout (not the
    user's layout setting, which has shift, undo, sleep and phrases), gaze smoothed, no
    confirmation for clear; each condition sets its own correction and induced offset."""
    return PipelineSpec(tracker=tracker, smoothing="one-euro", dwell_s=dwell_s, layout=STUDY_LAYOUT,
                        target_frac=TARGET_FRAC, done_inserts_newline=False, font_px=font_px)


def study_model(screen: Screen, spec: PipelineSpec | None = None, **kw) -> KeyboardModel:
    """The keyboard model of a study (`study_spec`); `kw`: measures, predictor."""
    return build_model(spec or study_spec(), screen, **kw)


def key_pitch_px(screen: Screen) -> float:
    """The distance between neighbouring letter keys' centres (q to w) in the study's
    layout on `screen`, px: the unit of an offset given in 'keys'."""
    m = study_model(screen)
    return m.keys.get("w").cx_px - m.keys.get("q").cx_px


class Phase(str, Enum):
    BREAK = "break"  # before a condition; the operator continues
    TRIAL = "trial"  # a target phrase is shown and typed
    VALIDATION = "validation"  # targets to look at, before and after a condition's trials (--validate)
    QUESTIONNAIRE = "questionnaire"  # NASA-TLX after a condition
    PAUSED = "paused"
    FINISHED = "finished"
    ABORTED = "aborted"


@dataclass(frozen=True, slots=True)
class View:
    """What the study window shows. `condition` is for the operator only: the
    participant is not told which condition (or offset) is running."""

    phase: Phase
    part: int  # 1-based condition position
    parts: int
    condition: str
    trial: int  # 1-based within the condition (0 outside a condition)
    trials: int
    practice: bool
    target: str | None
    message: str


@dataclass(frozen=True, slots=True)
class LoggedKey:
    """A selection as stored (for progress output and tests)."""

    t_s: float
    key: str
    source: str
    condition: str
    trial_id: int
    attempt: int
    seq: int
    text: str


@dataclass
class RunnerStep:
    session: SessionStep | None
    keys: list[LoggedKey] = field(default_factory=list)
    changed: bool = False  # phase, trial or target changed: redraw


def resume_point(store: StudyStore, participant: ParticipantRow, tlx: bool) -> tuple[int, Phase] | None:
    """Where a run for this participant starts: (condition index, BREAK or
    QUESTIONNAIRE), or None when everything is done."""
    for i, c in enumerate(store.conditions(participant.id)):
        if c.ended_t_s is not None:
            continue
        if all(t.status == "done" for t in store.trials(c.id)):
            if tlx and not store.tlx(c.id):
                return i, Phase.QUESTIONNAIRE
            continue  # finished but not closed (crash right after its last trial)
        return i, Phase.BREAK
    return None


class StudyRunner:
    def __init__(self, store: StudyStore, participant: ParticipantRow, session: SessionRow,
                 typing: TypingSession, *, screen: Screen, tlx: bool = False,
                 calibrator_factory: Callable = make_calibrator,
                 on_key: Callable[[LoggedKey], None] | None = None,
                 validate: ValidationConfig | None = None) -> None:
        self.store = store
        self.participant = participant
        self.session_row = session
        self.typing = typing
        self.model = typing.model
        self.pipeline = typing.pipeline
        self.screen = screen
        self.tlx = tlx
        self.calibrator_factory = calibrator_factory
        self.on_key = on_key
        self.conditions: list[ConditionRow] = store.conditions(participant.id)
        self.offsets: dict[int, OffsetModel] = {c.id: parse_offset(c.offset_spec, screen) for c in self.conditions}
        self.phase = Phase.BREAK
        self._ci = 0  # current condition index
        self._trials: list[TrialRow] = []
        self._trial: TrialRow | None = None
        self._attempt = 0
        self._seq = 0
        self._induced: InducedOffset | None = None
        self._paused_from: Phase | None = None
        self._in_condition = False  # between continue_ and the condition's last trial (pauses included)
        self.resumed = False  # this run continues an earlier one
        self.logged = 0  # keystrokes stored by this run (checked against the database at the end)
        # --validate: a validation block at the start and at the end of each condition.
        self.validate = validate
        self.validation: ValidationSession | None = None  # the block running now
        self._block = ""  # "start" or "end"
        self._end_validated = False  # this condition's end block is stored
        self._estimate: tuple[float, float] | None = None  # the autocalibration's latest estimate
        self.validations: list = []  # (condition, block, ValidationResult) stored by this run

    # -- properties ------------------------------------------------------------------
    @property
    def condition(self) -> ConditionRow | None:
        return self.conditions[self._ci] if self._ci < len(self.conditions) else None

    @property
    def trial(self) -> TrialRow | None:
        return self._trial

    @property
    def view(self) -> View:
        c = self.condition
        n = len(self.conditions)
        part = min(self._ci + 1, n)
        t = self._trial
        trials = len(self._trials) if self._trials else (len(self.store.trials(c.id)) if c else 0)
        trial_no = t.position + 1 if t is not None and self.phase in (Phase.TRIAL, Phase.PAUSED) else 0
        return View(self.phase, part, n, c.name if c else "", trial_no, trials,
                    bool(t.practice) if t is not None and trial_no else False,
                    self.model.target_phrase, self._message())

    def _message(self) -> str:
        n = len(self.conditions)
        if self.phase == Phase.BREAK:
            done_before = self._ci > 0 or self.resumed
            head = "Take a break." if done_before else "Get ready."
            return f"{head} Part {self._ci + 1} of {n} is next. The operator continues when you are ready."
        if self.phase == Phase.QUESTIONNAIRE:
            return f"Part {self._ci + 1} of {n} is done. Please rate how it felt."
        if self.phase == Phase.PAUSED:
            return "Paused."
        if self.phase == Phase.VALIDATION:
            return "Look at each dot until it disappears."
        if self.phase == Phase.FINISHED:
            return "All done. Thank you!"
        if self.phase == Phase.ABORTED:
            return "The session was stopped."
        return ""

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, t_s: float) -> View:
        """Find where this participant is (a fresh start or a resume) and show it."""
        self._neutral_pipeline(t_s)
        point = resume_point(self.store, self.participant, self.tlx)
        self.resumed = any(c.started_t_s is not None for c in self.conditions)
        self._event(t_s, "session_start", {"resumed": self.resumed})
        if point is None:
            self.phase = Phase.FINISHED
            return self.view
        self._ci, self.phase = point
        # Close conditions whose trials were all done when the last run stopped.
        for c in self.conditions[:self._ci]:
            if c.ended_t_s is None:
                self.store.end_condition(c.id, t_s)
        self._trials = self.store.trials(self.condition.id)
        self.conditions = self.store.conditions(self.participant.id)
        return self.view

    def close(self, ended_utc: str) -> str:
        """End the session row: completed, aborted, or interrupted (left mid-way)."""
        status = {Phase.FINISHED: "completed", Phase.ABORTED: "aborted"}.get(self.phase, "interrupted")
        self.store.end_session(self.session_row.id, status, ended_utc)
        return status

    # -- gaze ---------------------------------------------------------------------------
    def feed(self, s: GazeSample) -> RunnerStep:
        """One tracker sample: through the pipeline; selections are logged and applied."""
        st = self.typing.feed(s)
        out = RunnerStep(st)
        off = st.step.offset
        if off is not None and self._in_condition:
            self._estimate = (off.dx_px, off.dy_px)
            ind = self._induced_at(off.t_s)
            self.store.add_calibration_update(
                session_id=self.session_row.id, condition_id=self.condition.id,
                trial_id=self._trial.id if self._trial else None, t_s=off.t_s, dx_px=off.dx_px,
                dy_px=off.dy_px, sd_px=off.sd_px, n=off.n, induced=ind)
        self.store.flush_if_due(s.t_s)  # buffered estimates are committed within a second
        if self.phase == Phase.VALIDATION and self.validation is not None:
            # The gaze the keyboard gets, before correction: the tracker's error plus the
            # induced offset, which is what the autocalibration estimates.
            for ev in self.validation.update(st.step.reported):
                if isinstance(ev, ValidationDone):
                    self._validation_done(ev)
                    out.changed = True
        for sel in st.step.selections:
            if self.phase != Phase.TRIAL:
                break
            self._logged(out, sel.t_s, sel.key_id, "dwell", st.step.tracker_sample, st.step.corrected)
        return out

    def operator_select(self, key_id: str, t_s: float) -> RunnerStep:
        """A key chosen by the operator (mouse or keyboard) during a trial."""
        out = RunnerStep(None)
        if self.phase == Phase.TRIAL:
            self.typing.select(key_id, t_s, "operator")
            self._logged(out, t_s, key_id, "operator", None, None)
        return out

    def _logged(self, out: RunnerStep, t_s: float, key: str, source: str,
                tracker_sample: GazeSample | None, corrected: GazeSample | None) -> None:
        """Store a selection; `tracker_sample` is the gaze as the tracker gave it (before
        the induced offset), `corrected` what the dwell engine saw."""
        trial = self._trial
        text = self.model.buffer.text
        raw = ind = cor = None
        if tracker_sample is not None and tracker_sample.valid:
            ind = self._induced_at(t_s)
            raw = (tracker_sample.x_px, tracker_sample.y_px)
        if corrected is not None and corrected.valid:
            cor = (corrected.x_px, corrected.y_px)
        applied = self.pipeline.corrector.applied
        self.store.add_keystroke(trial_id=trial.id, attempt=self._attempt, session_id=self.session_row.id,
                                 seq=self._seq, t_s=t_s, key=key, source=source, raw=raw, induced=ind,
                                 corrected=cor, correction=applied, text=text)
        self.logged += 1
        lk = LoggedKey(t_s, key, source, self.condition.name, trial.id, self._attempt, self._seq, text)
        self._seq += 1
        out.keys.append(lk)
        if self.on_key is not None:
            self.on_key(lk)
        if key == DONE and text.strip():
            self._finish_trial(t_s)
            out.changed = True

    def _induced_at(self, t_s: float) -> tuple[float, float]:
        return self._induced.offset_at(t_s) if self._induced is not None else (0.0, 0.0)

    # -- operator -------------------------------------------------------------------------
    def continue_(self, t_s: float) -> View:
        """Leave the break screen: start (or resume) the condition."""
        if self.phase != Phase.BREAK:
            return self.view
        c = self.condition
        self.store.start_condition(c.id, self.session_row.id, t_s)
        model = self.offsets[c.id]
        self._induced = InducedOffset(model, t0_s=t_s) if not model.is_zero else None
        self.pipeline.set_condition(self.calibrator_factory(self.screen, bool(c.autocal)), self._induced)
        cond = CONDITIONS.get(c.name)
        n_words = cond.suggestions if cond is not None else 0
        if n_words != self.model.suggestions:  # the base model only: a study learns nothing from its phrases
            self.model.set_suggestions(n_words, t_s)  # published by typing.start below
        self._event(t_s, "condition_start", {"condition_id": c.id, "position": c.position, "offset": c.offset_spec,
                                             "autocal": bool(c.autocal)})
        self._trials = self.store.trials(c.id)
        self._in_condition = True
        self._estimate = None
        self._end_validated = False
        self.typing.start(t_s)  # the new calibrator needs the current layout
        if self.validate is not None:
            self._start_validation("start", t_s)
        else:
            self._next_trial(t_s)
        return self.view

    def pause(self, t_s: float) -> View:
        if self.phase in (Phase.PAUSED, Phase.FINISHED, Phase.ABORTED):
            return self.view
        self._paused_from = self.phase
        self.phase = Phase.PAUSED
        self.pipeline.paused = True
        self._event(t_s, "pause", {"from": self._paused_from.value})
        return self.view

    def resume(self, t_s: float, restart_trial: bool = True) -> View:
        """Back to where the pause came from. A paused trial starts again (a new
        attempt: its timing would include the pause); its keystrokes are kept."""
        if self.phase != Phase.PAUSED:
            return self.view
        self.phase = self._paused_from or Phase.BREAK
        self._paused_from = None
        self._event(t_s, "resume", {"to": self.phase.value, "restart_trial": restart_trial})
        if self.phase == Phase.TRIAL:
            self.pipeline.paused = False
            if restart_trial:
                self._start_trial(self._trial, t_s)
        elif self.phase == Phase.VALIDATION:  # a validation block starts again
            self._start_validation(self._block, t_s)
        return self.view

    def abort(self, t_s: float) -> View:
        """Stop the session. An unfinished trial stays unfinished: a later run redoes it."""
        if self.phase in (Phase.FINISHED, Phase.ABORTED):
            return self.view
        self._event(t_s, "abort", {"phase": self.phase.value})
        self.phase = Phase.ABORTED
        self._neutral_pipeline(t_s)
        return self.view

    def submit_tlx(self, answers: dict[str, float], t_s: float) -> View:
        """Raw NASA-TLX answers for the condition just finished: the six scales, 0..100."""
        if self.phase != Phase.QUESTIONNAIRE:
            raise StudyError("no questionnaire is open")
        missing = [k for k in TLX_SCALES if k not in answers]
        if missing:
            raise StudyError(f"NASA-TLX: missing {', '.join(missing)}")
        for k in TLX_SCALES:
            v = answers[k]
            if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 100):
                raise StudyError(f"NASA-TLX {k}: {v!r} is not between 0 and 100")
        self.store.add_tlx(self.condition.id, self.session_row.id, answers, t_s)
        self._close_condition(t_s)
        return self.view

    # -- internals ------------------------------------------------------------------
    def _next_trial(self, t_s: float) -> None:
        nxt = next((t for t in self._trials if t.status != "done"), None)
        if nxt is None:
            if self.validate is not None and not self._end_validated:
                self._start_validation("end", t_s)
            else:
                self._end_condition(t_s)
        else:
            self._start_trial(nxt, t_s)

    # -- validation blocks (--validate) ---------------------------------------------------
    def validation_view(self, t_s: float) -> ValidationView | None:
        """What the validation block running now shows at `t_s` (None: none runs)."""
        if self.phase != Phase.VALIDATION or self.validation is None:
            return None
        return self.validation.view(t_s)

    def _start_validation(self, block: str, t_s: float) -> None:
        """A validation block: the condition's induced offset stays on, nothing is typed
        and the corrector is not in the measured gaze (see `feed`)."""
        self._block = block
        self._trial = None
        self.phase = Phase.VALIDATION
        self.pipeline.paused = True
        self.typing.publish(self.model.set_target(None, t_s))
        self.typing.publish(self.model.set_text("", t_s))
        self.validation = ValidationSession(self.screen, self.validate, tracker=self.session_row.tracker)
        self.validation.start(t_s + VALIDATION_LEAD_S)
        self._marker(t_s, "validation_start", {"block": block, "targets": self.validate.n_targets,
                                               "dwell_ms": round(self.validate.dwell_s * 1000, 3)})

    def _validation_done(self, ev: ValidationDone) -> None:
        r, block, t_s = ev.result, self._block, ev.t_s
        mid = 0.5 * (r.t_start_s + r.t_end_s)
        ind = self._induced_at(mid)
        self.store.add_validation(
            session_id=self.session_row.id, condition_id=self.condition.id, block=block, result_json=r.to_json(),
            t_start_s=r.t_start_s, t_end_s=r.t_end_s, n_targets=len(r.targets), accuracy_deg=r.accuracy_deg,
            offset_px=None if r.offset_dx_px is None else (r.offset_dx_px, r.offset_dy_px),
            rms_s2s_deg=r.rms_s2s_deg, sd_deg=r.sd_deg, data_loss_pct=r.data_loss_pct, induced=ind,
            estimate=self._estimate)
        self.validations.append((self.condition.name, block, r))
        self._marker(t_s, "validation_end", {"block": block, "accuracy_deg": r.accuracy_deg,
                                             "offset_dx_px": r.offset_dx_px, "offset_dy_px": r.offset_dy_px,
                                             "data_loss_pct": r.data_loss_pct})
        self.validation = None
        if block == "start":
            self._next_trial(t_s)
        else:
            self._end_validated = True
            self._end_condition(t_s)

    def _start_trial(self, trial: TrialRow, t_s: float) -> None:
        self._attempt = self.store.start_trial(trial.id, self.session_row.id, t_s)
        self._trial = self.store.trial(trial.id)
        self._seq = 0
        self.phase = Phase.TRIAL
        self.typing.publish(self.model.set_text("", t_s))  # also empties the input stream
        self.typing.publish(self.model.set_target(trial.target, t_s))
        self.pipeline.paused = False
        self._marker(t_s, "trial_start", {"trial_id": trial.id, "attempt": self._attempt,
                                          "target": trial.target, "practice": bool(trial.practice)})

    def _finish_trial(self, t_s: float) -> None:
        trial = self._trial
        # The space a suggestion adds after the phrase's last word is not part of it.
        text, stream = drop_suggestion_space(self.model.buffer.text.rstrip("\n"), self.model.buffer.input_stream)
        self.store.finish_trial(trial.id, t_s, text, stream)
        self._marker(t_s, "trial_end", {"trial_id": trial.id, "attempt": self._attempt, "transcribed": text})
        self._trials = self.store.trials(self.condition.id)
        self._next_trial(t_s)

    def _end_condition(self, t_s: float) -> None:
        self._marker(t_s, "condition_end", {"condition": self.condition.name})
        self._trial = None
        self._neutral_pipeline(t_s)
        if self.tlx:
            self.phase = Phase.QUESTIONNAIRE
        else:
            self._close_condition(t_s)

    def _close_condition(self, t_s: float) -> None:
        self.store.end_condition(self.condition.id, t_s)
        self.conditions = self.store.conditions(self.participant.id)
        self._ci += 1
        self._trials = []
        self.phase = Phase.BREAK if self._ci < len(self.conditions) else Phase.FINISHED
        if self.phase == Phase.FINISHED:
            self._event(t_s, "finished", {})

    def _neutral_pipeline(self, t_s: float) -> None:
        """Between conditions: nothing induced, nothing corrected, nothing typed."""
        self.pipeline.paused = True
        self.pipeline.set_condition(NullCalibrator(), None)
        self._induced = None
        self._in_condition = False
        self.validation = None
        self.typing.publish(self.model.set_target(None, t_s))
        self.typing.publish(self.model.set_text("", t_s))

    def _marker(self, t_s: float, label: str, data: dict) -> None:
        self.pipeline.on_marker(MarkerEvent(t_s, f"study.{label}", {
            "participant": self.participant.code, "session": self.session_row.id,
            "condition": self.condition.name if self.condition else None, **data}))

    def _event(self, t_s: float, kind: str, data: dict) -> None:
        self.store.add_event(self.session_row.id, t_s, kind, data)
        self._marker(t_s, kind, data)


class StudySession:
    """The study runner seen as a `pipeline.session.Session`: samples go through the
    runner (which logs every selection), and `on_change` hears of every stored
    keystroke or phase change."""

    def __init__(self, runner: StudyRunner, on_change: Callable[[], None]) -> None:
        self.runner = runner
        self.on_change = on_change

    @property
    def model(self):
        return self.runner.model

    @property
    def pipeline(self):
        return self.runner.pipeline

    def start(self, t_s: float):
        return self.runner.typing.start(t_s)

    def publish(self, evs) -> None:
        self.runner.typing.publish(evs)

    def feed(self, s: GazeSample) -> SessionStep:
        step = self.runner.feed(s)
        if step.changed or step.keys:
            self.on_change()
        return step.session
