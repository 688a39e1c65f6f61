"""`gazetype replay`: run a recording through the live pipeline."""
from __future__ import annotations

import sys

from gazetype.app.commands.common import SPEED_X, positive_ms


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="a v1 recording (.jsonl, .jsonl.gz) or a LabRecorder file (.xdf)")
    speed = p.add_mutually_exclusive_group()
    speed.add_argument("--fast", action="store_true", help="as fast as possible (default without --show)")
    speed.add_argument("--speed", type=SPEED_X, metavar="X", help="X times real time")
    p.add_argument("--json", action="store_true", help="print one JSON object with the results")
    p.add_argument("--show", action="store_true", help="replay into a window, in real time")
    p.add_argument("--dwell-ms", type=positive_ms, default=1.0, dest="dwell_s", metavar="N",
                   help="dwell time for re-detecting selections (default 1000)")
    p.add_argument("--autocal", action=__import__("argparse").BooleanOptionalAction, default=False,
                   help="estimate and correct the tracker offset from reading (default: off)")
    p.add_argument("--quit-at-end", action="store_true", help=__import__("argparse").SUPPRESS)  # --show: close when done


def main(args) -> int:
    from gazetype.keyboard.dwell import DwellConfig
    from gazetype.pipeline.replay import replay

    speed = None if args.fast else args.speed
    if args.show:
        from gazetype.app.commands.common import require_display
        require_display()
        from gazetype.app.qt.replay_window import show_replay
        # What was replayed is printed when the window has replayed it all, as without --show.
        return show_replay(args.file, speed=speed or 1.0, dwell=DwellConfig(dwell_s=args.dwell_s),
                           autocal=args.autocal, on_finished=lambda res: _print(args, res),
                           quit_at_end=args.quit_at_end)
    res = replay(args.file, dwell=DwellConfig(dwell_s=args.dwell_s), autocal=args.autocal, speed=speed)
    _print(args, res)
    return 0


def _print(args, res) -> None:
    import json

    out = res.to_json(args.autocal)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{args.file}: {out['samples']} samples over {out['duration_s']} s "
              f"({out['valid_fraction'] * 100:.1f}% valid), {len(out['selections'])} selections, "
              f"typed {out['typed_text']!r}")
        if args.autocal:
            print(f"final offset estimate: {out['final_offset'][0]:+.1f}, {out['final_offset'][1]:+.1f} px")
    sys.stdout.flush()
