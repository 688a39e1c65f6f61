"""Where typed text goes besides the screen: speech, the clipboard, and keystrokes
typed into another application. Headless: no Qt here (the clipboard, which needs
Qt, is in gazetype.app.qt.clipboard and reaches the hub as a function)."""
