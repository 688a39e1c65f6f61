"""gazetype: type with your eyes.

The distribution's one top-level package. Its subpackages live in the repository's
top-level folders (`app/`, `tracker/`, `calibration/`, `keyboard/`, `study/`, ...),
mapped to `gazetype.app`, `gazetype.tracker`, ... by pyproject.toml, so that nothing
is installed under a generic top-level name such as `keyboard`."""
__version__ = "0.1.0"
