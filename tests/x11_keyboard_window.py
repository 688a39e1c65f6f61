"""A stand-in for the keyboard window in send mode, as a separate X11 program: one key
("K"); clicking it types "k" into whichever application has the focus, through the
XTest sender. `--plain` leaves out make_non_activating, to show what it prevents.
Prints "SHOWN <window id> <key x> <key y>", then "CLICKED" after each click; stdin
"QUIT" ends it."""
import sys

from PySide6.QtCore import QPoint, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

from gazetype.app.qt.send_mode import make_non_activating
from gazetype.output.hub import OutputHub
from gazetype.output.sendkeys import open_sender


def main() -> int:
    app = QApplication(sys.argv[:1])
    hub = OutputHub(None, open_sender(), None)
    win = QWidget()
    win.setWindowTitle("gazetype keyboard (test)")
    key = QPushButton("K", win)
    QVBoxLayout(win).addWidget(key)
    win.resize(200, 120)
    win.move(800, 100)

    def pressed():
        hub.send_text("k")
        hub.flush()
        print("CLICKED", flush=True)
    key.clicked.connect(pressed)
    if "--plain" not in sys.argv:
        make_non_activating(win)
    win.show()
    if "--plain" in sys.argv:
        win.activateWindow()  # what an ordinary window does when shown

    def shown():
        c = key.mapToGlobal(QPoint(key.width() // 2, key.height() // 2))
        print(f"SHOWN {int(win.winId())} {c.x()} {c.y()}", flush=True)

    def command():
        line = sys.stdin.readline()
        if not line or line.strip() == "QUIT":
            app.quit()

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Read)
    notifier.activated.connect(command)
    QTimer.singleShot(500, shown)
    QTimer.singleShot(60000, app.quit)
    rc = app.exec()
    hub.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
