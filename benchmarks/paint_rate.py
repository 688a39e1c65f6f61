"""Paints per second of the keyboard view, idle (the mouse pointer resting on the text)
and while dwelling on a key, and ms per paint, in a real window (offscreen platform).
Issue 15: the view was repainted ~125 times a second whatever happened.

    QT_QPA_PLATFORM=offscreen python benchmarks/paint_rate.py [--seconds 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GAZETYPE_CONFIG_DIR", tempfile.mkdtemp(prefix="gazetype-bench-"))
os.environ.setdefault("GAZETYPE_DATA_DIR", tempfile.mkdtemp(prefix="gazetype-bench-"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from gazetype.app.qt.window import build
    from gazetype.output.base import NullOutputs

    app = QApplication.instance() or QApplication([])
    ns = argparse.Namespace(tracker="mouse", dwell_s=1.0, offset="none", record=None, autocal=False,
                            fullscreen=False, lsl_out=False, quit_after=None, screenshot=None, layout=None, send=False)
    win, controller, parts = build(ns, app, outputs=NullOutputs())
    win.resize(1280, 800)
    win.show()
    model = controller.session.model
    o = model.layout.output
    pos = [((o[0] + o[2]) / 2, (o[1] + o[3]) / 2)]
    controller.tracker.cursor_pos = lambda: pos[0]
    paint_ms: list[float] = []
    view = win.view
    orig = view.paintEvent

    def timed(ev):
        t0 = time.perf_counter()
        orig(ev)
        paint_ms.append((time.perf_counter() - t0) * 1000)
    view.paintEvent = timed

    def run(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    controller.start()
    pos[0] = (pos[0][0] + 2, pos[0][1])  # the pointer moves once: from now on it is gaze
    run(0.5)
    n0 = len(paint_ms)
    run(args.seconds)
    idle = (len(paint_ms) - n0) / args.seconds
    k = model.keys.get("a")
    n1 = len(paint_ms)
    t_dwell = 0.0
    dwells = 0
    while t_dwell < args.seconds:  # dwell on a key, look away, again
        pos[0] = (k.cx_px, k.cy_px)
        run(1.2)
        pos[0] = ((o[0] + o[2]) / 2, (o[1] + o[3]) / 2)
        run(0.3)
        t_dwell += 1.5
        dwells += 1
    dwelling = (len(paint_ms) - n1) / t_dwell
    controller.stop()
    parts.close()
    print(f"idle (gaze resting on the text): {idle:.1f} paints/s over {args.seconds:g} s")
    print(f"typing (dwell 1.2 s, look away 0.3 s, x{dwells}): {dwelling:.1f} paints/s")
    print(f"ms per paint: median {statistics.median(paint_ms):.2f}, p95 "
          f"{sorted(paint_ms)[int(0.95 * (len(paint_ms) - 1))]:.2f} ({len(paint_ms)} paints, 1280x800)")


if __name__ == "__main__":
    main()
