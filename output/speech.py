"""Offline speech with espeak-ng, spoken by a worker thread.

pyttsx3's espeak driver lists the voices. It could synthesise too, but it plays through
`os.system("aplay ...")`, which blocks and cannot be stopped, and it applies a rate
change only to its first utterance. So the worker writes each utterance to a WAV file
with the `espeak-ng` program (pyttsx3's save_to_file where the program is missing) and
plays it with a player subprocess (paplay, pw-play or aplay), which stop() can end at
once. The caller never waits for either: speak() only puts the text on a queue.
"""
from __future__ import annotations

import os
import queue
import shutil
import subprocess
import tempfile
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

# Players tried in this order: PulseAudio/PipeWire first (they share the device with
# other programs), raw ALSA last.
PLAYERS = (("paplay",), ("pw-play",), ("aplay", "-q"))
INSTALL_ENGINE = "install espeak-ng (sudo apt install espeak-ng) and pyttsx3 (pip install pyttsx3)"
RATE_WPM_RANGE = (80.0, 450.0)  # espeak-ng's own limits
MAX_PENDING = 8  # utterances queued behind the one speaking; older ones are dropped

# espeak-ng is one engine per process and not thread-safe: every call into it holds this.
_ENGINE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Voice:
    """An installed voice: `id` is what set_voice() and --voice take."""
    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None = None


@dataclass(frozen=True)
class _Utterance:
    text: str


_STOP = object()  # sentinel that ends the worker


def _load_engine():
    """(engine, None) or (None, one line saying what is missing and how to get it)."""
    try:
        import pyttsx3
    except ImportError:
        return None, f"speech: pyttsx3 is not installed: {INSTALL_ENGINE}"
    try:
        with _ENGINE_LOCK:
            engine = pyttsx3.init("espeak")
            _quieten()
    except Exception as e:  # a missing libespeak-ng is a RuntimeError from pyttsx3's import
        why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return None, f"speech: the espeak-ng engine cannot be loaded ({why}): {INSTALL_ENGINE}"
    return engine, None


def _quieten() -> None:
    """pyttsx3 2.99's espeak driver prints "Audio saved to FILE" on stdout after every
    file it writes, which would end up in the output of `gazetype say` and of the app.
    Shadow `print` in that one module rather than redirecting sys.stdout for the whole
    process (other threads print too)."""
    import pyttsx3.drivers.espeak as driver
    driver.print = lambda *a, **k: None


def find_player() -> tuple[str, ...] | None:
    """The first audio player on PATH, as a command to which the WAV path is appended."""
    for cmd in PLAYERS:
        if shutil.which(cmd[0]):
            return cmd
    return None


def wav_duration_s(path: str | os.PathLike) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


