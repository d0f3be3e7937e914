"""The kept and rebuilt Cairo paths (:mod:`scenes.paths`) are manim's own, operation by operation.

Each shape is drawn into a Cairo context by manim's ``Camera.set_cairo_context_path`` and by
:mod:`scenes.paths`'s builder (first drawing: built; second: the kept path appended), and the
contexts' paths are compared exactly (``Context.copy_path``: every move, curve and close with its
numbers). The shapes cover what the lesson draws (glyphs with holes, open and closed curves,
several subpaths) and the edges of manim's subpath rules: anchors that nearly meet (within and
just beyond manim's tolerance), a trailing partial curve, fewer points than one curve, and points
that are not finite.
"""

from __future__ import annotations

import cairo
import numpy as np
import pytest
from manim import Arc, Circle, Line, MathTex, Square, Text, VGroup, VMobject, tempconfig
from manim.camera.camera import Camera

import scenes.base  # noqa: F401  (installs the speed-ups, as every lesson scene has them)
from scenes import paths


@pytest.fixture(scope="module")
def camera(tmp_path_factory):
    with tempconfig({"media_dir": str(tmp_path_factory.mktemp("media")), "verbosity": "WARNING",
                     "quality": "low_quality"}):
        yield Camera()


def context(camera: Camera) -> cairo.Context:
    """A context set up as the camera sets up its own (the scene's units to pixels)."""
    surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, camera.pixel_width, camera.pixel_height)
    ctx = cairo.Context(surface)
    ctx.scale(camera.pixel_width, camera.pixel_height)
    ctx.set_matrix(cairo.Matrix(camera.pixel_width / camera.frame_width, 0, 0,
                                -camera.pixel_height / camera.frame_height,
                                camera.pixel_width / 2, camera.pixel_height / 2))
    return ctx


def path_of(camera: Camera, vmobject, draw) -> list:
    ctx = context(camera)
    draw(camera, ctx, vmobject)
    return list(ctx.copy_path())


def shaped(points) -> VMobject:
    shape = VMobject()
    shape.points = np.asarray(points, dtype=float)
    return shape


def examples() -> dict[str, VMobject]:
    tol = VMobject().tolerance_for_point_equality
    square = Square().points
    gap_inside = square.copy()
    gap_inside[4] += [tol * 0.5, 0, 0]  # the second curve starts within tolerance of the first's end
    gap_beyond = square.copy()
    gap_beyond[4] += [1e-3, 0, 0]  # and beyond it (tolerance plus 1e-5 of the coordinate): a new subpath
    return {
        "glyphs": MathTex(r"\frac{\partial C_0}{\partial a^{(L)}} = 2(a-y)"),
        "words": Text("gradient"),
        "circle": Circle(),
        "arc": Arc(angle=2.5),
        "line": Line([-1, 0, 0], [2, 1, 0]),
        "two squares": VGroup(Square(), Square().shift([3, 0, 0])),
        "near gap": shaped(gap_inside),
        "gap": shaped(gap_beyond),
        "partial curve": shaped(np.vstack([square, square[:2]])),
        "less than a curve": shaped(square[:3]),
        "not finite": shaped(np.where(np.arange(16)[:, None] == 5, np.nan, square)),
    }


# (Named here, made in the test: made at collection, the formula would be compiled by both test
# workers at once, in the working folder's media/, and manim's temporary SVG file is not for sharing.)
NAMES = ["glyphs", "words", "circle", "arc", "line", "two squares", "near gap", "gap", "partial curve",
         "less than a curve", "not finite"]


def test_every_example_is_named(camera):
    assert list(examples()) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_a_path_is_built_and_kept_as_manim_builds_it(camera, name):
    shapes = [m for m in examples()[name].get_family() if len(m.points)]
    assert shapes
    for shape in shapes:
        manims = path_of(camera, shape, paths._set_path)
        assert paths._plain(shape)
        built = path_of(camera, shape, paths._set_path_reusing)  # first time: built
        kept = path_of(camera, shape, paths._set_path_reusing)  # same points: the kept path
        assert built == manims and kept == manims
    closes = sum(op == cairo.PATH_CLOSE_PATH for op, _ in manims)
    if name == "gap":  # two open subpaths: one curve, then three
        assert closes == 0
    if name == "near gap":  # one closed square (Cairo moves to its start again after the close)
        assert closes == 1


def test_a_shape_that_splits_its_own_way_is_left_to_manim():
    class Own(VMobject):
        def get_subpath_split_indices_from_points(self, points, n_dims=3):
            return super().get_subpath_split_indices_from_points(points, n_dims)

    assert not paths._plain(Own()) and paths._plain(VMobject())
