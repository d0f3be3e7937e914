"""``python -m pipeline export``: clips, posters, contact sheet and manifest, and incremental runs.

Uses the tiny scenes of ``tests/pipeline_scenes`` at low quality, as ``test_pipeline`` does (its
helpers copy them and run the pipeline there); the export is made once per module and forked
(files hard-linked) by the tests that run it again. The export is narrated (the default, by the
scratch voice): its clips' sound and captions are read with PyAV and plain parsers, and compared
with the lesson video's and the lesson model's narration.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import srt
from PIL import Image, ImageDraw

from pipeline.export import beat_title, label_font, slug, write_contact_sheet

from .conftest import OTHER_LESSON
from .test_narrated_build import RATE, TAKES, marks_of, parse_vtt, share, sound, streams, tones, words
from .test_pipeline import (LOW, PACKAGE, VIDEO, Build, _disk_full_error, copy_scenes, fork, packets, pipeline,
                            says, small_disk)

EXPORT = VIDEO.parent / "export"  # under the media folder
STEMS = ["01-backpropagation-calculus", "02-the-chain-rule-in-one-line", "03-middle-one", "04-middle-two",
         "05-closing-one", "06-closing-two"]


@pytest.fixture(scope="module")
def exported(tiny_export: Build) -> Build:
    """The tiny lesson rendered and exported once from an empty media folder (do not modify)."""
    return tiny_export


def manifest(build: Build) -> dict:
    return json.loads((build.media / EXPORT / "manifest.json").read_text())


def clips(build: Build) -> list[Path]:
    return [build.media / EXPORT / b["clip"] for b in manifest(build)["beats"]]


def section_frames(build: Build) -> list[int]:
    """Every section's frame count as manim wrote it (``nb_frames`` in its section index), in
    lesson order, read from the cache entries the joined video is made of."""
    frames = []
    for scene in build.record()["scenes"]:
        index = build.part(scene).with_name(f"{scene['scene']}.sections.json")
        frames += [int(s["nb_frames"]) for s in json.loads(index.read_text())]
    return frames


def top_level_atoms(path: Path) -> list[str]:
    """The types of an MP4's top-level boxes, in file order."""
    atoms, data = [], path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:  # 64-bit size follows
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        elif size == 0:  # to the end of the file
            size = len(data) - offset
        assert size >= 8, f"{path}: bad box at {offset}"
        atoms.append(kind.decode("latin-1"))
        offset += size
    return atoms


