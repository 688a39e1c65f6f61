"""What `gazetype record` does (imported when the command runs, so that `--help` and
other commands do not load the pipeline)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from gazetype.app.errors import UserError
from gazetype.keyboard.layout import missing_keys
from gazetype.pipeline.spec import PipelineSpec, build_session, header_extra
from gazetype.recording.v1 import Header, RecordingError, RecordingWriter
from gazetype.tracker import registry
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.screen import Screen


def parse_screen(text: str) -> Screen:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UserError(f"--screen {text!r}: expected WIDTHxHEIGHT in px, e.g. 1920x1080") from None
    if not (320 <= w <= 20000 and 240 <= h <= 20000):
        raise UserError(f"--screen {text!r}: from 320x240 to 20000x20000 px")
    return Screen(w, h)


def _check_out(path: str) -> None:
    name = Path(path).name.lower()
    if not (name.endswith(".jsonl") or name.endswith(".jsonl.gz")):
        hint = ("; for XDF, record the --lsl-out streams of 'gazetype run' with LabRecorder"
                if name.endswith(".xdf") else "")
        raise UserError(f"--out {path}: gazetype records v1 recordings, named .jsonl or .jsonl.gz{hint}")


def _check_phrases(args) -> None:
    if args.script == "reading":  # pages to read: any text
        return
    for phrase in args.phrase or []:
        missing = missing_keys(phrase)
        if missing:
            low = " (its letters are lowercase)" if any(ch.isupper() for ch in missing) else ""
            raise UserError(f"--phrase {phrase!r}: the keyboard has no key for "
                            f"{', '.join(repr(ch) for ch in missing)}{low}")


def main(args) -> int:
    _check_out(args.out)
    base = args.tracker.split(":", 1)[0]
    if base == "sim":
        _check_phrases(args)
    if base == "sim":
        return _record_sim(args)
    screen = parse_screen(args.screen)
    if Path(args.out).exists():  # before waiting for a device
        raise RecordingError(f"{args.out}: already exists; choose another file (recordings are never overwritten)")
    tracker = registry.create(args.tracker, screen=screen)
    n = 0
    with tracker:  # connects first, so the header knows the device's rate
        extra = {k: v for k, v in (("lsl", getattr(tracker, "stream_info", None)),
                                   ("tobii", getattr(tracker, "device_info", None))) if v}
        header = Header(tracker.screen, tracker.nominal_rate_hz, source=args.tracker, extra=extra)
        with RecordingWriter(args.out, header) as w:
            t_start = tracker.clock()
            t_end = t_start + args.duration
            status = None
            while tracker.clock() < t_end:
                batch = tracker.read()
                for s in batch:
                    if t_start <= s.t_s <= t_end:  # not what queued while connecting
                        w.write(s)
                        n += 1
                if tracker.status != status:  # e.g. "lost: reconnecting", and back
                    status = tracker.status
                    print(f"status: {status}", file=sys.stderr)
                if not batch:
                    time.sleep(0.005)
    dropped = f" ({tracker.dropped} dropped: read too late)" if tracker.dropped else ""
    print(f"recorded {n} samples in {args.duration:g} s to {args.out}{dropped}", file=sys.stderr)
    return 0


def _record_sim(args) -> int:
    """A simulated typing session, generated as fast as the CPU allows."""
    from gazetype.sim.gaze import SimConfig, SimGaze
    from gazetype.sim.typists import PhraseTypist

    screen = parse_screen(args.screen)
    offset = parse_offset(args.offset, screen)
    if args.script == "person":
        return _record_person(args, screen, offset)
    if args.script != "typing" or args.autocal:
        return _record_closed_loop(args, screen, offset)
    phrases = args.phrase or ["the quick brown fox", "jumps over the lazy dog"]
    # The offset is the simulated tracker's own error here (SimGaze adds it), not an induced one.
    spec = PipelineSpec(tracker="sim", dwell_s=args.dwell_s)
    header = Header(screen, args.rate, source="sim",
                    extra=header_extra(spec, sim={"seed": args.seed, "offset": offset.spec, "phrases": phrases}))
    with RecordingWriter(args.out, header) as w:
        session = build_session(spec, screen, recorder=w)
        model = session.model
        session.start(0.0)
        typist = PhraseTypist(model, phrases, args.dwell_s)
        gaze = SimGaze(typist, screen, SimConfig(rate_hz=args.rate, seed=args.seed), offset)
        n = 0
        for s in gaze.until(args.duration):
            session.feed(s)
            n += 1
    print(f"recorded {n} simulated samples ({args.duration:g} s) to {args.out}; typed {model.buffer.text!r}",
          file=sys.stderr)
    return 0


def _record_closed_loop(args, screen, offset) -> int:
    """Closed-loop simulation (sim.sessions): compensating typist or reader."""
    from gazetype.calibration import make_calibrator
    from gazetype.sim.gaze import SimConfig
    from gazetype.sim.sessions import PHRASES, run_reading, run_typing


    texts = args.phrase or None
    # What sim.sessions builds (its simulated tracker adds the offset itself: nothing induced).
    spec = PipelineSpec(tracker="sim", autocal=args.autocal, dwell_s=args.dwell_s, font_px=48.0 * screen.height_px / 1080)
    header = Header(screen, args.rate, source="sim",
                    extra=header_extra(spec, sim={"seed": args.seed, "offset": offset.spec, "script": args.script,
                                                  "phrases": texts or (PHRASES if args.script == "compensating" else None),
                                                  "autocal": args.autocal}))
    cfg = SimConfig(rate_hz=args.rate, seed=args.seed)
    with RecordingWriter(args.out, header) as w:
        cal = make_calibrator(screen, args.autocal)
        if args.script == "reading":
            run = run_reading(cal, offset, seed=args.seed, duration_s=args.duration, screen=screen,
                              pages=texts, recorder=w, sim_config=cfg)
            what = "read pages of text (no keyboard)"
        else:
            comp = 1.0 if args.script == "compensating" else 0.0
            run = run_typing(cal, offset, seed=args.seed, duration_s=args.duration, screen=screen,
                             compensation=comp, phrases=texts or PHRASES, dwell_s=args.dwell_s,
                             recorder=w, sim_config=cfg)
            what = f"typed {run.text!r}"
    est = f"; final estimate {run.est[-1][0]:+.1f}, {run.est[-1][1]:+.1f} px" if args.autocal and run.est else ""
    print(f"recorded {args.duration:g} s of simulated gaze ({args.script}) to {args.out}; {what}{est}",
          file=sys.stderr)
    return 0


def _record_person(args, screen, offset) -> int:
    """The simulated participant (sim.person) typing the phrases once each."""
    from gazetype.calibration import make_calibrator
    from gazetype.sim.person import simulate_typing

    phrases = args.phrase or ["the quick brown fox", "jumps over the lazy dog"]
    spec = PipelineSpec(tracker="sim", induced_offset=offset.spec, autocal=args.autocal, dwell_s=args.dwell_s)
    header = Header(screen, args.rate, source="sim",
                    extra=header_extra(spec, sim={"seed": args.seed, "offset": offset.spec, "script": "person",
                                                  "phrases": phrases, "autocal": args.autocal},
                                       induced_offset=offset.spec))
    with RecordingWriter(args.out, header) as w:
        session, user, t = simulate_typing(phrases, seed=args.seed, screen=screen, dwell_s=args.dwell_s,
                                           offset=offset if offset.parts else None,
                                           calibrator=make_calibrator(screen, args.autocal), rate_hz=args.rate,
                                           max_s=args.duration, recorder=w)
    est = session.pipeline.offset
    est = f"; final estimate {est.dx_px:+.1f}, {est.dy_px:+.1f} px" if args.autocal and est is not None else ""
    print(f"recorded {t:.0f} s of a simulated participant to {args.out}; typed {session.model.buffer.text!r}, "
          f"{user.corrections} re-aim(s){est}", file=sys.stderr)
    return 0
