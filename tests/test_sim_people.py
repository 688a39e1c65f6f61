"""The simulated people: a reader of multi-line text and a compensating typist."""
import statistics

import pytest

from gazetype.keyboard.dwell import DwellConfig, DwellEngine
from gazetype.keyboard.model import KeyboardModel
from gazetype.pipeline.pipeline import GazePipeline
from gazetype.pipeline.session import TypingSession
from gazetype.sim.gaze import SimConfig, SimGaze
from gazetype.sim.reader import SAMPLE_TEXT, ReadingPages, TextReader
from gazetype.sim.typists import CompensatingTypist
from gazetype.tracker.offset import OffsetModel
from gazetype.tracker.screen import Screen

SCR = Screen()


def test_reader_reads_words_in_order_line_by_line():
    pages = ReadingPages([SAMPLE_TEXT, "a second page with other words on it"], (100, 100, 1800, 900), 32.0)
    assert [e.region for e in pages.take_events()] == []
    pages.start(0.0)
    reader = TextReader(pages, SCR, seed=1)
    t = 0.0
    n_words = len(pages.layout.words)
    fixes = []
    while len(fixes) < 400:
        f = reader.next_fixation(t)
        fixes.append(f)
        t += f.duration_s + 0.03
    log = reader.log
    durs = [d for _, d, k, _, _ in log if k == "read"]
    assert 0.19 < statistics.fmean(durs) < 0.26 and min(durs) >= 0.08
    kinds = {k for _, _, k, _, _ in log}
    assert {"read", "regression", "sweep"} <= kinds
    # landing near word centres: every read fixation is within its line and near a word
    words = pages.layout.words
    lh = pages.layout.line_height_px
    for _, _, k, x, y in log[:n_words]:
        near = min(abs(x - w.cx_px) + abs(y - w.cy_px) for w in words)
        assert near < 0.8 * lh + 60
    evs = pages.take_events()
    assert evs[0].region == "text" and evs[0].text == SAMPLE_TEXT
    assert any(e.text.startswith("a second page") for e in evs)  # it turned the page


def test_reader_moves_down_the_page():
    pages = ReadingPages([SAMPLE_TEXT], (100, 100, 1800, 900), 32.0)
    reader = TextReader(pages, SCR, seed=2, regress_p=0.0, turn_pages=False)
    ys = [reader.next_fixation(0.0).y_px for _ in range(len(pages.layout.words) - 5)]
    firsts = [statistics.fmean(ys[:8]), statistics.fmean(ys[-8:])]
    assert firsts[1] > firsts[0] + 2 * pages.layout.line_height_px


@pytest.mark.parametrize("compensation", [0.0, 1.0])
def test_compensating_typist_types_through_a_big_offset(compensation):
    """1280x720: keys are small; a 2 degree offset down-left. Without compensation
    the typist struggles (wrong keys, corrections); with full compensation the
    *reported* gaze lands on the key centres and it types the phrase cleanly."""
    scr = Screen(1280, 720, width_mm=300.0, distance_mm=650.0)
    off = OffsetModel.constant(-1.5 * scr.px_per_deg, 1.3 * scr.px_per_deg)
    model = KeyboardModel((0, 0, scr.width_px, scr.height_px), font_px=32.0)
    pl = GazePipeline(DwellEngine(config=DwellConfig(dwell_s=0.6)))
    session = TypingSession(model, pl)
    session.start(0.0)
    typist = CompensatingTypist(model, session, ["we type"], residual=lambda t: off.at(t),
                                compensation=compensation, seed=3, ppd=scr.px_per_deg, repeat=False)
    gaze = SimGaze(typist, scr, SimConfig(seed=3), off)
    on_key = []
    for s in gaze.until(60.0):
        st = session.feed(s)
        if s.valid and typist.log and typist.log[-1][2] == "key":
            k = model.keys.key_at(s.x_px, s.y_px)
            on_key.append(k is not None)
    if compensation == 1.0:
        assert model.buffer.text == "we type\n"
        assert "backspace" not in [s.key_id for s in session.selections]
        assert statistics.fmean(on_key) > 0.95
    kinds = {k for _, _, k, _, _ in typist.log}
    assert "glance" in kinds
    if model.buffer.text.endswith("\n"):
        assert "proofread" in kinds
