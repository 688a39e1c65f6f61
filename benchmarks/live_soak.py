"""A live soak (issue 23, item 6): the real keyboard window for `--minutes` (default 30),
fed by an LSL gaze stream at 120 Hz from a separate process, reporting by the minute
the window's memory (RSS), its CPU and the samples it lost.

The window is `gazetype run` as a user starts it (a subprocess, in Xvfb with the xcb
platform, 1280 x 800; `--platform offscreen` needs no X server), with
`--tracker lsl:NAME --record FILE`: the recording is how the window reports what it
received, one line for every sample the pipeline was fed. The stream comes from a
second process (this script with `--outlet`), binocular, 8 channels in pixels, whose
left pupil channel carries the sample's index + 1: each recorded sample says which it
was, so a lost sample is one whose index never shows up in the recording.

The gaze wanders over the keys (fixations of 0.2 to 0.8 s on random keys, so keys light
up and their dwell rings start to fill) and over the typed text, and every 6 to 12 s
rests 1.6 s on a letter or the space bar, long enough for a dwell (1000 ms after a
lock-on of 150 ms, the defaults) to type it; now and then "done" or a backspace. The
keys' boxes are read from the window's own recording (its keyboard layout events), so
the eyes aim at the keys where the window drew them.

Per minute: the window's RSS (VmRSS, MB) at the minute's end, its CPU (% of one core)
over the minute, samples sent in the minute and how many of those the window recorded
(lost = sent - recorded; counted 2 s after the minute, when they have long arrived),
selections the window made. At the end, the goals: RSS growth under 5 MB (from the end
of the first minute to the end), no sample lost.

    python benchmarks/live_soak.py [--minutes 30] [--rate 120] [--json PATH] [--platform xcb|offscreen]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

if __package__:
    from benchmarks.xvfb import start_xvfb as _start_xvfb
else:  # run as a script: benchmarks/ itself is on sys.path
    from xvfb import start_xvfb as _start_xvfb  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("LSLAPICFG", str(ROOT / "tests" / "lsl_loopback.cfg"))

CLK_TCK = os.sysconf("SC_CLK_TCK")
W, H = 1280, 800
LETTERS = set("abcdefghijklmnopqrstuvwxyz")


# -- the outlet process ---------------------------------------------------------------
def outlet_main(name: str, rate_hz: float, targets_path: Path, seed: int) -> int:
    """Push gaze at `rate_hz` until stdin closes; print "n_sent local_clock" twice a second."""
    import pylsl

    from gazetype.tracker.gazechannels import add_gaze_desc, gaze_channels

    info = pylsl.StreamInfo(name, "Gaze", 8, rate_hz, pylsl.cf_double64, name)
    add_gaze_desc(info, gaze_channels("pixels"), None)
    outlet = pylsl.StreamOutlet(info)
    rng = random.Random(seed)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    keys: dict[str, list[float]] = {}
    text_box = (0.0, 0.0, float(W), 0.3 * H)
    mtime = 0.0

    def load_targets() -> None:
        nonlocal keys, text_box, mtime
        try:
            m = targets_path.stat().st_mtime
            if m != mtime:
                d = json.loads(targets_path.read_text())
                keys, text_box, mtime = d["keys"], tuple(d["text_box"]), m
        except (OSError, ValueError, KeyError):
            pass

    def centre(box) -> tuple[float, float]:
        return 0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3])

    period = 1.0 / rate_hz
    n = 0
    fx, fy, fix_end = W / 2, H / 2, 0.0
    next_dwell = pylsl.local_clock() + rng.uniform(6, 12)
    t_next = pylsl.local_clock()
    t_report = t_next
    while not stop.is_set():
        t_next += period
        while True:
            d = t_next - pylsl.local_clock()
            if d <= 0:
                break
            time.sleep(min(d, 0.0005) if d > 0.0002 else 0)
        now = pylsl.local_clock()
        if now >= fix_end:
            load_targets()
            if keys and now >= next_dwell:
                r = rng.random()
                want = "done" if r < 0.05 else "backspace" if r < 0.12 else "space" if r < 0.3 else \
                    rng.choice(sorted(k for k in keys if k in LETTERS) or sorted(keys))
                box = keys.get(want) or keys[rng.choice(sorted(keys))]
                fx, fy = centre(box)
                fix_end = now + 1.6
                next_dwell = now + rng.uniform(6, 12)
            elif keys and rng.random() < 0.8:
                fx, fy = centre(keys[rng.choice(sorted(keys))])
                fix_end = now + rng.uniform(0.2, 0.8)
            else:  # the typed text
                x0, y0, x1, y1 = text_box
                fx, fy = rng.uniform(x0 + 20, max(x0 + 21, x1 - 20)), rng.uniform(y0 + 10, max(y0 + 11, y1 - 10))
                fix_end = now + rng.uniform(0.15, 0.4)
        x, y = fx + rng.gauss(0, 6), fy + rng.gauss(0, 6)
        n += 1
        outlet.push_sample([x, y, x - 3, y, x + 3, y, float(n), 3.6], now)
        if now >= t_report:
            print(n, now, flush=True)
            t_report = now + 0.5
    print(n, pylsl.local_clock(), flush=True)
    return 0


# -- the soak -----------------------------------------------------------------------
def start_xvfb() -> tuple[subprocess.Popen, str]:
    return _start_xvfb("live_soak", range(250, 350), (W, H))


def proc_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class RecordingTail:
    """Reads the window's recording as it grows: the indices of the samples received
    (their left pupil), selections, and the keys' boxes and the text's place (written
    to `targets` for the outlet)."""

    def __init__(self, path: Path, targets: Path) -> None:
        self.path, self.targets = path, targets
        self._fh = None
        self._part = ""
        self.received: list[int] = []  # sample indices (1-based), in arrival order
        self.lines = self.selections = self.bad = 0
        self._keys: dict = {}
        self._text_box = (0.0, 0.0, float(W), 0.3 * H)

    def poll(self) -> None:
        if self._fh is None:
            if not self.path.exists():
                return
            self._fh = open(self.path, encoding="utf-8")
        chunk = self._fh.read()
        if not chunk:
            return
        data = self._part + chunk
        lines = data.split("\n")
        self._part = lines.pop()
        for line in lines:
            self.lines += 1
            try:
                d = json.loads(line)
            except ValueError:
                self.bad += 1
                continue
            kind = d.get("type")
            if kind == "gaze":
                p = (d.get("left") or {}).get("pupil_mm")
                if p is not None:
                    self.received.append(int(round(p)))
            elif kind == "select":
                self.selections += 1
            elif kind == "layout" and d.get("region") in ("keyboard", "output"):
                self._targets(d)

    def _targets(self, d: dict) -> None:
        if d["region"] == "keyboard":
            self._keys = {it["text"]: it["box"] for it in d["items"]}
        elif d.get("caret"):
            c = d["caret"]
            self._text_box = (0.0, 0.0, max(c[2], 200.0), c[3])
        tmp = self.targets.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": self._keys, "text_box": self._text_box}))
        os.replace(tmp, self.targets)


def soak(minutes: float, rate_hz: float, plat: str, settle_s: float, out=print) -> dict:
    work = Path(tempfile.mkdtemp(prefix="gt-soak-"))
    rec_path, targets = work / "soak.jsonl", work / "targets.json"
    name = f"soak-{uuid.uuid4().hex[:8]}"
    xvfb = None
    env = dict(os.environ, GAZETYPE_CONFIG_DIR=str(work / "cfg"), GAZETYPE_DATA_DIR=str(work / "data"))
    env.pop("QT_QPA_PLATFORMTHEME", None)
    if plat == "xcb":
        xvfb, display = start_xvfb()
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    outlet = subprocess.Popen([sys.executable, __file__, "--outlet", name, "--rate", str(rate_hz),
                               "--targets", str(targets)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, cwd=ROOT)
    sent = [0]

    def read_sent() -> None:
        for line in outlet.stdout:
            try:
                sent[0] = int(line.split()[0])
            except (ValueError, IndexError):
                pass
    threading.Thread(target=read_sent, daemon=True).start()
    app = subprocess.Popen([sys.executable, "-m", "gazetype", "run", "--tracker", f"lsl:{name}", "--record", str(rec_path)],
                           env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(work / "app.stderr", "w"))
    tail = RecordingTail(rec_path, targets)
    rows: list[dict] = []
    out(f"live soak: `gazetype run --tracker lsl:{name} --record` ({plat}, {W}x{H}) fed {rate_hz:g} Hz from a separate "
        f"process, {minutes:g} min; Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    try:
        # Wait until the window records samples, then let it settle.
        deadline = time.monotonic() + 60
        while not tail.received:
            if app.poll() is not None:
                raise RuntimeError(f"the app ended: {(work / 'app.stderr').read_text()[-600:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the window recorded no sample within 60 s")
            time.sleep(0.2)
            tail.poll()
        time.sleep(settle_s)
        tail.poll()
        out(f"{'min':>4} {'RSS MB':>8} {'CPU %':>6} {'sent':>6} {'recorded':>8} {'lost':>5} {'selections':>10}")
        t0 = time.monotonic()
        ticks0, idx0, sel0 = proc_ticks(app.pid), sent[0], tail.selections
        rss_start = proc_rss_mb(app.pid)
        n_min = int(round(minutes))
        for m in range(1, n_min + 1):
            t_mark = t0 + 60.0 * m
            while time.monotonic() < t_mark:
                time.sleep(min(0.5, max(0.0, t_mark - time.monotonic())))
                tail.poll()
                if app.poll() is not None:
                    raise RuntimeError(f"the app ended: {(work / 'app.stderr').read_text()[-600:]}")
            ticks, idx = proc_ticks(app.pid), sent[0]
            rss = proc_rss_mb(app.pid)
            row = {"minute": m, "rss_mb": round(rss, 2), "cpu_pct": round((ticks - ticks0) / CLK_TCK / 60.0 * 100, 2),
                   "sent": idx - idx0}
            first, last = idx0 + 1, idx
            ticks0, idx0 = ticks, idx
            # Counted 2 s after the minute's end: its samples have arrived by then (the
            # next minute is measured meanwhile: its marks are fixed).
            time.sleep(2.0)
            tail.poll()
            got = {i for i in tail.received if first <= i <= last}
            row.update(recorded=len(got), lost=row["sent"] - len(got), selections=tail.selections - sel0)
            sel0 = tail.selections
            rows.append(row)
            out(f"{m:>4} {rss:8.1f} {row['cpu_pct']:6.2f} {row['sent']:6d} {row['recorded']:8d} "
                f"{row['lost']:5d} {row['selections']:10d}", flush=True)
        total_sent = sum(r["sent"] for r in rows)
        total_lost = sum(r["lost"] for r in rows)
        dup = len(tail.received) - len(set(tail.received))
    finally:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()
        try:
            outlet.stdin.close()
            outlet.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            outlet.kill()
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)
    growth = rows[-1]["rss_mb"] - rows[0]["rss_mb"]
    cpu = sorted(r["cpu_pct"] for r in rows)
    goals = {"rss_growth_mb": round(growth, 2), "rss_ok": growth < 5.0, "samples_sent": total_sent,
             "samples_lost": total_lost, "duplicates": dup, "lost_ok": total_lost == 0,
             "cpu_median_pct": cpu[len(cpu) // 2], "cpu_max_pct": cpu[-1],
             "selections": sum(r["selections"] for r in rows), "rss_at_settle_mb": round(rss_start, 2)}
    out(f"goals: RSS {rows[0]['rss_mb']:.1f} -> {rows[-1]['rss_mb']:.1f} MB, growth {growth:+.1f} MB from minute 1 to "
        f"minute {rows[-1]['minute']} (< 5 MB: {'met' if goals['rss_ok'] else 'MISSED'}; "
        f"{rows[-1]['rss_mb'] - rss_start:+.1f} MB from {rss_start:.1f} MB {settle_s:g} s after the first sample); "
        f"samples {total_sent} sent, "
        f"{total_lost} lost ({'met' if goals['lost_ok'] else 'MISSED'}), {dup} recorded twice; CPU median "
        f"{goals['cpu_median_pct']:.1f} %, max {goals['cpu_max_pct']:.1f} % of a core (the recording included); "
        f"{goals['selections']} selections")
    shutil.rmtree(work, ignore_errors=True)
    return {"minutes": minutes, "rate_hz": rate_hz, "platform": plat, "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "python": platform.python_version(), "cpus": os.cpu_count(), "rows": rows, "goals": goals}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=120.0, help="gaze samples a second")
    ap.add_argument("--platform", choices=("xcb", "offscreen"), default="xcb",
                    help="xcb: a real window in Xvfb (default); offscreen: Qt's offscreen platform")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds after the first recorded sample before measuring")
    ap.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    ap.add_argument("--outlet", metavar="NAME", help=argparse.SUPPRESS)  # the outlet process
    ap.add_argument("--targets", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.outlet:
        return outlet_main(args.outlet, args.rate, Path(args.targets), args.seed)
    if args.minutes < 1:
        ap.error("--minutes: at least 1 (figures are by the minute)")
    res = soak(args.minutes, args.rate, args.platform, args.settle)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    g = res["goals"]
    return 0 if g["rss_ok"] and g["lost_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
