"""Checking that a run's keystrokes reached the study database, and rebuilding them
from the session's recording when they did not (`gazetype study repair DIR`).

Every session writes a recording beside the database (recordings/P01-session3.jsonl)
with every gaze sample, every selection (`select`, with its source) and the study's
markers (`study.condition_start`, `study.trial_start` with trial id and attempt,
`study.trial_end` with the transcribed text). That is enough to rebuild the
keystroke rows of a session, their text, and the trials and conditions it finished.
Repaired keystrokes have the reported gaze at the key (from the recording) and the
induced offset (from the condition's SPEC); the corrected gaze and the correction
are left empty, as they depend on the live corrector's ramp.

Repair only adds what is missing: rows already in the database are never changed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from gazetype.keyboard.predict import NoPredictor
from gazetype.keyboard.text import drop_suggestion_space
from gazetype.pipeline.induced import InducedOffset
from gazetype.pipeline.spec import from_header
from gazetype.recording.v1 import RecordingError, RecordingReader
from gazetype.study.db import DB_NAME, StudyStore, saved_keystroke_count
from gazetype.study.errors import StudyError
from gazetype.study.runner import study_model, study_spec
from gazetype.tracker.events import MarkerEvent, SelectEvent
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen


def check_saved(study_dir, session_id: int, expected: int, recording: str) -> None:
    """Raise StudyError if fewer than `expected` keystrokes of the session are in the
    database as a new connection sees it (the -wal file deleted or damaged mid-run)."""
    n = saved_keystroke_count(study_dir, session_id)
    if n is None or n < expected:
        have = "none" if not n else f"only {n}"
        raise StudyError(f"{Path(study_dir) / DB_NAME}: {have} of this session's {expected} keystrokes reached the "
                         f"database (was study.sqlite-wal deleted or damaged during the run?); the recording "
                         f"{recording} has them all: run 'gazetype study repair {study_dir}'")


@dataclass
class _Key:
    trial_id: int
    attempt: int
    seq: int
    t_s: float
    key: str
    source: str
    text: str
    reported: tuple[float, float] | None
    induced: tuple[float, float] | None


@dataclass
class _Trial:
    trial_id: int
    attempt: int
    started_t_s: float
    done: tuple[float, str, str] | None = None


@dataclass
class SessionRepair:
    """What the recording of one session holds, and what repair added."""

    session_id: int
    recording: str
    keys: list[_Key] = field(default_factory=list)
    trials: list[_Trial] = field(default_factory=list)
    conditions: dict[int, list[float | None]] = field(default_factory=dict)  # id -> [start, end]
    added: int = 0
    problem: str | None = None


def read_session(rec_path: Path, session_id: int, offset_specs: dict[int, str], screen: Screen) -> SessionRepair:
    """The keystrokes, trials and conditions a session's recording shows."""
    out = SessionRepair(session_id, str(rec_path))
    last: GazeSample | None = None
    induced: InducedOffset | None = None
    cond_id: int | None = None
    trial: _Trial | None = None
    reader = RecordingReader(rec_path)
    # The keyboard model the session ran (its spec is in the header), so every key does what it did live.
    keyboard = study_model(screen, from_header(reader.header, study_spec()), predictor=NoPredictor())
    buf = keyboard.buffer
    seq = 0
    for ev in reader:
        if isinstance(ev, GazeSample):
            if ev.valid:
                last = ev
        elif isinstance(ev, MarkerEvent):
            label, d = ev.label, ev.data
            if label == "study.condition_start" and isinstance(d.get("condition_id"), int):
                cond_id = d["condition_id"]
                spec = offset_specs.get(cond_id, "none")
                model = parse_offset(spec, screen)
                induced = None if model.is_zero else InducedOffset(model, t0_s=ev.t_s)
                out.conditions.setdefault(cond_id, [ev.t_s, None])
            elif label == "study.condition_end" and cond_id is not None:
                out.conditions[cond_id][1] = ev.t_s
                trial = None
            elif label == "study.trial_start" and isinstance(d.get("trial_id"), int) \
                    and isinstance(d.get("attempt"), int):
                trial = _Trial(d["trial_id"], d["attempt"], ev.t_s)
                out.trials.append(trial)
                keyboard.set_text("", ev.t_s)
                seq = 0
            elif label == "study.trial_end" and trial is not None:
                # As the runner stores it: without the space a final suggestion adds.
                text, stream = drop_suggestion_space(buf.text.rstrip("\n"), buf.input_stream)
                trial.done = (ev.t_s, str(d.get("transcribed", text)), stream)
                trial = None
        elif isinstance(ev, SelectEvent) and trial is not None and trial.done is None:
            keyboard.select(ev.key_id, ev.t_s)
            rep = (last.x_px, last.y_px) if last is not None else None
            ind = None if rep is None else induced.offset_at(ev.t_s) if induced is not None else (0.0, 0.0)
            out.keys.append(_Key(trial.trial_id, trial.attempt, seq, ev.t_s, ev.key_id, ev.source,
                                 buf.text, rep, ind))
            seq += 1
    return out


def repair_study(study_dir) -> list[SessionRepair]:
    """Add to the database what each session's recording shows and the database lacks."""
    folder = Path(study_dir)
    results = []
    with StudyStore.open(folder) as store, store.reading():
        specs = {}
        for p in store.participants():
            for c in store.conditions(p.id):
                specs[c.id] = c.offset_spec
        for sess in store.sessions():
            if not sess.recording_path:
                continue
            rec = folder / sess.recording_path
            if not rec.is_file():
                r = SessionRepair(sess.id, str(rec))
                r.problem = "no recording"
                results.append(r)
                continue
            try:
                screen = Screen.from_dict(json.loads(sess.screen_json))
            except (ValueError, TypeError, KeyError):
                screen = Screen()
            try:
                r = read_session(rec, sess.id, specs, screen)
            except RecordingError as e:
                r = SessionRepair(sess.id, str(rec))
                r.problem = str(e)
                results.append(r)
                continue
            _apply(store, sess.id, r)
            results.append(r)
    return results


def _apply(store: StudyStore, session_id: int, r: SessionRepair) -> None:
    for cid, (t0, t1) in r.conditions.items():
        store.repair_condition(cid, session_id=session_id, started_t_s=t0, ended_t_s=t1)
    for tr in r.trials:
        store.repair_trial(tr.trial_id, attempt=tr.attempt, session_id=session_id,
                           started_t_s=tr.started_t_s, done=tr.done)
    have: dict[tuple[int, int], set[int]] = {}
    for k in r.keys:
        seqs = have.setdefault((k.trial_id, k.attempt), store.attempt_seqs(k.trial_id, k.attempt))
        if k.seq in seqs:
            continue
        raw = None
        if k.reported is not None:
            dx, dy = k.induced or (0.0, 0.0)
            raw = (k.reported[0] - dx, k.reported[1] - dy)
        store.add_keystroke(trial_id=k.trial_id, attempt=k.attempt, session_id=session_id, seq=k.seq, t_s=k.t_s,
                            key=k.key, source=k.source, raw=raw, induced=k.induced, corrected=None,
                            correction=None, text=k.text)
        seqs.add(k.seq)
        r.added += 1
