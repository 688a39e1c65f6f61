"""Opening a study run: the study folder, the participant (new, or resumed with the
plan stored the first time), a new session row and its v1 recording. The CLI's
headless mode and the study window share this, then build a `StudyRunner`."""
from __future__ import annotations

import hashlib
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from gazetype.calibration.validation import ValidationConfig
from gazetype.pipeline.spec import SPEC_KEY, PipelineSpec, header_extra
from gazetype.recording.v1 import Header, RecordingWriter
from gazetype.study.db import DB_NAME, RECORDINGS_DIR, IndexTaken, ParticipantRow, SessionRow, StudyStore
from gazetype.study.design import CONDITIONS, DEFAULT_OFFSET, make_plan, parse_conditions
from gazetype.study.errors import StudyError
from gazetype.study.phrases import load_phrases
from gazetype.study.runner import key_pitch_px, resume_point, study_spec
from gazetype.tracker.offset import OffsetSpecError, parse_offset, resolve_keys
from gazetype.tracker.screen import Screen

AUTOCAL_MISSING = ("this build has no autocalibration estimator yet; the autocalibrated condition "
                   "runs without correction (like miscalibrated)")
DEFAULT_PHRASES = 8  # per condition
DEFAULT_PRACTICE = 2


@dataclass
class RunOptions:
    """What `study run` was asked for. None means "not given": the default for a
    new participant, the stored plan for a returning one."""

    study_dir: str
    participant: str
    tracker: str = "sim"
    conditions: str | None = None
    n_phrases: int | None = None
    n_practice: int | None = None
    offset: str | None = None
    phrases_file: str | None = None
    index: int | None = None
    tlx: bool = False
    dwell_s: float = 1.0
    validate: ValidationConfig | None = None  # --validate: validation blocks before and after each condition
    extra: dict = field(default_factory=dict)  # more settings to store with the session


class ParticipantLock:
    """An exclusive lock on one participant of a study for the length of a run, so a
    second `study run` (or window) for the same person is refused instead of
    interleaving two sessions. An OS file lock (study/oslock.py): released when the process
    ends, even by kill -9, so a crashed run resumes; its file is removed after use. (No lock
    where fcntl is missing: Windows.)"""

    def __init__(self, folder: Path, code: str) -> None:
        self.code = code
        self.path = Path(folder) / f".lock-{hashlib.sha1(code.encode()).hexdigest()[:16]}"
        self._f = None

    def acquire(self) -> "ParticipantLock":
        from gazetype.study import oslock
        held = oslock.acquire(self.path)
        if held is None:
            raise StudyError(f"participant {self.code!r} is being run by another gazetype in {self.path.parent} "
                             "right now; finish or close that run first")
        self._f = held
        return self

    def release(self) -> None:
        if self._f is not None:
            self._f.release()  # removes the lock file and drops the lock
            self._f = None


@dataclass
class RunContext:
    store: StudyStore
    participant: ParticipantRow
    session: SessionRow
    recorder: RecordingWriter
    created: bool  # a new participant
    lock: ParticipantLock | None = None
    spec: PipelineSpec = field(default_factory=study_spec)  # what the session runs (stored with it)

    @property
    def recording_path(self):
        return self.store.folder / self.session.recording_path

    def close(self) -> None:
        try:
            self.recorder.close()
        finally:
            try:
                self.store.close()
            finally:
                if self.lock is not None:
                    self.lock.release()


def _check_code(code: str) -> str:
    """A participant id: printable text, no control, format (bidirectional overrides,
    zero-width) or undecodable characters, which would print as a lookalike of
    another id or not print at all."""
    code = code.strip()
    bad = [ch for ch in code if unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp")]
    if bad:
        what = ", ".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in bad))
        raise StudyError(f"--participant {ascii(code)}: has characters that do not print ({what}); "
                         "give a short id such as P01")
    if not code or len(code) > 64:
        raise StudyError(f"--participant {code!r}: give a short id such as P01 (1 to 64 characters)")
    return code


def _check_recordings_folder(folder: Path) -> None:
    rec = folder / RECORDINGS_DIR
    if rec.exists() and not rec.is_dir():
        raise StudyError(f"{rec}: is a file, but the study keeps its recordings in this folder; move the file away")


