"""LSL input/output figures on loopback: what `--tracker lsl` and `--lsl-out` cost.

Prints, for a gaze outlet pushing at 120 and 600 Hz for a few seconds:
  * transport latency: push -> the tracker's sample callback (median, p95, max, ms);
  * read latency: push -> `tracker.read()` polled every 1 ms (what a GUI loop sees);
  * timestamp error: sample t_s (LSL time + time_correction) - push time (ms);
  * samples lost;
and the publisher's cost per sample (raw + corrected + one marker per 10 samples).
Run from the repository root:  python benchmarks/lsl_latency.py [--seconds 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LSLAPICFG", str(ROOT / "tests" / "lsl_loopback.cfg"))

import pylsl  # noqa: E402

from gazetype.pipeline.lslout import LslPublisher  # noqa: E402
from gazetype.tracker.events import MarkerEvent  # noqa: E402
from gazetype.tracker.gazechannels import add_gaze_desc, gaze_channels  # noqa: E402
from gazetype.tracker.lsl import LslTracker  # noqa: E402
from gazetype.tracker.sample import GazeSample  # noqa: E402
from gazetype.tracker.screen import Screen  # noqa: E402


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def run_input(rate_hz: float, seconds: float, mode: str) -> dict:
    name = f"bench-{uuid.uuid4().hex[:6]}"
    info = pylsl.StreamInfo(name, "Gaze", 2, rate_hz, pylsl.cf_double64, name)
    add_gaze_desc(info, gaze_channels("pixels", eyes=False), None)
    out = pylsl.StreamOutlet(info)
    pushed: dict[int, tuple[float, float]] = {}
    lat, ts_err = [], []

    def on_sample(s: GazeSample) -> None:
        now = time.monotonic()
        k = int(s.x_px)
        if k in pushed:
            wall, lsl_t = pushed[k]
            lat.append((now - wall) * 1000)
            ts_err.append((s.t_s - lsl_t) * 1000)

    tr = LslTracker(Screen(), arg=name, wait_s=5)
    if mode == "callback":
        tr.start(callback=on_sample)
    else:
        tr.start()
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            for s in tr.read():
                on_sample(s)
            time.sleep(0.001)

    poller = threading.Thread(target=poll, daemon=True)
    if mode == "read":
        poller.start()
    period = 1.0 / rate_hz
    n = int(seconds * rate_hz)
    t_next = time.monotonic()
    for k in range(n):
        t_next += period
        while time.monotonic() < t_next:
            time.sleep(min(0.0005, max(0.0, t_next - time.monotonic())))
        lsl_t = pylsl.local_clock()
        pushed[k] = (time.monotonic(), lsl_t)
        out.push_sample([float(k), 1.0], lsl_t)
    time.sleep(0.3)
    stop.set()
    if mode == "read":
        poller.join()
    tr.stop()
    return {"n": n, "got": len(lat), "lat": lat, "ts_err": ts_err}


def run_output(seconds: float) -> dict:
    pub = LslPublisher(Screen(), prefix=f"bench-{uuid.uuid4().hex[:6]}", rate_hz=120.0)
    n = int(seconds * 1000)
    t0 = time.perf_counter()
    for k in range(n):
        s = GazeSample(k / 120, 100.0 + k % 500, 300.0, True)
        pub.write(s)
        pub.write_corrected(s)
        if k % 10 == 0:
            pub.write(MarkerEvent(k / 120, "bench", {"k": k}))
    dt = time.perf_counter() - t0
    pub.close()
    return {"n": n, "us_per_sample": dt / n * 1e6}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    print(f"pylsl {pylsl.__version__}, liblsl {pylsl.library_version()}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")
    for rate in (120.0, 600.0):
        for mode in ("callback", "read"):
            r = run_input(rate, args.seconds, mode)
            lat, err = r["lat"], r["ts_err"]
            print(f"lsl in  {rate:5.0f} Hz {mode:8s}: {r['got']}/{r['n']} samples, latency median "
                  f"{statistics.median(lat):.3f} ms, p95 {pct(lat, 0.95):.3f} ms, max {max(lat):.3f} ms; "
                  f"timestamp error median {statistics.median(err):+.4f} ms, max |err| "
                  f"{max(abs(e) for e in err):.4f} ms")
    o = run_output(args.seconds)
    print(f"lsl out: {o['us_per_sample']:.1f} us per sample (raw + corrected + 0.1 marker), {o['n']} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
