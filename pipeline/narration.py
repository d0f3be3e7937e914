"""What the narrated lesson says, and how long each sentence takes, before any scene renders.

For every beat the scenes show, each sentence of its narration (:class:`mathcore.model.Sentence`)
is heard from a recorded take in ``narration/<lesson name>/`` (:mod:`pipeline.takes`) or, where
there is none, from the scratch voice (:mod:`pipeline.voice`). A whole-beat take is cut into its
sentences at its pauses; each piece runs from its sentence's first sound to the next one's, so
the take's own pauses stay. The result, a :class:`Narration`, gives each sentence's audio file
and length; its timing file (``{"beats": {beat: {sentence: seconds}}}``) is what the scenes pace
themselves by (``LESSON_TIMING``, :mod:`scenes.lesson`), and each scene's cache key includes the
timing of its own beats, so a new take re-renders the scene that shows its beat, and no other.

A plan is kept in ``media/cache/narration/<key>.json``, the key made of everything it depends on
(the model's code, the lesson file, the beats asked for, the voice's settings and version, and
the takes' names, sizes and times): a build with nothing changed reads it back without building
the lesson model or synthesising anything. ``NARRATION=none`` (mode ``"none"``) plans nothing:
the scenes keep their own pace and the video is silent.
"""

from __future__ import annotations

import hashlib
import json
import wave
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.cache import CacheEntry
from pipeline.cachekey import MODEL, tree_digest
from pipeline.captions import Cue, sentence_cues
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write, atomic_write_text, link_or_copy, show_path
from pipeline.join import Sound
from pipeline.layout import Layout
from pipeline.lesson import LessonInput
from pipeline.memo import Memo
from pipeline.progress import count
from pipeline.scenelist import package_dir
from pipeline.storage import SpaceNeed, storage_errors
from pipeline.takes import BeatSlot, BeatTakes, Take, find_takes, sentence_spans, slug
from pipeline.voice import ESPEAK, SAMPLE_RATE, VOICE_FORMAT, remembered_version, voice_for, wav_duration

if TYPE_CHECKING:  # the sound (NumPy) is made only when a video is joined or previewed
    from pipeline.audio import Placement, SamplesAhead

MODES = ("voice", "none")
DEFAULT_MODE = "voice"
TAKES_FOLDER = Path("narration")  # narration/<lesson name>/NN-<slug>.wav, from the current folder
TIMING_ENV = "LESSON_TIMING"  # read by scenes.lesson
PLAN_FORMAT = 1  # bump when what a plan holds changes
# The scratch voice's WAVs of a beat (22 kHz, 16 bit: 44 KB a second, about 15 s a beat), with room.
NARRATION_BYTES_PER_BEAT = 1 << 20


@dataclass(frozen=True)
class Said:
    """One sentence as the narrated video says it."""

    beat: str  # the beat's key in the lesson model
    number: int  # the beat's number
    key: str  # the sentence's key within its beat
    text: str  # its written form: the captions
    audio: Path  # a WAV
    seconds: float  # its length
    source: str  # "voice", or the take's file name


@dataclass(frozen=True)
class Narration:
    """Every sentence of the beats asked for, in lesson order, and the timing file for the scenes."""

    said: tuple[Said, ...]
    timing_file: Path
    digest: str  # of the whole plan: what the joined video's audio is made from

    def sentence(self, beat: str, key: str) -> Said | None:
        return self._index.get((beat, key))

    @property
    def _index(self) -> dict[tuple[str, str], Said]:
        return {(s.beat, s.key): s for s in self.said}

    def timing(self) -> dict[str, dict[str, float]]:
        beats: dict[str, dict[str, float]] = {}
        for s in self.said:
            beats.setdefault(s.beat, {})[s.key] = s.seconds
        return beats

    def beat_digest(self, beats: Iterable[str]) -> str:
        """What the timing of ``beats`` is made of: for the cache key of the scene showing them."""
        timing = self.timing()
        return _digest({b: timing[b] for b in sorted(set(beats) & timing.keys())})

    def sound_digest(self, beats: Iterable[str]) -> str:
        """What the sound of ``beats`` is made of: each of their sentences' text, audio and length;
        for the export's clips (a new take changes its beat's). The audio by its file's name, which
        its content makes (the voice's text and settings, a take's digest), not by where the media
        folder is."""
        wanted = set(beats)
        return _digest([_record(s) | {"audio": s.audio.name} for s in self.said if s.beat in wanted])

    def env(self) -> dict[str, str]:
        return {TIMING_ENV: str(self.timing_file)}

    def takes(self) -> list[Said]:
        return [s for s in self.said if s.source != "voice"]


