"""Cheap copies of TeX and text: a glyph drops its SVG path once its points are made.

Manim builds every glyph of a ``MathTex``, ``Tex`` or ``Text`` as a ``VMobjectFromSVGPath`` and
keeps the svgelements ``Path`` it was read from (``path_obj``) for as long as the glyph lives. The
path is read once, in ``generate_points``, to make the glyph's Bézier points; after that nothing in
manim reads it again. But ``Mobject.copy`` is a deep copy, and svgelements paths are deep trees
of small Python objects: a copied formula spends most of its time copying paths it never uses
again (a three-part ``MathTex`` of 28 glyphs took 61 ms to copy, 96 % of it paths and the
SVG-group map that refers to them). Manim copies mobjects all the time: every ``Transform``,
``FadeIn`` and ``Write`` copies its mobject, every TeX string after the first is a copy from
manim's SVG cache, and a live number (``DecimalNumber``) rebuilds its digits from that cache on
every frame it changes.

After :func:`install` (which :mod:`scenes.tex`, and so every scene, calls) every glyph made drops its path as soon as its points
exist (``path_obj`` becomes ``None``). Points, colours and shapes are untouched, so every frame
is the same as before (``tests/test_glyphs.py`` checks that, and that copies are cheap).
"""

from __future__ import annotations

from manim.mobject.svg.svg_mobject import SVG_HASH_TO_MOB_MAP, VMobjectFromSVGPath
from manim.mobject.text.numbers import string_to_mob_map

from scenes.patch import Patch

_generate_points = VMobjectFromSVGPath.generate_points


def _generate_points_then_drop_path(self: VMobjectFromSVGPath) -> VMobjectFromSVGPath:
    result = _generate_points(self)
    self.path_obj = None  # read once, above; kept, it makes every copy of the glyph slow
    return result


# Glyphs made from now on drop their SVG paths (scenes.tex installs it). Uninstalled, manim's own
# behaviour again for glyphs made from then on: manim's SVG cache keeps glyphs made before, so
# clear it (forget_svgs) to make them anew.
_PATCH = Patch(VMobjectFromSVGPath, "generate_points", _generate_points_then_drop_path)
install, uninstall, installed = _PATCH.install, _PATCH.uninstall, _PATCH.installed


def forget_svgs() -> None:
    """Empty manim's in-memory caches of parsed SVGs (TeX and text) and of the digits a
    ``DecimalNumber`` copies, so that the next ones are made anew."""
    SVG_HASH_TO_MOB_MAP.clear()
    string_to_mob_map.clear()

