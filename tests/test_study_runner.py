"""The study runner on a real SQLite study: trial flow, conditions, pause/abort/resume,
TLX, offset updates, and a headless end-to-end run checked against its v1 recording."""
import math

import pytest

from gazetype.calibration.base import NullCalibrator
from gazetype.recording.v1 import read_recording
from gazetype.sim.headless import run_headless
from gazetype.study.analysis import offset_traces, trial_results
from gazetype.study.db import StudyStore
from gazetype.study.errors import StudyError
from gazetype.study.runner import Phase
from gazetype.study.setup import RunOptions, prepare_run
from gazetype.tracker.events import MarkerEvent, SelectEvent
from gazetype.tracker.offset import parse_offset
from gazetype.tracker.sample import GazeSample

from .study_helpers import SCREEN, make_runner, type_text

TLX = {"mental": 55, "physical": 20, "temporal": 35, "performance": 30, "effort": 60, "frustration": 25}


def test_trial_flow_through_all_conditions(tmp_path):
    ctx, runner, holder = make_runner(tmp_path / "s", n_phrases=2, n_practice=1)
    v = runner.start(0.0)
    assert v.phase == Phase.BREAK and v.part == 1 and v.parts == 3 and v.target is None
    assert runner.pipeline.paused
    t = 1.0
    order = []
    for part in range(3):
        v = runner.continue_(t)
        cond = runner.condition
        order.append(cond.name)
        # Pipeline set up for this condition.
        induced = runner.pipeline.induced
        if cond.name == "calibrated":
            assert induced is None and isinstance(runner.pipeline.calibrator, NullCalibrator)
        else:
            # the default: 0.6 of the key pitch along the rows, stored in px
            from gazetype.study.runner import key_pitch_px
            (want,) = parse_offset("0.6,0keys", SCREEN, key_pitch_px(SCREEN)).parts
            (got,) = induced.model.parts
            assert (got.dx_px, got.dy_px) == (pytest.approx(want.dx_px, abs=0.05), 0.0)  # stored to 0.1 px
            assert induced.t0_s == t
            assert isinstance(runner.pipeline.calibrator, NullCalibrator) == (cond.name == "miscalibrated")
        for k in range(3):
            v = runner.view
            assert v.phase == Phase.TRIAL and v.trial == k + 1 and v.trials == 3
            assert v.practice == (k == 0)
            assert runner.model.target_phrase == v.target and runner.model.buffer.text == ""
            assert not runner.pipeline.paused
            t = type_text(runner, v.target, t + 1)
            runner.operator_select("done", t)
            t += 1
        assert runner.pipeline.induced is None and runner.pipeline.paused
    assert runner.phase == Phase.FINISHED
    assert order == ["calibrated", "miscalibrated", "autocalibrated"]  # index 0: first row of the square
    assert runner.close("end") == "completed"
    res = trial_results(ctx.store)
    assert len(res) == 9 and all(r.status == "done" and r.metrics.msd == 0 for r in res)
    assert all(r.metrics.wpm == pytest.approx((len(r.target) - 1) / (len(r.target) - 1) * 12) for r in res)
    assert ctx.store.session(ctx.session.id).status == "completed"
    ctx.close()


def test_errors_backspaces_and_empty_done(tmp_path):
    ctx, runner, _ = make_runner(tmp_path / "s", conditions="calibrated", n_phrases=1, n_practice=0)
    runner.start(0.0)
    runner.continue_(0.0)
    target = runner.model.target_phrase
    runner.operator_select("done", 0.5)  # nothing typed yet: logged, but does not end the trial
    assert runner.phase == Phase.TRIAL
    runner.operator_select("x", 1.0)
    runner.operator_select("backspace", 2.0)
    t = type_text(runner, target[:-1] + "q", 3.0)  # last character wrong, not fixed
    runner.operator_select("done", t)
    assert runner.phase == Phase.FINISHED
    (r,) = trial_results(ctx.store)
    m = r.metrics
    assert m.transcribed == target[:-1] + "q"
    assert m.input_stream == "x\b" + target[:-1] + "q"
    assert (m.counts.inf, m.counts.if_, m.counts.f) == (1, 1, 1)
    assert r.keystrokes == len(target) + 4  # done, x, backspace, the phrase, done
    assert m.t_first_s == 1.0 and m.t_last_s == t - 1.0  # the done keys are not entries
    ctx.close()


