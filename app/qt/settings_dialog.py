"""The operator's settings dialog: dwell time, text size, cursor, tracker."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox

from gazetype.app.settings import Settings
from gazetype.tracker import registry


class SettingsDialog(QDialog):
    def __init__(self, s: Settings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("gazetype settings")
        self._s = s
        form = QFormLayout(self)
        self.dwell = QSpinBox(minimum=100, maximum=10000, singleStep=50, suffix=" ms", value=s.dwell_ms)
        self.lockon = QSpinBox(minimum=0, maximum=2000, singleStep=25, suffix=" ms", value=s.lockon_ms)
        self.font = QSpinBox(minimum=12, maximum=200, suffix=" px", value=s.font_px)
        self.cursor = QCheckBox("show where the tracker says you look", checked=s.show_cursor)
        self.autocal = QCheckBox("correct the tracker while I read (next start)", checked=s.autocal)
        self.smoothing = QCheckBox("smooth gaze (less jitter)", checked=s.smoothing)
        self.fullscreen = QCheckBox("start full screen", checked=s.fullscreen)
        self.tracker = QComboBox()
        self.tracker.addItems(["auto"] + [n for n in registry.names() if n != "replay"])
        self.tracker.setCurrentText(s.tracker)
        form.addRow("Dwell time", self.dwell)
        form.addRow("Lock-on time", self.lockon)
        form.addRow("Text size", self.font)
        form.addRow("Gaze cursor", self.cursor)
        form.addRow("Autocalibration", self.autocal)
        form.addRow("Smoothing", self.smoothing)
        form.addRow("Window", self.fullscreen)
        form.addRow("Tracker (next start)", self.tracker)
        form.addRow(QLabel("Settings are saved for this user."))
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def result_settings(self) -> Settings:
        return Settings(dwell_ms=self.dwell.value(), lockon_ms=self.lockon.value(), font_px=self.font.value(),
                        show_cursor=self.cursor.isChecked(), tracker=self.tracker.currentText(),
                        autocal=self.autocal.isChecked(), smoothing=self.smoothing.isChecked(),
                        fullscreen=self.fullscreen.isChecked()).validated()