def check_mode(mode: str | None) -> str:
    mode = (mode or DEFAULT_MODE).strip().lower()
    if mode not in MODES:
        raise PipelineError(f"NARRATION={mode!r} is not a narration mode; use NARRATION=voice (the default: "
                            "the scratch voice, or your takes in narration/<lesson name>/) or NARRATION=none (silent)")
    return mode


def narrate(lesson: LessonInput, layout: Layout, beats: Collection[str], say: Callable[[str], None],
            memo: Memo | None = None) -> Narration:
    """The narration of ``beats`` as the build makes it (and the narration script reads it): a
    full disk is one line, planning says each beat as it goes, and one line sums it up."""
    need = SpaceNeed(layout.media, NARRATION_BYTES_PER_BEAT * len(beats), "making the narration")
    with storage_errors(need):
        narration = plan_narration(lesson, layout, beats, say=say, memo=memo)
    say(describe(narration))
    return narration


def plan_narration(lesson: LessonInput, layout: Layout, beats: Collection[str] | None = None,
                   takes_root: Path = TAKES_FOLDER, say: Callable[[str], None] | None = None,
                   memo: Memo | None = None) -> Narration:
    """The narration of ``beats`` (beat keys; all of the lesson's if ``None``): from the plan
    cache if nothing it depends on has changed, else planned (and synthesised) now, with a line
    per beat to ``say`` (the scratch voice takes a few seconds a beat the first time). ``memo``
    keeps the model's code's digest and espeak-ng's version for the next run."""
    memo = memo if memo is not None else Memo()
    folder = takes_root / lesson.name
    identity = {
        "format": PLAN_FORMAT,
        "model": tree_digest(package_dir(MODEL), memo),
        "lesson": lesson.digest,
        "beats": None if beats is None else sorted(beats),
        "voice": {"settings": asdict(ESPEAK), "tool": remembered_version(memo), "rate": SAMPLE_RATE,
                  "format": VOICE_FORMAT},
        "takes": _listing(folder),
    }
    key = _digest(identity)[:20]
    store = layout.media / "cache" / "narration"
    plan_file = store / f"{key}.json"
    loaded = _load(plan_file)
    if loaded is not None:
        return loaded
    said = _plan(lesson, layout, beats, folder, say or (lambda _: None))
    timing_file = store / f"{key}.timing.json"
    narration = Narration(tuple(said), timing_file, _digest([_record(s) for s in said]))
    atomic_write_text(timing_file, json.dumps({"beats": narration.timing()}, indent=1, sort_keys=True) + "\n")
    atomic_write_text(plan_file, json.dumps({"digest": narration.digest, "timing": str(timing_file),
                                             "said": [_record(s) for s in said]}, indent=1) + "\n")
    return narration


def beat_slots(model) -> list[BeatSlot]:
    """What a take can be for: each beat's number, slug (as its export clip's) and sentence count."""
    return [BeatSlot(b.number, slug(b.title), len(b.narration)) for b in model.beats]


def _plan(lesson: LessonInput, layout: Layout, beats: Collection[str] | None, folder: Path,
          say: Callable[[str], None]) -> list[Said]:
    if beats is not None and not beats:
        return []  # no lesson scene: nothing to say
    from mathcore.beats import build_model  # sympy: only when a plan is made

    model = build_model(lesson.path)
    known = {b.key for b in model.beats}
    unknown = sorted(set(beats or ()) - known)
    if unknown:
        raise PipelineError(f"the scenes show beats the lesson model has not: {', '.join(unknown)}")
    takes = find_takes(folder, beat_slots(model))
    voice_cache = layout.media / "cache" / "voice"
    piece_cache = layout.media / "cache" / "narration" / "takes"
    said: list[Said] = []
    todo = [b for b in model.beats if b.narration != () and (beats is None or b.key in beats)]
    say(f"narration: planning {count(len(todo), 'beat')} (the scratch voice is made once per sentence, cached in "
        f"{show_path(voice_cache)}/)")
    for n, beat in enumerate(todo, 1):
        found = takes.get(beat.number, BeatTakes())
        pieces = _pieces(found.whole, len(beat.narration), piece_cache) if found.whole else None
        for i, sentence in enumerate(beat.narration):
            if pieces is not None:
                audio, source = pieces[i], found.whole.path.name
            elif found.sentences and i + 1 in found.sentences:
                take = found.sentences[i + 1]
                audio, source = _keep(take, piece_cache / f"{take.digest[:20]}.wav"), take.path.name
            else:
                audio, source = voice_for(sentence.spoken, voice_cache), "voice"
            said.append(Said(beat.key, beat.number, sentence.key, sentence.text, audio, wav_duration(audio), source))
        seconds = sum(s.seconds for s in said if s.beat == beat.key)
        say(f"  [{n}/{len(todo)}] {beat.number:02d} {beat.title}: {count(len(beat.narration), 'sentence')}, "
            f"{seconds:.1f} s")
    return said


