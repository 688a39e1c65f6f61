"""Make a demo study of simulated participants (headless), e.g. for the report screenshot.

    python tools/demo_study.py DIR [--participants 6] [--phrases 8] [--offset 0.5,1.5deg] [--naive-autocal]

Without --naive-autocal the autocalibrated condition uses `calibration.make_calibrator`
(whatever the app ships). With it, a deliberately naive stand-in estimates the offset
as the smoothed median of (gaze - centre of the last typed word) for gaze near that
word: enough to draw the report's offset plots while the real estimator is built
elsewhere. Not part of the app; never use it for real data.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calibration import make_calibrator  # noqa: E402
from calibration.base import NullCalibrator  # noqa: E402
from study.headless import HeadlessRun  # noqa: E402
from study.setup import RunOptions, prepare_run  # noqa: E402
from tracker.events import OffsetEvent  # noqa: E402
from tracker.screen import Screen  # noqa: E402


class NaiveLastWordEstimator:
    """Stand-in autocalibration for demos: gaze within `gate_px` of the last typed word
    is taken as reading it; every `every_s` the median offset of that gaze moves the
    estimate halfway (needs `min_n` samples)."""

    def __init__(self, gate_px: float = 130.0, every_s: float = 0.5, min_n: int = 20) -> None:
        self.gate_px, self.every_s, self.min_n = gate_px, every_s, min_n
        self.word = None
        self.dx: list[float] = []
        self.dy: list[float] = []
        self.est: tuple[float, float] | None = None
        self.next_t: float | None = None

    def on_layout(self, ev) -> None:
        if ev.region == "output":
            self.word = ev.items[-1] if ev.items else None

    def on_select(self, ev) -> None:
        pass

    def update(self, s):
        if self.next_t is None:
            self.next_t = s.t_s + self.every_s
        w = self.word
        if s.valid and w is not None:
            ddx, ddy = s.x_px - w.cx_px, s.y_px - w.cy_px
            if ddx * ddx + ddy * ddy < self.gate_px ** 2:
                self.dx.append(ddx)
                self.dy.append(ddy)
        if s.t_s < self.next_t:
            return None
        self.next_t = s.t_s + self.every_s
        if len(self.dx) < self.min_n:
            return None
        mx, my = statistics.median(self.dx), statistics.median(self.dy)
        n = len(self.dx)
        self.dx, self.dy = [], []
        ex, ey = self.est or (0.0, 0.0)
        self.est = (ex + 0.5 * (mx - ex), ey + 0.5 * (my - ey))
        return OffsetEvent(s.t_s, self.est[0], self.est[1], None, n)


def naive_factory(screen, enabled):
    return NaiveLastWordEstimator() if enabled else NullCalibrator()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dir")
    p.add_argument("--participants", type=int, default=6)
    p.add_argument("--phrases", type=int, default=8)
    p.add_argument("--practice", type=int, default=2)
    p.add_argument("--offset", default="0.5,1.5deg")
    p.add_argument("--dwell-ms", type=float, default=600)
    p.add_argument("--naive-autocal", action="store_true")
    a = p.parse_args(argv)
    screen = Screen()
    factory = naive_factory if a.naive_autocal else make_calibrator
    for i in range(a.participants):
        code = f"P{i + 1:02d}"
        opts = RunOptions(a.dir, code, n_phrases=a.phrases, n_practice=a.practice, offset=a.offset,
                          dwell_s=a.dwell_ms / 1000, extra={"demo": True, "naive_autocal": a.naive_autocal})
        ctx = prepare_run(opts, screen=screen, sample_rate_hz=120.0, now_utc="demo")
        try:
            # Simulated participants differ a little: slips, care in fixing them.
            hr = HeadlessRun(ctx, screen=screen, dwell_s=opts.dwell_s, seed=i, slip_prob=0.02 + 0.01 * (i % 3),
                             fix_prob=0.9 - 0.05 * (i % 4), calibrator_factory=factory)
            res = hr.run()
            hr.runner.close("demo")
        finally:
            ctx.close()
        print(f"{code}: {res.phase.value}, {res.trials_done} trials, {res.sim_s:.0f} s simulated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
