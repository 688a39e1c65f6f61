"""Fuzz tests (issue 13, evidence): damaged recordings, settings files and command lines.

In process (many examples): a recording made by the project's own writer, mutated, is
either read into finite, bounded events or refused with one `RecordingError` naming the
file (and the line); a settings file, whatever it holds, loads valid settings or is set
aside as `.bad` with the defaults. Through the command line (few examples, each a
subprocess): a result that is standard JSON, or one line on stderr and exit code 2;
never exit 1, a traceback or a hang. `benchmarks/fuzz_campaign.py` runs the same
mutators at a larger scale.
"""
from __future__ import annotations

import json
import math
import os
import re
import subprocess
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import fuzz_campaign as fc
from gazetype.app import settings as settings_mod
from gazetype.recording.v1 import LIMIT, Header, RecordingError, RecordingWriter, read_recording
from gazetype.tracker.events import LayoutEvent, LayoutItem, MarkerEvent, OffsetEvent, SelectEvent
from gazetype.tracker.sample import EyeSample, GazeSample
from gazetype.tracker.screen import Screen

from .conftest import run_cli

FAST = settings(derandomize=True, database=None, deadline=None, max_examples=300)
FEW = settings(derandomize=True, database=None, deadline=None, max_examples=8)


def _base_events() -> list:
    """Every kind of line the writer writes, with a short typing session's worth of gaze."""
    keys = tuple(LayoutItem(c, (100.0 * i, 600.0, 100.0 * i + 90, 690.0)) for i, c in enumerate("abcdefgh"))
    evs = [LayoutEvent(0.0, "keyboard", keys),
           LayoutEvent(0.0, "output", (LayoutItem("hello", (10, 20, 110, 60), 0),
                                       LayoutItem("you", (120, 20, 180, 60), 1)), "hello\nyou", (185, 20, 188, 60)),
           MarkerEvent(0.01, "trial_start", {"trial": 3, "phrase": "hi", "nested": {"a": [1, 2.5, None]}})]
    t = 0.02
    for k in range(120):  # gaze on key "b", then on the text
        x, y = (145.0, 645.0) if k < 80 else (60.0 + k % 7, 40.0)
        if k % 17 == 5:
            evs.append(GazeSample.invalid(t))
        elif k % 11 == 3:
            evs.append(GazeSample(t, x, y, True, EyeSample(x - 1, y, True, 3.2), EyeSample(math.nan, math.nan, False)))
        else:
            evs.append(GazeSample(t, x, y))
        t += 1 / 60
    evs += [SelectEvent(1.2, "b"), OffsetEvent(1.5, 12.5, -3.25, 4.0, 17), MarkerEvent(2.0, "trial_end")]
    return evs


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> bytes:
    p = tmp_path_factory.mktemp("fuzzbase") / "base.jsonl"
    with RecordingWriter(p, Header(Screen(1280, 720, 340.0, 190.0, 650.0), 60.0, source="test",
                                   extra={"sim": {"seed": 1}})) as w:
        for ev in _base_events():
            w.write(ev)
    return p.read_bytes()


# -- the reader, in process ---------------------------------------------------------------------

FILE_LEVEL = ("no such file", "empty file", "not a valid gzip file", "is a directory",
              "compressed stream ends before the first line")


def _finite(v, bound=LIMIT) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) < bound


