"""Fuzz campaign: what the command line does with damaged input (issue 13, evidence).

Runs `python -m gazetype ...` as a user would on:

  replay     mutants of small recordings made by the project's own writer (byte flips,
             line deletions/duplications/swaps, truncation, numbers replaced by NaN,
             Infinity, 1e308, huge or negative ints, values of the wrong type, deep
             nesting, very long lines, odd strings, gzip), replayed plain, with --json
             and with --autocal --json
  xdf        byte mutants of a LabRecorder-style .xdf of the same session, replayed --json
  args       bad values for the numeric options of record, replay, simulate and study run
             (huge, tiny, negative, NaN, inf, non-numbers, empty, padded, unicode digits)
  study      copies of a small simulated study (`gazetype simulate --study`) with bytes
             flipped, the database truncated, tables dropped, rows of the wrong type,
             recordings damaged or deleted, then `study status/export/report`
  settings   (in process) random JSON-ish settings files given to app.settings.load()

and prints, per target, how many runs ended in each outcome:

  ok           exit 0 (with --json: stdout is standard JSON, no NaN/Infinity)
  clean-error  exit 2 and exactly one line on stderr, no traceback
  messy-error  exit 2 but not one line on stderr
  bad-json     exit 0 but stdout is not standard JSON
  internal     exit 1 with "internal error" (an exception the CLI did not expect)
  traceback    a Python traceback on stderr
  hang         no exit within --timeout seconds (the run is killed)
  memory       peak RSS over --max-rss-mb
  other        anything else (another exit code, a signal)

followed by the distinct messages of every outcome that is not ok or clean-error, with
a reproduction (the mutant files are kept under --keep DIR when given). The contract
(README, "Bad input gets one line and exit code 2") allows only ok and clean-error.

    python benchmarks/fuzz_campaign.py [--mutants 300] [--args 300] [--studies 30]
        [--settings 500] [--seed 0] [--jobs 2] [--timeout 60] [--keep DIR]
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# -- mutation of recordings -------------------------------------------------------------------

NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')

# What a damaged or hostile file may hold where a number belongs.
BAD_NUMBERS = [b"NaN", b"Infinity", b"-Infinity", b"1e308", b"-1e308", b"1e400", b"-1e400", b"9" * 400,
               b"9" * 5000, b"-1", b"0", b"-0", b"1e-320", b"123456789012345678901234567890", b"0.5",
               b"true", b"false", b"null", b'"1"', b'""', b"[]", b"{}", b"[1,2]", b'{"x":1}',
               b"[" * 5000 + b"]" * 5000, b"2147483648", b"-9223372036854775809", b"1e9", b"999999999.9"]
BAD_STRINGS = [b'""', b'"\\u0000"', b'"\\ud800"', b'"\\n\\r"', b'"' + b"x" * 100_000 + b'"', b'"\\u202e"',
               b'"\\u0007"', b'"\xc3\x28"', b"null", b"1", b"[]", b"{}", b"NaN", b'"page:symbols"', b'"space"',
               b'"backspace"', b'"done"', b'"clear"', b'"keyboard"', b'"output"', b'"header"', b'"gaze"']


def _pick_line(rng: random.Random, lines: list[bytes]) -> int:
    return rng.randrange(len(lines)) if lines else 0


def m_flip_bytes(rng, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def m_truncate(rng, data: bytes) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def _lines_op(fn):
    def op(rng, data: bytes) -> bytes:
        lines = data.split(b"\n")
        return b"\n".join(fn(rng, lines))
    op.__name__ = fn.__name__
    return op


@_lines_op
def m_delete_lines(rng, lines):
    for _ in range(rng.choice((1, 1, 3, 10))):
        if lines:
            del lines[_pick_line(rng, lines)]
    return lines


@_lines_op
def m_duplicate_lines(rng, lines):
    for _ in range(rng.choice((1, 2, 5))):
        i = _pick_line(rng, lines)
        lines.insert(rng.randrange(len(lines) + 1), lines[i] if lines else b"")
    return lines


@_lines_op
def m_swap_lines(rng, lines):
    if len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return lines


@_lines_op
def m_long_line(rng, lines):
    n = rng.choice((5000, 100_000, (1 << 20) + 10))
    filler = rng.choice((b'{"type":"marker","t":1,"label":"' + b"a" * n + b'"}', b"x" * n, b"[" * n,
                         b'{"type":"gaze","t":1,"x":1,"y":1,"pad":"' + b"\\u00e9" * (n // 6) + b'"}'))
    lines.insert(rng.randrange(len(lines) + 1), filler)
    return lines


def _sub_one(rng, data: bytes, pattern: re.Pattern, pool: list[bytes]) -> bytes:
    hits = list(pattern.finditer(data))
    for _ in range(rng.choice((1, 1, 2, 5))):
        if not hits:
            break
        m = rng.choice(hits)
        data = data[:m.start()] + rng.choice(pool) + data[m.end():]
        hits = list(pattern.finditer(data))
    return data


def m_bad_number(rng, data: bytes) -> bytes:
    return _sub_one(rng, data, NUMBER, BAD_NUMBERS)


def m_bad_string(rng, data: bytes) -> bytes:
    return _sub_one(rng, data, STRING, BAD_STRINGS + BAD_NUMBERS[:8])


def _random_json(rng: random.Random, depth: int = 0):
    r = rng.random()
    if depth > 3 or r < 0.5:
        return rng.choice([None, True, False, 0, -1, 1.5, 1e308, -1e308, float("nan"), float("inf"), 10 ** 30,
                           "", "x", "\u202e", "\ud800", "a\nb", "space", "keyboard", "output", "gaze", "select"])
    if r < 0.75:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {rng.choice(["t", "x", "y", "type", "box", "text", "items", "line", "valid", "left", "key", "dx",
                        "region", "caret", "n", "sd"]): _random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def m_json_field(rng, data: bytes) -> bytes:
    """Structure-aware: set, delete or retype one field of a parsed line (any depth)."""
    lines = data.split(b"\n")
    for _ in range(rng.choice((1, 1, 3))):
        i = _pick_line(rng, lines)
        try:
            obj = json.loads(lines[i])
        except (ValueError, IndexError, RecursionError):
            continue
        holders = []
        stack = [obj]
        while stack:  # every dict and list in the line, at any depth
            o = stack.pop()
            if isinstance(o, (dict, list)):
                holders.append(o)
                stack.extend(o.values() if isinstance(o, dict) else o)
        h = rng.choice(holders) if holders else None
        if isinstance(h, dict) and h:
            k = rng.choice(list(h))
            if rng.random() < 0.3:
                del h[k]
            else:
                h[k] = _random_json(rng)
        elif isinstance(h, list) and h:
            j = rng.randrange(len(h))
            if rng.random() < 0.3:
                del h[j]
            else:
                h[j] = _random_json(rng)
        lines[i] = json.dumps(obj, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    return b"\n".join(lines)


def m_deep_nesting(rng, data: bytes) -> bytes:
    lines = data.split(b"\n")
    n = rng.choice((100, 1000, 100_000))
    i = _pick_line(rng, lines)
    lines.insert(i, b'{"type":"marker","t":1,"label":"x","d":' + b"[" * n + b"]" * n + b"}")
    return b"\n".join(lines)


RECORDING_MUTATORS = [m_flip_bytes, m_truncate, m_delete_lines, m_duplicate_lines, m_swap_lines, m_long_line,
                      m_bad_number, m_bad_number, m_bad_string, m_json_field, m_json_field, m_json_field,
                      m_deep_nesting]


def mutate_recording(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """`data` with 1 to 3 random mutations; returns the mutant and the names of the mutations."""
    names = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        op = rng.choice(RECORDING_MUTATORS)
        data = op(rng, data)
        names.append(op.__name__[2:])
    return data, "+".join(names)


# -- bad command lines ----------------------------------------------------------------------

BAD_VALUES = ["", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e-308", "5e-324",
              "-1", "0", "-0", "0.0", "1e400", "9" * 400, "9" * 5000, "0x10", "1_000", "1,5", "abc", "1e",
              "١٢٣", "１２", "  7  ", "7\n", "\t3", "3.5", "2147483648", "-2147483649", "1e9", "1e6", "86401",
              "100001", "-0.0", "+5", "--1", "1/2", "\u202e5", "5\u0007", "None", "true", "[]", "1.5e3",
              "2001", "0.001", "0.009", "10001", "20001x1080", "1920x", "x", "1920x1080x1", "-1920x-1080",
              "1e3x1e3", "nanxnan", "1920X1080", "0x0", "100000x100000"]
OFFSETS = ["nan,0", "inf,0", "1e308,0", "0,1e308", "drift:1e9,0@1", "step:0,40@-1", "step:0,40@nan",
           "drift:60,0@0", "1,2,3", "1,0deg+", "+", "", "deg", "0,1e5deg", "-10001,0", "drift:60,0@1e7",
           "step:0,40@inf", "1e-320,0", "2,2" * 1000, "10,10+" * 200 + "1,1"]

# command, the option under test, the rest of a command line that otherwise runs quickly
ARG_TARGETS = [
    (["record", "--tracker", "sim", "--duration", "2"], ["--rate", "--seed", "--dwell-ms", "--screen", "--offset"]),
    (["record", "--tracker", "sim", "--rate", "30"], ["--duration"]),
    (["replay", "{rec}"], ["--speed", "--dwell-ms"]),
    (["replay", "{rec}", "--json", "--autocal"], ["--dwell-ms"]),
    (["simulate", "--participants", "1", "--phrases", "1", "--practice", "0", "--conditions", "calibrated",
      "--json"], ["--participants", "--phrases", "--practice", "--seed", "--dwell-ms", "--rate", "--offset"]),
    (["study", "run", "--study", "{dir}", "--participant", "P1", "--tracker", "sim", "--headless",
      "--phrases", "1", "--practice", "0", "--conditions", "calibrated"],
     ["--phrases", "--practice", "--index", "--dwell-ms", "--speed", "--seed", "--offset"]),
]


def bad_command_line(rng: random.Random) -> tuple[list[str], str]:
    base, options = rng.choice(ARG_TARGETS)
    opt = rng.choice(options)
    value = rng.choice(OFFSETS if opt == "--offset" else BAD_VALUES)
    if rng.random() < 0.2:  # a digit changed in a value
        value = re.sub(r"\d", lambda m: str(rng.randrange(10)), value, count=1)
    argv = list(base)
    if opt in argv:  # drop the option's fixed value
        i = argv.index(opt)
        del argv[i:i + 2]
    argv += [f"{opt}={value}"] if value.startswith("-") else [opt, value]
    return argv, f"{argv[0]} {opt}"


# -- running --------------------------------------------------------------------------------

OUTCOMES = ("ok", "clean-error", "messy-error", "bad-json", "internal", "traceback", "hang", "memory", "other")


def _reject(name):
    raise ValueError(f"non-standard JSON constant {name}")


def is_standard_json(text: str) -> bool:
    try:
        json.loads(text, parse_constant=_reject)
        return True
    except ValueError:
        return False


def classify(rc: int | None, out: str, err: str, want_json: bool, max_rss_mb: float | None = None,
             rss_mb: float = 0.0) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if rc is None:
        return "hang"
    if "Traceback (most recent call last)" in err:
        return "traceback"
    if max_rss_mb is not None and rss_mb > max_rss_mb:
        return "memory"
    if rc == 0:
        return "bad-json" if want_json and not is_standard_json(out) else "ok"
    if rc == 2:
        return "clean-error" if len(lines) == 1 else "messy-error"
    if rc == 1 and "internal error" in err:
        return "internal"
    return "other"


def run_gazetype(argv: list[str], timeout: float, cwd: str, env: dict) -> tuple[int | None, str, str, float, float]:
    """Runs `python -m gazetype ARGV`: (exit code or None on timeout, stdout, stderr, seconds, peak RSS MB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "gazetype", *argv], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd, env=env)
    bufs = {"out": b"", "err": b""}

    def drain(name, fh):
        bufs[name] = fh.read()  # read to EOF (also after a kill)

    threads = [threading.Thread(target=drain, args=("out", p.stdout)),
               threading.Thread(target=drain, args=("err", p.stderr))]
    for th in threads:
        th.start()
    rc = None
    rss = 0.0
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            rc = os.waitstatus_to_exitcode(status)
            rss = usage.ru_maxrss / 1024.0
            p.returncode = rc
            break
        if time.perf_counter() > deadline:
            p.kill()
            os.wait4(p.pid, 0)
            p.returncode = -9
            break
        time.sleep(0.01)
    for th in threads:
        th.join()
    return (rc, bufs["out"].decode("utf-8", "replace"), bufs["err"].decode("utf-8", "replace"),
            time.perf_counter() - t0, rss)


