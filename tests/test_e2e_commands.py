"""Every command end to end, as a user runs it: the installed `gazetype` in its own
process, with private settings and data (tests/e2e.py), each checked for doing its main
job. The windows (`run`, `replay --show`, `validate`) open for real under Xvfb and are
closed with the keys a person would press. The study commands: tests/test_e2e_study.py."""
import ast
import json
import re
import wave

import pytest

from .e2e import Running, gazetype, one_line_error, user_env
from .xserver import find_window, press_key, wait_for, xvfb  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]
WINDOW_S = 180  # deadline for a window to do its job on a loaded machine (polled, not waited)


@pytest.fixture
def env(tmp_path):
    return user_env(tmp_path / "home")


def _events(path):
    lines = path.read_text().splitlines()
    return json.loads(lines[0]), [json.loads(ln) for ln in lines[1:] if ln.strip()]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """`gazetype record --tracker sim`: a simulated typing session, and what it says it typed."""
    d = tmp_path_factory.mktemp("record")
    env = user_env(d / "home")
    r = gazetype("record", "--tracker", "sim", "--duration", "20", "--dwell-ms", "600", "--phrase", "hi there",
                 "--out", "demo.jsonl", env=env, cwd=d)
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"recorded (\d+) simulated samples \(20 s\) to demo\.jsonl; typed (.*)", r.stderr.strip())
    assert m, r.stderr
    return d / "demo.jsonl", int(m.group(1)), ast.literal_eval(m.group(2))


def test_record_writes_every_sample_and_the_selections(recorded):
    path, n, typed = recorded
    header, events = _events(path)
    assert header["screen"]["width_px"] > 0
    samples = [e for e in events if e["type"] == "gaze"]
    selects = [e for e in events if e["type"] == "select"]
    assert len(samples) == n == 20 * 120
    assert typed.startswith("h") and len(selects) >= len(typed.replace("\n", "")) > 0


def test_replay_types_what_was_recorded(recorded, env, tmp_path):
    path, n, typed = recorded
    r = gazetype("replay", str(path), "--dwell-ms", "600", "--json", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    _, events = _events(path)
    assert res["samples"] == n and res["typed_text"] == typed
    assert res["recorded_selections"] == sum(e["type"] == "select" for e in events)
    assert [s["key"] for s in res["selections"]] == [e["key"] for e in events if e["type"] == "select"]
    line = gazetype("replay", str(path), "--dwell-ms", "600", env=env, cwd=tmp_path)
    assert line.returncode == 0 and line.stdout.strip() == (
        f"{path}: {n} samples over {res['duration_s']} s ({res['valid_fraction'] * 100:.1f}% valid), "
        f"{len(res['selections'])} selections, typed {typed!r}")


@pytest.mark.gui
@pytest.mark.x11
def test_replay_show_replays_into_a_window_what_replay_computes(recorded, xvfb, tmp_path):  # noqa: F811
    path, n, typed = recorded
    env = user_env(tmp_path / "home", display=xvfb)
    plain = gazetype("replay", str(path), "--dwell-ms", "600", env=env, cwd=tmp_path)
    shown = gazetype("replay", str(path), "--dwell-ms", "600", "--show", "--speed", "8", "--quit-at-end",
                     env=env, cwd=tmp_path, timeout=WINDOW_S)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == plain.stdout and f"typed {typed!r}" in shown.stdout


@pytest.mark.gui
@pytest.mark.x11
def test_run_types_a_key_by_dwell_and_records_it(xvfb, tmp_path):  # noqa: F811
    env = user_env(tmp_path / "home", display=xvfb)
    rec = tmp_path / "session.jsonl"
    app = Running("run", "--tracker", "sim", "--dwell-ms", "400", "--record", str(rec), env=env, cwd=tmp_path)
    try:
        def selected():
            if not rec.exists():
                return None
            lines = [ln for ln in rec.read_text().splitlines()[1:] if ln.endswith("}")]
            return [e for e in map(json.loads, lines) if e["type"] == "select"]
        first = wait_for(selected, WINDOW_S, "a key selected by dwell in the recording", app.proc, app.log)
        win = wait_for(lambda: find_window(xvfb, "gazetype"), WINDOW_S, "the keyboard window", app.proc, app.log)
        press_key(xvfb, win, "q", ctrl=True)  # Ctrl+Q, as the user quits
        assert app.wait(WINDOW_S) == 0, app.log()
    finally:
        app.kill()
    assert "Traceback" not in app.stderr
    header, events = _events(rec)
    selects = [e for e in events if e["type"] == "select"]
    assert header["source"] == "sim" and len(selects) >= len(first) >= 1
    # What the window typed replays from the recording alone.
    r = gazetype("replay", str(rec), "--json", env=env, cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["recorded_selections"] == len(selects)


@pytest.mark.gui
@pytest.mark.x11
def test_validate_measures_the_induced_offset(xvfb, tmp_path):  # noqa: F811
    env = user_env(tmp_path / "home", display=xvfb)
    r = gazetype("validate", "--tracker", "sim", "--offset", "0.6,-0.3deg", "--out", "v.json", env=env,
                 cwd=tmp_path, timeout=WINDOW_S)
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "v.json").read_text())
    o = res["overall"]
    ppd = res["px_per_deg"]
    # The simulated person looks at the targets through a tracker 0.6 deg right, 0.3 deg up.
    assert o["offset_dx_px"] / ppd == pytest.approx(0.6, abs=0.1)
    assert o["offset_dy_px"] / ppd == pytest.approx(-0.3, abs=0.1)
    assert o["accuracy_deg"] == pytest.approx((0.6 ** 2 + 0.3 ** 2) ** 0.5, abs=0.1)
    assert len(res["targets"]) == 9 and 0 <= o["data_loss_pct"] < 50
    assert f"data loss {o['data_loss_pct']:.1f} %" in r.stdout + r.stderr
    again = gazetype("validate", "--tracker", "sim", "--out", "v.json", env=env, cwd=tmp_path)
    assert "exists; pass --force" in one_line_error(again, "validate")


