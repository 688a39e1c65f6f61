"""Keyboard layout model: pages of keys computed for any rectangle, with hit-testing.

Pure geometry, no Qt. The pages come from data files, one per layout, in
`keyboard/layouts/NAME.json` (adding a layout is adding a file; `layout_names()` lists
them). Key ids are stable strings used in recordings and study logs: a character key's
id is its character ("a", ",", "7"); action keys are "space", "backspace", "clear",
"done", "shift", "undo", "sleep", "speak", "copy", "save", "calibrate", page switches "page:NAME";
a quick phrase's key is "phrase:TEXT", a suggestion's in the row above the keys
"word:TEXT" (keyboard.model lays the row out when its `suggestions` setting is 3 to
5). The user studies keep the fixed "study" layout.

A layout file is a JSON object {"description": TEXT, "pages": {NAME: [ROW, ...]}} with a
"letters" page (shown first); a ROW is a string (each character a key one unit wide) or a
list of key ids and [key id, width in units] pairs; the rows of a layout all span the same
number of units. On a page, "phrase" is a slot that the keyboard fills with a quick phrase.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence

from gazetype.tracker.events import Box, LayoutItem
from gazetype.tracker.keyid import KeyKind, parse_key, phrase_key

SPACE, BACKSPACE, CLEAR, DONE = "space", "backspace", "clear", "done"
SHIFT, UNDO, SLEEP, SPEAK, COPY, SAVE = "shift", "undo", "sleep", "speak", "copy", "save"
CALIBRATE = "calibrate"  # the tracker's own calibration (asks to be confirmed)
FORGET = "forget"  # the phrases page: delete a saved or most-said phrase (pick it, then confirm)
PAGE_LETTERS, PAGE_SYMBOLS, PAGE_PHRASES = "page:letters", "page:symbols", "page:phrases"
PHRASE_SLOT = "phrase"  # a slot in a layout file that the keyboard fills with a quick phrase
# Page, phrase and suggestion keys ("page:NAME", "phrase:TEXT", "word:TEXT") are made and
# read by tracker/keyid.py (page_key, phrase_key, word_key; parse_key).
SUGGESTIONS = "suggestions"  # the row's region name in layout events
ACTIONS = frozenset({SPACE, BACKSPACE, CLEAR, DONE, SHIFT, UNDO, SLEEP, SPEAK, COPY, SAVE, CALIBRATE, FORGET})
ACTION_LABELS = {SPACE: "space", BACKSPACE: "\u232b", CLEAR: "clear", DONE: "done",
                 PAGE_LETTERS: "abc", PAGE_SYMBOLS: "123", PAGE_PHRASES: "phrases", SHIFT: "\u21e7",
                 UNDO: "undo", SLEEP: "sleep", SPEAK: "speak", COPY: "copy", SAVE: "+ save text",
                 CALIBRATE: "calibrate", FORGET: "delete\nphrase"}
STUDY_LAYOUT = "study"  # the user studies' fixed layout (study.runner.study_model)
DEFAULT_LAYOUT = "qwerty"  # the keyboard window's default

Rows = tuple[tuple[tuple[str, float], ...], ...]


class LayoutError(ValueError):
    """A layout file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Layout:
    """A keyboard layout: named pages of rows of (key id, width in units)."""

    name: str
    description: str
    pages: Mapping[str, Rows]
    columns: float  # the units every row spans

    def char_keys(self) -> frozenset[str]:
        """Every character some page types."""
        return frozenset(k for rows in self.pages.values() for row in rows for k, _ in row if len(k) == 1)


def _parse_row(where: str, row) -> tuple[tuple[str, float], ...]:
    if isinstance(row, str):
        if not row or any(ch.isspace() for ch in row):
            raise LayoutError(f"{where}: a row string must be characters without spaces (use \"space\"), got {row!r}")
        return tuple((ch, 1.0) for ch in row)
    if not isinstance(row, list) or not row:
        raise LayoutError(f"{where}: a row must be a string or a non-empty list of keys")
    keys = []
    for item in row:
        if isinstance(item, str):
            key_id, w = item, 1.0
        elif (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
              and isinstance(item[1], (int, float)) and not isinstance(item[1], bool)):
            key_id, w = item[0], float(item[1])
        else:
            raise LayoutError(f"{where}: a key must be an id or [id, width], got {json.dumps(item)[:60]}")
        if not (math.isfinite(w) and 0.25 <= w <= 20):
            raise LayoutError(f"{where}: key {key_id!r} has width {w:g}; widths are 0.25 to 20 units")
        keys.append((key_id, w))
    return tuple(keys)


