"""`gazetype validate`: a standalone validation of the tracker (accuracy, precision and
data loss at 5 or 9 targets; docs/validation.md). Prints a table, saves a JSON result."""
from __future__ import annotations

from gazetype.app.commands.common import (
    add_offset_arg,
    add_tracker_arg,
    add_validation_options,
    positive_ms,
    require_display,
)

DEFAULT_DWELL_MS = 1500


def add_arguments(p) -> None:
    add_tracker_arg(p, default="auto")
    add_validation_options(p)
    p.add_argument("--dwell-ms", type=positive_ms, default=DEFAULT_DWELL_MS / 1000, dest="dwell_s", metavar="N",
                   help=f"time each target stays, in ms (default {DEFAULT_DWELL_MS}; the first 500 are not measured)")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="JSON result to write (default: validation-<UTC time>.json here); never overwritten "
                        "unless --force")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_offset_arg(p, "sim: the simulated tracker's error")
    p.add_argument("--window", action="store_true", help="a window instead of full screen")
    p.add_argument("--screenshot", metavar="PNG", default=None,
                   help="save a picture of the screen while the third target shrinks (documentation)")


def _out_path(args):
    import datetime
    from pathlib import Path

    from gazetype.app.errors import UserError
    if args.out is None:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
        out = Path(f"validation-{stamp}.json")
    else:
        out = Path(args.out)
    if out.is_dir():
        raise UserError(f"{out}: is a folder; give a file name for the JSON result")
    if out.exists() and not args.force:
        raise UserError(f"{out}: exists; pass --force to replace it")
    if not out.parent.exists():
        raise UserError(f"{out.parent}: no such folder")
    return out


def main(args) -> int:
    from gazetype.app.commands.common import validation_config
    from gazetype.app.errors import UserError

    cfg = validation_config(args, targets="targets", dwell="dwell_s")
    out = _out_path(args)  # before the screen opens: a bad --out is one line, not a wasted validation
    if args.offset != "none" and args.tracker.split(":", 1)[0] != "sim":
        raise UserError("--offset is the simulated tracker's error: it needs --tracker sim")
    require_display()  # before Qt, which would abort with six lines
    import sys

    from gazetype.app import compose
    from gazetype.app.qt.validation_screen import run_standalone
    from gazetype.calibration.validation import ValidationSession, format_table
    from gazetype.tracker import registry
    from gazetype.tracker.base import TrackerError
    from gazetype.tracker.offset import parse_offset

    name = args.tracker
    if name == "auto":  # named before the window opens: the result says which tracker it measured
        name = registry.auto_choice()
        if name is None:
            raise TrackerError("no eye tracker found; connect one, or pass --tracker (mouse, sim, lsl:NAME, ...)")
    registry.get(name)  # an unknown name is one line, before a window opens

    def build(screen, cursor_pos):
        session = ValidationSession(screen, cfg, tracker=name)
        choice = compose.open_tracker(name, screen, None, cursor_pos=cursor_pos, fallback=False,
                                      validation=lambda: session, sim_offset=parse_offset(args.offset, screen))
        return choice.tracker, session

    shot_at_s = 0.5 + 2 * cfg.target_s + cfg.move_s + cfg.shrink_s * 0.4  # the third target, shrinking
    result, screen = run_standalone(build, fullscreen=not args.window, screenshot=args.screenshot,
                                    screenshot_at_s=shot_at_s)
    if result is None:
        print("gazetype validate: cancelled; nothing saved", file=sys.stderr)
        return 1
    print(format_table(result))
    print(f"tracker {name}; {screen.width_px}x{screen.height_px} px, {screen.px_per_deg:.1f} px/deg; "
          f"accuracy {_f(result.accuracy_deg)} deg, precision RMS-S2S {_f(result.rms_s2s_deg, 3)} deg, "
          f"SD {_f(result.sd_deg, 3)} deg, data loss {result.data_loss_pct:.1f} %")
    mode = "w" if args.force else "x"
    with open(out, mode, encoding="utf-8") as f:
        f.write(result.to_json())
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _f(v, nd=2) -> str:
    return "-" if v is None else f"{v:.{nd}f}"
