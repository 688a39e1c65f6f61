"""A long day (issue 23, item 6): a simulated 8-hour day of gaze typing through the
live pipeline, headless and accelerated, reporting memory and cost by the hour.

What runs is what the keyboard window builds (app/qt/window.py `build`), without Qt:
`KeyboardModel` as the window makes it with the default settings (qwerty, keys 65 %
of the height, clear asks to be confirmed, the quick phrases, word suggestions on:
4 candidates from the wordfreq model), `pipeline.spec.build_pipeline` with autocalibration
and smoothing on (the settings' defaults) and the default dwell (1000 ms, lock-on
150 ms), `compose.open_tracker("sim")`, the simulated person of the window's
`--tracker sim`, joined by `compose.assemble`; the gaze cursor is shown (the
default), the actions (speak, copy, done, save) go through `app.actions.ActionRouter`
to outputs that do nothing and to a history in a temporary folder, which the
suggestions learn from, as in the window.

The simulated tracker (120 Hz, noise, blinks, 1 % data loss) has an error that the
autocalibration corrects: 20,-15 px at first, drifting by 15,25 px over the first
4 hours, and bumped by -20,10 px at 5 hours. The person (`sim.person.SimUser`)
types phrases (suggestions used when seen), glances at what it typed and proofreads
it, says quick phrases, now and then reads back the whole output panel for up to a
minute, rests with the keyboard asleep (and wakes it with two dwells), and once a day
sleeps it for half an hour. Nothing waits for real time: the tracker's clock is
advanced one display frame (1/60 s) at a time and what it produced is fed to the
session, as the window's controller does on each wake-up.

Per simulated hour: RSS (VmRSS of this process, MB), cost per sample (wall and process
CPU, microseconds, pipeline and simulated person together; the wall time also split by whether
the keyboard was awake or asleep, which cost differently: the hours differ in how long
the person rested), samples, selections and the text's length. At the end, the goals: RSS growth over the day < 10 MB (from the
end of the first hour: the first hour warms up; the word list is loaded before it), cost per
sample flat (last hour within 10 % of the first), no sample lost (every sample the
tracker produced reached the pipeline).

    python benchmarks/long_day.py [--hours 8] [--seed 0] [--prefill CHARS] [--json PATH]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from gazetype.app import compose
from gazetype.app.actions import ActionRouter
from gazetype.app.settings import Settings, spec_from_settings
from gazetype.keyboard.history import History, quick_phrases
from gazetype.keyboard.model import KeyboardModel
from gazetype.keyboard.predict import Predictor
from gazetype.pipeline.spec import build_model, build_pipeline
from gazetype.sim.gaze import PlannedFixation
from gazetype.sim.person import Rest, SayPhrase
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.screen import Screen

FRAME_S = 1 / 60  # the simulated clock advances this much between reads (a display frame)
SUGGESTIONS = 4
TRACKER_ERROR = "20,-15+drift:15,25@14400+step:-20,10@18000"  # px; times from the start of the day

PHRASES = [
    "good morning", "could you open the window please", "i would like some water",
    "the quick brown fox jumps over the lazy dog", "my watch fell in the water",
    "what time is the doctor coming", "please call my sister", "i am a bit cold",
    "thank you for the flowers", "can we go outside later", "turn the radio down please",
    "i liked the film last night", "where did you put my glasses", "it is too bright in here",
    "see you tomorrow",
]


def day_plan(rng: random.Random, n: int = 400) -> list:
    """What the person does in turn (cycled): phrases, now and then a quick phrase, a
    pause with the keyboard asleep (1 to 5 minutes)."""
    out: list = []
    for i in range(n):
        out.append(rng.choice(PHRASES))
        if i % 7 == 6:
            out.append(SayPhrase(rng.choice(("thank you", "yes", "please", "wait"))))
        if i % 12 == 11:
            out.append(Rest(rng.uniform(60.0, 300.0)))
        if i == 180:
            out.append(Rest(1800.0))  # a nap
    return out


class ReadsBack:
    """Wraps the person's gaze script: every `every_phrases` finished phrases it reads
    the output panel back (its visible words, left to right, a regression now and then)
    for up to `read_s`, then carries on where it was."""

    def __init__(self, user, model: KeyboardModel, rng: random.Random, every_phrases: int = 5,
                 read_s: float = 60.0) -> None:
        self.user, self.model, self.rng = user, model, rng
        self.every, self.read_s = every_phrases, read_s
        self._seen_done = 0
        self._reading = None
        self._held: PlannedFixation | None = None
        self.read_s_total = 0.0

    def _read(self, t0: float):
        words = list(self.model.text_layout.words)
        t = t0
        i = 0
        while words and t - t0 < self.read_s and i < len(words):
            w = words[i]
            x0, y0, x1, y1 = w.box
            dur = min(max(self.rng.lognormvariate(-1.5, 0.3), 0.08), 0.8)
            t = yield PlannedFixation(x0 + 0.45 * (x1 - x0) + self.rng.gauss(0, 3), 0.5 * (y0 + y1) + self.rng.gauss(0, 3), dur)
            i = i - 1 if i > 1 and self.rng.random() < 0.08 else i + 1
        self.read_s_total += t - t0

    def next_fixation(self, t_s: float) -> PlannedFixation | None:
        if self._reading is not None:
            try:
                return self._reading.send(t_s)
            except StopIteration:
                self._reading = None
                f, self._held = self._held, None
                return f
        f = self.user.next_fixation(t_s)
        done = self.user.phrases_done
        if done // self.every > self._seen_done // self.every and not self.model.asleep:
            self._seen_done = done
            gen = self._read(t_s)
            try:
                first = next(gen)
            except StopIteration:
                return f
            self._reading, self._held = gen, f
            return first
        self._seen_done = done
        return f


class NullOutputs:
    """Speech, clipboard and typing into other applications that do nothing."""

    def speak(self, text: str) -> None: ...

    def copy(self, text: str) -> None: ...

    def problems(self) -> list[str]:
        return []


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def build(seed: int, data_dir: Path):
    """The window's objects, headless (see the module doc)."""
    screen = Screen()
    history = History(data_dir / "history.sqlite")
    # The window's spec from the default settings, with suggestions on.
    spec = spec_from_settings(Settings(suggestions=SUGGESTIONS)).with_changes(
        tracker="sim", window_px=(0, 0, screen.width_px, screen.height_px))
    model = build_model(spec, screen, phrases=quick_phrases(history), predictor=Predictor(user=history.user_words()))
    clock = [0.0]
    rng = random.Random(seed)
    choice = compose.open_tracker("sim", screen, model, demo_phrases=tuple(day_plan(rng)), clock=lambda: clock[0])
    tracker = choice.tracker
    tracker.offset = parse_offset(TRACKER_ERROR, screen)
    pipeline = build_pipeline(spec, screen)
    parts = compose.assemble(choice, model, pipeline, cursor_visible=lambda: True)
    reads = ReadsBack(tracker.user, model, random.Random(seed + 1))
    tracker.set_script(reads)
    router = ActionRouter(NullOutputs(), history=history, keep_history=True,
                          phrases_changed=lambda: parts.session.publish(model.set_phrases(quick_phrases(history), clock[0])))
    router.user_words = model.predictor.user
    return screen, model, parts, router, reads, clock


