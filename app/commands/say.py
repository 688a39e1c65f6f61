"""`gazetype say TEXT`: speak a sentence, to try a voice, rate and volume."""
from __future__ import annotations

from gazetype.app.commands.common import number_in


def add_arguments(p) -> None:
    p.add_argument("text", nargs="+", help="what to say")
    p.add_argument("--voice", metavar="V", help="voice id, name or language (see 'gazetype voices')")
    p.add_argument("--rate", type=number_in(80, 450, "words per minute"), metavar="WPM",
                   help="speaking rate in words per minute (80 to 450; espeak-ng's default 175)")
    p.add_argument("--volume", type=number_in(0, 1), metavar="X", help="volume from 0 to 1")
    p.add_argument("--wav", metavar="FILE", help="write the speech to this WAV file instead of playing it")


def main(args) -> int:
    from gazetype.app.errors import UserError
    from gazetype.output.speech import Speaker

    text = " ".join(args.text)
    speaker = Speaker()
    try:
        if not speaker.available:
            raise UserError(speaker.problem)
        try:
            if args.voice:
                speaker.set_voice(args.voice)
            if args.rate is not None:
                speaker.set_rate_wpm(args.rate)
            if args.volume is not None:
                speaker.set_volume(args.volume)
        except ValueError as e:
            raise UserError(str(e)) from None
        if args.wav:
            try:
                duration_s = speaker.save_wav(text, args.wav)
            except OSError as e:
                raise UserError(f"{args.wav}: cannot write it: {e.strerror or e}") from None
            print(f"wrote {duration_s:.2f} s of speech to {args.wav}")
            return 0
        if speaker.problem:  # no player: say so before trying
            raise UserError(speaker.problem)
        speaker.speak(text)
        speaker.wait(timeout_s=max(30.0, len(text) * 0.2))
        if speaker.problem:
            raise UserError(speaker.problem)
        return 0
    finally:
        speaker.close()