class Tally:
    def __init__(self):
        self.counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.failures: dict[str, dict[str, list[str]]] = collections.defaultdict(lambda: collections.defaultdict(list))
        self.max_rss: dict[str, float] = collections.defaultdict(float)
        self.lock = threading.Lock()

    def add(self, target: str, outcome: str, message: str = "", repro: str = "", rss: float = 0.0) -> None:
        with self.lock:
            self.counts[target][outcome] += 1
            self.max_rss[target] = max(self.max_rss[target], rss)
            if outcome not in ("ok", "clean-error"):
                self.failures[target][f"{outcome}: {message}"].append(repro)

    def table(self) -> str:
        w = max([len(t) for t in self.counts] + [8])
        head = f"{'target':{w}s} " + " ".join(f"{o:>11s}" for o in OUTCOMES) + f" {'runs':>6s} {'max RSS MB':>10s}"
        rows = [head, "-" * len(head)]
        for t, c in self.counts.items():
            rows.append(f"{t:{w}s} " + " ".join(f"{c[o]:11d}" for o in OUTCOMES)
                        + f" {sum(c.values()):6d} {self.max_rss[t]:10.0f}")
        return "\n".join(rows)


def _message(out: str, err: str, rc) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if "Traceback (most recent call last)" in err:
        return lines[-1][:200] if lines else "?"
    if rc is None:
        return "(timeout)"
    if not lines:
        return f"(exit {rc}, nothing on stderr; stdout {out[:80]!r})"
    msg = " | ".join(ln[:160] for ln in lines[:3])
    # one message per kind of failure: file names, numbers and quoted values vary
    return re.sub(r"/tmp/\S+|\d+(\.\d+)?|'[^']*'", "_", msg)[:240]


