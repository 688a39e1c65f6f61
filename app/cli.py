"""The `gazetype` command line. Each subcommand lives in its own module under
app/commands and registers its parser; adding a command is adding a module to
COMMANDS. Bad input ends in one line on stderr and exit code 2, never a traceback."""
from __future__ import annotations

import os
import sys

# argparse (with re, enum, textwrap, shutil) is imported only when a command is parsed:
# `gazetype --help` prints its text without it (issue 15: --help in under 50 ms).

# Subcommands, in the order `gazetype --help` lists them: (name, module, one-line help).
# Each module has `add_arguments(parser)` and `main(args) -> int`, and is imported only
# when its command runs (or its help is asked for): `gazetype --help` imports none.
COMMANDS = (
    ("run", "gazetype.app.commands.run",
     "open the gaze keyboard (default command)"),
    ("record", "gazetype.app.commands.record",
     "record gaze from a tracker into a v1 recording (JSON Lines)"),
    ("replay", "gazetype.app.commands.replay",
     "replay a recording through the same pipeline as the live app"),
    ("study", "gazetype.app.commands.study",
     "run a gaze-typing user study; export and report its data"),
    ("validate", "gazetype.app.commands.validate",
     "measure the tracker's accuracy and precision at 5 or 9 targets (a validation)"),
    ("simulate", "gazetype.app.commands.simulate",
     "run the study protocol with simulated participants (no people, no hardware)"),
    ("trackers", "gazetype.app.commands.trackers",
     "list the eye trackers and gaze streams available now (Tobii, LSL, mouse, sim)"),
    ("calibrate", "gazetype.app.commands.calibrate",
     "calibrate the eye tracker with its own procedure (Tobii, directly or through the bridge)"),
    ("history", "gazetype.app.commands.history",
     "list or delete the texts the keyboard kept on this machine (for its phrases page)"),
    ("tobii-bridge", "gazetype.app.commands.tobii_bridge",
     "publish a Tobii eye tracker as an LSL gaze stream (run under Python 3.10 with the tobii extra)"),
    ("voices", "gazetype.app.commands.voices",
     "list the installed speech voices (offline text to speech with espeak-ng)"),
    ("say", "gazetype.app.commands.say",
     "speak TEXT aloud with the offline voice, to try --voice, --rate and --volume"),
)


DESCRIPTION = "Type with your eyes: a dwell keyboard that recalibrates the eye tracker while you read what you typed."


def _parser_class():
    import argparse

    from gazetype.app.errors import one_line

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str):  # one line, not a usage dump
            self.exit(2, f"{self.prog}: error: {one_line(message)} (see '{self.prog} --help')\n")
    return _Parser


