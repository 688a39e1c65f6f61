"""Speed-ups of the per-sample path keep behaviour exactly: reference versions
(as first written, kept here) against the optimised ones, on random input."""
import json
import math
import random

from hypothesis import given
from hypothesis import strategies as st

from gazetype.keyboard.dwell import _NO_EVENTS, NO_FOCUS, DwellConfig, DwellEngine, Focus, Selection
from gazetype.keyboard.layout import Key, KeyMap, compute_keys
from gazetype.pipeline.pipeline import GazePipeline
from gazetype.recording.v1 import RecordingReader, event_from_dict
from gazetype.tracker.sample import GazeSample


class ReferenceDwell:
    """The dwell engine as first written (eager focus, full expiry scans)."""

    def __init__(self, keys: KeyMap | None = None, config: DwellConfig | None = None) -> None:
        self.config = config or DwellConfig()
        self.keys = keys or KeyMap(())
        self.reset()

    def reset(self) -> None:
        self._acc: dict[str, float] = {}  # key id -> seconds dwelt (lock-on included)
        self._seen: dict[str, float] = {}  # key id -> last time gaze was on it
        self._prev_key: str | None = None  # key of the previous valid sample
        self._last_t: float | None = None
        self._last_valid_t: float | None = None
        self._disarmed: str | None = None
        self.focus: Focus = NO_FOCUS

    def set_keys(self, keys: KeyMap) -> None:
        """New key geometry (resize, page change). Dwell progress starts afresh,
        but a just-selected key stays disarmed so a page flip cannot re-trigger it."""
        disarmed = self._disarmed
        if disarmed is not None and keys.get(disarmed) is None:
            # The selected key was replaced (page flip): disarm whatever is now in its place.
            old = self.keys.get(disarmed)
            repl = keys.key_at(old.cx_px, old.cy_px) if old is not None else None
            disarmed = repl.key_id if repl is not None else None
        self.keys = keys
        self.reset()
        self._disarmed = disarmed

    def set_config(self, config: DwellConfig) -> None:
        self.config = config

    def update(self, t_s: float, x_px: float, y_px: float, valid: bool = True) -> tuple:
        cfg = self.config
        last_t = self._last_t
        dt = 0.0 if last_t is None or not (t_s > last_t) else min(t_s - last_t, cfg.max_step_s)
        if last_t is None or t_s > last_t:
            self._last_t = t_s

        key: Key | None = None
        if valid and x_px == x_px and y_px == y_px:  # NaN-safe without a function call
            key = self.keys.key_at(x_px, y_px)
        else:
            # Blink or data loss: nothing accrues; partial dwell expires after keep_partial_s.
            if self._last_valid_t is not None and t_s - self._last_valid_t > cfg.keep_partial_s:
                if self._acc:
                    self._acc.clear()
                    self._seen.clear()
                self._prev_key = None
                self.focus = NO_FOCUS
            return _NO_EVENTS

        self._last_valid_t = t_s
        if key is None:
            # Valid gaze off the keys (text, margins, off-screen): counts as looking away.
            self._disarmed = None
            self._prev_key = None
            self.focus = NO_FOCUS
            self._expire(t_s)
            return _NO_EVENTS

        kid = key.key_id
        if kid == self._disarmed:
            self._prev_key = kid
            self.focus = Focus(kid, 0.0, False)
            return _NO_EVENTS
        self._disarmed = None

        acc = self._acc.get(kid, 0.0)
        if self._prev_key == kid:
            acc += dt
        elif kid in self._seen and t_s - self._seen[kid] > cfg.keep_partial_s:
            acc = 0.0
        self._prev_key = kid
        self._acc[kid] = acc
        self._seen[kid] = t_s

        if acc >= cfg.lockon_s + cfg.dwell_s:
            self._acc.clear()
            self._seen.clear()
            self._disarmed = kid
            self.focus = Focus(kid, 1.0, True)
            return (Selection(t_s, kid),)
        locked = acc >= cfg.lockon_s
        self.focus = Focus(kid, (acc - cfg.lockon_s) / cfg.dwell_s if locked else 0.0, locked)
        if len(self._acc) > 1:
            self._expire(t_s)
        return _NO_EVENTS

    def progress_of(self, key_id: str) -> float:
        """Kept partial progress of any key (0..1), e.g. to draw it fading."""
        acc = self._acc.get(key_id, 0.0)
        return min(max((acc - self.config.lockon_s) / self.config.dwell_s, 0.0), 1.0)

    def _expire(self, t_s: float) -> None:
        keep = self.config.keep_partial_s
        cur = self._prev_key
        stale = [k for k, ts in self._seen.items() if k != cur and t_s - ts > keep]
        for k in stale:
            del self._seen[k]
            self._acc.pop(k, None)