def test_pause_restarts_the_trial_and_keeps_the_first_attempt(tmp_path):
    ctx, runner, _ = make_runner(tmp_path / "s", conditions="calibrated", n_phrases=1, n_practice=0)
    runner.start(0.0)
    runner.continue_(0.0)
    target = runner.model.target_phrase
    type_text(runner, target[:5], 1.0)
    assert runner.pause(10.0).phase == Phase.PAUSED and runner.pipeline.paused
    runner.operator_select("a", 11.0)  # ignored while paused
    v = runner.resume(100.0)
    assert v.phase == Phase.TRIAL and runner.model.buffer.text == ""
    t = type_text(runner, target, 101.0)
    runner.operator_select("done", t)
    trial = ctx.store.trials(runner.conditions[0].id)[0]
    assert trial.attempt == 2 and trial.status == "done"
    assert len(ctx.store.keystrokes(trial.id, 1)) == 5  # first attempt kept
    (r,) = trial_results(ctx.store)
    assert r.metrics.t_first_s == 101.0  # metrics from the last attempt only
    ctx.close()


def test_abort_then_resume_in_a_new_session(tmp_path):
    ctx, runner, _ = make_runner(tmp_path / "s", n_phrases=1, n_practice=0)
    runner.start(0.0)
    runner.continue_(0.0)
    first = runner.model.target_phrase
    t = type_text(runner, first, 1.0)
    runner.operator_select("done", t)  # condition 1 done -> break
    assert runner.phase == Phase.BREAK
    runner.continue_(t + 1)
    type_text(runner, "ab", t + 2)
    cond2_trial = runner.trial
    runner.abort(t + 10)
    assert runner.close("x") == "aborted"
    ctx.close()

    ctx2, r2, _ = make_runner(tmp_path / "s", n_phrases=1, n_practice=0)
    assert not ctx2.created and ctx2.session.id == 2
    v = r2.start(0.0)
    assert r2.resumed and v.phase == Phase.BREAK and v.part == 2
    r2.continue_(1.0)
    assert r2.trial.id == cond2_trial.id and r2.trial.attempt == 2
    assert r2.trial.session_id == 2
    old = ctx2.store.keystrokes(cond2_trial.id, 1)
    assert [k.key for k in old] == ["a", "b"] and all(k.session_id == 1 for k in old)
    ctx2.close()


def test_tlx_after_each_condition(tmp_path):
    ctx, runner, _ = make_runner(tmp_path / "s", conditions="calibrated,miscalibrated", n_phrases=1,
                                 n_practice=0, tlx=True)
    runner.start(0.0)
    runner.continue_(0.0)
    t = type_text(runner, runner.model.target_phrase, 1.0)
    runner.operator_select("done", t)
    assert runner.phase == Phase.QUESTIONNAIRE
    with pytest.raises(StudyError, match="missing effort"):
        runner.submit_tlx({k: v for k, v in TLX.items() if k != "effort"}, t)
    with pytest.raises(StudyError, match="between 0 and 100"):
        runner.submit_tlx({**TLX, "mental": 101}, t)
    assert runner.phase == Phase.QUESTIONNAIRE
    runner.submit_tlx(TLX, t + 5)
    assert runner.phase == Phase.BREAK
    assert ctx.store.tlx(runner.conditions[0].id) == {k: float(v) for k, v in TLX.items()}
    runner.close("x")
    ctx.close()
    # A crash before the second TLX: the next run opens with the questionnaire.
    ctx2, r2, _ = make_runner(tmp_path / "s", tlx=True)
    r2.start(0.0)
    r2.continue_(0.0)
    t = type_text(r2, r2.model.target_phrase, 1.0)
    r2.operator_select("done", t)
    assert r2.phase == Phase.QUESTIONNAIRE
    ctx2.close()
    ctx3, r3, _ = make_runner(tmp_path / "s", tlx=True)
    assert r3.start(0.0).phase == Phase.QUESTIONNAIRE and r3.view.part == 2
    r3.submit_tlx(TLX, 1.0)
    assert r3.phase == Phase.FINISHED
    ctx3.close()


