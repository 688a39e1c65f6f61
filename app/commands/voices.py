"""`gazetype voices`: list the speech voices installed on this machine."""
from __future__ import annotations


def add_arguments(p) -> None:
    p.add_argument("--lang", metavar="CODE", help="only voices for this language, e.g. en or de")
    p.add_argument("--json", action="store_true", help="print one JSON object per voice")


def main(args) -> int:
    import json

    from gazetype.app.errors import UserError
    from gazetype.output.speech import Speaker

    speaker = Speaker()
    try:
        if not speaker.available:
            raise UserError(speaker.problem)
        voices = speaker.voices()
        if args.lang:
            key = args.lang.lower()
            voices = [v for v in voices if any(lang.lower() == key or lang.lower().startswith(key + "-")
                                               for lang in v.languages)]
            if not voices:
                raise UserError(f"no voice for language {args.lang!r}; 'gazetype voices' lists them all")
        for v in voices:
            if args.json:
                print(json.dumps({"id": v.id, "name": v.name, "languages": list(v.languages), "gender": v.gender}))
            else:
                print(f"{v.id:<24} {','.join(v.languages):<14} {v.name}")
        return 0
    finally:
        speaker.close()
