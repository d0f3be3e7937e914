"""Glyphs drop their SVG source paths (scenes.glyphs): the same shapes, copied without them."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from manim import MathTex, Text, tempconfig
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

from scenes import glyphs

FORMULA = (r"\frac{\partial C_0}{\partial w^{(L)}}", "=", r"a^{(L-1)}\sigma'(z^{(L)})")


@pytest.fixture
def media(tmp_path):
    with tempconfig({"media_dir": str(tmp_path), "tex_dir": str(tmp_path / "Tex"), "verbosity": "WARNING"}):
        yield tmp_path


def shapes(mobject) -> list[tuple[type, np.ndarray, np.ndarray, np.ndarray]]:
    """Every member's class, points and colours, in family order."""
    return [(type(m), m.points.copy(), m.fill_rgbas.copy(), m.stroke_rgbas.copy()) for m in mobject.get_family()]


def built(installed: bool):
    """A formula and a word, made with manim's own glyphs or with ours (the SVG cache emptied first)."""
    glyphs.forget_svgs()
    (glyphs.install if installed else glyphs.uninstall)()
    try:
        return MathTex(*FORMULA), Text("cost")
    finally:
        glyphs.install()  # as the scenes have it
        glyphs.forget_svgs()


def test_glyphs_keep_their_shapes_and_lose_only_their_paths(media):
    for before, after in zip(built(installed=False), built(installed=True)):
        old, new = shapes(before), shapes(after)
        assert len(old) == len(new) > 3
        for (cls_a, points_a, fill_a, stroke_a), (cls_b, points_b, fill_b, stroke_b) in zip(old, new):
            assert cls_a is cls_b
            assert np.array_equal(points_a, points_b) and np.array_equal(fill_a, fill_b)
            assert np.array_equal(stroke_a, stroke_b)
        paths_before = [m.path_obj for m in before.get_family() if isinstance(m, VMobjectFromSVGPath)]
        paths_after = [m.path_obj for m in after.get_family() if isinstance(m, VMobjectFromSVGPath)]
        assert paths_before and all(p is not None for p in paths_before)  # manim keeps them: the cost
        assert len(paths_after) == len(paths_before) and all(p is None for p in paths_after)


def test_a_copy_holds_no_svg_path_objects(media):
    """What makes copies slow is gone: a copy's deep-copied objects are mobjects, arrays and colours,
    not the thousands of svgelements segments manim keeps (counted through deepcopy's memo)."""

    def copied_objects(mobject) -> tuple[int, int]:
        memo: dict[int, object] = {}
        copy.deepcopy(mobject, memo)
        from_svgelements = sum(1 for v in memo.values() if type(v).__module__.startswith("svgelements"))
        return len(memo), from_svgelements

    before, _ = built(installed=False)
    after, _ = built(installed=True)
    objects_before, svg_before = copied_objects(before)
    objects_after, svg_after = copied_objects(after)
    assert svg_before > 100 and svg_after == 0
    assert objects_after < objects_before / 2


def test_the_scenes_install_it():
    import scenes.tex  # noqa: F401  (every scene imports it)

    assert glyphs.installed()
