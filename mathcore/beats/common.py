"""What the beats of every part are written with: the context, the equation author, TeX pieces.

A beat is a function ``beat(c: Context) -> Beat``: it reads the lesson file (``c.spec``), the
formatter (``c.fmt``) and the example networks, writes its TeX by hand from the notation's own
symbol names (a symbol's name is its TeX), and pairs each equation with the sympy sides that
:mod:`mathcore.symbolic` derives; ``Equation.check`` proves they agree. Its number and part come
from its place in the part modules' ``BEATS`` lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import sympy as sp

from mathcore import notation as nt
from mathcore.equations import Equation, Instance
from mathcore.examples import Example
from mathcore.formatting import Formatter
from mathcore.functions import IDENTITY
from mathcore.lessonfile import LessonSpec
from mathcore.model import Shown
from mathcore.symbolic import Graph, SymbolicNetwork
from mathcore.texparse import Scope

Parts = list[tuple[str, str]]


@dataclass(frozen=True)
class Context:
    """Everything a beat is built from: the lesson file, the formatter and the four example networks."""

    spec: LessonSpec
    fmt: Formatter
    worked: Example  # Part 1: no squish, no biases
    sigmoid: Example  # Part 2: one neuron per layer
    deep: Example  # beat 9: vanishing gradients
    wide: Example  # Part 3: several neurons per layer

    @classmethod
    def of(cls, spec: LessonSpec) -> Context:
        def example(network, sym: SymbolicNetwork) -> Example:
            return Example.build(network, spec.cost, sym)

        worked, sigmoid, deep, wide = spec.worked_chain, spec.sigmoid_chain, spec.deep_chain, spec.wide_network
        return cls(
            spec, Formatter(spec.decimals),
            example(worked, SymbolicNetwork(worked.sizes, IDENTITY, spec.cost, squish=False, biases=False,
                                            style="subscript")),
            example(sigmoid, SymbolicNetwork(sigmoid.sizes, sigmoid.activation, spec.cost, opaque=True)),
            example(deep, SymbolicNetwork(deep.sizes, deep.activation, spec.cost, opaque=True)),
            example(wide, SymbolicNetwork(wide.sizes, wide.activation, spec.cost, opaque=True)),
        )


def d(num: sp.Symbol, den: sp.Symbol) -> str:
    """TeX of ``d num / d den`` (a derivative symbol's name is its TeX)."""
    return nt.partial(num, den).name


class Author:
    """Builds equations about one network, with the example's values for plugged-in numbers."""

    def __init__(self, sym: SymbolicNetwork, fmt: Formatter, values: Mapping[sp.Symbol, float] | None = None,
                 graph: Graph | None = None, scope: Scope | None = None) -> None:
        self.sym = sym
        self.fmt = fmt
        self.values = values
        self.graph = graph or sym.graph
        self.base_scope = scope or sym.scope()

    def eq(self, key: str, parts: Parts, *sides: sp.Basic, caption: str = "") -> Equation:
        """An equation with no free index letters."""
        inst = Instance(self.base_scope, tuple(sides), self.values)
        return Equation(key, tuple(parts), self.graph, (inst,), self.fmt.places, caption)

    def each(self, key: str, parts: Parts, bindings: Iterable[dict[str, int]],
             sides: Callable[..., tuple[sp.Basic, ...]], ranges: Callable[..., dict[str, int]] | None = None,
             caption: str = "") -> Equation:
        """An equation with free index letters, instantiated for every binding."""
        instances = []
        for b in bindings:
            scope = self.base_scope.bound(**b)
            if ranges is not None:
                scope.ranges = ranges(**b)
            instances.append(Instance(scope, tuple(sides(**b)), self.values))
        return Equation(key, tuple(parts), self.graph, tuple(instances), self.fmt.places, caption)


def shown(fmt: Formatter, key: str, label: str, value: float) -> Shown:
    return Shown(key, label, float(value), fmt.number(value))


def cost_tex(cost_factor: str, a: str, y: str) -> str:
    return rf"{cost_factor}\left({a} - {y}\right)^2"


def slope_tex(slope_factor: str, a: str, y: str) -> str:
    return rf"{slope_factor}\left({a} - {y}\right)"


def as_shown(fmt: Formatter, x: float) -> sp.Rational:
    """The exact value of ``x`` as shown on screen."""
    return sp.Rational(str(fmt.shown_value(x)))


def known_values(ex: Example) -> dict[sp.Symbol, float]:
    return {k: v for k, v in ex._table.items() if not nt.split_partial(k)}


def short_key(s: sp.Symbol) -> str:
    """A short key for a symbol: ``a^{(L-1)}`` -> ``aL1``, ``a_{3}`` -> ``a3``, ``C_{0}`` -> ``C``."""
    name = s.name.replace(r"\delta", "delta")
    letter = name[0] if not name.startswith("delta") else "delta"
    rest = name[len(letter):]
    if letter == "C":
        return "C"
    digits = "".join(ch for ch in rest if ch.isalnum())
    return letter + digits


def local_tex(s: SymbolicNetwork, top: sp.Symbol, below: sp.Symbol, spec: LessonSpec) -> str:
    """The TeX of one link's derivative, from the link's own formula."""
    if top == s.cost_symbol:
        return slope_tex(spec.cost.slope_tex_factor, below.name, s.y().name)
    if s.squish and below.name.startswith("z") and s.definitions.get(top) == s.sigma(below):
        return rf"\sigma'\left({below.name}\right)"
    formula = s.graph.local(top, below)
    if isinstance(formula, sp.Symbol):
        return formula.name
    return sp.latex(formula)
