"""The keyboard's Qt widget: draws a KeyboardModel, the dwell focus and the gaze
cursor. It holds no logic: the controller sets its state and calls update()."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from gazetype.keyboard.dwell import NO_FOCUS, Focus
from gazetype.keyboard.model import KeyboardModel
from gazetype.keyboard.textlayout import Measure
from gazetype.tracker.keyid import KeyKind, parse_key

FONT_FAMILY = "DejaVu Sans"

BG = QColor("#15171a")
KEY = QColor("#2b2f36")
KEY_BORDER = QColor("#454b55")
KEY_TEXT = QColor("#f2f2f2")
KEY_ASLEEP = QColor("#1d2024")
KEY_TEXT_ASLEEP = QColor("#5a606a")
ACTIVE = QColor("#8a5a12")  # a mode that is on: shift, caps, a clear waiting for confirmation, sleep
ACCENT = QColor("#4da3ff")
FLASH = QColor("#3ccf7a")
OUTPUT_BG = QColor("#fbfaf5")
OUTPUT_TEXT = QColor("#111111")
TARGET_BG = QColor("#23262b")
TARGET_TEXT = QColor("#cfd3da")
CARET = QColor("#d6336c")
CURSOR = QColor(255, 80, 60, 150)
_RING_PEN = QPen(ACCENT, 6, Qt.SolidLine, Qt.RoundCap)


def font_px(px: float, bold: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPixelSize(max(1, int(round(px))))
    f.setBold(bold)
    return f


def qt_measure(px: float) -> Measure:
    """The advance width of text in our font at `px`: what textlayout wraps with."""
    fm = QFontMetricsF(font_px(px))
    return fm.horizontalAdvance


class KeyboardView(QWidget):
    """Renders the model. Positions in the model are display px; `origin` is this
    widget's top-left in display px, set by the controller."""

    geometryChanged = Signal()
    scrolled = Signal(int)  # lines back (mouse wheel over the view): the controller scrolls the output

    def __init__(self, model: KeyboardModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.origin = QPointF(0, 0)
        self.focus: Focus = NO_FOCUS
        self.cursor_px: tuple[float, float] | None = None
        self.show_cursor = True
        self.paused = False
        self.overlay_text: str | None = None  # e.g. a break screen in a study
        self.dialog_open = False  # gaze input is off while a dialog is open
        self.flash_key: str | None = None
        self._still_pixmap: QPixmap | None = None
        self._still_key: tuple | None = None
        self._still_dirty = True  # the still parts may have changed: compare their state at the next paint
        self._cursor_pm: QPixmap | None = None
        self._fonts: tuple | None = None
        self._sprites: dict[tuple, tuple[QPixmap, QPixmap]] = {}  # the key under gaze, by look
        self._rings: dict[tuple, QPixmap] = {}  # the progress ring, by size and step
        self.still_redraws = 0  # times the cached picture of the still parts was drawn anew
        self.setMinimumSize(480, 320)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.StrongFocus)

    def update(self, *args) -> None:
        """A whole repaint: anything may have changed (text, keys, labels, overlays).
        `update_changed` repaints only where gaze-driven things moved."""
        if not args:
            self._still_dirty = True
        super().update(*args)

    _CURSOR_R_PX = 14.0
    _KEY_PAD_PX = 4.0  # the focus border is drawn half outside the key

    def update_changed(self, before: tuple, after: tuple) -> None:
        """Repaint the places of the focus key, the flashing key and the cursor before and
        after: (focus key id, flash key id, cursor (x, y) px or None)."""
        keys = self.model.keys
        ox, oy = self.origin.x(), self.origin.y()
        rects = set()
        for key_id, flash, cur in (before, after):
            for kid in (key_id, flash):
                k = keys.get(kid) if kid is not None else None
                if k is not None:
                    x0, y0, x1, y1 = k.box
                    pad = self._KEY_PAD_PX + 1
                    rects.add((int(x0 - ox - pad), int(y0 - oy - pad), int(x1 - x0 + 2 * pad + 1), int(y1 - y0 + 2 * pad + 1)))
            if cur is not None:
                r = self._CURSOR_R_PX + 4
                rects.add((int(cur[0] - ox - r), int(cur[1] - oy - r), int(2 * r + 1), int(2 * r + 1)))
        upd = super().update
        for x, y, w, h in rects:  # Qt joins them into one repaint
            upd(x, y, w, h)

    # Qt events -> the controller recomputes the layout
    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._still_dirty = True
        self.geometryChanged.emit()

    def moveEvent(self, ev) -> None:
        super().moveEvent(ev)
        self.geometryChanged.emit()

    def wheelEvent(self, ev) -> None:  # noqa: N802
        steps = ev.angleDelta().y() // 120
        if steps:
            self.scrolled.emit(int(steps))

    def _r(self, box) -> QRectF:
        x0, y0, x1, y1 = box
        return QRectF(x0 - self.origin.x(), y0 - self.origin.y(), x1 - x0, y1 - y0)

    def paintEvent(self, ev) -> None:
        # The still parts (panels, text, keys at rest) come from a cached pixmap, drawn
        # again only when they change; the key under gaze, a flashing key, overlays and
        # the cursor are drawn over it on every paint.
        p = QPainter(self)
        p.drawPixmap(0, 0, self._still())
        p.setRenderHint(QPainter.Antialiasing)
        p.setRenderHint(QPainter.TextAntialiasing)
        m = self.model
        fonts = self._fonts_now()
        for key_id in {self.focus.key_id, self.flash_key} - {None}:
            k = m.keys.get(key_id)
            if k is None:
                continue
            if key_id == self.flash_key or self.paused:
                self._paint_key(p, k, fonts, m.live_keys)
            else:
                self._paint_focus_key(p, k, fonts, m.live_keys)
        if self.paused or self.overlay_text or self.dialog_open:
            self._paint_overlay(p)
        if self.show_cursor and self.cursor_px is not None:
            x, y = self.cursor_px
            pm = self._cursor_sprite()
            r = self._CURSOR_R_PX + 2
            p.drawPixmap(QPointF(x - self.origin.x() - r, y - self.origin.y() - r), pm)
        p.end()

    # Sprites: what every gaze-driven repaint draws, drawn once (an antialiased circle
    # or rounded key costs ~1 ms a time; a blit a few us).
    def _cursor_sprite(self) -> QPixmap:
        dpr = self.devicePixelRatioF()
        if self._cursor_pm is None or self._cursor_pm.devicePixelRatio() != dpr:
            r = self._CURSOR_R_PX + 2
            pm = QPixmap(int(2 * r * dpr + 1), int(2 * r * dpr + 1))
            pm.setDevicePixelRatio(dpr)
            pm.fill(Qt.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.Antialiasing)
            p.setPen(QPen(QColor(255, 255, 255, 200), 2))
            p.setBrush(QBrush(CURSOR))
            p.drawEllipse(QPointF(r, r), self._CURSOR_R_PX, self._CURSOR_R_PX)
            p.end()
            self._cursor_pm = pm
        return self._cursor_pm

    def _focus_sprites(self, k, fonts, live) -> tuple[QRectF, QPixmap, QPixmap]:
        """The key under gaze with no progress and with the key full (no ring), and where
        they go: drawn once per key and look (label, mode, size)."""
        m = self.model
        r = self._r(k.box)
        pad = self._KEY_PAD_PX
        dpr = self.devicePixelRatioF()
        look = (k.key_id, r.width(), r.height(), dpr, m.label(k.key_id), m.active(k.key_id), live is m.keys or live.get(k.key_id) is not None)
        hit = self._sprites.get(look)
        if hit is None:
            focus = self.focus
            pms = []
            for progress in (0.0, 1.0):
                pm = QPixmap(int((r.width() + 2 * pad) * dpr + 1), int((r.height() + 2 * pad) * dpr + 1))
                pm.setDevicePixelRatio(dpr)
                pm.fill(Qt.transparent)
                p = QPainter(pm)
                p.setRenderHint(QPainter.Antialiasing)
                p.setRenderHint(QPainter.TextAntialiasing)
                p.translate(pad - r.x(), pad - r.y())
                self.focus = Focus(k.key_id, progress, True)
                try:
                    self._paint_key(p, k, fonts, live, ring=False)
                finally:
                    self.focus = focus
                p.end()
                pms.append(pm)
            if len(self._sprites) > 64:
                self._sprites.clear()
            hit = self._sprites[look] = (pms[0], pms[1])
        at = r.adjusted(-pad, -pad, pad, pad)
        return at, hit[0], hit[1]

    def _paint_focus_key(self, p: QPainter, k, fonts, live) -> None:
        """The same picture as `_paint_key` with focus: the empty key, the filled one's
        lower part up to the progress, and the ring."""
        at, empty, full = self._focus_sprites(k, fonts, live)
        progress = self.focus.progress
        if progress <= 0:
            p.drawPixmap(at.topLeft(), empty)
            return
        pad = self._KEY_PAD_PX
        r = self._r(k.box)
        h = r.height() * progress
        dpr = full.devicePixelRatio()
        top = round((at.height() - pad - h) * dpr) / dpr  # in the sprite, logical px, on a device pixel
        # The empty key above the progress, the full one below (each pixel blended once).
        p.drawPixmap(QRectF(at.x(), at.y(), at.width(), top), empty, QRectF(0, 0, empty.width(), top * dpr))
        p.drawPixmap(QRectF(at.x(), at.y() + top, at.width(), at.height() - top), full,
                     QRectF(0, top * dpr, full.width(), (at.height() - top) * dpr))
        self._paint_ring(p, r, progress)

    _RING_STEPS = 72  # the ring grows in 5 degree steps (under a frame apart at a 1 s dwell)

    def _paint_ring(self, p: QPainter, r: QRectF, progress: float) -> None:
        """The progress ring at the key's centre, from a sprite per step and size (an
        antialiased arc cost about as much as the rest of a gaze-driven repaint)."""
        step = min(self._RING_STEPS, int(progress * self._RING_STEPS))
        if step <= 0:
            return
        rad = min(r.width(), r.height()) * 0.42
        dpr = p.device().devicePixelRatioF()
        look = (round(rad * 4), step, dpr)
        pm = self._rings.get(look)
        margin = _RING_PEN.widthF() / 2 + 2
        if pm is None:
            side = 2 * (rad + margin)
            pm = QPixmap(int(side * dpr + 1), int(side * dpr + 1))
            pm.setDevicePixelRatio(dpr)
            pm.fill(Qt.transparent)
            q = QPainter(pm)
            q.setRenderHint(QPainter.Antialiasing)
            q.setPen(_RING_PEN)
            q.setBrush(Qt.NoBrush)
            q.drawArc(QRectF(margin, margin, 2 * rad, 2 * rad), 90 * 16, int(-360 * 16 * step / self._RING_STEPS))
            q.end()
            if len(self._rings) > 4 * self._RING_STEPS:
                self._rings.clear()
            self._rings[look] = pm
        c = r.center()
        p.drawPixmap(QPointF(c.x() - rad - margin, c.y() - rad - margin), pm)

    def _still_state(self) -> tuple:
        m = self.model
        keys = m.keys
        live = m.live_keys
        return (self.width(), self.height(), self.devicePixelRatioF(), self.origin.x(), self.origin.y(),
                id(keys), tuple((k.key_id, k.box, m.label(k.key_id), m.active(k.key_id), live is keys or live.get(k.key_id) is not None)
                                for k in keys),
                m.layout, m.text_layout, m.target_layout, m.font_px, m.target_font_px, m.row_font_px)

    def _still(self) -> QPixmap:
        if self._still_pixmap is not None and not self._still_dirty:
            return self._still_pixmap  # a gaze-driven repaint: nothing still has changed
        self._still_dirty = False
        state = self._still_state()
        if self._still_pixmap is None or state != self._still_key:
            dpr = self.devicePixelRatioF()
            pm = QPixmap(int(self.width() * dpr), int(self.height() * dpr))
            pm.setDevicePixelRatio(dpr)
            p = QPainter(pm)
            p.setRenderHint(QPainter.Antialiasing)
            p.setRenderHint(QPainter.TextAntialiasing)
            p.fillRect(QRectF(0, 0, self.width(), self.height()), BG)
            m = self.model
            if m.layout.target is not None:
                self._paint_text_panel(p, m.layout.target, m.target_layout, m.target_font_px, TARGET_BG, TARGET_TEXT,
                                       caret=False)
            self._paint_text_panel(p, m.layout.output, m.text_layout, m.font_px, OUTPUT_BG, OUTPUT_TEXT,
                                   caret=m.text_layout.scroll_lines == 0)
            fonts = self._key_fonts()
            live = m.live_keys
            for k in m.keys:
                self._paint_key(p, k, fonts, live, at_rest=True)
            p.end()
            self._still_pixmap, self._still_key = pm, state
            self._sprites.clear()  # labels, modes or sizes may have changed
            self._fonts = fonts
            self.still_redraws += 1
        return self._still_pixmap

    def _paint_text_panel(self, p: QPainter, box, tl, px: float, bg: QColor, fg: QColor, caret: bool) -> None:
        r = self._r(box)
        p.setPen(Qt.NoPen)
        p.setBrush(QBrush(bg))
        p.drawRoundedRect(r, 10, 10)
        if tl is None:
            return
        if tl.lines and tl.lines[0].index > 0 or tl.scroll_lines:
            # More text above or below: a bar on the right says where the view is.
            total = max(1, tl.total_lines)
            first, shown = tl.lines[0].index, len(tl.lines)
            bar = QRectF(r.right() - 8, r.y() + r.height() * first / total, 5, max(8.0, r.height() * shown / total))
            p.fillRect(bar, QColor(0, 0, 0, 90))
        font = font_px(px)
        fm = QFontMetricsF(font)
        p.setFont(font)
        p.setPen(QPen(fg))
        pad_y = (tl.line_height_px - fm.height()) / 2 + fm.ascent()
        p.save()
        p.setClipRect(r)
        for line in tl.lines:
            p.drawText(QPointF(line.x_px - self.origin.x(), line.top_px + pad_y - self.origin.y()), line.text)
        if caret:
            cr = self._r(tl.caret)
            p.fillRect(QRectF(cr.x(), cr.y() + tl.line_height_px * 0.12, max(3.0, cr.width()),
                              tl.line_height_px * 0.76), CARET)
        p.restore()

    def _fonts_now(self) -> tuple[QFont, QFont, QFont]:
        """The key fonts, as of the last time the still picture was drawn."""
        if self._fonts is None:
            self._fonts = self._key_fonts()
        return self._fonts

    def _key_fonts(self) -> tuple[QFont, QFont, QFont]:
        m = self.model
        unit_h = max(1.0, min(k.height_px for k in m.keys) if len(m.keys) else 1.0)
        return (font_px(unit_h * 0.42, bold=True), font_px(unit_h * 0.26, bold=True),
                font_px(max(1.0, m.row_font_px)))  # the row's words as the model measures them (calibration)

    def _paint_key(self, p: QPainter, k, fonts, live, at_rest: bool = False, ring: bool = True) -> None:
        """One key; `at_rest` draws it without focus or flash (the cached picture); `ring`
        False leaves out the progress ring (the focus sprites)."""
        m = self.model
        char_font, word_font, row_font = fonts
        focus = self.focus
        r = self._r(k.box)
        path = QPainterPath()
        path.addRoundedRect(r, 12, 12)
        p.setPen(Qt.NoPen)
        asleep_key = live is not m.keys and live.get(k.key_id) is None  # asleep: not selectable, drawn faint
        flash = not at_rest and k.key_id == self.flash_key
        p.setBrush(QBrush(FLASH if flash else ACTIVE if m.active(k.key_id) else KEY_ASLEEP if asleep_key else KEY))
        p.drawPath(path)
        if not at_rest and k.key_id == focus.key_id and not self.paused:
            if focus.progress > 0:
                # Progress fills the key from the bottom; the ring echoes it at the centre.
                h = r.height() * focus.progress
                fill = QColor(ACCENT)
                fill.setAlpha(150)
                p.save()
                p.setClipPath(path)
                p.fillRect(QRectF(r.x(), r.bottom() - h, r.width(), h), fill)
                p.restore()
                if ring:
                    self._paint_ring(p, r, focus.progress)
            p.setPen(QPen(ACCENT, 4))
        else:
            p.setPen(QPen(KEY_BORDER, 1.5))
        p.setBrush(Qt.NoBrush)
        p.drawPath(path)
        p.setPen(QPen(KEY_TEXT_ASLEEP if asleep_key else KEY_TEXT))
        p.setFont(char_font if k.is_char else row_font if parse_key(k.key_id).kind is KeyKind.WORD else word_font)
        p.drawText(r.adjusted(4, 2, -4, -2), Qt.AlignCenter | Qt.TextWordWrap, m.label(k.key_id))

    def _paint_overlay(self, p: QPainter) -> None:
        r = self._r(self.model.layout.keyboard)
        p.fillRect(r, QColor(0, 0, 0, 170))
        p.setPen(QPen(QColor("#ffffff")))
        p.setFont(font_px(max(18.0, r.height() * 0.07), bold=True))
        text = ("A dialog is open: gaze input is off until it closes" if self.dialog_open else
                self.overlay_text or "Paused: gaze input is off\n(press P to resume)")
        p.drawText(r, Qt.AlignCenter | Qt.TextWordWrap, text)