@dataclass(frozen=True)
class NewPlanSettings:
    conditions: tuple[str, ...]
    offset_spec: str
    phrases: object  # PhraseSet
    n_phrases: int
    n_practice: int


def new_plan_settings(opts: RunOptions, screen: Screen, warn: Callable[[str], None] | None = None) -> NewPlanSettings:
    """Check the options for a new participant (raises StudyError, touching nothing)."""
    names = parse_conditions(opts.conditions)
    induces = any(CONDITIONS[n].induced for n in names)
    spec = opts.offset if opts.offset is not None else (DEFAULT_OFFSET if induces else "none")
    try:
        # Key pitches become px now: the study keeps the offset its participants got.
        spec = resolve_keys(spec, key_pitch_px(screen), screen)
        model = parse_offset(spec, screen)
    except OffsetSpecError as e:
        raise StudyError(f"--offset: {e}") from None
    if induces and model.is_zero:
        raise StudyError(f"--offset {spec!r}: the {', '.join(n for n in names if CONDITIONS[n].induced)} "
                         "condition needs a non-zero offset to induce")
    phrases = load_phrases(opts.phrases_file, **({"warn": warn} if warn else {}))
    n = DEFAULT_PHRASES if opts.n_phrases is None else opts.n_phrases
    npr = DEFAULT_PRACTICE if opts.n_practice is None else opts.n_practice
    # Draw a plan now, so a phrase set too small for it fails before anything is created.
    make_plan(_check_code(opts.participant), opts.index or 0, names, phrases, n, npr)
    return NewPlanSettings(names, spec, phrases, n, npr)


def open_participant(store: StudyStore, opts: RunOptions, screen: Screen, created_utc: str,
                     warn: Callable[[str], None] | None = None,
                     settings: NewPlanSettings | None = None) -> tuple[ParticipantRow, bool]:
    """The participant's stored row, or a new one with a fresh plan. Options that
    contradict a returning participant's plan are an error, never a silent change."""
    code = _check_code(opts.participant)
    existing = store.participant(code)
    if existing is not None:
        _check_same_plan(store, existing, opts)
        return existing, False
    ns = settings or new_plan_settings(opts, screen, warn)
    if opts.index is not None and store.index_taken(opts.index):
        raise StudyError(f"--index {opts.index} is already used by another participant in {store.folder}")
    offsets = {nm: (ns.offset_spec if CONDITIONS[nm].induced else "none", CONDITIONS[nm].autocal)
               for nm in ns.conditions}
    for attempt in range(50):
        idx = store.next_index() if opts.index is None else opts.index
        plan = make_plan(code, idx, ns.conditions, ns.phrases, ns.n_phrases, ns.n_practice)
        try:
            row = store.add_participant(plan, n_phrases=ns.n_phrases, n_practice=ns.n_practice,
                                        offset_spec=ns.offset_spec, phrase_source=ns.phrases.source,
                                        phrase_sha256=ns.phrases.sha256, created_utc=created_utc,
                                        condition_offsets=offsets)
            return row, True
        except IndexTaken:
            # Two new participants started at once both saw the same next free index:
            # the later one takes the next (an explicit --index is never changed).
            if opts.index is not None or attempt == 49:
                raise
    raise AssertionError("unreachable")


def _check_same_plan(store: StudyStore, p: ParticipantRow, opts: RunOptions) -> None:
    conds = store.conditions(p.id)
    diffs = []
    if opts.conditions is not None:
        want = set(parse_conditions(opts.conditions))
        have = {c.name for c in conds}
        if want != have:
            diffs.append(f"conditions {','.join(sorted(have))}")
    if opts.n_phrases is not None and opts.n_phrases != p.n_phrases:
        diffs.append(f"--phrases {p.n_phrases}")
    if opts.n_practice is not None and opts.n_practice != p.n_practice:
        diffs.append(f"--practice {p.n_practice}")
    if opts.offset is not None and opts.offset.strip().lower() != p.offset_spec.strip().lower():
        diffs.append(f"--offset {p.offset_spec}")
    if opts.index is not None and opts.index != p.idx:
        diffs.append(f"--index {p.idx}")
    if diffs:
        raise StudyError(f"participant {p.code!r} already exists with {'; '.join(diffs)}; "
                         "run again without those options to resume, or use a new participant id")


