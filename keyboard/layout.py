"""Keyboard layout model: pages of keys computed for any rectangle, with hit-testing.

Pure geometry, no Qt. Key ids are stable strings used in recordings and study logs:
a character key's id is its character ("a", ",", "7"); action keys are "space",
"backspace", "clear", "done", and page switches "page:symbols" / "page:letters".
"""
from __future__ import annotations

from dataclasses import dataclass

from gazetype.tracker.events import Box, LayoutItem

SPACE, BACKSPACE, CLEAR, DONE = "space", "backspace", "clear", "done"
PAGE_LETTERS, PAGE_SYMBOLS = "page:letters", "page:symbols"
ACTION_LABELS = {SPACE: "space", BACKSPACE: "\u232b", CLEAR: "clear", DONE: "done",
                 PAGE_LETTERS: "abc", PAGE_SYMBOLS: "123"}

# Rows of (key id, width in key units). Every row spans 10 units.
PAGES: dict[str, tuple[tuple[tuple[str, float], ...], ...]] = {
    "letters": (
        tuple((c, 1.0) for c in "qwertyuiop"),
        tuple((c, 1.0) for c in "asdfghjkl") + ((BACKSPACE, 1.0),),
        tuple((c, 1.0) for c in "zxcvbnm,.?"),
        ((PAGE_SYMBOLS, 1.5), (SPACE, 4.5), (CLEAR, 1.5), (DONE, 2.5)),
    ),
    "symbols": (
        tuple((c, 1.0) for c in "1234567890"),
        tuple((c, 1.0) for c in "-'\":;!@()") + ((BACKSPACE, 1.0),),
        tuple((c, 1.0) for c in "/&#%+=*_,."),
        ((PAGE_LETTERS, 1.5), (SPACE, 4.5), (CLEAR, 1.5), (DONE, 2.5)),
    ),
}


def missing_keys(text: str) -> list[str]:
    """The characters of `text` that no page of the keyboard has a key for (a space is
    the space key), each once, in order."""
    have = {k for rows in PAGES.values() for row in rows for k, _ in row if len(k) == 1}
    return list(dict.fromkeys(ch for ch in text if ch != " " and ch not in have))