def test_offset_updates_are_stored_with_the_induced_offset(tmp_path):
    ctx, runner, holder = make_runner(tmp_path / "s", conditions="autocalibrated", n_phrases=1, n_practice=0,
                                      offset="drift:40,-20@10")
    runner.start(0.0)
    runner.continue_(5.0)
    cal = holder["calibrators"][0]
    assert "keyboard" in cal.layouts and "target" in cal.layouts  # got the layout when it started
    for i in range(1200):  # 10 s of gaze on the output panel at 120 Hz
        runner.feed(GazeSample(5.0 + i / 120, 900.0, 300.0))
    runner.operator_select("a", 20.0)  # a keystroke commits the buffered updates
    ups = ctx.store.calibration_updates(runner.condition.id)
    assert len(ups) >= 18
    for t, dx, dy, ix, iy, sid in ups:
        f = min((t - 5.0) / 10.0, 1.0)
        assert ix == pytest.approx(40 * f) and iy == pytest.approx(-20 * f)
    # The approaching estimator ends near the induced offset.
    assert math.hypot(ups[-1][1] - 40, ups[-1][2] + 20) < 5
    (tr,) = offset_traces(ctx.store)
    assert tr.t_rel_s[0] == pytest.approx(ups[0][0] - 5.0)
    ks = ctx.store.keystrokes(runner.trial.id)
    assert ks[0].correction_dx_px != 0.0  # the corrector was applying the estimate
    ctx.close()


@pytest.mark.slow
def test_headless_run_matches_its_recording(tmp_path):
    opts = RunOptions(str(tmp_path / "s"), "P07", n_phrases=1, n_practice=1)
    ctx = prepare_run(opts, screen=SCREEN, sample_rate_hz=120.0, now_utc="2024-05-01T10:00:00Z")
    runner, res = run_headless(ctx, screen=SCREEN, dwell_s=0.5, seed=3)
    assert res.phase == Phase.FINISHED and res.trials_done == 6
    runner.close("end")
    rec_path = ctx.recording_path
    store = ctx.store
    n_keys = store.count("keystrokes")
    results = trial_results(store)
    ctx.close()
    assert all(r.status == "done" for r in results)
    # Typing worked: most phrases came out right (slips are mostly fixed).
    assert sum(r.metrics.msd_error_rate for r in results) / len(results) < 10
    rec = read_recording(rec_path)
    assert rec.header.extra["study"]["participant"] == "P07"
    selects = [e for e in rec.events if isinstance(e, SelectEvent)]
    assert len(selects) == n_keys == res.keys  # every selection in both, none outside trials
    labels = [e.label for e in rec.events if isinstance(e, MarkerEvent)]
    assert labels.count("study.trial_start") == 6 and labels.count("study.trial_end") == 6
    assert labels.count("study.condition_start") == 3
    assert len(rec.samples) == res.samples


def test_index_and_order_are_stored(tmp_path):
    for i, code in enumerate(["A", "B", "C"]):
        ctx, runner, _ = make_runner(tmp_path / "s", code, n_phrases=1, n_practice=0)
        assert ctx.participant.idx == i
        ctx.close()
    with StudyStore.open(tmp_path / "s") as st:
        orders = [[c.name for c in st.conditions(p.id)] for p in st.participants()]
    assert orders[0] == ["calibrated", "miscalibrated", "autocalibrated"]
    assert orders[1] == ["miscalibrated", "autocalibrated", "calibrated"]
    assert orders[2] == ["autocalibrated", "calibrated", "miscalibrated"]


def test_returning_participant_with_other_options_is_refused(tmp_path):
    ctx, runner, _ = make_runner(tmp_path / "s", n_phrases=2, n_practice=0)
    ctx.close()
    with pytest.raises(StudyError, match=r"already exists with --phrases 2"):
        prepare_run(RunOptions(str(tmp_path / "s"), "P01", n_phrases=3), screen=SCREEN,
                    sample_rate_hz=None, now_utc="x")
    with pytest.raises(StudyError, match=r"conditions"):
        prepare_run(RunOptions(str(tmp_path / "s"), "P01", conditions="calibrated"), screen=SCREEN,
                    sample_rate_hz=None, now_utc="x")
    with StudyStore.open(tmp_path / "s") as st:
        assert len(st.sessions()) == 1  # the refused runs left no session behind


