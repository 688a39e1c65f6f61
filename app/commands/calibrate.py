"""`gazetype calibrate`: the eye tracker's own calibration, where gazetype can run it
(Tobii through the SDK under Python 3.10, or through the Tobii bridge's stream). Any
other tracker answers in one line where its calibration is done (exit 2)."""
from __future__ import annotations

import argparse
import sys

from gazetype.app.commands.common import DURATION_S, add_tracker_arg, require_display


def _targets(text: str) -> int:
    if text not in ("5", "9"):
        raise argparse.ArgumentTypeError(f"5 or 9 targets, got {text[:40]!r}")
    return int(text)


def add_arguments(p) -> None:
    add_tracker_arg(p, default="auto")
    p.add_argument("--targets", type=_targets, default=9, metavar="N", help="5 or 9 targets (default 9)")
    p.add_argument("--wait", type=DURATION_S, default=5.0, metavar="S",
                   help="seconds to wait for the tracker (default 5)")
    p.add_argument("--no-validate", action="store_true",
                   help="skip the validation targets shown right after a successful calibration")
    p.add_argument("--out", default=None, metavar="FILE.json",
                   help="save that validation's result as JSON (refuses to overwrite)")
    p.add_argument("--quit-after", type=DURATION_S, default=None, metavar="S", help=argparse.SUPPRESS)


def open_calibration(name: str, wait_s: float = 5.0):
    """(tracker, its DeviceCalibration); a UserError (one line) when there is none."""
    from gazetype.app import compose
    from gazetype.app.errors import UserError
    from gazetype.tracker.base import TrackerError
    from gazetype.tracker.screen import Screen
    try:
        tracker = compose.open_tracker(name, Screen(), None, fallback=False, wait_s=wait_s,
                                       none_found="no eye tracker found (Tobii or an LSL gaze stream); "
                                                  "nothing to calibrate").tracker
    except TrackerError as e:
        if name == "auto":
            raise UserError(str(e)) from None
        raise
    if not tracker.may_calibrate:
        raise UserError(tracker.no_calibration_message())
    tracker.start()  # TrackerError (one line) when it cannot be found
    cal = tracker.calibration()
    if cal is None:
        msg = tracker.no_calibration_message()
        tracker.stop()
        raise UserError(msg)
    return tracker, cal


def main(args) -> int:
    import os

    from gazetype.app.errors import UserError
    if args.out is not None and os.path.exists(args.out):
        raise UserError(f"--out {args.out}: already exists; choose another name")
    tracker, cal = open_calibration(args.tracker, args.wait)
    result = None
    try:
        require_display()
        from gazetype.app.qt.calibration_screen import run_calibration
        outcome = run_calibration(cal, tracker.screen, args.targets, quit_after_s=args.quit_after)
        print(f"calibration {outcome.status}: {outcome.message}", flush=True)
        if outcome.ok and not args.no_validate:
            # Checked at once, as the vendors' tools do: accuracy and precision at targets.
            from gazetype.app.qt.validation_screen import run_validation
            result = run_validation(tracker, tracker.screen)
    finally:
        tracker.stop()
    if result is not None:
        from gazetype.calibration.validation import format_table
        print(format_table(result))
        if args.out is not None:
            with open(args.out, "x", encoding="utf-8") as f:
                f.write(result.to_json())
            print(f"wrote {args.out}", file=sys.stderr)
    return 0 if outcome.ok else 1
