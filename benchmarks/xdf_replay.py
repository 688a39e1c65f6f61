"""Replay speed of a LabRecorder-style XDF file vs the same session as a v1 recording.

Generates a simulated typing session (default 120 s at 120 Hz) through the live
pipeline, writes it as v1 JSON Lines and as XDF (gazetype's --lsl-out streams:
8-channel raw gaze + JSON event markers), then times `pipeline.replay.replay` on
each and checks both type the same text. Run from the repository root:
    python benchmarks/xdf_replay.py [--seconds 120]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.keyboard.model import KeyboardModel
from gazetype.pipeline.pipeline import GazePipeline
from gazetype.pipeline.replay import replay
from gazetype.pipeline.session import TypingSession
from gazetype.recording.v1 import Header, RecordingWriter
from gazetype.recording.xdfwrite import write_gazetype_xdf
from gazetype.sim.gaze import SimConfig, SimGaze
from gazetype.sim.typists import PhraseTypist
from gazetype.tracker.screen import Screen


class Collect:
    """A pipeline sink keeping what --lsl-out publishes on its raw and events streams."""

    def __init__(self):
        self.events = []

    def write(self, ev):
        self.events.append(ev)

    def write_corrected(self, s):
        pass  # the corrected stream is not part of the replayed file

    def close(self):
        pass


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=120.0)
    args = ap.parse_args()
    screen = Screen(1920, 1080)
    d = Path(tempfile.mkdtemp(prefix="gazetype-bench-"))
    sink = Collect()
    with RecordingWriter(d / "s.jsonl", Header(screen, 120.0, source="sim")) as w:
        model = KeyboardModel((0, 0, screen.width_px, screen.height_px))
        pipe = GazePipeline(DwellEngine(config=DwellConfig(dwell_s=1.0)), recorder=w, sinks=[sink])
        session = TypingSession(model, pipe)
        session.start(0.0)
        gaze = SimGaze(PhraseTypist(model, ["the quick brown fox", "jumps over the lazy dog"], 1.0), screen,
                       SimConfig(rate_hz=120.0, seed=1))
        for s in gaze.until(args.seconds):
            session.feed(s)
    write_gazetype_xdf(d / "s.xdf", sink.events, screen.to_dict(), 120.0, "bench")
    for name in ("s.jsonl", "s.xdf"):
        p = d / name
        t0 = time.perf_counter()
        r = replay(p, dwell=DwellConfig(dwell_s=1.0))
        dt = time.perf_counter() - t0
        print(f"{name:8s} {p.stat().st_size / 1e6:6.2f} MB: {r.samples} samples ({args.seconds:g} s of gaze) "
              f"replayed in {dt:.2f} s ({r.samples / dt:,.0f} samples/s), {len(r.selections)} selections, "
              f"typed {r.typed_text[:30]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
