"""The reading-phase detector: what counts as reading, and what each fixation read.
The detector hands its evidence to the estimator; these tests read it there."""
import pytest

from gazetype.calibration.estimator import OffsetEstimator
from gazetype.calibration.fixation import Fixation
from gazetype.calibration.reading import ReadingDetector
from gazetype.keyboard.model import KeyboardModel
from gazetype.keyboard.textlayout import layout_text
from gazetype.tracker.events import LayoutEvent, LayoutItem, SelectEvent
from gazetype.tracker.screen import Screen

SCR = Screen()
PPD = SCR.px_per_deg


def detector():
    est = OffsetEstimator(SCR)
    return ReadingDetector(est, SCR), est


def fix(t, x, y, dur=0.3):
    return Fixation(t, t + dur, x, y, int(dur * 120))


def typing_setup():
    model = KeyboardModel((0, 0, SCR.width_px, SCR.height_px))
    rd, est = detector()
    for ev in model.layout_events(0.0):
        rd.on_layout(ev)
    return model, rd, est


def type_key(model, rd, key, t):
    rd.on_select(SelectEvent(t, key))
    _, evs = model.select(key, t)
    for ev in evs:
        rd.on_layout(ev)


def test_a_glance_at_the_new_letter_gives_evidence_with_its_saccade():
    model, rd, est = typing_setup()
    for i, k in enumerate("hello"):
        type_key(model, rd, k, 1.0 + i)
    key = model.keys.get("o")
    rd.on_fixation(fix(4.6, key.cx_px, key.cy_px, 0.5), (0.0, 0.0))  # the dwell that typed it: input
    w = model.text_layout.words[-1]
    rd.on_fixation(fix(5.25, w.box[2] - 5 + 30, w.cy_px - 20), (0.0, 0.0))
    (ev,) = est.obs
    assert ev.kind == "glance-char"
    assert ev.zx_px - ev.halfx_px <= 30 <= ev.zx_px + ev.halfx_px  # the offset is inside its range
    assert ev.zy_px == pytest.approx(-20, abs=1)
    assert (ev.vx_px, ev.vy_px) == pytest.approx((w.box[2] + 25 - key.cx_px, w.cy_px - 20 - key.cy_px))


def test_key_fixations_and_fixations_during_a_selection_are_never_evidence():
    model, rd, est = typing_setup()
    type_key(model, rd, "a", 1.0)
    for k in "asdfghjkl":
        key = model.keys.get(k)
        rd.on_fixation(fix(1.5, key.cx_px, key.cy_px), (0.0, 0.0))
    w = model.text_layout.words[-1]
    rd.on_select(SelectEvent(2.1, "b"))
    rd.on_fixation(fix(2.0, w.cx_px, w.cy_px), (0.0, 0.0))  # a key was selected during it
    assert est.obs == [] and rd.counts["input"] == 10


def test_the_correction_in_force_decides_what_is_on_a_key():
    model, rd, est = typing_setup()
    key = model.keys.get("q")
    shift = (0.0, -3 * key.box[3] + 3 * key.box[1])
    rd.on_fixation(fix(1.0, key.cx_px + shift[0], key.cy_px + shift[1]), shift)
    assert rd.phase == "input"


def test_minimal_layout_events_still_give_glances():
    """Layout events with only the required item fields (no text, caret or line) and
    the space key's id " ": text, lines and caret come from the words."""
    rd, est = detector()
    rd.on_layout(LayoutEvent(0.0, "keyboard", (LayoutItem("a", (100, 800, 180, 880)), LayoutItem(" ", (200, 800, 600, 880)))))
    words = [("hi", 100, 160), ("there", 180, 300)]
    for n in range(1, 6):
        items = (LayoutItem("hi", (100, 100, 160, 140)), LayoutItem("there"[:n], (180, 100, 180 + 24 * n, 140)))
        rd.on_layout(LayoutEvent(float(n), "output", items))
        rd.on_fixation(fix(n - 0.5, 140, 840, 0.6), (0.0, 0.0))  # on the key that typed it
        rd.on_fixation(fix(n + 0.6, 180 + 24 * n - 12 + 15, 120 + 10), (0.0, 0.0))
    assert len(est.obs) >= 4 and all(e.kind == "glance-char" for e in est.obs)
    assert all(abs(e.zy_px - 10) < 1 for e in est.obs)
    rd.on_select(SelectEvent(6.0, " "))  # the word is finished: a glance at it counts
    rd.on_fixation(fix(6.3, 230 + 15, 130), (0.0, 0.0))
    assert est.obs[-1].kind == "glance-word"
    assert rd.regions["output"].text == "hi there" and rd.regions["output"].derived
    del words


def page(text, width=1400.0):
    tl = layout_text(text, (200.0, 150.0, 200.0 + width, 900.0), 30.0, lambda s: 16.0 * len(s))
    return LayoutEvent(0.0, "text", tl.words, text, None), tl


TEXT = ("reading is the best evidence there is because the eyes go straight to words whose place "
        "on the screen is known to the last pixel and they go there one after the other line by "
        "line from the top left to the bottom right of the page with few exceptions")


def read_page(rd, tl, off, t=0.2, landing=0.45):
    for w in tl.words:
        x = w.box[0] + landing * (w.box[2] - w.box[0])
        rd.on_fixation(fix(t, x + off[0], w.cy_px + off[1], 0.22), (0.0, 0.0))
        t += 0.25
    rd.flush()
    return t


