"""A separate program that receives typed text: one focused QLineEdit in a real X11
window (QT_QPA_PLATFORM=xcb). Prints "READY <window id>" once shown and focused. On
stdin: "DUMP" prints {"text", "enters", "focus"} as JSON; "QUIT" ends it. Ends by
itself after --timeout seconds."""
import json
import sys

from PySide6.QtCore import QSocketNotifier, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit


def main() -> int:
    timeout_s = float(sys.argv[sys.argv.index("--timeout") + 1]) if "--timeout" in sys.argv else 60.0
    app = QApplication(sys.argv[:1])
    edit = QLineEdit()
    edit.setWindowTitle("gazetype test receiver")
    edit.resize(600, 40)
    edit.move(50, 400)
    enters = [0]
    edit.returnPressed.connect(lambda: enters.__setitem__(0, enters[0] + 1))
    edit.show()
    edit.activateWindow()  # with no window manager Qt sets the X input focus itself
    edit.setFocus(Qt.OtherFocusReason)

    def ready():
        print(f"READY {int(edit.winId())}", flush=True)

    def command():
        line = sys.stdin.readline()
        if not line or line.strip() == "QUIT":
            app.quit()
        elif line.strip() == "DUMP":
            print(json.dumps({"text": edit.text(), "enters": enters[0], "focus": edit.hasFocus(),
                              "active": edit.isActiveWindow()}), flush=True)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Read)
    notifier.activated.connect(command)
    QTimer.singleShot(300, ready)
    QTimer.singleShot(int(timeout_s * 1000), app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
