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


def phrases_model(phrases):
    from gazetype.keyboard.model import KeyboardModel
    m = KeyboardModel((0, 0, 1280, 720), layout="qwerty", clear_confirm_s=4.0, phrases=phrases)
    m.select("page:phrases", 0.0)
    return m


def test_forget_by_gaze_asks_then_deletes_on_a_second_dwell(tmp_path):
    from gazetype.app.actions import ActionRouter
    from gazetype.keyboard.layout import FORGET
    h = make_history(tmp_path / "h.sqlite3")
    m = phrases_model(quick_phrases(h))
    assert m.keys.get(FORGET) is not None
    key = "phrase:my pain is bad"
    m.select(FORGET, 1.0)
    assert m.active(FORGET) and m.label(FORGET).startswith("delete which?")
    change, _ = m.select(key, 2.0)
    assert change is None and m.buffer.text == ""  # asked about, not typed
    assert m.active(key) and "again: yes" in m.label(key)
    assert m.take_actions() == []  # one dwell deletes nothing
    m.select(key, 3.0)
    actions = m.take_actions()
    assert [(a.kind, a.text) for a in actions] == [("forget_phrase", "my pain is bad")]
    assert not m.active(FORGET) and not m.active(key) and m.buffer.text == ""
    changed = []
    router = ActionRouter(outputs=None, history=h, phrases_changed=lambda: changed.append(1))
    msg = router.route(actions[0])
    assert "deleted" in msg and changed == [1]
    assert "my pain is bad" not in [t for _, t in h.texts()] and "my pain is bad" not in quick_phrases(h)
    assert "call the nurse" in [t for _, t in h.texts()] and h.saved() == ["call Anna"]
    assert "built-in" in router.route(type(actions[0])(4.0, "forget_phrase", "yes"))
    h.close()


def test_forget_lapses_and_other_keys_cancel_it():
    from gazetype.keyboard.layout import FORGET
    m = phrases_model(["yes", "call Anna"])
    m.select(FORGET, 0.0)
    m.select(FORGET, 1.0)  # the forget key again: off
    assert not m.active(FORGET)
    m.select("phrase:call Anna", 2.0)  # a phrase is typed as usual
    assert m.buffer.text == "call Anna " and m.page == "letters"
    m.select("page:phrases", 3.0)
    m.select(FORGET, 4.0)
    m.select("phrase:call Anna", 5.0)
    m.select("speak", 6.0)  # another key: no deletion
    m.select("phrase:call Anna", 7.0)
    assert [a.kind for a in m.take_actions()].count("forget_phrase") == 0
    m.select(FORGET, 10.0)
    m.select("phrase:call Anna", 11.0)
    m.tick(11.0 + 30.0)  # the confirmation lapses
    assert not m.active("phrase:call Anna")
    m.select("phrase:call Anna", 42.0)
    assert "forget_phrase" not in [a.kind for a in m.take_actions()]
    m.select(FORGET, 50.0)
    m.tick(50.0 + 11.0)  # picking lapses too
    assert not m.active(FORGET)