def check_run(opts: RunOptions, screen: Screen | None = None) -> None:
    """Everything `prepare_run` would refuse, checked without writing anything (so a
    window need not open for bad input)."""
    screen = screen or Screen()
    code = _check_code(opts.participant)
    quiet = lambda m: None  # noqa: E731  (prepare_run prints the warnings)
    if not (Path(opts.study_dir) / DB_NAME).exists():
        StudyStore.check_can_create(opts.study_dir)
        new_plan_settings(opts, screen, quiet)
        return
    store = StudyStore.open(opts.study_dir)
    try:
        _check_recordings_folder(store.folder)
        p = store.participant(code)
        if p is None:
            new_plan_settings(opts, screen, quiet)
            if opts.index is not None and store.index_taken(opts.index):
                raise StudyError(f"--index {opts.index} is already used by another participant in {store.folder}")
            return
        _check_same_plan(store, p, opts)
        if resume_point(store, p, opts.tlx) is None:
            raise StudyError(f"participant {p.code!r} has finished every trial in {store.folder}; "
                             "nothing to do (their data is kept as it is)")
    finally:
        store.close()


def prepare_run(opts: RunOptions, *, screen: Screen, sample_rate_hz: float | None, now_utc: str,
                app_version: str = "", warn: Callable[[str], None] | None = None) -> RunContext:
    """Open (or create) the study, the participant and a new session with its recording.
    Refuses, changing nothing, when the participant has nothing left to do."""
    if not (opts.dwell_s > 0 and math.isfinite(opts.dwell_s)):
        raise StudyError(f"dwell time must be positive, got {opts.dwell_s}")
    code = _check_code(opts.participant)
    pre = None
    if not (Path(opts.study_dir) / DB_NAME).exists():
        # A new study: check everything before the folder is created.
        StudyStore.check_can_create(opts.study_dir)
        pre = new_plan_settings(opts, screen, warn)
    store = StudyStore.open(opts.study_dir, create=True, created_utc=now_utc, app_version=app_version)
    lock = None
    try:
        lock = ParticipantLock(store.folder, code).acquire()
        _check_recordings_folder(store.folder)
        p = store.participant(code)
        if p is not None:
            _check_same_plan(store, p, opts)
            if resume_point(store, p, opts.tlx) is None:
                raise StudyError(f"participant {p.code!r} has finished every trial in {store.folder}; "
                                 "nothing to do (their data is kept as it is)")
        participant, created = open_participant(store, opts, screen, now_utc, warn, pre)
        spec = study_spec(dwell_s=opts.dwell_s, tracker=opts.tracker)
        settings = {"dwell_s": opts.dwell_s, "tlx": opts.tlx, **opts.extra, SPEC_KEY: spec.to_dict()}
        if opts.validate is not None:
            settings["validate"] = {"targets": opts.validate.n_targets,
                                    "dwell_ms": round(opts.validate.dwell_s * 1000, 3)}
        session = store.start_session(participant.id, started_utc=now_utc, tracker=opts.tracker,
                                      screen=screen.to_dict(), settings=settings)
        store.checkpoint()  # the participant and session rows into the database file itself
        header = Header(screen, sample_rate_hz, source=opts.tracker, extra=header_extra(spec, study={
            "participant": participant.code, "session": session.id, "database": "../study.sqlite"}))
        recorder = RecordingWriter(store.folder / session.recording_path, header)
    except BaseException:
        store.close()
        if lock is not None:
            lock.release()
        raise
    return RunContext(store, participant, session, recorder, created, lock, spec)


def autocal_missing(ctx: RunContext) -> bool:
    """True when the participant has an autocalibrated condition but the app's
    `make_calibrator` gives no estimator (the condition would equal miscalibrated)."""
    from gazetype.calibration import make_calibrator
    from gazetype.calibration.base import NullCalibrator
    wants = any(c.autocal for c in ctx.store.conditions(ctx.participant.id))
    return wants and isinstance(make_calibrator(Screen(), True), NullCalibrator)
