"""A screenshot of `gazetype study run` in its window, mid-trial (offscreen Qt): the
simulated participant types the first target phrase by dwell, and the window is grabbed
once a few letters are in. For the documentation; not part of the app.

    python tools/study_window_png.py docs/img/study-window.png
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from gazetype.app.qt.study_window import build_study_window  # noqa: E402
from gazetype.study.setup import RunOptions  # noqa: E402
from gazetype.tracker.clock import now_s  # noqa: E402

FAST = 10.0  # simulated time runs this many times faster than the wall clock


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: study_window_png.py OUT.png", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication([])
    t0 = now_s()
    clock = lambda: t0 + (now_s() - t0) * FAST  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        opts = RunOptions(os.path.join(tmp, "study"), "P01", tracker="sim", n_phrases=3, n_practice=0)
        win, runner, ctx = build_study_window(opts, app, clock=clock)
        try:
            win.resize(1280, 800)
            win.show()
            win.controller.start()
            win.refresh()
            runner.continue_(clock())  # what Space does on the break screen
            win.refresh()
            deadline = time.monotonic() + 120
            while len(runner.model.buffer.text) < 9 and time.monotonic() < deadline:
                app.processEvents()
                time.sleep(0.005)
            win.refresh()
            app.processEvents()
            ok = win.grab().save(argv[0])
        finally:
            win.controller.stop()
            runner.close("screenshot")
            win.parts.close()
            ctx.close()
    print(f"wrote {argv[0]}" if ok else f"{argv[0]}: could not write", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