# -- targets -------------------------------------------------------------------------------

def make_bases(work: Path, env: dict) -> dict[str, Path]:
    """Small valid recordings made by the project's own writer (record --tracker sim)."""
    bases = {}
    specs = {
        "typing": ["--duration", "6", "--phrase", "hi there", "--rate", "60"],
        "autocal": ["--duration", "20", "--script", "reading", "--autocal", "--offset", "30,-20", "--rate", "60"],
        "person": ["--duration", "8", "--script", "person", "--phrase", "ok", "--rate", "60"],
    }
    for name, extra in specs.items():
        p = work / f"base-{name}.jsonl"
        rc, _out, err, _, _ = run_gazetype(["record", "--tracker", "sim", "--out", str(p), *extra], 120,
                                          str(work), env)
        if rc != 0:
            raise SystemExit(f"cannot make the base recording {name}: {err.strip()}")
        bases[name] = p
    return bases


def make_xdf(src: Path, dst: Path) -> None:
    from gazetype.recording.v1 import read_recording
    from gazetype.recording.xdfwrite import write_gazetype_xdf

    rec = read_recording(src)
    write_gazetype_xdf(dst, rec.events, rec.header.screen.to_dict(), rec.header.sample_rate_hz or 60.0, "fuzz")


def study_damages(rng: random.Random, study: Path) -> str:
    """Damage a copy of a study in place; returns what was done."""
    db = study / "study.sqlite"
    recs = sorted((study / "recordings").glob("*"))
    kind = rng.choice(["flip-db", "truncate-db", "drop-table", "wrong-types", "null-fields", "delete-rows",
                       "damage-recording", "delete-recording", "delete-db", "empty-db", "meta", "huge-values"])
    if kind == "flip-db":
        b = bytearray(db.read_bytes())
        for _ in range(rng.choice((1, 8, 64))):
            b[rng.randrange(len(b))] = rng.randrange(256)
        db.write_bytes(bytes(b))
    elif kind == "truncate-db":
        b = db.read_bytes()
        db.write_bytes(b[:rng.randrange(len(b))])
    elif kind == "delete-db":
        db.unlink()
    elif kind == "empty-db":
        db.write_bytes(b"")
    elif kind in ("damage-recording", "delete-recording"):
        if recs:
            r = rng.choice(recs)
            if kind == "delete-recording":
                r.unlink()
            else:
                data, how = mutate_recording(rng, r.read_bytes())
                r.write_bytes(data)
                kind += f"({how})"
    else:
        con = sqlite3.connect(db)
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        t = rng.choice(tables)
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute("PRAGMA ignore_check_constraints=ON")
        if kind == "drop-table":
            con.execute(f"DROP TABLE {t}")
        elif kind == "delete-rows":
            con.execute(f"DELETE FROM {t} WHERE rowid % 2 = 0")
        elif kind == "meta":
            t = "meta"
            col, val = "value", rng.choice(["", "x", "999", "-1", "{", "null", "1e308", "[]"])
            con.execute("UPDATE meta SET value = ? WHERE rowid = (SELECT rowid FROM meta ORDER BY random() LIMIT 1)",
                        (val,))
        else:
            col = rng.choice([c for c in cols if c != "id"] or cols)
            val = {"wrong-types": rng.choice(["x", "\u202e", b"\x00\xff", 1.5, -1, "9" * 50, "[]"]),
                   "null-fields": None,
                   "huge-values": rng.choice([1e308, -1e308, 2 ** 62, -(2 ** 62), float("inf"), float("-inf")])}[kind]
            try:
                con.execute(f"UPDATE {t} SET {col} = ? WHERE rowid IN (SELECT rowid FROM {t} ORDER BY random() LIMIT 3)",
                            (val,))
            except sqlite3.DatabaseError as e:  # NOT NULL, UNIQUE: the database refuses this damage
                kind += f"(refused: {e})"
            kind += f"({t}.{col}={val!r:.20})"
        if kind.startswith(("drop-table", "delete-rows")):
            kind += f"({t})"
        con.commit()
        con.close()
    return kind


