"""Which lesson the scenes show: the default one, or the file named by ``LESSON_FILE``.

Scenes never compute or type a value: they call :func:`lesson_model` and read it. The render
pipeline sets ``LESSON_FILE`` for ``make LESSON=path/to/lesson.toml``.
"""

from __future__ import annotations

import os
from functools import lru_cache

from mathcore.beats import build_model
from mathcore.model import LessonModel

LESSON_ENV = "LESSON_FILE"


def lesson_path() -> str | None:
    """The lesson file chosen through the environment, or ``None`` for the default lesson."""
    return os.environ.get(LESSON_ENV) or None


@lru_cache(maxsize=4)
def _model(path: str | None) -> LessonModel:
    return build_model(path)


def lesson_model() -> LessonModel:
    """The lesson model for this run (built once per lesson file)."""
    return _model(lesson_path())
