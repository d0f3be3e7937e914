"""The render speed-ups change no pixel: frames of every lesson scene drawn with them and without.

The scenes install five speed-ups (:mod:`scenes.glyphs`: glyphs drop their SVG source paths, so
copies are cheap; :mod:`scenes.paths`: a shape that did not change is drawn from its kept Cairo
path; :mod:`scenes.copies`: mobjects are copied without ``copy.deepcopy``'s generic dispatch;
:mod:`scenes.live`: live numbers copy their digits from glyphs already scaled;
:mod:`scenes.family`: families listed and updaters run without a recursion per level). Each scene of the default lesson is drawn here twice, in this process, at low quality and
3 frames a second, through its first animations: once as the scenes have it and once with manim's
own code (the speed-ups uninstalled, every cache of glyphs emptied), and every frame must be the
same, bit for bit. A speed-up that moved one pixel of one frame fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from scenes import LESSON_SCENES, copies, family, glyphs, live, paths
from scenes.capture import draw_scene

SPEEDUPS = (glyphs, paths, copies, live, family)
FPS = 3
ANIMATIONS = 8  # each scene up to its 8th animation (its first beat or two): manim stops it there


def draw(module: str, name: str, sped_up: bool, media, tex) -> list[np.ndarray]:
    """Every frame a scene draws (as manim hands them to the movie), with or without the speed-ups."""
    glyphs.forget_svgs()
    for speedup in SPEEDUPS:
        (speedup.install if sped_up else speedup.uninstall)()
    frames: list[np.ndarray] = []
    settings = {"media_dir": str(media), "tex_dir": str(tex), "quality": "low_quality", "frame_rate": FPS,
                "write_to_movie": False, "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none",
                "upto_animation_number": ANIMATIONS}
    try:
        draw_scene(module, name, settings, lambda frame: frames.append(frame.copy()))
    finally:
        for speedup in SPEEDUPS:
            speedup.install()
        glyphs.forget_svgs()
    return frames


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> dict[str, tuple[list[np.ndarray], list[np.ndarray]]]:
    media, tex = tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("tex")
    return {name: (draw(module, name, True, media, tex), draw(module, name, False, media, tex))
            for module, name in LESSON_SCENES}


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for _, name in LESSON_SCENES])
def test_the_speedups_draw_every_frame_the_same(drawn, name: str):
    fast, plain = drawn[name]
    assert len(fast) == len(plain) > FPS  # more than a second of animation
    assert any(frame.any() for frame in plain)  # something was drawn (not all black)
    different = [i for i, (a, b) in enumerate(zip(fast, plain)) if not np.array_equal(a, b)]
    assert different == [], f"{name}: frames {different[:10]} differ"


def test_the_scenes_install_the_speedups():
    import scenes.base  # noqa: F401  (every lesson scene imports it)

    assert all(speedup.installed() for speedup in SPEEDUPS)
