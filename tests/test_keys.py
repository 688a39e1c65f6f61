"""The keyboard's layouts (data files) and its gaze keys, headless: shift and caps lock,
undo, a confirmed clear, sleep and wake, speak, copy and the phrases page."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.keyboard.layout import PAGES, LayoutError, compute_keys, layout_names, load_layout, load_layout_file
from gazetype.keyboard.model import KeyboardModel
from gazetype.keyboard.text import TextBuffer, current_sentence

WINDOW = (0.0, 0.0, 1280.0, 800.0)
LETTERS = "abcdefghijklmnopqrstuvwxyz"
ACTIONS = ["space", "backspace", "clear", "done", "shift", "undo", "sleep", "speak", "copy", "page:symbols",
           "page:letters", "page:phrases"]


def app_model(layout="qwerty", **kw):
    return KeyboardModel(WINDOW, layout=layout, clear_confirm_s=3.0, **kw)


# -- layouts ---------------------------------------------------------------------------
def test_the_shipped_layouts_load_and_have_every_key():
    assert {"qwerty", "alphabetic", "study"} <= set(layout_names())
    for name in ("qwerty", "alphabetic"):
        lay = load_layout(name)
        ids = {k for rows in lay.pages.values() for row in rows for k, _ in row}
        assert set(LETTERS) <= ids and set("0123456789.,?!") <= ids
        assert {"space", "backspace", "clear", "done", "shift", "undo", "sleep", "speak", "copy", "save",
                "page:symbols", "page:letters", "page:phrases", "phrase"} <= ids


@pytest.mark.parametrize("name", ["qwerty", "alphabetic"])
def test_clear_is_not_beside_space_or_done(name):
    keys = compute_keys(WINDOW, "letters", layout=name)
    clear = keys.get("clear")
    for other in ("space", "done"):
        k = keys.get(other)
        assert abs(k.cy_px - clear.cy_px) > 2 * clear.height_px, f"clear is near {other}"


def test_alphabetic_rows_are_in_alphabetical_order():
    keys = [k.key_id for k in compute_keys(WINDOW, "letters", layout="alphabetic") if k.key_id.isalpha() and len(k.key_id) == 1]
    assert keys == sorted(keys) == list(LETTERS)


def test_the_study_layout_is_pinned():
    """Studies and their logs depend on it: changing it changes every condition."""
    assert PAGES["letters"] == (
        tuple((c, 1.0) for c in "qwertyuiop"),
        tuple((c, 1.0) for c in "asdfghjkl") + (("backspace", 1.0),),
        tuple((c, 1.0) for c in "zxcvbnm,.?"),
        (("page:symbols", 1.5), ("space", 4.5), ("clear", 1.5), ("done", 2.5)))
    assert PAGES["symbols"][1] == tuple((c, 1.0) for c in "-'\":;!@()") + (("backspace", 1.0),)
    assert set(PAGES) == {"letters", "symbols"}
    from gazetype.study.runner import study_model
    from gazetype.tracker.screen import Screen
    assert study_model(Screen()).key_layout.name == "study"


@pytest.mark.parametrize("content, problem", [
    ("{", "not valid JSON"),
    ("[]", "expected an object"),
    ('{"pages": {"symbols": ["abc"]}}', 'no "letters" page'),
    ('{"pages": {"letters": ["abc", "ab"]}}', "row 2 spans 2 units, the first row 3"),
    ('{"pages": {"letters": [["a", "teleport"]]}}', "unknown key 'teleport'"),
    ('{"pages": {"letters": [["a", "page:emoji"]]}}', "switches to a page the layout lacks"),
    ('{"pages": {"letters": ["aa"]}}', "key 'a' twice"),
    ('{"pages": {"letters": [[["a", 0]]]}}', "width 0"),
    ('{"pages": {"letters": ["a b"]}}', "without spaces"),
])
def test_a_bad_layout_file_is_one_line_naming_file_and_problem(tmp_path, content, problem):
    f = tmp_path / "mine.json"
    f.write_text(content)
    with pytest.raises(LayoutError) as e:
        load_layout_file(f)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(str(f)) and problem in msg


def test_an_unknown_layout_name_lists_the_layouts():
    with pytest.raises(LayoutError, match="unknown layout 'dvorak'; layouts: alphabetic, qwerty, study"):
        load_layout("dvorak")


def test_a_layout_is_a_file(tmp_path):
    f = tmp_path / "abc.json"
    f.write_text(json.dumps({"pages": {"letters": ["abc", [["space", 2], "done"]]}}))
    m = KeyboardModel(WINDOW, layout=str(f))
    assert [k.key_id for k in m.keys] == ["a", "b", "c", "space", "done"]


# -- shift, undo, clear -----------------------------------------------------------------
def test_shift_capitalises_the_next_letter_and_twice_is_caps_lock():
    m = app_model()
    for k in ["shift", "h", "i", "space"]:
        m.select(k, 0.0)
    assert m.buffer.text == "Hi " and m.label("a") == "a"
    m.select("shift", 0.0)
    assert m.label("a") == "A" and m.active("shift")
    m.select("shift", 0.0)  # the second dwell in a row: caps lock
    assert "ABC" in m.label("shift")
    for k in "ok,":
        m.select(k, 0.0)
    assert m.buffer.text == "Hi OK,"
    m.select("shift", 0.0)
    m.select("x", 0.0)
    assert m.buffer.text == "Hi OK,x" and not m.active("shift")


TEXT_KEYS = st.lists(st.sampled_from(list("abz,.") + ["space", "backspace", "clear", "done", "shift", "undo"]),
                     max_size=40)


@given(keys=TEXT_KEYS, last=st.sampled_from(list("ab.") + ["space", "backspace", "clear", "done"]))
def test_undo_after_any_keys_restores_the_text_before_the_last_edit(keys, last):
    b = TextBuffer(done_inserts_newline=True)
    for k in keys:
        b.apply(k)
    before = b.text
    if b.apply(last) is None or b.text == before:
        return  # nothing changed: nothing to undo
    b.apply("undo")
    assert b.text == before


@given(keys=TEXT_KEYS)
def test_undo_all_the_way_gets_back_to_nothing(keys):
    b = TextBuffer(done_inserts_newline=True)
    for k in keys:
        b.apply(k)
    while b.can_undo:
        b.apply("undo")
    assert b.text == ""


def test_clear_asks_for_a_second_dwell_and_can_be_undone():
    m = app_model()
    for k in "hello":
        m.select(k, 0.0)
    change, _ = m.select("clear", 1.0)
    assert change is None and m.buffer.text == "hello" and "again" in m.label("clear")
    m.tick(4.5)  # past the 3 s to confirm: the clear lapses
    assert m.clear_armed_until is None and m.label("clear") == "clear"
    m.select("clear", 5.0)
    m.select("x", 5.5)  # another key in between: no longer asked
    m.select("clear", 6.0)
    assert m.buffer.text == "hellox"
    change, _ = m.select("clear", 7.0)
    assert change is not None and m.buffer.text == ""
    m.select("undo", 8.0)
    assert m.buffer.text == "hellox"


def test_the_studies_clear_stays_immediate():
    m = KeyboardModel(WINDOW)  # the study layout, no confirmation: as in every study so far
    m.select("a", 0.0)
    m.select("clear", 0.0)
    assert m.buffer.text == ""


# -- sleep ------------------------------------------------------------------------------
def asleep_model():
    m = app_model()
    for k in "hi":
        m.select(k, 0.0)
    _, evs = m.select("sleep", 1.0)
    assert m.asleep and [it.text for it in evs[0].items] == ["sleep"]
    return m


ALL_KEYS = st.sampled_from(list(LETTERS) + ACTIONS + ["phrase:yes"])


@given(keys=st.lists(st.tuples(ALL_KEYS, st.floats(0.0, 30.0)), max_size=30))
def test_asleep_no_key_types_and_a_single_dwell_never_wakes(keys):
    m = asleep_model()
    t = 1.0
    sleeps = 0
    for k, dt in keys:
        t += dt
        if k == "sleep":
            sleeps += 1
            if sleeps > 1:
                break  # a second dwell in a row may wake it; the first never does
        m.tick(t)
        m.select(k, t)
        assert m.asleep and m.buffer.text == "hi" and m.page == "letters"
        assert [k.key_id for k in m.live_keys] == ["sleep"]


def test_two_dwells_in_a_row_wake_but_not_two_far_apart():
    m = asleep_model()
    m.select("sleep", 2.0)
    assert m.asleep and "again" in m.label("sleep")
    m.tick(8.0)  # past the 5 s window
    m.select("sleep", 8.0)
    assert m.asleep
    _, evs = m.select("sleep", 9.5)
    assert not m.asleep and len(evs[0].items) == len(m.keys) > 30
    assert [a.kind for a in m.take_actions()] == ["sleep", "wake"]


def test_asleep_the_dwell_engine_selects_nothing_but_the_sleep_key():
    m = asleep_model()
    eng = DwellEngine(m.live_keys, DwellConfig(dwell_s=0.3, lockon_s=0.05))
    sels = []
    t = 0.0
    for k in m.keys:  # dwell 1 s on every key of the keyboard, in turn
        for _ in range(120):
            t += 1 / 120
            sels += [s.key_id for s in eng.update(t, k.cx_px, k.cy_px)]
    assert set(sels) == {"sleep"} and len(sels) == 1


# -- speak, copy, phrases ----------------------------------------------------------------
def test_speak_says_the_current_sentence_and_copy_takes_all_the_text():
    assert current_sentence("Hello there. How are") == "How are"
    assert current_sentence("Hello there. How are you? ") == "How are you?"
    assert current_sentence("one\ntwo") == "two" and current_sentence("") == ""
    m = app_model()
    for k in ["h", "i", ".", "space", "y", "o"]:
        m.select(k, 0.0)
    m.select("speak", 1.0)
    m.select("copy", 2.0)
    acts = m.take_actions()
    assert [(a.kind, a.text) for a in acts] == [("speak", "yo"), ("copy", "hi. yo")]
    assert m.take_actions() == []


def test_a_phrase_goes_into_the_text_and_is_spoken():
    m = app_model(phrases=("yes", "thank you", "call my wife"))
    m.select("h", 0.0)
    m.select("page:phrases", 0.0)
    ids = [k.key_id for k in m.keys]
    assert {"phrase:yes", "phrase:thank you", "phrase:call my wife", "page:letters", "sleep"} <= set(ids)
    assert m.keys.get("phrase:thank you").label == "thank you"
    change, evs = m.select("phrase:thank you", 1.0)
    assert change.text == "h thank you " and m.page == "letters"
    assert [(a.kind, a.text) for a in m.take_actions()] == [("speak", "thank you")]
    m.select("undo", 2.0)
    assert m.buffer.text == "h"


def test_done_hands_the_finished_line_over_and_save_keeps_it_as_a_phrase():
    m = app_model()
    for k in ["o", "k", "done", "h", "i", "done"]:
        m.select(k, 0.0)
    m.select("page:phrases", 0.0)
    m.select("save", 1.0)
    assert [(a.kind, a.text) for a in m.take_actions()] == [("done", "ok"), ("done", "hi"), ("save_phrase", "hi")]


def test_output_scrolls_back_and_typing_returns_to_the_caret():
    m = app_model()
    for _ in range(12):
        for k in ["w", "o", "r", "d", "done"]:
            m.select(k, 0.0)
    n = len(m.text_layout.lines)
    assert n > 2 and m.text_layout.lines[-1].index == m.text_layout.total_lines - 1
    m.scroll(3, 0.0)
    assert m.text_layout.lines[-1].index == m.text_layout.total_lines - 4
    m.scroll(1000, 0.0)
    assert m.text_layout.lines[0].index == 0
    m.select("a", 1.0)
    assert m.scroll_lines == 0 and m.text_layout.lines[-1].text.endswith("a")
