"""The population of independently simulated typists (sim/population.py, plain_eyes.py,
plain_typist.py) and the autocalibration properties it checks.

The two property tests at the end are the issue's: with no offset, no simulated
person ever receives a correction above 0.25 deg; with a constant offset, once the
estimate is within 0.5 deg of the truth it stays there. People are drawn by
hypothesis from the population's ranges; the sessions are short.
"""
from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from gazetype.calibration import make_calibrator
from gazetype.calibration.base import NullCalibrator
from gazetype.sim.plain_eyes import PlainEyes, saccade_duration_s
from gazetype.sim.plain_typist import PlainTypist, run_person
from gazetype.sim.population import (
    GLANCE_TARGETS,
    GLANCE_WHENS,
    RANGES,
    RATES_HZ,
    PersonSpec,
    draw_people,
    offset_at,
    zero_offset,
)
from gazetype.tracker.offset import OffsetModel
from gazetype.tracker.screen import Screen

SCREEN = Screen()
PPD = SCREEN.px_per_deg


# -- the eyes ---------------------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(u=st.floats(0.0, 0.12), rate=st.sampled_from(RATES_HZ))
def test_eyes_undershoot_and_rate_honoured(u, rate):
    eyes = PlainEyes(SCREEN, rate_hz=rate, undershoot_frac=u, undershoot_sd_frac=0.0, noise_deg=0.0,
                     start_px=(200.0, 500.0), seed=1)
    eyes.keep_log = True
    samples = list(eyes.samples([(1400.0, 500.0, 0.3), (200.0, 500.0, 0.3)]))
    dts = [b.t_s - a.t_s for a, b in zip(samples, samples[1:])]
    assert all(abs(d - 1.0 / rate) < 1e-9 for d in dts)
    first = eyes.saccades[0]
    frac = (first.landing[0] - 200.0) / 1200.0
    assert frac == pytest.approx(1.0 - u, abs=1e-9)
    # the fixation after the first saccade sits at the landing (no noise, no offset)
    fix = [s for s in samples if 0.2 < s.t_s < 0.3]
    assert all(s.x_px == pytest.approx(first.landing[0]) for s in fix)


def test_eyes_undershoot_on_average_with_scatter():
    eyes = PlainEyes(SCREEN, rate_hz=250, undershoot_frac=0.08, undershoot_sd_frac=0.03, noise_deg=0.0, seed=3)
    eyes.keep_log = True
    plan = [(300.0 + 1300.0 * (i % 2), 400.0, 0.2) for i in range(400)]
    for _ in eyes.samples(plan):
        pass
    fr = []
    for s in eyes.saccades[1:]:
        lx, tx = s.launch[0], s.target[0]
        fr.append((s.landing[0] - lx) / (tx - lx))
    assert statistics.mean(fr) == pytest.approx(0.92, abs=0.01)
    assert statistics.stdev(fr) == pytest.approx(0.03, abs=0.01)


def test_eyes_main_sequence_and_corrective_saccade():
    ppd = PPD
    eyes = PlainEyes(SCREEN, rate_hz=1000, undershoot_frac=0.1, undershoot_sd_frac=0.0, noise_deg=0.0,
                     corrective=True, start_px=(200.0, 500.0), seed=2)
    eyes.keep_log = True
    samples = list(eyes.fixate(200.0 + 10 * ppd, 500.0, 0.6))
    moving = [s for s in samples if s.t_s < 0.2 and 200.5 < s.x_px < 200.0 + 9 * ppd - 0.5]
    assert len(moving) == pytest.approx(1000 * saccade_duration_s(9.0), abs=3)
    assert [s.corrective for s in eyes.saccades] == [False, True]
    t_corr = eyes.saccades[1].t_s
    assert 0.15 - 0.05 <= t_corr - saccade_duration_s(9.0) <= 0.25 + 0.05 + 0.002
    assert samples[-1].x_px == pytest.approx(200.0 + 10 * ppd, abs=0.4 * ppd)  # lands within a tenth of its own error (SD)


