"""Simulated tracker statistics and the headless pipeline typing closed-loop."""
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.keyboard.model import KeyboardModel
from gazetype.pipeline.induced import InducedOffset
from gazetype.pipeline.pipeline import GazePipeline
from gazetype.pipeline.session import TypingSession
from gazetype.sim.gaze import ListScript, PlannedFixation, SimConfig, SimGaze, SimTracker, saccade_duration_s
from gazetype.sim.typists import PhraseTypist
from gazetype.tracker.clock import ManualClock
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen


def test_sim_noise_rate_blinks_and_offset_match_the_config():
    scr = Screen()
    cfg = SimConfig(rate_hz=250, noise_deg=0.2, blink_rate_hz=0.5, blink_s=0.15, loss_prob=0.0, seed=3, undershoot=0.0)
    g = SimGaze(ListScript([PlannedFixation(900, 500, 120.0)]), scr, cfg, parse_offset("30,-10"))
    samples = g.all()
    assert len(samples) == pytest.approx(250 * 120, rel=0.01)
    valid = [s for s in samples[50:] if s.valid]
    sd_deg = statistics.pstdev(s.x_px for s in valid) / scr.px_per_deg
    assert sd_deg == pytest.approx(0.2, rel=0.1)
    assert statistics.fmean(s.x_px for s in valid) == pytest.approx(930, abs=1)
    assert statistics.fmean(s.y_px for s in valid) == pytest.approx(490, abs=1)
    lost = 1 - len(valid) / len(samples[50:])
    assert lost == pytest.approx(0.5 * 0.15, abs=0.03)  # blink rate x blink duration


def test_sim_is_deterministic_per_seed():
    def run(seed):
        g = SimGaze(ListScript([PlannedFixation(100, 100, 0.5), PlannedFixation(800, 600, 0.5)]), config=SimConfig(seed=seed))
        return [(s.t_s, s.x_px) for s in g.all()]
    assert run(1) == run(1)
    assert run(1) != run(2)


def test_saccades_follow_the_main_sequence():
    scr = Screen()
    x0, y0 = scr.width_px / 2, scr.height_px / 2  # where the simulated eye starts
    g = SimGaze(ListScript([PlannedFixation(x0, y0, 0.3), PlannedFixation(x0 + 10 * scr.px_per_deg, y0, 0.3)]), scr,
                SimConfig(rate_hz=1000, noise_deg=0, blink_rate_hz=0, loss_prob=0, undershoot=0.0))
    xs = [(s.t_s, s.x_px) for s in g.all()]
    moving = [t for t, x in xs if x0 + 0.01 < x < x0 + 10 * scr.px_per_deg - 0.01]
    assert max(moving) - min(moving) == pytest.approx(saccade_duration_s(10), abs=0.003)


def test_saccades_land_short_and_long_ones_are_corrected():
    scr = Screen()
    ppd = scr.px_per_deg
    x0, y0 = scr.width_px / 2, scr.height_px / 2
    cfg = SimConfig(rate_hz=1000, noise_deg=0, blink_rate_hz=0, loss_prob=0, undershoot=0.07)
    # 5 deg: lands 0.35 deg short and stays (under the corrective threshold)
    g = SimGaze(ListScript([PlannedFixation(x0 + 5 * ppd, y0, 0.5)]), scr, cfg)
    xs = [s.x_px for s in g.all()]
    assert xs[-1] == pytest.approx(x0 + 0.93 * 5 * ppd, abs=0.01)
    # 15 deg: lands 1.05 deg short, then a corrective saccade after 150 ms lands 0.07 x 1.05 deg short
    g = SimGaze(ListScript([PlannedFixation(x0 + 15 * ppd, y0, 0.6)]), scr, cfg)
    samples = g.all()
    short = x0 + 0.93 * 15 * ppd
    at_short = [s.t_s for s in samples if abs(s.x_px - short) < 0.01]
    assert at_short and 0.14 < max(at_short) - min(at_short) < 0.16
    assert samples[-1].x_px == pytest.approx(x0 + 15 * ppd - 0.07 * 0.07 * 15 * ppd, abs=0.01)


def test_sim_tracker_runs_in_step_with_its_clock():
    clock = ManualClock(100.0)
    tr = SimTracker(script=ListScript([PlannedFixation(50, 50, 10)]), config=SimConfig(rate_hz=100), clock=clock)
    with tr:
        assert tr.read() == []  # nothing before the clock moves
        clock.advance(0.5)
        got = tr.read()
        assert 49 <= len(got) <= 51 and all(100 <= s.t_s <= 100.5 for s in got)
    assert tr.read() == []


def _typing_session(dwell_s=0.6, offset="none", seed=0):
    scr = Screen()
    model = KeyboardModel((0, 0, scr.width_px, scr.height_px))
    pipe = GazePipeline(DwellEngine(config=DwellConfig(dwell_s=dwell_s)))
    if offset != "none":
        pipe.induced = InducedOffset(parse_offset(offset, scr), 0.0)
    session = TypingSession(model, pipe)
    session.start(0.0)
    return scr, model, session


@pytest.mark.parametrize("rate", [30.0, 120.0, 600.0])
def test_closed_loop_sim_types_the_phrase(rate):
    scr, model, session = _typing_session()
    typist = PhraseTypist(model, ["see you at 5"], 0.6, repeat=False)
    g = SimGaze(typist, scr, SimConfig(rate_hz=rate, seed=2, blink_rate_hz=0.0))
    for s in g.until(120):
        session.feed(s)
    assert model.buffer.text == "see you at 5\n"


def test_an_uncorrected_offset_types_the_wrong_keys():
    scr, model, session = _typing_session(offset="0,-120")  # about one key row up
    typist = PhraseTypist(model, ["asdf"], 0.6, repeat=False)
    for s in SimGaze(typist, scr, SimConfig(seed=1, blink_rate_hz=0)).until(60):
        session.feed(s)
    assert model.buffer.text.startswith("qwer")


@given(st.lists(st.tuples(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none()),
                          st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none()),
                          st.booleans()), min_size=1, max_size=400))
def test_garbage_gaze_never_types_or_crashes(points):
    scr, model, session = _typing_session(dwell_s=0.2)
    for i, (x, y, valid) in enumerate(points):
        s = GazeSample.make(i / 60.0, x, y, valid)
        if s.valid and 0 <= s.x_px < scr.width_px and 0 <= s.y_px < scr.height_px:
            continue  # real on-screen gaze may type; this test is about garbage
        session.feed(s)
    assert model.buffer.text == "" and session.selections == []
