"""Formulas, numbers and captions on screen, each built from the lesson model and tagged.

Every text-like mobject a scene shows comes from here. Each carries ``lesson_source``, the
address of what it shows in the model (``("local_derivatives", "equations", "product")``), so the
tests can read the screen back and compare it with the model, and a scene cannot show a number or
formula that the model does not hold.

Equations are built from their keyed TeX parts: ``eq.part("dC_da")`` is the sub-mobject of that
part, for colouring or transforming by name rather than by index.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    AnimationGroup,
    DecimalNumber,
    FadeIn,
    FadeOut,
    MathTex,
    ReplacementTransform,
    SingleStringMathTex,
    TexTemplate,
    Text,
    VGroup,
    VMobject,
    config,
)

from mathcore.model import Beat, Shown
from scenes import glyphs, palette, svgstore

Source = tuple[str, ...]

glyphs.install()  # copies of formulas and words without their SVG source paths: many times faster
svgstore.install()  # SVGs parsed once per build, kept in the store the pipeline names (scenes.svgstore)


class EquationTex(MathTex):
    """One of the model's equations, with its parts addressable by key."""

    def __init__(self, beat: Beat, key: str, font_size: float = palette.EQUATION_SIZE, **kwargs) -> None:
        eq = beat.equations[key]
        super().__init__(*eq.tex_parts, font_size=font_size, **kwargs)
        _note_size(self, font_size)
        self.equation = eq
        self.lesson_source: Source = (beat.key, "equations", key)
        for part_key, sub in zip(eq.keys, self.submobjects):
            sub.lesson_source = self.lesson_source + ("part", part_key)  # pieces shown on their own
        fit_width(self)  # however long the lesson's numbers make it, never wider than the frame

    def part(self, *keys: str) -> VGroup:
        """The sub-mobjects of the named parts, in the order given."""
        return VGroup(*(self[self.equation.index(k)] for k in keys))

    def has(self, key: str) -> bool:
        return key in self.equation.keys

    def factor_keys(self, kind: str | None = None) -> list[str]:
        """The keys of the chain-rule factors the model lists for this equation, in the order
        shown (only those of one ``kind``, such as ``"weight"``, if given)."""
        return [f.key for f in self.equation.factors if kind is None or f.kind == kind]

    def color_roles(self) -> EquationTex:
        """Colour each part that is one quantity by its role (weight blue, bias pink, ...)."""
        for key, role in self.equation.roles.items():
            color = palette.role_color(role)
            if color is not None:
                self.part(key).set_color(color)
        return self


class ShownTex(MathTex):
    """One number from the model, optionally as ``label = value``."""

    def __init__(self, beat: Beat, where: str, key: str, index: int | None = None, *, labelled: bool = False,
                 font_size: float = palette.NUMBER_SIZE, **kwargs) -> None:
        shown = _shown(beat, where, key, index)
        parts = (shown.label, "=", shown.tex) if labelled else (shown.tex,)
        super().__init__(*parts, font_size=font_size, **kwargs)
        _note_size(self, font_size)
        self.shown = shown
        self.lesson_source: Source = (beat.key, where, key) + (() if index is None else (str(index),))
        for i, sub in enumerate(self.submobjects):
            sub.lesson_source = self.lesson_source + ("part", str(i))
        fit_width(self)


def _shown(beat: Beat, where: str, key: str, index: int | None) -> Shown:
    if where == "values":
        return beat.values[key]
    if where == "series":
        return beat.series[key][index or 0]
    raise KeyError(f"no numbers under {where!r}")


class LabelTex(MathTex):
    """A symbol label whose TeX the model holds (``beat.texts[key]``), e.g. ``a^{(L-1)}_k``."""

    def __init__(self, beat: Beat, key: str, font_size: float = palette.LABEL_SIZE, **kwargs) -> None:
        super().__init__(beat.texts[key], font_size=font_size, **kwargs)
        _note_size(self, font_size)
        self.lesson_source: Source = (beat.key, "texts", key)


class SymbolTex(MathTex):
    """A symbol's TeX taken from a model-provided string (a Shown label or a data entry)."""

    def __init__(self, tex: str, source: Source, font_size: float = palette.LABEL_SIZE, **kwargs) -> None:
        super().__init__(tex, font_size=font_size, **kwargs)
        _note_size(self, font_size)
        self.lesson_source: Source = source


