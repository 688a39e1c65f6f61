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
