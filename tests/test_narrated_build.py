"""The narrated build, end to end on the tiny scenes: sound, captions, takes, the silent version.

The tiny lesson (``tests/pipeline_scenes``) has one lesson scene, ``Opening``, which shows beats 1
and 2 of the default lesson and marks their sentences, and two plain scenes. A default build is
narrated by the scratch voice; these tests read what it wrote with PyAV and plain parsers (not
the pipeline's own readers), and compare the captions with the lesson model's narration.
"""

from __future__ import annotations

import html
import json
import re
import wave
from pathlib import Path

import av
import numpy as np
import pytest
import srt

from mathcore.beats import build_model
from pipeline.cachekey import scene_keys
from pipeline.lesson import read_lesson
from pipeline.narration import Narration, Said
from pipeline.quality import quality
from pipeline.render import render_args
from pipeline.scenelist import load_registry

from .test_pipeline import (LOW, VIDEO, Build, _one_line_error, _written_in_place, digest, fork, fresh_build,
                            copy_scenes, leftovers, pipeline, says, small_disk)

LESSON_BEATS = ("title", "chain_rule")  # what Opening shows
TAKES = Path("narration") / "backpropagation-calculus"  # under the build's source folder (its current folder)
RATE = 48000


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The tiny lesson rendered once with the default narration (shared: do not modify)."""
    return fresh_build(tmp_path_factory, "render")


@pytest.fixture(scope="module")
def model():
    return build_model()


def sentences(model) -> list:
    return [s for key in LESSON_BEATS for s in model.beat(key).narration]


def marks_of(build: Build, scene: str = "Opening") -> dict:
    entry = next(s for s in build.record()["scenes"] if s["scene"] == scene)
    return json.loads((build.part(entry).with_name(f"{scene}.marks.json")).read_text())


def streams(path: Path) -> list[tuple[str, str, float]]:
    """Type, codec and length of each stream, but the chapters' track (a data stream that the MP4
    muxer writes for the chapter list, which players show as chapters)."""
    with av.open(str(path)) as container:
        return [(s.type, s.codec_context.name, float(s.duration * s.time_base) if s.duration else 0.0)
                for s in container.streams if s.type != "data"]


def sound(path: Path) -> np.ndarray:
    """The MP4's audio, decoded, as floats (mono, 48 kHz)."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]
    x = np.concatenate(frames)
    return x.astype(float) / (32768.0 if x.dtype == np.int16 else 1.0)


