"""Issue 28: the phrases page without the "most said" texts, and deleting single entries."""
from gazetype.app import settings as settings_mod
from gazetype.keyboard.history import FIXED_PHRASES, History, quick_phrases


def make_history(path):
    h = History(path)
    for text in ("my pain is bad", "my pain is bad", "call the nurse"):
        h.add(text)
    h.save_phrase("call Anna")
    return h


def test_most_said_shown_by_default_and_hidden_by_the_setting(tmp_path):
    h = make_history(tmp_path / "h.sqlite3")
    assert settings_mod.Settings().show_most_said is True  # today's behaviour by default
    shown = quick_phrases(h)
    assert "my pain is bad" in shown and "call Anna" in shown
    hidden = quick_phrases(h, most_said=False)
    assert "my pain is bad" not in hidden
    assert "call Anna" in hidden and hidden[:len(FIXED_PHRASES)] == list(FIXED_PHRASES)
    assert "please" in hidden  # the built-in ones still show
    assert [t for _, t in h.texts()].count("my pain is bad") == 2  # the history is still kept
    h.close()


def test_the_setting_is_saved_and_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETYPE_CONFIG_DIR", str(tmp_path))
    settings_mod.save(settings_mod.Settings(show_most_said=False))
    assert settings_mod.load().show_most_said is False


def test_forget_deletes_a_phrase_everywhere(tmp_path):
    h = make_history(tmp_path / "h.sqlite3")
    assert h.forget("my pain is bad") == 2
    assert "my pain is bad" not in quick_phrases(h)
    assert h.forget("call Anna") == 1 and h.saved() == []
    assert [t for _, t in h.texts()] == ["call the nurse"]
    assert h.forget("nothing like this") == 0
    h.close()
