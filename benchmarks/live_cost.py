"""What the live keyboard costs: CPU and input latency of `gazetype run` in a real
window (Xvfb, the xcb platform), fed by a synthetic LSL gaze stream (issue 15).

For each input (the mouse with nothing happening, and an LSL stream at 120, 600 and
1200 Hz of binocular gaze making fixations of 0.2 to 0.8 s at random places on the
screen, with 10 px of noise), it starts the app as a user would
(`python -m gazetype run --tracker lsl:NAME`: samples handed to the GUI thread at most
every `GazeController.BATCH_S`), lets it settle, then reads the process's CPU time
from /proc over `--seconds`: in all, on the GUI (main) thread, and on the other
threads; % of one core. Median of `--runs` runs.

Latency, with `--lsl-out` (a sink that needs each sample at once: handed over as it
arrives): every pushed sample's LSL time stamp is matched with the app's "corrected
gaze" outlet (the sample after offset correction, what the dwell engine saw), read
by a thread of this process: receive time minus push time, both `pylsl.local_clock()`.
It includes two LSL hops (stream in, stream out; ~0.1 ms each on loopback).
"First second": push to an `LslTracker`'s callback in this process for the samples
pushed in the first second after it connected (a late batch shows as a large max).
"Handed over at most every ...": the same from 1 to 4 s, the tracker handing samples
over at most once per `GazeController.BATCH_S`, as the app does without sinks: the
wait that batching adds.

    python benchmarks/live_cost.py [--seconds 30] [--runs 3] [--rates 0,120,600,1200]
"""
from __future__ import annotations

import argparse
import bisect
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LSLAPICFG", str(ROOT / "tests" / "lsl_loopback.cfg"))

import pylsl  # noqa: E402

from gazetype.app.qt.controller import GazeController  # noqa: E402
from gazetype.tracker.gazechannels import add_gaze_desc, gaze_channels  # noqa: E402
if __package__:
    from benchmarks.xvfb import start_xvfb as _start_xvfb
else:  # run as a script: benchmarks/ itself is on sys.path
    from xvfb import start_xvfb as _start_xvfb  # type: ignore[no-redef]


BATCH_S = GazeController.BATCH_S  # the app's hand-over period without sinks

CLK_TCK = os.sysconf("SC_CLK_TCK")
W, H = 1280, 800


def start_xvfb() -> tuple[subprocess.Popen, str]:
    return _start_xvfb("live_cost", range(150, 250), (W, H))