@pytest.mark.gui
@pytest.mark.x11
def test_calibrate_without_a_device_says_so_in_one_line(xvfb, tmp_path):  # noqa: F811
    env = user_env(tmp_path / "home", display=xvfb)
    for args in ((), ("--tracker", "tobii"), ("--tracker", "mouse")):
        r = gazetype("calibrate", *args, env=env, cwd=tmp_path, timeout=120)
        one_line_error(r, "calibrate")
    assert find_window(xvfb, "gazetype") is None  # nothing left open


def test_simulate_runs_the_protocol_with_simulated_people(env, tmp_path):
    r = gazetype("simulate", "--participants", "1", "--phrases", "1", "--practice", "0", "--conditions",
                 "calibrated,predicted", "--json", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert set(res["conditions"]) == {"calibrated", "predicted"}
    assert all(c["wpm"] > 0 for c in res["conditions"].values())
    assert [(p["phase"], p["trials_done"]) for p in res["participants"]] == [("finished", 2)]


def test_trackers_lists_what_is_available(env, tmp_path):
    r = gazetype("trackers", env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "gaze sources available now:"
    kinds = {ln.split(":")[0].strip() for ln in lines[1:] if ln.startswith("  ")}
    assert {"tobii", "lsl", "mouse", "sim"} <= kinds
    assert "lsl: no LSL gaze stream found" in r.stdout  # this test's own LSL session has none


def test_voices_lists_the_installed_voices(env, tmp_path):
    r = gazetype("voices", env=env, cwd=tmp_path)
    if r.returncode == 2:
        pytest.skip(f"no speech engine here: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
    en = gazetype("voices", "--lang", "en", env=env, cwd=tmp_path)
    assert en.returncode == 0
    assert 0 < len(en.stdout.splitlines()) < len(r.stdout.splitlines())
    assert all("en" in ln for ln in en.stdout.splitlines())


def test_say_speaks_into_a_wav_file(env, tmp_path):
    r = gazetype("say", "--rate", "150", "--wav", "hello.wav", "Please call my daughter.", env=env, cwd=tmp_path)
    if r.returncode == 2 and "speech" in r.stderr:
        pytest.skip(f"no speech engine here: {r.stderr.strip()}")
    assert r.returncode == 0, r.stderr
    with wave.open(str(tmp_path / "hello.wav")) as w:
        seconds = w.getnframes() / w.getframerate()
    assert 0.8 < seconds < 10  # a short sentence, spoken
    bad = gazetype("say", "--rate", "5000", "hi", env=env, cwd=tmp_path)
    assert "--rate" in one_line_error(bad, "say")


def test_history_lists_and_clears_only_this_users_texts(env, tmp_path):
    from gazetype.keyboard.history import History

    data = tmp_path / "home" / "data" / "gazetype"
    data.mkdir(parents=True)
    h = History(data / "history.sqlite3")  # as the keyboard keeps a finished text
    h.add("good morning")
    h.save_phrase("call Anna")
    h.close()
    r = gazetype("history", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "good morning" in r.stdout and "saved phrase  call Anna" in r.stdout
    assert f"1 text(s), 1 saved phrase(s) in {data / 'history.sqlite3'}" in r.stdout
    c = gazetype("history", "--clear", env=env, cwd=tmp_path)
    assert c.returncode == 0 and "deleted 1 text(s) and 1 saved phrase(s)" in c.stdout + c.stderr
    after = gazetype("history", env=env, cwd=tmp_path)
    assert after.returncode == 0 and "good morning" not in after.stdout and "0 text(s)" in after.stdout


def test_tobii_bridge_help(env, tmp_path):
    r = gazetype("tobii-bridge", "--help", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: gazetype tobii-bridge") and "LSL" in r.stdout


def test_history_lists_ids_and_deletes_one_entry(env, tmp_path):
    from gazetype.keyboard.history import History

    data = tmp_path / "home" / "data" / "gazetype"
    h = History(data / "history.sqlite3")
    h.add("good morning", t_unix=1.0)
    h.add("my pain is bad", t_unix=2.0)
    h.save_phrase("call Anna")
    h.close()
    r = gazetype("history", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if "my pain is bad" in x)
    entry_id = line.split()[0]
    assert entry_id == "t2" and any(x.split()[0] == "s1" and "call Anna" in x for x in r.stdout.splitlines())
    d = gazetype("history", "--delete", entry_id, env=env, cwd=tmp_path)
    assert d.returncode == 0, d.stderr
    assert "deleted t2" in d.stdout
    after = gazetype("history", env=env, cwd=tmp_path)
    assert "my pain is bad" not in after.stdout and "good morning" in after.stdout and "call Anna" in after.stdout
    assert b"my pain is bad" not in (data / "history.sqlite3").read_bytes()  # vacuumed: not left in the file
    for bad in ("t2", "x1", "t", "s99", "t-1"):
        b = gazetype("history", "--delete", bad, env=env, cwd=tmp_path)
        assert "no such entry" in one_line_error(b, "history")
    assert "good morning" in gazetype("history", env=env, cwd=tmp_path).stdout
