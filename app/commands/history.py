"""`gazetype history`: list or delete what the keyboard keeps on this machine (finished
texts and saved phrases; never sent anywhere)."""
from __future__ import annotations


def add_arguments(p) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--list", action="store_true", help="list the finished texts and saved phrases (default)")
    g.add_argument("--clear", action="store_true", help="delete them all")


def main(args) -> int:
    from gazetype.app import settings as settings_mod
    from gazetype.keyboard.history import History
    path = settings_mod.history_path()
    if not path.exists():
        print(f"no history kept ({path} does not exist)")
        return 0
    h = History(path)
    try:
        if args.clear:
            n_texts, n_phrases = h.clear()
            print(f"deleted {n_texts} text(s) and {n_phrases} saved phrase(s) from {path}")
            return 0
        texts, saved = h.texts(), h.saved()
        for t, text in texts:
            import datetime
            when = datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")
            print(f"{when}  {text}")
        for text in saved:
            print(f"saved phrase  {text}")
        keeping = "on" if settings_mod.load().history else "off"
        print(f"{len(texts)} text(s), {len(saved)} saved phrase(s) in {path} (keeping is {keeping}; "
              "'gazetype history --clear' deletes them)")
        return 0
    finally:
        h.close()