def cpu_ticks(pid: int) -> tuple[int, int]:
    """(process, main thread) utime+stime in clock ticks."""
    def ticks(path: str) -> int:
        with open(path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    return ticks(f"/proc/{pid}/stat"), ticks(f"/proc/{pid}/task/{pid}/stat")


class Pusher(threading.Thread):
    """A binocular gaze stream at `rate_hz`: fixations at random places."""

    def __init__(self, rate_hz: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.name_ = f"bench-live-{uuid.uuid4().hex[:8]}"
        info = pylsl.StreamInfo(self.name_, "Gaze", 8, rate_hz, pylsl.cf_double64, self.name_)
        add_gaze_desc(info, gaze_channels("pixels"), None)
        self.outlet = pylsl.StreamOutlet(info)
        self.rate_hz = rate_hz
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.stamps: list[float] = []  # push time = LSL time stamp (local_clock)

    def run(self) -> None:
        period = 1.0 / self.rate_hz
        rng = self.rng
        fx, fy, fix_end = W / 2, H / 2, 0.0
        t_next = pylsl.local_clock()
        while not self.stop.is_set():
            t_next += period
            while True:
                d = t_next - pylsl.local_clock()
                if d <= 0:
                    break
                time.sleep(min(d, 0.0005) if d > 0.0002 else 0)
            now = pylsl.local_clock()
            if now >= fix_end:
                fx, fy = rng.uniform(50, W - 50), rng.uniform(50, H - 50)
                fix_end = now + rng.uniform(0.2, 0.8)
            x, y = fx + rng.gauss(0, 10), fy + rng.gauss(0, 10)
            # the sample's index + 1 as the left pupil: a consumer can tell which it got
            self.outlet.push_sample([x, y, x - 5, y, x + 5, y, len(self.stamps) + 1.0, 3.6], now)
            self.stamps.append(now)


class Receiver(threading.Thread):
    """Reads the app's corrected-gaze outlet; records (stamp, receive time)."""

    def __init__(self, after: float) -> None:
        super().__init__(daemon=True)
        self.after = after
        self.stop = threading.Event()
        self.got: list[tuple[float, float]] = []
        self.connected = threading.Event()

    def run(self) -> None:
        inlet = None
        while inlet is None and not self.stop.is_set():
            found = [i for i in pylsl.resolve_byprop("type", "Gaze", timeout=0.5)
                     if i.name().endswith("corrected gaze") and i.created_at() >= self.after - 1]
            if found:
                newest = max(found, key=lambda i: i.created_at())
                inlet = pylsl.StreamInlet(newest)
                inlet.open_stream(timeout=5)
        self.connected.set()
        while not self.stop.is_set():
            _, ts = inlet.pull_sample(timeout=0.1)
            if ts is not None:
                self.got.append((ts, pylsl.local_clock()))


def latencies(push: list[float], got: list[tuple[float, float]], t0: float, t1: float) -> list[float]:
    """ms from push to receipt for received samples pushed in [t0, t1)."""
    out = []
    for ts, recv in got:
        i = bisect.bisect_left(push, ts)
        best = min((push[j] for j in (i - 1, i) if 0 <= j < len(push)), key=lambda p: abs(p - ts), default=None)
        if best is not None and abs(best - ts) < 2e-4 and t0 <= best < t1:
            out.append((recv - best) * 1000)
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def first_second(rate_hz: float, seed: int, batch_s: float = 0.0, window_s: tuple[float, float] = (0.0, 1.0)) -> list[float]:
    """ms from push to the tracker's callback for the samples pushed in `window_s` (s after
    the first sample received; default the first second) after an `LslTracker` (in this
    process, handing samples over at most once per `batch_s`) connected to a stream already
    sending (the sample's index travels as its left pupil)."""
    from gazetype.tracker.lsl import LslTracker
    pusher = Pusher(rate_hz, seed)
    pusher.start()
    time.sleep(0.5)
    got: list[tuple[int, float]] = []

    def on_sample(s) -> None:
        if s.left is not None and s.left.pupil_mm is not None:
            got.append((int(s.left.pupil_mm) - 1, pylsl.local_clock()))

    tr = LslTracker(arg=pusher.name_, wait_s=10)
    tr.batch_s = batch_s
    tr.start(callback=on_sample)
    time.sleep(window_s[1] + 0.5)
    tr.stop()
    pusher.stop.set()
    if not got:
        return []
    stamps = pusher.stamps
    t_first = stamps[got[0][0]]
    return [(r - stamps[k]) * 1000 for k, r in got if window_s[0] <= stamps[k] - t_first <= window_s[1]]


def one_run(display: str, rate_hz: float, seconds: float, settle_s: float, seed: int, lsl_out: bool) -> dict:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb",
               GAZETYPE_CONFIG_DIR=tempfile.mkdtemp(prefix="gt-live-cfg-"),
               GAZETYPE_DATA_DIR=tempfile.mkdtemp(prefix="gt-live-data-"))
    env.pop("QT_QPA_PLATFORMTHEME", None)
    pusher = receiver = None
    if rate_hz > 0:
        pusher = Pusher(rate_hz, seed)
        pusher.start()
        cmd = [sys.executable, "-m", "gazetype", "run", "--tracker", f"lsl:{pusher.name_}"]
        if lsl_out:
            cmd.append("--lsl-out")
            receiver = Receiver(after=pylsl.local_clock())
    else:
        cmd = [sys.executable, "-m", "gazetype", "run", "--tracker", "mouse"]
    app = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    res: dict = {}
    try:
        if receiver is not None:
            receiver.start()
            if not receiver.connected.wait(30):
                raise RuntimeError("the app's corrected-gaze outlet did not appear")
        time.sleep(settle_s)
        if app.poll() is not None:
            raise RuntimeError(f"the app ended: {app.stderr.read().decode(errors='replace')[-400:]}")
        p0, g0 = cpu_ticks(app.pid)
        w0 = time.monotonic()
        t_meas0 = pylsl.local_clock()
        time.sleep(seconds)
        p1, g1 = cpu_ticks(app.pid)
        wall = time.monotonic() - w0
        t_meas1 = pylsl.local_clock()
        res["cpu"] = (p1 - p0) / CLK_TCK / wall * 100
        res["gui"] = (g1 - g0) / CLK_TCK / wall * 100
        res["other"] = res["cpu"] - res["gui"]
        if receiver is not None:
            time.sleep(0.2)
            got = list(receiver.got)
            push = list(pusher.stamps)
            res["lat"] = latencies(push, got, t_meas0, t_meas1 - 0.2)
            res["pushed"] = sum(1 for p in push if t_meas0 <= p < t_meas1 - 0.2)
    finally:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()
        for th in (pusher, receiver):
            if th is not None:
                th.stop.set()
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="measuring time per run (s)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--settle", type=float, default=6.0, help="seconds after start before measuring")
    ap.add_argument("--rates", default="0,120,600,1200", help="0 = the mouse, nothing happening")
    args = ap.parse_args()
    xvfb, display = start_xvfb()
    rates = [float(r) for r in args.rates.split(",")]
    print(f"Python {sys.version.split()[0]}, pylsl {pylsl.__version__}, {os.cpu_count()} CPUs; "
          f"Xvfb {W}x{H}; {args.runs} runs of {args.seconds:g} s each; CPU in % of one core, median of the runs")
    try:
        print("CPU, as a user runs it (no --lsl-out):")
        print(f"  {'input':<12} {'app CPU':>8} {'GUI thread':>11} {'other':>7}   runs")
        for rate in rates:
            runs = [one_run(display, rate, args.seconds, args.settle, k, lsl_out=False) for k in range(args.runs)]
            med = {k: statistics.median(r[k] for r in runs) for k in ("cpu", "gui", "other")}
            label = "mouse, idle" if rate == 0 else f"lsl {rate:g} Hz"
            print(f"  {label:<12} {med['cpu']:7.1f}% {med['gui']:10.1f}% {med['other']:6.1f}%   "
                  + " ".join(f"{r['cpu']:.1f}" for r in runs), flush=True)
        print("Latency, LSL in -> corrected gaze LSL out (--lsl-out; two LSL hops), and the CPU then:")
        print(f"  {'input':<12} {'median':>7} {'p95':>7} {'max':>7} (ms)  samples    app CPU")
        for rate in (r for r in rates if r > 0):
            runs = [one_run(display, rate, args.seconds, args.settle, k, lsl_out=True) for k in range(args.runs)]
            lat = [x for r in runs for x in r["lat"]]
            got, pushed = len(lat), sum(r["pushed"] for r in runs)
            cpu = statistics.median(r["cpu"] for r in runs)
            print(f"  lsl {rate:<8g} {statistics.median(lat):7.3f} {pct(lat, 0.95):7.3f} {max(lat):7.1f}       "
                  f"{got}/{pushed}  {cpu:6.1f}%", flush=True)
        print("The first second after the tracker connects (push -> tracker callback, in process):")
        for rate in (r for r in rates if r > 0):
            lat = [x for k in range(args.runs) for x in first_second(rate, k)]
            print(f"  lsl {rate:<8g} median {statistics.median(lat):.3f} ms, p95 {pct(lat, 0.95):.3f} ms, "
                  f"max {max(lat):.1f} ms ({len(lat)} samples)", flush=True)
        # Without a sink that needs each sample at once (no --lsl-out), the app has the
        # tracker hand samples over at most once per BATCH_S: this is the wait that adds.
        print(f"Handed over at most every {BATCH_S * 1000:g} ms (batch_s, as `gazetype run` without --lsl-out), "
              "push -> tracker callback, 1 to 4 s after connecting:")
        for rate in (r for r in rates if r > 0):
            lat = [x for k in range(args.runs) for x in first_second(rate, k, BATCH_S, (1.0, 4.0))]
            print(f"  lsl {rate:<8g} median {statistics.median(lat):.3f} ms, p95 {pct(lat, 0.95):.3f} ms, "
                  f"max {max(lat):.1f} ms ({len(lat)} samples)", flush=True)
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