def check_read(path) -> str:
    """Reads `path` with the one reader; asserts the contract; returns 'ok' or 'error'."""
    warnings = []
    try:
        rec = read_recording(path, warn=warnings.append)
    except RecordingError as e:
        msg = str(e)
        assert msg.startswith(str(path)), msg
        assert re.match(re.escape(str(path)) + r":\d+: ", msg) or any(w in msg for w in FILE_LEVEL), msg
        assert "\n" not in msg and "\r" not in msg, f"a reader error is one line: {msg!r}"
        return "error"
    h = rec.header
    assert 0 < h.screen.width_px <= 100_000 and 0 < h.screen.height_px <= 100_000
    assert h.sample_rate_hz is None or 0 < h.sample_rate_hz <= 100_000
    assert all(_finite(v) and v > 0 for v in (h.screen.width_mm or 1, h.screen.height_mm or 1, h.screen.distance_mm))
    assert len(warnings) <= 1
    for ev in rec.events:
        assert _finite(ev.t_s), ev
        if isinstance(ev, GazeSample):
            assert isinstance(ev.valid, bool)
            if ev.valid:
                assert _finite(ev.x_px) and _finite(ev.y_px), ev
            else:
                assert all(math.isnan(v) or _finite(v) for v in (ev.x_px, ev.y_px)), ev
            for eye in (ev.left, ev.right):
                if eye is not None:
                    assert all(math.isnan(v) or _finite(v) for v in (eye.x_px, eye.y_px)), ev
                    assert eye.pupil_mm is None or _finite(eye.pupil_mm)
        elif isinstance(ev, LayoutEvent):
            assert isinstance(ev.region, str)
            for it in ev.items:
                assert isinstance(it.text, str) and len(it.box) == 4 and all(_finite(b) for b in it.box)
                assert it.box[0] <= it.box[2] and it.box[1] <= it.box[3]
                assert it.line is None or (type(it.line) is int and 0 <= it.line < 1_000_000)
            assert ev.caret is None or all(_finite(b) for b in ev.caret)
        elif isinstance(ev, SelectEvent):
            assert isinstance(ev.key_id, str)
        elif isinstance(ev, OffsetEvent):
            assert _finite(ev.dx_px) and _finite(ev.dy_px) and (ev.sd_px is None or _finite(ev.sd_px))
            assert ev.n is None or type(ev.n) is int
        else:
            assert isinstance(ev, MarkerEvent) and isinstance(ev.label, str)
    return "ok"


@pytest.mark.slow
@FAST
@given(rnd=st.randoms(use_true_random=False), gz=st.booleans())
def test_reader_on_mutants_reads_bounded_events_or_refuses_with_file_and_line(base, rnd, gz, tmp_path_factory):
    import gzip
    data, _ = fc.mutate_recording(rnd, base)
    p = tmp_path_factory.mktemp("m") / ("m.jsonl.gz" if gz else "m.jsonl")
    p.write_bytes(gzip.compress(data, compresslevel=1) if gz else data)
    check_read(p)


NUMBER_SPOTS = st.integers(0, 10_000)


@pytest.mark.slow
@FAST
@given(spot=NUMBER_SPOTS, value=st.sampled_from(fc.BAD_NUMBERS) | st.integers().map(lambda i: str(i).encode())
       | st.floats(allow_nan=True, allow_infinity=True).map(lambda f: json.dumps(f).encode()),
       line=st.integers(0, 200))
def test_reader_with_any_number_replaced_by_a_bad_one(base, spot, value, line, tmp_path_factory):
    """Each number of one line (the header too) replaced by NaN, Infinity, 1e308, huge ints, types..."""
    lines = base.split(b"\n")
    i = line % (len(lines) - 1)
    hits = list(fc.NUMBER.finditer(lines[i]))
    if hits:
        m = hits[spot % len(hits)]
        lines[i] = lines[i][:m.start()] + value + lines[i][m.end():]
    p = tmp_path_factory.mktemp("n") / "n.jsonl"
    p.write_bytes(b"\n".join(lines))
    check_read(p)


JSON_LEAF = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
             | st.sampled_from([10 ** 400, -(10 ** 30), 1e308, "\ud800", "a\nb", "\u202e", "space"]))
JSON_ANY = st.recursive(JSON_LEAF, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=6), c, max_size=4),
                        max_leaves=12)


@pytest.mark.slow
@FAST
@given(line=st.integers(0, 200), key=st.sampled_from(["t", "x", "y", "valid", "left", "right", "items", "box", "text",
                                                     "line", "region", "caret", "key", "label", "dx", "dy", "sd", "n",
                                                     "type", "screen", "version", "sample_rate_hz", "source",
                                                     "width_px", "height_px", "width_mm", "distance_mm", "pupil_mm"]),
       value=JSON_ANY, delete=st.booleans())
