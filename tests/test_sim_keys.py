"""The simulated participant uses the sleep key and the phrases page (headless)."""
from gazetype.sim.person import Rest, SayPhrase, simulate_typing


def test_the_simulated_person_sleeps_through_a_pause_and_says_a_phrase():
    session, user, t_end = simulate_typing(["hi", Rest(20.0), SayPhrase("thank you"), "ok"], layout="qwerty",
                                           dwell_s=0.6, max_s=400.0, seed=3)
    model = session.model
    sels = [(s.t_s, s.key_id) for s in session.selections]
    sleeps = [t for t, k in sels if k == "sleep"]
    assert len(sleeps) >= 3, sels  # to sleep, then two dwells in a row to wake
    t_sleep, t_wake = sleeps[0], sleeps[-1]
    assert t_wake - t_sleep >= 20.0
    # Asleep, its eyes wandered over the keys (rest fixations on them), yet nothing else was selected.
    rests_on_keys = [f for f in user.log if f[2] == "rest" and model.keys.key_at(f[3], f[4]) is not None]
    assert len(rests_on_keys) >= 5
    assert all(k == "sleep" for t, k in sels if t_sleep <= t <= t_wake)
    assert not model.asleep
    assert ("page:phrases" in [k for _, k in sels]) and "phrase:thank you" in [k for _, k in sels]
    assert model.buffer.text.startswith("hi\nthank you ok") and model.buffer.text.rstrip("\n").endswith("ok")
    assert user.phrases_done == 4


def test_the_study_layout_has_no_sleep_and_the_person_just_types():
    session, user, _ = simulate_typing(["ab", Rest(5.0), "cd"], dwell_s=0.6, max_s=200.0, seed=1)
    assert "sleep" not in {s.key_id for s in session.selections}
    assert session.model.buffer.text == "ab\ncd\n"