def decoded(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def stream_duration(path: Path) -> Fraction:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.duration * stream.time_base


def mtimes(build: Build) -> dict[str, int]:
    folder = build.media / EXPORT
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


# -- what one export writes ----------------------------------------------------------------------
@pytest.mark.slow
def test_export_prints_a_line_per_beat(exported: Build):
    out = exported.run.stdout
    assert "joined: 3 rendered, 0 cached" in out  # rendered through the pipeline's cache
    for stem in STEMS:
        assert says(out, stem, "written in")
    assert "exported: 6 beats written, 0 unchanged" in out


@pytest.mark.slow
def test_every_clip_is_a_faststart_h264_cut_on_a_keyframe_with_its_sections_frames(exported: Build):
    paths = clips(exported)
    assert [p.name for p in paths] == [f"{s}.mp4" for s in STEMS]
    expected = section_frames(exported)
    assert len(paths) == len(expected)
    for path, frames in zip(paths, expected, strict=True):
        atoms = top_level_atoms(path)
        assert "moov" in atoms and "mdat" in atoms
        assert atoms.index("moov") < atoms.index("mdat"), f"{path.name}: {atoms} (not faststart)"
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert stream.codec_context.pix_fmt == "yuv420p"
            first = next(p for p in container.demux(stream) if p.size)
            assert first.is_keyframe, f"{path.name} does not start on a keyframe"
        images = decoded(path)
        assert len(images) == frames, path.name
        assert images[0].key_frame


@pytest.mark.slow
def test_clips_add_up_to_the_full_video(exported: Build):
    data = manifest(exported)
    full = stream_duration(exported.video)
    durations = [stream_duration(p) for p in clips(exported)]
    # Each clip's duration is exact (its movie time scale is its stream's); the joined video's
    # header, at manim's and the muxer's default of 1/1000 s, is rounded to a millisecond. A frame
    # too many or too few would be 67 ms at 15 fps.
    assert abs(sum(durations, Fraction(0)) - full) <= Fraction(1, 1000)
    assert [Fraction(b["exact_duration"]) for b in data["beats"]] == durations
    assert data["duration"] == pytest.approx(float(full), abs=1e-3)
    starts = [float(sum(durations[:i], Fraction(0))) for i in range(len(durations))]
    assert [b["start"] for b in data["beats"]] == pytest.approx(starts, abs=1e-6)
    assert [b["duration"] for b in data["beats"]] == pytest.approx([float(d) for d in durations], abs=1e-6)
    # The beats are the video's chapters.
    chapters = exported.record()["chapters"]
    assert [b["start"] for b in data["beats"]] == pytest.approx([c["start"] for c in chapters], abs=1e-3)


@pytest.mark.slow
def test_a_poster_is_the_last_frame_of_its_clip(exported: Build):
    data = manifest(exported)
    telling = 0  # beats whose last frame differs from another of their frames
    for beat in data["beats"]:
        frames = decoded(exported.media / EXPORT / beat["clip"])
        last = frames[-1].to_ndarray(format="rgb24")
        with Image.open(exported.media / EXPORT / beat["poster"]) as image:
            poster = np.asarray(image.convert("RGB"))
        assert poster.shape == last.shape
        assert np.array_equal(poster, last), beat["poster"]
        telling += any(not np.array_equal(f.to_ndarray(format="rgb24"), last) for f in frames[:-1])
    assert telling >= 3  # not trivially so: most beats fade something in or out


@pytest.mark.slow
def test_each_beat_of_the_lesson_has_its_narration_as_notes_and_its_summary(exported: Build):
    from mathcore import build_model

    model = build_model()
    beats = manifest(exported)["beats"]
    notes, summaries = [b["notes"] for b in beats], [b["summary"] for b in beats]
    # The tiny scenes' first two beats are the lesson's first two (same numbers and titles); the
    # others are not the lesson's beats, so they have no text.
    assert summaries[:2] == [model.beats[0].summary, model.beats[1].summary]
    for note, beat in zip(notes[:2], model.beats[:2]):  # the narration, sentence after sentence
        assert note == " ".join(s.text for s in beat.narration) and len(beat.narration) >= 2
    assert all(len(n) > 20 for n in notes[:2] + summaries[:2])
    assert notes[2:] == summaries[2:] == [""] * 4


@pytest.mark.slow
def test_the_manifest_lists_every_file_and_beat(exported: Build):
    folder = exported.media / EXPORT
    data = manifest(exported)
    assert data["title"] == "Backpropagation calculus"
    assert [b["number"] for b in data["beats"]] == [1, 2, 3, 4, 5, 6]
    assert [b["title"] for b in data["beats"]] == ["Backpropagation calculus", "The chain rule in one line",
                                                  "Middle one", "Middle two", "Closing one", "Closing two"]
    assert [b["frames"] for b in data["beats"]] == section_frames(exported)
    for beat in data["beats"]:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", beat["slug"])
        assert beat["clip"] == f"beats/{beat['number']:02d}-{beat['slug']}.mp4"
        assert beat["poster"] == f"beats/{beat['number']:02d}-{beat['slug']}.png"
    listed = {f["path"]: f["bytes"] for f in data["files"]}
    on_disk = {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}
    assert on_disk.pop("manifest.json")
    assert listed == on_disk
    beat_files = {name for b in data["beats"] for name in b["formats"].values()}
    assert {b["clip"] for b in data["beats"]} | {b["poster"] for b in data["beats"]} <= beat_files
    products = {name for p in data["products"].values() for name in p["files"]}
    assert {"contact-sheet.png", "deck.html", "deck.pptx", "index.html"} <= products
    assert set(listed) == beat_files | products
    # The lesson video, in the export (hard-linked): the gallery links it, and the folder travels whole.
    assert (folder / data["video"]).read_bytes() == exported.video.read_bytes()
    with Image.open(folder / "contact-sheet.png") as sheet:
        with Image.open(folder / data["beats"][0]["poster"]) as poster:
            assert sheet.width > 2 * 320 and sheet.height > poster.height * 320 // poster.width


# -- sound and captions ----------------------------------------------------------------------------
def narration_of(model, beat: dict) -> str:
    """The lesson model's narration of an exported beat, as one line of words: the tiny scenes'
    first two beats are the lesson's (same number and title), the others say nothing."""
    shown = model.beats[beat["number"] - 1] if beat["number"] <= len(model.beats) else None
    if shown is None or shown.title != beat["title"]:
        return ""
    return words(" ".join(s.text for s in shown.narration))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x ** 2))) if len(x) else 0.0


