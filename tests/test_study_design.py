"""Phrase set, conditions, balanced Latin square and trial plans."""
import itertools
import re
from collections import Counter

import pytest

from gazetype.study.design import (
    CONDITIONS,
    DEFAULT_CONDITIONS,
    balanced_latin_square,
    condition_order,
    make_plan,
    parse_conditions,
)
from gazetype.study.errors import StudyError
from gazetype.study.phrases import BUILTIN, load_phrases, parse_phrases


# -- phrases -------------------------------------------------------------------------
def test_builtin_phrase_set_meets_the_spec():
    ps = load_phrases()
    assert ps.source == BUILTIN
    assert len(ps) >= 150
    assert len(set(ps.phrases)) == len(ps)
    for p in ps.phrases:
        assert re.fullmatch(r"[a-z]+( [a-z]+)*", p), p
        assert 20 <= len(p) <= 40, p


def test_phrase_file_is_normalised(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("\ufeff# a comment\n\n  My Watch   Stopped  \nmy watch stopped\nsay \u00e9t\u00e9\n? yes.\n",
                 encoding="utf-8")
    warnings = []
    ps = load_phrases(f, warn=warnings.append)
    assert ps.phrases == ("my watch stopped", "? yes.")
    assert len(warnings) == 1 and "line" in warnings[0] and "5" in warnings[0]


@pytest.mark.parametrize("content", [b"", b"\n\n# only comments\n", "\u00e9\u00e9\u00e9\n".encode()])
def test_phrase_file_without_usable_lines_is_an_error(tmp_path, content):
    f = tmp_path / "empty.txt"
    f.write_bytes(content)
    with pytest.raises(StudyError, match="no usable phrases") as e:
        load_phrases(f, warn=lambda m: None)
    assert str(f) in str(e.value)


def test_phrase_file_errors_name_the_file(tmp_path):
    with pytest.raises(StudyError, match="no such phrase file"):
        load_phrases(tmp_path / "missing.txt")
    with pytest.raises(StudyError, match="is a directory"):
        load_phrases(tmp_path)
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"hello\ncaf\xe9 au lait\n")
    with pytest.raises(StudyError, match=r"latin1.txt:2: not UTF-8"):
        load_phrases(bad)


# -- conditions ----------------------------------------------------------------------
def test_parse_conditions():
    assert parse_conditions(None) == DEFAULT_CONDITIONS
    assert parse_conditions(" Calibrated, autocalibrated ") == ("calibrated", "autocalibrated")
    with pytest.raises(StudyError, match="unknown condition 'warped'"):
        parse_conditions("calibrated,warped")
    with pytest.raises(StudyError, match="twice"):
        parse_conditions("calibrated,calibrated")
    with pytest.raises(StudyError, match="no condition"):
        parse_conditions(" , ")
    assert CONDITIONS["autocalibrated"].autocal and CONDITIONS["autocalibrated"].induced
    assert CONDITIONS["miscalibrated"].induced and not CONDITIONS["miscalibrated"].autocal
    assert not CONDITIONS["calibrated"].induced


# -- Latin square --------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7])
def test_balanced_latin_square(n):
    rows = balanced_latin_square(n)
    assert len(rows) == (2 * n if n % 2 and n > 1 else n)
    for row in rows:
        assert sorted(row) == list(range(n))  # each row an order of all conditions
    # Each condition appears equally often in each position.
    for pos in range(n):
        counts = Counter(row[pos] for row in rows)
        assert set(counts) == set(range(n)) and len(set(counts.values())) == 1
    # Each ordered pair (a then b directly) appears equally often: carry-over balanced.
    pairs = Counter((row[i], row[i + 1]) for row in rows for i in range(n - 1))
    if n > 1:
        assert set(pairs) == {(a, b) for a, b in itertools.permutations(range(n), 2)}
        assert len(set(pairs.values())) == 1


def test_condition_order_cycles_through_the_square():
    orders = [condition_order(DEFAULT_CONDITIONS, i) for i in range(12)]
    assert len(set(orders[:6])) == 6  # 3 conditions: all 6 orders in the first 6 participants
    assert orders[:6] == orders[6:]
    assert orders[0] == DEFAULT_CONDITIONS
    with pytest.raises(StudyError):
        condition_order(DEFAULT_CONDITIONS, -1)


# -- plans ---------------------------------------------------------------------------
def test_plan_draws_without_replacement_seeded_per_participant():
    ps = load_phrases()
    a = make_plan("P01", 0, DEFAULT_CONDITIONS, ps, n_phrases=5, n_practice=2)
    again = make_plan("P01", 0, DEFAULT_CONDITIONS, ps, n_phrases=5, n_practice=2)
    other = make_plan("P02", 1, DEFAULT_CONDITIONS, ps, n_phrases=5, n_practice=2)
    assert a == again  # reproducible
    assert [t.phrase for t in a.trials] != [t.phrase for t in other.trials]
    assert len(a.trials) == 21
    assert len({t.phrase for t in a.trials}) == 21  # no phrase twice
    assert a.order == DEFAULT_CONDITIONS and other.order == condition_order(DEFAULT_CONDITIONS, 1)
    for ci, cond in enumerate(a.order):
        block = [t for t in a.trials if t.condition_pos == ci]
        assert {t.condition for t in block} == {cond}
        assert [t.practice for t in block] == [True, True, False, False, False, False, False]
        assert [t.trial_pos for t in block] == list(range(7))


def test_plan_needs_enough_phrases():
    ps = parse_phrases("one phrase here\nanother phrase there\n", "tiny.txt")
    with pytest.raises(StudyError, match=r"tiny.txt: 2 phrases, but 3 conditions x \(1 practice \+ 1\) need 6"):
        make_plan("P01", 0, DEFAULT_CONDITIONS, ps, n_phrases=1, n_practice=1)
    with pytest.raises(StudyError, match="--phrases"):
        make_plan("P01", 0, DEFAULT_CONDITIONS, ps, n_phrases=0, n_practice=0)
