"""Shared fixtures: the default lesson model and the tests' second lesson, built once.

Every test (and every command a test runs) keeps its proof cache in a temporary folder, never in
the user's ``~/.cache``, and keeps no warm process between builds (``LESSON_WARM_MINUTES=0``:
each build's warm base leaves with it; tests/test_warm.py keeps one on purpose, and stops it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mathcore.beats import build_model
from mathcore.model import LessonModel
from pipeline.warm import IDLE_ENV

os.environ[IDLE_ENV] = "0"

DATA = Path(__file__).parent / "data"
OTHER_LESSON = DATA / "other_lesson.toml"


# The test files that take longest (renders), started first so that `make test`'s workers finish
# together (pytest-xdist hands out files in this order); the rest keep their order after them.
SLOW_FIRST = ("test_scenes.py", "test_scenes_relu.py", "test_scenes_tanh.py", "test_pipeline.py", "test_marks.py", "test_narrated_build.py",
              "test_generated_lessons.py", "test_narration_script.py", "test_export.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))


@pytest.fixture(scope="session", autouse=True)
def proof_cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``$BACKPROP_LESSON_CACHE`` for the whole session, subprocesses included."""
    folder = tmp_path_factory.mktemp("proof-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BACKPROP_LESSON_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="session")
def model() -> LessonModel:
    return build_model()


@pytest.fixture(scope="session")
def other_model() -> LessonModel:
    return build_model(OTHER_LESSON)


@pytest.fixture(scope="session", params=["default", "other"])
def any_model(request: pytest.FixtureRequest, model: LessonModel, other_model: LessonModel) -> LessonModel:
    """Each test using this runs on both lesson files: proof that nothing is hard-coded."""
    return model if request.param == "default" else other_model


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory: pytest.TempPathFactory):
    """The tiny test scenes (``tests/pipeline_scenes``) rendered at low quality and exported once,
    from an empty media folder, for every test module that reads an export (shared: do not modify;
    ``test_pipeline.fork`` makes a private copy to change)."""
    from .test_pipeline import fresh_build

    return fresh_build(tmp_path_factory, "export")
