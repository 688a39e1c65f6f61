"""The operator's settings dialog: dwell time, text size, key size, layout, cursor,
history and speech, tracker. While it is open, gaze types nothing (the controller)."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
)

from gazetype.app import settings as settings_mod
from gazetype.app.settings import KEYBOARD_PCT, Settings
from gazetype.keyboard.layout import layout_names
from gazetype.tracker import registry


class SettingsDialog(QDialog):
    def __init__(self, s: Settings, parent=None, *, px_per_deg: float | None = None,
                 key_size_px: tuple[float, float] | None = None, window_h_px: float | None = None,
                 voices: list[tuple[str, str]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("gazetype settings")
        self.setModal(True)
        self._s = s
        form = QFormLayout(self)
        self.dwell = QSpinBox(minimum=100, maximum=10000, singleStep=50, suffix=" ms", value=s.dwell_ms)
        self.lockon = QSpinBox(minimum=0, maximum=2000, singleStep=25, suffix=" ms", value=s.lockon_ms)
        self.font = QSpinBox(minimum=12, maximum=200, suffix=" px", value=s.font_px)
        self.keys = QSpinBox(minimum=KEYBOARD_PCT[0], maximum=KEYBOARD_PCT[1], singleStep=5, suffix=" % of the window",
                             value=s.keyboard_pct)
        self.key_size = QLabel()
        self.layout_box = QComboBox()
        self.layout_box.addItems([n for n in layout_names() if n != "study"])
        if self.layout_box.findText(s.layout) < 0:
            self.layout_box.addItem(s.layout)  # a layout file of the user's own
        self.layout_box.setCurrentText(s.layout)
        self.suggestions = QComboBox()
        self.suggestions.addItems(["off", "3 words", "4 words", "5 words"])
        self.suggestions.setCurrentIndex({0: 0, 3: 1, 4: 2, 5: 3}.get(s.suggestions, 0))
        self.cursor = QCheckBox("show where the tracker says you look", checked=s.show_cursor)
        self.autocal = QCheckBox("correct the tracker while I read (next start)", checked=s.autocal)
        self.smoothing = QCheckBox("smooth gaze (less jitter)", checked=s.smoothing)
        self.fullscreen = QCheckBox("start full screen (always with an eye tracker)", checked=s.fullscreen)
        self.history = QCheckBox("keep what I finish on this computer (for the phrases page)", checked=s.history)
        self.most_said = QCheckBox("show what I say most on the phrases page (saved phrases always show)",
                                   checked=s.show_most_said)
        self.clear_history = QPushButton("Delete the history now")
        self.clear_history.clicked.connect(self._clear_history)
        self.speak_on_done = QCheckBox("speak the text when I select done", checked=s.speak_on_done)
        self.voice = QComboBox()
        self.voice.addItem("default voice", "")
        for vid, label in voices or []:
            self.voice.addItem(label, vid)
        if s.voice and self.voice.findData(s.voice) < 0:
            self.voice.addItem(s.voice, s.voice)
        self.voice.setCurrentIndex(max(0, self.voice.findData(s.voice)))
        self.rate = QSpinBox(minimum=80, maximum=450, singleStep=10, suffix=" words/min", value=s.speech_rate_wpm)
        self.volume = QSpinBox(minimum=0, maximum=100, singleStep=10, suffix=" %", value=s.speech_volume_pct)
        self.send_keys = QCheckBox("also type into the application that has the focus (next start)",
                                   checked=s.send_keys)
        self.tracker = QComboBox()
        self.tracker.addItems(["auto"] + [n for n in registry.names() if n != "replay"])
        self.tracker.setCurrentText(s.tracker)
        form.addRow("Dwell time", self.dwell)
        form.addRow("Lock-on time", self.lockon)
        form.addRow("Text size", self.font)
        form.addRow("Keyboard height", self.keys)
        form.addRow("", self.key_size)
        form.addRow("Layout", self.layout_box)
        form.addRow("Word suggestions", self.suggestions)
        form.addRow("Gaze cursor", self.cursor)
        form.addRow("Autocalibration", self.autocal)
        form.addRow("Smoothing", self.smoothing)
        form.addRow("Window", self.fullscreen)
        form.addRow("History", self.history)
        form.addRow("", self.most_said)
        form.addRow("", self.clear_history)
        form.addRow("Speech", self.speak_on_done)
        form.addRow("Voice", self.voice)
        form.addRow("Speaking rate", self.rate)
        form.addRow("Volume", self.volume)
        form.addRow("Other applications", self.send_keys)
        form.addRow("Tracker (next start)", self.tracker)
        form.addRow(QLabel("Settings are saved for this user. Gaze input is off while this is open."))
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        # The key size in degrees of visual angle, as the key-height setting changes it.
        self._ppd, self._key_px, self._h_px, self._pct0 = px_per_deg, key_size_px, window_h_px, s.keyboard_pct
        self.keys.valueChanged.connect(self._show_key_size)
        self._show_key_size()

    def _show_key_size(self) -> None:
        if not (self._ppd and self._key_px):
            self.key_size.setText("")
            return
        w, h = self._key_px
        h *= self.keys.value() / self._pct0  # the keys' height scales with their share of the window
        self.key_size.setText(f"a letter key is {w / self._ppd:.1f}\u00b0 wide and {h / self._ppd:.1f}\u00b0 high")

    def _clear_history(self) -> None:
        from gazetype.keyboard.history import History
        path = settings_mod.history_path()
        if path.exists():
            h = History(path)
            try:
                n_texts, n_phrases = h.clear()
            finally:
                h.close()
            self.clear_history.setText(f"Deleted {n_texts} text(s) and {n_phrases} phrase(s)")
        else:
            self.clear_history.setText("No history kept")

    def result_settings(self) -> Settings:
        return Settings(dwell_ms=self.dwell.value(), lockon_ms=self.lockon.value(), font_px=self.font.value(),
                        show_cursor=self.cursor.isChecked(), tracker=self.tracker.currentText(),
                        autocal=self.autocal.isChecked(), smoothing=self.smoothing.isChecked(),
                        fullscreen=self.fullscreen.isChecked(), layout=self.layout_box.currentText(),
                        suggestions=(0, 3, 4, 5)[self.suggestions.currentIndex()],
                        keyboard_pct=self.keys.value(), history=self.history.isChecked(),
                        show_most_said=self.most_said.isChecked(),
                        speak_on_done=self.speak_on_done.isChecked(), voice=self.voice.currentData() or "",
                        speech_rate_wpm=self.rate.value(), speech_volume_pct=self.volume.value(),
                        send_keys=self.send_keys.isChecked()).validated()