def test_reader_with_any_field_of_any_type(base, line, key, value, delete, tmp_path_factory):
    """One field (at any depth) of one line set to any JSON value (or deleted)."""
    lines = base.split(b"\n")
    i = line % (len(lines) - 1)
    obj = json.loads(lines[i])
    holders = [obj]
    stack = [obj]
    while stack:
        o = stack.pop()
        for v in (o.values() if isinstance(o, dict) else o if isinstance(o, list) else ()):
            if isinstance(v, (dict, list)):
                holders.append(v)
                stack.append(v)
    for h in holders:
        if isinstance(h, dict) and key in h:
            if delete:
                del h[key]
            else:
                h[key] = value
            break
    else:
        obj[key] = value
    lines[i] = json.dumps(obj).encode("utf-8", "surrogatepass")
    p = tmp_path_factory.mktemp("f") / "f.jsonl"
    p.write_bytes(b"\n".join(lines))
    check_read(p)


@pytest.mark.parametrize("line", [
    b'{"type":"layout","t":1,"region":"output","items":[{"text":"a","box":[0,0,1,1],"line":"a\\nb"}]}',
    b'{"type":"layout","t":1,"region":"output","items":[{"text":"a","box":[0,0,1,1],"line":"\\r\\u2028"}]}',
])
def test_reader_errors_are_one_line_even_when_the_bad_value_holds_a_newline(base, line, tmp_path):
    p = tmp_path / "nl.jsonl"
    p.write_bytes(base.split(b"\n")[0] + b"\n" + line + b"\n")
    assert check_read(p) == "error"


@pytest.mark.subprocess
def test_a_gzip_torn_before_the_first_line_is_one_error_not_a_warning_and_an_error(base, tmp_path):
    """It was two lines on stderr: the torn-stream warning, then 'empty file' (campaign find)."""
    import gzip
    p = tmp_path / "torn.jsonl.gz"
    p.write_bytes(gzip.compress(base)[:30])
    assert check_read(p) == "error"
    r = _cli("replay", str(p), "--json")
    assert r.returncode == 2 and "torn" in r.stderr
    assert_contract(r, True, "replay of a gzip torn before its first line")


@pytest.mark.parametrize("what", [b"[" * 200_000, b'{"type":"marker","t":1,"label":"' + b"a" * (1 << 20) + b'"}',
                                  b'{"type":"gaze","t":1,"x":' + b"9" * 500_000 + b',"y":1}'])
def test_reader_memory_stays_bounded_on_hostile_lines(base, what, tmp_path):
    p = tmp_path / "big.jsonl"
    p.write_bytes(base + what + b"\n" + base.split(b"\n", 1)[1])
    tracemalloc.start()
    try:
        check_read(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"peak {peak / 1e6:.0f} MB"


# -- settings, in process ------------------------------------------------------------------------

SETTING_VALUES = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
                  | st.sampled_from([10 ** 400, -(10 ** 400), 1e308, "\ud800", [], {}, [1], {"a": 1}])
                  | st.lists(JSON_ANY, max_size=3))
SETTINGS_DOC = st.dictionaries(st.sampled_from(["dwell_ms", "lockon_ms", "font_px", "show_cursor", "tracker",
                                                "autocal", "smoothing", "fullscreen", "other"]),
                               SETTING_VALUES, max_size=6)


def _check_settings(text: bytes, tmp) -> None:
    """`text` as the settings file: load() gives valid settings, or the defaults with the file set
    aside; the result can be saved and loaded back. (GAZETYPE_CONFIG_DIR is restored after each
    test by conftest's monkeypatch.)"""
    folder = tmp / "config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_bytes(text)
    os.environ["GAZETYPE_CONFIG_DIR"] = str(folder)
    s = settings_mod.load()
    assert type(s.dwell_ms) is int and 100 <= s.dwell_ms <= 10000
    assert type(s.lockon_ms) is int and 0 <= s.lockon_ms <= 2000
    assert type(s.font_px) is int and 12 <= s.font_px <= 200
    assert all(type(getattr(s, k)) is bool for k in ("show_cursor", "autocal", "smoothing", "fullscreen"))
    assert isinstance(s.tracker, str)
    if (folder / "settings.json.bad").exists():
        assert s == settings_mod.Settings() and not (folder / "settings.json").exists()
    json.dumps(settings_mod.asdict(s), allow_nan=False)
    settings_mod.save(s)  # what the settings dialog does next: must work
    assert settings_mod.load() == s
    return s


