"""The lesson file a build renders: its content (a cache input), its name and its output folder.

Each lesson file gets its own output folder, so that two files never overwrite each other's
video, even when they share a ``[lesson] name`` (a copy of the default lesson with other numbers
keeps the default's name): ``media/lesson/`` for the lesson that ships with the project,
``media/lesson-<file stem>/`` for any other file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError

LESSON_ENV = "LESSON_FILE"  # read by scenes.lesson; set for every manim job
DEFAULT_FOLDER = "lesson"


@dataclass(frozen=True)
class LessonInput:
    """A validated lesson file."""

    path: Path  # absolute
    name: str  # its [lesson] name: the video's file name
    digest: str  # sha256 of its bytes: what the scenes' cache keys depend on
    folder: str  # the output folder under the media folder
    title: str = ""  # its [lesson] title, for people (the export's manifest)

    def env(self) -> dict[str, str]:
        """What a manim job needs in its environment to render this lesson."""
        return {LESSON_ENV: str(self.path)}


def read_lesson(path: Path | str | None) -> LessonInput:
    """Validate a lesson file (the default one if ``None``) as the lesson model would read it.

    A bad file is a :class:`PipelineError` whose message is the model's one-line complaint.
    """
    from mathcore.lessonfile import DEFAULT_LESSON, LessonFileError, load_lesson  # numpy, sympy

    given = Path(DEFAULT_LESSON if path is None else path)
    try:
        spec = load_lesson(given)  # messages name the file as the user typed it
    except LessonFileError as e:
        raise PipelineError(str(e)) from None
    _check_file_name(spec.name, given)
    path = given.resolve()
    folder = DEFAULT_FOLDER if path == Path(DEFAULT_LESSON).resolve() else f"{DEFAULT_FOLDER}-{path.stem}"
    return LessonInput(path, spec.name, hashlib.sha256(path.read_bytes()).hexdigest(), folder, spec.title)


def _check_file_name(name: str, given: Path) -> None:
    """The lesson's name becomes a file name: it must be one."""
    if name in (".", "..") or any(c in name for c in "/\\\0") or name != name.strip():
        raise PipelineError(
            f"{given}: lesson.name: {name!r} cannot be a file name; use letters, digits, '-' and '_'"
        )
