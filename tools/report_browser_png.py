"""Screenshot a `gazetype study report` HTML file as a browser shows it (headless Chromium).

    python tools/report_browser_png.py report.html out.png [--width 1280] [--height 6000]
                                       [--crop-top PX] [--crop-height PX]

Debian's chromium (`apt install chromium`; not a dependency of gazetype). The page is
loaded from the file, laid out at WIDTH px, and captured WIDTH x HEIGHT; `--crop-top`
and `--crop-height` (px) cut out a part for the docs (Qt reads and writes the PNG).
For documentation only: not part of the app.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("out")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=6000)
    ap.add_argument("--crop-top", type=int, default=0)
    ap.add_argument("--crop-height", type=int, default=None)
    args = ap.parse_args(argv)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("report_browser_png: chromium is not installed (apt install chromium)", file=sys.stderr)
        return 2
    page = Path(args.report).resolve()
    if not page.is_file():
        print(f"report_browser_png: {args.report}: no such file", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as profile:
        shot = os.path.join(profile, "shot.png")
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", f"--window-size={args.width},{args.height}",
               f"--screenshot={shot}", page.as_uri()]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if not os.path.exists(shot):
            print(f"report_browser_png: chromium made no screenshot: {r.stderr.strip()[-300:]}", file=sys.stderr)
            return 1
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication, QImage
        app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841
        img = QImage(shot)
        h = args.crop_height if args.crop_height is not None else img.height() - args.crop_top
        img.copy(0, args.crop_top, img.width(), min(h, img.height() - args.crop_top)).save(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