def test_eyes_blinks_are_invalid_samples_and_offset_is_added():
    off = OffsetModel.constant(40.0, -25.0)
    eyes = PlainEyes(SCREEN, rate_hz=120, noise_deg=0.2, blink_per_s=1.0, loss_p=0.02, offset=off, seed=5)
    samples = list(eyes.samples([(600.0, 300.0, 2.0)] * 10))
    bad = [s for s in samples if not s.valid]
    assert len(bad) > 0.05 * len(samples)
    assert all(math.isnan(s.x_px) and math.isnan(s.y_px) for s in bad)
    good = [s for s in samples if s.valid and s.t_s > 0.2]
    assert statistics.mean(s.x_px for s in good) == pytest.approx(640.0, abs=2.0)
    assert statistics.mean(s.y_px for s in good) == pytest.approx(275.0, abs=2.0)


def test_eyes_deterministic_for_a_seed():
    def run(seed):
        e = PlainEyes(SCREEN, rate_hz=60, undershoot_frac=0.05, noise_deg=0.3, blink_per_s=0.3, seed=seed)
        return [(s.t_s, s.x_px, s.y_px) for s in e.samples([(100, 100, 0.5), (900, 700, 0.5)])]
    assert str(run(4)) == str(run(4))
    assert str(run(4)) != str(run(5))


# -- the population ------------------------------------------------------------------------

def test_population_covers_the_groups():
    people = draw_people(60, 0)
    assert people == draw_people(60, 0)
    assert {p.glance_target for p in people} == set(GLANCE_TARGETS)
    assert {p.offset_kind for p in people} == {"none", "const", "drift", "jump"}
    assert any(p.undershoot_frac == 0 for p in people) and any(p.undershoot_frac > 0.08 for p in people)
    assert {p.corrective for p in people} == {True, False} and {p.multiline for p in people} == {True, False}
    assert min(p.rate_hz for p in people) == 30 and max(p.rate_hz for p in people) == 1200
    mags = [math.hypot(*p.offset_px) / PPD for p in people if p.offset_kind == "const"]
    assert max(mags) <= 3.0 and max(mags) > 2.0
    z = zero_offset(people[0])
    assert not z.has_offset and offset_at(z, 50.0) == (0.0, 0.0)


# -- the typist ----------------------------------------------------------------------------

PHRASE = "the cat sleeps on the sofa"


def test_typist_types_a_phrase_with_no_offset():
    spec = PersonSpec(seed=1, rate_hz=120, undershoot_frac=0.06, glance_target="letter", glance_p=1.0,
                      proofread=True, regression_p=0.2)
    tr = PlainTypist(spec, NullCalibrator()).type_phrases([PHRASE], max_s=120)
    assert tr.text == PHRASE + "\n"
    assert tr.wrong_selections == 0 and tr.output_s > 3.0


@pytest.mark.parametrize("angle_deg", [0, 90, 200, 315])
def test_typist_compensates_an_offset(angle_deg):
    a = math.radians(angle_deg)
    off = (1.5 * PPD * math.cos(a), 1.5 * PPD * math.sin(a))
    spec = PersonSpec(seed=angle_deg, rate_hz=60, undershoot_frac=0.04, noise_deg=0.3, glance_target="word",
                      glance_when="word", offset_kind="const", offset_px=off, offset0_px=off)
    ty = PlainTypist(spec, NullCalibrator())
    tr = ty.type_phrases([PHRASE], max_s=150)
    assert tr.text == PHRASE + "\n"


def test_typist_learns_to_aim_off_key_for_a_large_offset():
    off = (0.0, 3.0 * PPD)  # more than half a key: the wrong row lights up until it aims higher
    spec = PersonSpec(seed=9, rate_hz=120, glance_target="none", offset_kind="const", offset_px=off, offset0_px=off)
    ty = PlainTypist(spec, NullCalibrator())
    tr = ty.type_phrases([PHRASE], max_s=200)
    assert tr.text == PHRASE + "\n"
    assert ty.comp[1] < -0.5 * 3.0 * PPD


