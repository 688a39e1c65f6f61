"""A long day (issue 23): what the live pipeline keeps per sample or per selection
stays bounded however long the session runs, and bounding it changed nothing else."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gazetype.keyboard.text import UNDO_DEPTH, TextBuffer

EDITS = st.lists(st.one_of(st.sampled_from(list("abA,.") + ["space", "backspace", "clear", "done", "shift", "undo",
                                                             "undo", "page:symbols"]),
                           st.tuples(st.sampled_from(["insert", "word"]), st.sampled_from(["hi ", "yes ", "ab "]))),
                 max_size=60)


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@settings(max_examples=300, deadline=None)
@given(EDITS)
def test_undo_by_edits_restores_what_whole_snapshots_did(edits):
    """The undo history keeps what each edit changed at the end of the text, not the
    text before it: the same text, shift, input stream and can_undo, step by step, as
    keeping (text, shift) before each edit (the reference here)."""
    b = TextBuffer(done_inserts_newline=True)
    snaps: list[tuple[str, str]] = []
    stream = ""
    for e in edits:
        before = (b.text, b.shift, b.input_stream)
        if e == "undo":
            change = b.apply("undo")
            if not snaps:
                assert change is None and (b.text, b.shift, b.input_stream) == before
                continue
            text, shift = snaps.pop()
            c = _common(before[0], text)
            stream += "\b" * (len(before[0]) - c) + text[c:]
            assert (b.text, b.shift, b.input_stream) == (text, shift, stream)
        else:
            if isinstance(e, tuple):
                kind, w = e
                b.insert(w, "phrase:x") if kind == "insert" else b.insert_word(w, "word:x")
            else:
                b.apply(e)
            if b.text != before[0]:
                snaps.append(before[:2])
            stream = b.input_stream
        assert b.can_undo == bool(snaps)


def test_undo_history_does_not_grow_with_the_text():
    """A day's typing: 3000 keys after 20,000 characters. At most UNDO_DEPTH edits are
    kept, and they hold what the edits changed (a letter, a line), not copies of the text."""
    b = TextBuffer(done_inserts_newline=True)
    b.insert("thank you for the flowers\n" * 800, "phrase:x")
    for i in range(3000):
        b.apply("backspace" if i % 11 == 10 else "done" if i % 97 == 96 else "abcdefgh"[i % 8])
    hist = b._undo
    assert len(hist) == UNDO_DEPTH
    assert sum(len(removed) for _, removed, _, _ in hist) <= UNDO_DEPTH
    for _ in range(UNDO_DEPTH):
        assert b.apply("undo") is not None
    assert not b.can_undo and b.apply("undo") is None


class _Pipe:
    """A pipeline whose every sample selects the next letter (and that nothing else)."""

    def __init__(self) -> None:
        self.n = 0

    def feed(self, s):
        from gazetype.keyboard.dwell import Selection
        from gazetype.pipeline.pipeline import Step
        self.n += 1
        return Step(s, (Selection(s.t_s, "abc"[self.n % 3]),), None)

    def on_select(self, ev) -> None: ...

    def on_layout(self, ev) -> None: ...


def test_a_session_keeps_the_latest_selections_and_counts_all():
    from gazetype.keyboard.model import KeyboardModel
    from gazetype.pipeline.session import SELECTIONS_KEPT, TypingSession
    from gazetype.tracker.sample import GazeSample

    model = KeyboardModel((0, 0, 1280, 800))
    session = TypingSession(model, _Pipe())
    n = SELECTIONS_KEPT + 700
    for i in range(n):
        session.feed(GazeSample(i * 0.01, 10.0, 10.0, True))
    assert session.n_selections == n and len(session.selections) == SELECTIONS_KEPT
    assert [s.t_s for s in session.selections] == [i * 0.01 for i in range(n - SELECTIONS_KEPT, n)]
    assert len(model.buffer.text) == n  # the text itself keeps everything typed
    every = TypingSession(KeyboardModel((0, 0, 1280, 800)), _Pipe(), keep_selections=None)
    for i in range(n):
        every.feed(GazeSample(i * 0.01, 10.0, 10.0, True))
    assert len(every.selections) == every.n_selections == n


def test_a_long_read_keeps_only_the_fixations_it_aligns():
    """An hour's reading of one text is one episode: it keeps at most twice the
    max_fixations it ever aligns, and its evidence is the same as from all of them."""
    from gazetype.calibration.episodes import episode_evidence
    from gazetype.calibration.estimator import OffsetEstimator
    from gazetype.calibration.fixation import Fixation
    from gazetype.calibration.reading import ReadingDetector
    from gazetype.keyboard.textlayout import layout_text
    from gazetype.tracker.events import LayoutEvent
    from gazetype.tracker.screen import Screen

    scr = Screen()
    text = ("reading is the best evidence there is because the eyes go straight to words whose place "
            "on the screen is known to the last pixel and they go there one after the other line by line")
    tl = layout_text(text, (200.0, 150.0, 1600.0, 900.0), 30.0, lambda s: 16.0 * len(s))
    est = OffsetEstimator(scr)
    rd = ReadingDetector(est, scr)
    rd.on_layout(LayoutEvent(0.0, "text", tl.words, text, None))
    keep = rd.config.episode.max_fixations
    every, t, k = [], 0.2, 0
    while len(every) < 2 * keep + 250:
        w = tl.words[k % len(tl.words)]
        f = Fixation(t, t + 0.22, w.box[0] + 0.45 * (w.box[2] - w.box[0]) + 12.0, w.cy_px - 9.0 + (k % 5), 26)
        rd.on_fixation(f, (0.0, 0.0))
        every.append(f)
        assert len(rd._ep.fixes) <= 2 * keep
        t, k = t + 0.25, k + 1
    ep = rd._ep
    assert ep.group == 1 and len(ep.fixes) < len(every)
    rd.flush()
    want, _ = episode_evidence(every, rd.regions["text"], 1, rd.ppd, rd.config.episode)
    assert [e for e in est.obs if e.group == 1] == [e for e in want if e.valid()] != []


def test_stream_stats_stay_bounded_when_time_stalls_or_jumps_back():
    from gazetype.tracker.sample import GazeSample
    from gazetype.tracker.stats import StreamStats

    st = StreamStats()
    for i in range(1200):  # 10 s at 120 Hz: the window holds 2 s of it
        st.add(GazeSample(100.0 + i / 120, 1.0, 1.0, i % 10 != 0))
    assert 240 <= len(st._times) <= 241 and abs(st.rate_hz - 120.0) < 0.5 and abs(st.loss_fraction - 0.1) < 0.01
    for i in range(3 * st.max_samples):  # the tracker's clock restarted an hour back, and stalls
        st.add(GazeSample(100.0 - 3600.0, 1.0, 1.0, i % 2 == 0))
    assert len(st._times) == len(st._valid) == st.max_samples
    assert st._n_invalid == sum(not v for v in st._valid) and abs(st.loss_fraction - 0.5) < 0.01
    assert st.total == 1200 + 3 * st.max_samples


def test_the_simulated_person_in_a_window_keeps_its_latest_fixations(monkeypatch):
    """`--tracker sim` in the keyboard window may run all day: the person's own log of
    fixations keeps the latest LOG_KEPT (here 50) while it types on."""
    from gazetype.app import compose
    from gazetype.keyboard.model import KeyboardModel
    from gazetype.pipeline.spec import PipelineSpec, build_pipeline
    from gazetype.sim.person import SimUserTracker
    from gazetype.tracker.screen import Screen

    monkeypatch.setattr(SimUserTracker, "LOG_KEPT", 50)
    screen = Screen()
    model = KeyboardModel((0, 0, screen.width_px, screen.height_px), layout="qwerty")
    clock = [0.0]
    choice = compose.open_tracker("sim", screen, model, clock=lambda: clock[0])
    parts = compose.assemble(choice, model, build_pipeline(PipelineSpec(dwell_s=0.6), screen))
    parts.session.start(0.0)
    parts.tracker.start()
    try:
        while clock[0] < 120.0:
            clock[0] += 0.05
            for s in parts.tracker.read():
                parts.session.feed(s)
    finally:
        parts.close()
    log = parts.tracker.user.log
    assert len(log) == 50 and log[-1][0] > 100.0  # the latest, up to the end
    assert parts.session.n_selections > 20 and model.buffer.text


def test_the_long_day_benchmark_runs_the_windows_objects():
    """benchmarks/long_day.py, a few simulated minutes: every sample the tracker made
    reached the pipeline, and the person typed."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "long_day.py"
    spec = importlib.util.spec_from_file_location("long_day", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = mod.run(0.03, 0, out=lambda *a, **k: None)
    g, row = res["goals"], res["rows"][0]
    assert g["lost_ok"] and g["samples_produced"] == g["samples_fed"] == row["samples"] == round(0.03 * 3600 * 120)
    assert row["selections"] > 10 and row["text_chars"] > 5