def subtitle_cues(path: Path) -> list[tuple[float, float, str]]:
    """An MP4's mov_text samples: a 16-bit length, then UTF-8 text, from its time for its duration."""
    with av.open(str(path)) as container:
        return [(float(p.pts * p.time_base), float((p.pts + p.duration) * p.time_base), bytes(p)[2:].decode())
                for p in container.demux(subtitles=0) if p.size > 2]


@pytest.mark.slow
def test_every_clip_has_its_video_copied_an_aac_track_as_long_and_a_subtitle_track(exported: Build):
    data = manifest(exported)
    lesson = packets(exported.video)  # the lesson video's frames, copied from the scenes too
    first = 0
    for beat, path in zip(data["beats"], clips(exported), strict=True):
        kinds = streams(path)
        assert [(t, c) for t, c, _ in kinds] == [("video", "h264"), ("audio", "aac"), ("subtitle", "mov_text")], \
            path.name
        video, audio = kinds[0][2], kinds[1][2]
        assert abs(audio - video) < 2e-3, (path.name, audio, video)  # sound over the whole clip, no more
        assert beat["audio"] == {"codec": "aac", "seconds": pytest.approx(audio, abs=1e-6)}
        # The pictures are the lesson video's packets, byte for byte, in its time scale: not re-encoded.
        assert packets(path) == lesson[first:first + beat["frames"]], path.name
        with av.open(str(path)) as clip, av.open(str(exported.video)) as whole:
            assert clip.streams.video[0].time_base == whole.streams.video[0].time_base
        first += beat["frames"]
    assert first == len(lesson)


