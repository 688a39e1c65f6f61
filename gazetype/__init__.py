"""gazetype: type with your eyes.

The distribution's one top-level package. Its subpackages live in the repository's
top-level folders (`app/`, `tracker/`, `calibration/`, `keyboard/`, `study/`, ...),
mapped to `gazetype.app`, `gazetype.tracker`, ... by pyproject.toml, so that nothing
is installed under a generic top-level name such as `keyboard`."""
__version__ = "0.1.0"


def _source_checkout() -> None:
    # Imported from a source checkout (the repository root on sys.path, as with
    # `python -m gazetype`, pytest or lint-imports run there): this folder links each
    # subpackage folder (`app -> ../app`, ...), so tools that read the folder on disk
    # (import-linter) see the whole package. Where the links did not survive (a checkout
    # without symlinks), the root's folders are searched as well.
    # The development install links them under build/ instead of adding an import hook
    # to every interpreter start (setuptools' default editable finder cost ~30 ms a start).
    import os
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.isfile(os.path.join(root, "pyproject.toml")) and os.path.isfile(os.path.join(root, "app", "cli.py")):
        __path__.append(root)


_source_checkout()
del _source_checkout
