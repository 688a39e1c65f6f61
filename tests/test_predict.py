"""Word prediction (keyboard.predict): ranking, stable slots, capitalisation, learning
only finished text, the history's counts and their reset."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gazetype.keyboard.history import History
from gazetype.keyboard.predict import (
    BaseVocabulary,
    Predictor,
    UserWords,
    assign_slots,
    completion,
    context_of,
    wordfreq_vocabulary,
    words_of,
)
from gazetype.keyboard.text import TextBuffer

TINY = BaseVocabulary.from_frequencies({"the": 0.05, "there": 0.01, "then": 0.008, "help": 0.002,
                                        "hello": 0.001, "need": 0.003, "water": 0.0005})


def test_wordfreq_base_completes_and_predicts():
    p = Predictor(wordfreq_vocabulary())
    assert "help" in p.predict("I need hel", 5)
    assert p.predict("", 3) == ["the", "to", "and"]
    assert all(w.startswith("wat") for w in p.predict("wat", 5))


def test_the_typed_word_is_no_candidate():
    assert "the" not in Predictor(TINY).predict("the", 5)
    assert Predictor(TINY).predict("the", 5) == ["there", "then"]


def test_user_pairs_predict_the_next_word():
    user = UserWords()
    for _ in range(3):
        user.learn("I need water")
    p = Predictor(TINY, user)
    assert p.predict("I need ", 1) == ["water"]
    assert context_of("I need wa") .previous == "need"
    assert context_of("I need. wa").previous is None  # no pair across a sentence end


def test_completion_keeps_the_texts_capitalisation():
    assert completion("I need hel", "help") == "p "
    assert completion("Hel", "hello") == "lo "
    assert completion("HEL", "hello") == "LO "
    assert completion("", "hello", shift="once") == "Hello "
    assert completion("ok,", "then") == " then "
    assert completion("so ", "i") == "I "


@given(st.lists(st.sampled_from(["the", "there", "then", "help", "hello", "need", "water", "a", "b", "c"]),
                max_size=8),
       st.lists(st.sampled_from(["the", "there", "then", "help", "hello", "need", "water", "a", "b", "c"]),
                max_size=12),
       st.integers(min_value=1, max_value=5))
def test_a_candidate_that_stays_keeps_its_slot(prev, ranked, n):
    prev = list(dict.fromkeys(prev))[:n]
    slots = assign_slots(prev, ranked, n)
    shown = list(dict.fromkeys(ranked))[:n]
    assert len(slots) == n
    assert sorted(w for w in slots if w) == sorted(shown)  # exactly the best n
    for i, w in enumerate(prev):
        if w in shown:
            assert slots[i] == w


KEYS = st.lists(st.sampled_from(list("abcxyz") + ["space", "backspace", "backspace"]), max_size=40)


@settings(max_examples=60, deadline=None)
@given(KEYS)
def test_an_erased_word_is_never_learnt_nor_suggested(keys):
    """Type with erasures; learn the finished text: a word that was typed and then
    erased (and is not in the finished text) never becomes a candidate."""
    buf = TextBuffer()
    typed_words: set[str] = set()
    for k in keys:
        buf.apply(k)
        typed_words.update(buf.text.split())
    user = UserWords()
    user.learn(buf.text)
    erased = typed_words - set(buf.text.split())
    p = Predictor(BaseVocabulary.from_frequencies({}), user)
    for prefix in ["", "a", "b", "c", "x", "y", "z", "ab", "xy"]:
        for w in p.predict(prefix, 5):
            assert w not in erased
            assert w in buf.text.split()


def test_history_keeps_and_clears_the_learnt_words(tmp_path):
    h = History(tmp_path / "h.sqlite")
    user = UserWords()
    h.learn_words("I need water. Water please", user)
    assert user.words["water"] == 2 and user.pairs["need"]["water"] == 1
    assert "water" not in user.pairs.get("please", {}) and "water" not in user.pairs.get("water", {})
    h.close()
    again = History(tmp_path / "h.sqlite").user_words()
    assert again.words == user.words and again.pairs == user.pairs
    h2 = History(tmp_path / "h.sqlite")
    h2.clear()
    assert not h2.user_words().words and not h2.user_words().pairs


# -- the suggestion row in the keyboard model, and the metrics ---------------------

def _model(n=4):
    from gazetype.keyboard.model import KeyboardModel

    return KeyboardModel((0, 0, 1000, 700), layout="qwerty", suggestions=n, predictor=Predictor(TINY))


def test_the_row_is_keys_above_the_keys_and_a_region():
    m = _model()
    words = [k for k in m.keys if k.key_id.startswith("word:")]
    assert [k.key_id for k in words] == ["word:the", "word:there", "word:then", "word:need"]
    letters = [k for k in m.keys if not k.key_id.startswith("word:")]
    assert max(k.box[3] for k in words) <= min(k.box[1] for k in letters)
    evs = {e.region: e for e in m.layout_events(0.0)}
    assert [it.text for it in evs["suggestions"].items] == ["the", "there", "then", "need"]
    assert {it.text for it in evs["keyboard"].items} >= {"word:the", "a", "space"}


def test_selecting_a_suggestion_inserts_word_and_space_as_one_keystroke():
    from gazetype.study.metrics import error_counts, keystroke_savings, kspc

    m = _model()
    m.select("shift", 0.0)
    for k in "he":
        m.select(k, 1.0)
    assert m.slots[:2] == ("help", "hello") or "help" in m.slots
    change, evs = m.select("word:help", 2.0)
    assert change.text == "Help " and m.buffer.shift == "off"
    assert {e.region for e in evs} >= {"output"}
    stream = m.buffer.input_stream
    assert kspc(stream, "Help ") == 3 / 5  # H, e, the suggestion
    assert keystroke_savings(stream, "Help ") == 1 - 3 / 5
    c = error_counts("help ", "Help ", stream)
    assert c.if_ == 0 and c.f == 0
    m.select("undo", 3.0)
    assert m.buffer.text == "He"


@given(st.lists(st.sampled_from(["t", "h", "e", "n", "space", "backspace", "word:the", "word:then",
                                 "word:there", "word:help", "word:need"]), max_size=30))
@settings(max_examples=80, deadline=None)
def test_row_slots_stay_put_and_metrics_count_words_once(keys):
    from gazetype.study.metrics import entered_chars, keystrokes

    m = _model(3)
    n_keys = 0
    for k in keys:
        before = m.slots
        change, _ = m.select(k, 0.0)
        n_keys += change is not None
        for i, w in enumerate(before):
            if w is not None and w in m.slots:
                assert m.slots[i] == w  # a candidate that stays keeps its place
        assert len(m.slots) == 3
    s = m.buffer.input_stream
    assert keystrokes(s) == n_keys
    # characters entered minus backspaces rebuild the text
    out = ""
    for ch in entered_chars(s):
        out = out[:-1] if ch == "\b" else out + ch
    assert out == m.buffer.text


def test_the_simulated_person_reads_and_uses_the_row():
    from dataclasses import replace

    from gazetype.sim.person import UserParams, simulate_typing

    phrases = ["please bring an umbrella", "the kettle is boiling"]
    params = replace(UserParams(), scan_p=1.0, miss_p=0.0, slip_p=0.0)
    session, user, _ = simulate_typing(phrases, params=params, seed=3, suggestions=5, predictor=Predictor())
    lines = session.model.buffer.text.split("\n")
    assert [ln.rstrip(" ") for ln in lines[:2]] == phrases
    words = [s.key_id for s in session.selections if s.key_id.startswith("word:")]
    assert "word:please" in words and len(words) >= 4
    assert any(kind == "suggestion" for _, _, kind, _, _ in user.log)
    ignoring = replace(params, scan_p=0.0)
    session, user, _ = simulate_typing(phrases[:1], params=ignoring, seed=3, suggestions=5, predictor=Predictor())
    assert not any(s.key_id.startswith("word:") for s in session.selections)
    assert not any(kind == "suggestion" for _, _, kind, _, _ in user.log)


@pytest.mark.slow
def test_prediction_is_a_study_factor(tmp_path):
    """`--conditions calibrated,predicted`: the predicted condition shows the row (the
    simulated participants use it: KSPC below 1), the calibrated one does not; the
    trial's text ends at the last word (no suggestion space), so no error is counted."""
    from gazetype.sim.study import SimStudyConfig, run_simulated_study
    from gazetype.study.design import CONDITIONS

    assert CONDITIONS["predicted"].suggestions == 5 and not CONDITIONS["predicted"].induced
    cfg = SimStudyConfig(participants=2, phrases=2, practice=0, seed=1, conditions="calibrated,predicted")
    r = run_simulated_study(str(tmp_path / "s"), cfg, now_utc="test").to_json()
    assert r["conditions"]["predicted"]["kspc"] < 0.95 <= r["conditions"]["calibrated"]["kspc"]
    assert r["conditions"]["predicted"]["msd_error_rate"] == 0.0


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_a_recording_with_the_row_replays_its_suggestions(tmp_path, seed):
    """The row's keys and selections are in the recording; replay finds the same
    selections by dwell (the keyboard region carries the candidates) and types the same
    text (seeds 1 and 3 lost a selection before the replay held the layout a recorded
    selection caused until it made that selection too)."""
    from dataclasses import replace

    from gazetype.pipeline.replay import replay
    from gazetype.recording.v1 import Header, RecordingWriter, read_recording
    from gazetype.sim.person import UserParams, simulate_typing
    from gazetype.tracker.screen import Screen

    path = tmp_path / "rec.jsonl"
    rec = RecordingWriter(path, Header(Screen(), 120.0, "sim"))
    params = replace(UserParams(), scan_p=1.0, miss_p=0.0, slip_p=0.0)
    session, _, _ = simulate_typing(["please bring an umbrella", "the kettle is boiling"], params=params,
                                    seed=seed, suggestions=5, predictor=Predictor(), recorder=rec)
    rec.close()
    live = [s.key_id for s in session.selections]
    assert any(k.startswith("word:") for k in live)
    regions = {getattr(e, "region", None) for e in read_recording(path).events}
    assert "suggestions" in regions
    res = replay(path)
    assert [k for _, k in res.selections] == live
    assert res.typed_text == session.model.buffer.text


def _context_by_regex(text: str):
    """context_of as it was written first (whole-text regular expressions): the reference."""
    import re
    prefix = re.search(r"[A-Za-z']*$", text).group(0)
    before = text[: len(text) - len(prefix)]
    sentence = re.split(r"[.!?\n]", before)[-1]
    prev = words_of(sentence)
    previous = prev[-1] if prev and re.search(r"[A-Za-z']\s+$", sentence) else None
    return prefix, previous


@settings(max_examples=400)
@given(st.text(alphabet="aZ' .!?\n,\t-é", max_size=40))
def test_context_from_the_end_is_the_whole_texts(text):
    ctx = context_of(text)
    assert (ctx.prefix, ctx.previous) == _context_by_regex(text)