def test_one_participant_runs_in_one_place_at_a_time(tmp_path):
    opts = lambda code: RunOptions(str(tmp_path / "s"), code, n_phrases=1, n_practice=0)  # noqa: E731
    first = prepare_run(opts("P01"), screen=SCREEN, sample_rate_hz=None, now_utc="x")
    try:
        with pytest.raises(StudyError, match=r"'P01' is being run by another gazetype"):
            prepare_run(opts("P01"), screen=SCREEN, sample_rate_hz=None, now_utc="x")
        other = prepare_run(opts("P02"), screen=SCREEN, sample_rate_hz=None, now_utc="x")  # others may run
        other.close()
    finally:
        first.close()
    again = prepare_run(opts("P01"), screen=SCREEN, sample_rate_hz=None, now_utc="x")  # free once closed
    again.close()
    with StudyStore.open(tmp_path / "s") as st:
        assert len(st.sessions()) == 3  # the refused run left no session behind


# -- property test: any sequence of gaze and operator actions ------------------------------
from hypothesis import given  # noqa: E402
from hypothesis import settings as hsettings
from hypothesis import strategies as st

_KEYS = ["a", "b", "space", "backspace", "done", "clear", "page:symbols", "1"]
_actions = st.lists(st.one_of(
    st.tuples(st.just("key"), st.sampled_from(_KEYS)),
    st.tuples(st.just("look"), st.sampled_from(_KEYS)),  # dwell on that key's centre
    st.tuples(st.just("look"), st.sampled_from(_KEYS)),
    st.tuples(st.sampled_from(["continue", "continue", "continue", "tlx", "tlx", "pause", "resume", "abort"]),
              st.none()),
    st.tuples(st.just("gaze"), st.tuples(
        st.one_of(st.floats(-500, 2500), st.just(float("nan")), st.just(float("inf"))),
        st.one_of(st.floats(-500, 1500), st.just(float("nan"))), st.booleans(), st.integers(1, 400))),
), max_size=60)


@pytest.mark.slow
@hsettings(max_examples=60, deadline=None)
@given(_actions)
def test_runner_survives_any_action_sequence(tmp_path_factory, actions):
    ctx, runner, _ = make_runner(tmp_path_factory.mktemp("prop") / "s", n_phrases=1, n_practice=1, tlx=True)
    runner.start(0.0)
    t = 0.0
    logged = 0
    for kind, arg in [("continue", None)] + actions:
        t += 0.05
        before = runner.phase
        if kind == "key":
            logged_now = runner.operator_select(arg, t).keys
            assert (len(logged_now) == 1) == (before == Phase.TRIAL)
            logged += len(logged_now)
        elif kind == "gaze":
            x, y, valid, n = arg
            for i in range(n):  # hold the gaze there for n samples at 120 Hz
                t += 1 / 120
                step = runner.feed(GazeSample.make(t, x, y, valid))
                assert not step.keys or before == Phase.TRIAL
                logged += len(step.keys)
        elif kind == "look":
            k = runner.model.keys.get(arg)
            for i in range(100 if k is not None else 0):  # 0.83 s: more than lock-on + dwell
                t += 1 / 120
                step = runner.feed(GazeSample(t, k.cx_px, k.cy_px))
                assert not step.keys or before == Phase.TRIAL
                logged += len(step.keys)
        elif kind == "continue":
            runner.continue_(t)
        elif kind == "pause":
            runner.pause(t)
        elif kind == "resume":
            runner.resume(t)
        elif kind == "abort":
            runner.abort(t)
        elif kind == "tlx" and runner.phase == Phase.QUESTIONNAIRE:
            runner.submit_tlx(TLX, t)
        assert runner.pipeline.paused == (runner.phase != Phase.TRIAL)
        if runner.phase != Phase.TRIAL:
            assert runner.pipeline.induced is None or runner.phase == Phase.PAUSED
    store = ctx.store
    assert store.count("keystrokes") == logged
    for c in store.conditions(ctx.participant.id):
        for tr in store.trials(c.id):
            if tr.status == "done":
                assert tr.transcribed and tr.transcribed.strip()
            assert (tr.attempt == 0) == (tr.status == "pending")
    if runner.phase == Phase.FINISHED:
        assert all(tr.status == "done" for c in store.conditions(ctx.participant.id) for tr in store.trials(c.id))
    ctx.close()