def test_typist_slips_and_multiline():
    spec = PersonSpec(seed=4, rate_hz=60, slip_p=0.3, slip_fix_p=0.0, multiline=True, glance_target="none")
    tr = PlainTypist(spec, NullCalibrator()).run(90.0)
    assert tr.text == tr.goal[:len(tr.text)] or tr.goal.startswith(tr.text[:-1])
    assert tr.messages_done >= 1
    typed = "".join(c for c in tr.text if c.isalpha())
    assert typed  # something was typed
    assert "\n" in tr.text and len(tr.text.split("\n")[0]) > 40  # a message of several phrases


# -- the properties the issue asks for (expected to fail with the current calibrator) ------

def people(offset: str):
    """PersonSpecs from the population's ranges; offset "none" or "const" (0.6-3 deg, any direction)."""
    f = lambda name: st.floats(*RANGES[name])  # noqa: E731

    @st.composite
    def draw(d):
        if offset == "const":
            mag = d(st.floats(0.6, 3.0)) * PPD
            ang = d(st.floats(0.0, 2 * math.pi))
            off = (mag * math.cos(ang), mag * math.sin(ang))
            kind = "const"
        else:
            off, kind = (0.0, 0.0), "none"
        proofread = d(st.booleans())
        return PersonSpec(
            seed=d(st.integers(0, 10_000)),
            rate_hz=d(st.sampled_from(RATES_HZ)),
            noise_deg=d(f("noise_deg")),
            loss_p=d(st.sampled_from([0.0, 0.01, 0.03])),
            blink_per_s=d(f("blink_per_s")),
            undershoot_frac=d(st.one_of(st.just(0.0), f("undershoot_frac"))),
            undershoot_sd_frac=d(f("undershoot_sd_frac")),
            corrective=d(st.booleans()),
            corrective_latency_s=d(f("corrective_latency_s")),
            dwell_s=d(f("dwell_s")),
            reaction_s=d(f("reaction_s")),
            slip_p=d(st.sampled_from([0.0, 0.03])),
            slip_fix_p=d(f("slip_fix_p")),
            multiline=d(st.booleans()),
            glance_target=d(st.sampled_from(GLANCE_TARGETS)),
            glance_when=d(st.sampled_from(GLANCE_WHENS)),
            glance_p=d(f("glance_p")),
            glance_fix_s=d(f("glance_fix_s")),
            landing_frac=d(f("landing_frac")),
            proofread=proofread,
            regression_p=d(f("regression_p")) if proofread else 0.0,
            offset_kind=kind, offset_px=off, offset0_px=off,
        )
    return draw()


# No shrinking: each example is a closed-loop session of a minute or more; the
# falsifying example is printed as drawn. derandomize: the same people every run.
PROPERTY = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate])
SESSION_S = 75.0


@pytest.mark.slow
@PROPERTY
@given(spec=people("none"))
def test_no_offset_no_correction_above_quarter_degree(spec):
    tr = run_person(spec, make_calibrator(SCREEN, True), SESSION_S, SCREEN)
    assert tr.max_published_px / PPD <= 0.25, (
        f"false correction {tr.max_published_px / PPD:.2f} deg with no offset "
        f"(undershoot {spec.undershoot_frac:.3f}, corrective {spec.corrective}, glances {spec.glance_target}, "
        f"{spec.rate_hz:g} Hz)")


@pytest.mark.slow
@PROPERTY
@given(spec=people("const"))
def test_constant_offset_estimate_never_leaves_half_degree_once_within(spec):
    tr = run_person(spec, make_calibrator(SCREEN, True), SESSION_S, SCREEN)
    tol = 0.5 * PPD
    slack = 0.05 * PPD
    first = next((i for i, e in enumerate(tr.err_px) if e <= tol), None)
    if first is None:
        return  # never got there: the other goals (final error) speak to that
    worst = max(tr.err_px[first:])
    assert worst <= tol + slack, (
        f"within 0.5 deg at {tr.times[first]:.1f} s, then {worst / PPD:.2f} deg "
        f"(offset {math.hypot(*spec.offset_px) / PPD:.2f} deg, undershoot {spec.undershoot_frac:.3f}, "
        f"corrective {spec.corrective}, glances {spec.glance_target})")
