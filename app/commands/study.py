"""`gazetype study run|export|report|status`: user studies (see docs/study.md)."""
from __future__ import annotations

import sys

from gazetype.app.commands.common import (
    SPEED_X,
    add_conditions_arg,
    add_tracker_arg,
    add_validate_args,
    positive_ms,
    validation_config,
    whole_number,
)
from gazetype.study.errors import StudyError


def _utc_now() -> str:
    from datetime import datetime, timezone
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="study_command", metavar="SUBCOMMAND", required=True)

    r = sub.add_parser("run", help="run (or resume) a participant's session",
                       description="Run a participant's transcription session: conditions in a balanced "
                                   "Latin-square order, practice phrases first. Re-running the same participant "
                                   "resumes at the next unfinished trial.")
    r.add_argument("--study", required=True, metavar="DIR", help="study folder (created if new or empty)")
    r.add_argument("--participant", required=True, metavar="ID", help="participant id, e.g. P01")
    add_tracker_arg(r, default="auto")
    add_conditions_arg(r)
    r.add_argument("--phrases", type=whole_number(0, 500), default=None, dest="n_phrases", metavar="N",
                   help="measured phrases per condition (default 8)")
    r.add_argument("--practice", type=whole_number(0, 100), default=None, dest="n_practice", metavar="N",
                   help="practice phrases at the start of each condition (default 2)")
    r.add_argument("--offset", default=None, metavar="SPEC",
                   help="offset induced in the miscalibrated and autocalibrated conditions: '0.6,0keys' (default: 0.6 "
                        "of the key pitch to the right, so gaze at a key's centre lands on its neighbour), '1.5,0deg', "
                        "'40,-20' px, 'drift:60,0@120', 'step:0,40@30'; times from the condition's start")
    r.add_argument("--phrase-file", default=None, metavar="FILE",
                   help="one phrase per line (default: the bundled phrase set)")
    r.add_argument("--index", type=whole_number(0, 100_000), default=None, metavar="N",
                   help="the participant's Latin-square index (default: the next free one)")
    r.add_argument("--lsl-out", action="store_true",
                   help="publish raw/corrected gaze and all events (trial markers too) to LSL; off by default")
    r.add_argument("--tlx", action="store_true", help="ask the raw NASA-TLX after each condition (window only)")
    r.add_argument("--dwell-ms", type=positive_ms, default=1.0, dest="dwell_s", metavar="N",
                   help="dwell time in ms (default 1000)")
    r.add_argument("--headless", action="store_true",
                   help="no window: a scripted typist types with --tracker sim (testing, demos)")
    r.add_argument("--speed", type=SPEED_X, default=None, metavar="X",
                   help="headless: X times real time (default: as fast as possible)")
    r.add_argument("--seed", type=whole_number(0, 2**31 - 1), default=0, help="headless: simulation seed")
    r.add_argument("-v", "--verbose", action="store_true", help="print each stored keystroke")
    add_validate_args(r)

    e = sub.add_parser("export", help="write trials.csv, keystrokes.csv, calibration.csv, questionnaire.csv, "
                                      "validation.csv")
    e.add_argument("dir", metavar="DIR", help="study folder")
    e.add_argument("--csv", required=True, metavar="OUT", help="folder to write the CSV files into (new files only)")

    rep = sub.add_parser("report", help="write a self-contained HTML report")
    rep.add_argument("dir", metavar="DIR", help="study folder")
    rep.add_argument("--out", required=True, metavar="FILE", help="HTML file to write, e.g. report.html")
    rep.add_argument("--force", action="store_true", help="replace FILE if it exists")

    s = sub.add_parser("status", help="list participants and their progress")
    s.add_argument("dir", metavar="DIR", help="study folder")

    fix = sub.add_parser("repair", help="rebuild keystrokes missing from the database from the recordings",
                         description="Compare each session's recording with the database and add the keystrokes, "
                                     "finished trials and conditions the database lacks (after study.sqlite-wal was "
                                     "deleted, say). Rows already there are never changed.")
    fix.add_argument("dir", metavar="DIR", help="study folder")


def main(args) -> int:
    return {"run": _run, "export": _export, "report": _report, "status": _status,
            "repair": _repair}[args.study_command](args)


# -- run -------------------------------------------------------------------------------
def _run(args) -> int:
    from gazetype.study.setup import RunOptions

    opts = RunOptions(study_dir=args.study, participant=args.participant, tracker=args.tracker,
                      conditions=args.conditions, n_phrases=args.n_phrases, n_practice=args.n_practice,
                      offset=args.offset, phrases_file=args.phrase_file, index=args.index, tlx=args.tlx,
                      dwell_s=args.dwell_s, validate=validation_config(args))
    if args.headless:
        opts.extra.update({"headless": True, "seed": args.seed})
        return _run_headless(args, opts)
    from gazetype.study.setup import check_run
    check_run(opts)  # bad input ends here, before a window opens
    from gazetype.app.commands.common import require_display
    require_display()
    from gazetype.app.qt.study_window import run_study_window
    return run_study_window(args, opts)