def settings_documents(rng: random.Random) -> str:
    """A random settings file: mostly JSON objects with known keys and odd values, some not JSON."""
    keys = ["dwell_ms", "lockon_ms", "font_px", "show_cursor", "tracker", "autocal", "smoothing", "fullscreen",
            "other"]
    vals = [0, -1, 1, 100, 1e308, -1e308, 10 ** 30, 10 ** 400, 0.5, True, False, None, "", "x", "\ud800",
            "\u202e", [], {}, [1], {"a": 1}, "1000", float("nan"), float("inf"), 1e-320]
    r = rng.random()
    if r < 0.1:
        return rng.choice(["", "{", "[]", "null", "1", '"x"', "{" * 100_000, "[" * 100_000 + "]" * 100_000,
                           '{"dwell_ms": ' + "9" * 5000 + "}", '{"dwell_ms": 1e999}', "\ufeff{}", "{}\n{}"])
    doc = {rng.choice(keys): rng.choice(vals) for _ in range(rng.randrange(1, 6))}
    if rng.random() < 0.1:
        doc = {"dwell_ms": doc}
    text = json.dumps(doc)
    if rng.random() < 0.1:
        text = m_flip_bytes(rng, text.encode("utf-8", "surrogatepass")).decode("utf-8", "surrogateescape")
    return text


