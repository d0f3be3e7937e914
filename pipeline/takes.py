"""Recorded takes: a creator's own voice in place of the scratch voice, beat by beat.

Takes live in ``narration/<lesson name>/``, one WAV per beat or per sentence, named after the
beat's export stem (its two-digit number and slug, as in ``export/beats/``)::

    narration/backprop/03-the-chain-rule.wav      the whole of beat 3, every sentence in one take
    narration/backprop/03-the-chain-rule.2.wav    sentence 2 of beat 3 (1-based), alone

A beat uses either one whole take or sentence takes (any subset of its sentences; the others stay
with the scratch voice), never both. Any other ``.wav`` in the folder is an error, so a typo in a
name is never silently ignored; files of other kinds (notes, project files) are left alone.

A whole-beat take is cut into its sentences at its longest pauses (:func:`sentence_spans`), so
each sentence can still start with the animation it describes.

A take must be a PCM WAV (any rate, mono or stereo, 16 or 24 bit), longer than
:data:`MIN_SECONDS`, not silent (its loudest sample over :data:`MIN_PEAK`), no longer than
:data:`MAX_SENTENCE_SECONDS` (a sentence) or :data:`MAX_BEAT_SECONDS` (a beat), and not clipped:
at most :data:`MAX_CLIPPED` of its samples at full scale. Each failure is a one-line :class:`PipelineError` naming the file and the fix.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import PipelineError
from pipeline.fsutil import show_path

if TYPE_CHECKING:  # NumPy is imported where a take is read: a build without takes never needs it
    import numpy as np

MIN_SECONDS = 0.3
MAX_SENTENCE_SECONDS = 60.0
MAX_BEAT_SECONDS = 180.0
MAX_CLIPPED = 0.001  # fraction of samples at full scale
MIN_PEAK = 0.01  # -40 dB: a take whose loudest sample is quieter holds no speech
# sentence_spans: loudness measured over 20 ms; quieter than 1/20 of the take's loudest (-26 dB)
# is a pause, and a pause between sentences lasts at least 0.15 s.
LOUDNESS_WINDOW = 0.02
PAUSE_LEVEL = 0.05
MIN_PAUSE = 0.15
TAKE_NAME = re.compile(r"^(?P<number>\d{2,})-(?P<slug>[a-z0-9-]+?)(?:\.(?P<sentence>[1-9]\d*))?\.wav$")


@dataclass(frozen=True)
class Take:
    path: Path
    duration: float  # seconds
    sample_rate: int
    channels: int
    peak: float  # the loudest sample, 1.0 = full scale
    digest: str  # SHA-256 of the file: for the build cache's keys (a new take re-times its beat)


@dataclass(frozen=True)
class BeatSlot:
    """What a take can be for: a beat's number, slug and how many sentences it says."""

    number: int
    slug: str
    sentences: int

    @property
    def stem(self) -> str:
        return f"{self.number:02d}-{self.slug}"


@dataclass(frozen=True)
class BeatTakes:
    """The takes found for one beat: ``whole``, or some of ``sentences`` (1-based index -> take)."""

    whole: Take | None = None
    sentences: dict[int, Take] | None = None


def slug(title: str) -> str:
    """``"02 The chain rule, in one line!"`` -> ``"the-chain-rule-in-one-line"``: ASCII letters and
    digits in lowercase, words joined by hyphens; a leading beat number is dropped."""
    text = re.sub(r"^\d+[\s.:-]+", "", title.strip())
    text = re.sub(r"(?<=\w)['’](?=\w)", "", text)  # "output's" -> "outputs", not "output-s"
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "beat"


def read_take(path: Path, limit: float = MAX_SENTENCE_SECONDS) -> Take:
    """Read and check the take at ``path``; ``limit`` is its longest allowed length in seconds."""
    name = show_path(path)
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate, count = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            frames = w.readframes(count)
    except (wave.Error, EOFError, OSError) as err:
        raise PipelineError(f"not a WAV file: {name} ({err}); export it as PCM WAV (16 or 24 bit)") from err
    if width not in (2, 3) or rate <= 0 or channels not in (1, 2):
        raise PipelineError(f"{name}: {8 * width}-bit, {channels} channel(s) at {rate} Hz is not supported; "
                            "export it as 16- or 24-bit PCM WAV, mono or stereo")
    duration = count / rate
    if duration <= MIN_SECONDS:
        raise PipelineError(f"{name}: the take is empty ({duration:.2f} s); record it again or delete the file")
    if duration > limit:
        raise PipelineError(f"{name}: the take is {duration:.1f} s, over the {limit:.0f} s limit; "
                            "trim it or split it into sentence takes (NN-slug.K.wav)")
    import numpy as np

    samples = _samples(frames, width)
    full_scale = float(2 ** (8 * width - 1))
    clipped = np.count_nonzero((samples >= full_scale - 1) | (samples <= -full_scale)) / max(len(samples), 1)
    if clipped > MAX_CLIPPED:
        raise PipelineError(f"{name}: {100 * clipped:.1f}% of the samples are at full scale (clipped); "
                            "record it again with the input gain lower")
    peak = float(np.abs(samples).max()) / full_scale if len(samples) else 0.0
    if peak < MIN_PEAK:
        raise PipelineError(f"{name}: the take is silent (loudest sample {20 * np.log10(max(peak, 1e-9)):.0f} dB); "
                            "check the microphone and record it again")
    return Take(path, duration, rate, channels, peak, hashlib.sha256(path.read_bytes()).hexdigest())


