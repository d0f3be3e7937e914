"""The narration's sound: one track with every sentence at its place, and MP4s carrying it.

:func:`narration_track` lays sentence WAVs (the scratch voice's or a creator's takes, any rate,
mono or stereo) on a silent track of a given length, each from its start time, and writes it as
a mono 16-bit PCM WAV at :data:`TRACK_RATE` Hz. :func:`mux` puts a video (its packets copied, not
re-encoded), that track (encoded as AAC) and the captions (a ``mov_text`` subtitle stream, which
desktop players show) into one MP4 with its index at the front (``+faststart``), written under a
temporary name and renamed. PyAV does all of it (no ffmpeg binary); it is imported only when used.

Joining MP4s with AAC by packet copy (as pipeline/join.py joins scene videos) works on two
conditions, shown in tests/test_audio.py:

- AAC starts every stream with 1024 samples of encoder priming, which the MP4's edit list hides
  (the first audio packet's time stamp is negative). The join drops that packet in every part
  after the first, or the time stamps step back and the muxer refuses them.
- AAC codes whole packets of 1024 samples, so a part whose length is not a multiple of 1024
  samples ends in a padded packet that plays in full once joined: every later part's sound
  comes up to 21 ms late, adding up join after join (16 ms a join, measured with 100-frame
  parts). :func:`aligned_duration` gives the length, a whole number of frames and of AAC
  packets, to pad a scene to (at most 8/15 s more at 15, 30 or 60 fps).
"""

from __future__ import annotations

import hashlib
import math
import os
import struct
import threading
from collections import deque
import wave
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.captions import Cue, check_cues
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write, show_path

TRACK_RATE = 48000  # AAC's usual rate in MP4; every sentence is resampled to it
AAC_BIT_RATE = 96_000  # mono speech
AAC_FRAME = 1024  # samples per AAC packet
# FFmpeg's own AAC encoder with its fast coder: 2.7 times quicker than the default (twoloop) on
# 120 s of the scratch voice (3.1 s against 8.4 s on a busy 2-core machine), with no less
# fidelity (signal-to-noise ratio of the decoded sound 38 dB against 26 dB).
AAC_OPTIONS = {"aac_coder": "fast"}
SUBTITLE_TIME_BASE = Fraction(1, 1000)
# Encoded narration tracks kept in the sound store (each about 12 kB a second of track, so a few
# MB for a lesson): the last few, for the silent-to-narrated and quality-to-quality round trips.
TRACKS_KEPT = 6

if TYPE_CHECKING:
    import av
    import av.container
    import av.stream

# A sound or caption packet waiting to be muxed, with its time: a whole number of its Timeline's
# ``1/unit`` seconds (see timed and interleave).
Timed = tuple[int, "av.Packet"]


class Timeline(deque):
    """Sound and caption packets waiting to be muxed (:data:`Timed`), in time order; each time is a
    whole number of ``1 / unit`` seconds, ``unit`` a common multiple of the packets' time bases'
    denominators, so that times compare exactly as whole numbers."""

    unit: int = 1


def aligned_duration(seconds: Fraction, fps: Fraction, rate: int = TRACK_RATE) -> Fraction:
    """The shortest length at least ``seconds`` that is a whole number both of frames at
    ``fps`` and of AAC packets at ``rate`` Hz (8/15 s steps at 15, 30 and 60 fps)."""
    frame, packet = 1 / Fraction(fps), Fraction(AAC_FRAME, rate)
    step = Fraction(math.lcm(frame.numerator, packet.numerator), math.gcd(frame.denominator, packet.denominator))
    return math.ceil(Fraction(seconds) / step) * step


@dataclass(frozen=True)
class Placement:
    """A sentence's audio and the time, in seconds from the track's start, it begins."""

    start: float
    audio: Path


def read_samples(path: Path, rate: int = TRACK_RATE) -> np.ndarray:
    """A WAV's samples as mono int16 at ``rate`` Hz (resampled and mixed down by PyAV)."""
    import av

    chunks = []
    try:
        with av.open(str(path)) as container:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            for frame in container.decode(audio=0):
                chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
            chunks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    except (av.error.FFmpegError, IndexError) as err:
        raise PipelineError(f"not a WAV file: {show_path(path)} ({err}); save it as PCM WAV") from err
    return np.concatenate(chunks).astype(np.int16) if chunks else np.zeros(0, np.int16)