def build_parser(only: str | None = None):
    """The whole command line (`only` None), or every command listed but only command
    `only` given its options ("" for none: `gazetype --help`): an argparse parser."""
    import importlib
    _Parser = _parser_class()
    p = _Parser(prog="gazetype", description=DESCRIPTION)
    from gazetype import __version__
    p.add_argument("--version", action="version", version=f"gazetype {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, modname, help_ in COMMANDS:
        sp = sub.add_parser(name, help=help_, description=help_)
        if only is None or only == name:
            mod = importlib.import_module(modname)
            mod.add_arguments(sp)
            sp.set_defaults(_main=mod.main)
    return p


_VALUE_OPTIONS = ("--offset",)  # their values may start with '-' (e.g. "-1,0.5deg")


def _glue_negative_values(argv: list[str]) -> list[str]:
    """argparse takes "--offset -1,0" for two options; pass it as "--offset=-1,0"."""
    import re
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in _VALUE_OPTIONS and i + 1 < len(argv) and re.match(r"-[\d.]", argv[i + 1]):
            out.append(f"{a}={argv[i + 1]}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def _columns() -> int:
    """The terminal's width as argparse finds it (shutil.get_terminal_size)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _wrap(text: str, width: int) -> list[str]:
    """textwrap.wrap(text, width) for plain words: greedy, breaking after a hyphen inside
    a word as textwrap does ("gaze-" "typing"); words are never longer than width here."""
    chunks: list[tuple[str, bool]] = []  # (chunk, a space before it)
    for word in text.split():
        start, space = 0, True
        for i in range(2, len(word) - 2):
            if word[i] == "-" and word[i - 2:i].isalpha() and word[i + 1:i + 3].isalpha():
                chunks.append((word[start:i + 1], space))
                start, space = i + 1, False
        chunks.append((word[start:], space))
    lines: list[str] = []
    line = ""
    for chunk, space in chunks:
        add = (" " if space and line else "") + chunk
        if line and len(line) + len(add) > width:
            lines.append(line)
            line = chunk
        else:
            line += add
    if line:
        lines.append(line)
    return lines


def top_help() -> str | None:
    """`gazetype --help` as argparse formats it (tests compare them), made without
    importing argparse; None where the terminal is too narrow for this simple layout."""
    width = _columns() - 2
    options = (("-h, --help", "show this help message and exit"), ("--version", "show program's version number and exit"))
    # argparse's help column: after the longest name (+ its indent, + 2), at most 24.
    col = min(2 + max(len(n) + 2 for n, *_ in (*COMMANDS, *options, ("COMMAND",))), 24)
    usage = "usage: gazetype [-h] [--version] COMMAND ..."
    if len(usage) > width or width - 20 < col or any(len(w) > width - col for _, *h in (*COMMANDS, *options) for w in h[-1].split()):
        return None
    out = [usage, ""]
    out += _wrap(DESCRIPTION, width)
    out += ["", "positional arguments:", "  COMMAND"]

    def row(indent: int, name: str, help_: str) -> None:
        lines = _wrap(help_, width - col)
        room = col - indent - 2
        if len(name) <= room:
            out.append(f"{' ' * indent}{name:<{room}}  {lines[0]}")
        else:
            out.append(f"{' ' * indent}{name}")
            out.append(" " * col + lines[0])
        out.extend(" " * col + ln for ln in lines[1:])
    for name, _, help_ in COMMANDS:
        row(4, name, help_)
    out += ["", "options:"]
    for name, help_ in options:
        row(2, name, help_)
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv in (["-h"], ["--help"]) and (text := top_help()) is not None:
        sys.stdout.write(text)
        return 0
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["run", *argv]  # plain `gazetype` opens the keyboard
    argv = _glue_negative_values(argv)
    parser = build_parser(only=argv[0] if argv[0] in {c[0] for c in COMMANDS} else "")
    args = parser.parse_args(argv)
    try:
        return int(args._main(args) or 0)
    except BrokenPipeError:  # `gazetype replay ... | head`: the reader left; not an error
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return 0
    except KeyboardInterrupt:
        print("gazetype: interrupted", file=sys.stderr)
        return 130
    except _user_error_types() as e:
        print(f"gazetype {args.command}: error: {_one_line(str(e))}", file=sys.stderr)
        return 2
    except Exception as e:
        problem = _environment_problem(e)
        if problem is not None:
            print(f"gazetype {args.command}: error: {problem}", file=sys.stderr)
            return 2
        # A bug: still one line for the user, details on request.
        if os.environ.get("GAZETYPE_DEBUG"):
            raise
        print(f"gazetype {args.command}: internal error: {type(e).__name__}: {_one_line(str(e))} "
              "(set GAZETYPE_DEBUG=1 for details)", file=sys.stderr)
        return 1


def _user_error_types():
    from gazetype.app.errors import user_error_types
    return user_error_types()


def _one_line(message: str) -> str:
    from gazetype.app.errors import one_line
    return one_line(message)


_ENVIRONMENT_ERRNOS = ("ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EIO", "ENOTDIR", "EISDIR", "ENAMETOOLONG")


def _environment_problem(e: Exception) -> str | None:
    """One line for a problem of the machine rather than of gazetype (a full disk, a
    read-only or failing file system, a file the user may not write), else None. What
    was written before it is kept."""
    import errno
    if isinstance(e, OSError) and e.errno in {getattr(errno, n, None) for n in _ENVIRONMENT_ERRNOS} - {None}:
        where = f"{e.filename}: " if e.filename else ""
        return f"{where}{e.strerror or e}"
    if type(e).__module__ == "sqlite3" and any(
            m in str(e) for m in ("disk is full", "disk I/O error", "readonly database", "unable to open")):
        return f"the study database: {e} (what was stored before is kept; free space or fix the disk, then run " \
               "again to resume)"
    return None


if __name__ == "__main__":
    sys.exit(main())
