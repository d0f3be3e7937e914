"""Live numbers and nudges: values that follow a tracker through the model's own formulas.

A :class:`Nudge` holds a ``ValueTracker`` for one input (``w^{(L)}``, ``x``) and a function from
the lesson model that maps it to every dependent value. A :class:`LiveNumber` shows one of those
values through the lesson's formatter, at fixed width. Its updater rebuilds the digits only when
the text it would show changes: rebuilding every frame (the usual ``always_redraw`` pattern) made
a typical scene 2.5 times slower to render.
"""

from __future__ import annotations

from collections.abc import Callable

from manim import DecimalNumber, ValueTracker, VMobject
from manim.mobject.text import numbers

from mathcore.formatting import Formatter
from scenes import palette
from scenes.patch import Patch


class Nudge:
    """A tracker and the model's formula of everything that depends on it."""

    def __init__(self, start: float, formula: Callable[[float], tuple[float, ...]]) -> None:
        self.tracker = ValueTracker(start)
        self.formula = formula
        self._last: tuple[float, tuple[float, ...]] | None = None

    @property
    def value(self) -> float:
        return self.tracker.get_value()

    def outputs(self) -> tuple[float, ...]:
        """``formula(value)``, computed once per tracker value however many displays ask."""
        v = self.value
        if self._last is None or self._last[0] != v:
            self._last = (v, tuple(self.formula(v)))
        return self._last[1]

    def output(self, index: int) -> Callable[[], float]:
        return lambda: self.outputs()[index]


# (character, font size) -> (the glyph in manim's digit cache it was made from, the glyph scaled to
# that size). Checked against the cache on use: the TeX census (scenes.census) fills manim's cache
# with placeholders for a while and then restores it, and a scaled placeholder must not outlive it.
_SIZED: dict[tuple[str, float], tuple[VMobject, VMobject]] = {}


class LiveNumber(DecimalNumber):
    """A number shown by the lesson's formatter that follows ``value()`` while it changes."""

    def __init__(self, fmt: Formatter, value: Callable[[], float], source: tuple[str, ...],
                 font_size: float = palette.NUMBER_SIZE, places: int | None = None, **kwargs) -> None:
        """``places``: the decimals it shows (the lesson's by default; ``Formatter.live_places``
        of its start and end where those are tiny)."""
        self.fmt = fmt
        self.places = fmt.places if places is None else places
        self.value_fn = value
        self.lesson_source = source
        self.updates = 0  # how often the digits were rebuilt (tests read this)
        super().__init__(value(), num_decimal_places=self.places, font_size=font_size, **kwargs)
        self.text = self._get_num_string(self.number)
        self.add_updater(LiveNumber._follow)

    def _get_num_string(self, number: float) -> str:
        return self.fmt.fixed(number, self.places)

    def _follow(self) -> None:
        value = self.value_fn()
        text = self.fmt.fixed(value, self.places)
        if text != self.text:
            self.set_value(value)
            self.text = text
            self.updates += 1


def _sized_string_to_mob(self: LiveNumber, string: str, mob_class: type | None = None, **kwargs) -> VMobject:
    """One character of a live number, as manim's ``DecimalNumber._string_to_mob`` makes it (a copy
    of its cached glyph, scaled to the number's size), but copied from a glyph already scaled:
    scaling every new digit was a quarter of the cost of a change of text. The scaled glyph is
    made by manim's own code, once per character and size, from the glyph manim's cache holds
    now (:data:`_SIZED`). The scaled glyph leaves out the index of the SVG's groups that a formula
    keeps for colouring its parts by their TeX (``id_to_vgroup_dict``: eight groups for one digit,
    each copied with every digit, two thirds of the copy's cost); nothing looks a digit's parts up."""
    if mob_class is not None or kwargs:
        return DecimalNumber._string_to_mob(self, string, mob_class, **kwargs)
    key = (string, self._font_size)
    source = numbers.string_to_mob_map.get(string)  # looked up as manim looks it up: tests replace it
    sized = _SIZED.get(key)
    if sized is None or sized[0] is not source:
        glyph = DecimalNumber._string_to_mob(self, string)
        if getattr(glyph, "id_to_vgroup_dict", None):
            glyph.id_to_vgroup_dict = {}
        _SIZED[key] = sized = (numbers.string_to_mob_map[string], glyph)
    return sized[1].copy()


# Live numbers copy their digits from glyphs already scaled (scenes.base installs it).
_PATCH = Patch(LiveNumber, "_string_to_mob", _sized_string_to_mob, forget=_SIZED.clear)
install, uninstall, installed = _PATCH.install, _PATCH.uninstall, _PATCH.installed
