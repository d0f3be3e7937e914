"""The scenes encode with x264's options for their quality (scenes.encoder), as the bench's floor does.

The options a stream was encoded with are read back from the ``options:`` line x264 writes into
its first packet, and compared with the line of a clip PyAV encodes directly with the options
expected: an independent encoding, not scenes.encoder's own account of what it set.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from manim import FadeIn, Scene, Square, tempconfig

from scenes import encoder


def options_line(video: Path) -> str:
    line = encoder.written_options(video)
    assert line, f"{video}: no x264 options in its first packet"
    return line


def encoded_directly(options: dict[str, str], path: Path, width: int, height: int, fps: int) -> str:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps), options=options)
        stream.pix_fmt, stream.width, stream.height = "yuv420p", width, height
        frame = np.zeros((height, width, 4), np.uint8)
        for _ in range(3):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgba")))
        container.mux(stream.encode(None))
    return options_line(path)


class _Tiny(Scene):
    def construct(self):
        self.play(FadeIn(Square()), run_time=0.5)


def rendered(tmp_path: Path, quality: str) -> Path:
    with tempconfig({"media_dir": str(tmp_path), "quality": quality, "disable_caching": True,
                     "verbosity": "WARNING", "progress_bar": "none"}):
        scene = _Tiny()
        scene.render()
        return Path(scene.renderer.file_writer.movie_file_path)


@pytest.mark.parametrize("added", [{}, {"preset": "veryfast", "tune": "animation"}, {"preset": "slow"}])
def test_a_render_encodes_with_the_options_of_its_quality(tmp_path, monkeypatch, added):
    import scenes.base  # noqa: F401  (installs it, as every lesson scene does)

    assert encoder.installed()
    monkeypatch.setitem(encoder.X264, "low_quality", added)
    video = rendered(tmp_path, "low_quality")
    expected = encoded_directly({"crf": "23", **added}, tmp_path / "direct.mp4", 854, 480, 15)
    assert options_line(video) == expected
    if added:  # and the options did change something: not manim's own line
        assert expected != encoded_directly({"crf": "23"}, tmp_path / "manim.mp4", 854, 480, 15)


def test_uninstalled_the_render_is_manims_own(tmp_path, monkeypatch):
    import scenes.base  # noqa: F401

    monkeypatch.setitem(encoder.X264, "low_quality", {"preset": "ultrafast"})
    encoder.uninstall()
    try:
        assert not encoder.installed()
        video = rendered(tmp_path, "low_quality")
    finally:
        encoder.install()
    assert options_line(video) == encoded_directly({"crf": "23"}, tmp_path / "manim.mp4", 854, 480, 15)


def test_every_quality_of_the_pipeline_has_its_settings():
    from pipeline.quality import QUALITIES

    manim_names = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality", "4k": "fourk_quality"}
    assert set(manim_names) == set(QUALITIES)
    for name in manim_names.values():
        options = encoder.x264_options(name)
        assert options["crf"] == "23" and options["an"] == "1"
        assert set(options) <= {"an", "crf", "preset", "tune"}
