"""Argument types and helpers shared by subcommands."""
from __future__ import annotations

import argparse
import math


def positive_ms(text: str) -> float:
    """A time in ms > 0, returned in seconds (the internal unit)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of milliseconds") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"must be more than 0 ms, got {text}")
    if v > 60000:
        raise argparse.ArgumentTypeError(f"{text} ms is over a minute; give the dwell time in milliseconds")
    if not v / 1000.0 > 0:  # 5e-324 ms is 0 s
        raise argparse.ArgumentTypeError(f"must be more than 0 ms, got {text} (too small to be a time)")
    return v / 1000.0


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return v


def number_in(lo: float, hi: float, unit: str = ""):
    """An argparse type: a number from lo (exclusive when 0) to hi (inclusive). Every
    numeric option has a range: a rate of 1e308 Hz or a duration of 1e9 s is a typo,
    not a request, and would hang or fill the disk."""
    u = f" {unit}" if unit else ""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (math.isfinite(v) and (v > lo if lo == 0 else v >= lo) and v <= hi):
            raise argparse.ArgumentTypeError(f"must be from {lo:g} to {hi:g}{u}, got {text}")
        return v
    return parse


RATE_HZ = number_in(1, 2000, "Hz")  # trackers sample at 30 to 1200 Hz
DURATION_S = number_in(0, 86400, "s")  # up to a day
SPEED_X = number_in(0.01, 10000, "x real time")


def whole_number(minimum: int, maximum: int = 1_000_000):
    """An argparse type: a whole number from minimum to maximum."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not minimum <= v <= maximum:
            raise argparse.ArgumentTypeError(f"must be from {minimum} to {maximum}, got {text[:40]}")
        return v
    return parse


def add_tracker_arg(p: argparse.ArgumentParser, default: str = "auto", extra: str = "") -> None:
    p.add_argument("--tracker", default=default, metavar="T",
                   help=f"gaze source: auto, mouse, sim, replay:FILE, lsl[:NAME], tobii{extra} (default: {default})")


def add_conditions_arg(p: argparse.ArgumentParser) -> None:
    """--conditions, its help listing every condition of study/design.py."""
    from gazetype.study.design import CONDITIONS, DEFAULT_CONDITIONS
    p.add_argument("--conditions", default=None, metavar="LIST",
                   help=f"comma-separated: {', '.join(CONDITIONS)} (default: {', '.join(DEFAULT_CONDITIONS)})")


def add_offset_arg(p: argparse.ArgumentParser, what: str = "an offset added to the tracker stream") -> None:
    p.add_argument("--offset", default="none", metavar="SPEC",
                   help=f"{what}: DX,DY px, '1,0.5deg', 'drift:60,0@120' or 'step:0,40@30' (default: none)")


NO_DISPLAY = "no display: set DISPLAY or use the headless commands (replay, simulate, study run --headless)"


def require_display() -> None:
    """Before Qt starts: with no display to open a window on, Qt aborts with six lines;
    say it in one (a UserError: exit code 2). Only X11/Wayland systems need one named."""
    import os
    import sys

    from gazetype.app.errors import UserError
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in (
            "offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise UserError(NO_DISPLAY)


def layout_name(text: str) -> str:
    """`--layout`: a shipped layout's name or a layout file (.json), checked now."""
    from gazetype.keyboard.layout import LayoutError, load_layout
    try:
        load_layout(text)
    except LayoutError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


VALIDATE_DWELL_MS = 1500


def validation_targets(text: str) -> int:
    if text not in ("5", "9"):
        raise argparse.ArgumentTypeError(f"must be 5 or 9 targets, got {text[:40]}")
    return int(text)


def add_validation_options(p: argparse.ArgumentParser) -> None:
    """--targets and --dwell-ms of a validation (`gazetype validate`, study --validate)."""
    p.add_argument("--targets", type=validation_targets, default=9, metavar="5|9",
                   help="validation targets: 9 (a 3x3 grid, default) or 5 (centre and corners)")


def add_validate_args(p: argparse.ArgumentParser) -> None:
    """`--validate` of study runs: validation blocks before and after each condition."""
    p.add_argument("--validate", action="store_true",
                   help="a validation (targets to look at) at the start and the end of each condition, stored "
                        "and drawn against the autocalibration's estimate in the report (docs/validation.md)")
    p.add_argument("--validate-targets", type=validation_targets, default=9, metavar="5|9",
                   help="with --validate: 9 targets (default) or 5")
    p.add_argument("--validate-dwell-ms", type=positive_ms, default=VALIDATE_DWELL_MS / 1000, dest="validate_dwell_s",
                   metavar="N", help=f"with --validate: ms per target (default {VALIDATE_DWELL_MS})")


def validation_config(args, targets: str = "validate_targets", dwell: str = "validate_dwell_s"):
    """The ValidationConfig asked for (None without --validate); a bad combination is one line."""
    if hasattr(args, "validate") and not args.validate:
        return None
    from gazetype.app.errors import UserError
    from gazetype.calibration.validation import ValidationConfig, ValidationError
    try:
        return ValidationConfig(n_targets=getattr(args, targets), dwell_s=getattr(args, dwell))
    except ValidationError as e:
        raise UserError(str(e)) from None
