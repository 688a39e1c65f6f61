"""The suggestion row in the keyboard window, by gaze offscreen (the mouse as the eyes):
it is drawn above the keys, a dwell on a candidate types the word and a space, and the
finished text is learnt into the history (the next window suggests it)."""
import pytest

from gazetype.app import settings as settings_mod
from gazetype.keyboard.history import History

from .test_window_keys import started, window  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.gui]


def test_a_suggestion_selected_by_dwell_types_the_word(window, qtbot):  # noqa: F811
    settings_mod.save(settings_mod.Settings(suggestions=4))
    win, controller, eyes = started(window, qtbot)
    model = controller.session.model
    assert len([k for k in model.keys if k.key_id.startswith("word:")]) == 4
    eyes.type("shift", "h", "e", "l")
    assert "help" in model.slots
    img = win.view.grab().toImage()  # the row is drawn (no error painting it)
    assert not img.isNull()
    assert model.label("word:help") == "Help"
    eyes.look_at("word:help")
    assert model.buffer.text == "Help "
    assert model.buffer.input_stream.endswith("\x02p \x03")
    eyes.type("done")
    h = History(settings_mod.history_path())
    assert h.user_words().words["help"] == 1
    h.close()
    assert model.predictor.user.words["help"] == 1  # learnt in memory too


def test_the_row_setting_off_shows_no_row(window, qtbot):  # noqa: F811
    settings_mod.save(settings_mod.Settings(suggestions=0))
    win, controller, eyes = started(window, qtbot)
    model = controller.session.model
    assert not any(k.key_id.startswith("word:") for k in model.keys)
    win.apply_settings(settings_mod.Settings(suggestions=3))
    assert len([k for k in model.keys if k.key_id.startswith("word:")]) == 3
    eyes.type("t")
    assert all(w is None or w.startswith("t") for w in model.slots)
