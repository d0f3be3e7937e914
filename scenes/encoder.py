"""How the scenes' frames are encoded: x264's preset and tuning for each quality.

Manim 0.21 encodes every animation's frames with libx264 at a constant rate factor of 23 and
libx264's default preset (``medium``), whatever the quality (``SceneFileWriter.open_partial_movie_stream``).
:func:`install` (done by :mod:`scenes.base`) adds the options of :data:`X264` for the quality being
rendered to manim's own, before the first frame is encoded; a quality not in the table, another
codec (``--format webm``, transparency) or a ``.mov`` keeps manim's settings.

The table comes from ``make bench-encoder`` (``scripts/bench_encoder.py``): the lesson's own
frames, drawn at each quality, encoded with every preset and tuning, timed and compared with
what was drawn. The README ("Speed", "Encoder settings") has the figures and the reasons.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# Manim's own options for an .mp4's libx264 stream (its "an" only says: no audio).
MANIM_X264 = {"an": "1", "crf": "23"}

# Options added to manim's, by manim's name of the quality (config.quality). Measured on the
# lesson's frames (make bench-encoder, 2026-12-03; the README has the table and the rule): the
# least CPU among the settings at least as faithful to the drawn strokes as manim's own (libx264's
# default preset, medium) and at most twice its size. superfast spends more bits at crf 23 than
# the slower presets, so thin coloured strokes keep more of their colour, for 29 %, 17 % and 47 %
# less CPU at low, medium and high (files 1.5-1.8 times manim's: about 8, 13 and 25 MB for the
# default lesson). At low, tune=animation costs no more CPU and keeps 1.6 dB more of the strokes;
# at medium it would make the file more than twice manim's, at high cost a third more CPU.
# 4k was not measured (the bench would take over an hour at its size): it follows high.
X264: dict[str, dict[str, str]] = {
    "low_quality": {"preset": "superfast", "tune": "animation"},
    "medium_quality": {"preset": "superfast"},
    "high_quality": {"preset": "superfast"},
    "fourk_quality": {"preset": "superfast"},
}


def x264_options(quality: str | None) -> dict[str, str]:
    """Every libx264 option a render at manim's ``quality`` (``"low_quality"``...) encodes with."""
    return {**MANIM_X264, **X264.get(quality or "", {})}


def written_options(video: Path) -> str | None:
    """The ``options:`` line libx264 writes into the first packet of what it encodes (every setting
    it used: what a video was really encoded with), or ``None`` if there is none."""
    import av

    with av.open(str(video)) as container:
        for packet in container.demux(container.streams.video[0]):
            found = re.search(rb"x264 - core .*? options: ([^\x00]*)", bytes(packet))
            return found.group(1).decode("ascii", "replace") if found else None
    return None


def _open_with_our_options(self: Any, file_path: Any = None) -> None:
    from manim import config

    _open(self, file_path)
    stream = self._current_encode_job.stream
    if stream.codec_context.name == "libx264":
        # The codec is opened at the first frame: options set now are the ones it uses.
        stream.options = {**stream.options, **X264.get(config.quality or "", {})}


_open: Any = None


def install() -> None:
    """Encode with :data:`X264`'s options (idempotent; :mod:`scenes.base` does it)."""
    global _open
    from manim.scene.scene_file_writer import SceneFileWriter

    if SceneFileWriter.open_partial_movie_stream is not _open_with_our_options:
        _open = SceneFileWriter.open_partial_movie_stream
        SceneFileWriter.open_partial_movie_stream = _open_with_our_options  # type: ignore[method-assign]


def uninstall() -> None:
    """Manim's own encoder settings again."""
    from manim.scene.scene_file_writer import SceneFileWriter

    if _open is not None:
        SceneFileWriter.open_partial_movie_stream = _open  # type: ignore[method-assign]


def installed() -> bool:
    from manim.scene.scene_file_writer import SceneFileWriter

    return SceneFileWriter.open_partial_movie_stream is _open_with_our_options