def _samples(frames: bytes, width: int) -> np.ndarray:
    import numpy as np

    if width == 2:
        return np.frombuffer(frames, "<i2").astype(np.int32)
    raw = np.frombuffer(frames, np.uint8).reshape(-1, 3).astype(np.int32)
    value = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
    return np.where(value >= 1 << 23, value - (1 << 24), value)


def find_takes(folder: Path, beats: Sequence[BeatSlot]) -> dict[int, BeatTakes]:
    """The takes in ``folder`` (``narration/<lesson name>``), by beat number; a missing folder
    means no takes. Every WAV must name a beat (and a sentence it has) of ``beats``."""
    if not folder.is_dir():
        return {}
    by_stem = {b.stem: b for b in beats}
    whole: dict[int, Take] = {}
    parts: dict[int, dict[int, Take]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".wav" or path.name.startswith("."):
            continue
        match = TAKE_NAME.match(path.stem + ".wav")
        beat = by_stem.get(f"{match['number']}-{match['slug']}") if match else None
        if match is None or beat is None:
            example = f", e.g. {beats[0].stem}.wav or {beats[0].stem}.1.wav" if beats else ""
            raise PipelineError(f"{show_path(path)} matches no beat of the lesson; rename it NN-<slug>.wav "
                                f"(a beat) or NN-<slug>.K.wav (its sentence K) after a beat's clip{example}, "
                                "or remove it")
        if match["sentence"] is None:
            whole[beat.number] = read_take(path, MAX_BEAT_SECONDS)
            continue
        k = int(match["sentence"])
        if k > beat.sentences:
            raise PipelineError(f"{show_path(path)}: beat {beat.stem} has {beat.sentences} sentence(s), "
                                f"not {k}; rename or remove the take")
        parts.setdefault(beat.number, {})[k] = read_take(path, MAX_SENTENCE_SECONDS)
    for number in whole.keys() & parts.keys():
        beat = next(b for b in beats if b.number == number)
        raise PipelineError(f"{show_path(folder / (beat.stem + '.wav'))} and sentence takes of the same beat are "
                            "both there; keep the whole take or the sentence takes, not both")
    return {n: BeatTakes(whole=whole.get(n), sentences=parts.get(n)) for n in sorted(whole.keys() | parts.keys())}


def sentence_spans(take: Take, count: int) -> list[tuple[float, float]]:
    """Where each of the ``count`` sentences of a whole-beat take is said, in seconds from its
    start: speech cut at the ``count - 1`` longest pauses, each span from its first sound to the
    pause after it."""
    import numpy as np

    with wave.open(str(take.path), "rb") as w:
        width, channels = w.getsampwidth(), w.getnchannels()
        samples = _samples(w.readframes(w.getnframes()), width).reshape(-1, channels).mean(axis=1)
    step = max(1, round(LOUDNESS_WINDOW * take.sample_rate))
    usable = len(samples) // step * step
    loudness = np.sqrt((samples[:usable].reshape(-1, step) ** 2).mean(axis=1))
    loud = loudness > PAUSE_LEVEL * loudness.max() if len(loudness) and loudness.max() > 0 else np.zeros(0, bool)
    frames = np.flatnonzero(loud)
    if len(frames) == 0:
        raise PipelineError(f"{show_path(take.path)}: the take is silent; record it again")
    # Runs of quiet windows between the first and the last sound: (first quiet, first loud after).
    shortest = MIN_PAUSE * take.sample_rate / step
    gaps = [(a + 1, b) for a, b in zip(frames[:-1].tolist(), frames[1:].tolist(), strict=True) if b - a - 1 >= shortest]
    if len(gaps) < count - 1:
        raise PipelineError(f"{show_path(take.path)}: {len(gaps) + 1} stretch(es) of speech with pauses of "
                            f"{MIN_PAUSE} s or more between them, not the beat's {count} sentences; pause "
                            "between sentences, or record one take per sentence (NN-<slug>.K.wav)")
    cuts = sorted(sorted(gaps, key=lambda g: (g[0] - g[1], g[0]))[:count - 1])
    starts = [int(frames[0])] + [b for _, b in cuts]
    ends = [a for a, _ in cuts] + [int(frames[-1]) + 1]
    seconds = step / take.sample_rate
    return [(a * seconds, b * seconds) for a, b in zip(starts, ends, strict=True)]