class SamplesAhead:
    """Sentences' samples read in a background thread, started while the scenes render, so that
    laying out the track after them (:func:`lay_out` with ``read=ahead.read``) finds them read:
    89 sentences of the default lesson take about 1.3 s to decode and resample."""

    def __init__(self, paths: Iterable[Path], rate: int = TRACK_RATE) -> None:
        self._paths, self._rate = list(dict.fromkeys(paths)), rate
        self._read: dict[Path, np.ndarray] = {}
        self._thread = threading.Thread(target=self._run, name="samples-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        for path in self._paths:
            try:
                self._read[path] = read_samples(path, self._rate)
            except Exception:  # noqa: BLE001  (read again when needed: that raises the error in full)
                pass

    def read(self, path: Path, rate: int = TRACK_RATE) -> np.ndarray:
        """:func:`read_samples` of ``path``, from what was read ahead if it was."""
        self._thread.join()
        found = self._read.get(path) if rate == self._rate else None
        return found if found is not None else read_samples(path, rate)


def lay_out(placements: Sequence[Placement], duration: float, rate: int = TRACK_RATE,
            read: Callable[[Path, int], np.ndarray] = read_samples) -> np.ndarray:
    """The track's samples: silence, with each placement's samples (``read`` from its audio) from
    its start. Placements must lie inside ``duration`` and not overlap (a sentence is never cut
    off); rounding to samples may move one by up to a millisecond."""
    track = np.zeros(round(duration * rate), np.int16)
    end_before, previous = 0, None
    for p in sorted(placements, key=lambda p: p.start):
        samples = read(p.audio, rate)
        first = round(p.start * rate)
        last = first + len(samples)
        if first < 0 or last > len(track):
            raise ValueError(f"{show_path(p.audio)} ({len(samples) / rate:.3f} s from {p.start:.3f} s) does not fit "
                             f"in the {duration:.3f} s track")
        if end_before - first > rate // 1000:  # more than a millisecond: not rounding
            raise ValueError(f"{show_path(p.audio)} starts at {p.start:.3f} s, before {show_path(previous)} ends "
                             f"({end_before / rate:.3f} s)")
        first = max(first, end_before)  # a sample or two of rounding: start just after
        last = min(first + len(samples), len(track))
        track[first:last] = samples[:last - first]
        end_before, previous = last, p.audio
    return track


def narration_track(placements: Sequence[Placement], duration: float, out: Path) -> None:
    """Write the ``duration``-second narration track to ``out`` (a mono 16-bit WAV)."""
    track = lay_out(placements, duration)

    def write(tmp: Path) -> None:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(TRACK_RATE)
            w.writeframes(track.astype("<i2").tobytes())

    atomic_write(out, write)


def mov_text_payload(text: str) -> bytes:
    """A ``mov_text`` (3GPP timed text) sample: the UTF-8 text after its 16-bit length."""
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def mux(video_in: Path, audio: Path, cues: Sequence[Cue], out: Path) -> None:
    """Write ``out``: ``video_in``'s video packets, ``audio`` (a WAV) as AAC, ``cues`` as a
    ``mov_text`` subtitle stream. The audio is cut or padded with silence to the video's length."""
    from pipeline.join import video_duration

    duration = video_duration(video_in)
    mux_samples(video_in, fit(read_samples(audio), float(duration)), cues, out)


def fit(samples: np.ndarray, seconds: float) -> np.ndarray:
    """``samples`` (at :data:`TRACK_RATE`) cut or padded with silence to ``seconds``."""
    n = round(seconds * TRACK_RATE)
    return np.concatenate([samples[:n], np.zeros(max(0, n - len(samples)), np.int16)])


def mux_samples(video_in: Path, samples: np.ndarray, cues: Sequence[Cue], out: Path) -> None:
    """:func:`mux` with the track's samples (mono int16 at :data:`TRACK_RATE`) given."""
    import av

    from pipeline.join import video_duration

    cues = list(cues)
    check_cues(cues, float(video_duration(video_in)))

    def write(tmp: Path) -> None:
        with av.open(str(tmp), "w", options={"movflags": "+faststart"}) as output:
            with av.open(str(video_in)) as source:
                video = output.add_stream_from_template(source.streams.video[0])
                others = add_sound(output, samples, cues)
                for packet in source.demux(source.streams.video[0]):
                    if packet.dts is None:  # the demuxer's flush packet
                        continue
                    packet.stream = video
                    interleave(output, packet, others, source.streams.video[0].time_base)
            output.mux(packets_of(others))

    atomic_write(out, write)


def add_sound(output: av.container.OutputContainer, samples: np.ndarray, cues: Sequence[Cue],
              store: Path | None = None) -> Timeline:
    """Add an AAC stream of ``samples`` and a ``mov_text`` stream of ``cues`` to ``output``; their
    packets, in time order, for :func:`interleave` to mux among the video's. With a ``store``
    folder, the AAC comes from there (:func:`encoded_track`) when these samples were encoded before."""
    if store is None:
        packets = _aac_packets(_aac_stream(output), samples)
    else:
        packets = _copied_packets(output, encoded_track(samples, store))
    subtitles = output.add_mux_stream("mov_text", time_base=SUBTITLE_TIME_BASE)
    subtitles.metadata["language"] = "eng"
    return timed(packets + _subtitle_packets(subtitles, cues))


def track_key(samples: np.ndarray) -> str:
    """What names ``samples``' AAC in a sound store: a digest of the samples and of everything
    that shapes their encoding (rate, bit rate, coder, PyAV's FFmpeg libraries)."""
    import av

    digest = hashlib.blake2b(digest_size=16)
    settings = (TRACK_RATE, AAC_BIT_RATE, AAC_FRAME, sorted(AAC_OPTIONS.items()), av.__version__,
                av.library_versions.get("libavcodec"))
    digest.update(repr(settings).encode())
    digest.update(memoryview(np.ascontiguousarray(samples, dtype="<i2")).cast("B"))
    return digest.hexdigest()


def encoded_track(samples: np.ndarray, store: Path) -> Path:
    """An audio-only MP4 in ``store`` with ``samples`` encoded as AAC, named by :func:`track_key`:
    encoded the first time (written under a temporary name, renamed when complete), found again
    the next, so that a build which changed no sentence's place (a scene's pictures changed, not
    its length; the same lesson at another quality) does not encode the lesson's sound again.
    Only the :data:`TRACKS_KEPT` most recently used tracks are kept."""
    import av

    path = store / f"{track_key(samples)}.m4a"
    if path.is_file():
        os.utime(path)  # most recently used: kept longest
        return path

    def write(tmp: Path) -> None:
        with av.open(str(tmp), "w", format="mp4") as output:
            output.mux(_aac_packets(_aac_stream(output), samples))

    atomic_write(path, write)
    tracks = sorted(store.glob("*.m4a"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in tracks[TRACKS_KEPT:]:
        if old != path:
            old.unlink(missing_ok=True)
    return path


def _copied_packets(output: av.container.OutputContainer, track: Path) -> list[av.Packet]:
    """The AAC packets of ``track`` (from :func:`encoded_track`), for a stream added to ``output``
    with the same codec parameters: copied, not encoded again."""
    import av

    packets = []
    with av.open(str(track)) as source:
        stream = source.streams.audio[0]
        sound = output.add_stream_from_template(stream)
        for packet in source.demux(stream):
            if packet.dts is None:  # the demuxer's flush packet
                continue
            packet.stream = sound
            packets.append(packet)
    return packets


def interleave(output: av.container.OutputContainer, packet: av.Packet, others: deque[Timed],
               time_base: Fraction | None = None) -> None:
    """Mux the video ``packet`` after every sound or caption packet due before it: interleaved by
    time, so a player streaming the file finds each second's sound and captions next to its
    pictures. ``others`` come from :func:`add_sound` (a :class:`Timeline`); ``time_base`` is the
    packet's, given by callers that know it (reading a packet's time base builds a ``Fraction``).
    Times are compared as whole numbers: with Fractions, working them out and comparing them was
    a fifth of joining the lesson (0.2 s at 480p15). What is left of ``others`` at the end is muxed
    by the caller (:func:`packets_of`)."""
    if others:
        assert packet.dts is not None
        base = packet.time_base if time_base is None else time_base
        assert base is not None
        # others[0] is due at t / unit s; the packet at dts * num / den s
        due, scale = packet.dts * base.numerator * getattr(others, "unit", 1), base.denominator
        while others and others[0][0] * scale <= due:
            output.mux(others.popleft()[1])
    output.mux(packet)


def packets_of(others: deque[Timed]) -> list[av.Packet]:
    """The packets still waiting in ``others`` (from :func:`add_sound`), in time order."""
    return [packet for _, packet in others]


def timed(packets: Sequence[av.Packet]) -> Timeline:
    """``packets`` in time order, each with its time (exact: see :class:`Timeline`)."""
    read = []
    for p in packets:
        base = p.time_base
        read.append((p.dts, base.numerator, base.denominator, p))
    timeline = Timeline()
    timeline.unit = unit = math.lcm(*{den for _, _, den, _ in read})
    timeline.extend(sorted(((dts * num * (unit // den), p) for dts, num, den, p in read), key=itemgetter(0)))
    return timeline


def _aac_stream(output: av.container.OutputContainer) -> av.AudioStream:
    """A mono AAC stream of the track's rate, bit rate and coder, added to ``output``."""
    sound = output.add_stream("aac", rate=TRACK_RATE, layout="mono", options=AAC_OPTIONS)
    sound.bit_rate = AAC_BIT_RATE
    return sound


def _aac_packets(stream: av.AudioStream, samples: np.ndarray) -> list[av.Packet]:
    import av

    packets = []
    for i in range(0, len(samples), AAC_FRAME):
        frame = av.AudioFrame.from_ndarray(samples[None, i:i + AAC_FRAME], format="s16", layout="mono")
        frame.sample_rate = TRACK_RATE
        frame.pts = i
        frame.time_base = Fraction(1, TRACK_RATE)
        packets.extend(stream.encode(frame))
    packets.extend(stream.encode(None))
    return packets


def _subtitle_packets(stream: av.stream.Stream, cues: Sequence[Cue]) -> list[av.Packet]:
    import av

    packets = []
    for cue in cues:
        packet = av.Packet(mov_text_payload(cue.text))
        packet.stream = stream
        packet.time_base = SUBTITLE_TIME_BASE
        packet.pts = packet.dts = round(cue.start / SUBTITLE_TIME_BASE)
        packet.duration = round(cue.end / SUBTITLE_TIME_BASE) - packet.pts
        packets.append(packet)
    return packets