@pytest.mark.slow
def test_a_clips_sound_is_the_lesson_videos_over_its_beat(exported: Build):
    whole = sound(exported.video)
    spoken = 0
    for beat, path in zip(manifest(exported)["beats"], clips(exported), strict=True):
        x = sound(path)
        n = round(beat["duration"] * RATE)
        assert n <= len(x) < n + 1024, path.name  # AAC decodes whole packets of 1024 samples
        x = x[:n]
        start = round(beat["start"] * RATE)
        y = whole[start:start + n]
        assert len(y) == n
        if rms(y) < 1e-4:  # nothing said in this stretch of the lesson: silence in the clip too
            assert rms(x) < 1e-4, path.name
            continue
        spoken += 1
        # The same samples, up to the codec (each AAC stream is encoded on its own): the difference
        # is small against the signal, which differs clearly from the lesson's sound just beside it.
        assert rms(x - y) < 0.05 * rms(y), (path.name, rms(x - y), rms(y))
        assert np.corrcoef(x, y)[0, 1] > 0.99, path.name
        later = whole[start + RATE // 4:start + RATE // 4 + n]
        assert rms(x[:len(later)] - later) > 0.5 * rms(y), path.name
    assert spoken == 2  # the lesson's two beats, both narrated


@pytest.mark.slow
def test_each_clips_captions_are_its_beats_narration_timed_from_its_start(exported: Build, model):
    folder = exported.media / EXPORT
    lesson = parse_vtt(exported.video.with_suffix(".vtt").read_text(encoding="utf-8"))
    data = manifest(exported)
    for beat, path in zip(data["beats"], clips(exported), strict=True):
        stem = path.with_suffix("")
        assert beat["captions"] == {"vtt": f"beats/{stem.name}.vtt", "srt": f"beats/{stem.name}.srt"}
        vtt = parse_vtt((folder / beat["captions"]["vtt"]).read_text(encoding="utf-8"))
        subs = [(c.start.total_seconds(), c.end.total_seconds(), c.content)
                for c in srt.parse((folder / beat["captions"]["srt"]).read_text(encoding="utf-8"))]
        inside = subtitle_cues(path)
        said = narration_of(model, beat)
        assert bool(said) == (beat["number"] <= 2)
        for cues in (vtt, subs, inside):
            assert all(0 <= a < b <= beat["duration"] + 1e-3 for a, b, _ in cues), (path.name, cues)
            assert all(b <= c + 1e-3 for (_, b, _), (c, _, _) in zip(cues, cues[1:])), path.name  # ordered, apart
            assert words(" ".join(t for _, _, t in cues)) == said, path.name
        # Timed as the lesson video's captions are, from the beat's start.
        start, end = beat["start"], beat["start"] + beat["duration"]
        expected = [t - start for a, b, _ in lesson if start - 1e-3 <= a < end for t in (a, b)]
        for cues in (vtt, inside):
            assert [t for a, b, _ in cues for t in (a, b)] == pytest.approx(expected, abs=2e-3), path.name
    # The lesson video's own captions travel with it.
    assert data["narrated"] is True
    assert data["captions"] == {"vtt": "backpropagation-calculus.vtt", "srt": "backpropagation-calculus.srt"}
    for name in data["captions"].values():
        assert (folder / name).read_bytes() == exported.video.with_name(name).read_bytes()


@pytest.mark.slow
def test_the_gallery_and_deck_carry_each_clips_captions(exported: Build):
    """Each video of the gallery has a caption track, and each slide of the HTML deck its
    captions, holding the beat's WebVTT file (as a data URL: browsers refuse .vtt files over
    file://). tests/test_browser.py checks a browser shows them."""
    folder = exported.media / EXPORT
    data = manifest(exported)
    gallery = (folder / "index.html").read_text(encoding="utf-8")
    deck = (folder / "deck.html").read_text(encoding="utf-8")
    tracks = re.findall(r'<video [^>]*src="([^"]+)"[^>]*><track kind="captions" srclang="en" label="English" '
                        r'default src="data:text/vtt;base64,([^"]+)"></video>', gallery)
    slides = re.findall(r'data-background-video="([^"]+)"\s+data-captions="data:text/vtt;base64,([^"]+)"', deck)
    for found in (tracks, slides):
        assert [clip for clip, _ in found] == [b["clip"] for b in data["beats"]]
        for (_, text), beat in zip(found, data["beats"], strict=True):
            assert base64.b64decode(text) == (folder / beat["captions"]["vtt"]).read_bytes()
    assert "data-background-video-muted" not in deck  # the first slide has something to say too


# -- incremental -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_second_export_rewrites_nothing(exported: Build, tmp_path: Path):
    build = fork(exported, tmp_path)
    before = mtimes(build)
    run = pipeline("export", *LOW, media=build.media, src=build.src)
    assert run.returncode == 0, run.stderr
    assert "up to date: 0 rendered, 3 cached" in run.stdout
    for stem in STEMS:
        assert says(run.stdout, stem, "unchanged")
    assert "export up to date: 0 beats written, 6 unchanged" in run.stdout
    assert mtimes(build) == before


@pytest.mark.slow
def test_changing_one_scene_rewrites_only_its_beats(exported: Build, tmp_path: Path):
    build = fork(exported, tmp_path)
    before = mtimes(build)
    tiny = build.src / PACKAGE / "tiny.py"
    code = tiny.read_text()
    assert code.count("self.wait(0.2)") == 1  # in Middle, beat 4
    tiny.write_text(code.replace("self.wait(0.2)", "self.wait(0.6)"))
    run = pipeline("export", *LOW, media=build.media, src=build.src)
    assert run.returncode == 0, run.stderr
    assert says(run.stdout, "Middle", "started")
    after = mtimes(build)
    assert sorted(after) == sorted(before)  # the same files: no beat renamed, none left behind
    changed = {name for name in after if after[name] != before[name]}
    data = manifest(build)
    middle = {name for b in data["beats"][2:4] for name in b["formats"].values()}
    assert {f"beats/{s}.{ext}" for s in ("03-middle-one", "04-middle-two") for ext in ("mp4", "png")} <= middle
    # The contact sheet, decks and gallery show every beat: written again.
    products = {name for p in data["products"].values() for name in p["files"]}
    assert changed == middle | products | {"manifest.json"}
    for stem in STEMS:
        assert says(run.stdout, stem, "written in" if "middle" in stem else "unchanged")
    beats = manifest(build)["beats"]
    assert beats[3]["frames"] == manifest(exported)["beats"][3]["frames"] + 6  # 0.4 s more at 15 fps
    assert beats[4]["start"] == pytest.approx(manifest(exported)["beats"][4]["start"] + 0.4)
    assert decoded_count(build.media / EXPORT / beats[3]["clip"]) == beats[3]["frames"]
    assert [p for p in build.media.rglob("*") if ".tmp-" in p.name] == []


@pytest.mark.slow
def test_asking_for_another_format_encodes_only_it(exported: Build, tmp_path: Path):
    build = fork(exported, tmp_path)
    before = mtimes(build)
    run = pipeline("export", *LOW, "--formats", "gif,webm", media=build.media, src=build.src)
    assert run.returncode == 0, run.stderr
    after = mtimes(build)
    new = sorted(set(after) - set(before))
    assert new == [f"beats/{s}.webm" for s in STEMS]
    changed = {name for name in before if after[name] != before[name]}
    data = manifest(build)
    products = {name for p in data["products"].values() for name in p["files"]}
    assert changed <= products | {"manifest.json"}  # no clip, poster or GIF again
    assert all(b["formats"]["webm"] == f"beats/{b['number']:02d}-{b['slug']}.webm" for b in data["beats"])
    # Dropping it again removes its files.
    run = pipeline("export", *LOW, media=build.media, src=build.src)
    assert run.returncode == 0, run.stderr
    assert sorted(mtimes(build)) == sorted(before)
    assert "6 old files removed" in run.stdout


def tone_like(path: Path, model_wav: Path, hz: float) -> Path:
    """A WAV of a pure tone exactly as long as ``model_wav`` (same rate, same number of samples)."""
    with wave.open(str(model_wav), "rb") as w:
        rate, frames = w.getframerate(), w.getnframes()
    path = tones(path, 1, hz, seconds=(frames + 0.5) / rate, gap=0.0, rate=rate)  # int(seconds * rate) == frames
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnframes()) == (rate, frames)
    return path


