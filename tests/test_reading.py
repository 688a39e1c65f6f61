"""The reading-phase detector: what counts as reading, and what each fixation read."""
import pytest

from gazetype.calibration.estimator import OffsetEstimator
from gazetype.calibration.fixation import Fixation
from gazetype.calibration.reading import ReadingDetector
from gazetype.keyboard.model import KeyboardModel
from gazetype.keyboard.textlayout import layout_text
from gazetype.tracker.events import LayoutEvent, SelectEvent
from gazetype.tracker.screen import Screen

SCR = Screen()
PPD = SCR.px_per_deg


def detector():
    est = OffsetEstimator(SCR)
    return ReadingDetector(est, SCR), est


def fix(t, x, y, dur=0.3):
    return Fixation(t, t + dur, x, y, int(dur * 120))


def typing_setup(text=""):
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


def test_a_glance_at_the_new_character_measures_the_offset():
    model, rd, est = typing_setup()
    off = (30.0, -25.0)
    type_key(model, rd, "h", 1.0)
    w = model.text_layout.words[-1]
    out = rd.on_fixation(fix(1.3, w.cx_px + off[0], w.cy_px + off[1]), (0.0, 0.0))
    assert rd.phase == "glance" and len(out) == 1
    e = out[0]
    assert e.kind == "glance-char" and (e.zx_px, e.zy_px) == pytest.approx(off, abs=1.0)
    # after "he", the glance is at the new letter, the right half of the word
    type_key(model, rd, "e", 3.0)
    w = model.text_layout.words[-1]
    char_x = w.box[2] - 0.25 * (w.box[2] - w.box[0])
    out = rd.on_fixation(fix(3.3, char_x + off[0], w.cy_px + off[1]), (0.0, 0.0))
    assert out and (out[0].zx_px, out[0].zy_px) == pytest.approx(off, abs=1.0)


def test_after_a_space_the_glance_reads_the_finished_word():
    model, rd, est = typing_setup()
    for i, k in enumerate(["h", "i", "space"]):
        type_key(model, rd, k, 1.0 + i)
    w = model.text_layout.words[-1]
    # A word is looked at a little left of its centre (the preferred viewing position).
    pvl_x = w.box[0] + rd.config.pvl_frac * (w.box[2] - w.box[0])
    assert pvl_x < w.cx_px
    out = rd.on_fixation(fix(3.3, pvl_x - 10, w.cy_px + 12), (0.0, 0.0))
    assert out and out[0].kind == "glance-word"
    assert (out[0].zx_px, out[0].zy_px) == pytest.approx((-10, 12), abs=1.0)


def test_key_fixations_are_never_evidence():
    """A user compensating a miscalibrated tracker puts *reported* gaze on the key:
    that says nothing about the offset and must not be used."""
    model, rd, est = typing_setup()
    type_key(model, rd, "h", 1.0)
    k = model.keys.get("e")
    out = rd.on_fixation(fix(1.2, k.cx_px, k.cy_px, 1.2), (0.0, 0.0))
    assert rd.phase == "input" and out == []
    # the dwell ended the glance expectation: a later look at the text is no glance
    w = model.text_layout.words[-1]
    rd.on_fixation(fix(4.0, w.cx_px, w.cy_px), (0.0, 0.0))
    assert rd.phase == "reading"


def test_a_fixation_during_which_a_key_was_selected_is_input():
    model, rd, est = typing_setup()
    rd.on_select(SelectEvent(2.0, "x"))
    w_box = model.layout.output
    rd.on_fixation(fix(1.0, 0.5 * (w_box[0] + w_box[2]), 0.5 * (w_box[1] + w_box[3]), 1.5), (0.0, 0.0))
    assert rd.phase == "input"


def test_the_correction_in_force_decides_what_is_on_a_key():
    """Reported gaze 60 px below the output text lands on the top row of keys;
    with a 60 px correction in force it is reading, not typing."""
    model, rd, est = typing_setup()
    k = model.keys.get("t")
    y = k.box[1] + 5
    rd.on_fixation(fix(1.0, k.cx_px, y), (0.0, 0.0))
    assert rd.phase == "input"
    rd.on_fixation(fix(2.0, k.cx_px, y), (0.0, 60.0))
    assert rd.phase != "input"


def test_fixations_away_from_all_text_are_not_reading():
    model, rd, est = typing_setup()
    rd.on_fixation(fix(1.0, 1900.0, 1070.0), (0.0, 0.0))  # bottom right corner, below the keys
    assert rd.phase in ("other", "input")
    rd2, _ = detector()  # no layout at all
    assert rd2.on_fixation(fix(1.0, 500.0, 500.0), (0.0, 0.0)) == [] and rd2.phase == "other"


def page(text, font_px=30.0):
    box = (150.0, 150.0, 1700.0, 900.0)
    tl = layout_text(text, box, font_px)
    return LayoutEvent(0.0, "text", tl.words, text, None), tl


TEXT = ("reading is the best evidence there is because the eyes go straight to words whose place "
        "on the screen is known to the last pixel and they go there one after the other line by "
        "line from the top left to the bottom right of the page with few exceptions")


@pytest.mark.parametrize("off_lines", [-1.0, 0.5, 1.0, 1.5])
def test_a_page_read_from_its_top_gives_the_offset_even_a_line_high(off_lines):
    """Whole-line offsets make every fixation look like reading another line; reading
    from the top of a new page, in order, tells them apart."""
    ev, tl = page(TEXT)
    rd, est = detector()
    rd.on_layout(ev)
    lh = tl.line_height_px
    off = (0.6 * PPD, off_lines * lh)
    out = []
    t = 0.2
    u = rd.config.undershoot_frac
    prev = None
    for w in tl.words:
        # Each saccade lands short of where it aimed by u of its length, as the detector expects.
        aim = (w.box[0] + rd.config.pvl_frac * (w.box[2] - w.box[0]), w.cy_px)
        land = aim if prev is None else (aim[0] - u * (aim[0] - prev[0]), aim[1] - u * (aim[1] - prev[1]))
        out += rd.on_fixation(fix(t, land[0] + off[0], land[1] + off[1], 0.22), (0.0, 0.0))
        prev = land
        t += 0.25
    out += rd.flush()
    assert len(out) > 0.6 * len(tl.words)
    good = [e for e in out if abs(e.zy_px - off[1]) < 0.25 * lh and abs(e.zx_px - off[0]) < 0.3 * PPD]
    assert len(good) > 0.9 * len(out)
    assert all(e.kind == "read" and e.group > 0 for e in out)


def test_a_layout_change_uses_the_old_positions_for_the_reading_so_far():
    ev, tl = page(TEXT)
    rd, est = detector()
    rd.on_layout(ev)
    t = 0.2
    for w in tl.words[:8]:
        assert rd.on_fixation(fix(t, w.cx_px, w.cy_px, 0.22), (0.0, 0.0)) == []
        t += 0.25
    moved = LayoutEvent(t, "text", tuple(type(w)(w.text, (w.box[0], w.box[1] + 300, w.box[2], w.box[3] + 300), w.line)
                                        for w in tl.words), TEXT, None)
    out = rd.on_layout(moved)  # the episode so far is aligned to where the words were
    assert len(out) >= 6 and all(abs(e.zy_px) < 5 and abs(e.zx_px) < 20 for e in out)