class Speaker:
    """Speaks text without blocking the caller. `available` is False when no engine
    can be loaded, and `problem` then says in one line what is missing; speak() then
    does nothing. Utterances queue (at most MAX_PENDING behind the current one; the
    same text twice in a row is said once, as a double dwell would otherwise repeat
    it); speak(text, interrupt=True) or stop() cuts the current one off."""

    def __init__(self, voice: str | None = None, rate_wpm: float | None = None, volume: float | None = None,
                 player: tuple[str, ...] | list[str] | None = None):
        self._engine, self._engine_problem = _load_engine()
        self._player = tuple(player) if player is not None else find_player()
        self._play_problem: str | None = None
        self._voices: tuple[Voice, ...] = self._list_voices() if self._engine is not None else ()
        self._voice_id: str | None = None
        self._rate_wpm: float | None = None
        self._volume: float | None = None
        if voice is not None:
            self.set_voice(voice)
        if rate_wpm is not None:
            self.set_rate_wpm(rate_wpm)
        if volume is not None:
            self.set_volume(volume)
        self._queue: queue.Queue = queue.Queue()
        self._proc: subprocess.Popen | None = None
        self._proc_lock = threading.Lock()
        self._generation = 0  # bumped by stop(): utterances synthesised before it are not played
        self._last_text: str | None = None
        self._busy = threading.Event()
        self._tmpdir = tempfile.TemporaryDirectory(prefix="gazetype-speech-")
        self._closed = False
        self._worker: threading.Thread | None = None
        if self._engine is not None:
            self._worker = threading.Thread(target=self._run, name="gazetype-speech", daemon=True)
            self._worker.start()

    # -- state -------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """An engine is loaded (speech can be synthesised)."""
        return self._engine is not None

    @property
    def problem(self) -> str | None:
        """One line: why nothing is heard, or None."""
        if self._engine_problem:
            return self._engine_problem
        if self._player is None:
            return ("speech: no audio player found (paplay, pw-play or aplay): "
                    "sudo apt install alsa-utils")
        return self._play_problem

    @property
    def speaking(self) -> bool:
        """Something is being synthesised or played, or waits in the queue."""
        return self._busy.is_set() or not self._queue.empty()

    # -- settings ----------------------------------------------------------------------
    @property
    def rate_wpm(self) -> float | None:
        """The speaking rate set, words per minute (None: the engine's default)."""
        return self._rate_wpm

    @property
    def volume(self) -> float | None:
        """The volume set, 0 to 1 (None: the engine's default)."""
        return self._volume

    def voices(self) -> list[Voice]:
        return list(self._voices)

    def set_voice(self, voice: str) -> Voice:
        """Choose a voice by id ("gmw/en-us"), name ("English_(America)", any case) or
        language ("en-us"); ValueError names the choices when none matches."""
        v = self.find_voice(voice)
        if v is None:
            if not self.available:
                raise ValueError(self.problem)
            raise ValueError(f"no voice {voice!r}; 'gazetype voices' lists the {len(self._voices)} installed")
        self._voice_id = v.id
        return v

    def find_voice(self, voice: str) -> Voice | None:
        key = voice.strip().lower()
        for match in (lambda v: v.id.lower() == key, lambda v: v.name.lower() == key,
                      lambda v: key in (lang.lower() for lang in v.languages)):
            for v in self._voices:
                if match(v):
                    return v
        return None

    def set_rate_wpm(self, rate_wpm: float) -> None:
        lo, hi = RATE_WPM_RANGE
        if not lo <= float(rate_wpm) <= hi:
            raise ValueError(f"speech rate {rate_wpm:g} words per minute is outside {lo:g} to {hi:g}")
        self._rate_wpm = float(rate_wpm)

    def set_volume(self, volume: float) -> None:
        if not 0.0 <= float(volume) <= 1.0:
            raise ValueError(f"volume {volume:g} is outside 0 to 1")
        self._volume = float(volume)

    # -- speaking ----------------------------------------------------------------------
    def speak(self, text: str, interrupt: bool = False) -> None:
        """Queue `text` to be said; returns at once. Never raises."""
        if self._engine is None or self._closed or not text or not text.strip():
            return
        if interrupt:
            self.stop()
        elif text == self._last_text and self.speaking:
            return
        self._last_text = text
        while self._queue.qsize() >= MAX_PENDING:  # a backlog is stale: keep the newest
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(_Utterance(text))

    def stop(self) -> None:
        """Silence now: drop what is queued and end the utterance being played."""
        self._generation += 1
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:  # keep a pending close
                self._queue.put(_STOP)
                break
        with self._proc_lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()
        self._last_text = None

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Block until everything queued has been said (for the CLI and tests)."""
        import time
        end = time.monotonic() + timeout_s
        while self.speaking:
            if time.monotonic() > end:
                return False
            time.sleep(0.01)
        return True

    def save_wav(self, text: str, path: str | os.PathLike) -> float:
        """Synthesise `text` into a WAV file at `path` (blocking; not played);
        returns its duration in seconds. RuntimeError when there is no engine,
        OSError when `path` cannot be written."""
        if self._engine is None:
            raise RuntimeError(self.problem)
        # Synthesise into our own folder and copy: pyttsx3 reports a file it cannot write
        # only as a traceback printed from its ctypes callback, here it is an OSError.
        tmp = Path(self._tmpdir.name) / f"save-{threading.get_ident()}.wav"
        self._synthesise(text, tmp)
        shutil.copyfile(tmp, path)
        tmp.unlink()
        return wav_duration_s(path)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stop()
        if self._worker is not None:
            self._queue.put(_STOP)
            self._worker.join(timeout=2.0)
        self._tmpdir.cleanup()

    def __enter__(self) -> Speaker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- worker ------------------------------------------------------------------------
    def _list_voices(self) -> tuple[Voice, ...]:
        with _ENGINE_LOCK:
            raw = self._engine.getProperty("voices")
        return tuple(Voice(id=str(v.id), name=str(v.name), languages=tuple(str(x) for x in (v.languages or ())),
                           gender=getattr(v, "gender", None)) for v in raw)

    def _synthesise(self, text: str, path: Path) -> None:
        exe = shutil.which("espeak-ng")
        if exe:
            # pyttsx3 2.99 applies a rate or volume change only to its first utterance
            # (measured: 300 then 100 wpm gave the same 1.58 s), so the espeak-ng program
            # synthesises when it is there, in its own process (no GIL held either).
            cmd = [exe, "-w", str(path), "--stdin"]
            if self._voice_id is not None:
                cmd += ["-v", self._voice_id]
            if self._rate_wpm is not None:
                cmd += ["-s", str(round(self._rate_wpm))]
            if self._volume is not None:
                cmd += ["-a", str(round(self._volume * 100))]  # amplitude 0..200, 100 is normal
            r = subprocess.run(cmd, input=text.encode(), capture_output=True, timeout=120)
            if r.returncode != 0 or not path.exists():
                why = r.stderr.decode(errors="replace").strip().splitlines()
                raise RuntimeError(f"espeak-ng failed: {why[-1] if why else 'exit code ' + str(r.returncode)}")
            return
        with _ENGINE_LOCK:
            e = self._engine
            if self._voice_id is not None:
                e.setProperty("voice", self._voice_id)
            if self._rate_wpm is not None:
                e.setProperty("rate", round(self._rate_wpm))
            if self._volume is not None:
                e.setProperty("volume", self._volume)
            e.save_to_file(text, str(path))
            e.runAndWait()
        if not path.exists():
            raise RuntimeError(f"espeak-ng wrote no audio for {text[:40]!r}")

    def _run(self) -> None:
        n = 0
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            self._busy.set()
            try:
                gen = self._generation
                n += 1
                path = Path(self._tmpdir.name) / f"u{n % 4}.wav"
                self._synthesise(item.text, path)
                if gen == self._generation:
                    self._play(path)
            except Exception as e:  # the worker must outlive one bad utterance
                self._play_problem = f"speech: {type(e).__name__}: {e}"
            finally:
                self._busy.clear()

    def _play(self, path: Path) -> None:
        if self._player is None:
            return
        with self._proc_lock:
            if self._closed:
                return
            self._proc = subprocess.Popen([*self._player, str(path)], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        proc = self._proc
        _, err = proc.communicate()
        if proc.returncode not in (0, -15):  # -15: stop() ended it
            last = (err or b"").decode(errors="replace").strip().splitlines()
            self._play_problem = (f"speech: {self._player[0]} cannot play sound "
                                  f"({last[-1] if last else 'exit code ' + str(proc.returncode)}): "
                                  "is a sound device connected?")
        else:
            self._play_problem = None
