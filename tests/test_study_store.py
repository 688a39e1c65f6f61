"""The study store on its own: rows read by column name (so a migration that adds or
reorders columns does not shift fields), the one transaction helper, and no SQL
anywhere in the package outside the store (study/db.py and its parts, study/db_*.py)."""
import re
import sqlite3
from pathlib import Path

import pytest

from gazetype.calibration.base import NullCalibrator
from gazetype.study.db import DB_NAME, StudyStore
from gazetype.study.errors import StudyError
from gazetype.study.runner import Phase
from gazetype.tracker.events import OffsetEvent
from gazetype.tracker.sample import GazeSample

from .study_helpers import make_runner, type_text

ROW_TABLES = ("participants", "sessions", "conditions", "trials", "keystrokes")


def _study_with_data(folder):
    """A study with a participant, a session, a finished trial and its keystrokes."""
    ctx, runner, _ = make_runner(folder, n_phrases=1, n_practice=0)
    runner.start(0.0)
    runner.continue_(0.0)
    tid = runner.trial.id
    t = type_text(runner, runner.model.target_phrase, 1.0)
    runner.operator_select("done", t)
    assert runner.phase in (Phase.TRIAL, Phase.BREAK)
    runner.close("end")
    ctx.close()
    return tid


def _everything(store: StudyStore, tid: int) -> dict:
    p = store.participant("P01")
    conds = store.conditions(p.id)
    return {
        "participant": p, "participants": store.participants(), "conditions": conds,
        "condition": store.condition(conds[0].id), "trials": [store.trials(c.id) for c in conds],
        "trial": store.trial(tid), "sessions": store.sessions(), "sessions_p": store.sessions(p.id),
        "session": store.session(store.sessions()[0].id), "keystrokes": store.keystrokes(tid),
        "keystrokes_1": store.keystrokes(tid, 1), "analysis": store.analysis_trials(),
    }


def _columns(con, table):
    return [r[1] for r in con.execute(f"PRAGMA table_info({table})")]


def test_rows_load_after_a_migration_adds_columns(tmp_path):
    tid = _study_with_data(tmp_path / "s")
    with StudyStore.open(tmp_path / "s") as store:
        before = _everything(store, tid)
    con = sqlite3.connect(tmp_path / "s" / DB_NAME)
    for table in ROW_TABLES:  # a later schema version appends a column to every table
        con.execute(f"ALTER TABLE {table} ADD COLUMN added_later TEXT DEFAULT 'x'")
    con.commit()
    con.close()
    with StudyStore.open(tmp_path / "s") as store:
        assert _everything(store, tid) == before


def test_rows_load_when_the_table_columns_are_in_another_order(tmp_path):
    tid = _study_with_data(tmp_path / "s")
    with StudyStore.open(tmp_path / "s") as store:
        before = _everything(store, tid)
    con = sqlite3.connect(tmp_path / "s" / DB_NAME, isolation_level=None)
    for table in ROW_TABLES:  # the same columns, reversed (the dataclasses keep their order)
        cols = _columns(con, table)
        con.execute(f"CREATE TABLE {table}_new AS SELECT {', '.join(reversed(cols))} FROM {table}")
        con.execute(f"DROP TABLE {table}")
        con.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
        assert _columns(con, table) == cols[::-1]
    con.close()
    with StudyStore.open(tmp_path / "s") as store:
        after = _everything(store, tid)
    assert after == before
    assert after["participant"].code == "P01" and after["keystrokes"][0].trial_id == tid


def test_transaction_commits_or_rolls_back(tmp_path):
    with StudyStore.open(tmp_path / "s", create=True) as store:
        with store.transaction(immediate=True) as c:
            c.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        with pytest.raises(KeyError):
            with store.transaction():
                store.conn.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
                raise KeyError("boom")
        assert not store.conn.in_transaction
        # The rollback finds no transaction (ended inside the block): the first error still wins.
        with pytest.raises(KeyError):
            with store.transaction():
                store.conn.execute("INSERT INTO meta (key, value) VALUES ('c', '3')")
                store.conn.execute("ROLLBACK")
                raise KeyError("boom")
        # A failing statement rolls back what the transaction had written.
        with pytest.raises(sqlite3.IntegrityError):
            with store.transaction():
                store.conn.execute("INSERT INTO meta (key, value) VALUES ('d', '4')")
                store.conn.execute("INSERT INTO meta (key, value) VALUES ('a', 'again')")
        assert not store.conn.in_transaction
        meta = store.meta()
    assert meta["a"] == "1" and not {"b", "c", "d"} & set(meta)
    assert meta["format"] == "gazetype-study" and meta["schema_version"] == "2"