def check_settings_file(text: str, folder: Path) -> tuple[str, str]:
    """Loads `text` as the settings file in process: ('ok'|'clean-error', '') when the contract holds
    (valid settings; or defaults with the file set aside as .bad), else an outcome and message."""
    import contextlib
    import io

    from gazetype.app import settings as st

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    os.environ["GAZETYPE_CONFIG_DIR"] = str(folder)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            s = st.load()
    except BaseException as e:  # noqa: BLE001  (what the campaign is looking for)
        return "traceback", f"{type(e).__name__}: {str(e)[:100]}"
    if not isinstance(s, st.Settings):
        return "other", f"load() returned {type(s).__name__}"
    if not (100 <= s.dwell_ms <= 10000 and 0 <= s.lockon_ms <= 2000 and 12 <= s.font_px <= 200
            and all(isinstance(getattr(s, k), bool) for k in ("show_cursor", "autocal", "smoothing", "fullscreen"))
            and isinstance(s.tracker, str)
            and all(type(getattr(s, k)) is int for k in ("dwell_ms", "lockon_ms", "font_px"))):
        return "other", f"invalid settings loaded: {s}"
    try:
        json.dumps(st.asdict(s), allow_nan=False).encode("utf-8")
        st.save(s)  # what the app does after the settings dialog
    except (ValueError, UnicodeError) as e:
        return "other", f"loaded settings cannot be saved: {type(e).__name__}: {e}"
    set_aside = (folder / "settings.json.bad").exists()
    if set_aside:
        lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
        if len(lines) != 1:
            return "messy-error", f"{len(lines)} lines of warning"
        return "clean-error", ""
    return "ok", ""


