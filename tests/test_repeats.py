"""Waits converted once (scenes/repeats.py) encode to the same bytes as manim's frame-by-frame way.

Frames with shapes, thin coloured strokes and noise (so the codec has detail to spend bits on)
are put through manim's own encode job, as a scene puts them (one frame, then a frame lasting
several), once with the speed-up and once without, at each quality's size and x264 settings and
with VP9 (manim's codec for ``--format webm``). The packets must be the same, byte for byte, with
the same timestamps, and decode to the number of frames put in.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from manim.scene.scene_file_writer import _PartialMovieEncodeJob

from scenes import repeats
from scenes.encoder import x264_options

# (frame index, how many frames it lasts): a scene's animation frames and waits, as manim hands them
SEQUENCE = [(0, 1), (1, 1), (2, 5), (3, 1), (0, 3), (4, 2), (4, 1)]


def frames(width: int, height: int) -> list[np.ndarray]:
    rng = np.random.default_rng(12)
    made = []
    for i in range(5):
        frame = np.zeros((height, width, 4), np.uint8)
        frame[..., 3] = 255
        frame[20 + 9 * i:height // 2, 30:width // 3 + 11 * i] = (200, 60 + 30 * i, 40, 255)
        frame[height // 2 + i::7, :, :3] = (10, 180, 255)  # thin coloured strokes
        frame[-height // 4:, -width // 4:, :3] = rng.integers(0, 255, (height - 3 * height // 4, width - 3 * width // 4, 3))
        made.append(frame)
    return made


def packets(path: Path) -> list[tuple[bytes, int | None, int | None, bool]]:
    """The video's packets (the container's own header has a random id and a date in WebM)."""
    with av.open(str(path)) as video:
        return [(bytes(p), p.pts, p.dts, p.is_keyframe) for p in video.demux(video=0) if p.size]


def encode(path: Path, codec: str, pix_fmt: str, options: dict[str, str], size: tuple[int, int], fast: bool) -> list:
    width, height = size
    drawn = frames(width, height)
    (repeats.install if fast else repeats.uninstall)()
    try:
        container = av.open(str(path), mode="w")
        stream = container.add_stream(codec, rate=15, options=dict(options))
        stream.pix_fmt, stream.width, stream.height = pix_fmt, width, height
        job = _PartialMovieEncodeJob(path=path, animation_index=0, container=container, stream=stream,
                                     frame_queue_size=0)
        for index, count in SEQUENCE:
            job.put(count, drawn[index])
        job.seal()
        job.join()
    finally:
        repeats.install()
    return packets(path)


@pytest.mark.parametrize("codec, pix_fmt, quality, size", [
    ("libx264", "yuv420p", "low_quality", (854, 480)),  # an odd chroma width (427)
    ("libx264", "yuv420p", "medium_quality", (1280, 720)),
    ("libvpx-vp9", "yuv420p", None, (320, 180)),
])
def test_repeated_frames_encode_to_the_same_packets(tmp_path, codec, pix_fmt, quality, size):
    options = x264_options(quality) if codec == "libx264" else {"an": "1", "crf": "23", "-auto-alt-ref": "1"}
    suffix = ".mp4" if codec == "libx264" else ".webm"
    plain = encode(tmp_path / f"plain{suffix}", codec, pix_fmt, options, size, fast=False)
    fast = encode(tmp_path / f"fast{suffix}", codec, pix_fmt, options, size, fast=True)
    with av.open(str(tmp_path / f"fast{suffix}")) as video:
        decoded = [frame.to_ndarray(format="rgb24") for frame in video.decode(video=0)]
    assert len(decoded) == sum(count for _, count in SEQUENCE)
    assert not np.array_equal(decoded[1], decoded[2])
    assert len(plain) == len(decoded)
    assert plain == fast


def test_the_scenes_install_it():
    import scenes.base  # noqa: F401

    assert repeats.installed()
