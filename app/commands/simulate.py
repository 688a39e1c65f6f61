"""`gazetype simulate`: simulated participants run the study protocol (see docs/simulation.md)."""
from __future__ import annotations

import sys

from gazetype.app.commands.common import (
    RATE_HZ,
    add_conditions_arg,
    add_validate_args,
    positive_ms,
    validation_config,
    whole_number,
)


def add_arguments(p) -> None:
    p.description = ("Simulated participants type the study's phrases by dwell, headless and much faster than "
                     "real time, under each condition (counterbalanced as for people). Prints the means over "
                     "participants per condition.")
    p.add_argument("--participants", type=whole_number(1, 1000), default=6, metavar="N", help="how many (default 6)")
    p.add_argument("--phrases", type=whole_number(1, 500), default=5, metavar="K",
                   help="measured phrases per condition (default 5)")
    p.add_argument("--practice", type=whole_number(0, 100), default=1, metavar="N",
                   help="practice phrases per condition (default 1)")
    p.add_argument("--seed", type=whole_number(0, 2**31 - 1), default=0, metavar="S", help="simulation seed (default 0)")
    p.add_argument("--offset", default=None, metavar="SPEC",
                   help="offset induced in the miscalibrated and autocalibrated conditions (default '0.6,0keys': 0.6 "
                        "of the key pitch to the right, so gaze at a key's centre lands on its neighbour; '1.5,0deg', "
                        "'114,0' px, 'drift:60,0@120', 'step:0,40@30')")
    add_conditions_arg(p)
    p.add_argument("--dwell-ms", type=positive_ms, default=1.0, dest="dwell_s", metavar="N",
                   help="dwell time in ms (default 1000)")
    p.add_argument("--rate", type=RATE_HZ, default=120.0, metavar="HZ",
                   help="simulated tracker's sample rate (default 120)")
    p.add_argument("--study", default=None, metavar="DIR",
                   help="write a normal study here (new, or an existing study to add participants to); "
                        "default: a temporary one, deleted afterwards")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    add_validate_args(p)


def main(args) -> int:
    import json
    import tempfile
    from datetime import datetime, timezone

    from gazetype import __version__
    from gazetype.sim.study import SimStudyConfig, format_table, run_simulated_study

    cfg = SimStudyConfig(participants=args.participants, phrases=args.phrases, practice=args.practice,
                         seed=args.seed, offset=args.offset, conditions=args.conditions, dwell_s=args.dwell_s,
                         rate_hz=args.rate, validate=validation_config(args))
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def progress(sp) -> None:
        print(f"{sp.code}: {sp.phase}, {sp.trials_done} trials, {sp.keys} keystrokes, "
              f"{sp.sim_s:.0f} s simulated", file=sys.stderr, flush=True)

    if args.study:
        res = run_simulated_study(args.study, cfg, now_utc=now, app_version=__version__, on_participant=progress)
    else:
        with tempfile.TemporaryDirectory(prefix="gazetype-sim-") as d:
            res = run_simulated_study(d + "/study", cfg, now_utc=now, app_version=__version__,
                                      on_participant=progress)
            res.study_dir = None
    if args.json:
        print(json.dumps(res.to_json()))
    else:
        print(format_table(res))
        where = f"; study in {args.study}" if args.study else ""
        print(f"{len(res.participants)} simulated participant(s), {res.wall_s:.1f} s{where}", file=sys.stderr)
    return 0
