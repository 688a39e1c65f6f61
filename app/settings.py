"""Per-user settings, saved as JSON in the platform's config folder (platformdirs).

`GAZETYPE_CONFIG_DIR` overrides the folder (tests, kiosk setups). A settings file
that cannot be read is kept aside as `settings.json.bad` and defaults are used: a
typo in a hand-edited file must never stop someone from typing.
"""
from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import platformdirs

from gazetype.tracker.private import open_private, private_dir, tighten

KEYBOARD_PCT = (40, 85)  # the range of the key-size setting
CLEAR_CONFIRM_S = 4.0  # time to confirm a clear with a second dwell (look away and back)


@dataclass(frozen=True)
class Settings:
    dwell_ms: int = 1000
    lockon_ms: int = 150
    font_px: int = 48  # output panel text size
    show_cursor: bool = True
    tracker: str = "auto"
    autocal: bool = True
    smoothing: bool = True
    fullscreen: bool = False  # also full screen whenever a real eye tracker is found
    layout: str = "qwerty"  # a keyboard layout name (keyboard/layouts) or a .json file
    keyboard_pct: int = 65  # the keys' share of the window height, percent: the key size
    history: bool = True  # keep finished texts on this machine (for the phrases page)
    show_most_said: bool = True  # the phrases page shows the texts said most often (saved phrases always)
    speak_on_done: bool = False  # "done" also speaks the finished text
    voice: str = ""  # a speech voice id or name (`gazetype voices`); "" is the engine's default
    speech_rate_wpm: int = 160  # speaking rate, words per minute
    speech_volume_pct: int = 100
    send_keys: bool = False  # also type the text into the focused application (X11: XTest)
    suggestions: int = 0  # word suggestions in a row above the keys: 0 (off), 3, 4 or 5

    def validated(self) -> "Settings":
        d = asdict(self)
        d["keyboard_pct"] = int(min(max(d["keyboard_pct"], KEYBOARD_PCT[0]), KEYBOARD_PCT[1]))
        d["dwell_ms"] = int(min(max(d["dwell_ms"], 100), 10000))
        d["lockon_ms"] = int(min(max(d["lockon_ms"], 0), 2000))
        d["font_px"] = int(min(max(d["font_px"], 12), 200))
        d["speech_rate_wpm"] = int(min(max(d["speech_rate_wpm"], 80), 450))
        d["speech_volume_pct"] = int(min(max(d["speech_volume_pct"], 0), 100))
        d["suggestions"] = d["suggestions"] if d["suggestions"] in (0, 3, 4, 5) else 0
        return Settings(**d)


def config_dir() -> Path:
    env = os.environ.get("GAZETYPE_CONFIG_DIR")
    return Path(env) if env else Path(platformdirs.user_config_dir("gazetype", appauthor=False))


def data_dir() -> Path:
    """Where the history is kept (platformdirs' user data folder); `GAZETYPE_DATA_DIR`
    overrides it (tests, kiosk setups)."""
    env = os.environ.get("GAZETYPE_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir("gazetype", appauthor=False))


def history_path() -> Path:
    return data_dir() / "history.sqlite3"


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load() -> Settings:
    path = settings_path()
    if not path.exists():
        return Settings()
    tighten(path.parent, warn=True)  # private to the user (issue 28)
    tighten(path, warn=True)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        known = {f.name: f.type for f in fields(Settings)}
        vals = {}
        for k, v in raw.items():
            if k not in known:
                continue
            default = getattr(Settings(), k)
            if isinstance(default, bool):
                if not isinstance(v, bool):
                    raise ValueError(f"{k} must be true or false")
            elif isinstance(default, int):
                # A whole number is finite however long (math.isfinite(10**400) would raise
                # OverflowError); validated() clamps it.
                if isinstance(v, bool) or not isinstance(v, (int, float)) or (
                        isinstance(v, float) and not math.isfinite(v)):
                    raise ValueError(f"{k} must be a finite number")
                v = int(v)
            elif not isinstance(v, str):
                raise ValueError(f"{k} must be text")
            vals[k] = v
        return replace(Settings(), **vals).validated()
    except (OSError, ValueError, RecursionError) as e:  # RecursionError: absurdly nested JSON
        bad = path.with_suffix(".json.bad")
        try:
            os.replace(path, bad)
            kept = f"; kept it as {bad}"
        except OSError:
            kept = ""
        print(f"gazetype: warning: {path}: unreadable settings ({e}); using defaults{kept}", file=sys.stderr)
        return Settings()


def save(s: Settings) -> None:
    path = settings_path()
    private_dir(path.parent)
    tmp = path.with_suffix(".json.tmp")
    with open_private(tmp, "w", encoding="utf-8") as fh:  # 0600 whatever the umask (issue 28)
        fh.write(json.dumps(asdict(s), indent=2) + "\n")
    os.replace(tmp, path)  # atomic: a crash never leaves half a file


def output_frac(keyboard_pct: int) -> float:
    """The output panel's share of the window for the key-size setting (the keys' share)."""
    return 1.0 - keyboard_pct / 100.0


def spec_from_settings(s: Settings, base=None):
    """The keyboard window's pipeline spec: `base` (default: the window's own, a
    confirmed clear) with what the settings decide (dwell, lock-on, smoothing, font,
    key size, suggestions, layout); the tracker, induced offset and correction stay
    as the session started. (pipeline.spec is imported here, not at the top: `--help`
    and the light commands never load the pipeline.)"""
    from gazetype.pipeline.spec import PipelineSpec
    if base is None:
        base = PipelineSpec(tracker=s.tracker, autocal=s.autocal, clear_confirm_s=CLEAR_CONFIRM_S)
    return base.with_changes(dwell_s=s.dwell_ms / 1000, lockon_s=s.lockon_ms / 1000,
                             smoothing="one-euro" if s.smoothing else "none", font_px=float(s.font_px),
                             output_frac=output_frac(s.keyboard_pct), suggestions=s.suggestions, layout=s.layout)