def run(hours: float, seed: int, out=print, prefill: int = 0) -> dict:
    with tempfile.TemporaryDirectory(prefix="gt-longday-") as tmp:
        screen, model, parts, router, reads, clock = build(seed, Path(tmp))
        session, tracker = parts.session, parts.tracker
        model.predictor.base  # the word list, loaded at the window's first prediction (0.2 s): not in hour 1
        session.start(0.0)
        if prefill:  # a day's text already typed (its cost should not depend on it)
            rng = random.Random(seed + 2)
            lines, n = [], 0
            while n < prefill:
                lines.append(rng.choice(PHRASES))
                n += len(lines[-1]) + 1
            session.publish(model.set_text("\n".join(lines) + "\n", 0.0))
        tracker.start()
        fed = 0
        rows = []
        gc.collect()
        rss0 = rss_mb()
        out(f"long day: {hours:g} h simulated at 120 Hz, suggestions {SUGGESTIONS}, autocal on, smoothing on; "
            f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; RSS at start {rss0:.1f} MB"
            + (f"; the text starts with {len(model.buffer.text)} characters" if prefill else ""))
        out("(us: wall and process CPU per sample, all samples; the wall time split by whether the keyboard was awake)")
        out(f"{'hour':>4} {'RSS MB':>7} {'wall us':>8} {'CPU us':>7} {'awake':>6} {'asleep':>6} {'samples':>8} "
            f"{'selections':>10} {'text chars':>10} {'asleep s':>8} {'offset err px':>13}")
        n_hours = int(hours) + (1 if hours > int(hours) else 0)
        t_end_day = hours * 3600.0
        for h in range(n_hours):
            t_end = min((h + 1) * 3600.0, t_end_day)
            w0, c0, fed0 = time.perf_counter(), time.process_time(), fed
            asleep_s = 0.0
            n_sel = 0
            feed = session.feed
            # wall s by whether the keyboard was asleep at the frame's start (perf_counter: the
            # process's CPU clock is a system call, 1 to 2 us, too dear to read every frame)
            wall_by = {False: 0.0, True: 0.0}
            n_by = {False: 0, True: 0}
            ptime = time.perf_counter
            while clock[0] < t_end - 1e-9:
                asleep = model.asleep
                f0 = ptime()
                clock[0] = min(clock[0] + FRAME_S, t_end)
                samples = tracker.read()
                for s in samples:
                    st = feed(s)
                    n_sel += len(st.step.selections)
                fed += len(samples)
                for a in model.take_actions():
                    router.route(a)
                wall_by[asleep] += ptime() - f0
                n_by[asleep] += len(samples)
                if asleep:
                    asleep_s += FRAME_S
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            n = fed - fed0
            gc.collect()
            rss = rss_mb()
            off = parts.pipeline.offset
            true = tracker.offset.at(clock[0])
            err = ((off.dx_px - true[0]) ** 2 + (off.dy_px - true[1]) ** 2) ** 0.5 if off is not None else float("nan")
            row = {"hour": h + 1, "sim_s": clock[0], "rss_mb": round(rss, 2), "wall_us": round(wall / n * 1e6, 3),
                   "cpu_us": round(cpu / n * 1e6, 3),
                   "wall_awake_us": round(wall_by[False] / max(n_by[False], 1) * 1e6, 3),
                   "wall_asleep_us": round(wall_by[True] / max(n_by[True], 1) * 1e6, 3),
                   "samples": n, "selections": n_sel,
                   "text_chars": len(model.buffer.text), "asleep_s": round(asleep_s, 1),
                   "offset_error_px": round(err, 1), "wall_s": round(wall, 2)}
            rows.append(row)
            out(f"{row['hour']:>4} {rss:7.1f} {row['wall_us']:8.2f} {row['cpu_us']:7.2f} {row['wall_awake_us']:6.2f} "
                f"{row['wall_asleep_us']:6.2f} {n:8d} {n_sel:10d} {row['text_chars']:10d} {asleep_s:8.0f} {err:13.1f}",
                flush=True)
        produced = tracker.gaze._k  # samples the simulated tracker generated
        lost = produced - fed + tracker.dropped
        stats_total = parts.pipeline.stats.total
        parts.close()
    first, last = rows[0], rows[-1]
    growth = last["rss_mb"] - first["rss_mb"]
    flat = (last["cpu_us"] - first["cpu_us"]) / first["cpu_us"] * 100
    flat_wall = (last["wall_us"] - first["wall_us"]) / first["wall_us"] * 100
    flat_awake = (last["wall_awake_us"] - first["wall_awake_us"]) / first["wall_awake_us"] * 100
    goals = {
        "rss_growth_mb": round(growth, 2), "rss_ok": growth < 10.0,
        "cost_change_pct": round(flat, 1), "cost_change_wall_pct": round(flat_wall, 1),
        "cost_change_wall_awake_pct": round(flat_awake, 1),
        "cost_ok": abs(flat) <= 10.0,
        "samples_produced": produced, "samples_fed": fed, "pipeline_counted": stats_total,
        "samples_lost": lost, "lost_ok": lost == 0 and stats_total == fed,
    }
    ok = "met" if goals["rss_ok"] else "MISSED"
    oc = "met" if goals["cost_ok"] else "MISSED"
    ol = "met" if goals["lost_ok"] else "MISSED"
    out(f"goals: RSS growth {growth:+.1f} MB from hour 1 to hour {last['hour']} (< 10 MB: {ok}); "
        f"cost per sample {first['cpu_us']:.2f} -> {last['cpu_us']:.2f} us CPU ({flat:+.1f} %; wall {flat_wall:+.1f} %; "
        f"wall awake only {flat_awake:+.1f} %; within 10 %: {oc}); samples {produced} produced, {fed} fed, {stats_total} counted by the pipeline, "
        f"{lost} lost (none: {ol}); {sum(r['selections'] for r in rows)} selections, "
        f"{len(model.buffer.text)} characters of text, {reads.read_s_total / 60:.0f} min reading it back")
    return {"hours": hours, "seed": seed, "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "rss_start_mb": round(rss0, 2), "rows": rows, "goals": goals}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0, help="simulated hours (default 8)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--prefill", type=int, default=0, metavar="CHARS",
                    help="start with about this many characters of text already typed (default 0)")
    ap.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    res = run(args.hours, args.seed, prefill=args.prefill)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")
    g = res["goals"]
    return 0 if g["rss_ok"] and g["cost_ok"] and g["lost_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
