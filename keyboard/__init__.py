"""The keyboard, headless: layout and hit-testing, the dwell state machine (the trigger
source), the text buffer, the output text layout, and the UI model that the Qt view
(`app/qt/keyboard_view.py`) draws."""
