"""The scratch voice: espeak-ng speaks a sentence's spoken form into a WAV, deterministically.

espeak-ng (Debian package ``espeak-ng``, installed by ``make install`` through scripts/system-deps)
runs offline and writes the same samples for the same text, settings and version. Its WAV is
rewritten here with the :mod:`wave` module (mono, 16-bit PCM, :data:`SAMPLE_RATE` Hz, a canonical
44-byte header), so the bytes depend only on the samples even if a release changes how it writes
headers. The text goes in on standard input, so a sentence starting with ``-`` is never an option.

Settings (:data:`ESPEAK`): American English (``en-us``) at 165 words a minute. Measured with
espeak-ng 1.51: a 48-word paragraph of the lesson's kind is said at 2.77 words a second with its
pauses (rate 150: 2.51, 160: 2.68, 175: 2.94), six separate lesson sentences (106 words) at 2.91
(174 a minute, each file's trailing silence included). 165 is the quickest setting that stays
easy to follow with a formula read aloud, near a narrator's 150-160. Synthesis takes about 9 ms
per second of speech. Each file ends with espeak-ng's own ~0.3 s of silence, a natural pause
before the next sentence.

:func:`voice_for` keeps the audio in a content-addressed cache: the file name is a digest of the
spoken text, the settings and espeak-ng's version, so a changed sentence, setting or upgrade makes
a new file and an unchanged one is never synthesised again. Files appear there whole (written
under a temporary name and renamed).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import wave
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write, show_path
from pipeline.memo import Memo

SAMPLE_RATE = 22050  # espeak-ng's own rate: no resampling
TOOL = "espeak-ng"
# Bump when what synthesize writes changes for the same text, settings and version.
VOICE_FORMAT = 1


@dataclass(frozen=True)
class EspeakSettings:
    voice: str = "en-us"
    rate: int = 165  # words per minute (-s)
    pitch: int = 50  # 0-99 (-p), espeak-ng's default
    word_gap: int = 0  # extra pause between words, in units of 10 ms (-g)

    def arguments(self) -> list[str]:
        return ["-v", self.voice, "-s", str(self.rate), "-p", str(self.pitch), "-g", str(self.word_gap)]


ESPEAK = EspeakSettings()


def _executable() -> str:
    path = shutil.which(TOOL)
    if path is None:
        raise PipelineError(f"{TOOL} not found: the scratch voice needs it; run make install "
                            "(scripts/system-deps installs the Debian package espeak-ng)")
    return path


@lru_cache(maxsize=1)
def espeak_version() -> str:
    """``"eSpeak NG text-to-speech: 1.51"``: the first line of ``espeak-ng --version`` without
    the data path (which differs between machines, not the voice)."""
    out = subprocess.run([_executable(), "--version"], capture_output=True, text=True, check=False)
    line = out.stdout.strip().splitlines()[0] if out.stdout.strip() else ""
    if out.returncode != 0 or not line:
        raise PipelineError(f"{TOOL} --version failed ({out.stderr.strip() or out.returncode}); "
                            "reinstall it with make install")
    return line.split("  Data at:")[0].strip()


def remembered_version(memo: Memo) -> str:
    """:func:`espeak_version`, kept in ``memo`` under the ``stat`` of the espeak-ng executable (a
    package upgrade installs it anew, with new times and inode) instead of run every build."""
    return memo.of_file(Path(_executable()), "espeak-ng --version", lambda _: espeak_version())


def _check_spoken(spoken: str) -> str:
    text = " ".join(spoken.split())
    if not text:
        raise ValueError("nothing to say: the spoken text is empty")
    if not text.isascii():
        raise ValueError(f"the spoken text must be ASCII words (the synthesizer's input): {spoken!r}")
    return text


def synthesize(spoken: str, out: Path, settings: EspeakSettings = ESPEAK) -> None:
    """Speak ``spoken`` (ASCII words) into ``out``: a mono 16-bit PCM WAV at :data:`SAMPLE_RATE`
    Hz. The same text and settings give the same bytes; ``out`` appears whole or not at all."""
    text = _check_spoken(spoken)
    exe = _executable()

    def write(tmp: Path) -> None:
        raw = tmp.with_name(tmp.name + ".espeak.wav")
        try:
            done = subprocess.run([exe, *settings.arguments(), "-w", str(raw), "--stdin"], input=text,
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0 or not raw.exists():
                raise PipelineError(f"{TOOL} failed on {text[:40]!r}: {done.stderr.strip() or done.returncode}; "
                                    "check the sentence's spoken form")
            _normalise(raw, tmp)
        finally:
            raw.unlink(missing_ok=True)

    atomic_write(out, write)


def _normalise(raw: Path, out: Path) -> None:
    """Rewrite espeak-ng's WAV with a canonical header: only its samples carry over."""
    with wave.open(str(raw), "rb") as src:
        if (src.getnchannels(), src.getsampwidth(), src.getframerate()) != (1, 2, SAMPLE_RATE):
            raise PipelineError(f"{TOOL} wrote {src.getnchannels()} channel(s), {8 * src.getsampwidth()} bit, "
                                f"{src.getframerate()} Hz, not mono 16-bit {SAMPLE_RATE} Hz; "
                                "report this espeak-ng version")
        frames = src.readframes(src.getnframes())
    with wave.open(str(out), "wb") as dst:
        dst.setnchannels(1)
        dst.setsampwidth(2)
        dst.setframerate(SAMPLE_RATE)
        dst.writeframes(frames)


def cache_key(spoken: str, settings: EspeakSettings = ESPEAK) -> str:
    """The digest naming ``spoken``'s audio in the cache: text, settings, espeak-ng's version."""
    identity = {"text": _check_spoken(spoken), "settings": asdict(settings), "tool": espeak_version(),
                "rate": SAMPLE_RATE, "format": VOICE_FORMAT}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def voice_for(spoken: str, cache_dir: Path, settings: EspeakSettings = ESPEAK) -> Path:
    """The WAV of ``spoken`` in ``cache_dir``, synthesised only when not there yet."""
    path = cache_dir / f"{cache_key(spoken, settings)}.wav"
    if not path.exists():
        synthesize(spoken, path, settings)
    return path


def wav_duration(path: Path) -> float:
    """A PCM WAV's length in seconds, from its header."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / w.getframerate()
    except (wave.Error, EOFError) as err:
        raise PipelineError(f"not a WAV file: {show_path(path)} ({err}); save it as PCM WAV") from err