@pytest.mark.parametrize("off_lines", [-1.0, 0.0, 0.5, 1.0, 1.5])
def test_a_page_read_in_order_gives_the_vertical_offset_even_a_line_or_more(off_lines):
    ev, tl = page(TEXT)
    rd, est = detector()
    rd.on_layout(ev)
    lh = tl.line_height_px
    off = (0.6 * PPD, off_lines * lh)
    read_page(rd, tl, off)
    ys = [e for e in est.obs if e.has_y]
    assert len(ys) == len({w.line for w in tl.words})  # one per line read, weighing its fixations
    assert sum(e.weight for e in ys) == len(tl.words)
    assert all(abs(e.zy_px - off[1]) < 0.25 * lh for e in ys)
    xs = [e for e in est.obs if e.has_x]
    assert len(xs) == 1 and abs(xs[0].zx_px - off[0]) <= xs[0].halfx_px + 0.2 * PPD
    assert not rd.conflict


def test_a_single_line_at_a_line_height_offset_is_not_misread():
    """One line of a text shifted by a whole line could be either line: no vertical
    evidence, a conflict, no harm."""
    ev, tl = page(TEXT)
    rd, est = detector()
    rd.on_layout(ev)
    lh = tl.line_height_px
    line1 = [w for w in tl.words if w.line == 1][:6]
    t = 0.2
    for w in line1:
        rd.on_fixation(fix(t, w.cx_px, w.cy_px + lh), (0.0, 0.0))
        t += 0.25
    rd.flush()
    assert rd.conflict and not any(e.has_y for e in est.obs)


def test_a_layout_change_uses_the_old_positions_for_the_reading_so_far():
    short = "the eyes go straight to words whose place is known to the last pixel"
    ev, tl = page(short, width=700.0)
    rd, est = detector()
    rd.on_layout(ev)
    t = 0.2
    for w in tl.words:
        rd.on_fixation(fix(t, w.cx_px, w.cy_px, 0.22), (0.0, 0.0))
        t += 0.25
    moved = LayoutEvent(t, "text", tuple(LayoutItem(w.text, (w.box[0], w.box[1] + 300, w.box[2], w.box[3] + 300),
                                                    w.line) for w in tl.words), short, None)
    rd.on_layout(moved)  # the episode so far is aligned to where the words were
    ys = [e for e in est.obs if e.has_y]
    assert sum(e.weight for e in ys) == len(tl.words) and all(abs(e.zy_px) < 5 for e in ys)


def test_fixations_away_from_all_text_are_not_reading():
    ev, tl = page(TEXT)
    rd, est = detector()
    rd.on_layout(ev)
    rd.on_fixation(fix(1.0, 1800.0, 1050.0), (0.0, 0.0))
    assert rd.phase == "other" and est.obs == []


# -- the word suggestion row --------------------------------------------------------

def row_setup(row_evidence=True):
    from dataclasses import replace

    from gazetype.calibration.reading import ReadingConfig
    from gazetype.keyboard.predict import BaseVocabulary, Predictor

    vocab = BaseVocabulary.from_frequencies({"the": 0.05, "to": 0.03, "and": 0.02, "of": 0.01, "a": 0.009})
    model = KeyboardModel((0, 0, SCR.width_px, SCR.height_px), suggestions=5, predictor=Predictor(vocab))
    est = OffsetEstimator(SCR)
    rd = ReadingDetector(est, SCR, replace(ReadingConfig(), suggestion_row=row_evidence))
    for ev in model.layout_events(0.0):
        rd.on_layout(ev)
    return model, rd, est


def row_words(model):
    return [ev for ev in model.layout_events(0.0) if ev.region == "suggestions"][0].items


@pytest.mark.parametrize("dy_px", [0.0, 20.0, -25.0])
def test_reading_the_suggestion_row_gives_its_offset(dy_px):
    model, rd, est = row_setup()
    words = row_words(model)
    t = 1.0
    for it in words:  # a scan of the row, left to right, at the word's left part
        x = it.box[0] + 0.4 * (it.box[2] - it.box[0])
        rd.on_fixation(fix(t, x, it.cy_px + dy_px), (0.0, 0.0))
        t += 0.3
    key = model.keys.get("q")
    rd.on_fixation(fix(t, key.cx_px, key.cy_px), (0.0, 0.0))  # back to typing: the episode ends
    ys = [e for e in est.obs if e.has_y]
    assert ys and all(abs(e.zy_px - dy_px) < 5.0 for e in ys)
    assert rd.counts["reading"] == len(words)


def test_fixations_on_a_candidate_that_is_then_selected_are_not_evidence():
    model, rd, est = row_setup()
    words = row_words(model)
    chosen = words[2]
    rd.on_fixation(fix(1.0, chosen.cx_px, chosen.cy_px + 30.0), (0.0, 0.0))  # reads it (30 px off) ...
    rd.on_fixation(fix(1.3, chosen.cx_px + 5.0, chosen.cy_px + 30.0), (0.0, 0.0))  # ... and starts to dwell
    rd.on_select(SelectEvent(2.3, "word:" + chosen.text.lower()))
    assert [e for e in est.obs if e.has_y] == []


def test_with_the_row_as_input_its_fixations_are_never_evidence():
    model, rd, est = row_setup(row_evidence=False)
    t = 1.0
    for it in row_words(model):
        rd.on_fixation(fix(t, it.cx_px, it.cy_px), (0.0, 0.0))
        t += 0.3
    rd.flush()
    assert est.obs == [] and rd.counts["reading"] == 0
