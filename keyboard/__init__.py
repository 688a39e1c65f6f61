"""The keyboard: layout, dwell selection, text, and the gaze pipeline (no Qt,
except `keyboard.widget`)."""
