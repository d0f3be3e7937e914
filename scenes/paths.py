"""Drawing a shape that has not changed since the last frame reuses its Cairo path.

Manim's Cairo camera turns every drawn ``VMobject``'s points into a Cairo path on every frame
(``Camera.set_cairo_context_path``): a Python loop over its Bézier curves, one ``curve_to`` call
each, after transforming the points to pixels. Most of what a frame draws has not moved: manim
redraws every mobject that comes after the first moving one (to keep their layering), and a
number or formula that stays put has the same points frame after frame; in the lesson's scenes
about two thirds of the shapes drawn had the same points as the last time they were drawn.

With :func:`install`, the camera keeps each shape's last path (``Context.copy_path``, in device space) with the
exact bytes of the points and the camera's transformation it was made with, and when both are the same
again appends the kept path instead of rebuilding it. The path is the same list of Cairo
operations, so the pixels are the same (``tests/test_speedups.py`` compares frames). The paths are
kept per mobject, weakly: they go when the mobject does.
"""

from __future__ import annotations

import weakref

from manim.camera.camera import Camera

_set_path = Camera.set_cairo_context_path
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _set_path_reusing(self: Camera, ctx, vmobject) -> Camera:
    points = vmobject.points
    if len(points) == 0 or type(self) is not Camera:  # a 3-D or moving camera: manim's own way
        return _set_path(self, ctx, vmobject)
    matrix = ctx.get_matrix()
    key = (points.tobytes(), tuple(matrix), vmobject.n_points_per_cubic_curve,
           vmobject.tolerance_for_point_equality)
    kept = _kept.get(vmobject)
    if kept is not None and kept[0] == key:
        ctx.new_path()
        ctx.identity_matrix()  # the path was kept in device space: exact, see _device_path
        ctx.append_path(kept[1])
        ctx.set_matrix(matrix)
        return self
    _set_path(self, ctx, vmobject)
    _kept[vmobject] = (key, _device_path(ctx, matrix))
    return self


def _device_path(ctx, matrix):
    """The context's path in device space. Cairo holds paths in device space as fixed-point numbers;
    read back through the scene's transformation they would come out rounded, and could land a
    1/256 pixel off when appended again. Read with the identity they are exact."""
    ctx.identity_matrix()
    path = ctx.copy_path()
    ctx.set_matrix(matrix)
    return path


_set_path_reusing.__wrapped__ = _set_path  # type: ignore[attr-defined]


def install() -> None:
    """Reuse unchanged shapes' paths (idempotent; :mod:`scenes.base` does it)."""
    Camera.set_cairo_context_path = _set_path_reusing  # type: ignore[method-assign]


def uninstall() -> None:
    """Manim's own drawing again (for the tests' before/after)."""
    Camera.set_cairo_context_path = _set_path  # type: ignore[method-assign]
    _kept.clear()


def installed() -> bool:
    return Camera.set_cairo_context_path is _set_path_reusing
