"""Copying the typed text to the system clipboard."""
from __future__ import annotations

from PySide6.QtGui import QClipboard, QGuiApplication


def copy_text(text: str) -> None:
    """Put `text` on the clipboard (Ctrl+V) and, where there is one (X11), on the
    primary selection too (middle click), so either way of pasting finds it."""
    cb = QGuiApplication.clipboard()
    cb.setText(text, QClipboard.Mode.Clipboard)
    if cb.supportsSelection():
        cb.setText(text, QClipboard.Mode.Selection)
