"""`gazetype history`: list or delete what the keyboard keeps on this machine (finished
texts and saved phrases; never sent anywhere)."""
from __future__ import annotations


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def add_arguments(p) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--list", action="store_true", help="list the finished texts and saved phrases (default)")
    g.add_argument("--clear", action="store_true", help="delete them all")
    g.add_argument("--delete", metavar="ID", help="delete one entry, by the id the list shows (t12, s3)")


def main(args) -> int:
    from gazetype.app import settings as settings_mod
    from gazetype.keyboard.history import History
    from gazetype.app.errors import UserError
    path = settings_mod.history_path()
    if not path.exists():
        if args.delete is not None:
            raise UserError(f"--delete {args.delete}: no such entry ({path} does not exist)")
        print(f"no history kept ({path} does not exist)")
        return 0
    h = History(path)
    try:
        if args.clear:
            n_texts, n_phrases = h.clear()
            print(f"deleted {n_texts} text(s) and {n_phrases} saved phrase(s) from {path}")
            return 0
        if args.delete is not None:
            text = h.delete(args.delete)
            if text is None:
                raise UserError(f"--delete {args.delete}: no such entry ('gazetype history' lists the ids)")
            print(f"deleted {args.delete.strip().lower()}: {_one_line(text)}")
            return 0
        import datetime
        texts, saved = h.texts(), h.saved()
        for entry_id, t, text in h.entries():
            when = datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")
            kind = "saved phrase" if entry_id.startswith("s") else "said"
            print(f"{entry_id:>6}  {when}  {kind:<12}  {_one_line(text)}")
        keeping = "on" if settings_mod.load().history else "off"
        print(f"{len(texts)} text(s), {len(saved)} saved phrase(s) in {path} (keeping is {keeping}; "
              "'gazetype history --delete ID' deletes one, '--clear' all)")
        return 0
    finally:
        h.close()
