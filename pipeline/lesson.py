"""The lesson file a build renders: its content (a cache input), its name and its output folder.

Each lesson file gets its own output folder, so that two files never overwrite each other's
video, even when they share a ``[lesson] name`` (a copy of the default lesson with other numbers
keeps the default's name): ``media/lesson/`` for the lesson that ships with the project,
``media/lesson-<file stem>/`` for any other file.

Validating a file means importing the lesson model (sympy, NumPy: about a second). A build's
memo (:mod:`pipeline.memo`) keeps the outcome of a validation that passed, under the digests of
the file and of the model's code, so an unchanged lesson file is not validated again; a file that
failed is validated, and fails, every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.memo import Memo, bytes_digest

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


def read_lesson(path: Path | str | None, memo: Memo | None = None) -> LessonInput:
    """Validate a lesson file (the default one if ``None``) as the lesson model would read it
    (``memo``: unless it passed before, unchanged, with the same model code).

    A bad file is a :class:`PipelineError` whose message is the model's one-line complaint.
    """
    from pipeline.cachekey import MODEL, tree_digest  # cachekey's types name LessonInput
    from pipeline.scenelist import package_dir

    memo = memo if memo is not None else Memo()
    default = package_dir(MODEL) / "lessons" / "default.toml"  # mathcore.lessonfile.DEFAULT_LESSON
    given = Path(default if path is None else path)
    try:
        digest = memo.of_file(given.resolve(), "sha256", bytes_digest)
    except OSError:  # missing or unreadable: the model's message says so
        _validate(given)
        raise
    model = package_dir(MODEL)
    of = {"lesson": digest, "model": tree_digest(model, memo)}
    facts = memo.derived("lesson file", of, lambda: _validate(given), files=[given.resolve(), *model.rglob("*.py")])
    _check_file_name(facts["name"], given)
    path = given.resolve()
    folder = DEFAULT_FOLDER if path == default.resolve() else f"{DEFAULT_FOLDER}-{path.stem}"
    return LessonInput(path, facts["name"], digest, folder, facts["title"])


def _validate(given: Path) -> dict[str, str]:
    """Read ``given`` with the lesson model: its name and title, or the model's one-line complaint."""
    from mathcore.lessonfile import LessonFileError, load_lesson  # numpy, sympy

    try:
        spec = load_lesson(given)  # messages name the file as the user typed it
    except LessonFileError as e:
        raise PipelineError(str(e)) from None
    return {"name": spec.name, "title": spec.title}


def _check_file_name(name: str, given: Path) -> None:
    """The lesson's name becomes a file name: it must be one."""
    if name in (".", "..") or any(c in name for c in "/\\\0") or name != name.strip():
        raise PipelineError(
            f"{given}: lesson.name: {name!r} cannot be a file name; use letters, digits, '-' and '_'"
        )
