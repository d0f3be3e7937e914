"""Derived formats of a beat: each made from the beat's clip (``.mp4``) into one file beside it.

For slides that cannot play an MP4: an animated GIF (plays everywhere) or animated WebP, both
smaller and slower than the clip (``FRAME_RATE`` frames per second, ``WIDTH`` pixels wide), both
silent, and a WebM (VP9, with the clip's sound as Opus if it has any) at the clip's own size and
frame rate, for web pages that prefer it. (Not Vorbis, WebM's other audio codec: the FFmpeg in
PyAV's wheels has no Vorbis encoder. No captions: WebM's subtitle tracks are WebVTT, which browsers
do not show from inside the file; the beat's ``.vtt`` beside it is for a ``<track>``.)

Every format has a name, an extension, a one-line description, a size limit (``SIZE_LIMIT``: what
a typical beat, ``TYPICAL_BEAT`` seconds of the lesson at 720p, stays under; the tests hold the
encoders to it on a synthetic clip) and ``encode(clip, out)``, which writes ``out`` under a
temporary name and renames it.

GIF and WebP keep the clip's timing exactly: frame ``k`` is the clip's frame shown at ``k /
FRAME_RATE`` seconds, shown until the next one, the last held to the clip's end; a frame equal to
the one before it (to within ``SAME`` levels) only lengthens that one, so manim's pauses cost
nothing. Delays are rounded on the cumulative time (GIF counts in hundredths of a second, WebP in
milliseconds), so they add up to the clip's duration whatever the rounding of each one.

The GIF's palette is one per clip, adaptive: made from a montage of frames spread over the clip
(manim draws flat colours on a dark background, so 256 colours chosen from the clip itself hold
its colours and their anti-aliased edges), and applied without dithering (dithering would add
noise to flat areas and make every frame differ from the one before).

``mp4`` and ``png`` are the export's own files (the clip and its poster): always made, and
accepted in ``FORMATS=`` so that the default can be written out.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write, show_path

if TYPE_CHECKING:
    from pipeline.audio import Timed

WIDTH = 640  # GIF and WebP width, in pixels (the height keeps the clip's aspect ratio, even)
FRAME_RATE = Fraction(25, 2)  # GIF and WebP frames per second: 12.5, so a GIF delay is 8/100 s exactly
# Frames that differ by no more than this in any channel of any pixel are one: H.264 keeps refining
# a still picture (its decoded frames differ by up to 13 levels), a moving shape's edges differ by a
# hundred or more, and a fade is kept in steps of at most SAME.
SAME = 24
PALETTE_SAMPLES = 24  # frames spread over the clip that the GIF's palette is made from
MB = 1_000_000
TYPICAL_BEAT = 20  # seconds
BASE_FORMATS = ("mp4", "png")  # the export's clip and poster: always made


@dataclass(frozen=True)
class Format:
    """A file made from one beat's clip."""

    name: str  # as written in FORMATS=
    extension: str  # with its dot
    description: str
    size_limit: int  # bytes: a typical beat (TYPICAL_BEAT seconds at 720p) stays under it
    encode: Callable[[Path, Path], None]  # (clip, out): writes out atomically
    made_with: str  # the settings the file depends on besides the clip: a file made with others is stale


# -- reading the clip --------------------------------------------------------------------------
@dataclass
class Still:
    """A frame of an animation: a picture and when it starts to show (seconds from the start)."""

    image: Any  # PIL.Image.Image, RGB
    start: Fraction


def clip_duration(container: Any) -> Fraction:
    """The clip's duration in seconds, from its video stream (the export cuts clips to the next
    beat's start exactly; the stream's duration records that)."""
    stream = container.streams.video[0]
    if stream.duration is None or stream.time_base is None:
        raise PipelineError(f"{container.name}: no duration in its video stream; export the beats again")
    return Fraction(stream.duration) * stream.time_base


def scaled_size(width: int, height: int, target: int = WIDTH) -> tuple[int, int]:
    """``target`` wide (never wider than the clip), the height in proportion, both even."""
    new_w = min(target, width) // 2 * 2
    return new_w, max(2, round(height * new_w / width / 2) * 2)


