"""Keyboard geometry, hit-testing, output text layout and the text buffer."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gazetype.keyboard.layout import PAGES, ScreenLayout, compute_keys
from gazetype.keyboard.text import TextBuffer, replay_keys
from gazetype.keyboard.textlayout import layout_text, mono_measure


@given(w=st.integers(300, 4000), h=st.integers(200, 3000), page=st.sampled_from(sorted(PAGES)))
def test_every_key_hits_itself_and_stays_in_its_box(w, h, page):
    box = (10.0, 20.0, 10.0 + w, 20.0 + h)
    keys = compute_keys(box, page)
    assert len(keys) == sum(len(r) for r in PAGES[page])
    for k in keys:
        assert keys.key_at(k.cx_px, k.cy_px) is k
        assert box[0] <= k.box[0] < k.box[2] <= box[2] + 1e-6
        assert box[1] <= k.box[1] < k.box[3] <= box[3] + 1e-6
    assert keys.key_at(box[0] - 5, box[1] - 5) is None
    assert keys.key_at(float("nan"), 100.0) is None


def test_letters_page_has_the_keys_users_expect():
    ids = {k.key_id for k in compute_keys((0, 0, 1000, 400), "letters")}
    assert set("abcdefghijklmnopqrstuvwxyz") <= ids
    assert {"space", "backspace", "clear", "done", "page:symbols"} <= ids
    sym = {k.key_id for k in compute_keys((0, 0, 1000, 400), "symbols")}
    assert set("0123456789.,?!") <= sym | ids and "page:letters" in sym


def test_screen_layout_stacks_target_output_keyboard():
    lay = ScreenLayout.compute((0, 0, 1920, 1080), target_frac=0.1)
    assert lay.target[3] < lay.output[1] < lay.output[3] < lay.keyboard[1]
    with pytest.raises(ValueError):
        ScreenLayout.compute((0, 0, 10, 10))


@given(st.text(alphabet="abc defghij\n", max_size=200), st.integers(150, 1500))
def test_wrapped_words_fit_the_panel(text, width):
    box = (100.0, 50.0, 100.0 + width, 650.0)
    tl = layout_text(text, box, 32, mono_measure(32))
    for w in tl.words:
        assert box[0] <= w.box[0] and w.box[2] <= box[2] + 1e-6
        assert box[1] <= w.box[1] and w.box[3] <= box[3] + 1e-6
        assert " " not in w.text and w.text
    # words come out in reading order and rebuild the visible text
    visible = [l.index for l in tl.lines]
    assert visible == sorted(visible)


def test_long_text_wraps_onto_lines_and_scrolls_to_the_caret():
    text = " ".join(["word"] * 200)
    tl = layout_text(text, (0, 0, 600, 300), 40)
    assert tl.total_lines > len(tl.lines) > 1
    assert tl.lines[-1].index == tl.total_lines - 1
    assert tl.caret[1] == tl.lines[-1].top_px


def test_text_buffer_keys_and_input_stream():
    b = TextBuffer()
    for k in ["h", "i", "space", "x", "backspace", "t", "h", "e", "r", "e"]:
        b.apply(k)
    assert b.text == "hi there"
    assert b.input_stream == "hi x\bthere"
    assert b.apply("page:symbols") is None
    assert b.apply("done").done
    b.apply("clear")
    assert b.text == "" and b.input_stream.endswith("\b" * len("hi there"))
    assert replay_keys(["a", "b", "backspace", "backspace", "backspace"]) == ""


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["a", "b", " ", "\n", "wide" * 9, "back", "clear", "box", "font"]),
                          st.text(alphabet="xy \n", max_size=6)), max_size=40),
       st.integers(min_value=0, max_value=3))
def test_the_wrap_cache_changes_nothing(edits, scroll):
    """A growing text laid out again and again with one WrapCache (only the last
    paragraph wrapped again) gives exactly the layout without it, whatever the edits."""
    from gazetype.keyboard.textlayout import WrapCache

    cache = WrapCache()
    text, box, font = "", (0.0, 0.0, 400.0, 300.0), 20.0
    for e in edits:
        if e == "back":
            text = text[:-1]
        elif e == "clear":
            text = ""
        elif e == "box":
            box = (0.0, 0.0, 250.0, 300.0) if box[2] == 400.0 else (0.0, 0.0, 400.0, 300.0)
        elif e == "font":
            font = 30.0 if font == 20.0 else 20.0
        else:
            text += e
        assert layout_text(text, box, font, cache=cache, scroll_lines=scroll) == \
            layout_text(text, box, font, scroll_lines=scroll)