@pytest.mark.slow
def test_a_new_take_recuts_only_its_beats_clip(exported: Build, tmp_path: Path):
    """A take of beat 1's first sentence, as long as the scratch voice's: no scene's timing
    changes, so nothing renders, but the lesson video is joined again and beat 1's clip is cut
    again with the take in it; the other beats' files stay as they were."""
    build = fork(exported, tmp_path)
    plans = [json.loads(p.read_text()) for p in (build.media / "cache" / "narration").glob("*.json")]
    (plan,) = [p for p in plans if "said" in p]
    first = next(s for s in plan["said"] if s["number"] == 1)
    before = mtimes(build)
    tone_like(build.src / TAKES / "01-backpropagation-calculus.1.wav", Path(first["audio"]), 660.0)
    run = pipeline("export", *LOW, media=build.media, src=build.src)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "joined: 0 rendered, 3 cached" in run.stdout and "1 from takes" in run.stdout
    for stem in STEMS:
        assert says(run.stdout, stem, "written in" if stem.startswith("01-") else "unchanged"), run.stdout
    after = mtimes(build)
    changed = {name for name in after if after[name] != before.get(name)}
    data = manifest(build)
    products = {name for p in data["products"].values() for name in p["files"]}
    assert changed == set(data["beats"][0]["formats"].values()) | products | {"manifest.json"}
    mark = marks_of(build)["marks"][0]
    assert (mark["beat"], mark["time"]) == ("title", pytest.approx(0.0, abs=0.1))
    assert share(sound(clips(build)[0]), mark["time"] + 0.1, 660.0) > 0.9  # the take, in the clip
    assert share(sound(clips(exported)[0]), mark["time"] + 0.1, 660.0) < 0.5  # the voice, before


@pytest.mark.slow
def test_the_silent_export_has_no_sound_and_no_captions(exported: Build, tmp_path: Path):
    build = fork(exported, tmp_path)
    run = pipeline("export", *LOW, "--narration", "none", media=build.media, src=build.src)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "(silent)" in run.stdout
    folder = build.media / EXPORT
    data = manifest(build)
    for path in clips(build):
        assert [t for t, _, _ in streams(path)] == ["video"], path.name
    assert sorted(p.name for p in folder.rglob("*") if p.suffix in (".vtt", ".srt")) == []
    assert data["narrated"] is False and data["captions"] is None
    assert all(b["audio"] is None and b["captions"] is None for b in data["beats"])
    assert "<track" not in (folder / "index.html").read_text(encoding="utf-8")
    assert "data-captions" not in (folder / "deck.html").read_text(encoding="utf-8")
    assert f"{2 * len(STEMS) + 2} old files removed" in run.stdout  # the clips' captions and the lesson's


def decoded_count(path: Path) -> int:
    return len(decoded(path))


