"""The pipeline spec and its builder: stored and read back unchanged, refused with one
line when damaged, and the same spec builds the same pipeline everywhere."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.pipeline import spec as specs
from gazetype.pipeline.smoothing import OneEuroFilter
from gazetype.recording.v1 import Header, RecordingError, RecordingWriter
from gazetype.tracker.events import MarkerEvent
from gazetype.tracker.screen import Screen

from .conftest import run_cli

SCREEN = Screen(1280, 800)

finite = st.floats(min_value=0.01, max_value=10, allow_nan=False)
spec_strategy = st.builds(
    specs.PipelineSpec,
    tracker=st.sampled_from(["auto", "mouse", "sim", "lsl:Gaze", "tobii"]),
    induced_offset=st.sampled_from(["0", "30,-20", "0.6,0keys"]),
    autocal=st.booleans(), smoothing=st.sampled_from(specs.SMOOTHING),
    dwell_s=finite, lockon_s=st.floats(min_value=0, max_value=2), keep_partial_s=st.floats(min_value=0, max_value=2),
    layout=st.sampled_from(["qwerty", "study", "alphabetic"]), suggestions=st.sampled_from([0, 3, 4, 5]),
    clear_confirm_s=st.none() | finite, wake_window_s=finite, speak_phrases=st.booleans(),
    done_inserts_newline=st.booleans(), window_px=st.none() | st.just((0.0, 0.0, 1280.0, 800.0)),
    font_px=st.floats(min_value=8, max_value=200), output_frac=st.floats(min_value=0.1, max_value=0.6),
    target_frac=st.sampled_from([0.0, 0.1]))


@given(spec_strategy)
def test_a_spec_survives_json_unchanged(spec):
    assert specs.PipelineSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize("bad, says", [
    ({"dwell_s": 0}, "dwell_s"), ({"dwell_s": "fast"}, "dwell_s"), ({"smoothing": "kalman"}, "smoothing"),
    ({"suggestions": 7}, "suggestions"), ({"window_px": [0, 0, -1, 5]}, "window_px"),
    ({"teleport": True}, "unknown field(s) teleport"), ({"lockon_s": float("nan")}, "lockon_s"),
])
def test_a_damaged_spec_is_one_line_naming_the_field(bad, says):
    d = {**specs.PipelineSpec().to_dict(), **bad}
    with pytest.raises(specs.SpecError) as e:
        specs.PipelineSpec.from_dict(d, "here")
    assert says in str(e.value) and str(e.value).startswith("here: ") and "\n" not in str(e.value)


def test_the_builder_makes_what_the_spec_says():
    spec = specs.PipelineSpec(smoothing="one-euro", dwell_s=0.6, lockon_s=0.2, induced_offset="30,-20", autocal=True,
                              layout="qwerty", suggestions=3, clear_confirm_s=4.0)
    session = specs.build_session(spec, SCREEN)
    pipe, model = session.pipeline, session.model
    assert isinstance(pipe.smoother, OneEuroFilter)
    assert pipe.dwell.config.dwell_s == 0.6 and pipe.dwell.config.lockon_s == 0.2
    assert pipe.induced is not None and pipe.induced.model.at(0.0) == (30.0, -20.0)
    assert type(pipe.calibrator).__name__ == "AutoCalibrator"
    assert model.key_layout.name == "qwerty" and model.suggestions == 3 and model.clear_confirm_s == 4.0
    plain = specs.build_pipeline(specs.PipelineSpec(), SCREEN)
    assert plain.smoother is None and plain.induced is None and type(plain.calibrator).__name__ == "NullCalibrator"
    # a recording holds gaze as reported: replay never induces the offset again
    assert specs.build_pipeline(spec, SCREEN, induce=False).induced is None


def test_reconfigure_changes_only_what_changed():
    spec = specs.PipelineSpec(dwell_s=1.0, layout="qwerty")
    session = specs.build_session(spec, SCREEN)
    engine, cal = session.pipeline.dwell, session.pipeline.calibrator
    evs = specs.reconfigure(session, spec, spec.with_changes(dwell_s=0.5, smoothing="one-euro"), 1.0, screen=SCREEN)
    assert session.pipeline.dwell is engine and engine.config.dwell_s == 0.5
    assert session.pipeline.smoother is not None and session.pipeline.calibrator is cal and evs == []
    evs = specs.reconfigure(session, spec, spec.with_changes(layout="alphabetic"), 2.0, screen=SCREEN)
    assert session.model.key_layout.name == "alphabetic" and any(ev.region == "keyboard" for ev in evs)


@pytest.mark.subprocess
def test_a_recording_with_a_damaged_spec_is_refused_in_one_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    extra = {specs.SPEC_KEY: {**specs.PipelineSpec().to_dict(), "dwell_s": -1}}
    with RecordingWriter(path, Header(SCREEN, 60.0, source="test", extra=extra)):
        pass
    with pytest.raises(RecordingError):
        specs.from_header(Header(SCREEN, extra=extra))
    r = run_cli("replay", str(path))
    assert r.returncode == 2 and "dwell_s" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_spec_marker_round_trips():
    spec = specs.PipelineSpec(dwell_s=0.4)
    ev = specs.spec_marker(spec, 3.0)
    assert specs.spec_of_marker(ev) == spec
    assert specs.spec_of_marker(MarkerEvent(1.0, "study.trial_start", {})) is None


def test_the_headless_study_runs_the_study_windows_spec(tmp_path):
    """The headless and simulated study run the protocol the window runs: smoothing included."""
    from gazetype.sim.headless import HeadlessRun
    from gazetype.study.runner import study_spec
    from gazetype.study.setup import RunOptions, prepare_run
    opts = RunOptions(str(tmp_path / "s"), "P01", n_phrases=1, n_practice=0, dwell_s=0.5)
    ctx = prepare_run(opts, screen=SCREEN, sample_rate_hz=120.0, now_utc="2026-12-08T00:00:00Z", app_version="t")
    try:
        assert ctx.spec == study_spec(dwell_s=0.5, tracker="sim") and ctx.spec.smoothing == "one-euro"
        stored = json.loads(ctx.store.session(ctx.session.id).settings_json)[specs.SPEC_KEY]
        assert specs.PipelineSpec.from_dict(stored) == ctx.spec
        hr = HeadlessRun(ctx, screen=SCREEN)
        assert isinstance(hr.pipeline.smoother, OneEuroFilter) and hr.pipeline.dwell.config.dwell_s == 0.5
    finally:
        ctx.close()


def test_a_recording_made_with_a_layout_file_that_is_not_here_still_replays(tmp_path):
    from gazetype.pipeline.replay import replay
    from gazetype.tracker.sample import GazeSample
    spec = specs.PipelineSpec(layout=str(tmp_path / "gone.json"))
    path = tmp_path / "r.jsonl"
    with RecordingWriter(path, Header(SCREEN, 60.0, source="test", extra=specs.header_extra(spec))) as w:
        w.write(GazeSample(0.0, 10.0, 10.0, True))
    assert replay(path).samples == 1
