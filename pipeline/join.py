"""Join scene videos into one without re-encoding: PyAV remuxes their packets, shifted in time.

All parts must share codec, frame size, pixel format and time base (scenes rendered at one
quality do). The chapters are written into the MP4 too, where players show them, and a narrated
build's sound (AAC) and captions (``mov_text``) in the same pass. The video is
written under a temporary name in its folder and renamed over the old one when complete, so a
failed or interrupted join leaves the previous video as it was. PyAV is imported only here, and
only when a video is joined.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.captions import Cue, window
from pipeline.chapters import Chapter
from pipeline.errors import PipelineError
from pipeline.fsutil import show_path, temp_sibling

if TYPE_CHECKING:
    import numpy as np
    from av.container import InputContainer, OutputContainer
    from av.video.stream import VideoStream

CHAPTER_TIME_BASE = Fraction(1, 1000)


@dataclass(frozen=True)
class Sound:
    """A joined video's narration: the track (mono int16 samples at
    :data:`pipeline.audio.TRACK_RATE`) and its captions."""

    samples: np.ndarray
    cues: Sequence[Cue]

    def window(self, start: float, end: float) -> Sound:
        """The track from ``start`` to ``end`` seconds (a beat's clip): its samples, padded with
        silence to the window's length if the track ends sooner, and the cues shown then, timed
        from ``start`` (:func:`pipeline.captions.window`)."""
        from pipeline.audio import TRACK_RATE, fit

        return Sound(fit(self.samples[round(start * TRACK_RATE):], end - start), window(self.cues, start, end))


Signature = tuple[str, int, int, str, Fraction | None]


def video_duration(path: Path) -> Fraction:
    """The length of an MP4's video stream in seconds, from its header (exact)."""
    return stream_duration(path, "video")


def stream_duration(path: Path, kind: str) -> Fraction:
    """The length of the first ``kind`` (``"video"``, ``"audio"``) stream of an MP4 in seconds,
    from its header (exact)."""
    import av

    with av.open(str(path)) as container:
        found = [s for s in container.streams if s.type == kind]
        if not found or found[0].duration is None or found[0].time_base is None:
            raise PipelineError(f"{show_path(path)}: no {kind} stream with a duration")
        return found[0].duration * found[0].time_base


def join_videos(parts: Sequence[Path], starts: Sequence[Fraction], out: Path, chapters: Sequence[Chapter],
                end: Fraction, sound: Sound | None = None, sound_store: Path | None = None) -> None:
    """Write ``parts`` one after the other into ``out``, part ``i`` starting at ``starts[i]``
    seconds, with ``chapters`` (the last one ending at ``end``) and, if given, ``sound``: the
    narration track's samples (AAC) and its captions (``mov_text``), interleaved with the video
    (:func:`pipeline.audio.add_sound`; its AAC kept in and taken from ``sound_store`` if given)."""
    import av

    from pipeline.audio import add_sound, fit, packets_of

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(out)
    try:
        with av.open(str(tmp), "w", options={"movflags": "+faststart"}) as output:
            with av.open(str(parts[0])) as container:
                template = container.streams.video[0]
                out_stream = output.add_stream_from_template(template)
                first = _signature(template)
            others = add_sound(output, fit(sound.samples, float(end)), sound.cues, sound_store) if sound else deque()
            for path, start in zip(parts, starts, strict=True):
                with av.open(str(path)) as container:
                    stream = container.streams.video[0]
                    if _signature(stream) != first:
                        raise PipelineError(
                            f"cannot join {show_path(path)} to {show_path(parts[0])} without re-encoding: "
                            f"{_signature(stream)} differs from {first}; render both at one quality"
                        )
                    _append(output, out_stream, container, stream, start, others)
            output.mux(packets_of(others))
            if chapters:
                output.set_chapters(_av_chapters(chapters, end))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _append(output: OutputContainer, out_stream: Any, container: InputContainer, stream: VideoStream,
            start: Fraction, others: deque) -> None:
    """Copy every packet of ``stream`` into ``out_stream``, ``start`` seconds later, after the
    packets of ``others`` (sound, captions) due before it."""
    from pipeline.audio import interleave

    assert stream.time_base is not None
    shift = round(start / stream.time_base)
    for packet in container.demux(stream):
        if packet.dts is None or packet.pts is None:  # the demuxer's flush packet
            continue
        packet.pts += shift
        packet.dts += shift
        packet.stream = out_stream
        interleave(output, packet, others, stream.time_base)


def _signature(stream: VideoStream) -> Signature:
    ctx = stream.codec_context
    return (ctx.name, ctx.width, ctx.height, str(ctx.pix_fmt), stream.time_base)


def _av_chapters(chapters: Sequence[Chapter], end: Fraction) -> list[Any]:
    """Chapters as PyAV takes them, in milliseconds, each ending where the next starts."""
    ends = [c.start for c in chapters[1:]] + [end]
    return [
        {"id": i + 1, "start": round(c.start / CHAPTER_TIME_BASE), "end": round(e / CHAPTER_TIME_BASE),
         "time_base": CHAPTER_TIME_BASE, "metadata": {"title": c.title}}
        for i, (c, e) in enumerate(zip(chapters, ends, strict=True))
    ]