@pytest.mark.slow
def test_another_lesson_file_exports_into_its_own_folder(exported: Build, tmp_path: Path):
    build = fork(exported, tmp_path)
    before = mtimes(build)
    run = pipeline("export", *LOW, "--lesson", str(OTHER_LESSON), media=build.media, src=build.src)
    assert run.returncode == 0, run.stderr
    folder = build.media / "lesson-other_lesson" / "low" / "export"
    data = json.loads((folder / "manifest.json").read_text())
    assert data["lesson"] == "other-numbers"
    assert data["beats"][0]["title"] == "Backpropagation calculus, other numbers"
    assert data["beats"][0]["clip"] == "beats/01-backpropagation-calculus-other-numbers.mp4"
    assert all((folder / f["path"]).is_file() for f in data["files"])
    assert "exported: 6 beats written" in run.stdout
    assert mtimes(build) == before  # the default lesson's export is untouched


@pytest.mark.slow
def test_a_disk_too_full_for_the_export_is_one_line(exported: Build, tmp_path: Path):
    """Everything rendered, but no room for the clips: one line, exit 2, nothing half-written."""
    export = exported.media / EXPORT
    kept = [p for p in exported.media.rglob("*") if p.is_file() and export not in p.parents]
    used = sum(-(-p.stat().st_size // 4096) * 4096 for p in kept)  # tmpfs gives whole 4 KB pages
    with small_disk(tmp_path / "small", f"{used // 1024 + 8}k") as disk:
        media = disk / "media"
        shutil.copytree(exported.media, media, ignore=shutil.ignore_patterns("export"))
        run = pipeline("export", *LOW, media=media, src=exported.src, timeout=60)
        line = _disk_full_error(run, media)
        assert "exporting the beats needs roughly" in line
        assert [p for p in media.rglob("*") if ".tmp-" in p.name] == []
        assert not (media / EXPORT / "manifest.json").exists()


# -- errors and names ------------------------------------------------------------------------------
@pytest.mark.parametrize("args,fragment", [
    (("--quality", "bogus"), "unknown quality 'bogus'"),
    (("--lesson", "no/such/lesson.toml"), "no/such/lesson.toml"),
    (("--jobs", "0"), "--jobs must be at least 1"),
    (("extra",), "unrecognized arguments: extra"),
    (("--formats", "gif,mov"), "mov"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], fragment: str):
    src = copy_scenes(tmp_path / "src")
    run = pipeline("export", *args, media=tmp_path / "media", src=src)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], run.stderr
    assert not (tmp_path / "media" / EXPORT).exists()


def test_slugs_are_ascii_lowercase_and_hyphens():
    assert slug("02 The chain rule, in one line!") == "the-chain-rule-in-one-line"
    assert slug("Σ over paths: Über-δ  (part 2)") == "over-paths-uber-part-2"
    assert slug("∂C/∂w") == "c-w"
    assert slug("06 The output's desire") == slug("The output’s desire") == "the-outputs-desire"
    assert slug("???") == "beat"
    assert beat_title("07 The cost", 7) == "The cost"
    assert beat_title("7 ways", 3) == "7 ways"


def _glyph(font, text: str) -> np.ndarray:
    image = Image.new("L", (64, 40))
    ImageDraw.Draw(image).text((8, 8), text, font=font, fill=255)
    return np.asarray(image)


def test_the_contact_sheets_labels_have_a_glyph_for_each_letter_of_a_title(tmp_path: Path):
    """A lesson's titles in German, Greek and Russian: each letter drawn as itself, not as the box a
    font without it draws (the glyph of a private-use code point no font has). Pillow's own font,
    the sheet's before, drew ü, δ and ′ as that box."""
    title = "Rückwärts: die Kettenregel – δ und σ′ (обратно)"
    font = label_font([title], 16)
    missing = _glyph(font, "\U0010fffd")
    boxes = [ch for ch in set(title) - {" "} if np.array_equal(_glyph(font, ch), missing)]
    assert boxes == []
    # and the sheet draws its labels with it: the label strip of a sheet of one black poster
    poster = tmp_path / "poster.png"
    Image.new("RGB", (427, 240)).save(poster)
    write_contact_sheet([(1, title, poster)], tmp_path / "sheet.png")
    with Image.open(tmp_path / "sheet.png") as sheet:
        label = np.asarray(sheet.convert("L"))[8:8 + 26]
    assert (label < 128).sum() > 200  # dark text on white
