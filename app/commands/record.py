"""`gazetype record`: record a tracker's gaze (and, for sim, a typing session) to v1.
The work is in `record_impl` (imported when the command runs)."""
from __future__ import annotations

from gazetype.app.commands.common import (
    DURATION_S,
    RATE_HZ,
    add_offset_arg,
    add_tracker_arg,
    positive_ms,
    whole_number,
)


def add_arguments(p) -> None:
    add_tracker_arg(p, default="sim")
    p.add_argument("--duration", type=DURATION_S, required=True, metavar="S", help="seconds to record")
    p.add_argument("--out", required=True, metavar="FILE", help="recording to create (.jsonl or .jsonl.gz); never overwritten")
    p.add_argument("--screen", default="1920x1080", metavar="WxH", help="screen size in px: the keyboard display (default 1920x1080)")
    p.add_argument("--rate", type=RATE_HZ, default=120.0, metavar="HZ", help="sim sample rate (default 120)")
    p.add_argument("--seed", type=whole_number(0, 2**31 - 1), default=0, help="sim random seed")
    p.add_argument("--phrase", action="append", metavar="TEXT",
                   help="sim: type this phrase on a headless keyboard (repeatable); default: a demo phrase")
    p.add_argument("--dwell-ms", type=positive_ms, default=1.0, dest="dwell_s", metavar="N", help="dwell time (sim typing)")
    add_offset_arg(p, "sim: the tracker's error")
    p.add_argument("--script", choices=("typing", "compensating", "reading", "person"), default="typing",
                   help="sim: what the simulated person does: type the phrases open loop (default), "
                        "type them closed loop aiming off-key to compensate the tracker error, "
                        "read pages of text (--phrase gives the pages) with no keyboard, or be a simulated "
                        "participant (docs/simulation.md) typing the phrases once each")
    p.add_argument("--autocal", action="store_true",
                   help="sim: correct the tracker error live with autocalibration (records offset lines)")



def main(args) -> int:
    from gazetype.app.commands.record_impl import main as record

    return record(args)