def loudness(x: np.ndarray, window: float = 0.01) -> np.ndarray:
    n = int(window * RATE)
    return np.sqrt((x[: len(x) // n * n].reshape(-1, n) ** 2).mean(axis=1))


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """WebVTT cues, read by hand: a header, then blocks of a timing line and text lines."""
    blocks = text.strip().split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        timing, *lines = block.split("\n")
        match = re.fullmatch(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)", timing)
        assert match, timing
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups())
        cues.append((h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000,
                     html.unescape(" ".join(lines))))
    return cues


def words(text: str) -> str:
    return " ".join(text.split())


# -- the narrated video ----------------------------------------------------------------------------
def test_the_video_has_one_video_one_aac_and_one_subtitle_stream(narrated: Build):
    kinds = streams(narrated.video)
    assert [(t, c) for t, c, _ in kinds] == [("video", "h264"), ("audio", "aac"), ("subtitle", "mov_text")]
    video, audio = kinds[0][2], kinds[1][2]
    assert abs(audio - video) < 1024 / RATE + 1e-3  # the sound lasts as long as the pictures
    assert "captions:" in narrated.run.stdout and "narration: " in narrated.run.stdout


def test_captions_parse_in_order_inside_the_video_and_are_the_narration(narrated: Build, model):
    vtt = parse_vtt(narrated.video.with_suffix(".vtt").read_text(encoding="utf-8"))
    subs = list(srt.parse(narrated.video.with_suffix(".srt").read_text(encoding="utf-8")))
    length = streams(narrated.video)[0][2]
    for cues in (vtt, [(c.start.total_seconds(), c.end.total_seconds(), c.content) for c in subs]):
        assert all(0 <= a < b <= length + 1e-3 for a, b, _ in cues)
        assert all(b <= c + 1e-3 for (_, b, _), (c, _, _) in zip(cues, cues[1:]))  # ordered, apart
    said = words(" ".join(s.text for s in sentences(model)))
    assert words(" ".join(t for _, _, t in vtt)) == said
    assert words(" ".join(c.content for c in subs)) == said
    # The MP4's own subtitle stream has the same cues: mov_text samples are a 16-bit length, then UTF-8.
    with av.open(str(narrated.video)) as container:
        texts = [bytes(p)[2:].decode() for p in container.demux(subtitles=0) if p.size > 2]
    assert words(" ".join(texts)) == said


def test_each_sentence_is_heard_from_its_mark_and_within_its_beat(narrated: Build, model):
    marks = marks_of(narrated)
    keys = [(m["beat"], m["key"]) for m in marks["marks"]]
    assert keys == [(key, s.key) for key in LESSON_BEATS for s in model.beat(key).narration]
    level = loudness(sound(narrated.video))
    loud = level > 0.05 * level.max()
    times = [m["time"] for m in marks["marks"]]
    beat_end = {b["key"]: b["end"] for b in marks["beats"]}
    ends = times[1:] + [marks["beats"][-1]["end"]]
    for (beat, key), start, end in zip(keys, times, ends):
        i = round(start * 100)
        onset = (np.argmax(loud[i:]) if loud[i:].any() else len(loud)) / 100
        assert onset < 0.15, f"{beat}/{key}: speech starts {onset:.2f} s after its mark"
        # Said to its end before the next sentence's mark (or its beat's end): quiet just before.
        stop = round(min(end, beat_end[beat]) * 100)
        assert not loud[stop - 4:stop - 1].any(), f"{beat}/{key}: still speaking at {stop / 100:.2f} s"


# -- takes ---------------------------------------------------------------------------------------------
def tones(path: Path, bursts: int, hz: float, seconds: float = 0.8, gap: float = 0.6, rate: int = 22050) -> Path:
    """A take of ``bursts`` tones of ``hz`` Hz, ``gap`` seconds of silence between them."""
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2")
    quiet = np.zeros(int(gap * rate), "<i2")
    parts = [p for i in range(bursts) for p in ([tone] if i == 0 else [quiet, tone])] + [quiet]
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.concatenate(parts).tobytes())
    return path


def share(x: np.ndarray, start: float, hz: float, seconds: float = 0.5) -> float:
    """The share of the sound's energy within 20 Hz of ``hz`` (near 1 for that pure tone, small for
    a voice), over ``seconds`` from ``start``."""
    chunk = x[round(start * RATE):round((start + seconds) * RATE)]
    power = np.abs(np.fft.rfft(chunk * np.hanning(len(chunk)))) ** 2
    near = np.abs(np.fft.rfftfreq(len(chunk), 1 / RATE) - hz) < 20
    return float(power[near].sum() / power.sum())


def test_a_take_replaces_the_voice_for_its_beat_only_and_retimes_it(narrated: Build, model, tmp_path: Path):
    build = fork(narrated, tmp_path)
    before = marks_of(build)
    title = model.beat("title").narration
    tones(build.src / TAKES / "01-backpropagation-calculus.wav", len(title), 660.0)
    # A sentence take for sentence 2 of beat 2 (1-based): a lower tone.
    tones(build.src / TAKES / "02-the-chain-rule-in-one-line.2.wav", 1, 330.0)
    run = pipeline("render", *LOW, media=build.media, src=build.src)
    assert run.returncode == 0, run.stdout + run.stderr
    assert says(run.stdout, "Opening", "done") and says(run.stdout, "Middle", "cached")
    assert says(run.stdout, "Closing", "cached")
    assert f"{len(title) + 1} from takes" in run.stdout
    after = marks_of(build)
    x = sound(build.video)
    at = {(m["beat"], m["key"]): m["time"] + 0.1 for m in after["marks"]}
    chain = model.beat("chain_rule").narration
    for s in title:
        assert share(x, at[("title", s.key)], 660) > 0.9  # the take, sentence by sentence
    assert share(x, at[("chain_rule", chain[1].key)], 330) > 0.9
    assert all(share(x, at[("chain_rule", s.key)], 330) < 0.5 for i, s in enumerate(chain) if i != 1)  # the voice
    # Beat 1 is re-timed to the take: each of its sentences is a piece of the take from one tone's
    # start to the next one's (0.8 s of tone, 0.6 s of pause), longer than the tiny scene's animations,
    # so its sentences start 1.4 s apart and the beat ends 1.4 s + END_PAUSE (1 s) after the last.
    frame = 1 / 15
    title_marks = [m["time"] for m in after["marks"] if m["beat"] == "title"]
    assert np.diff(title_marks) == pytest.approx([1.4] * (len(title) - 1), abs=frame)
    assert after["beats"][0]["end"] - title_marks[-1] == pytest.approx(1.4 + 1.0, abs=frame)
    assert before["beats"][0]["end"] != pytest.approx(after["beats"][0]["end"], abs=frame)
    # Recorded again, as long but at another pitch: no scene's timing changes, so nothing renders,
    # but the video is joined again with the new recording (its digest is part of the record).
    tones(build.src / TAKES / "01-backpropagation-calculus.wav", len(title), 770.0)
    again = pipeline("render", *LOW, media=build.media, src=build.src)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 rendered, 3 cached" in again.stdout and "joined" in again.stdout
    x = sound(build.video)
    assert all(share(x, at[("title", s.key)], 770) > 0.9 for s in title)


@pytest.mark.parametrize("kind", ["empty", "not_wav", "too_long", "misnamed"])
def test_a_bad_take_is_one_line_and_the_video_stays(narrated: Build, tmp_path: Path, kind: str):
    build = fork(narrated, tmp_path)
    old = digest(build.video)
    folder = build.src / TAKES
    folder.mkdir(parents=True)
    name = {"misnamed": "01-backprop.wav"}.get(kind, "01-backpropagation-calculus.wav")
    path = folder / name
    if kind == "empty":
        tones(path, 1, 440.0, seconds=0.0, gap=0.0)
    elif kind == "not_wav":
        path.write_text("not a recording", encoding="utf-8")
    elif kind == "too_long":
        tones(path, 1, 440.0, seconds=181.0, gap=0.0, rate=8000)
    else:
        tones(path, 1, 440.0)
    run = pipeline("render", *LOW, media=build.media, src=build.src)
    fragment = {"empty": "empty", "not_wav": "not a WAV", "too_long": "over the", "misnamed": "matches no beat"}[kind]
    _one_line_error(run, name, fragment)
    assert digest(build.video) == old and leftovers(build) == []
    assert "done" not in run.stdout  # nothing rendered


# -- silent, and what the keys depend on --------------------------------------------------------------
def test_the_silent_build_has_no_sound_and_no_captions(narrated: Build, tmp_path: Path):
    build = fork(narrated, tmp_path)
    run = pipeline("render", *LOW, "--narration", "none", media=build.media, src=build.src)
    assert run.returncode == 0, run.stdout + run.stderr
    assert [t for t, _, _ in streams(build.video)] == ["video"]
    assert not build.video.with_suffix(".vtt").exists() and not build.video.with_suffix(".srt").exists()
    # Only the lesson scene is paced by the voice: the plain scenes' renders serve both versions.
    assert says(run.stdout, "Opening", "done") and says(run.stdout, "Middle", "cached")
    assert "narration: none" in run.stdout and "silent" in run.stdout
    again = pipeline("render", *LOW, media=build.media, src=build.src)  # narrated again: all cached
    assert again.returncode == 0 and "3 cached" in again.stdout and "joined" in again.stdout
    assert [t for t, _, _ in streams(build.video)] == ["video", "audio", "subtitle"]
    bad = pipeline("render", *LOW, "--narration", "loud", media=build.media, src=build.src)
    _one_line_error(bad, "NARRATION='loud'", "voice", "none")


def narration(seconds: dict[tuple[str, str], float], audio: Path) -> Narration:
    said = tuple(Said(b, 0, k, "words", audio, s, "voice") for (b, k), s in seconds.items())
    return Narration(said, audio, "digest")


def test_a_scenes_key_follows_the_timing_of_its_own_beats_only(tmp_path: Path):
    registry = load_registry()
    lesson, q = read_lesson(None), quality("low")
    base = {("title", "title"): 1.0, ("title", "track"): 2.0, ("chain_rule", "lines"): 3.0}
    keys = scene_keys(registry, lesson, q, render_args(q), None, narration(base, tmp_path))
    longer = scene_keys(registry, lesson, q, render_args(q), None,
                        narration(base | {("title", "track"): 2.5}, tmp_path))
    silent = scene_keys(registry, lesson, q, render_args(q), None, None)
    assert [n for n in keys if keys[n] != longer[n]] == ["Title"]  # the scene showing beat "title"
    assert all(keys[n] != silent[n] for n in keys)  # every lesson scene is paced by the voice


def test_a_disk_too_small_for_the_voice_is_one_line(tmp_path: Path):
    src = copy_scenes(tmp_path / "src")
    with small_disk(tmp_path / "small", "64k") as disk:
        media = disk / "media"
        run = pipeline("render", *LOW, media=media, src=src, timeout=60)
        _one_line_error(run, f"the disk of the media folder {media}/ is full", "making the narration needs roughly")
        assert _written_in_place(media) == []
        assert not (media / VIDEO).exists()
