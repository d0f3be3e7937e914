"""The narration track and the muxed MP4: sentences at their times, one H.264 video (copied),
one AAC audio and one mov_text subtitle stream of the video's length; and two such MP4s join by
packet copy, as pipeline/join.py joins scene videos.

The clips are made here with PyAV (a few frames of H.264), and the sentences are tones written
with the wave module, so no render and no voice are needed.
"""

from __future__ import annotations

import math
import time
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.audio import AAC_FRAME, TRACK_RATE, Placement, aligned_duration, mux, narration_track, read_samples
from pipeline.captions import Cue, sentence_cues

FPS = 30
SECONDS = 4


def make_clip(path: Path, seconds: int = SECONDS, fps: int = FPS, frames: int | None = None) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for i in range(seconds * fps if frames is None else frames):
            image = np.full((64, 96, 3), (7 * i) % 256, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        out.mux(stream.encode(None))
    return path


def tone(path: Path, seconds: float, rate: int, hz: float = 440.0, channels: int = 1) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    samples = (8000 * np.sin(2 * np.pi * hz * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(samples, channels).tobytes())
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audio")
    return {"clip": make_clip(folder / "clip.mp4"),
            "a": tone(folder / "a.wav", 1.0, 22050),  # the scratch voice's rate
            "b": tone(folder / "b.wav", 1.5, 44100, hz=660, channels=2),  # a stereo recorded take
            "folder": folder}


def sound_edges(samples: np.ndarray) -> np.ndarray:
    """Where sound starts and stops, in seconds: the tone's envelope (the loudest sample within
    4 ms, over two periods of the tones) crossing an eighth of its amplitude."""
    window = round(0.004 * TRACK_RATE)
    envelope = np.lib.stride_tricks.sliding_window_view(np.abs(samples.astype(np.int32)), window).max(axis=1)
    loud = np.concatenate([np.zeros(window // 2, bool), envelope > 1000])
    return np.flatnonzero(np.diff(loud.astype(np.int8))) / TRACK_RATE


def stream_seconds(stream) -> float:
    return float(stream.duration * stream.time_base)


def test_the_track_has_each_sentence_at_its_start_and_silence_elsewhere(media, tmp_path):
    out = tmp_path / "track.wav"
    narration_track([Placement(0.5, media["a"]), Placement(2.0, media["b"])], SECONDS, out)
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getframerate()) == (1, TRACK_RATE)
        assert w.getnframes() == SECONDS * TRACK_RATE
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    # Sound from 0.5 to 1.5 s and from 2.0 to 3.5 s, to within a period of the tone.
    assert sound_edges(samples) == pytest.approx([0.5, 1.5, 2.0, 3.5], abs=0.003)
    assert not samples[: int(0.49 * TRACK_RATE)].any() and not samples[int(3.51 * TRACK_RATE):].any()


def test_sentences_that_overlap_or_spill_over_are_refused(media, tmp_path):
    with pytest.raises(ValueError, match="before"):
        narration_track([Placement(0.0, media["a"]), Placement(0.9, media["a"])], SECONDS, tmp_path / "t.wav")
    with pytest.raises(ValueError, match="does not fit"):
        narration_track([Placement(3.5, media["a"])], SECONDS, tmp_path / "t.wav")
    assert not list(tmp_path.iterdir())


def mux_lesson(media, out: Path) -> list[Cue]:
    track = media["folder"] / "track.wav"
    narration_track([Placement(0.5, media["a"]), Placement(2.0, media["b"])], SECONDS, track)
    cues = sentence_cues(0.5, 1.5, "The first sentence.") + sentence_cues(2.0, 3.5, "And a second one.")
    mux(media["clip"], track, cues, out)
    return cues


def test_the_mp4_has_one_copied_video_one_aac_audio_and_one_subtitle_stream(media, tmp_path):
    out = tmp_path / "lesson.mp4"
    cues = mux_lesson(media, out)
    with av.open(str(media["clip"])) as source:
        original = [bytes(p) for p in source.demux(video=0) if p.dts is not None]
    with av.open(str(out)) as container:
        assert [s.type for s in container.streams] == ["video", "audio", "subtitle"]
        video, audio, subs = container.streams
        assert (video.codec_context.name, audio.codec_context.name, subs.codec_context.name) == \
            ("h264", "aac", "mov_text")
        assert stream_seconds(video) == SECONDS
        assert stream_seconds(audio) == pytest.approx(SECONDS, abs=1 / TRACK_RATE)
        assert stream_seconds(subs) <= SECONDS
        copied = [bytes(p) for p in container.demux(video=0) if p.dts is not None]
    assert copied == original  # the video's packets are the clip's own: not re-encoded
    with av.open(str(out)) as container:
        said = [(float(p.pts * p.time_base), float((p.pts + p.duration) * p.time_base), bytes(p)[2:].decode())
                for p in container.demux(subtitles=0) if p.dts is not None and p.size > 2]
    assert said == [(c.start, c.end, c.text) for c in cues]
    with av.open(str(out)) as container:  # and FFmpeg's mov_text decoder, as players' read them
        stream = container.streams.subtitles[0]
        shown = [sub.dialogue.decode() for p in container.demux(stream) if p.size > 2 for sub in stream.decode(p)]
    assert shown == [c.text for c in cues]
    assert out.read_bytes()[4:8] == b"ftyp" and out.read_bytes().find(b"moov") < out.read_bytes().find(b"mdat")
    assert not list(tmp_path.glob(".*"))


def test_the_audio_in_the_mp4_is_the_track(media, tmp_path):
    out = tmp_path / "lesson.mp4"
    mux_lesson(media, out)
    decoded = read_samples(out)
    # The decoder skips AAC's priming but returns the last packet whole (the header trims it).
    assert SECONDS * TRACK_RATE <= len(decoded) < SECONDS * TRACK_RATE + 1024
    assert sound_edges(decoded) == pytest.approx([0.5, 1.5, 2.0, 3.5], abs=0.01)


def test_cues_outside_the_video_are_refused_and_nothing_is_written(media, tmp_path):
    with pytest.raises(ValueError):
        mux(media["clip"], media["a"], [Cue(3.0, SECONDS + 1.0, "too late")], tmp_path / "x.mp4")
    assert not list(tmp_path.iterdir())


def packet_join(parts: list[Path], starts: list[Fraction], out: Path) -> None:
    """pipeline/join.py's packet copy, extended to the audio and subtitle streams."""
    with av.open(str(out), "w", options={"movflags": "+faststart"}) as output:
        with av.open(str(parts[0])) as first:
            targets = [output.add_stream_from_template(first.streams.video[0]),
                       output.add_stream_from_template(first.streams.audio[0]),
                       output.add_mux_stream("mov_text", time_base=first.streams.subtitles[0].time_base)]
        for n, (path, start) in enumerate(zip(parts, starts, strict=True)):
            with av.open(str(path)) as container:
                for packet in container.demux():
                    if packet.dts is None:
                        continue
                    kind = packet.stream.type
                    if kind == "audio" and n and packet.pts < 0:
                        continue  # AAC priming: hidden by the part's edit list, would step back in time
                    shift = round(start / packet.time_base)
                    packet.pts += shift
                    packet.dts += shift
                    packet.stream = targets[["video", "audio", "subtitle"].index(kind)]
                    output.mux(packet)


def scene(media, frames: int, out: Path) -> Fraction:
    """A scene's MP4 of ``frames`` frames with a tone from 0.5 to 1.5 s; its length."""
    clip = make_clip(out.with_suffix(".silent.mp4"), frames=frames)
    length = Fraction(frames, FPS)
    narration_track([Placement(0.5, media["a"])], float(length), out.with_suffix(".wav"))
    mux(clip, out.with_suffix(".wav"), sentence_cues(0.5, 1.5, "A sentence."), out)
    return length


def onsets_after_join(media, tmp_path, frames: int) -> np.ndarray:
    """How late, in seconds, each of four joined scenes' sound starts in the joined sound."""
    length = scene(media, frames, tmp_path / "scene.mp4")
    starts = [i * length for i in range(4)]
    packet_join([tmp_path / "scene.mp4"] * 4, starts, tmp_path / "joined.mp4")
    onsets = sound_edges(read_samples(tmp_path / "joined.mp4"))[::2]
    return onsets - np.array([0.5 + float(s) for s in starts])


def test_scenes_of_aligned_length_join_without_drift(media, tmp_path):
    frames = int(aligned_duration(Fraction(10, 3), Fraction(FPS)) * FPS)
    assert (frames * TRACK_RATE) % (FPS * AAC_FRAME) == 0
    late = onsets_after_join(media, tmp_path, frames)
    assert np.ptp(late) < 0.001 and abs(late[0]) < 0.003


def test_scenes_of_other_lengths_drift_join_after_join(media, tmp_path):
    """Why scenes must be aligned: 100 frames are 160,000 samples, 156.25 AAC packets; the last
    packet's padding (0.75 of 1024 samples, 16 ms) plays, and the next scene's sound comes later."""
    late = onsets_after_join(media, tmp_path, 100)
    padding = (-(100 * TRACK_RATE // FPS) % AAC_FRAME) / TRACK_RATE
    assert np.diff(late) == pytest.approx([padding] * 3, abs=0.001)


@pytest.mark.parametrize("fps", [15, 30, 60])
@pytest.mark.parametrize("seconds", [Fraction(0), Fraction(1, 100), Fraction(10, 3), Fraction(57, 7)])
def test_aligned_duration_is_the_next_whole_frame_and_packet(fps, seconds):
    aligned = aligned_duration(seconds, Fraction(fps))
    def whole(t: Fraction) -> bool:
        return (t * fps).denominator == 1 and (t * TRACK_RATE / AAC_FRAME).denominator == 1
    assert whole(aligned) and aligned >= seconds
    assert not any(whole(Fraction(f, fps)) for f in range(math.ceil(seconds * fps), int(aligned * fps)))


def test_two_muxed_mp4s_join_by_packet_copy(media, tmp_path):
    one, two = tmp_path / "one.mp4", tmp_path / "two.mp4"
    cues = mux_lesson(media, one)
    mux_lesson(media, two)
    joined = tmp_path / "joined.mp4"
    packet_join([one, two], [Fraction(0), Fraction(SECONDS)], joined)
    with av.open(str(joined)) as container:
        video, audio, subs = container.streams
        assert (video.type, audio.type, subs.type) == ("video", "audio", "subtitle")
        assert stream_seconds(video) == 2 * SECONDS
        assert stream_seconds(audio) == pytest.approx(2 * SECONDS, abs=1024 / TRACK_RATE)
        starts = [float(p.pts * p.time_base) for p in container.demux(subtitles=0)
                  if p.dts is not None and p.size > 2]
    assert starts == pytest.approx([c.start for c in cues] + [SECONDS + c.start for c in cues])
    assert sound_edges(read_samples(joined)) == pytest.approx([0.5, 1.5, 2.0, 3.5, 4.5, 5.5, 6.0, 7.5], abs=0.03)


def test_mux_time_of_a_minute(tmp_path, capsys):
    """Not a limit: records the figure (mux of 60 s at 30 fps with a full track)."""
    clip = make_clip(tmp_path / "minute.mp4", seconds=60)
    speech = tone(tmp_path / "speech.wav", 58.0, 22050)
    track = tmp_path / "track.wav"
    began = time.perf_counter()
    narration_track([Placement(1.0, speech)], 60, track)
    laid = time.perf_counter()
    mux(clip, track, [Cue(1.0 + i, 1.9 + i, f"cue {i}") for i in range(58)], tmp_path / "out.mp4")
    done = time.perf_counter()
    with capsys.disabled():
        print(f"\n[audio] 60 s: track {laid - began:.2f} s, mux {done - laid:.2f} s")
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert stream_seconds(container.streams.audio[0]) == pytest.approx(60, abs=1 / TRACK_RATE)


def test_the_same_inputs_mux_to_the_same_bytes(media, tmp_path):
    """The build cache can key the MP4 on what it is made from."""
    mux_lesson(media, tmp_path / "one.mp4")
    mux_lesson(media, tmp_path / "two.mp4")
    assert (tmp_path / "one.mp4").read_bytes() == (tmp_path / "two.mp4").read_bytes()


def test_a_window_of_the_sound_is_its_samples_and_cues_from_the_start():
    """A beat's clip takes the lesson's sound between its start and end: those very samples,
    silence after the track's end, and the cues shown then, timed from the start (cut to it)."""
    from pipeline.join import Sound

    samples = (np.arange(3 * TRACK_RATE) % 30000).astype(np.int16)  # a ramp: a slice shows where it is from
    cues = [Cue(0.2, 1.1, "one"), Cue(1.2, 2.0, "two"), Cue(2.1, 2.9, "three")]
    part = Sound(samples, cues).window(1.0, 2.5)
    assert np.array_equal(part.samples, samples[TRACK_RATE:5 * TRACK_RATE // 2])
    assert part.cues == [Cue(0.0, pytest.approx(0.1), "one"), Cue(pytest.approx(0.2), pytest.approx(1.0), "two"),
                         Cue(pytest.approx(1.1), 1.5, "three")]
    end = Sound(samples, cues).window(2.5, 4.0)  # past the track's end: padded with silence
    assert len(end.samples) == round(1.5 * TRACK_RATE)
    assert np.array_equal(end.samples[:TRACK_RATE // 2], samples[5 * TRACK_RATE // 2:])
    assert not end.samples[TRACK_RATE // 2:].any()
    assert [c.text for c in end.cues] == ["three"]


def join_with_sound(media, samples: np.ndarray, out: Path, store: Path | None) -> None:
    from pipeline.join import Sound, join_videos

    cues = sentence_cues(0.5, 1.5, "The first sentence.")
    join_videos([media["clip"]], [Fraction(0)], out, [], Fraction(SECONDS), Sound(samples, cues), store)


def lesson_samples(media) -> np.ndarray:
    from pipeline.audio import lay_out

    return lay_out([Placement(0.5, media["a"]), Placement(2.0, media["b"])], SECONDS)


def audio_packets(path: Path) -> list[tuple[int, int, int, bytes]]:
    with av.open(str(path)) as container:
        return [(p.pts, p.dts, p.duration, bytes(p)) for p in container.demux(audio=0) if p.dts is not None]


def test_a_stored_track_joins_to_the_same_sound_as_one_encoded_in_place(media, tmp_path, monkeypatch):
    import pipeline.audio as audio

    samples, store = lesson_samples(media), tmp_path / "sound"
    join_with_sound(media, samples, tmp_path / "encoded.mp4", None)  # encoded in place, as before the store
    join_with_sound(media, samples, tmp_path / "first.mp4", store)  # encoded into the store, then copied
    (track,) = store.iterdir()
    assert track.name == f"{audio.track_key(samples)}.m4a"

    def no_encoding(*args):
        raise AssertionError("the sound was encoded again")

    monkeypatch.setattr(audio, "_aac_packets", no_encoding)
    join_with_sound(media, samples, tmp_path / "again.mp4", store)  # copied from the store only
    expected = audio_packets(tmp_path / "encoded.mp4")
    assert len(expected) == math.ceil(SECONDS * TRACK_RATE / AAC_FRAME) + 1  # and the priming packet
    assert audio_packets(tmp_path / "first.mp4") == expected
    assert audio_packets(tmp_path / "again.mp4") == expected
    assert (tmp_path / "again.mp4").read_bytes() == (tmp_path / "first.mp4").read_bytes()
    # The decoded sound is the track: the tones from 0.5 to 1.5 s and from 2 to 3.5 s.
    assert sound_edges(read_samples(tmp_path / "again.mp4")) == pytest.approx([0.5, 1.5, 2.0, 3.5], abs=0.01)


def test_other_samples_are_another_track_and_only_the_last_few_are_kept(media, tmp_path):
    from pipeline.audio import TRACKS_KEPT, encoded_track, track_key

    base = lesson_samples(media)
    versions = []
    for i in range(TRACKS_KEPT + 2):
        samples = base.copy()
        samples[i] += 1  # one sample differs: another track
        versions.append(samples)
    names = []
    for samples in versions:
        names.append(encoded_track(samples, tmp_path).name)
        time.sleep(0.01)  # distinct modification times
    assert len(set(names)) == len(versions)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])  # the oldest two went
    mtime = (tmp_path / names[2]).stat().st_mtime
    assert encoded_track(versions[2], tmp_path).name == names[2]  # found, and now the most recently used
    assert (tmp_path / names[2]).stat().st_mtime > mtime
    encoded_track(base, tmp_path)  # one more: the least recently used goes, the one just used stays
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == sorted([f"{track_key(base)}.m4a", names[2], *names[4:]])


def test_a_failed_encoding_leaves_nothing_in_the_store(media, tmp_path, monkeypatch):
    import pipeline.audio as audio

    def broken(stream, samples):
        raise OSError("disk full")

    monkeypatch.setattr(audio, "_aac_packets", broken)
    with pytest.raises(OSError):
        join_with_sound(media, lesson_samples(media), tmp_path / "out.mp4", tmp_path / "sound")
    assert not list((tmp_path / "sound").iterdir()) and not (tmp_path / "out.mp4").exists()


def test_samples_read_ahead_lay_out_the_same_track_and_a_bad_file_still_says_why(media, tmp_path, monkeypatch):
    import pipeline.audio as audio
    from pipeline.audio import SamplesAhead, lay_out
    from pipeline.errors import PipelineError

    placements = [Placement(0.5, media["a"]), Placement(1.5, media["b"]), Placement(3.0, media["a"])]
    expected = lay_out(placements, SECONDS)
    reads = []
    real = audio.read_samples
    monkeypatch.setattr(audio, "read_samples", lambda path, rate=TRACK_RATE: reads.append(path) or real(path, rate))
    ahead = SamplesAhead(p.audio for p in placements)
    got = lay_out(placements, SECONDS, read=ahead.read)
    assert np.array_equal(got, expected)
    assert sorted(map(str, reads)) == sorted(map(str, [media["a"], media["b"]]))  # each file read once, ahead

    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav")
    ahead = SamplesAhead([bad, media["a"]])
    with pytest.raises(PipelineError, match="bad.wav"):
        lay_out([Placement(0.0, bad)], SECONDS, read=ahead.read)


class _Packet:
    """What interleave reads of a packet: its decoding time stamp and time base."""

    def __init__(self, name: str, dts: int, time_base: Fraction) -> None:
        self.name, self.dts, self.time_base = name, dts, time_base


class _Output:
    def __init__(self) -> None:
        self.muxed: list[str] = []

    def mux(self, packet: _Packet | list[_Packet]) -> None:
        self.muxed += [p.name for p in (packet if isinstance(packet, list) else [packet])]


def test_interleave_muxes_sound_and_captions_due_before_each_video_packet_in_time_order():
    from pipeline.audio import interleave, packets_of, timed

    video = [_Packet(f"v{i}", 512 * i, Fraction(1, 7680)) for i in range(40)]  # 15 fps, manim's time base
    sound = [_Packet(f"a{i}", AAC_FRAME * i, Fraction(1, TRACK_RATE)) for i in range(60)]
    captions = [_Packet(f"c{ms}", ms, Fraction(1, 1000)) for ms in (0, 400, 1000, 2000, 2999)]
    others = timed(list(reversed(sound)) + captions)  # given out of order: timed sorts them
    output = _Output()
    for packet in video:
        interleave(output, packet, others)
    output.mux(packets_of(others))
    # Independently: every packet by its exact time; at equal times, sound and captions before
    # the picture they go with (a video packet is muxed after those due at or before it).
    every = [(p.dts * p.time_base, 1 if p.name[0] == "v" else 0, i, p.name)
             for i, p in enumerate(video + sound + captions)]
    assert output.muxed == [name for *_, name in sorted(every)]
    assert len(output.muxed) == len(video) + len(sound) + len(captions)
    assert output.muxed.index("c1000") == output.muxed.index("v15") - 1  # 1 s: 15 frames, the caption first


time_bases = st.builds(Fraction, st.integers(1, 1001), st.integers(1, 96_000))


@given(video_base=time_bases, video=st.lists(st.integers(0, 10**6), max_size=30, unique=True),
       others=st.lists(st.tuples(st.integers(0, 10**6), time_bases), max_size=60), given_base=st.booleans())
@settings(max_examples=200, deadline=None)
def test_interleave_orders_any_time_bases_as_their_exact_times(video_base, video, others, given_base):
    """Times are compared as whole numbers of a common unit: the order is the one of the exact
    times (Fractions, computed here), whatever the time bases, at equal times sound first."""
    from pipeline.audio import interleave, packets_of, timed

    pictures = [_Packet(f"v{i}", dts, video_base) for i, dts in enumerate(sorted(video))]
    sounds = [_Packet(f"a{i}", dts, base) for i, (dts, base) in enumerate(others)]
    waiting = timed(sounds)
    output = _Output()
    for packet in pictures:
        interleave(output, packet, waiting, video_base if given_base else None)
    output.mux(packets_of(waiting))
    order = sorted(range(len(sounds)), key=lambda i: sounds[i].dts * sounds[i].time_base)  # stable: ties keep order
    rank = {sounds[i].name: r for r, i in enumerate(order)}
    every = [(p.dts * p.time_base, 1 if p.name[0] == "v" else 0, rank.get(p.name, 0), p.name)
             for p in pictures + sounds]
    assert output.muxed == [name for *_, name in sorted(every)]
