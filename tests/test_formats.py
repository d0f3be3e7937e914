"""Derived formats of a beat (``pipeline.formats``): GIF, animated WebP and WebM made from a clip.

The clip is made here with PyAV as manim makes its videos (H.264, yuv420p, 30 fps): 3 s of a disc
moving right over a dark background for 2 s, then still for 1 s (as a manim pause). Each format is
read back with another reader than the one that wrote it where one exists (the WebP's frames and
durations from its RIFF chunks; the WebM with PyAV's decoder) and checked against what the clip
should give, computed here from how the clip was drawn.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from pipeline.errors import PipelineError
from pipeline.formats import (DEFAULT_FORMATS, FORMATS, FRAME_RATE, KNOWN, SIZE_LIMIT, TYPICAL_BEAT, derived,
                              parse_formats)

FPS = 30
FRAMES = 90  # 3 s
STILL_FROM = 60  # the disc stops at frame 60: the last second is still
SIZE = (960, 540)  # scaled down to 640 x 360 by GIF and WebP
DURATION = Fraction(FRAMES, FPS)



def drawn(index: int) -> np.ndarray:
    """Frame ``index`` of the clip: a bar, and a disc at a place that depends on the frame."""
    width, height = SIZE
    y, x = np.mgrid[0:height, 0:width]
    image = np.empty((height, width, 3), np.uint8)
    image[:] = (20, 20, 30)
    image[400:440, 100:860] = (250, 200, 60)
    cx = 100 + 10 * min(index, STILL_FROM)
    image[(x - cx) ** 2 + (y - 270) ** 2 < 60 ** 2] = (80, 180, 250)
    return image


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("formats") / "01-moving-disc.mp4"
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=FPS, options={"crf": "23"})
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        for i in range(FRAMES):
            frame = av.VideoFrame.from_ndarray(drawn(i), format="rgb24")
            frame.pts = i
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def made(clip: Path) -> dict[str, Path]:
    """Every derived format of the clip, made once."""
    outputs = {}
    for name, fmt in FORMATS.items():
        outputs[name] = clip.with_suffix(fmt.extension)
        fmt.encode(clip, outputs[name])
    return outputs


def expected_stills() -> int:
    """How many different pictures an animation at FRAME_RATE shows: the clip's frame at each
    sample time (the last one that started), counting the still second once."""
    samples = math.ceil(DURATION * FRAME_RATE)
    shown = {min(math.floor(Fraction(k) / FRAME_RATE * FPS), STILL_FROM) for k in range(samples)}
    return len(shown)


@pytest.fixture(scope="module")
def first(clip: Path) -> Image.Image:
    """The clip's first frame as decoded."""
    with av.open(str(clip)) as container:
        return next(container.decode(video=0)).to_image()


def pixels(image: Image.Image, size: tuple[int, int] | None = None) -> np.ndarray:
    """An image's RGB values, scaled to ``size`` by Pillow (not by PyAV, which the encoders use)."""
    image = image.convert("RGB")
    return np.asarray(image if size is None else image.resize(size, Image.Resampling.BOX), dtype=float)


