"""The Qt folder: the only code that imports PySide6 (windows, widgets, the controller
that drives the headless session from Qt's event loop). Widgets render state and
forward events; the logic they show lives in the headless packages."""