@pytest.mark.slow
@FAST
@given(doc=SETTINGS_DOC | SETTINGS_DOC.map(lambda d: {"dwell_ms": d}))
def test_settings_load_valid_or_set_aside_never_raise(doc, tmp_path_factory):
    _check_settings(json.dumps(doc).encode("utf-8", "surrogatepass"), tmp_path_factory.mktemp("s"))


@pytest.mark.slow
@FAST
@given(text=st.binary(max_size=200) | st.sampled_from([b"{" * 100_000, b"[" * 100_000 + b"]" * 100_000,
                                                       b'{"dwell_ms": ' + b"9" * 5000 + b"}", b'{"dwell_ms": 1e999}',
                                                       b"\xef\xbb\xbf{}", b"{}\n{}", b'{"font_px": -Infinity}']))
def test_settings_of_any_bytes_never_raise(text, tmp_path_factory):
    _check_settings(text, tmp_path_factory.mktemp("b"))


@pytest.mark.parametrize("value, dwell", [("1" + "0" * 400, 10000), ("-" + "9" * 400, 100)])
def test_settings_with_a_huge_whole_number_is_clamped_not_a_crash(value, dwell, tmp_path):
    """math.isfinite(10**400) raised OverflowError out of settings.load() (the fuzz campaign's find)."""
    s = _check_settings(('{"dwell_ms": ' + value + ', "font_px": 20}').encode(), tmp_path)
    assert (s.dwell_ms, s.font_px) == (dwell, 20)


# -- the command line (subprocesses) ----------------------------------------------------------------

def _reject(name):
    raise ValueError(f"non-standard JSON constant {name}")


def assert_contract(r: subprocess.CompletedProcess, want_json: bool, what: str) -> None:
    """exit 0 (and standard JSON when asked), or exit 2 and exactly one line on stderr."""
    assert "Traceback" not in r.stderr, f"{what}: {r.stderr[-2000:]}"
    assert r.returncode in (0, 2), f"{what}: exit {r.returncode}: {r.stderr[-500:]}"
    if r.returncode == 0:
        if want_json:
            json.loads(r.stdout, parse_constant=_reject)
    else:
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, f"{what}: {r.stderr!r}"
        assert "error" in lines[0]


def _cli(*args, timeout=60.0):
    try:
        return run_cli(*args, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gazetype {' '.join(args)[:300]} hung (no exit within {timeout:g} s)")


@pytest.fixture(scope="module")
def sim_recording(tmp_path_factory) -> bytes:
    p = tmp_path_factory.mktemp("sim") / "sim.jsonl"
    r = run_cli("record", "--tracker", "sim", "--duration", "4", "--rate", "60", "--phrase", "hi", "--out", str(p))
    assert r.returncode == 0, r.stderr
    return p.read_bytes()


@pytest.mark.subprocess
@FEW
@given(rnd=st.randoms(use_true_random=False))
def test_cli_replay_of_mutated_recordings(sim_recording, rnd, tmp_path_factory):
    data, how = fc.mutate_recording(rnd, sim_recording)
    p = tmp_path_factory.mktemp("cli") / "m.jsonl"
    p.write_bytes(data)
    modes = ([], ["--json"], ["--autocal", "--json"])
    with ThreadPoolExecutor(3) as ex:
        runs = list(ex.map(lambda extra: _cli("replay", str(p), *extra), modes))
    for extra, r in zip(modes, runs):
        assert_contract(r, "--json" in extra, f"replay {how} {extra}")


# command, options under test; the rest of the line runs quickly when the value is good
NUMERIC_OPTIONS = [
    (["record", "--tracker", "sim", "--duration", "1", "--rate", "30", "--out", "{out}"],
     ["--rate", "--seed", "--dwell-ms", "--screen", "--duration", "--offset"]),
    (["replay", "{rec}"], ["--speed", "--dwell-ms"]),
    (["simulate", "--participants", "1", "--phrases", "1", "--practice", "0", "--conditions", "calibrated", "--json"],
     ["--participants", "--phrases", "--practice", "--seed", "--dwell-ms", "--rate", "--offset"]),
    (["study", "run", "--study", "{dir}", "--participant", "P1", "--tracker", "sim", "--headless", "--phrases", "1",
      "--practice", "0", "--conditions", "calibrated"],
     ["--phrases", "--practice", "--index", "--dwell-ms", "--speed", "--seed", "--offset"]),
]
BAD = (st.sampled_from(fc.BAD_VALUES + fc.OFFSETS)
       | st.floats().map(repr) | st.integers().map(str)
       | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8))


