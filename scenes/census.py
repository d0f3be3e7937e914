"""Which TeX strings the lesson's scenes will ask manim for, known before any scene renders.

Each scene compiles its TeX as it goes, one LaTeX run per string (:mod:`pipeline.texbatch`
says why that is slow). To compile them all at once beforehand, something has to know them:
:func:`lesson_tex_files` builds, from the model, the mobjects the toolkit's helpers
(:mod:`scenes.tex`) would build for every equation, number, label and symbol string of every
beat, the digits of live numbers and the TeX brackets of matrices, with manim's compilation
replaced by a stand-in. The stand-in has manim write each string's ``.tex`` file, exactly as it
would before compiling it (same name, same text: ``generate_tex_file``), and hands back a
placeholder SVG. Nothing is compiled and no glyph is drawn, so the census of a whole lesson
takes about a second: a formula stops building as soon as it has asked for its string.

Builds are cheap, so the census errs towards asking for too much (a caption's words in math
mode, brackets of more rows than any matrix has): a string no scene asks for costs a page of
a batch; one missed is compiled by its scene as before. ``tests/test_census.py`` measures how
many of a render's strings the census foresaw.
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from manim import MathTex, TexTemplate, config, logger, tempconfig
from manim.mobject.svg import svg_mobject
from manim.mobject.text import numbers, tex_mobject
from manim.utils.tex_file_writing import generate_tex_file

from mathcore.model import Beat, LessonModel
from scenes import svgstore
from scenes.live import LiveNumber
from scenes.tex import EquationTex, LabelTex, ShownTex, SymbolTex, roomy_rows

# The templates scenes pass for a formula with a matrix in it (scenes.part2's gradient column,
# scenes.part3's gradient row): the census sets every such formula with each.
ROOMY_TEMPLATES: tuple[Callable[[], TexTemplate], ...] = (
    roomy_rows,
    lambda: roomy_rows(2.2, display_fractions=True),
    lambda: roomy_rows(display_fractions=True),
)
# Live numbers (scenes.live) draw each character of the formatter's fixed-point text on its own;
# these two values have every digit, the point and the minus sign between them.
LIVE_VALUES = (-1234567890.5, 0.0123456789)
# A matrix's brackets (scenes.matrices) are set around an empty array of as many rows as the
# entries (or the formula beside them) are tall: about 1.7 rows an entry, 2.3 beside a column of
# full-size fractions. The census asks for brackets of up to this many rows an item of the
# longest series (any matrix or column has at most that many rows), and a few more.
BRACKET_ROWS_PER_ITEM = 2.5

_UNIQUE_GROUP = re.compile(r"<g id='(unique[^']*)'>")


def lesson_tex_files(model: LessonModel, tex_dir: Path, beats: Collection[str] | None = None) -> list[Path]:
    """The ``.tex`` files (written in ``tex_dir``) manim would compile for ``model``'s scenes (for
    the scenes showing ``beats``, if given: those of the other beats are left out, and live
    numbers' digits and matrix brackets are always in), each once, in the order first asked for.

    Only files of templates compiled like manim's default one (``latex`` to DVI) are listed: a
    .tex file does not say which compiler it is for, and :func:`pipeline.texbatch.compile_tex_files`
    compiles with that one. Manim's SVG cache and live numbers' digit cache are as they were
    afterwards (the census fills them with placeholders while it runs)."""
    found: dict[Path, None] = {}
    with _tex_stubbed(Path(tex_dir), found) as stubbed:
        for beat in model.beats:
            if beats is None or beat.key in beats:
                _census_beat(beat)
        stubbed.whole = True  # a live number asks for each digit in turn: build it all
        for value in LIVE_VALUES:
            _try(lambda: LiveNumber(model.fmt, lambda: value, ("census",)))
        stubbed.whole = False
        longest = max((len(items) for beat in model.beats for items in beat.series.values()), default=0)
        for rows in range(1, math.ceil(BRACKET_ROWS_PER_ITEM * longest) + 3):
            array = r"\begin{array}{c}" + rows * r"\quad \\" + r"\end{array}"
            _try(lambda: MathTex(r"\left[" + array + r"\right."))
            _try(lambda: MathTex(r"\left." + array + r"\right]"))
    return list(found)


def _census_beat(beat: Beat) -> None:
    """Build everything the toolkit's helpers can build from one beat (font sizes and colours
    do not change the TeX: each is built once, at its default size)."""
    for key, eq in beat.equations.items():
        _try(lambda: EquationTex(beat, key))
        if _has_matrix(" ".join(eq.tex_parts)):
            for template in ROOMY_TEMPLATES:
                _try(lambda: EquationTex(beat, key, tex_template=template()))
    for key, shown in beat.values.items():
        _census_shown(beat, "values", key, None, shown.label)
    for key, items in beat.series.items():
        for i, shown in enumerate(items):
            _census_shown(beat, "series", key, i, shown.label)
    for key, text in beat.texts.items():
        # Some texts are words, shown with Pango (Caption), not TeX: in math mode they compile
        # (a wasted page) or fail (dropped by the batch), either way harmlessly.
        _try(lambda: LabelTex(beat, key))
        if _has_matrix(text):
            for template in ROOMY_TEMPLATES:
                _try(lambda: LabelTex(beat, key, tex_template=template()))
    for s in _strings(beat.data):
        _try(lambda: SymbolTex(s, ()))


def _census_shown(beat: Beat, where: str, key: str, index: int | None, label: str) -> None:
    _try(lambda: ShownTex(beat, where, key, index))
    _try(lambda: ShownTex(beat, where, key, index, labelled=True))
    _try(lambda: SymbolTex(label, ()))


def _has_matrix(tex: str) -> bool:
    return "matrix}" in tex


def _strings(data: Any) -> Iterator[str]:
    """Every string in ``data``, however deep in lists, tuples and dicts (keys and values: the
    dependency tree's roles are keyed by its nodes' TeX)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, Mapping):
        for key, item in data.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(data, (set, frozenset)):
        for item in sorted(data, key=repr):  # in a stable order
            yield from _strings(item)
    elif isinstance(data, (list, tuple)):
        for item in data:
            yield from _strings(item)


