"""A scene rendered in two processes (``pipeline.split``) is the scene rendered in one.

The second process fast-forwards through the first part's animations without drawing them. Here,
for scenes of the default lesson with the most state carried from animation to animation (live
numbers following a nudge), in this process: the scene is rendered as usual up to a few
animations past its middle, and again fast-forwarded to its middle and rendered from there; the
scene's state where the second part starts (points, colours, clock) must be the same (up to float
rounding), and every frame drawn after it the same, bit for bit. ``tests/test_speedups.py`` does
the same for every scene, split after its fifth animation. The two scenes are also split on a
generated lesson (tanh, ReLU and sigmoid layers, the half quadratic cost: other numbers, other
live-number widths). The pipeline's side (two processes,
their movie files put together, a split that does not add up rendered again whole) is tested on
the tiny scenes in ``tests/test_pipeline.py``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from pipeline.split import playing, same_state, split_point
from scenes import LESSON_SCENES
from scenes.capture import draw_scene
from scenes.lesson import LESSON_ENV

from .lessongen import lesson_text

FPS = 2
AFTER = 3  # animations drawn after the split, compared frame by frame
EVERYTHING = 10**6  # a split past the end: fast-forward through the whole scene
# Scenes split in their middle: the one `make bench-render` changes, and the one with a nudge
# followed by live numbers through two beats (each costs about 10 s of CPU here).
MIDDLE = [(module, name) for module, name in LESSON_SCENES if name in ("ChainRule", "NudgeLastWeight")]
GENERATED = 17  # lesson_text's seed: tanh, ReLU and sigmoid layers, the half quadratic cost
LESSONS = ["default", f"generated {GENERATED}"]


# -- where to split ----------------------------------------------------------------------------------
def test_the_split_balances_the_two_parts():
    # Worked by hand, the rest fast-forwarding at 0.15 of each animation's time but the first's:
    # at 1: first 0.5, rest 0.5 + 4 = 4.5; at 2: 1.5 and 0.5 + 0.15 + 3 = 3.65;
    # at 3: 2.5 and 0.5 + 0.3 + 2 = 2.8; at 4: 3.5 and 0.5 + 0.45 + 1 = 1.95. Longest part shortest
    # at 3 (2.8 s), and 2.8 is under 0.8 of the whole 4.5 s.
    assert split_point([0.5, 1, 1, 1, 1]) == 3
    assert split_point([0.5, 1, 1, 1, 1], fast_forward=1.0) is None  # fast-forwarding as slow as rendering


def test_a_short_scene_or_one_long_animation_is_not_split():
    assert split_point([0.3, 0.3, 0.3]) is None  # 0.9 s in all: two processes cost more
    assert split_point([0.1, 5.0]) is None  # one part would still take 5 of the 5.1 s
    assert split_point([3.0]) is None


# -- fast-forwarding is exact on the lesson's scenes -----------------------------------------------------
def render(module: str, name: str, part: str | None, at: int, upto: int, media, tex) -> tuple[list, list]:
    """The frames drawn and ``[(state where animation at starts, frames drawn before it)]``."""
    frames: list[np.ndarray] = []
    states: list = []
    settings = {"media_dir": str(media), "tex_dir": str(tex), "pixel_width": 427, "pixel_height": 240, "frame_rate": FPS,
                "write_to_movie": False, "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none",
                "upto_animation_number": upto}
    with playing(part, at, lambda state: states.append((state, len(frames)))):
        draw_scene(module, name, settings, lambda frame: frames.append(frame.copy()))
    return frames, states


def plays(module: str, name: str, media, tex) -> int:
    """How many animations the scene plays (fast-forwarded through to count them)."""
    from manim.renderer.cairo_renderer import CairoRenderer

    counted: list[int] = []
    finished = CairoRenderer.scene_finished

    def count(renderer, scene) -> None:
        counted.append(renderer.num_plays)

    CairoRenderer.scene_finished = count
    try:
        render(module, name, "rest", EVERYTHING, -1, media, tex)
    finally:
        CairoRenderer.scene_finished = finished
    return counted[0]


@pytest.fixture(scope="module")
def split_renders(tmp_path_factory) -> dict[tuple[str, str], tuple]:
    media, tex = tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("tex")
    generated = tmp_path_factory.mktemp("lesson") / "generated.toml"
    generated.write_text(lesson_text(GENERATED), encoding="utf-8")
    renders = {}
    saved = os.environ.pop(LESSON_ENV, None)
    try:
        for lesson in LESSONS:
            if lesson != "default":
                os.environ[LESSON_ENV] = str(generated)
            for module, name in MIDDLE:
                at = plays(module, name, media, tex) // 2
                whole = render(module, name, None, at, at + AFTER, media, tex)
                rest = render(module, name, "rest", at, at + AFTER, media, tex)
                renders[lesson, name] = (at, whole, rest)
    finally:
        os.environ.pop(LESSON_ENV, None)
        if saved is not None:
            os.environ[LESSON_ENV] = saved
    return renders


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
@pytest.mark.parametrize("name", [name for _, name in MIDDLE])
def test_fast_forwarding_to_the_middle_of_a_scene_then_rendering_draws_the_same_frames(split_renders, lesson: str,
                                                                                       name: str):
    at, (frames, [(state, before)]), (rest_frames, [(rest_state, rest_before)]) = split_renders[lesson, name]
    assert at >= 2
    assert same_state(state, rest_state) is None
    assert rest_before == 0  # nothing drawn while fast-forwarding
    assert before > 0 and len(rest_frames) == len(frames) - before > 0
    assert any(frame.any() for frame in rest_frames)
    different = [i for i, (a, b) in enumerate(zip(frames[before:], rest_frames)) if not np.array_equal(a, b)]
    assert different == [], f"{name}: frames {different[:10]} after the split differ"


@pytest.mark.slow
def test_the_generated_lesson_is_the_one_drawn(split_renders):
    """The scenes read the generated lesson file: its numbers, not the default ones, are drawn."""
    for _, name in MIDDLE:
        default, generated = split_renders["default", name][1][0], split_renders[LESSONS[1], name][1][0]
        assert any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(default, generated)), name


def test_a_different_state_is_found():
    labels = ["clock after 3 animations", "0.0 Dot points"]
    state = (labels, [np.array([1.0]), np.zeros((4, 3))])
    assert same_state(state, (labels, [np.array([1.0]), np.full((4, 3), 1e-12)])) is None  # rounding
    assert same_state(state, (labels, [np.array([1.0]), np.full((4, 3), 1e-3)])) == "0.0 Dot points differ"
    assert same_state(state, (labels, [np.array([1.0 + 1 / 15]), np.zeros((4, 3))])) == \
        "clock after 3 animations differ"
    assert "other mobjects" in same_state(state, (labels[:1], [np.array([1.0])]))