def _command(cmd: int, opt: int, value: str, tmp) -> list[str]:
    base, options = NUMERIC_OPTIONS[cmd % len(NUMERIC_OPTIONS)]
    o = options[opt % len(options)]
    argv = [a.replace("{out}", str(tmp / "out.jsonl")).replace("{rec}", str(tmp / "rec.jsonl"))
            .replace("{dir}", str(tmp / "study")) for a in base]
    if o in argv:
        i = argv.index(o)
        del argv[i:i + 2]
    return argv + [f"{o}={value}"]


@pytest.mark.subprocess
@FEW
@given(cmds=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 6), BAD), min_size=2, max_size=2))
def test_cli_bad_numeric_options(cmds, sim_recording, tmp_path_factory):
    lines = []
    for cmd, opt, value in cmds:
        tmp = tmp_path_factory.mktemp("args")
        (tmp / "rec.jsonl").write_bytes(sim_recording)
        lines.append(_command(cmd, opt, value, tmp))
    with ThreadPoolExecutor(2) as ex:
        runs = list(ex.map(lambda argv: _cli(*argv), lines))
    for argv, r in zip(lines, runs):
        assert_contract(r, "--json" in argv, " ".join(argv)[:300])


@pytest.mark.subprocess
@pytest.mark.parametrize("argv", [
    ["replay", "{rec}", "--speed", "0.001\n"],
    ["replay", "{rec}", "--dwell-ms", "0\n"],
    ["simulate", "--participants", "1001\n"],
    ["record", "--tracker", "sim", "--duration", "1", "--out", "{out}", "--rate", "\n3000"],
])
def test_cli_values_with_a_newline_are_still_one_line(argv, sim_recording, tmp_path):
    (tmp_path / "rec.jsonl").write_bytes(sim_recording)
    argv = [a.replace("{rec}", str(tmp_path / "rec.jsonl")).replace("{out}", str(tmp_path / "o.jsonl")) for a in argv]
    r = _cli(*argv)
    assert r.returncode == 2
    assert_contract(r, False, " ".join(argv))


def test_classify_matches_the_contract():
    assert fc.classify(0, '{"a": 1}', "", True) == "ok"
    assert fc.classify(0, '{"a": NaN}', "", True) == "bad-json"
    assert fc.classify(2, "", "gazetype replay: error: x\n", False) == "clean-error"
    assert fc.classify(2, "", "a\nb\n", False) == "messy-error"
    assert fc.classify(1, "", "gazetype replay: internal error: KeyError\n", False) == "internal"
    assert fc.classify(None, "", "", False) == "hang"


def _paced(tmp_path, times, speed):
    from gazetype.pipeline.replay import replay
    tmp_path.mkdir(exist_ok=True)
    p = tmp_path / "paced.jsonl"
    with RecordingWriter(p, Header(Screen(1280, 720), 60.0, source="test")) as w:
        for t in times:
            w.write(GazeSample(t, 10.0, 10.0))
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s
    res = replay(p, speed=speed, sleep=sleep, clock=lambda: now[0])
    return res, slept


def test_paced_replay_skips_a_pause_of_days_instead_of_sleeping_through_it(tmp_path):
    """`replay --speed 10000` of a recording whose time jumps 9e8 s slept 25 h (campaign find)."""
    from gazetype.pipeline.replay import MAX_PAUSE_S
    res, slept = _paced(tmp_path, [0.0, 0.5, 9e8, 9e8 + 0.5], 10000.0)
    assert res.samples == 4 and sum(slept) < 2 * MAX_PAUSE_S
    res, slept = _paced(tmp_path / "b", [0.0, 1.0, 2.0, 3.0], 1.0)  # an ordinary recording keeps its pace
    assert res.samples == 4 and sum(slept) == pytest.approx(3.0)


