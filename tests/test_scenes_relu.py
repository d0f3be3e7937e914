"""The rendered-scene tests of tests/test_scenes.py for the generated lesson ``relu-1-place``
(:data:`tests.test_scenes.GENERATED`), in a file of its own so that `make test`'s workers render
the lessons side by side."""

from __future__ import annotations

import pytest

from .test_scenes import (  # noqa: F401  (collected here too, on this file's lesson)
    render_lesson,
    test_beats_are_paced_for_a_viewer,
    test_beats_come_in_the_planned_order,
    test_every_scene_renders_a_still,
    test_everything_on_screen_is_what_the_model_holds,
    test_layout_inside_the_frame_without_overlaps_and_readable,
    tex_dir,
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, tex_dir, model):  # noqa: F811
    return render_lesson("relu-1-place", tmp_path_factory, tex_dir, model)
