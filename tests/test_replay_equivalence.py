"""Replay rebuilds what ran: a session recorded live (headless here, the window in
test_window_replay.py) replays from the recording alone to the same text and the same
selections, for every key type, a change of settings during the session and pausing."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gazetype.keyboard.layout import CALIBRATE, CLEAR, DONE, SLEEP
from gazetype.keyboard.predict import Predictor
from gazetype.pipeline import spec as specs
from gazetype.pipeline.replay import replay
from gazetype.recording.v1 import Header, RecordingReader, RecordingWriter
from gazetype.tracker.sample import GazeSample
from gazetype.tracker.screen import Screen

SCREEN = Screen(1280, 800)
RATE_HZ = 60.0
PREDICTOR = Predictor()  # one wordfreq load for the whole module


class Driver:
    """Looks at keys of a live headless session as a person would: a dwell on the key,
    then a look at the text; records everything through the session's pipeline."""

    def __init__(self, spec: specs.PipelineSpec, path) -> None:
        self.spec = spec
        self.writer = RecordingWriter(path, Header(SCREEN, RATE_HZ, source="test", extra=specs.header_extra(spec)))
        self.session = specs.build_session(spec, SCREEN, model=specs.build_model(spec, SCREEN, predictor=PREDICTOR),
                                           recorder=self.writer)
        self.model = self.session.model
        self.t = 0.0
        self.session.start(0.0)

    def gaze(self, x: float, y: float, dur_s: float, valid: bool = True) -> None:
        end = self.t + dur_s
        while self.t < end:
            self.t += 1.0 / RATE_HZ
            self.session.feed(GazeSample(self.t, x, y, valid))

    def away(self) -> None:
        o = self.model.layout.output
        self.gaze((o[0] + o[2]) / 2, (o[1] + o[3]) / 2, 0.3)

    def dwell(self, key_id: str) -> None:
        k = self.model.keys.get(key_id)  # asleep, only the sleep key is live: the others do nothing
        self.gaze(k.cx_px, k.cy_px, self.spec.lockon_s + self.spec.dwell_s + 0.2)
        self.away()

    def change(self, **changes) -> None:
        """The settings dialog: a new spec, applied and recorded as the window does."""
        new = self.spec.with_changes(**changes)
        evs = specs.reconfigure(self.session, self.spec, new, self.t, screen=SCREEN)
        self.session.pipeline.on_marker(specs.spec_marker(new, self.t))
        self.session.publish(evs)
        self.spec = new

    def close(self) -> None:
        self.writer.close()


WINDOW_SPEC = specs.PipelineSpec(tracker="mouse", smoothing="one-euro", dwell_s=0.4, layout="qwerty",
                                 clear_confirm_s=4.0, window_px=(0, 0, 1280, 800), suggestions=4)


def replayed_same(drv: Driver, path) -> None:
    res = replay(path)
    live = [(round(s.t_s, 6), s.key_id) for s in drv.session.selections]
    assert [k for _, k in res.selections] == [k for _, k in live]
    assert res.typed_text == drv.model.buffer.text


def test_the_issues_sequence_replays_to_the_live_text(tmp_path):
    drv = Driver(WINDOW_SPEC.with_changes(suggestions=0), tmp_path / "r.jsonl")
    for k in ["h", "i", "space", "page:phrases", "phrase:thank you", CLEAR, CLEAR, "undo", "shift", "o", DONE]:
        drv.dwell(k)
    drv.close()
    assert drv.model.buffer.text == "hi thank you O\n"
    replayed_same(drv, tmp_path / "r.jsonl")


def test_sleep_calibrate_pause_and_a_settings_change_replay_the_same(tmp_path):
    drv = Driver(WINDOW_SPEC, tmp_path / "r.jsonl")
    drv.dwell("a")
    drv.dwell(SLEEP)
    drv.dwell("b")  # asleep: not a live key, nothing happens
    drv.dwell(SLEEP)
    drv.dwell(SLEEP)  # awake again
    drv.dwell("page:symbols")
    drv.dwell(CALIBRATE)
    drv.dwell(CALIBRATE)
    drv.dwell("page:letters")
    drv.change(dwell_s=0.25, smoothing="none", suggestions=3)
    drv.dwell("c")
    drv.session.pipeline.paused = True
    k = drv.model.keys.get("d")
    drv.gaze(k.cx_px, k.cy_px, 1.5)  # paused: dwelling on d types nothing
    drv.session.pipeline.paused = False
    drv.away()
    word = next(k for k in drv.model.keys if k.key_id.startswith("word:"))
    drv.dwell(word.key_id)
    drv.close()
    assert drv.model.buffer.text.startswith("ac") and "d" not in drv.model.buffer.text[:3]
    kinds = {ev.label for ev in RecordingReader(tmp_path / "r.jsonl") if getattr(ev, "label", None)}
    assert {"spec", "hold"} <= kinds
    replayed_same(drv, tmp_path / "r.jsonl")


@settings(max_examples=25)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=14), st.booleans())
def test_random_key_sequences_replay_to_the_live_text_and_selections(tmp_path_factory, picks, study):
    """Any keys on the screen, in any order (pages, phrases, suggestions, clear and its
    confirmation, undo, shift, sleep and waking, done)."""
    spec = specs.PipelineSpec(tracker="sim", smoothing="one-euro", dwell_s=0.3, layout="study") if study \
        else WINDOW_SPEC.with_changes(dwell_s=0.3)
    path = tmp_path_factory.mktemp("rec") / "r.jsonl"
    drv = Driver(spec, path)
    for p in picks:
        keys = list(drv.model.live_keys)
        drv.dwell(keys[p % len(keys)].key_id)
    drv.close()
    replayed_same(drv, path)


def test_a_recording_without_a_spec_replays_with_the_defaults_it_had(tmp_path):
    """Recordings made before the spec: the header has none; replay as before."""
    spec = specs.PipelineSpec(dwell_s=1.0)
    path = tmp_path / "old.jsonl"
    drv = Driver(spec, path)
    drv.writer.close()
    drv.writer = RecordingWriter(path.with_name("old2.jsonl"), Header(SCREEN, RATE_HZ, source="test"))
    drv.session.pipeline.recorder = drv.writer
    drv.session.start(drv.t)
    for k in "hey":
        drv.dwell(k)
    drv.close()
    assert specs.from_header(RecordingReader(path.with_name("old2.jsonl")).header) == specs.LEGACY
    assert replay(path.with_name("old2.jsonl")).typed_text == "hey"