@pytest.mark.subprocess
def test_cli_paced_replay_of_a_time_jump_ends(tmp_path):
    p = tmp_path / "jump.jsonl"
    p.write_text('{"type":"header","format":"gazetype-recording","version":1,"screen":{"width_px":1920,'
                 '"height_px":1080},"sample_rate_hz":120.0,"source":"sim"}\n'
                 '{"type":"gaze","t":0,"x":1,"y":1}\n{"type":"gaze","t":900000000,"x":1,"y":1}\n')
    r = _cli("replay", str(p), "--speed", "10000", "--json", timeout=30)
    assert_contract(r, True, "paced replay of a time jump")
    assert r.returncode == 0


@pytest.mark.subprocess
def test_a_dwell_time_that_rounds_to_zero_seconds_is_refused_not_an_internal_error(sim_recording, tmp_path):
    """--dwell-ms 5e-324 passed the '> 0 ms' check and became 0 s: exit 1 (campaign find)."""
    p = tmp_path / "rec.jsonl"
    p.write_bytes(sim_recording)
    r = _cli("replay", str(p), "--json", "--dwell-ms", "5e-324")
    assert r.returncode == 2 and "--dwell-ms" in r.stderr
    assert_contract(r, True, "replay --dwell-ms 5e-324")


@pytest.mark.subprocess
def test_a_damaged_xdf_chunk_is_one_warning_line_not_a_traceback(tmp_path):
    """pyxdf skips a damaged chunk but logs its traceback to stderr (campaign find)."""
    from gazetype.recording.xdfwrite import XdfStream, write_xdf
    g = XdfStream("gaze", "Gaze", "double64", 60.0, "s1", [{"label": "x", "type": "ScreenX", "unit": "pixels"},
                                                           {"label": "y", "type": "ScreenY", "unit": "pixels"}],
                  {"screen": Screen(1280, 720).to_dict()})
    for k in range(300):
        g.stamps.append(k / 60)
        g.rows.append([100.0 + k, 200.0])
    p = tmp_path / "d.xdf"
    write_xdf(p, [g], chunk_size=20)
    b = bytearray(p.read_bytes())
    i = len(b) // 2
    b[i:i + 40] = b"\xff" * 40  # a chunk length byte pyxdf cannot read, mid-file
    p.write_bytes(bytes(b))
    r = _cli("replay", str(p), "--json")
    assert "Traceback" not in r.stderr, r.stderr
    assert_contract(r, True, "replay of a damaged xdf")
    assert len(r.stderr.strip().splitlines()) <= 1


@pytest.mark.subprocess
def test_xdf_gaze_without_a_finite_time_stamp_is_skipped_never_nan_json(tmp_path):
    """A damaged XDF gave a NaN time stamp: replay --json printed "duration_s": NaN (campaign find)."""
    from gazetype.recording.xdfwrite import XdfStream, write_xdf
    g = XdfStream("gaze", "Gaze", "double64", 60.0, "s1", [{"label": "x", "type": "ScreenX", "unit": "pixels"},
                                                           {"label": "y", "type": "ScreenY", "unit": "pixels"}],
                  {"screen": Screen(1280, 720).to_dict()})
    g.stamps = [0.0, 0.1, math.nan, 0.2, math.inf, 0.3]
    g.rows = [[100.0, 200.0], [101.0, 200.0], [102.0, 200.0], [1e300, 200.0], [1.0, 1.0], [103.0, 200.0]]
    p = tmp_path / "nan.xdf"
    write_xdf(p, [g])
    r = _cli("replay", str(p), "--json")
    assert_contract(r, True, "replay of an xdf with NaN stamps")
    out = json.loads(r.stdout)
    assert out["samples"] == 4 and out["duration_s"] == 0.3 and "2 gaze sample(s)" in r.stderr
