"""The render speed-ups change no pixel: frames of every lesson scene drawn with them and without.

The scenes install five speed-ups (:mod:`scenes.glyphs`: glyphs drop their SVG source paths, so
copies are cheap; :mod:`scenes.paths`: a shape that did not change is drawn from its kept Cairo
path; :mod:`scenes.copies`: mobjects are copied without ``copy.deepcopy``'s generic dispatch;
:mod:`scenes.live`: live numbers copy their digits from glyphs already scaled;
:mod:`scenes.family`: families listed and updaters run without a recursion per level). Each scene of the default lesson is drawn here twice, in this process, at low quality and
3 frames a second, through its first animations: once as the scenes have it and once with manim's
own code (the speed-ups uninstalled, every cache of glyphs emptied), and every frame must be the
same, bit for bit. A speed-up that moved one pixel of one frame fails here. So does a render split
between two processes (:mod:`pipeline.split`): its second part, fast-forwarded through the
scene's first five animations and drawn from there, must reach the same state and draw the same
frames.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.split import playing, same_state
from scenes import LESSON_SCENES, copies, family, glyphs, live, paths
from scenes.capture import draw_scene

SPEEDUPS = (glyphs, paths, copies, live, family)
FPS = 3
ANIMATIONS = 8  # each scene up to its 8th animation (its first beat or two): manim stops it there
SPLIT_AT = 5  # the split render's second part: fast-forwarded through animations 0-4, then drawn


def draw(module: str, name: str, sped_up: bool, media, tex, part: str | None = None,
         states: list | None = None, at: int = SPLIT_AT) -> list[np.ndarray]:
    """Every frame a scene draws (as manim hands them to the movie), with or without the speed-ups;
    ``part``: as that part of a render split at animation ``at`` (:mod:`pipeline.split`), and the
    scene's state where that animation starts, with the frames drawn before it, put in ``states``."""
    glyphs.forget_svgs()
    for speedup in SPEEDUPS:
        (speedup.install if sped_up else speedup.uninstall)()
    frames: list[np.ndarray] = []
    settings = {"media_dir": str(media), "tex_dir": str(tex), "quality": "low_quality", "frame_rate": FPS,
                "write_to_movie": False, "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none",
                "upto_animation_number": ANIMATIONS}
    kept = states if states is not None else []
    try:
        with playing(part, at, lambda state: kept.append((state, len(frames)))):
            draw_scene(module, name, settings, lambda frame: frames.append(frame.copy()))
    finally:
        for speedup in SPEEDUPS:
            speedup.install()
        glyphs.forget_svgs()
    return frames


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> dict[str, tuple[list[np.ndarray], list[np.ndarray], list, tuple[list, list]]]:
    """Each scene: its frames with the speed-ups and without; with them, its state where the split
    render's second part starts; and the second part's frames and state."""
    media, tex = tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("tex")
    out = {}
    for module, name in LESSON_SCENES:
        states: list = []
        fast = draw(module, name, True, media, tex, states=states)
        at = SPLIT_AT
        if not states:  # a scene of fewer animations (the title): split after its second
            at = 2
            fast = draw(module, name, True, media, tex, states=states, at=at)
        rest_states: list = []
        rest = draw(module, name, True, media, tex, "rest", rest_states, at)
        out[name] = (fast, draw(module, name, False, media, tex), states, (rest, rest_states))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for _, name in LESSON_SCENES])
def test_the_speedups_draw_every_frame_the_same(drawn, name: str):
    fast, plain, _, _ = drawn[name]
    assert len(fast) == len(plain) > FPS  # more than a second of animation
    assert any(frame.any() for frame in plain)  # something was drawn (not all black)
    different = [i for i, (a, b) in enumerate(zip(fast, plain)) if not np.array_equal(a, b)]
    assert different == [], f"{name}: frames {different[:10]} differ"


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for _, name in LESSON_SCENES])
def test_a_split_render_draws_every_frame_after_the_split_the_same(drawn, name: str):
    """The second part of a render split at animation 5 (fast-forwarded through animations 0-4,
    not drawn) reaches the scene's state there, and draws the frames of animations 5-8 the same."""
    fast, _, [(state, before)], (rest, [(rest_state, rest_before)]) = drawn[name]
    assert same_state(state, rest_state) is None
    assert rest_before == 0 and before > 0 and len(rest) == len(fast) - before > 0
    different = [i for i, (a, b) in enumerate(zip(fast[before:], rest)) if not np.array_equal(a, b)]
    assert different == [], f"{name}: frames {different[:10]} after the split differ"


def test_the_scenes_install_the_speedups():
    import scenes.base  # noqa: F401  (every lesson scene imports it)

    assert all(speedup.installed() for speedup in SPEEDUPS)
