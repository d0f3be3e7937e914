"""tests/test_scenes.py's rendered-scene tests on the generated lesson ``tanh-4-places``, in a file of its
own so that `make test`'s workers render the lessons side by side."""

import pytest

from .test_scenes import *  # noqa: F403  (the rendered tests, collected here on this file's lesson)
from .test_scenes import render_lesson


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, tex_dir, model):  # noqa: F811
    return render_lesson("tanh-4-places", tmp_path_factory, tex_dir, model)
