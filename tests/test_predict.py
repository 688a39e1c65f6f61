"""Word prediction (keyboard.predict): ranking, stable slots, capitalisation, learning
only finished text, the history's counts and their reset."""
from __future__ import annotations

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