@dataclass(frozen=True, slots=True)
class Key:
    id: str
    label: str
    box: Box

    @property
    def is_char(self) -> bool:
        return len(self.id) == 1

    @property
    def cx_px(self) -> float:
        return 0.5 * (self.box[0] + self.box[2])

    @property
    def cy_px(self) -> float:
        return 0.5 * (self.box[1] + self.box[3])

    @property
    def width_px(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height_px(self) -> float:
        return self.box[3] - self.box[1]

    def contains(self, x_px: float, y_px: float) -> bool:
        x0, y0, x1, y1 = self.box
        return x0 <= x_px < x1 and y0 <= y_px < y1


def key_label(key_id: str) -> str:
    return ACTION_LABELS.get(key_id, key_id)


class KeyMap:
    """A set of keys with fast hit-testing (the last hit is checked first)."""

    def __init__(self, keys: tuple[Key, ...] | list[Key]) -> None:
        self.keys: tuple[Key, ...] = tuple(keys)
        self._by_id = {k.id: k for k in self.keys}
        self._last: Key | None = None
        # Bounding box of all keys: gaze elsewhere (reading the text) is a miss at once;
        # inside it, a coarse grid lists the keys each cell overlaps (in key order).
        boxes = [k.box for k in self.keys]
        self._bbox = ((min(b[0] for b in boxes), min(b[1] for b in boxes),
                       max(b[2] for b in boxes), max(b[3] for b in boxes)) if boxes else None)
        self._cells: list[tuple[Key, ...]] = []
        if self._bbox is not None:
            x0, y0, x1, y1 = self._bbox
            n = self._grid_n = 16
            self._cw = (x1 - x0) / n or 1.0
            self._ch = (y1 - y0) / n or 1.0
            cells: list[list[Key]] = [[] for _ in range(n * n)]
            for k in self.keys:  # in key order, so the first hit is the same as a full scan
                # one cell of margin each way: rounding at a cell edge cannot lose a key
                c0 = max(0, int((k.box[0] - x0) / self._cw) - 1)
                c1 = min(n - 1, int((k.box[2] - x0) / self._cw) + 1)
                r0 = max(0, int((k.box[1] - y0) / self._ch) - 1)
                r1 = min(n - 1, int((k.box[3] - y0) / self._ch) + 1)
                for r in range(r0, r1 + 1):
                    for c in range(c0, c1 + 1):
                        cells[r * n + c].append(k)
            self._cells = [tuple(c) for c in cells]

    def key_at(self, x_px: float, y_px: float) -> Key | None:
        """The key containing (x, y), or None (gaps, elsewhere, NaN)."""
        last = self._last
        if last is not None:
            x0, y0, x1, y1 = last.box
            if x0 <= x_px < x1 and y0 <= y_px < y1:
                return last
        bb = self._bbox
        if bb is None or not (bb[0] <= x_px < bb[2] and bb[1] <= y_px < bb[3]):
            return None
        n = self._grid_n
        c = min(int((x_px - bb[0]) / self._cw), n - 1)
        r = min(int((y_px - bb[1]) / self._ch), n - 1)
        for k in self._cells[r * n + c]:
            x0, y0, x1, y1 = k.box
            if x0 <= x_px < x1 and y0 <= y_px < y1:
                self._last = k
                return k
        return None

    def get(self, key_id: str) -> Key | None:
        return self._by_id.get(key_id)

    def __iter__(self):
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def to_items(self) -> tuple[LayoutItem, ...]:
        return tuple(LayoutItem(k.id, k.box) for k in self.keys)

    @staticmethod
    def from_items(items) -> "KeyMap":
        return KeyMap([Key(it.text, key_label(it.text), it.box) for it in items])


def compute_keys(box: Box, page: str = "letters", gap_frac: float = 0.06) -> KeyMap:
    """Lay out `page` in `box` (screen px). Gaps between keys are `gap_frac` of a key
    unit; gaze in a gap hits no key, which keeps neighbours from stealing a dwell."""
    if page not in PAGES:
        raise ValueError(f"unknown keyboard page {page!r}; pages: {', '.join(PAGES)}")
    x0, y0, x1, y1 = box
    rows = PAGES[page]
    unit_w = (x1 - x0) / 10.0
    unit_h = (y1 - y0) / len(rows)
    gx, gy = gap_frac * unit_w * 0.5, gap_frac * unit_h * 0.5
    keys = []
    for r, row in enumerate(rows):
        x = x0
        top = y0 + r * unit_h
        for key_id, w in row:
            right = x + w * unit_w
            keys.append(Key(key_id, key_label(key_id), (x + gx, top + gy, right - gx, top + unit_h - gy)))
            x = right
    return KeyMap(keys)


@dataclass(frozen=True, slots=True)
class ScreenLayout:
    """Where the parts of the keyboard window are, in screen px.

    From top to bottom: an optional target-phrase strip (studies), the output panel,
    then the keys. `window` is the window's rectangle on the screen.
    """

    window: Box
    target: Box | None
    output: Box
    keyboard: Box

    @staticmethod
    def compute(window: Box, *, output_frac: float = 0.3, target_frac: float = 0.0,
                margin_px: float = 8.0) -> "ScreenLayout":
        x0, y0, x1, y1 = window
        h = y1 - y0
        if x1 - x0 <= 2 * margin_px or h <= 2 * margin_px:
            raise ValueError(f"window too small for a keyboard: {x1 - x0:.0f}x{h:.0f} px")
        top = y0 + margin_px
        target = None
        if target_frac > 0:
            target = (x0 + margin_px, top, x1 - margin_px, top + target_frac * h)
            top = target[3] + margin_px
        output = (x0 + margin_px, top, x1 - margin_px, top + output_frac * h)
        keyboard = (x0 + margin_px, output[3] + margin_px, x1 - margin_px, y1 - margin_px)
        return ScreenLayout(window, target, output, keyboard)
