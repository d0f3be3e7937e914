"""Which lesson the scenes show: the default one, or the file named by ``LESSON_FILE``; and how
long each narration sentence is said, from the file named by ``LESSON_TIMING``.

Scenes never compute or type a value: they call :func:`lesson_model` and read it. The render
pipeline sets ``LESSON_FILE`` for ``make LESSON=path/to/lesson.toml``, and ``LESSON_TIMING`` for a
narrated build (:mod:`pipeline.narration` writes the file: ``{"beats": {beat key: {sentence key:
seconds}}}``); without it the scenes keep their own pace (a silent video, or a test's still).
"""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path

from mathcore.beats import model_of
from mathcore.model import LessonModel

LESSON_ENV = "LESSON_FILE"
TIMING_ENV = "LESSON_TIMING"
Timing = dict[str, dict[str, float]]  # beat key -> sentence key -> seconds of audio


class TimingFileError(ValueError):
    """A narration timing file that cannot be read (one line naming the file)."""


def lesson_path() -> str | None:
    """The lesson file chosen through the environment, or ``None`` for the default lesson."""
    return os.environ.get(LESSON_ENV) or None


@lru_cache(maxsize=4)
def _model(path: str | None) -> LessonModel:
    return model_of(path)


def lesson_model() -> LessonModel:
    """The lesson model for this run (built once per lesson file)."""
    return _model(lesson_path())


@lru_cache(maxsize=4)
def _timing(path: str) -> Timing:
    try:
        beats = json.loads(Path(path).read_text(encoding="utf-8"))["beats"]
        timing = {str(b): {str(k): float(v) for k, v in sentences.items()} for b, sentences in beats.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise TimingFileError(f"{path} ({TIMING_ENV}): not a narration timing file ({err}); "
                              f"unset {TIMING_ENV} or build with make, which writes it") from None
    bad = [f"{b}/{k}" for b, sentences in timing.items() for k, v in sentences.items() if not (math.isfinite(v) and v > 0)]
    if bad:
        raise TimingFileError(f"{path} ({TIMING_ENV}): sentence lengths must be positive seconds: {', '.join(bad)}")
    return timing


def lesson_timing() -> Timing:
    """How long each sentence is said (empty: no narration, the scenes keep their own pace)."""
    path = os.environ.get(TIMING_ENV)
    return _timing(path) if path else {}
