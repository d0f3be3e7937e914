"""Matrices and column vectors of the model's numbers, built on manim's :class:`MobjectMatrix`.

Each entry is a :class:`~scenes.tex.ShownTex` of one item of a series (``beat.series[key]``), so
the screen reads back as the model's numbers; the brackets are manim's, drawn with TeX but
marked ``lesson_decoration`` so that they are not taken for text. A stored matrix is a series in
row-major order: item ``r * cols + c`` is row ``r``, column ``c``, where ``rows, cols`` always
describe the matrix as stored::

    w = ShownMatrix(beat, "series", "w2", rows=3, cols=4)                  # W^(2), 3 x 4
    wt = ShownMatrix(beat, "series", "w2", rows=3, cols=4, transpose=True)  # its transpose, 4 x 3
    wt.entry(1, 2) is wt.element_of(2 * 4 + 1)                               # shown (1, 2) = stored (2, 1)
    g = ShownVector(beat, "series", "gradient")                             # a column of every item

Unlike manim's own layout (a fixed pitch per row and column, which lets wide numbers collide),
columns are as wide as their widest entry, ``h_buff`` and ``v_buff`` are the gaps between
columns and rows, and the entries of a row stand on one baseline (a number with an exponent
sits level with its neighbours). A matrix is shrunk to a place with :meth:`fit`, never below
the smallest readable type size; entries report their size as shown (:func:`~scenes.tex.font_size_of`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DEFAULT_FONT_SIZE, LEFT, RIGHT, UP, MathTex, MobjectMatrix, SurroundingRectangle, VGroup, VMobject
from manim.constants import SCALE_FACTOR_PER_FONT_POINT

from mathcore.model import Beat
from scenes import palette
from scenes.tex import ShownTex, font_size_of

# TeX sets its type at 10 pt and manim scales a pt by font_size / 960: an em in scene units per
# unit of font size. The math axis (where a minus sign and a fraction bar sit) is 1/4 em above
# the baseline.
EM_PER_FONT_SIZE = 10 * SCALE_FACTOR_PER_FONT_POINT
AXIS_HEIGHT = 0.25

# Gaps, in ems of the entries' type: between columns, between rows, from the entries to the
# brackets, and how far the brackets reach above and below the entries.
H_BUFF, V_BUFF, BRACKET_H_BUFF, BRACKET_V_BUFF = 1.2, 0.8, 0.4, 0.25
# The height of one row of the empty array manim sets its brackets around, in 48-point type.
BRACKET_ROW = 0.5977
ALIGNMENTS = {"left": LEFT, "center": np.zeros(3), "right": RIGHT}


class _ShownGrid(MobjectMatrix):
    """A ``MobjectMatrix`` whose entry at shown row ``r``, column ``c`` is the ShownTex of the
    series item ``grid[r][c]``."""

    def __init__(self, beat: Beat, where: str, key: str, grid: Sequence[Sequence[int]], *,
                 font_size: float = palette.NUMBER_SIZE, color=None, align: str = "center", **matrix_kwargs) -> None:
        if align not in ALIGNMENTS:
            raise ValueError(f"align must be one of {', '.join(ALIGNMENTS)}, not {align!r}")
        items = getattr(beat, where)[key]
        if not isinstance(items, tuple):
            raise TypeError(f"{beat.key}.{where}[{key!r}] is one number, not a series")
        count = len(items)
        wrong = [i for row in grid for i in row if not 0 <= i < count]
        if wrong:
            raise IndexError(f"{beat.key}.{where}[{key!r}] has {count} items, no item {wrong[0]}")
        style = {} if color is None else {"color": color}
        self.indices = [list(row) for row in grid]
        entries = [[ShownTex(beat, where, key, i, font_size=font_size, **style) for i in row] for row in grid]
        self._elements: dict[int, ShownTex] = {i: m for row, ms in zip(grid, entries) for i, m in zip(row, ms)}
        self.align = align
        em = font_size * EM_PER_FONT_SIZE
        options = {"h_buff": H_BUFF * em, "v_buff": V_BUFF * em, "bracket_h_buff": BRACKET_H_BUFF * em,
                   "bracket_v_buff": BRACKET_V_BUFF * em,
                   "bracket_config": {"font_size": font_size, "color": palette.TEXT}} | matrix_kwargs
        super().__init__(entries, **options)

    # -- layout ---------------------------------------------------------------------------------
    def _organize_mob_matrix(self, matrix: list[list[VMobject]]) -> _ShownGrid:
        """Columns as wide as their widest entry, ``h_buff`` apart; rows one pitch apart (the
        tallest entry above its baseline, the deepest below, and ``v_buff``), each on one baseline."""
        cells = [m for row in matrix for m in row]
        ascent = max(m.get_top()[1] - baseline_of(m) for m in cells)
        descent = max(baseline_of(m) - m.get_bottom()[1] for m in cells)
        pitch = ascent + descent + self.v_buff
        widths = [max(row[c].width for row in matrix) for c in range(len(matrix[0]))]
        lefts = np.cumsum([0.0] + [w + self.h_buff for w in widths[:-1]])
        side = ALIGNMENTS[self.align]
        for r, row in enumerate(matrix):
            for c, mob in enumerate(row):
                x = lefts[c] + widths[c] * (1 + side[0]) / 2  # the column's left, middle or right
                mob.move_to(x * RIGHT, side if side[0] else np.zeros(3), coor_mask=np.array([1, 0, 0]))
                mob.shift((-r * pitch - baseline_of(mob)) * UP)
        return self

    def _add_brackets(self, left: str = "[", right: str = "]", **kwargs) -> _ShownGrid:
        """Manim's TeX brackets (``MobjectMatrix`` makes them), set for the entries' type size."""
        self._bracket_tex = (left, right, kwargs)
        top = self.elements.get_top()[1] + self.bracket_v_buff
        self.brackets = VGroup()
        self._set_brackets(top, top - self.elements.height - 2 * self.bracket_v_buff)
        return self

    def _set_brackets(self, top: float, bottom: float) -> None:
        """Brackets from ``top`` to ``bottom``, ``bracket_h_buff`` from the entries.

        Manim sizes its brackets in rows of 48-point type and stretches them to the matrix's
        height, which thickens their arms in smaller type: here TeX sets them with rows of the
        type they are set in, the nearest whole number of rows, stretched by less than half a row."""
        left, right, kwargs = self._bracket_tex
        size = kwargs.get("font_size", DEFAULT_FONT_SIZE)
        rows = max(1, round((top - bottom) / (BRACKET_ROW * size / DEFAULT_FONT_SIZE)))
        array = r"\begin{array}{c}" + rows * r"\quad \\" + r"\end{array}"
        pair = VGroup(MathTex(rf"\left{left}" + array + r"\right.", **kwargs),
                      MathTex(r"\left." + array + rf"\right{right}", **kwargs))
        for bracket, side in zip(pair, (LEFT, RIGHT)):
            bracket.lesson_decoration = True  # TeX-drawn, but no text: not recorded as shown
            bracket.stretch_to_fit_height(top - bottom).set_y((top + bottom) / 2)
            bracket.next_to(self.elements, side, buff=self.bracket_h_buff, coor_mask=np.array([1, 0, 0]))
        self.remove(*self.brackets)
        self.brackets = pair
        self.add(*pair)

    def _refit_brackets(self, around: VMobject | None = None) -> None:
        """Brackets around the entries as they are now (and as tall as ``around``, if it is taller)."""
        top = self.elements.get_top()[1] + self.bracket_v_buff
        bottom = self.elements.get_bottom()[1] - self.bracket_v_buff
        if around is not None:
            top, bottom = max(top, around.get_top()[1]), min(bottom, around.get_bottom()[1])
        self._set_brackets(top, bottom)

    def place_rows(self, axes: Sequence[float], around: VMobject | None = None) -> _ShownGrid:
        """Move each row so that its math axis (where a minus sign or a fraction bar sits) is at
        the height ``axes[r]``: to line it up with the rows of another column, typeset by TeX.
        The brackets then reach around the entries, and as far as ``around`` if it is taller."""
        if len(axes) != len(self.mob_matrix):
            raise ValueError(f"{len(axes)} heights for {len(self.mob_matrix)} rows")
        for r, y in enumerate(axes):
            self.row(r).shift((y - self.axis_of_row(r)) * UP)
        self._refit_brackets(around)
        return self

    def axis_of_row(self, r: int) -> float:
        """The height of row ``r``'s math axis: its entries' baseline plus a quarter em."""
        entries = self.mob_matrix[r]
        size = min(font_size_of(m) for m in entries)
        return float(np.mean([baseline_of(m) for m in entries])) + AXIS_HEIGHT * size * EM_PER_FONT_SIZE

    def fit(self, width: float, height: float, least: float = palette.MIN_FONT_SIZE) -> _ShownGrid:
        """Shrink to ``width`` by ``height`` if larger, but never so far that an entry's type is
        below ``least``: a matrix that cannot fit readably overflows its place a little."""
        scale = min(1.0, width / self.width, height / self.height)
        if scale < 1.0:
            size = font_size_of(self.elements)
            self.scale(max(scale, min(least / size, 1.0)) if size else scale)
        return self

    # -- parts ----------------------------------------------------------------------------------
    def row(self, r: int) -> VGroup:
        """The entries of shown row ``r``."""
        return VGroup(*self.mob_matrix[r])

    def column(self, c: int) -> VGroup:
        """The entries of shown column ``c``."""
        return VGroup(*(row[c] for row in self.mob_matrix))

    def element_of(self, index: int) -> ShownTex:
        """The entry showing series item ``index``."""
        try:
            return self._elements[index]
        except KeyError:
            raise KeyError(f"series item {index} is not shown in this matrix") from None

    def highlight_row(self, r: int, color=palette.HIGHLIGHT, buff: float = 0.08) -> SurroundingRectangle:
        """A rectangle around shown row ``r``, to create or fade in."""
        return SurroundingRectangle(self.row(r), color=color, buff=buff)

    def highlight_column(self, c: int, color=palette.HIGHLIGHT, buff: float = 0.08) -> SurroundingRectangle:
        """A rectangle around shown column ``c``, to create or fade in."""
        return SurroundingRectangle(self.column(c), color=color, buff=buff)


class ShownMatrix(_ShownGrid):
    """The series ``beat.<where>[key]`` as a ``rows`` by ``cols`` matrix, stored row-major.

    ``rows, cols`` describe the stored matrix: item ``r * cols + c`` is its entry ``(r, c)``.
    With ``transpose``, the matrix shown is its transpose (``cols`` rows, ``rows`` columns), and
    shown entry ``(r, c)`` is item ``c * cols + r``. ``align`` places numbers in their column
    (``"left"``, ``"center"``, ``"right"``); other keywords go to ``MobjectMatrix`` (``h_buff``
    and ``v_buff`` are gaps here, not pitches; ``left_bracket``, ``bracket_config``, ...).
    """

    def __init__(self, beat: Beat, where: str, key: str, rows: int, cols: int, *,
                 font_size: float = palette.NUMBER_SIZE, transpose: bool = False, color=None, **matrix_kwargs) -> None:
        count = len(getattr(beat, where)[key])
        if rows * cols != count:
            raise ValueError(f"{beat.key}.{where}[{key!r}] has {count} items, not {rows} x {cols}")
        stored = [[r * cols + c for c in range(cols)] for r in range(rows)]
        grid = [list(col) for col in zip(*stored)] if transpose else stored
        self.stored_shape, self.transposed = (rows, cols), transpose
        super().__init__(beat, where, key, grid, font_size=font_size, color=color, **matrix_kwargs)

    def entry(self, r: int, c: int) -> ShownTex:
        """The entry at shown row ``r``, column ``c``."""
        return self.mob_matrix[r][c]


class ShownVector(_ShownGrid):
    """The series ``beat.<where>[key]`` (every item, or those in ``indices``, in that order) as a
    column vector. Keywords as for :class:`ShownMatrix`."""

    def __init__(self, beat: Beat, where: str, key: str, *, indices: Sequence[int] | None = None,
                 font_size: float = palette.NUMBER_SIZE, color=None, **matrix_kwargs) -> None:
        if indices is None:
            indices = range(len(getattr(beat, where)[key]))
        if not indices:
            raise ValueError("a vector needs at least one entry")
        super().__init__(beat, where, key, [[i] for i in indices], font_size=font_size, color=color, **matrix_kwargs)

    def entry(self, i: int) -> ShownTex:
        """The entry in row ``i``."""
        return self.mob_matrix[i][0]


def baseline_of(mob: VMobject) -> float:
    """The height of the line a typeset number stands on.

    Its digits, point and ``\\times`` stand on the baseline (round digits dip a hair below); a
    minus sign and an exponent sit higher. So: the lowest glyphs, those within a tenth of the
    tallest glyph's height of the lowest bottom."""
    glyphs = mob.family_members_with_points()
    bottoms = np.array([g.get_bottom()[1] for g in glyphs])
    reach = 0.1 * max(g.height for g in glyphs)
    return float(np.median(bottoms[bottoms <= bottoms.min() + reach]))


def row_axes(column: VMobject, rows: int) -> list[float]:
    """The heights of the math axes of the rows of a column typeset by TeX (a ``bmatrix``).

    The flat glyphs of a row (fraction bars, minus signs) lie on its axis: grouped by height, they
    give one axis per row, top first. A column whose flat glyphs do not give ``rows`` heights has
    its rows spread evenly over its brackets, as TeX spreads the rows of an array of like rows.
    """
    left, right = column.get_left()[0], column.get_right()[0]
    inside = [g for g in column.family_members_with_points()
              if left < g.get_left()[0] and g.get_right()[0] < right and g.height < 0.25 * g.width]
    heights: list[list[float]] = []
    for y in sorted((g.get_y() for g in inside), reverse=True):
        if heights and heights[-1][-1] - y < 0.02 * column.height / rows:
            heights[-1].append(y)
        else:
            heights.append([y])
    if len(heights) == rows:
        return [float(np.mean(ys)) for ys in heights]
    top, pitch = column.get_top()[1], column.height / rows
    return [top - (r + 0.5) * pitch for r in range(rows)]

