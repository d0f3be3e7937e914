"""The lesson, beat by beat: which equations and numbers each beat of the outline shows.

The outline is ``docs/lesson-outline.md``. Each part of the lesson has its module, listing its
beats in order (``BEATS``); a beat's number is its place in the whole lesson::

    common   the context, the equation author, TeX pieces (what every part is written with)
    part1    rates multiply along a chain (beats 1-9)
    part2    one neuron per layer (beats 10-21)
    part3    many neurons per layer (beats 22-28)
    summaries  one plain-text summary per beat, written from the built beat
    narration  what the voice says in each beat, sentence by sentence, likewise
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mathcore.beats import narration, part1, part2, part3, summaries
from mathcore.beats.common import Context
from mathcore.lessonfile import DEFAULT_LESSON, LessonSpec, load_lesson
from mathcore.model import Beat, LessonModel

PARTS = (part1, part2, part3)


def build(spec: LessonSpec) -> LessonModel:
    """Build the lesson model from a validated lesson file."""
    c = Context.of(spec)
    beats: list[Beat] = []
    for number, part in enumerate(PARTS, start=1):
        for make in part.BEATS:
            beat = make(c)
            beats.append(replace(beat, number=len(beats) + 1, part=number, summary=summaries.summary(beat, c),
                                 narration=narration.narration(beat, c)))
    return LessonModel(spec, c.fmt, c.worked, c.sigmoid, c.deep, c.wide, tuple(beats))


def build_model(path: Path | str | None = None) -> LessonModel:
    """Read a lesson file (the default lesson if ``None``) and build its model."""
    return build(load_lesson(path))


KEPT_MODELS = 4  # lesson files whose models model_of keeps
_BUILT: dict[tuple[str, bytes], LessonModel] = {}


def model_of(path: Path | str | None = None) -> LessonModel:
    """:func:`build_model`, kept in this process for the file's path and content: a warm process
    (``pipeline.warm``) builds the lesson's model once, and each build's renders are forked with
    it (0.2-0.35 s of a one-scene change). A file that cannot be read is left to
    :func:`build_model` to report."""
    file = DEFAULT_LESSON if path is None else Path(path)
    try:
        key = (str(file), file.read_bytes())
    except OSError:
        return build_model(path)
    model = _BUILT.get(key)
    if model is None:
        model = _BUILT[key] = build_model(path)
        while len(_BUILT) > KEPT_MODELS:
            del _BUILT[next(iter(_BUILT))]
    return model
