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

A shape whose points did change (a ``Transform`` moves every point of its mobject on every frame)
has its path built by :func:`_build_path`: manim's calls with manim's numbers, read from Python
floats rather than NumPy scalars, and its subpath splits found by a plain loop rather than a dozen
NumPy calls on a few dozen points; at 720p that made a scene's CPU 11 % less (SumOverPaths).
``tests/test_paths.py`` compares the paths, operation by operation, with manim's.
"""

from __future__ import annotations

import weakref

from manim.camera.camera import Camera
from manim.mobject.types.vectorized_mobject import VMobject

from scenes.patch import Patch

_set_path = Camera.set_cairo_context_path
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SPLIT = VMobject.get_subpath_split_indices_from_points
_EQUAL_2D = VMobject.consider_points_equals_2d
_plain_kinds: dict[type, bool] = {}  # type -> whether it splits and closes subpaths as VMobject does


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
    if _plain(vmobject):
        _build_path(self, ctx, vmobject)
    else:
        _set_path(self, ctx, vmobject)
    _kept[vmobject] = (key, _device_path(ctx, matrix))
    return self


def _plain(vmobject) -> bool:
    """Whether the shape splits and closes its subpaths as every ``VMobject`` does (no subclass of
    the lesson's overrides how, but one could)."""
    kind = type(vmobject)
    plain = _plain_kinds.get(kind)
    if plain is None:
        plain = _plain_kinds[kind] = (kind.get_subpath_split_indices_from_points is _SPLIT
                                      and kind.consider_points_equals_2d is _EQUAL_2D)
    return plain and vmobject.n_points_per_cubic_curve == 4


def _build_path(camera: Camera, ctx, vmobject) -> None:
    """The Cairo path manim's ``Camera.set_cairo_context_path`` makes, by the same calls with the same
    numbers, but read from a list of Python floats instead of NumPy scalars, and with the subpath
    splits (manim's vectorised ``np.isclose`` test, for a few dozen points mostly NumPy's call
    overhead) worked out in a plain loop. The camera checked before that every point is finite,
    and for finite numbers the loop does the same IEEE operations as NumPy: the same splits."""
    points = camera.transform_points_pre_display(vmobject, vmobject.points)
    count = len(points)
    if count == 0:
        return
    ctx.new_path()
    if count < 4:
        return
    xy = points[:, :2].ravel().tolist()  # [x0, y0, x1, y1, ...], exactly the same doubles
    atol, rtol = vmobject.tolerance_for_point_equality, 1.0e-5  # rtol: np.isclose's, as manim's
    splits = [0]
    for start in range(4, count, 4):  # the start of each curve after the first
        ex, ey, sx, sy = xy[2 * start - 2], xy[2 * start - 1], xy[2 * start], xy[2 * start + 1]
        if not (abs(ex - sx) <= atol + rtol * abs(sx) and abs(ey - sy) <= atol + rtol * abs(sy)):
            splits.append(start)
    splits.append(count)
    move_to, curve_to, new_sub_path, close_path = ctx.move_to, ctx.curve_to, ctx.new_sub_path, ctx.close_path
    equal = vmobject.consider_points_equals_2d
    for first, end in zip(splits, splits[1:]):
        if end - first < 4:
            continue
        new_sub_path()
        move_to(xy[2 * first], xy[2 * first + 1])
        for i in range(first, end - 3, 4):
            b = 2 * i + 2  # the curve's first handle
            curve_to(xy[b], xy[b + 1], xy[b + 2], xy[b + 3], xy[b + 4], xy[b + 5])
        if equal((xy[2 * first], xy[2 * first + 1]), (xy[2 * end - 2], xy[2 * end - 1])):
            close_path()


def _device_path(ctx, matrix):
    """The context's path in device space. Cairo holds paths in device space as fixed-point numbers;
    read back through the scene's transformation they would come out rounded, and could land a
    1/256 pixel off when appended again. Read with the identity they are exact."""
    ctx.identity_matrix()
    path = ctx.copy_path()
    ctx.set_matrix(matrix)
    return path



# Reuse unchanged shapes' paths (scenes.base installs it).
_PATCH = Patch(Camera, "set_cairo_context_path", _set_path_reusing, forget=_kept.clear)
install, uninstall, installed = _PATCH.install, _PATCH.uninstall, _PATCH.installed