# -- main ----------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mutants", type=int, default=300, help="recording mutants (each replayed 3 ways; default 300)")
    ap.add_argument("--xdf", type=int, default=60, help="XDF mutants (default 60)")
    ap.add_argument("--args", type=int, default=300, dest="n_args", help="bad command lines (default 300)")
    ap.add_argument("--studies", type=int, default=30, help="damaged studies (each: status, export, report)")
    ap.add_argument("--settings", type=int, default=500, help="settings files, in process (default 500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a run counts as a hang")
    ap.add_argument("--max-rss-mb", type=float, default=1024.0, help="peak RSS that counts as unbounded memory")
    ap.add_argument("--keep", metavar="DIR", help="keep the inputs of failing runs here")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="gazetype-fuzz-"))
    keep = Path(args.keep) if args.keep else None
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GAZETYPE_CONFIG_DIR=str(work / "config"), PYTHONSAFEPATH="1",
               QT_QPA_PLATFORM="offscreen", OPENBLAS_NUM_THREADS="1")
    env.pop("GAZETYPE_DEBUG", None)
    tally = Tally()
    t_start = time.perf_counter()

    bases = make_bases(work, env)
    base_bytes = {k: p.read_bytes() for k, p in bases.items()}

    def job(target: str, argv: list[str], want_json: bool, inputs: list[Path], what: str, cwd: Path = work):
        rc, out, err, _dt, rss = run_gazetype(argv, args.timeout, str(cwd), env)
        outcome = classify(rc, out, err, want_json, args.max_rss_mb, rss)
        repro = f"{what}: gazetype {' '.join(argv)}"
        if outcome not in ("ok", "clean-error") and keep:
            for p in inputs:
                try:
                    if p.is_dir():
                        shutil.copytree(p, keep / p.name, dirs_exist_ok=True)
                    elif p.exists():
                        shutil.copy2(p, keep / p.name)
                except (OSError, shutil.Error) as e:  # a file the run removed as we copied
                    repro += f" (not all kept: {str(e)[:80]})"
            repro += f"  (inputs kept in {keep})"
        tally.add(target, outcome, _message(out, err, rc), repro, rss)

    jobs = []
    # replay of recording mutants
    for i in range(args.mutants):
        name = rng.choice(list(bases))
        data, how = mutate_recording(rng, base_bytes[name])
        suffix = ".jsonl.gz" if rng.random() < 0.15 else ".jsonl"
        p = work / f"m{i:05d}-{name}{suffix}"
        if suffix.endswith(".gz"):
            data = gzip.compress(data)
            if rng.random() < 0.3:
                data = m_truncate(rng, data) if rng.random() < 0.5 else m_flip_bytes(rng, data)
                how += "+gz-damage"
        p.write_bytes(data)
        for target, extra, want_json in (("replay", [], False), ("replay --json", ["--json"], True),
                                         ("replay --autocal --json", ["--autocal", "--json"], True)):
            jobs.append((target, ["replay", str(p), *extra], want_json, [p], f"{name} {how}"))
    # XDF mutants
    if args.xdf:
        xdf = work / "base.xdf"
        make_xdf(bases["typing"], xdf)
        xb = xdf.read_bytes()
        for i in range(args.xdf):
            op = rng.choice([m_flip_bytes, m_flip_bytes, m_truncate, m_bad_number, m_bad_string])
            p = work / f"x{i:05d}.xdf"
            p.write_bytes(op(rng, xb))
            jobs.append(("replay xdf --json", ["replay", str(p), "--json", "--autocal"], True, [p], op.__name__[2:]))
    # bad command lines
    for i in range(args.n_args):
        argv, target = bad_command_line(rng)
        d = work / f"a{i:05d}"
        d.mkdir()
        argv = [a.replace("{rec}", str(bases["typing"])).replace("{dir}", str(d / "study")) for a in argv]
        if argv[0] == "record":
            argv += ["--out", str(d / "out.jsonl")]
        want_json = "--json" in argv
        jobs.append((f"args: {target}", argv, want_json, [], "bad value", d))
    # damaged studies
    if args.studies:
        study0 = work / "study0"
        rc, _out, err, _, _ = run_gazetype(["simulate", "--study", str(study0), "--participants", "2", "--phrases",
                                           "1", "--practice", "0", "--json"], 300, str(work), env)
        if rc != 0:
            raise SystemExit(f"cannot make the base study: {err.strip()}")
        for i in range(args.studies):
            s = work / f"s{i:05d}"
            shutil.copytree(study0, s)
            what = study_damages(rng, s)
            # each command on its own copy of the damaged study (they run in parallel)
            copies = [s] + [work / f"s{i:05d}{c}" for c in "bc"]
            for c in copies[1:]:
                shutil.copytree(s, c)
            jobs.append(("study status", ["study", "status", str(copies[0])], False, [copies[0]], what))
            jobs.append(("study export", ["study", "export", str(copies[1]), "--csv", str(work / f"csv{i:05d}")],
                         False, [copies[1]], what))
            jobs.append(("study report", ["study", "report", str(copies[2]), "--out", str(work / f"r{i:05d}.html")],
                         False, [copies[2]], what))

    # settings: in process, before the subprocesses (fast)
    for i in range(args.settings):
        text = settings_documents(rng)
        outcome, msg = check_settings_file(text, work / "settings" / f"{i:05d}")
        tally.add("settings (in process)", outcome, msg, f"settings.json = {text[:120]!r}")

    def safe_job(*j):
        try:
            job(*j)
        except Exception as e:  # noqa: BLE001  (the campaign's own trouble must not lose the figures)
            tally.add(j[0], "other", f"campaign error: {type(e).__name__}: {e}", " ".join(j[1])[:200])

    with ThreadPoolExecutor(args.jobs) as ex:
        futures = [ex.submit(safe_job, *j) for j in jobs]
        for k, f in enumerate(futures, 1):
            f.result()
            if k % 100 == 0:
                print(f"... {k}/{len(futures)} runs, {time.perf_counter() - t_start:.0f} s", file=sys.stderr, flush=True)

    print(f"fuzz campaign, seed {args.seed}: {sum(sum(c.values()) for c in tally.counts.values())} runs in "
          f"{time.perf_counter() - t_start:.0f} s ({args.jobs} jobs, timeout {args.timeout:g} s)")
    print(tally.table())
    bad = 0
    for target, msgs in tally.failures.items():
        for msg, repros in sorted(msgs.items()):
            bad += len(repros)
            print(f"\n[{target}] {len(repros)}x {msg}")
            for r in repros[:2]:
                print(f"    e.g. {r[:300]}")
    if not bad:
        print("\nno failures: every run ended in ok or clean-error")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