class Caption(Text):
    """A line of words from the model: a beat's title or one of its texts.

    With ``width``, words that would run wider are wrapped onto as few lines as need be, of
    about equal length (``words`` stays the model's text)."""

    def __init__(self, beat: Beat, key: str | None = None, font_size: float = palette.CAPTION_SIZE,
                 width: float | None = None, **kwargs) -> None:
        words = beat.title if key is None else beat.texts[key]
        shown = words
        if width is not None:
            one_line = Text(words, font_size=font_size, **kwargs).width
            if one_line > width:
                shown = "\n".join(wrap_words(words, math.ceil(one_line / width)))
        super().__init__(shown, font_size=font_size, **kwargs)
        _note_size(self, font_size)
        self.lesson_source: Source = (beat.key, "title") if key is None else (beat.key, "texts", key)
        self.words = words
        fit_width(self)  # a lesson file's title may be long


def wrap_words(words: str, lines: int) -> list[str]:
    """``words`` in ``lines`` lines (or fewer) of about equal length, broken between words."""
    target = len(words) / lines
    out: list[str] = []
    for word in words.split():
        if out and len(out) < lines and len(out[-1]) + 1 + len(word) / 2 > target:
            out.append(word)
        elif out:
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def transform_by_key(source: EquationTex, target: EquationTex, **kwargs) -> AnimationGroup:
    """Morph ``source`` into ``target`` part by part: shared keys move, others fade."""
    anims = []
    shared = [k for k in target.equation.keys if source.has(k)]
    for key in shared:
        anims.append(ReplacementTransform(source.part(key), target.part(key)))
    for key in target.equation.keys:
        if key not in shared:
            anims.append(FadeIn(target.part(key), shift=0.2 * DOWN))
    for key in source.equation.keys:
        if key not in shared:
            anims.append(FadeOut(source.part(key)))
    return AnimationGroup(*anims, **kwargs)


SAFE_WIDTH = config.frame_width - 2 * palette.MARGIN - 0.4


def fit_width(mob: VMobject, width: float = SAFE_WIDTH) -> VMobject:
    """Shrink ``mob`` to ``width`` if it is wider (never enlarge it)."""
    if mob.width > width:
        mob.scale_to_fit_width(width)
    return mob


def _note_size(mob: VMobject, font_size: float) -> None:
    """Remember the type size and width ``mob`` was built with, to tell its size once scaled."""
    mob.built_size = (font_size, mob.width)


def font_size_of(mob: VMobject) -> float | None:
    """The smallest type size among the texts in ``mob`` as it is now scaled (``None``: no text).

    For the toolkit's texts, the size built times how much it was scaled since (manim's own
    ``font_size`` of a multi-part formula with fractions reads wrong once it is scaled)."""
    family = mob.get_family()
    noted = [m for m in family if hasattr(m, "built_size")]
    if noted:
        sizes = [size * m.width / width if width else size for m in noted for size, width in [m.built_size]]
    else:
        sizes = [m.font_size for m in family if isinstance(m, (SingleStringMathTex, Text, DecimalNumber))]
    return min(sizes) if sizes else None


def fit_readable(mob: VMobject, width: float, least: float = palette.MIN_FONT_SIZE) -> VMobject:
    """Shrink ``mob`` towards ``width`` if it is wider, but never below the type size ``least``:
    where a label cannot fit its place readably it overflows it a little (a number in a neuron)."""
    if mob.width > width:
        size = font_size_of(mob)
        floor = least / size if size else 0.0
        mob.scale(max(width / mob.width, min(floor, 1.0)))
    return mob


def fit_height(mob: VMobject, height: float) -> VMobject:
    """Shrink ``mob`` to ``height`` if it is taller (never enlarge it)."""
    if mob.height > height:
        mob.scale_to_fit_height(height)
    return mob


def fit_height_readable(mob: VGroup, height: float) -> VGroup:
    """Shrink ``mob`` to ``height`` if taller, but not so far that its smallest type is unreadable."""
    if mob.height > height:
        size = font_size_of(mob) or palette.MIN_FONT_SIZE
        mob.scale(max(height / mob.height, min(1.0, palette.MIN_FONT_SIZE / size)))
    return mob


def fit_below(mob: VMobject, above: VMobject, buff: float = 0.4, margin: float = palette.MARGIN) -> VMobject:
    """Place ``mob`` under ``above``, shrinking it if needed to end above the frame's bottom margin."""
    room = above.get_bottom()[1] - buff - (-config.frame_height / 2 + margin)
    return fit_height(mob, room).next_to(above, DOWN, buff=buff)


def room_right_of(x: float, margin: float = palette.MARGIN + 0.1) -> float:
    """The width from ``x`` to the frame's right margin."""
    return config.frame_width / 2 - margin - x


