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
from typing import NamedTuple

import sympy as sp

from mathcore import honesty
from mathcore import notation as nt
from mathcore.equations import Equation, Factor, Instance
from mathcore.examples import Example
from mathcore.formatting import Formatter, Num
from mathcore.functions import IDENTITY
from mathcore.lessonfile import LessonSpec
from mathcore.model import Shown
from mathcore.symbolic import Graph, SymbolicNetwork, unfold
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

    def eq(self, key: str, parts: Parts, *sides: sp.Basic, caption: str = "", numbers: Plugged | None = None,
           factors: Iterable[Factor] = ()) -> Equation:
        """An equation with no free index letters; ``numbers`` holds its shown numbers, if any,
        and ``factors`` the factors of its chain-rule product."""
        inst = Instance(self.base_scope, tuple(sides), self.values, numbers.numbers if numbers else {})
        return Equation(key, tuple(parts), self.graph, (inst,), self.fmt.places, caption, tuple(factors))

    def each(self, key: str, parts: Parts, bindings: Iterable[dict[str, int]],
             sides: Callable[..., tuple[sp.Basic, ...]], ranges: Callable[..., dict[str, int]] | None = None,
             caption: str = "", factors: Iterable[Factor] = ()) -> Equation:
        """An equation with free index letters, instantiated for every binding."""
        instances = []
        for b in bindings:
            scope = self.base_scope.bound(**b)
            if ranges is not None:
                scope.ranges = ranges(**b)
            instances.append(Instance(scope, tuple(sides(**b)), self.values))
        return Equation(key, tuple(parts), self.graph, tuple(instances), self.fmt.places, caption, tuple(factors))


def shown(fmt: Formatter, key: str, label: str, value: float) -> Shown:
    return Shown(key, label, float(value), fmt.number(value))


def cost_tex(cost_factor: str, a: str, y: str) -> str:
    return rf"{cost_factor}\left({a} - {y}\right)^2"


def slope_tex(slope_factor: str, a: str, y: str) -> str:
    return rf"{slope_factor}\left({a} - {y}\right)"


class Slot(NamedTuple):
    """A shown number in a line: its TeX and the placeholder symbol standing for it."""

    tex: str
    sym: sp.Symbol


class Plugged:
    """The shown numbers of one line, each a placeholder symbol in the line's sympy side.

    Lines with numbers are built only through this, so that their relations come from the
    formatter's rule (:meth:`Formatter.relation`), never from a hand-written ``=``::

        n = Plugged(fmt)
        w, a = n.factor(w_value), n.factor(a_value)
        relation, z = n.result(w.sym * a.sym, z_value)   # "=" or "\\approx", and the result
    """

    def __init__(self, fmt: Formatter) -> None:
        self.fmt = fmt
        self.numbers: dict[sp.Symbol, Num] = {}

    def _slot(self, num: Num, tex: str) -> Slot:
        sym = sp.Dummy(f"shown{len(self.numbers)}", real=True)
        self.numbers[sym] = num
        return Slot(tex, sym)

    def number(self, x: float) -> Slot:
        """``x`` as the formatter shows it."""
        num = self.fmt.num(x)
        return self._slot(num, num.tex)

    def factor(self, x: float) -> Slot:
        """``x`` as a factor or a term after a sign: negative numbers in parentheses."""
        return self._slot(self.fmt.num(x), self.fmt.factor(x))

    def result(self, expr: sp.Expr, x: float) -> tuple[str, Slot]:
        """The relation between ``expr`` (made of this line's slots) and its value ``x``, and ``x``
        shown: ``=`` only if the shown numbers, evaluated exactly, round to the shown ``x``."""
        relation = self.fmt.relation(unfold(honesty.shown_value(expr, self.numbers)), x)
        return relation, self.number(x)

    def product(self, factors: Iterable[float], x: float) -> tuple[list[Slot], str, Slot, sp.Expr]:
        """``f1 \\cdot f2 \\cdots`` against its value ``x``: the factors' slots, the relation, the
        result's slot, and the product of the slots."""
        slots = [self.factor(f) for f in factors]
        expr = sp.Mul(*(slot.sym for slot in slots))
        relation, result = self.result(expr, x)
        return slots, relation, result, expr


