"""Recorded takes: the naming maps files to beats and sentences, and every unusable take is one
line naming the file."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from pipeline import takes
from pipeline.errors import PipelineError
from pipeline.takes import BeatSlot, find_takes, read_take

BEATS = [BeatSlot(1, "the-network", 2), BeatSlot(2, "the-chain-rule", 3), BeatSlot(10, "summary", 1)]


def write_wav(path: Path, seconds: float, *, rate: int = 44100, amplitude: float = 0.3, channels: int = 1,
              clip_fraction: float = 0.0, width: int = 2) -> Path:
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    full = 2 ** (8 * width - 1) - 1
    signal = (amplitude * full * np.sin(2 * np.pi * 220 * t)).astype(np.int64)
    clipped = int(n * clip_fraction)
    signal[:clipped] = full  # a run of samples stuck at full scale
    frames = np.repeat(signal, channels)
    data = frames.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :width].tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data)
    return path


def one_line_naming(err: pytest.ExceptionInfo[PipelineError], path: Path) -> str:
    message = str(err.value)
    assert "\n" not in message and path.name in message, message
    return message


def test_a_good_take_reads_its_length_rate_and_peak(tmp_path):
    take = read_take(write_wav(tmp_path / "01-the-network.1.wav", 2.5, rate=48000, channels=2, amplitude=0.5))
    assert take.duration == pytest.approx(2.5) and take.sample_rate == 48000 and take.channels == 2
    assert take.peak == pytest.approx(0.5, abs=0.01)


def test_a_new_recording_under_the_same_name_has_another_digest(tmp_path):
    path = tmp_path / "01-the-network.wav"
    first = read_take(write_wav(path, 1.0)).digest
    assert read_take(path).digest == first
    assert read_take(write_wav(path, 1.0, amplitude=0.31)).digest != first


def test_a_24_bit_take_is_read(tmp_path):
    take = read_take(write_wav(tmp_path / "t.wav", 1.0, width=3, amplitude=0.25))
    assert take.duration == pytest.approx(1.0) and take.peak == pytest.approx(0.25, abs=0.01)


def test_not_a_wav_file(tmp_path):
    path = tmp_path / "01-the-network.wav"
    path.write_bytes(b"ID3\x03\x00 an mp3 renamed to .wav")
    with pytest.raises(PipelineError) as err:
        read_take(path)
    assert one_line_naming(err, path).startswith("not a WAV file:")


def test_an_empty_take(tmp_path):
    for seconds in (0.0, 0.2):
        path = write_wav(tmp_path / f"e{seconds}.wav", seconds)
        with pytest.raises(PipelineError) as err:
            read_take(path)
        assert "empty" in one_line_naming(err, path)


def test_a_silent_take(tmp_path):
    path = write_wav(tmp_path / "silent.wav", 3.0, amplitude=0.005)
    with pytest.raises(PipelineError) as err:
        read_take(path)
    assert "silent" in one_line_naming(err, path)
    read_take(write_wav(tmp_path / "quiet.wav", 3.0, amplitude=0.05))  # quiet, but a voice


def test_a_clipped_take(tmp_path):
    path = write_wav(tmp_path / "clipped.wav", 2.0, clip_fraction=0.01)
    with pytest.raises(PipelineError) as err:
        read_take(path)
    assert "clipped" in one_line_naming(err, path) and "gain" in str(err.value)
    # A loud take just under the limit is fine: a few peaks touching full scale are not clipping.
    read_take(write_wav(tmp_path / "loud.wav", 2.0, clip_fraction=takes.MAX_CLIPPED / 2))


def test_a_take_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(takes, "MAX_SENTENCE_SECONDS", 3.0)
    monkeypatch.setattr(takes, "MAX_BEAT_SECONDS", 5.0)
    folder = tmp_path / "lesson"
    folder.mkdir()
    write_wav(folder / "01-the-network.wav", 4.0)  # a beat: under its limit
    sentence = write_wav(folder / "02-the-chain-rule.1.wav", 4.0)  # a sentence: over its limit
    with pytest.raises(PipelineError) as err:
        find_takes(folder, BEATS)
    assert "limit" in one_line_naming(err, sentence)
    sentence.unlink()
    whole = write_wav(folder / "02-the-chain-rule.wav", 5.5)
    with pytest.raises(PipelineError) as err:
        find_takes(folder, BEATS)
    assert "limit" in one_line_naming(err, whole)


def test_takes_map_to_beats_and_sentences(tmp_path):
    folder = tmp_path / "backprop"
    folder.mkdir()
    write_wav(folder / "01-the-network.wav", 3.0)
    write_wav(folder / "02-the-chain-rule.1.wav", 1.0)
    write_wav(folder / "02-the-chain-rule.3.wav", 1.5)
    write_wav(folder / "10-summary.1.wav", 0.8)
    (folder / "notes.txt").write_text("take 2 was better")  # not a WAV: left alone
    found = find_takes(folder, BEATS)
    assert sorted(found) == [1, 2, 10]
    assert found[1].whole is not None and found[1].sentences is None
    assert found[1].whole.duration == pytest.approx(3.0)
    assert found[2].whole is None and found[2].sentences is not None
    assert {k: t.duration for k, t in found[2].sentences.items()} == pytest.approx({1: 1.0, 3: 1.5})
    assert found[10].sentences is not None and list(found[10].sentences) == [1]


def test_no_folder_means_no_takes(tmp_path):
    assert find_takes(tmp_path / "nothing-here", BEATS) == {}


@pytest.mark.parametrize("name", ["01-the-netwrok.wav", "03-the-network.wav", "1-the-network.wav",
                                  "02-the-chain-rule.4.wav", "02-the-chain-rule.0.wav", "intro.wav"])
def test_a_take_matching_no_beat_or_sentence_is_one_line(tmp_path, name):
    folder = tmp_path / "backprop"
    folder.mkdir()
    write_wav(folder / "01-the-network.wav", 1.0)
    path = write_wav(folder / name, 1.0)
    with pytest.raises(PipelineError) as err:
        find_takes(folder, BEATS)
    one_line_naming(err, path)


def test_a_whole_take_and_sentence_takes_of_one_beat_conflict(tmp_path):
    folder = tmp_path / "backprop"
    folder.mkdir()
    write_wav(folder / "02-the-chain-rule.wav", 2.0)
    write_wav(folder / "02-the-chain-rule.2.wav", 1.0)
    with pytest.raises(PipelineError) as err:
        find_takes(folder, BEATS)
    assert "not both" in one_line_naming(err, folder / "02-the-chain-rule.wav")


def write_speech(path: Path, pieces: list[tuple[str, float]], rate: int = 48000) -> Path:
    """A stand-in for a recording: ("say", seconds) is a warbling tone, ("pause", seconds) a
    near-silence (room noise at -60 dB)."""
    rng = np.random.default_rng(7)
    parts = []
    for kind, seconds in pieces:
        t = np.arange(round(seconds * rate)) / rate
        if kind == "say":
            parts.append(0.4 * np.sin(2 * np.pi * (180 + 40 * np.sin(2 * np.pi * 3 * t)) * t))
        else:
            parts.append(0.001 * rng.standard_normal(len(t)))
    samples = (np.concatenate(parts) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return path


def test_a_whole_beat_take_is_cut_into_its_sentences_at_the_longest_pauses(tmp_path):
    pieces = [("pause", 0.5), ("say", 1.2), ("pause", 0.2), ("say", 0.9),  # a comma's pause
              ("pause", 0.6), ("say", 2.0), ("pause", 0.08), ("say", 0.5),  # between words
              ("pause", 0.45), ("say", 1.5), ("pause", 0.7)]
    take = read_take(write_speech(tmp_path / "03-the-cost.wav", pieces), takes.MAX_BEAT_SECONDS)
    times = np.cumsum([0] + [s for _, s in pieces])
    expected = [(times[1], times[4]), (times[5], times[8]), (times[9], times[10])]
    spans = takes.sentence_spans(take, 3)
    assert np.allclose(spans, expected, atol=takes.LOUDNESS_WINDOW + 0.001)
    # Four sentences: the comma's pause (0.2 s) is the next longest; the words' (0.08 s) never.
    four = takes.sentence_spans(take, 4)
    assert four[1][0] == pytest.approx(times[3], abs=takes.LOUDNESS_WINDOW + 0.001)
    with pytest.raises(PipelineError) as err:
        takes.sentence_spans(take, 5)
    assert "one take per sentence" in one_line_naming(err, take.path)
