"""The scratch voice: espeak-ng's WAV is deterministic, cached by what it is made from, and its
absence is one clear line. espeak-ng is a system dependency (scripts/system-deps), never skipped."""

from __future__ import annotations

import hashlib
import os
import wave
from pathlib import Path

import pytest

from pipeline import voice
from pipeline.errors import PipelineError

SENTENCE = "The cost changes by minus 0.066 when the weight w L moves by one."


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_text_gives_the_same_bytes_and_a_mono_wav_of_speech_length(tmp_path):
    voice.synthesize(SENTENCE, tmp_path / "a.wav")
    voice.synthesize(SENTENCE, tmp_path / "b.wav")
    assert digest(tmp_path / "a.wav") == digest(tmp_path / "b.wav")
    with wave.open(str(tmp_path / "a.wav")) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, voice.SAMPLE_RATE)
        seconds = w.getnframes() / w.getframerate()
    words = len(SENTENCE.split())
    # A narrator says 2 to 3.5 words a second; anything else means the settings did not apply.
    assert 2.0 < words / seconds < 3.5
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_other_text_or_settings_give_other_audio(tmp_path):
    voice.synthesize(SENTENCE, tmp_path / "a.wav")
    voice.synthesize(SENTENCE.replace("minus", "plus"), tmp_path / "b.wav")
    faster = voice.EspeakSettings(rate=voice.ESPEAK.rate + 40)
    voice.synthesize(SENTENCE, tmp_path / "c.wav", faster)
    assert len({digest(tmp_path / n) for n in ("a.wav", "b.wav", "c.wav")}) == 3
    assert voice.wav_duration(tmp_path / "c.wav") < voice.wav_duration(tmp_path / "a.wav")


def test_a_sentence_starting_with_a_dash_is_said_not_taken_as_an_option(tmp_path):
    voice.synthesize("-s 400 minus one", tmp_path / "a.wav")
    assert voice.wav_duration(tmp_path / "a.wav") > 0.5


def test_the_cache_synthesises_once_and_keys_on_text_settings_and_version(tmp_path, monkeypatch):
    cache = tmp_path / "voice"
    first = voice.voice_for(SENTENCE, cache)
    mtime = first.stat().st_mtime_ns
    calls = []
    real = voice.synthesize
    monkeypatch.setattr(voice, "synthesize", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert voice.voice_for("  " + SENTENCE.replace(" ", "  ") + "\n", cache) == first  # same words
    assert calls == [] and first.stat().st_mtime_ns == mtime
    other = voice.voice_for(SENTENCE + " Again.", cache)
    slower = voice.voice_for(SENTENCE, cache, voice.EspeakSettings(rate=140))
    monkeypatch.setattr(voice, "espeak_version", lambda: "eSpeak NG text-to-speech: 9.99")
    upgraded = voice.voice_for(SENTENCE, cache)
    assert len({first, other, slower, upgraded}) == 4 and len(calls) == 3
    assert sorted(p.name for p in cache.iterdir()) == sorted(p.name for p in (first, other, slower, upgraded))


def test_the_version_is_espeak_ngs_without_its_data_path():
    version = voice.espeak_version()
    assert version.startswith("eSpeak NG") and "Data at" not in version and "/" not in version


def test_missing_espeak_is_one_line_naming_the_tool_and_make_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    voice.espeak_version.cache_clear()
    try:
        with pytest.raises(PipelineError) as err:
            voice.voice_for(SENTENCE, tmp_path / "voice")
    finally:
        voice.espeak_version.cache_clear()
    message = str(err.value)
    assert "\n" not in message and "espeak-ng" in message and "make install" in message
    assert not (tmp_path / "voice").exists() or not os.listdir(tmp_path / "voice")


def test_empty_or_non_ascii_spoken_text_is_refused(tmp_path):
    for bad in ("", "   ", "dee C by dee w\u2080"):
        with pytest.raises(ValueError):
            voice.synthesize(bad, tmp_path / "a.wav")
    assert not (tmp_path / "a.wav").exists()
