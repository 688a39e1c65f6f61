"""Text-entry metrics against examples worked by hand from the definitions
(MacKenzie's WPM; Soukoreff and MacKenzie 2001/2003 MSD, KSPC, C/INF/IF/F)."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gazetype.keyboard.layout import BACKSPACE, CLEAR, SPACE
from gazetype.keyboard.text import TextBuffer
from gazetype.study.metrics import (
    KeyCounts,
    error_counts,
    kspc,
    mean_sd,
    msd,
    msd_error_rate,
    offset_error_px,
    trial_metrics,
    wpm,
)


def test_msd_known_pairs():
    assert msd("quickly", "qucehkly") == 3  # Soukoreff & MacKenzie 2001's example
    assert msd("kitten", "sitting") == 3
    assert msd("", "abc") == 3 and msd("abc", "") == 3
    assert msd("same", "same") == 0


def test_msd_error_rate_uses_longer_string():
    # MSD 3 over max(7, 8) characters.
    assert msd_error_rate("quickly", "qucehkly") == pytest.approx(37.5)
    assert msd_error_rate("", "") == 0.0


def test_wpm_hand_worked():
    # 19 characters, first entry at 2 s, last at 38 s: 18 timed characters in 36 s
    # = 0.5 char/s = 30 char/min = 6 words of 5 characters per minute.
    assert wpm("the quick brown fox", 2.0, 38.0) == pytest.approx(6.0)
    # 11 characters in 10 s: 10/10*60/5 = 12 WPM.
    assert wpm("hello world", 0.0, 10.0) == pytest.approx(12.0)


def test_wpm_undefined_cases_are_none():
    assert wpm("a", 0.0, 5.0) is None  # nothing timed
    assert wpm("abc", 3.0, 3.0) is None  # zero time
    assert wpm("abc", None, None) is None


def test_error_classification_hand_worked():
    # P = "the quick brown"; the participant typed "th quix", erased the x, typed
    # "ck brpown". T = "th quick brpown" (|T| = 15), IS has 17 entries.
    p = "the quick brown"
    is_ = "th quix\bck brpown"
    t = "th quick brpown"
    # MSD: 'e' missing and 'p' inserted = 2. C = 15 - 2 = 13, INF = 2,
    # F = 1 backspace, IF = |IS| - |T| - F = 17 - 15 - 1 = 1 (the erased x).
    c = error_counts(p, t, is_)
    assert (c.c, c.inf, c.if_, c.f) == (13, 2, 1, 1)
    assert c.total_error_rate == pytest.approx(3 / 16 * 100)  # 18.75 %
    assert c.corrected_error_rate == pytest.approx(1 / 16 * 100)  # 6.25 %
    assert c.uncorrected_error_rate == pytest.approx(2 / 16 * 100)  # 12.5 %
    assert kspc(is_, t) == pytest.approx(17 / 15)


def test_erasing_correct_characters_counts_as_fixed():
    # Typed "cay", erased "y" and "a" (the a was right), typed "at": IS = "cay\b\bat".
    c = error_counts("cat", "cat", "cay\b\bat")
    # C = 3, INF = 0, F = 2, IF = 7 - 3 - 2 = 2 (y and the erased a, as the 2003 paper counts).
    assert (c.c, c.inf, c.if_, c.f) == (3, 0, 2, 2)
    assert c.total_error_rate == pytest.approx(40.0)
    assert c.uncorrected_error_rate == 0.0


def test_perfect_trial():
    m = trial_metrics("hello", "hello", "hello", [1.0, 2.0, 3.0, 4.0, 5.0])
    assert m.wpm == pytest.approx(4 / 4 * 12)  # 4 chars in 4 s
    assert m.total_error_rate == m.msd_error_rate == 0.0
    assert m.kspc == 1.0 and m.backspaces == 0
    assert m.mean_selection_s == pytest.approx(1.0)


def _drive(keys):
    """Apply keys to a real TextBuffer: (buffer, [(key, text after)])."""
    buf = TextBuffer()
    out = []
    for k in keys:
        buf.apply(k)
        out.append((k, buf.text))
    return buf, out


def test_trial_metrics_from_a_text_buffer():
    # Drive the real TextBuffer: "hw" <bs> "ello" ... with a clear in the middle.
    keys = ["h", "w", BACKSPACE, "e", "l", "l", "o", SPACE, "x", CLEAR, "h", "i"]
    buf, entries = _drive(keys)
    assert buf.text == "hi"
    # clear erased "hello x" (7 characters) = 7 erasures in the stream
    assert buf.input_stream == "hw\bello x" + "\b" * 7 + "hi"
    # Without the keys: the stream's backspaces are the fixes, |IS| the keystrokes.
    m = trial_metrics("hi", buf.text, buf.input_stream, [float(i) for i in range(len(keys))])
    assert m.backspaces == 8 and m.counts.f == 8
    assert m.kspc == pytest.approx(len(buf.input_stream) / 2)
    # With the keys: clear is ONE keystroke and one fix; 12 selections.
    m = trial_metrics("hi", buf.text, buf.input_stream, [float(i) for i in range(len(keys))], keys=entries)
    assert m.backspaces == 1 and m.keys.clears == 1
    assert m.counts.f == 2  # the backspace and the clear
    # entered 10 characters, 2 remain: IF = 8 (the 7 cleared and the w)
    assert m.counts.if_ == 8 and m.counts.inf == 0 and m.counts.c == 2
    assert m.kspc == pytest.approx(12 / 2)
    # KSPC (2003) = (C + INF + IF + F) / (C + INF) = (2 + 0 + 8 + 2) / 2
    assert m.kspc_2003 == pytest.approx(12 / 2)
    # Of the 8 erased: "w" at position 1 ("hi"[1] = "i": wrong); "hello x" against
    # "hi": h at 0 right, e at 1 wrong, the rest beyond P: wrong. if_ok = 1.
    assert m.counts.if_ok == 1
    assert m.counts.corrected_error_rate_chars == pytest.approx(7 / 10 * 100)
    assert m.wpm == pytest.approx(1 / 11 * 12)


def test_page_switches_and_useless_backspaces_are_keystrokes_not_fixes():
    # "a", a backspace (fix), a backspace on the empty text (no fix), page switch to
    # symbols and back, "b".  Worked: keystrokes 6, |T| = 1 -> KSPC 6.
    keys = ["a", BACKSPACE, BACKSPACE, "page:symbols", "page:letters", "b"]
    buf, entries = _drive(keys)
    assert buf.text == "b"
    m = trial_metrics("b", "b", buf.input_stream, [float(i) for i in range(len(keys))], keys=entries)
    assert m.keys == KeyCounts(keystrokes=6, backspaces=2, clears=0, fixes=1, page_switches=2, erased_ok=0)
    assert m.kspc == pytest.approx(6.0)
    # C = 1, INF = 0, IF = 1 (the a), F = 1 -> (1 + 0 + 1 + 1) / 1 = 3
    assert (m.counts.c, m.counts.inf, m.counts.if_, m.counts.f) == (1, 0, 1, 1)
    assert m.kspc_2003 == pytest.approx(3.0)
    assert m.counts.if_ok == 0


def test_the_two_kspcs_differ_when_p_is_longer_than_t():
    # P = "the cat", T = "the": typed "thx", erased x, typed "e": 5 keystrokes, |T| = 3
    # -> KSPC 5/3. The 2003 KSPC: C = 3, INF = 4 (" cat" missing), IF = 1, F = 1
    # -> (3 + 4 + 1 + 1) / (3 + 4) = 9/7: its denominator is max(|P|, |T|), not |T|.
    keys = ["t", "h", "x", BACKSPACE, "e"]
    buf, entries = _drive(keys)
    m = trial_metrics("the cat", "the", buf.input_stream, [float(i) for i in range(5)], keys=entries)
    assert m.kspc == pytest.approx(5 / 3)
    assert (m.counts.c, m.counts.inf, m.counts.if_, m.counts.f) == (3, 4, 1, 1)
    assert m.kspc_2003 == pytest.approx(9 / 7)
    # Without the omission (P = T) the two agree on this trial.
    m = trial_metrics("the", "the", buf.input_stream, [float(i) for i in range(5)], keys=entries)
    assert m.kspc == pytest.approx(m.kspc_2003) == pytest.approx(5 / 3)


def test_a_corrected_correct_character_is_a_corrected_no_error():
    # P = "cat": typed "cay", erased y and a (a was right), typed "at" (the test above
    # without keys gives IF = 2). With the keys: if_ok = 1 (the a), 1 wrong (the y).
    keys = ["c", "a", "y", BACKSPACE, BACKSPACE, "a", "t"]
    buf, entries = _drive(keys)
    m = trial_metrics("cat", buf.text, buf.input_stream, [float(i) for i in range(len(keys))], keys=entries)
    assert (m.counts.if_, m.counts.if_ok, m.counts.f) == (2, 1, 2)
    assert m.corrected_error_rate == pytest.approx(2 / 5 * 100)
    assert m.counts.corrected_error_rate_chars == pytest.approx(1 / 5 * 100)


@given(st.lists(st.sampled_from(["a", "b", SPACE, BACKSPACE, CLEAR, "page:symbols"]), max_size=25),
       st.text(alphabet="ab ", max_size=8))
def test_key_counts_agree_with_the_text_buffer(keys, target):
    buf, entries = _drive(keys)
    m = trial_metrics(target, buf.text, buf.input_stream, [float(i) for i in range(len(keys))], keys=entries)
    erased = buf.input_stream.count("\b")
    # every keystroke counted once; fixes never exceed editing keys; IF = erased characters
    assert m.keys.keystrokes == len(keys)
    assert m.keys.fixes <= m.keys.backspaces + m.keys.clears
    assert m.keys.page_switches == keys.count("page:symbols")
    assert 0 <= m.counts.if_ok <= m.counts.if_
    chars_erased = 0
    before = ""
    for _, after in entries:
        chars_erased += max(len(before) - len(after), 0)
        before = after
    assert m.counts.if_ == chars_erased
    assert erased >= chars_erased  # the stream logs a backspace on an empty text too
    # With P = T and every keystroke a character or a useful backspace, the two KSPCs agree.
    if buf.text and target == buf.text and m.keys.fixes == m.keys.backspaces + m.keys.clears == keys.count(BACKSPACE):
        if not m.keys.page_switches:
            assert m.kspc == pytest.approx(m.kspc_2003)


def test_empty_trial():
    m = trial_metrics("abc", "", "", [])
    assert m.wpm is None and m.kspc is None and m.mean_selection_s is None
    assert m.msd_error_rate == 100.0
    assert m.total_error_rate == 100.0 and m.uncorrected_error_rate == 100.0


def test_mean_sd():
    m, sd, n = mean_sd([1.0, 2.0, 3.0, 4.0, None])
    assert (m, n) == (2.5, 4)
    assert sd == pytest.approx(math.sqrt(5 / 3))
    assert mean_sd([7.0]) == (7.0, None, 1)
    assert mean_sd([None]) == (None, None, 0)


def test_offset_error():
    err = offset_error_px([(0.0, 0.0, 0.0), (1.0, 30.0, 40.0)], lambda t: (30.0, 0.0) if t >= 1 else (0.0, 0.0))
    assert err == [(0.0, 0.0), (1.0, 40.0)]


texts = st.text(alphabet="abc ", max_size=12)


@given(texts, texts, texts)
def test_msd_is_a_metric(a, b, c):
    assert msd(a, b) == msd(b, a)
    assert msd(a, c) <= msd(a, b) + msd(b, c)
    assert abs(len(a) - len(b)) <= msd(a, b) <= max(len(a), len(b))


@given(texts, st.lists(st.sampled_from(list("abc") + [SPACE, BACKSPACE]), max_size=30))
def test_rates_partition_and_bounds(p, keys):
    buf = TextBuffer()
    for k in keys:
        buf.apply(k)
    c = error_counts(p, buf.text, buf.input_stream)
    assert c.total_error_rate == pytest.approx(c.corrected_error_rate + c.uncorrected_error_rate)
    for r in (c.total_error_rate, c.corrected_error_rate, c.uncorrected_error_rate):
        assert 0.0 <= r <= 100.0
    if BACKSPACE not in keys:
        assert c.if_ == 0 and c.corrected_error_rate == 0.0
    assert c.c + c.inf == max(len(p), len(buf.text))


def test_a_series_of_one_point_is_drawn_as_a_dot():
    """A session with a single offset estimate drew an empty panel (a polyline needs two
    points): its estimate and induced offset are dots now."""
    from gazetype.study.svg import line_plot

    svg = line_plot("one", [{"label": "estimate x", "points": [(97.7, 90.0)], "color": "#123456"},
                            {"label": "two", "points": [(0.0, 1.0), (5.0, 2.0)], "color": "#654321"}],
                    "t (s)", "px", xmin=0.0)
    assert "<circle" in svg and "fill='#123456'" in svg
    assert svg.count("<polyline") >= 1