def sampled_frames(clip: Path, rate: Fraction = FRAME_RATE, width: int = WIDTH) -> tuple[list[Still], Fraction]:
    """The clip's frames shown at ``0, 1/rate, 2/rate, ...`` seconds, ``width`` pixels wide, with
    runs of equal frames merged into one (equal: no pixel differs by more than ``SAME`` from the
    run's first); and the clip's duration. Each sample is the last frame of the clip whose time is
    at or before it."""
    import av
    import numpy as np

    stills: list[Still] = []
    previous = None  # the pixels of the last still kept: samples equal to it lengthen it

    def keep(frame: Any, start: Fraction) -> None:
        nonlocal previous
        frame = frame.reformat(width=size[0], height=size[1], format="rgb24", interpolation="AREA")
        pixels = frame.to_ndarray()
        if previous is not None and (np.maximum(pixels, previous) - np.minimum(pixels, previous)).max() <= SAME:
            return
        previous = pixels
        stills.append(Still(frame.to_image(), start))

    with av.open(str(clip)) as container:
        duration = clip_duration(container)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        size = scaled_size(stream.codec_context.width, stream.codec_context.height, width)
        step = 1 / rate
        next_sample = Fraction(0)
        last = None  # the newest decoded frame before the one being looked at
        for frame in container.decode(stream):
            assert frame.pts is not None and frame.time_base is not None
            t = Fraction(frame.pts) * frame.time_base
            while last is not None and t > next_sample and next_sample < duration:
                keep(last, next_sample)
                next_sample += step
            if next_sample >= duration:
                break
            last = frame
        while last is not None and next_sample < duration:
            keep(last, next_sample)
            next_sample += step
    if not stills:
        raise PipelineError(f"{show_path(clip)} has no frames; export the beats again")
    return stills, duration


def delays(stills: list[Still], duration: Fraction, unit: int) -> list[int]:
    """How long each still shows, in ``1/unit`` s, rounded on the cumulative time so that they add
    up to ``duration`` rounded."""
    marks = [round(s.start * unit) for s in stills] + [round(duration * unit)]
    return [b - a for a, b in zip(marks, marks[1:])]