def webp_frames(path: Path) -> list[int]:
    """The duration (ms) of every frame of an animated WebP, from its ANMF chunks."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    durations, offset = [], 12
    while offset + 8 <= len(data):
        kind, size = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        if kind == b"ANMF":
            body = data[offset + 8:offset + 8 + 16]
            durations.append(int.from_bytes(body[12:15], "little"))
        offset += 8 + size + (size & 1)
    return durations


def gif_frames(path: Path) -> list[int]:
    """The delay (ms) of every frame of a GIF, as Pillow reads it."""
    with Image.open(path) as image:
        delays = []
        for i in range(image.n_frames):
            image.seek(i)
            delays.append(image.info["duration"])
    return delays


def check_timing(delays: list[int], unit_ms: int) -> None:
    frame_ms = 1000 / FRAME_RATE
    assert len(delays) == expected_stills()
    assert all(d > 0 for d in delays)
    assert all(d % unit_ms == 0 for d in delays)
    assert abs(sum(delays) - 1000 * DURATION) < frame_ms
    # every picture but the still one shows for one sample, to within the delay's unit
    assert all(abs(d - frame_ms) <= unit_ms for d in delays[:-1])
    assert delays[-1] >= 1000 * (DURATION - Fraction(STILL_FROM, FPS)) - frame_ms


def test_gif_timing(made: dict[str, Path]) -> None:
    check_timing(gif_frames(made["gif"]), unit_ms=10)


def test_webp_timing(made: dict[str, Path]) -> None:
    check_timing(webp_frames(made["webp"]), unit_ms=1)


@pytest.mark.parametrize("name", ["gif", "webp"])
def test_animation_pictures(made: dict[str, Path], first: Image.Image, name: str) -> None:
    with Image.open(made[name]) as image:
        assert image.size == (640, 360)
        assert image.info.get("loop") == 0
        start = pixels(image)
        image.seek(image.n_frames - 1)
        end = pixels(image)
    assert np.abs(start - pixels(first, (640, 360))).mean() < 2
    # the disc moved: the last picture is not the first
    assert np.abs(end - start).mean() > 1


def test_webm(made: dict[str, Path], first: Image.Image) -> None:
    with av.open(str(made["webm"])) as container:
        assert not container.streams.audio
        stream = container.streams.video[0]
        assert stream.codec_context.name == "vp9"
        assert (stream.codec_context.width, stream.codec_context.height) == SIZE
        frames = list(container.decode(stream))
        assert container.duration is not None
        duration = Fraction(container.duration, av.time_base)
    assert len(frames) == FRAMES
    times = [Fraction(f.pts) * f.time_base for f in frames]
    assert times[0] == 0 and all(b > a for a, b in zip(times, times[1:]))
    assert abs(duration - DURATION) < Fraction(1, FPS)
    assert np.abs(pixels(frames[0].to_image()) - pixels(first)).mean() < 2


def test_webm_of_a_clip_with_sound_has_it_as_opus(clip: Path, tmp_path: Path) -> None:
    """A narrated beat's clip has AAC sound: the WebM has it as Opus (WebM's Vorbis has no encoder
    in PyAV's FFmpeg), as long as the clip, the same tone."""
    from pipeline.audio import TRACK_RATE, mux_samples

    hz, level = 440.0, 0.25
    tone = (level * 32767 * np.sin(2 * np.pi * hz * np.arange(int(DURATION * TRACK_RATE)) / TRACK_RATE))
    narrated = tmp_path / "narrated.mp4"
    mux_samples(clip, tone.astype(np.int16), [], narrated)
    FORMATS["webm"].encode(narrated, tmp_path / "narrated.webm")
    with av.open(str(tmp_path / "narrated.webm")) as container:
        assert [(s.type, s.codec_context.name) for s in container.streams] == [("video", "vp9"), ("audio", "opus")]
        sound = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]).astype(float)
    assert abs(len(sound) / 48000 - float(DURATION)) < 0.025  # Opus codes 20 ms packets
    middle = sound[len(sound) // 4:3 * len(sound) // 4]
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(len(middle))))
    assert abs(np.fft.rfftfreq(len(middle), 1 / 48000)[spectrum.argmax()] - hz) < 5
    assert np.sqrt(np.mean(middle ** 2)) == pytest.approx(level / np.sqrt(2), rel=0.1)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_size_for_a_typical_beat(made: dict[str, Path], name: str) -> None:
    """The clip's size per second, over a typical beat, is under the format's limit (the clip
    moves for two thirds of its time; a lesson's beats pause more)."""
    per_second = made[name].stat().st_size / DURATION
    assert per_second * TYPICAL_BEAT < SIZE_LIMIT[name]


def test_written_atomically(clip: Path, tmp_path: Path) -> None:
    """A failing encode leaves nothing, not even its temporary file; a good one only its output."""
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    for fmt in FORMATS.values():
        with pytest.raises(Exception):
            fmt.encode(broken, tmp_path / f"x{fmt.extension}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.mp4"]


def test_parse_formats() -> None:
    assert parse_formats("") == DEFAULT_FORMATS
    assert DEFAULT_FORMATS[:2] == ("mp4", "png")
    assert parse_formats("mp4,png") == ("mp4", "png")
    assert parse_formats(" WebP , gif,gif") == ("mp4", "png", "gif", "webp")
    assert parse_formats("webm") == ("mp4", "png", "webm")
    assert set(parse_formats("all")) == set(KNOWN) == {"mp4", "png", "gif", "webp", "webm"}
    assert [f.name for f in derived(parse_formats("webm,gif"))] == ["gif", "webm"]
    extensions = [f.extension for f in FORMATS.values()]
    assert len(set(extensions)) == len(extensions) and all(e.startswith(".") for e in extensions)


@pytest.mark.parametrize("text", ["gif,mov", "avi", "gif;webp"])
def test_parse_formats_unknown(text: str) -> None:
    with pytest.raises(PipelineError) as error:
        parse_formats(text)
    message = str(error.value)
    assert "\n" not in message
    assert all(name in message for name in KNOWN)
