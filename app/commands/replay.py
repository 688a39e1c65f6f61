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
    p.add_argument("--dwell-ms", type=positive_ms, default=None, dest="dwell_s", metavar="N",
                   help="replay with this dwell time instead (default: as recorded)")
    p.add_argument("--autocal", action=__import__("argparse").BooleanOptionalAction, default=None,
                   help="replay with the offset correction on or off (default: as recorded)")
    p.add_argument("--quit-at-end", action="store_true", help=__import__("argparse").SUPPRESS)  # --show: close when done


def main(args) -> int:
    from gazetype.keyboard.dwell import DwellConfig
    from gazetype.pipeline.replay import replay

    speed = None if args.fast else args.speed
    dwell = None if args.dwell_s is None else DwellConfig(dwell_s=args.dwell_s)
    if args.show:
        from gazetype.app.commands.common import require_display
        require_display()
        from gazetype.app.qt.replay_window import show_replay
        # What was replayed is printed when the window has replayed it all, as without --show.
        return show_replay(args.file, speed=speed or 1.0, dwell=dwell, autocal=args.autocal,
                           on_finished=lambda res: _print(args, res), quit_at_end=args.quit_at_end)
    res = replay(args.file, dwell=dwell, autocal=args.autocal, speed=speed)
    _print(args, res)
    return 0


def _print(args, res) -> None:
    import json

    out = res.to_json()
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{args.file}: {out['samples']} samples over {out['duration_s']} s "
              f"({out['valid_fraction'] * 100:.1f}% valid), {len(out['selections'])} selections, "
              f"typed {out['typed_text']!r}")
        if "final_offset" in out:
            print(f"final offset estimate: {out['final_offset'][0]:+.1f}, {out['final_offset'][1]:+.1f} px")
    sys.stdout.flush()
