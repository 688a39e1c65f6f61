"""`gazetype tobii-bridge`: publish a Tobii tracker as an LSL gaze stream.

Run it under Python 3.10 with the extra (`pip install 'gazetype[tobii]'`): the
Tobii SDK has no wheels for other versions. Any gazetype, on any Python, then
reads the tracker with `--tracker lsl:Tobii`. Imports no Qt."""
from __future__ import annotations

import sys

from gazetype.app.commands.common import DURATION_S


def add_arguments(p) -> None:
    p.add_argument("--device", metavar="SERIAL", default=None,
                   help="serial number or address of the tracker (default: the first found)")
    p.add_argument("--name", default="Tobii", help="LSL stream name (default: Tobii)")
    p.add_argument("--wait", type=DURATION_S, default=5.0, metavar="S",
                   help="seconds to wait for the tracker at start (default 5)")
    p.add_argument("--duration", type=DURATION_S, default=None, metavar="S",
                   help="stop after S seconds (default: run until Ctrl-C)")


def main(args) -> int:
    from gazetype.tracker.tobiibridge import run_bridge

    def log(msg: str) -> None:
        print(f"tobii-bridge: {msg}", file=sys.stderr, flush=True)

    run_bridge(args.device, args.name, duration_s=args.duration, wait_s=args.wait, log=log)
    return 0
