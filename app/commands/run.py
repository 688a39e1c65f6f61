"""`gazetype run`: the keyboard window (the default command)."""
from __future__ import annotations

import argparse

from gazetype.app.commands.common import add_offset_arg, add_tracker_arg, layout_name, positive_ms, require_display


def add_arguments(p) -> None:
    add_tracker_arg(p, default="auto")
    p.add_argument("--dwell-ms", type=positive_ms, default=None, dest="dwell_s", metavar="N",
                   help="dwell time in ms (default: your saved setting, 1000 at first)")
    add_offset_arg(p, "an offset added to the tracker stream (to try autocalibration)")
    p.add_argument("--record", metavar="FILE", help="record gaze and events to this new file")
    p.add_argument("--lsl-out", action="store_true",
                   help="publish raw and corrected gaze and the app's events on Lab Streaming Layer "
                        "(off by default: gaze is personal data)")
    p.add_argument("--layout", type=layout_name, default=None, metavar="NAME",
                   help="keyboard layout: qwerty, alphabetic, ... or a .json file (default: your saved setting, "
                        "qwerty at first)")
    p.add_argument("--send", action="store_true",
                   help="also type the text into the focused application (X11: XTest; Wayland: /dev/uinput); "
                        "the keyboard window then never takes focus and stays on top")
    p.add_argument("--fullscreen", action="store_true",
                   help="start full screen (F11 toggles; the default when a real eye tracker is found)")
    p.add_argument("--autocal", action=argparse.BooleanOptionalAction, default=None,
                   help="estimate and correct the tracker offset while you read (default: on)")
    p.add_argument("--quit-after", type=float, default=None, metavar="S", help=argparse.SUPPRESS)
    p.add_argument("--screenshot", metavar="PNG", default=None, help=argparse.SUPPRESS)


def main(args) -> int:
    require_display()  # before Qt, which would abort with six lines
    from gazetype.app.qt.window import run_app
    return run_app(args)
