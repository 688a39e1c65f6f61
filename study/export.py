"""`study export`: CSV files for analysis elsewhere (R, pandas, SPSS).

Writes into a folder: trials.csv, keystrokes.csv, calibration.csv, questionnaire.csv.
Positions are 1-based here (the database's are 0-based); times are seconds on the
session's monotonic clock; in text columns a backspace in the input stream is "<"
(the keyboard cannot type "<"). Existing files are never overwritten.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

from gazetype.study.analysis import Progress, offset_traces, trial_results
from gazetype.study.db import StudyStore
from gazetype.study.errors import StudyError
from gazetype.study.validation_report import VALIDATION_COLUMNS, csv_rows, validation_blocks
from gazetype.tracker.private import open_private, private_dir

FILES = ("trials.csv", "keystrokes.csv", "calibration.csv", "questionnaire.csv", "validation.csv")

TRIAL_COLUMNS = [
    "participant", "participant_index", "session", "condition", "condition_position", "trial", "practice",
    "status", "attempt", "offset", "autocal", "target", "transcribed", "input_stream",
    "first_key_t", "last_key_t", "done_t", "keystrokes", "backspaces", "wpm", "msd", "msd_error_rate", "kspc",
    "kspc_2003", "total_error_rate", "corrected_error_rate", "uncorrected_error_rate", "c", "inf", "if", "f",
    "if_ok", "mean_selection_s",
]
KEYSTROKE_COLUMNS = [
    "participant", "session", "condition", "condition_position", "trial", "practice", "attempt", "counted",
    "seq", "t", "key", "source", "raw_x_px", "raw_y_px", "induced_dx_px", "induced_dy_px",
    "corrected_x_px", "corrected_y_px", "correction_dx_px", "correction_dy_px", "text",
]
CALIBRATION_COLUMNS = ["participant", "session", "condition", "t_rel_s", "estimate_dx_px", "estimate_dy_px",
                       "induced_dx_px", "induced_dy_px", "error_px"]
QUESTIONNAIRE_COLUMNS = ["participant", "condition", "condition_position", "instrument", "item", "value"]


def _num(v, nd: int = 4):
    if v is None:
        return ""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return round(v, nd)
    return v


def _is(text: str | None) -> str:
    return (text or "").replace("\b", "<")


def export_csv(study_dir: str | os.PathLike, out_dir: str | os.PathLike, *, show_progress: bool = True) -> dict[str, int]:
    """Write the CSV files; returns rows written per file. Refuses (changing nothing)
    if `out_dir` already holds any of them."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise StudyError(f"--csv {out}: exists and is not a folder")
    clash = [f for f in FILES if (out / f).exists()]
    if clash:
        raise StudyError(f"--csv {out}: {', '.join(clash)} already exist(s); choose a new folder "
                         "(exports are never overwritten)")
    with StudyStore.open(study_dir, read_only=True) as store, store.reading():
        prog = Progress("export: trials", 0) if show_progress else None
        results = trial_results(store, prog)
        keystrokes = store.all_keystrokes().fetchall()
        traces = offset_traces(store)
        tlx = store.questionnaire_rows()
        blocks = validation_blocks(store)
    try:
        private_dir(out)  # participants' data: 0700, the files 0600 (issue 28)
    except OSError as e:
        raise StudyError(f"--csv {out}: cannot create the folder: {e.strerror or e}") from None

    trial_rows = []
    for r in results:
        m = r.metrics
        row = [r.participant, r.participant_index, r.session_id or "", r.condition, r.condition_pos + 1,
               r.trial_pos + 1, int(r.practice), r.status, r.attempt, r.offset_spec, int(r.autocal), r.target]
        if m is None:
            row += ["", "", "", "", _num(r.done_t_s, 6), r.keystrokes] + [""] * 15
        else:
            c = m.counts
            row += [m.transcribed, _is(m.input_stream), _num(m.t_first_s, 6), _num(m.t_last_s, 6),
                    _num(r.done_t_s, 6), r.keystrokes, c.f, _num(m.wpm), m.msd, _num(m.msd_error_rate),
                    _num(m.kspc), _num(m.kspc_2003), _num(m.total_error_rate), _num(m.corrected_error_rate),
                    _num(m.uncorrected_error_rate), c.c, c.inf, c.if_, c.f, _num(c.if_ok),
                    _num(m.mean_selection_s)]
        trial_rows.append(row)

    key_rows = []
    for k in keystrokes:
        (code, sid, cname, cpos, tpos, practice, attempt, counted, seq, t, key, source, *xy, text) = k
        key_rows.append([code, sid, cname, cpos + 1, tpos + 1, practice, attempt, counted, seq, _num(t, 6), key,
                         source, *(_num(v, 2) for v in xy), text])

    cal_rows = []
    for tr in traces:
        for t, e, i, err in zip(tr.t_rel_s, tr.estimate, tr.induced, tr.error_px):
            cal_rows.append([tr.participant, tr.session_id, tr.condition, _num(t, 3), _num(e[0], 2), _num(e[1], 2),
                             _num(i[0], 2), _num(i[1], 2), _num(err, 2)])

    q_rows = [[code, cname, cpos + 1, inst, item, _num(v, 2)] for code, cname, cpos, inst, item, v in tlx]

    counts = {}
    for name, cols, rows in (("trials.csv", TRIAL_COLUMNS, trial_rows), ("keystrokes.csv", KEYSTROKE_COLUMNS, key_rows),
                             ("calibration.csv", CALIBRATION_COLUMNS, cal_rows),
                             ("questionnaire.csv", QUESTIONNAIRE_COLUMNS, q_rows),
                             ("validation.csv", VALIDATION_COLUMNS, csv_rows(blocks))):
        _write_new(out / name, cols, rows)
        counts[name] = len(rows)
    return counts


def _write_new(path: Path, columns: list[str], rows: list[list]) -> None:
    """Write via a temporary file and link it into place only if `path` is still free."""
    tmp = path.with_name(path.name + ".part")
    with open_private(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows(rows)
    try:
        os.link(tmp, path)  # fails if path appeared meanwhile: never overwrite
    except FileExistsError:
        raise StudyError(f"{path}: appeared while exporting; not overwritten") from None
    except OSError:
        if path.exists():
            raise StudyError(f"{path}: exists; not overwritten") from None
        os.replace(tmp, path)  # file systems without hard links
    finally:
        if tmp.exists():
            tmp.unlink()
