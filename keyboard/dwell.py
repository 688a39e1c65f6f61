"""Dwell selection engine: a pure state machine fed (t_s, x_px, y_px, valid).

Time on a key accumulates only between consecutive valid samples on that key (each
step capped at `max_step_s`, so data gaps never count as dwell). After `lockon_s`
the progress (0..1) starts to fill; after a further `dwell_s` the key is selected.

Partial dwell survives short interruptions: a blink, invalid samples, or a glance
at another key or at the text, for up to `keep_partial_s`. A selected key cannot
be selected again until gaze has been validly somewhere else (look away first).
Invalid, NaN and off-screen samples never select anything.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from gazetype.keyboard.layout import Key, KeyMap


@dataclass(frozen=True, slots=True)
class DwellConfig:
    dwell_s: float = 1.0
    lockon_s: float = 0.15
    keep_partial_s: float = 0.75
    max_step_s: float = 0.1

    def __post_init__(self) -> None:
        if not (self.dwell_s > 0 and math.isfinite(self.dwell_s)):
            raise ValueError(f"dwell time must be positive, got {self.dwell_s * 1000:g} ms")
        for name in ("lockon_s", "keep_partial_s", "max_step_s"):
            v = getattr(self, name)
            if not (v >= 0 and math.isfinite(v)):
                raise ValueError(f"{name} must be >= 0, got {v}")


@dataclass(frozen=True, slots=True)
class Selection:
    """Key `key_id` was selected by dwell at `t_s`."""

    t_s: float
    key_id: str


@dataclass(frozen=True, slots=True)
class Focus:
    """What to draw: the key under gaze (or None) and its dwell progress 0..1."""

    key_id: str | None
    progress: float
    locked: bool  # past lock-on: progress is filling


NO_FOCUS = Focus(None, 0.0, False)
_NO_EVENTS: tuple = ()


class DwellEngine:
    """`update(t_s, x_px, y_px, valid) -> tuple of Selection` ; `focus` for drawing."""

    def __init__(self, keys: KeyMap | None = None, config: DwellConfig | None = None) -> None:
        self.config = config or DwellConfig()
        self.keys = keys or KeyMap(())
        self.reset()

    def reset(self) -> None:
        self._acc: dict[str, float] = {}  # key id -> seconds dwelt (lock-on included)
        self._seen: dict[str, float] = {}  # key id -> last time gaze was on it
        self._oldest_seen = -math.inf  # a lower bound of the times in _seen
        self._prev_key: str | None = None  # key of the previous valid sample
        self._last_t: float | None = None
        self._last_valid_t: float | None = None
        self._disarmed: str | None = None
        self._focus: Focus | None = NO_FOCUS  # None: build from _fk/_fp/_fl when asked
        self._fk: str | None = None
        self._fp = 0.0
        self._fl = False

    @property
    def on_key(self) -> bool:
        """The last valid gaze was on a key (dwelling, or resting on a just-selected key)."""
        return self._focus is not NO_FOCUS

    @property
    def filling(self) -> bool:
        """A dwell is under way: the last valid gaze was on a key that can still be selected
        (a just-selected key cannot, until gaze has been elsewhere). Time alone changes
        what is drawn only then."""
        return self._focus is not NO_FOCUS and self._fk is not None and self._fk != self._disarmed

    @property
    def focus(self) -> Focus:
        """The key under gaze and its progress. Built when asked for (the UI asks once
        a frame; update() runs once a sample)."""
        f = self._focus
        if f is None:
            f = self._focus = Focus(self._fk, self._fp, self._fl)
        return f

    def set_keys(self, keys: KeyMap) -> None:
        """New key geometry (resize, page change, new suggestions). Dwell progress starts
        afresh on every key that moved or changed, but a just-selected key stays disarmed
        so a page flip cannot re-trigger it; a key that is still there, with the same id
        in the same box, keeps its progress (the suggestion row changes with every
        letter: a dwell elsewhere goes on)."""
        disarmed = self._disarmed
        old_keys = self.keys
        if disarmed is not None and keys.get(disarmed) is None:
            # The selected key was replaced (page flip): disarm whatever is now in its place.
            old = old_keys.get(disarmed)
            repl = keys.key_at(old.cx_px, old.cy_px) if old is not None else None
            disarmed = repl.key_id if repl is not None else None
        same = {k.key_id for k in keys if (o := old_keys.get(k.key_id)) is not None and o.box == k.box}
        kept = (self._acc, self._seen, self._oldest_seen, self._prev_key, self._last_t, self._last_valid_t,
                self._fk, self._fp, self._fl)
        self.keys = keys
        self.reset()
        self._disarmed = disarmed
        if same:
            acc, seen, oldest, prev, last_t, last_valid_t, fk, fp, fl = kept
            self._acc = {k: v for k, v in acc.items() if k in same}
            self._seen = {k: v for k, v in seen.items() if k in same}
            self._oldest_seen, self._last_t, self._last_valid_t = oldest, last_t, last_valid_t
            self._prev_key = prev if prev in same else None
            if fk in same and fk != disarmed:
                self._focus, self._fk, self._fp, self._fl = None, fk, fp, fl

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
                self._focus = NO_FOCUS
            return _NO_EVENTS

        self._last_valid_t = t_s
        if key is None:
            # Valid gaze off the keys (text, margins, off-screen): counts as looking away.
            self._disarmed = None
            self._prev_key = None
            self._focus = NO_FOCUS
            if self._seen:
                self._expire(t_s)
            return _NO_EVENTS

        kid = key.key_id
        if kid == self._disarmed:
            self._prev_key = kid
            self._focus = None
            self._fk, self._fp, self._fl = kid, 0.0, False
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
        if t_s < self._oldest_seen:
            self._oldest_seen = t_s

        if acc >= cfg.lockon_s + cfg.dwell_s:
            self._acc.clear()
            self._seen.clear()
            self._disarmed = kid
            self._focus = None
            self._fk, self._fp, self._fl = kid, 1.0, True
            return (Selection(t_s, kid),)
        locked = acc >= cfg.lockon_s
        self._focus = None
        self._fk, self._fp, self._fl = kid, (acc - cfg.lockon_s) / cfg.dwell_s if locked else 0.0, locked
        if len(self._acc) > 1:
            self._expire(t_s)
        return _NO_EVENTS


    def _expire(self, t_s: float) -> None:
        keep = self.config.keep_partial_s
        # Nothing can be stale before the oldest "seen" time plus keep (seen times only
        # grow, so the stored oldest is a lower bound): skip the scan until then.
        if t_s - self._oldest_seen <= keep:
            return
        cur = self._prev_key
        stale = [k for k, ts in self._seen.items() if k != cur and t_s - ts > keep]
        for k in stale:
            del self._seen[k]
            self._acc.pop(k, None)
        self._oldest_seen = min(self._seen.values(), default=math.inf)
