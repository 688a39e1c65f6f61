"""Argument types and helpers shared by subcommands."""
from __future__ import annotations

import argparse
import math

from gazetype.tracker.offset import OffsetSpecError, parse_offset  # noqa: F401  (re-exported)


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
    return v / 1000.0


def positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return v


def whole_number(minimum: int):
    """An argparse type: a whole number >= minimum."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {text}")
        return v
    return parse


def add_tracker_arg(p: argparse.ArgumentParser, default: str = "auto", extra: str = "") -> None:
    p.add_argument("--tracker", default=default, metavar="T",
                   help=f"gaze source: auto, mouse, sim, replay:FILE, lsl[:NAME], tobii{extra} (default: {default})")


def add_offset_arg(p: argparse.ArgumentParser, what: str = "an offset added to the tracker stream") -> None:
    p.add_argument("--offset", default="none", metavar="SPEC",
                   help=f"{what}: DX,DY px, '1,0.5deg', 'drift:60,0@120' or 'step:0,40@30' (default: none)")
