"""Render the plots of a `gazetype study report` HTML file into one PNG (offscreen Qt).

    QT_QPA_PLATFORM=offscreen python tools/report_png.py report.html docs/study-report.png

The report's charts are inline SVG; this lays them out in a grid, two per row, with
QtSvg, for documentation screenshots. Not part of the app.
"""
from __future__ import annotations

import os
import re
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QByteArray, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: report_png.py REPORT.html OUT.png", file=sys.stderr)
        return 2
    html = open(argv[0], encoding="utf-8").read()
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    if not svgs:
        print(f"{argv[0]}: no SVG plots found", file=sys.stderr)
        return 1
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841
    renderers = [QSvgRenderer(QByteArray(s.encode())) for s in svgs]
    cols, gap, scale = 2, 12, 1.5
    sizes = [r.defaultSize() for r in renderers]
    cw = max(s.width() for s in sizes)
    rows = [sizes[i:i + cols] for i in range(0, len(sizes), cols)]
    heights = [max(s.height() for s in row) for row in rows]
    W = int((cols * cw + (cols + 1) * gap) * scale)
    H = int((sum(heights) + (len(rows) + 1) * gap) * scale)
    img = QImage(W, H, QImage.Format_ARGB32)
    img.fill(Qt.white)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    p.setRenderHint(QPainter.TextAntialiasing)
    y = gap
    for ri, row in enumerate(rows):
        for ci, s in enumerate(row):
            r = renderers[ri * cols + ci]
            x = gap + ci * (cw + gap)
            r.render(p, QRectF(x * scale, y * scale, s.width() * scale, s.height() * scale))
        y += heights[ri] + gap
    p.end()
    if not img.save(argv[1]):
        print(f"{argv[1]}: cannot write", file=sys.stderr)
        return 1
    print(f"wrote {argv[1]} ({W}x{H}, {len(svgs)} plots)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