def _run_headless(args, opts) -> int:
    from gazetype import __version__
    from gazetype.sim.headless import run_headless
    from gazetype.study.runner import Phase
    from gazetype.study.setup import AUTOCAL_MISSING, autocal_missing, prepare_run
    from gazetype.tracker.screen import Screen

    if args.tracker.split(":", 1)[0] != "sim":
        raise StudyError(f"--headless needs --tracker sim (a real tracker needs a participant and the window), "
                         f"got {args.tracker!r}")
    if args.tlx:
        raise StudyError("--tlx needs the study window (the questionnaire is answered on screen); "
                         "drop --headless or --tlx")
    screen = Screen()
    ctx = prepare_run(opts, screen=screen, sample_rate_hz=120.0, now_utc=_utc_now(), app_version=__version__)
    if autocal_missing(ctx):
        print(f"warning: {AUTOCAL_MISSING}", file=sys.stderr)

    def on_key(k):
        if args.verbose:
            print(f"{ctx.participant.code} {k.condition} trial {k.trial_id} attempt {k.attempt} "
                  f"#{k.seq} {k.t_s:.3f}s {k.key!r} -> {k.text!r}", flush=True)

    status = "interrupted"
    runner = None
    try:
        runner, res = run_headless(ctx, screen=screen, dwell_s=args.dwell_s, seed=args.seed, speed=args.speed,
                                   on_key=on_key, validate=opts.validate)
    finally:
        if runner is not None:
            status = runner.close(_utc_now())
        else:
            ctx.store.end_session(ctx.session.id, "interrupted", _utc_now())
        code, rec = ctx.participant.code, ctx.session.recording_path
        ctx.close()
    if runner is not None:
        from gazetype.study.repair import check_saved
        check_saved(ctx.store.folder, ctx.session.id, runner.logged, rec)
    what = "new participant" if ctx.created else "resumed"
    print(f"{code} ({what}, index {ctx.participant.idx}): session {ctx.session.id} {status}; "
          f"{res.trials_done} trial(s) done, {res.keys} keystroke(s) in {res.sim_s:.0f} s of simulated time; "
          f"recording {rec}", file=sys.stderr)
    for cond, block, v in runner.validations if runner is not None else []:
        acc = "-" if v.accuracy_deg is None else f"{v.accuracy_deg:.2f} deg"
        off = "-" if v.offset_dx_px is None else f"{v.offset_dx_px:+.1f},{v.offset_dy_px:+.1f} px"
        print(f"  validation ({block} of {cond}): accuracy {acc}, offset {off}, "
              f"data loss {v.data_loss_pct:.1f} %", file=sys.stderr)
    return 0 if res.phase == Phase.FINISHED else 1


# -- export, report, status ----------------------------------------------------------------
def _export(args) -> int:
    from gazetype.study.export import export_csv

    counts = export_csv(args.dir, args.csv)
    print(f"wrote {', '.join(f'{n} ({c} rows)' for n, c in counts.items())} to {args.csv}", file=sys.stderr)
    return 0


def _report(args) -> int:
    from gazetype.study.report import write_report

    out = write_report(args.dir, args.out, force=args.force)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _repair(args) -> int:
    from gazetype.study.repair import repair_study

    results = repair_study(args.dir)
    if not results:
        print(f"{args.dir}: no sessions yet")
    for r in results:
        what = r.problem or (f"added {r.added} keystroke(s)" if r.added else "nothing missing")
        print(f"session {r.session_id}: {what} ({len(r.keys)} in {r.recording})")
    return 2 if any(r.problem and r.problem != "no recording" for r in results) else 0


def _status(args) -> int:
    from gazetype.study.db import StudyStore

    with StudyStore.open(args.dir, read_only=True) as store, store.reading():
        ps = store.participants()
        if not ps:
            print(f"{args.dir}: no participants yet")
        for p in ps:
            parts = []
            for c in store.conditions(p.id):
                ts = store.trials(c.id)
                n_done = sum(t.status == "done" for t in ts)
                parts.append(f"{c.name} {n_done}/{len(ts)}")
            sess = store.sessions(p.id)
            last = sess[-1].status if sess else "no session"
            print(f"{p.code} (index {p.idx}): {', '.join(parts)}; {len(sess)} session(s), last {last}")
    return 0
