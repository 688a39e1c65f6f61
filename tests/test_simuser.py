"""The simulated participant: its statistics against their targets, and its behaviour
(compensation, error correction, robustness) in the closed loop."""
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gazetype.calibration import make_calibrator
from gazetype.sim.gaze import saccade_duration_s
from gazetype.sim.person import UserParams, simulate_typing
from gazetype.study.metrics import wpm
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.screen import Screen

SCR = Screen()
PHRASES = ["the quick brown fox jumps", "my watch fell in the water", "prevailing wind from the east"]
KEY_PITCH_PX = 190.4  # on the default 1920 px screen: 0.6 pitch = 114 px = 3.0 deg


def _phrase_times(session):
    """(first, last) selection time of each phrase, split at "done"."""
    out, cur = [], []
    for s in session.selections:
        if s.key_id == "done":
            if cur:
                out.append((cur[0], cur[-1]))
            cur = []
        else:
            cur.append(s.t_s)
    return out


def _wpm(session, phrases):
    return statistics.fmean(wpm(p, t0, t1) for p, (t0, t1) in zip(phrases, _phrase_times(session)))


def test_reading_fixations_match_the_reading_literature():
    _, user, _ = simulate_typing(PHRASES, seed=2)
    reads = [d for _, d, kind, _, _ in user.log if kind in ("glance", "proofread", "target")]
    assert len(reads) > 30
    assert 0.20 < statistics.fmean(reads) < 0.27  # Rayner 1998: 225-250 ms
    assert 0.04 < statistics.stdev(reads) < 0.11
    searches = [d for _, d, kind, _, _ in user.log if kind == "search"]
    assert searches and 0.2 < statistics.fmean(searches) < 0.36


@pytest.mark.parametrize("dwell_s,lo,hi", [(1.0, 5.0, 10.0), (0.5, 6.5, 14.0)])
def test_typing_speed_without_offset_is_in_the_range_dwell_typing_reaches(dwell_s, lo, hi):
    # Majaranta: 5 to 10 WPM for novices with a 450-1000 ms dwell.
    speeds = []
    for seed in range(3):
        session, _, _ = simulate_typing(PHRASES, seed=seed, dwell_s=dwell_s)
        assert session.model.buffer.text == "\n".join(PHRASES) + "\n"
        speeds.append(_wpm(session, PHRASES))
    assert lo < statistics.fmean(speeds) < hi


def test_saccade_amplitudes_and_durations_follow_the_main_sequence():
    _, user, _ = simulate_typing(PHRASES[:1], seed=4)
    fixes = [(x, y) for _, _, _, x, y in user.log]
    amps = [((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 / SCR.px_per_deg for a, b in zip(fixes, fixes[1:])]
    big = [a for a in amps if a > 1.0]
    assert big and max(big) < 40  # on-screen saccades
    # durations as the tracker simulator draws them: 21 ms + 2.2 ms/deg
    assert saccade_duration_s(10.0) == pytest.approx(0.043)


def test_without_offset_it_rarely_reaims():
    _, user, _ = simulate_typing(PHRASES, seed=5)
    keys = sum(1 for *_, kind, _, _ in user.log if kind == "key")
    assert user.corrections < 0.1 * len("".join(PHRASES))
    assert keys > 0


def test_under_an_offset_it_learns_to_aim_off_target_and_still_types():
    off = parse_offset(f"{0.6 * KEY_PITCH_PX:.1f},0")
    session, user, _ = simulate_typing(PHRASES, seed=6, offset=off)
    typed = session.model.buffer.text.split("\n")[:-1]
    assert len(typed) == len(PHRASES)
    assert sum(a == b for t, p in zip(typed, PHRASES) for a, b in zip(t, p)) >= 0.9 * sum(map(len, PHRASES))
    assert user.corrections > 10  # the wrong key lit up and it re-aimed
    assert abs(user.comp[0] - 0.6 * KEY_PITCH_PX) < 0.5 * KEY_PITCH_PX  # learned compensation
    assert abs(user.comp[1]) < 0.25 * KEY_PITCH_PX


@pytest.mark.slow
def test_an_offset_slows_it_down_and_autocalibration_gives_the_speed_back():
    off = f"{0.6 * KEY_PITCH_PX:.1f},0"
    cal, mis, auto = [], [], []
    for seed in range(3):
        s, _, _ = simulate_typing(PHRASES, seed=seed)
        cal.append(_wpm(s, PHRASES))
        s, _, _ = simulate_typing(PHRASES, seed=seed, offset=parse_offset(off))
        mis.append(_wpm(s, PHRASES))
        s, _, _ = simulate_typing(PHRASES * 2, seed=seed, offset=parse_offset(off),
                                  calibrator=make_calibrator(SCR, True))
        auto.append(_wpm(s, (PHRASES * 2)[3:]) if len(_phrase_times(s)) == 6 else 0.0)
    assert statistics.fmean(mis) < 0.97 * statistics.fmean(cal)
    assert statistics.fmean(auto) > statistics.fmean(mis)


def test_it_corrects_its_slips_with_backspace():
    params = UserParams(slip_p=0.15)
    session, user, _ = simulate_typing(PHRASES, params=params, seed=7)
    keys = [s.key_id for s in session.selections]
    assert "backspace" in keys and user.backspaces == keys.count("backspace")
    typed = session.model.buffer.text.split("\n")[:-1]
    # fixed unless found more than fix_back_max letters back: nearly every letter right
    right = sum(a == b for t, p in zip(typed, PHRASES) for a, b in zip(t, p))
    assert right >= 0.9 * sum(map(len, PHRASES))


@settings(max_examples=8, deadline=None)
@given(loss=st.floats(0.0, 0.5), blink_hz=st.floats(0.0, 2.0), seed=st.integers(0, 1000))
def test_bad_tracking_never_breaks_it(loss, blink_hz, seed):
    params = UserParams(loss_p=loss, blink_rate_hz=blink_hz)
    session, _, t = simulate_typing(["hi there"], params=params, seed=seed, max_s=120.0)
    assert t > 0
    text = session.model.buffer.text
    if text.endswith("\n"):  # finished (done): nearly all of it right
        assert sum(a == b for a, b in zip(text, "hi there")) >= 6, text
    else:
        assert t >= 119.0  # still at it when the time ran out


def test_same_seed_same_person():
    a, _, _ = simulate_typing(PHRASES[:1], seed=11, offset=parse_offset("0,40"))
    b, _, _ = simulate_typing(PHRASES[:1], seed=11, offset=parse_offset("0,40"))
    assert [(s.t_s, s.key_id) for s in a.selections] == [(s.t_s, s.key_id) for s in b.selections]


def test_people_vary_but_stay_plausible():
    import random
    base = UserParams()
    people = [base.varied(random.Random(i)) for i in range(20)]
    assert len({p.react_ms for p in people}) == 20
    assert all(0.0 <= p.capture_p <= 1.0 and 0.05 <= p.learn_rate <= 1.0 for p in people)
    assert 180 < statistics.fmean(p.reading_fix_ms for p in people) < 290