def flow(mobjects: Sequence[VMobject], width: float = SAFE_WIDTH, buff: float = 0.6, line_buff: float = 0.3,
         aligned_edge=LEFT) -> VGroup:
    """Mobjects in a row, wrapped onto further lines (like words) where the row would be wider
    than ``width``; a line that is still too wide (one long mobject) is shrunk to ``width``.

    Returns the lines, each a ``VGroup``, stacked with ``aligned_edge`` lined up."""
    lines: list[list[VMobject]] = [[]]
    used = 0.0
    for mob in mobjects:
        needed = mob.width + (buff if lines[-1] else 0.0)
        if lines[-1] and used + needed > width:
            lines.append([])
            needed, used = mob.width, 0.0
        lines[-1].append(mob)
        used += needed
    rows = VGroup(*(fit_width(VGroup(*line).arrange(RIGHT, buff=buff), width) for line in lines))
    return rows.arrange(DOWN, buff=line_buff, aligned_edge=aligned_edge)


def stagger(mobjects: Sequence[VMobject], gap: float = 0.15, direction=DOWN, buff: float = 0.1) -> bool:
    """Neighbours in a row (left to right) that would touch: move every other one a line further
    in ``direction``, so each has twice the room. Returns whether it moved them."""
    crowded = any(b.get_left()[0] - a.get_right()[0] < gap for a, b in zip(mobjects, mobjects[1:]))
    if crowded:
        step = max(m.height for m in mobjects) + buff
        for mob in mobjects[1::2]:
            mob.shift(step * direction)
    return crowded


def place_clear(mob: VMobject, anchor: VMobject, directions: Sequence, taken: Iterable[VMobject],
                buff: float = 0.15) -> VMobject:
    """Put ``mob`` next to ``anchor`` on the first of ``directions`` where it overlaps none of
    ``taken`` and stays inside the frame (on the first side if none is clear)."""
    taken = list(taken)
    half_w, half_h = config.frame_width / 2 - palette.MARGIN, config.frame_height / 2 - palette.MARGIN
    for direction in directions:
        mob.next_to(anchor, direction, buff=buff)
        inside = (mob.get_left()[0] > -half_w and mob.get_right()[0] < half_w
                  and mob.get_bottom()[1] > -half_h and mob.get_top()[1] < half_h)
        if inside and not any(boxes_meet(mob, other, 0.05) for other in taken):
            return mob
    return mob.next_to(anchor, directions[0], buff=buff)


def boxes_meet(a: VMobject, b: VMobject, pad: float = 0.0) -> bool:
    """Whether the bounding boxes of ``a`` and ``b``, grown by ``pad``, overlap."""
    return (a.get_left()[0] - pad < b.get_right()[0] and b.get_left()[0] < a.get_right()[0] + pad
            and a.get_bottom()[1] - pad < b.get_top()[1] and b.get_bottom()[1] < a.get_top()[1] + pad)


def stack(mobjects: Iterable[VMobject], buff: float = 0.35, aligned_edge=LEFT) -> VGroup:
    """Mobjects one under another, left-aligned."""
    return VGroup(*mobjects).arrange(DOWN, buff=buff, aligned_edge=aligned_edge)


def stack_at(equations: Iterable[EquationTex], key: str = "eq", buff: float = 0.35) -> VGroup:
    """Equations one under another with their ``key`` parts (the ``=`` signs) lined up."""
    group = stack(equations, buff=buff)
    anchor = group[0].part(key).get_center()[0]
    for eq in group[1:]:
        eq.shift((anchor - eq.part(key).get_center()[0]) * RIGHT)
    return group


def roomy_rows(stretch: float = 1.8, display_fractions: bool = False) -> TexTemplate:
    """Manim's default TeX template with matrix rows ``stretch`` times as tall.

    For a column of fractions (``bmatrix``), whose rows otherwise touch. With
    ``display_fractions``, fractions are set full size (as ``\\dfrac``), not in the small type TeX
    uses inside a matrix: a long column shrunk to fit the frame stays readable. The TeX shown is
    unchanged: pass it as ``EquationTex(beat, key, tex_template=roomy_rows())``.
    """
    template = TexTemplate()
    template.add_to_preamble(rf"\renewcommand{{\arraystretch}}{{{stretch}}}")
    if display_fractions:
        template.add_to_preamble(r"\let\textfrac\frac \renewcommand{\frac}[2]{{\displaystyle\textfrac{#1}{#2}}}")
    return template
