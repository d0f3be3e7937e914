"""Live numbers and nudges: values that follow a tracker through the model's own formulas.

A :class:`Nudge` holds a ``ValueTracker`` for one input (``w^{(L)}``, ``x``) and a function from
the lesson model that maps it to every dependent value. A :class:`LiveNumber` shows one of those
values through the lesson's formatter, at fixed width. Its updater rebuilds the digits only when
the text it would show changes: rebuilding every frame (the usual ``always_redraw`` pattern) made
a typical scene 2.5 times slower to render.
"""

from __future__ import annotations

from collections.abc import Callable

from manim import DecimalNumber, ValueTracker

from mathcore.formatting import Formatter
from scenes import palette


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


class LiveNumber(DecimalNumber):
    """A number shown by the lesson's formatter that follows ``value()`` while it changes."""

    def __init__(self, fmt: Formatter, value: Callable[[], float], source: tuple[str, ...],
                 font_size: float = palette.NUMBER_SIZE, **kwargs) -> None:
        self.fmt = fmt
        self.value_fn = value
        self.lesson_source = source
        self.updates = 0  # how often the digits were rebuilt (tests read this)
        super().__init__(value(), num_decimal_places=fmt.places, font_size=font_size, **kwargs)
        self.text = self._get_num_string(self.number)
        self.add_updater(LiveNumber._follow)

    def _get_num_string(self, number: float) -> str:
        return self.fmt.fixed(number)

    def _follow(self) -> None:
        value = self.value_fn()
        text = self.fmt.fixed(value)
        if text != self.text:
            self.set_value(value)
            self.text = text
            self.updates += 1