class _Asked(Exception):
    """A formula has asked for its one TeX string: the census stops building it there."""


class _Stub:
    whole = False  # build each mobject whole (with placeholders) rather than stop at its first string


def _try(build: Callable[[], object]) -> None:
    """Build, or skip what a helper cannot build (a key that is not a number, say): the scenes
    do not build it either, or it is compiled as before."""
    try:
        build()
    except Exception:  # any failure: not a string the census can foresee
        pass


@contextmanager
def _tex_stubbed(tex_dir: Path, found: dict[Path, None]) -> Iterator[_Stub]:
    """Within: TeX mobjects write their .tex file into ``tex_dir``, note it in ``found`` and stop
    there (:class:`_Asked`, which :func:`_try` swallows), or, while the stub's ``whole`` is set, are
    drawn from a placeholder; manim's INFO lines are silenced. After: manim's SVG and digit
    caches hold what they held before (whatever the census filled them with is forgotten)."""
    default = TexTemplate()
    svg_cache, digit_cache = dict(svg_mobject.SVG_HASH_TO_MOB_MAP), dict(numbers.string_to_mob_map)
    svg_mobject.SVG_HASH_TO_MOB_MAP.clear()
    numbers.string_to_mob_map.clear()  # else live numbers would not ask for digits already drawn
    level = logger.level
    with tempfile.TemporaryDirectory(prefix="tex-census-") as placeholders:
        drawn: dict[tuple[str, ...], Path] = {}
        stub = _Stub()

        def tex_to_svg_file(expression: str, environment: str | None = None,
                            tex_template: TexTemplate | None = None) -> Path:
            if tex_template is None:
                tex_template = config["tex_template"]
            tex_file = generate_tex_file(expression, environment, tex_template)
            if (tex_template.tex_compiler, tex_template.output_format) == (default.tex_compiler,
                                                                           default.output_format):
                found.setdefault(tex_file, None)
            if not stub.whole:  # a formula asks once (all its parts in one string): nothing more to learn
                raise _Asked
            # One placeholder per set of part ids: manim parses it once, then copies it from its cache.
            ids = tuple(_UNIQUE_GROUP.findall(expression))
            if ids not in drawn:
                drawn[ids] = _placeholder_svg(ids, Path(placeholders) / f"{len(drawn)}.svg")
            return drawn[ids]

        try:
            logger.setLevel(logging.WARNING)
            with tempconfig({"tex_dir": str(tex_dir)}), mock.patch.object(tex_mobject, "tex_to_svg_file",
                                                                          tex_to_svg_file), svgstore.off():
                yield stub
        finally:
            logger.setLevel(level)
            svg_mobject.SVG_HASH_TO_MOB_MAP.clear()
            svg_mobject.SVG_HASH_TO_MOB_MAP.update(svg_cache)
            numbers.string_to_mob_map.clear()
            numbers.string_to_mob_map.update(digit_cache)


def _placeholder_svg(ids: tuple[str, ...], path: Path) -> Path:
    """A small SVG standing in for a formula's: a tiny square in a group of each of manim's part
    ids (``unique000``, ...) in the formula, so that ``MathTex`` finds its parts."""
    square = "<path d='M{x} 0h1v1h-1z'/>"
    if ids:
        content = "".join(f"<g id='{i}'>{square.format(x=2 * n)}</g>" for n, i in enumerate(ids))
    else:
        content = square.format(x=0)
    width = 2 * max(1, len(ids))
    path.write_text(f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}pt' height='1pt' "
                    f"viewBox='0 0 {width} 1'>{content}</svg>\n", encoding="utf-8")
    return path