coords = st.one_of(st.floats(-50, 2000), st.just(math.nan), st.floats(allow_nan=False, allow_infinity=True))


@given(st.lists(st.tuples(st.floats(-0.01, 0.3), coords, coords, st.booleans()), max_size=400),
       st.sampled_from(["letters", "symbols"]), st.floats(0.1, 2.0), st.floats(0.0, 0.5), st.floats(0.0, 1.5))
def test_dwell_engine_matches_the_reference(rows, page, dwell_s, lockon_s, keep_s):
    keys = compute_keys((0.0, 300.0, 1920.0, 1080.0), page)
    cfg = DwellConfig(dwell_s=dwell_s, lockon_s=lockon_s, keep_partial_s=keep_s)
    a, b = DwellEngine(keys, cfg), ReferenceDwell(compute_keys((0.0, 300.0, 1920.0, 1080.0), page), cfg)
    t = 0.0
    for dt, x, y, v in rows:
        t += dt
        assert a.update(t, x, y, v) == b.update(t, x, y, v)
        assert a.focus == b.focus
        assert a.on_key == (b.focus is not NO_FOCUS)
    assert a._acc == b._acc


@given(st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 1000), st.floats(1, 300), st.floats(1, 300)), max_size=40),
       st.lists(st.tuples(st.floats(-100, 1400), st.floats(-100, 1400)), max_size=200))
def test_key_hit_test_matches_a_plain_scan(boxes, points):
    keys = [Key(str(i), str(i), (x, y, x + w, y + h)) for i, (x, y, w, h) in enumerate(boxes)]
    km = KeyMap(keys)
    for x, y in points:
        want = next((k for k in keys if k.contains(x, y)), None)
        km._last = None
        assert km.key_at(x, y) is want
        assert km.key_at(x, y) is want  # and through the last-hit cache


def test_key_hit_test_on_real_layouts_and_edges():
    rng = random.Random(0)
    for box, page in [((0, 340, 1920, 1080), "letters"), ((13.3, 7.1, 801.7, 599.9), "symbols")]:
        km = compute_keys(box, page)
        for _ in range(20000):
            k = rng.choice(km.keys)
            x = rng.choice([k.box[0], k.box[2], rng.uniform(box[0] - 5, box[2] + 5)])
            y = rng.choice([k.box[1], k.box[3], rng.uniform(box[1] - 5, box[3] + 5)])
            km._last = None
            assert km.key_at(x, y) is next((kk for kk in km.keys if kk.contains(x, y)), None)


gaze_lines = st.fixed_dictionaries({"type": st.just("gaze"), "t": st.floats(0, 1e6), "x": st.one_of(st.floats(-1e4, 1e4), st.none(), st.integers(-5, 5)),
                                    "y": st.one_of(st.floats(-1e4, 1e4), st.none()), "valid": st.one_of(st.booleans(), st.just(1))},
                                   optional={"left": st.just({"x": 1.0, "y": 2.0, "valid": True, "pupil_mm": 3.1}), "extra": st.just(5)})


@given(st.lists(gaze_lines, max_size=30), st.sampled_from(["", " ", "\t"]))
def test_reader_fast_path_gives_what_event_from_dict_gives(tmp_path_factory, lines, pad):
    p = tmp_path_factory.mktemp("rec") / "r.jsonl"
    head = {"type": "header", "format": "gazetype-recording", "version": 1, "screen": {"width_px": 100, "height_px": 100}}
    with open(p, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(head) + "\n")
        for d in lines:
            fh.write(pad + json.dumps(d, separators=(",", ":")) + pad + "\n")
    got = list(RecordingReader(p))
    want = [e for e in (event_from_dict(d) for d in lines) if e is not None]
    assert got == want


def test_step_corrected_is_reported_minus_the_correction():
    pl = GazePipeline()
    pl.corrector.set_target(10.0, -5.0)
    pl.feed(GazeSample(0.0, 100.0, 100.0))
    step = pl.feed(GazeSample(0.05, 100.0, 100.0))
    ax, ay = pl.corrector.applied
    assert (ax, ay) != (0.0, 0.0)
    assert step.corrected == GazeSample(0.05, 100.0 - ax, 100.0 - ay)
    blink = pl.feed(GazeSample.invalid(0.06))
    assert blink.corrected is blink.reported
