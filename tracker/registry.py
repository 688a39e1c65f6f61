"""Tracker registry: a name -> class table that adapter modules add themselves to.

`create("sim", screen=...)` builds one; `create("lsl:MyStream")` passes the part
after the colon to the adapter as `arg`. Adapters that need optional packages
(tobii-research) import them lazily, so listing never fails.
"""
from __future__ import annotations

import importlib
import threading

from gazetype.tracker.base import Tracker, TrackerError

_REGISTRY: dict[str, type[Tracker]] = {}
# Built-in adapter modules, imported on first use of the registry.
_BUILTIN = ("gazetype.tracker.mouse", "gazetype.sim.gaze", "gazetype.recording.playback", "gazetype.tracker.lsl", "gazetype.tracker.tobii")
_loaded = False
_load_lock = threading.RLock()


def register(name: str):
    def deco(cls: type[Tracker]) -> type[Tracker]:
        cls.name = name
        _REGISTRY[name] = cls
        return cls
    return deco


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _load_lock:  # discovery runs in threads: none may see a half-filled registry
        if not _loaded:
            _import_builtin()
            _loaded = True


def _import_builtin() -> None:
    # Every built-in adapter is part of the package: a failed import is a bug to see,
    # not a tracker to leave out. Adapters import their optional packages (the Tobii
    # SDK) only when opened, and say then what is missing.
    for mod in _BUILTIN:
        importlib.import_module(mod)


def names() -> list[str]:
    _load()
    return sorted(_REGISTRY)


def get(name: str) -> type[Tracker]:
    _load()
    base = name.split(":", 1)[0]
    if base not in _REGISTRY:
        raise TrackerError(f"unknown tracker {name!r}; choose one of: {', '.join(['auto'] + names())}")
    return _REGISTRY[base]


def create(spec: str, **kwargs) -> Tracker:
    """Build the tracker named by `spec` ("sim", "mouse", "lsl:NAME", ...)."""
    cls = get(spec)
    arg = spec.split(":", 1)[1] if ":" in spec else None
    if arg is not None:
        kwargs["arg"] = arg
    return cls(**kwargs)


def auto_choice(candidates: tuple[str, ...] = ("tobii", "lsl")) -> str | None:
    """The first real tracker that reports a device or stream now, else None."""
    _load()
    for name in candidates:
        cls = _REGISTRY.get(name)
        if cls is None:
            continue
        try:
            if cls.discover():
                return name
        except TrackerError:
            continue
    return None