def _pieces(take: Take, count: int, store: Path) -> list[Path]:
    """A whole-beat take cut into its ``count`` sentences, each from its first sound to the next
    one's (the last to the take's end), as WAVs in ``store`` (named by the take's digest)."""
    paths = [store / f"{take.digest[:20]}-{count}-{i + 1}.wav" for i in range(count)]
    if all(p.exists() for p in paths):
        return paths
    spans = sentence_spans(take, count)
    with wave.open(str(take.path), "rb") as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    size = params.sampwidth * params.nchannels
    starts = [round(a * params.framerate) for a, _ in spans] + [params.nframes]
    for i, path in enumerate(paths):
        chunk = frames[starts[i] * size:starts[i + 1] * size]

        def write(tmp: Path, chunk: bytes = chunk) -> None:
            with wave.open(str(tmp), "wb") as out:
                out.setnchannels(params.nchannels)
                out.setsampwidth(params.sampwidth)
                out.setframerate(params.framerate)
                out.writeframes(chunk)

        atomic_write(path, write)
    return paths


def _keep(take: Take, path: Path) -> Path:
    """A sentence take, linked (or copied) into the cache: the plan does not depend on the file
    staying where the creator put it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            link_or_copy(take.path, path)
        except FileExistsError:
            pass
    return path


def _listing(folder: Path) -> list[list]:
    """The takes folder's WAVs: name, size and modification time (a new take changes the key)."""
    if not folder.is_dir():
        return []
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in sorted(folder.iterdir())
            if p.suffix.lower() == ".wav"]


def _record(s: Said) -> dict:
    return {"beat": s.beat, "number": s.number, "key": s.key, "text": s.text, "audio": str(s.audio),
            "seconds": s.seconds, "source": s.source}


def _load(plan_file: Path) -> Narration | None:
    try:
        data = json.loads(plan_file.read_text(encoding="utf-8"))
        said = tuple(Said(d["beat"], int(d["number"]), d["key"], d["text"], Path(d["audio"]), float(d["seconds"]),
                          d["source"]) for d in data["said"])
        narration = Narration(said, Path(data["timing"]), data["digest"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not narration.timing_file.is_file() or not all(s.audio.is_file() for s in said):
        return None  # something was deleted from the cache: plan again
    return narration


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def describe(narration: Narration) -> str:
    """One line for the progress output: how many sentences, from where, how long."""
    takes = len(narration.takes())
    total = sum(s.seconds for s in narration.said)
    where = f"{takes} from takes, {len(narration.said) - takes} from the scratch voice" if takes else "the scratch voice"
    return f"narration: {len(narration.said)} sentences ({where}), {total:.0f} s of speech"



def scene_sound(entry: CacheEntry, narration: Narration, offset: float = 0.0) -> tuple[list[Placement], list[Cue]]:
    """Where each sentence of a rendered scene is heard (its audio from its mark, ``offset``
    seconds into the video) and its captions, shown while it is said (up to the next mark)."""
    from pipeline.audio import Placement

    marks = entry.marks()
    if not marks:  # not a lesson scene: nothing said
        return [], []
    ends = [t for _, _, t in marks[1:]] + [entry.duration]
    placements, cues = [], []
    for (beat, key, time), next_start in zip(marks, ends, strict=True):
        said = narration.sentence(beat, key)
        if said is None:
            raise PipelineError(f"{entry.scene} says sentence {key!r} of beat {beat!r}, which the narration plan "
                                "lacks; run make again (the plan is made for the scenes of the scene list)")
        if time + said.seconds > next_start + 1e-3:
            raise PipelineError(f"{entry.scene}: sentence {key!r} of beat {beat!r} ({said.seconds:.2f} s from "
                                f"{time:.2f} s) runs into what follows at {next_start:.2f} s; the scene's render is "
                                "stale: delete media/cache/scenes and run make again")
        start = offset + time
        placements.append(Placement(start, said.audio))
        cues += sentence_cues(start, offset + min(time + said.seconds, next_start), said.text)
    return placements, cues


def lesson_sound(entries: Sequence[CacheEntry], starts: Sequence[float], duration: float,
                 narration: Narration, ahead: SamplesAhead | None = None) -> Sound:
    """The joined video's narration: every scene's sentences from where the scene starts (their
    samples from ``ahead`` where it read them)."""
    from pipeline.audio import lay_out, read_samples

    placements, cues = [], []
    for entry, start in zip(entries, starts, strict=True):
        p, c = scene_sound(entry, narration, start)
        placements += p
        cues += c
    try:
        samples = lay_out(placements, duration, read=ahead.read if ahead else read_samples)
    except ValueError as err:
        raise PipelineError(f"the narration does not fit the video: {err}") from None
    return Sound(samples, cues)
