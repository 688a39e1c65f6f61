"""`gazetype replay --show`: a recording replayed into a window in real time.

Draws what the recording says was on screen (its layout events), the reported
gaze (hollow ring), the corrected gaze (filled dot) and the re-detected dwell."""
from __future__ import annotations

import sys

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QApplication, QWidget

from gazetype.keyboard.dwell import DwellConfig
from gazetype.keyboard.layout import key_label
from gazetype.pipeline.replay import Replayer
from gazetype.recording import open_reader
from gazetype.tracker.clock import now_s
from gazetype.tracker.sample import GazeSample

REGION_COLOURS = {"keyboard": "#2b2f36", "output": "#fbfaf5", "target": "#23262b"}


class ReplayView(QWidget):
    def __init__(self, path: str, speed: float, dwell: DwellConfig | None, autocal: bool | None, on_finished=None) -> None:
        super().__init__()
        self.on_finished = on_finished  # called once with the ReplayResult when the recording has been replayed
        self.reader = open_reader(path)  # v1 or .xdf
        self.events = iter(self.reader)
        self.replayer = Replayer(self.reader.header, dwell=dwell, autocal=autocal)
        self.speed = speed
        self.screen_px = (self.reader.header.screen.width_px, self.reader.header.screen.height_px)
        self.raw: GazeSample | None = None
        self.corrected: GazeSample | None = None
        self._pending = None
        self._t0_rec: float | None = None
        self._t0_wall = now_s()
        self.finished = False
        self.setWindowTitle(f"gazetype replay: {path}")
        self.resize(1280, 720)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(8)

    def tick(self) -> None:
        elapsed = (now_s() - self._t0_wall) * self.speed
        while True:
            ev = self._pending or next(self.events, None)
            self._pending = None
            if ev is None:
                self.finished = True
                self._timer.stop()
                res = self.replayer.finish()
                if self.on_finished is not None:
                    self.on_finished(res)
                break
            if self._t0_rec is None:
                self._t0_rec = ev.t_s
            if ev.t_s - self._t0_rec > elapsed:
                self._pending = ev
                break
            step = self.replayer.feed(ev)
            if step is not None:
                self.raw, self.corrected = step.reported, step.corrected
        self.update()

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("#15171a"))
        sw, sh = self.screen_px
        k = min(self.width() / sw, self.height() / sh)
        p.scale(k, k)
        focus = self.replayer.pipeline.dwell.focus
        font = QFont("DejaVu Sans")
        for region, lay in self.replayer.layout.items():
            bg = QColor(REGION_COLOURS.get(region, "#3a3f47"))
            fg = QColor("#111111") if region == "output" else QColor("#f2f2f2")
            for it in lay.items:
                x0, y0, x1, y1 = it.box
                r = QRectF(x0, y0, x1 - x0, y1 - y0)
                p.setPen(QPen(QColor("#4da3ff"), 4) if region == "keyboard" and it.text == focus.key_id
                         else QPen(QColor("#454b55"), 1))
                p.setBrush(QBrush(bg))
                p.drawRoundedRect(r, 6, 6)
                if region == "keyboard" and it.text == focus.key_id and focus.progress > 0:
                    h = r.height() * focus.progress
                    p.fillRect(QRectF(r.x(), r.bottom() - h, r.width(), h), QColor(77, 163, 255, 150))
                label = key_label(it.text) if region == "keyboard" else it.text
                font.setPixelSize(max(8, int(r.height() * (0.45 if len(label) == 1 or region != "keyboard" else 0.26))))
                p.setFont(font)
                p.setPen(QPen(fg))
                p.drawText(r, Qt.AlignCenter, label)
        if self.raw is not None and self.raw.valid:
            p.setPen(QPen(QColor(255, 200, 60), 3))
            p.setBrush(Qt.NoBrush)
            p.drawEllipse(QPointF(self.raw.x_px, self.raw.y_px), 16, 16)
        if self.corrected is not None and self.corrected.valid:
            p.setPen(QPen(QColor(255, 255, 255), 2))
            p.setBrush(QBrush(QColor(255, 80, 60, 170)))
            p.drawEllipse(QPointF(self.corrected.x_px, self.corrected.y_px), 12, 12)
        p.resetTransform()
        p.setPen(QPen(QColor("#cfd3da")))
        font.setPixelSize(15)
        p.setFont(font)
        res = self.replayer.result
        off = res.final_offset
        status = (f"t={((self.raw.t_s - self._t0_rec) if self.raw and self._t0_rec is not None else 0):.1f} s   "
                  f"x{self.speed:g}   selections {len(res.selections)}   typed {self.replayer.model.buffer.text[-40:]!r}"
                  + (f"   offset {off[0]:+.0f},{off[1]:+.0f} px" if off else "")
                  + ("   (finished)" if self.finished else ""))
        p.drawText(QRectF(8, self.height() - 26, self.width() - 16, 24), Qt.AlignLeft | Qt.AlignVCenter, status)
        p.end()


def show_replay(path: str, speed: float, dwell: DwellConfig | None = None, autocal: bool | None = None,
                quit_after_s: float | None = None, on_finished=None, quit_at_end: bool = False) -> int:
    """Replay `path` into a window; `on_finished(result)` once it has all been replayed
    (the window stays open unless `quit_at_end`)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])

    def finished(res) -> None:
        if on_finished is not None:
            on_finished(res)
        if quit_at_end:
            view.close()
    view = ReplayView(path, speed, dwell, autocal, on_finished=finished)
    view.show()
    if quit_after_s is not None:
        QTimer.singleShot(int(quit_after_s * 1000), view.close)
    return app.exec()