def test_refused_writes_leave_no_transaction_open(tmp_path):
    ctx, runner, _ = make_runner(tmp_path / "s", tlx=True, n_phrases=1, n_practice=0)
    store = ctx.store
    cid = runner.conditions[0].id
    answers = dict.fromkeys(("mental", "physical", "temporal", "performance", "effort", "frustration"), 50)
    store.add_tlx(cid, ctx.session.id, answers, 1.0)
    with pytest.raises(StudyError, match="already answered"):
        store.add_tlx(cid, ctx.session.id, answers, 2.0)
    assert not store.conn.in_transaction
    assert store.tlx(cid) == {k: 50.0 for k in answers}
    ctx.close()


SQL = re.compile(r"\.execute(many|script)?\(|\bSELECT\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|"
                 r"\bDELETE\s+FROM\b|\b(BEGIN|COMMIT|ROLLBACK)\b|\bCREATE\s+(TABLE|INDEX)\b|\bPRAGMA\b|"
                 r"\bimport\s+sqlite3\b")


def test_no_sql_outside_the_store():
    import gazetype.app
    import gazetype.pipeline
    import gazetype.sim
    import gazetype.study
    here = Path(gazetype.study.__file__).parent
    store = {here / "db.py", *here.glob("db_*.py")}  # the store: its public face and its parts
    found = []
    n = 0
    for pkg in (gazetype.study, gazetype.sim, gazetype.app, gazetype.pipeline):
        for path in sorted(Path(pkg.__file__).parent.rglob("*.py")):
            if path in store:
                continue
            n += 1
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SQL.search(line):
                    found.append(f"{path}:{i}: {line.strip()}")
    assert n > 20  # the packages were found
    assert len(store) > 1 and not found, "SQL outside the study store:\n" + "\n".join(found)


class OneEstimate:
    """An autocalibrator that reports a single estimate at `t_s` and then nothing."""

    def __init__(self, t_s: float) -> None:
        self.t_s = t_s
        self.sent = 0

    def update(self, s):
        if self.sent or s.t_s < self.t_s:
            return None
        self.sent += 1
        return OffsetEvent(s.t_s, 12.0, -7.0, 1.0, 10)

    def on_layout(self, ev):
        pass

    def on_select(self, ev):
        pass


def test_a_buffered_estimate_is_committed_within_a_second_without_further_updates(tmp_path):
    cals = []

    def factory(screen, enabled):
        cals.append(OneEstimate(6.0) if enabled else NullCalibrator())
        return cals[-1]

    ctx, runner, _ = make_runner(tmp_path / "s", conditions="autocalibrated", n_phrases=1, n_practice=0,
                                 offset="drift:40,-20@10", calibrator_factory=factory)
    runner.start(0.0)
    runner.continue_(5.0)
    other = sqlite3.connect(tmp_path / "s" / DB_NAME)  # sees only what is committed

    def committed():
        return other.execute("SELECT t_s, dx_px, dy_px FROM calibration_updates").fetchall()

    def feed_until(t_end, t):
        while t <= t_end + 1e-9:
            runner.feed(GazeSample(t, 900.0, 300.0))  # gaze on the output panel: no keystrokes
            t += 1 / 120
        return t

    t = feed_until(6.0, 5.0)  # the one estimate, at the sample at 6.0 s
    assert cals[-1].sent == 1 and committed() == []  # buffered
    t = feed_until(6.95, t)  # no keystroke, no further estimate: still buffered under a second
    assert committed() == []
    t = feed_until(7.01, t)  # a second after the estimate, a sample alone commits it
    assert cals[-1].sent == 1 and ctx.store.count("keystrokes") == 0
    (row,) = committed()
    assert row[0] == pytest.approx(6.0, abs=0.01) and row[1:] == (12.0, -7.0)
    other.close()
    ctx.close()