# -- GIF ---------------------------------------------------------------------------------------
def palette_of(stills: list[Still]) -> Any:
    """A 256-colour palette image made from up to ``PALETTE_SAMPLES`` stills spread over the clip."""
    from PIL import Image

    count = min(PALETTE_SAMPLES, len(stills))
    chosen = [stills[i * len(stills) // count].image for i in range(count)]
    width, height = chosen[0].size
    montage = Image.new("RGB", (width, height * count))
    for i, image in enumerate(chosen):
        montage.paste(image, (0, i * height))
    return montage.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def encode_gif(clip: Path, out: Path) -> None:
    """The clip as an animated GIF, ``WIDTH`` px wide at ``FRAME_RATE`` fps, looping."""
    from PIL import Image

    stills, duration = sampled_frames(clip)
    palette = palette_of(stills)
    frames = [s.image.quantize(palette=palette, dither=Image.Dither.NONE) for s in stills]
    times = [10 * d for d in delays(stills, duration, 100)]  # Pillow takes ms; GIF keeps 1/100 s
    atomic_write(out, lambda tmp: frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                                                 duration=times, loop=0, optimize=False, disposal=1))


# -- WebP --------------------------------------------------------------------------------------
# Lossless (manim's thin coloured lines and text keep their colours; lossy WebP blurs them, and was
# no smaller at quality 80), with little effort and no search for the smallest of several
# encodings per frame: on a 13 s beat 0.38 MB in 1.8 s, against 0.93 MB in 2.9 s with Pillow's
# defaults; quality 80 lossy 0.42 MB in 4.5 s (wall clock, on a loaded machine).
WEBP_OPTIONS: dict[str, Any] = {"lossless": True, "quality": 25, "method": 1, "minimize_size": False,
                                "kmax": 10_000}


def encode_webp(clip: Path, out: Path) -> None:
    """The clip as an animated WebP, ``WIDTH`` px wide at ``FRAME_RATE`` fps, looping."""
    stills, duration = sampled_frames(clip)
    frames = [s.image for s in stills]
    times = delays(stills, duration, 1000)
    atomic_write(out, lambda tmp: frames[0].save(tmp, format="WEBP", save_all=True, append_images=frames[1:],
                                                 duration=times, loop=0, **WEBP_OPTIONS))


# -- WebM --------------------------------------------------------------------------------------
# libvpx's realtime mode at its fastest (cpu-used 8): on a 13 s beat at 720p, 2.7 s of CPU and
# 0.43 MB at crf 30, against 13.6 s of CPU for 0.33 MB in "good" mode at cpu-used 5, which looked
# the same (mean difference from the clip 0.16 levels in both).
VP9_OPTIONS = {"crf": "30", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}
OPUS_BIT_RATE = 48_000  # mono speech


def encode_webm(clip: Path, out: Path) -> None:
    """The clip as a WebM at its own size and frame rate: VP9, and its sound (if any) as Opus."""
    import av

    from pipeline.audio import interleave, packets_of

    def write(tmp: Path) -> None:
        with av.open(str(clip)) as source, av.open(str(tmp), "w", format="webm") as output:
            stream = source.streams.video[0]
            stream.thread_type = "AUTO"
            rate = stream.average_rate or stream.guessed_rate or 30
            vp9 = output.add_stream("libvpx-vp9", rate=rate, options=dict(VP9_OPTIONS))
            vp9.width, vp9.height, vp9.pix_fmt = stream.codec_context.width, stream.codec_context.height, "yuv420p"
            vp9.codec_context.time_base = stream.time_base
            vp9.thread_count = os.cpu_count() or 1
            sound = _opus_packets(clip, output)
            for frame in source.decode(stream):
                frame.pict_type = av.video.frame.PictureType.NONE
                for packet in vp9.encode(frame):
                    interleave(output, packet, sound)
            for packet in vp9.encode(None):
                interleave(output, packet, sound)
            output.mux(packets_of(sound))

    atomic_write(out, write)


def _opus_packets(clip: Path, output: Any) -> deque[Timed]:
    """The clip's sound, to the end of its video, encoded as Opus in a new stream of ``output``;
    its packets in time order, for :func:`pipeline.audio.interleave` (none, and no stream, for a
    silent clip)."""
    import av

    from pipeline.audio import timed

    with av.open(str(clip)) as source:
        if not source.streams.audio:
            return deque()
        audio = source.streams.audio[0]
        rate, layout = audio.codec_context.sample_rate, audio.codec_context.layout.name
        end = round(clip_duration(source) * rate)  # AAC decodes whole packets: the last one padded
        opus = output.add_stream("libopus", rate=48000, layout=layout)  # Opus codes 48 kHz
        opus.bit_rate = OPUS_BIT_RATE
        packets, done = [], 0
        for frame in source.decode(audio):
            if done + frame.samples > end:
                samples = frame.to_ndarray()[:, :max(0, end - done)]
                if not samples.shape[1]:
                    break
                frame = av.AudioFrame.from_ndarray(samples, format=frame.format.name, layout=layout)
                frame.sample_rate, frame.pts, frame.time_base = rate, done, Fraction(1, rate)
            done += frame.samples
            packets += opus.encode(frame)
        packets += opus.encode(None)
    return timed(packets)


# -- the registry ------------------------------------------------------------------------------
# Measured on the lesson at medium (28 beats, 5.5-35.7 s, median 15.7 s; scripts/bench_formats.py), in
# MB per 20 s of beat: GIF median 0.68, largest 1.69; WebP 0.55, 1.70; WebM 0.69, 1.40 (the MP4
# clips: 0.41 MB median per beat). The limits are nearly twice the largest of them. Time, in CPU
# seconds per second of video (two runs on the shared 2-core machine): GIF 0.086-0.101, WebP
# 0.100-0.108, WebM 0.170-0.178, merely decoding the clips 0.032-0.035; the render itself costs
# about 0.7. So the GIF, which plays in every slide tool, is made by default (about 40 s for the
# whole 7:44 lesson); WebP and WebM are asked for.
_ANIMATION = f"{WIDTH} px, {FRAME_RATE} fps, same {SAME}"
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("gif", ".gif", f"animated GIF, {WIDTH} px wide, {float(FRAME_RATE):g} fps, looping: plays in any slide tool",
           3 * MB, encode_gif, f"{_ANIMATION} palette {PALETTE_SAMPLES} fastoctree, no dither"),
    Format("webp", ".webp", f"animated WebP (lossless), {WIDTH} px wide, {float(FRAME_RATE):g} fps, looping",
           3 * MB, encode_webp, f"{_ANIMATION} {sorted(WEBP_OPTIONS.items())}"),
    Format("webm", ".webm", "WebM video (VP9, the clip's sound as Opus), the clip's size and frame rate", 3 * MB,
           encode_webm, f"vp9 {sorted(VP9_OPTIONS.items())} opus {OPUS_BIT_RATE}"),
)}
SIZE_LIMIT = {name: f.size_limit for name, f in FORMATS.items()}
KNOWN = (*BASE_FORMATS, *FORMATS)
DEFAULT_FORMATS: tuple[str, ...] = (*BASE_FORMATS, "gif")


def parse_formats(text: str) -> tuple[str, ...]:
    """``FORMATS=`` as names: comma-separated, any case, spaces ignored; ``all`` for every one, empty
    for the default. ``mp4`` and ``png`` are always in the result (first), then the others in
    ``KNOWN``'s order, each once."""
    names = {n.strip().lower() for n in text.split(",")} - {""}
    if not names:
        return DEFAULT_FORMATS
    if "all" in names:
        names = (names - {"all"}) | set(KNOWN)
    unknown = sorted(names - set(KNOWN))
    if unknown:
        raise PipelineError(f"FORMATS: unknown format {', '.join(unknown)}; known: {', '.join(KNOWN)} (or all)")
    return tuple(n for n in KNOWN if n in names or n in BASE_FORMATS)


def derived(names: tuple[str, ...]) -> Iterator[Format]:
    """The formats among ``names`` made from the clip (not the clip and poster themselves)."""
    return (FORMATS[n] for n in names if n in FORMATS)