def parse_layout(name: str, data, where: str) -> Layout:
    """A Layout from a layout file's JSON value; LayoutError names `where` and the problem."""
    if not isinstance(data, dict) or not isinstance(data.get("pages"), dict) or not data["pages"]:
        raise LayoutError(f"{where}: expected an object with \"pages\": {{NAME: [ROW, ...]}}")
    if "letters" not in data["pages"]:
        raise LayoutError(f"{where}: no \"letters\" page (the page shown first)")
    pages: dict[str, Rows] = {}
    for page, rows in data["pages"].items():
        if not isinstance(rows, list) or not rows:
            raise LayoutError(f"{where}: page {page!r}: expected a non-empty list of rows")
        pages[page] = tuple(_parse_row(f"{where}: page {page!r} row {i + 1}", r) for i, r in enumerate(rows))
    columns = sum(w for _, w in pages["letters"][0])
    for page, rows in pages.items():
        seen: set[str] = set()
        for i, row in enumerate(rows):
            span = sum(w for _, w in row)
            if abs(span - columns) > 1e-6:
                raise LayoutError(f"{where}: page {page!r} row {i + 1} spans {span:g} units, the first row {columns:g}")
            for key_id, _ in row:
                ref = parse_key(key_id)
                if ref.kind is KeyKind.PAGE:
                    if ref.arg not in pages:
                        raise LayoutError(f"{where}: page {page!r}: key {key_id!r} switches to a page the layout lacks")
                elif not (len(key_id) == 1 and not key_id.isspace() or key_id in ACTIONS or key_id == PHRASE_SLOT):
                    raise LayoutError(f"{where}: page {page!r}: unknown key {key_id!r} (a character, "
                                      f"{', '.join(sorted(ACTIONS))}, page:NAME or {PHRASE_SLOT})")
                if key_id in seen and key_id != PHRASE_SLOT:
                    raise LayoutError(f"{where}: page {page!r}: key {key_id!r} twice")
                seen.add(key_id)
    desc = data.get("description", "")
    if not isinstance(desc, str):
        raise LayoutError(f"{where}: \"description\" must be text")
    return Layout(name, desc, pages, columns)


def _layout_files() -> dict[str, object]:
    folder = resources.files("gazetype.keyboard") / "layouts"
    return {f.name[:-5]: f for f in folder.iterdir() if f.name.endswith(".json")}


def layout_names() -> list[str]:
    """The layouts shipped with gazetype (the files in keyboard/layouts)."""
    return sorted(_layout_files())


def load_layout_file(path: str | Path) -> Layout:
    """A layout from any file; LayoutError (one line naming the file) if it is unusable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LayoutError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise LayoutError(f"{path}: cannot read it ({e})") from None
    return _parse_text(path.stem, text, str(path))


def _parse_text(name: str, text: str, where: str) -> Layout:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise LayoutError(f"{where}: not valid JSON ({str(e)[:80]})") from None
    return parse_layout(name, data, where)


@lru_cache(maxsize=None)
def load_layout(name: str) -> Layout:
    """A shipped layout by name, or a layout file by path (a name ending in .json)."""
    if name.endswith(".json"):
        return load_layout_file(name)
    files = _layout_files()
    if name not in files:
        raise LayoutError(f"unknown layout {name!r}; layouts: {', '.join(sorted(files))} (or a .json file)")
    f = files[name]
    return _parse_text(name, f.read_text(encoding="utf-8"), f"layouts/{name}.json")


def as_layout(layout: "Layout | str | None") -> Layout:
    if layout is None:
        return load_layout(STUDY_LAYOUT)
    return load_layout(layout) if isinstance(layout, str) else layout


# The study layout's pages: what the studies, the phrase sets and the recordings of
# the headless commands use.
PAGES: Mapping[str, Rows] = load_layout(STUDY_LAYOUT).pages


def missing_keys(text: str, layout: "Layout | str | None" = None) -> list[str]:
    """The characters of `text` that no page of the keyboard has a key for (a space is
    the space key), each once, in order."""
    have = as_layout(layout).char_keys()
    return list(dict.fromkeys(ch for ch in text if ch != " " and ch not in have))


@dataclass(frozen=True, slots=True)
class Key:
    key_id: str
    label: str
    box: Box

    @property
    def is_char(self) -> bool:
        return len(self.key_id) == 1

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
    ref = parse_key(key_id)
    if ref.kind in (KeyKind.PHRASE, KeyKind.WORD):
        return ref.arg
    return ACTION_LABELS.get(key_id, key_id)


class KeyMap:
    """A set of keys with fast hit-testing (the last hit is checked first)."""

    def __init__(self, keys: tuple[Key, ...] | list[Key]) -> None:
        self.keys: tuple[Key, ...] = tuple(keys)
        self._by_id = {k.key_id: k for k in self.keys}
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
        return tuple(LayoutItem(k.key_id, k.box) for k in self.keys)

    @staticmethod
    def from_items(items) -> "KeyMap":
        return KeyMap([Key(it.text, key_label(it.text), it.box) for it in items])


def compute_keys(box: Box, page: str = "letters", gap_frac: float = 0.06, layout: "Layout | str | None" = None,
                 phrases: Sequence[str] = ()) -> KeyMap:
    """Lay out `page` of `layout` (default: the study layout) in `box` (screen px). Gaps
    between keys are `gap_frac` of a key unit; gaze in a gap hits no key, which keeps
    neighbours from stealing a dwell. Phrase slots take `phrases` in order; a slot
    with no phrase left is no key."""
    lay = as_layout(layout)
    if page not in lay.pages:
        raise ValueError(f"unknown keyboard page {page!r}; pages: {', '.join(lay.pages)}")
    x0, y0, x1, y1 = box
    rows = lay.pages[page]
    unit_w = (x1 - x0) / lay.columns
    unit_h = (y1 - y0) / len(rows)
    gx, gy = gap_frac * unit_w * 0.5, gap_frac * unit_h * 0.5
    fill = iter(dict.fromkeys(phrases))  # each phrase once
    keys = []
    for r, row in enumerate(rows):
        x = x0
        top = y0 + r * unit_h
        for key_id, w in row:
            right = x + w * unit_w
            if key_id == PHRASE_SLOT:
                text = next(fill, None)
                key_id = None if text is None else phrase_key(text)
            if key_id is not None:
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
