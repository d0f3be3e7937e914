"""``make narration-script``: the lesson's narration as a document to record from.

Writes ``narration-script.md`` in the lesson's folder under the media folder (``media/lesson/``,
``media/lesson-<file stem>/`` for another lesson file; :meth:`pipeline.layout.Layout.narration_script`):
a header saying where takes go and how they are named (:mod:`pipeline.takes`), then one section per
beat the scenes show, in their order, with each sentence numbered as its take is, its written and
spoken forms, its take's file name and how long it is said now. The lengths come from the build's own
narration plan (:func:`pipeline.narration.narrate`, cached in ``media/cache/narration/``), so the
document and the video agree; a bad take is the build's one-line error, and the old document stays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pipeline.build import Options
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write_text, show_path
from pipeline.layout import Layout
from pipeline.lesson import LessonInput, read_lesson
from pipeline.narration import TAKES_FOLDER, Narration, Said, narrate
from pipeline.progress import Progress, count, span
from pipeline.scenelist import load_registry, shown_beats
from pipeline.storage import SpaceNeed, storage_errors
from pipeline.takes import (MAX_BEAT_SECONDS, MAX_CLIPPED, MAX_SENTENCE_SECONDS, MIN_PAUSE, MIN_PEAK, MIN_SECONDS,
                            TAKE_NAME, slug)

VOICE = "voice"  # Said.source of a sentence the scratch voice says


@dataclass(frozen=True)
class ScriptResult:
    """What ``make narration-script`` wrote."""

    path: Path
    beats: int
    sentences: int
    seconds: float  # of speech, all sentences
    from_takes: int  # sentences said from takes

    def summary(self) -> str:
        return (f"{count(self.beats, 'beat')}, {count(self.sentences, 'sentence')}, {span(self.seconds)} of speech, "
                f"{self.from_takes} from takes")


@dataclass(frozen=True)
class _Beat:
    """A beat as the script shows it: its model beat and what is said of it now, sentence by sentence."""

    number: int
    title: str
    sentences: tuple  # mathcore.model.Sentence
    said: tuple[Said, ...]

    @property
    def stem(self) -> str:
        return f"{self.number:02d}-{slug(self.title)}"

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.said)


def write_narration_script(options: Options, out: TextIO | None = None) -> ScriptResult:
    """Plan the narration of the beats the scenes show (as the build does) and write the script."""
    registry = load_registry(options.registry)
    lesson = read_lesson(options.lesson)
    layout = Layout(Path(options.media).resolve())
    beats = shown_beats(registry.scenes)
    if not beats:
        raise PipelineError(f"the scene list {registry.spec} shows no beat of the lesson: there is no narration "
                            "to write; list the lesson's scenes (the default is scenes:LESSON_SCENES)")
    progress = Progress([], out)
    progress.say(f"{lesson.name}: the narration script of {count(len(beats), 'beat')}, lesson file "
                 f"{show_path(lesson.path)}")
    narration = narrate(lesson, layout, beats, progress.say)
    shown = _beats(lesson, beats, narration)
    path = layout.narration_script(lesson)
    text = script_text(lesson, shown)
    with storage_errors(SpaceNeed(layout.media, len(text.encode()), "writing the narration script")):
        atomic_write_text(path, text)
    said = [s for b in shown for s in b.said]
    result = ScriptResult(path, len(shown), len(said), sum(s.seconds for s in said),
                          sum(s.source != VOICE for s in said))
    progress.say(f"narration script: {result.summary()}")
    progress.say(f"  script: {show_path(path)}")
    return result


def _beats(lesson: LessonInput, keys: Sequence[str], narration: Narration) -> list[_Beat]:
    """The beats ``keys`` (in that order) with their sentences and what the plan says of each."""
    from mathcore.beats import build_model  # sympy: the spoken forms are in the model, not the plan

    model = build_model(lesson.path)
    shown = []
    for key in keys:
        beat = model.beat(key)
        said = tuple(narration.sentence(key, s.key) for s in beat.narration)
        if any(s is None for s in said):  # the plan is made from the same model: only a bug gets here
            raise PipelineError(f"the narration plan lacks sentences of beat {key!r}; delete media/cache/narration "
                                "and run make narration-script again")
        shown.append(_Beat(beat.number, beat.title, beat.narration, said))
    return shown


# -- the document ------------------------------------------------------------------------------------------
def script_text(lesson: LessonInput, beats: Sequence[_Beat]) -> str:
    """The whole document: header, then one section per beat."""
    return "\n".join(_header(lesson, beats) + [line for b in beats for line in _section(b)])


def _header(lesson: LessonInput, beats: Sequence[_Beat]) -> list[str]:
    said = [s for b in beats for s in b.said]
    takes = sum(s.source != VOICE for s in said)
    folder = (TAKES_FOLDER / lesson.name).as_posix()
    example = beats[0]
    second = min(2, len(example.sentences))
    return [
        f"# Narration script: {_inline(lesson.title or lesson.name)} ({lesson.name})",
        "",
        f"Lesson file `{show_path(lesson.path)}`: {count(len(beats), 'beat')}, {count(len(said), 'sentence')}, "
        f"{span(sum(s.seconds for s in said))} of speech now ({takes} sentences from your takes, "
        f"{len(said) - takes} from the scratch voice). Written by `make narration-script`; run it again after "
        "recording to see the new lengths.",
        "",
        "## Recording",
        "",
        f"Put your takes in `{folder}/` (in the folder you run `make` from), one WAV file per beat or per sentence, "
        "named after the beat as below:",
        "",
        f"- a whole beat in one take: `NN-<slug>.wav`, e.g. `{example.stem}.wav`; pause at least {MIN_PAUSE:g} s "
        "between its sentences (the take is cut into sentences at its longest pauses);",
        f"- one sentence: `NN-<slug>.K.wav`, sentence K counted from 1, e.g. `{example.stem}.{second}.wav`; "
        "the sentences without a take keep the scratch voice.",
        "",
        "A beat has a whole take or sentence takes, not both; any other `.wav` in the folder is an error. Each take: "
        "PCM WAV, 16 or 24 bit, mono or stereo, any sample rate; longer than "
        f"{MIN_SECONDS:g} s and at most {MAX_SENTENCE_SECONDS:g} s for a sentence, {MAX_BEAT_SECONDS:g} s for a "
        f"beat; not silent (its loudest sample above {20 * math.log10(MIN_PEAK):.0f} dB); not clipped (at most "
        f"{100 * MAX_CLIPPED:g}% of its samples at full scale).",
        "",
        "`make` picks the takes up: it re-times the beats with new takes, and only the scenes showing them render "
        "again. Delete a take to go back to the scratch voice.",
        "",
        "Each beat below gives its whole take's file name, where its narration comes from now and how long it is "
        "said; then its sentences, numbered as their takes are: as written (the captions), as spoken when that "
        "differs (what the scratch voice reads), the take's file name, and how long it is said now.",
        "",
    ]


def _section(beat: _Beat) -> list[str]:
    lines = [
        f"## {beat.number:02d} {_inline(beat.title)}",
        "",
        f"- whole-beat take: `{beat.stem}.wav`",
        f"- now: {beat.seconds:.2f} s, {_beat_source(beat)}",
        "",
    ]
    for k, (sentence, said) in enumerate(zip(beat.sentences, beat.said, strict=True), 1):
        marker = f"{k}. "
        indent = " " * len(marker)
        lines.append(f"{marker}{_inline(sentence.text)}")
        if " ".join(sentence.spoken.split()) != " ".join(sentence.text.split()):
            lines.append(f"{indent}- spoken: {_inline(sentence.spoken)}")
        lines.append(f"{indent}- take: `{beat.stem}.{k}.wav`")
        lines.append(f"{indent}- now: {said.seconds:.2f} s, {_sentence_source(said)}")
    return lines + [""]


def _beat_source(beat: _Beat) -> str:
    if all(s.source == VOICE for s in beat.said):
        return "the scratch voice"
    if all(_whole(s) for s in beat.said):
        return f"the whole-beat take `{beat.said[0].source}`"
    taken = [str(k) for k, s in enumerate(beat.said, 1) if s.source != VOICE]
    rest = "" if len(taken) == len(beat.said) else " (the scratch voice for the others)"
    return f"the takes of sentence{'s' if len(taken) > 1 else ''} {', '.join(taken)}{rest}"


def _sentence_source(said: Said) -> str:
    if said.source == VOICE:
        return "the scratch voice"
    if _whole(said):
        return f"its part of the whole-beat take `{said.source}`"
    return f"the take `{said.source}`"


def _whole(said: Said) -> bool:
    """Is ``said`` a part of a whole-beat take (``NN-<slug>.wav``, no sentence number)?"""
    match = TAKE_NAME.match(Path(said.source).stem + ".wav") if said.source != VOICE else None
    return match is not None and match["sentence"] is None


def _inline(text: str) -> str:
    """``text`` on one line, with what Markdown would take for markup within a line escaped (``*``, ``_``,
    a backquote, ``[``, ``<`` and the backslash itself)."""
    return "".join(f"\\{c}" if c in "\\`*_[<" else c for c in " ".join(text.split()))