def cost_line(author: Author, spec: LessonSpec, C: sp.Symbol, a: sp.Symbol, y: sp.Symbol, a_value: float,
              y_value: float, cost: float) -> Equation:
    """``C = (a - y)^2 = (numbers)^2 = value`` (with the cost's own factor), its relation from the
    formatter's rule."""
    n = Plugged(author.fmt)
    a_shown, y_shown = n.number(a_value), n.factor(y_value)
    numbers = spec.cost.symbolic(a_shown.sym, y_shown.sym)
    relation, value = n.result(numbers, cost)
    factor = spec.cost.tex_factor
    return author.eq(
        "cost",
        [("lhs", C.name), ("eq", "="), ("formula", cost_tex(factor, a.name, y.name)), ("eq2", "="),
         ("numbers", cost_tex(factor, a_shown.tex, y_shown.tex)), ("eq3", relation), ("value", value.tex)],
        C, author.sym.definitions[C], numbers, value.sym, numbers=n,
    )


def product_parts(n: Plugged, keys: Iterable[str], factors: Iterable[float], total: float, relation_key: str,
                  suffix: str = "") -> tuple[Parts, sp.Expr, sp.Symbol]:
    """A product of shown factors against its shown value: ``key{suffix}`` parts joined by
    ``dot_{key}``, the relation (under ``relation_key``) and ``value``; with the product of the
    placeholders and the result's placeholder, for the equation's sides."""
    slots, relation, result, expr = n.product(factors, total)
    parts: Parts = []
    for key, slot in zip(keys, slots, strict=True):
        parts += [(f"{key}{suffix}", slot.tex), (f"dot_{key}", r"\cdot")]
    parts[-1] = (relation_key, relation)
    parts.append(("value", result.tex))
    return parts, expr, result.sym


def known_values(ex: Example) -> dict[sp.Symbol, float]:
    return {k: v for k, v in ex._table.items() if not nt.split_partial(k)}


def link_key(top: sp.Symbol, below: sp.Symbol) -> str:
    """The part key of one link's derivative: ``d top / d below`` -> ``"daL_dzL"``."""
    return f"d{short_key(top)}_d{short_key(below)}"


def layer_of(s: SymbolicNetwork, quantity: sp.Symbol) -> int:
    """The layer of one of the network's quantities (activation, weighted input, weight, bias)."""
    for l in range(s.depth + 1):
        for j in range(s.sizes[l]):
            if quantity == s.a(l, j) or (l and quantity in (s.z(l, j), s.b(l, j))):
                return l
            if l and any(quantity == s.w(l, j, k) for k in range(s.sizes[l - 1])):
                return l
    raise KeyError(f"{quantity} is not a quantity of this network")


def link_factor(s: SymbolicNetwork, top: sp.Symbol, below: sp.Symbol, key: str | None = None) -> Factor:
    """The factor ``d top / d below`` of a chain: its kind from what ``below`` is (the roles the
    notation gave the symbols), its layer the one the link leads into."""
    below_role = nt.role(below)
    if top == s.cost_symbol:
        return Factor(key or link_key(top, below), "cost_slope", layer_of(s, below))
    kind = {"weighted_input": "squish_slope", "weight": "input", "bias": "bias", "activation": "weight"}[below_role]
    return Factor(key or link_key(top, below), kind, layer_of(s, top))


def chain_factors(s: SymbolicNetwork, top: sp.Symbol, start: sp.Symbol, suffix: str = "") -> list[Factor]:
    """The factors of ``d top / d start`` along the network's links, keyed ``link_key + suffix``."""
    return [link_factor(s, a, b, link_key(a, b) + suffix) for a, b in s.links(top, start)]


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
    if nt.role(below) == "weighted_input" and s.definitions.get(top) == s.sigma(below):
        return rf"\sigma'\left({below.name}\right)"
    formula = s.graph.local(top, below)
    if isinstance(formula, sp.Symbol):
        return formula.name
    return sp.latex(formula)
