"""Headless text layout for the output panel: word wrapping, word boxes, caret.

The widget draws text exactly where this says (it passes its font's measuring
function), so the word boxes sent to the autocalibration are the ones on screen.
Without Qt, `mono_measure` approximates a monospace font.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from gazetype.tracker.events import Box, LayoutItem

Measure = Callable[[str], float]


def mono_measure(font_px: float) -> Measure:
    """Advance width of a monospace font of `font_px` px (0.6 em per character)."""
    w = 0.6 * font_px
    return lambda s: w * len(s)


@dataclass(frozen=True, slots=True)
class TextLine:
    text: str
    x_px: float  # left edge
    top_px: float
    index: int  # line number in the whole text (not just the visible part)


@dataclass(frozen=True, slots=True)
class TextLayout:
    lines: tuple[TextLine, ...]  # visible lines only
    words: tuple[LayoutItem, ...]  # visible words, with their line index
    caret: Box  # where the next character goes
    line_height_px: float
    total_lines: int
    scroll_lines: int = 0  # lines scrolled back: the last `scroll_lines` lines are below the panel


class WrapCache:
    """The wrapped lines of a text's paragraphs before its last one, for `layout_text`:
    typing changes only the last paragraph ("done" starts a new one), so laying out the
    text again wraps only that, however much was typed before (the output panel's text
    grows all day). One text's head at a time: a bounded size."""

    __slots__ = ("key", "head", "lines")

    def __init__(self) -> None:
        self.key: tuple = ()
        self.head = ""
        self.lines: list[str] = []


def layout_text(text: str, box: Box, font_px: float, measure: Measure | None = None,
                *, line_spacing: float = 1.35, padding_px: float | None = None, scroll_lines: int = 0,
                cache: WrapCache | None = None) -> TextLayout:
    """Wrap `text` into `box` (screen px) and return visible lines, word boxes and caret.

    Greedy word wrap; a word wider than the box is broken. Newlines start a new line.
    When the text has more lines than fit, the last lines are shown (the panel
    scrolls to the caret), as users expect of an output panel; `scroll_lines` shows
    that many lines further back (scrollback, clamped to the text). `cache` (the same
    one for every layout of a growing text) saves wrapping the paragraphs before the
    last again; the layout is the same with or without it.
    """
    given_measure = measure
    measure = measure or mono_measure(font_px)
    pad = 0.4 * font_px if padding_px is None else padding_px
    x0, y0, x1, y1 = box
    left, right = x0 + pad, x1 - pad
    width = max(right - left, measure("W"))
    line_h = font_px * line_spacing

    # Wrap into lines: the paragraphs before the last (from the cache when unchanged), then the last.
    cut = text.rfind("\n") + 1
    if cache is None:
        raw_lines = _wrap(text[:cut - 1].split("\n"), measure, width) if cut else []
    else:
        key = (width, given_measure, font_px)
        if cache.key != key or cache.head != text[:cut]:
            cache.key, cache.head = key, text[:cut]
            cache.lines = _wrap(text[:cut - 1].split("\n"), measure, width) if cut else []
        raw_lines = list(cache.lines)
    raw_lines += _wrap((text[cut:],), measure, width)

    n_fit = max(1, int((y1 - y0 - pad) // line_h))
    scroll_lines = min(max(0, scroll_lines), max(0, len(raw_lines) - n_fit))
    first = max(0, len(raw_lines) - n_fit - scroll_lines)
    raw_lines_shown = raw_lines[first:len(raw_lines) - scroll_lines]
    lines = []
    words = []
    for i, s in enumerate(raw_lines_shown):
        idx = first + i
        top = y0 + pad * 0.5 + i * line_h
        lines.append(TextLine(s, left, top, idx))
        pos = 0
        for token in s.split(" "):
            if token:
                wx0 = left + measure(s[:pos])
                wx1 = wx0 + measure(token)
                words.append(LayoutItem(token, (wx0, top, wx1, top + line_h), idx))
            pos += len(token) + 1
    last = lines[-1]
    cx = last.x_px + measure(last.text)
    caret = (cx, last.top_px, cx + max(2.0, 0.08 * font_px), last.top_px + line_h)
    return TextLayout(tuple(lines), tuple(words), caret, line_h, len(raw_lines), scroll_lines)


def _wrap(paras, measure: Measure, width: float) -> list[str]:
    """Greedy word wrap of each paragraph into lines (a word wider than `width` is broken)."""
    raw_lines: list[str] = []
    for para in paras:
        line = ""
        for token in _tokens(para):
            if measure((line + token).rstrip(" ")) <= width:
                line += token
                continue
            if line.strip():  # the word goes to the next line
                raw_lines.append(line)
                line = ""
            if measure((line + token).rstrip(" ")) <= width:
                line += token
                continue
            for ch in token:  # a word wider than the panel is broken
                if ch != " " and line.strip() and measure((line + ch).rstrip(" ")) > width:
                    raw_lines.append(line)
                    line = ""
                line += ch
        raw_lines.append(line)
    return raw_lines


def _tokens(para: str) -> list[str]:
    """Split into words each carrying its trailing spaces: 'ab  c' -> ['ab  ', 'c']."""
    out: list[str] = []
    cur = ""
    for ch in para:
        if ch == " ":
            cur += ch
        else:
            if cur.endswith(" "):
                out.append(cur)
                cur = ""
            cur += ch
    if cur:
        out.append(cur)
    return out
