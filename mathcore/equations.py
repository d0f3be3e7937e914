"""Equation objects: hand-written TeX parts together with the sympy expressions they stand for.

An :class:`Equation` is what the video shows as one formula. Its TeX is a sequence of keyed
parts, so that a scene can colour ``"dC_da"`` or move ``"lhs"`` by name instead of by index.
Each :class:`Instance` gives the sympy sides that the TeX stands for, derived by
:mod:`mathcore.symbolic`, for one binding of the formula's free index letters (``j``, ``k``,
``l``); a formula with no free letters has one instance.

:meth:`Equation.check` proves two things for every instance:

agrees
    The TeX, read back by :mod:`mathcore.texparse`, is the derived expression (their difference
    expands to zero, side by side).
holds
    The equation is true: each side, with every derivative symbol given its meaning and every
    intermediate expanded, equals the side before it, proved by sympy. Where numbers are
    plugged in (each a placeholder symbol with its :class:`~mathcore.formatting.Num`), the
    relations are judged by :mod:`mathcore.honesty`: the line's exact value (its symbolic side
    at the example's inputs) lies within what the shown numbers can stand for, a shown result is
    that value correctly rounded, and ``=`` before a result means the shown numbers, evaluated
    exactly, round to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import mpmath
import sympy as sp

from mathcore import honesty
from mathcore import notation as nt
from mathcore.formatting import Num
from mathcore.symbolic import Graph, is_zero
from mathcore.texparse import Parsed, Scope, TexParseError, parse


@dataclass(frozen=True)
class Instance:
    """One concrete reading of an equation: bound letters, derived sides, example values, and
    the shown numbers (placeholder symbols in ``sides``)."""

    scope: Scope
    sides: tuple[sp.Basic, ...]
    values: Mapping[sp.Symbol, float] | None = None  # inputs and parameters of the example
    numbers: Mapping[sp.Symbol, Num] = field(default_factory=dict)

    def shown_sides(self) -> tuple[sp.Basic, ...]:
        """The sides with each shown number as the exact value of its digits (what the TeX says)."""
        return tuple(honesty.shown_value(side, self.numbers) for side in self.sides)


@dataclass(frozen=True)
class Check:
    """Outcome of :meth:`Equation.check`."""

    agrees: bool
    holds: bool
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.agrees and self.holds


FactorKind = Literal["cost_slope", "squish_slope", "weight", "input", "bias"]


@dataclass(frozen=True)
class Factor:
    """One factor of a chain-rule product as shown: the key of its part, what kind of link it is
    (the cost's slope ``2(a - y)``, the squish's slope ``sigma'(z)``, a weight, the input that
    feeds a weight, or the bias's ``1``) and the link's layer (the layer the link leads into; for
    the cost's slope, the output layer; ``None`` in a formula for any layer ``l``)."""

    key: str
    kind: FactorKind
    layer: int | None


@dataclass(frozen=True)
class Equation:
    """A formula on screen: keyed TeX parts plus what they mean.

    ``factors`` lists the factors of a chain-rule product in the order shown; :attr:`roles`
    says which parts are a lone quantity (a weight, a bias, ...), so that scenes colour and
    point at parts by what they are, never by how their keys or TeX are spelled.
    """

    key: str
    parts: tuple[tuple[str, str], ...]
    graph: Graph
    instances: tuple[Instance, ...]
    places: int = 3
    caption: str = ""
    factors: tuple[Factor, ...] = ()
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def roles(self) -> dict[str, nt.Role]:
        """The role of each part that is one quantity symbol (``{"w": "weight", ...}``)."""
        return {k: role for k, tex in self.parts if (role := nt.role(tex.strip())) is not None}

    def factor(self, kind: FactorKind) -> list[Factor]:
        """The factors of one kind, in the order shown."""
        return [f for f in self.factors if f.kind == kind]

    @property
    def tex(self) -> str:
        return " ".join(tex for _, tex in self.parts)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.parts)

    @property
    def tex_parts(self) -> tuple[str, ...]:
        return tuple(tex for _, tex in self.parts)

    def part(self, key: str) -> str:
        for k, tex in self.parts:
            if k == key:
                return tex
        raise KeyError(f"equation {self.key!r} has no part {key!r}; it has {', '.join(self.keys)}")

    def index(self, key: str) -> int:
        """Position of part ``key`` (for ``MathTex(*eq.tex_parts)[eq.index(key)]``)."""
        if key not in self.keys:
            raise KeyError(f"equation {self.key!r} has no part {key!r}; it has {', '.join(self.keys)}")
        return self.keys.index(key)

    def check(self) -> Check:
        """Prove, for every instance, that the TeX agrees with the sympy sides and that they hold."""
        if "check" not in self._cache:
            self._cache["check"] = self._check()
        return self._cache["check"]

    def _check(self) -> Check:
        for inst in self.instances:
            where = f" with {inst.scope.bindings}" if inst.scope.bindings else ""
            try:
                parsed = parse(self.tex, inst.scope)
            except TexParseError as e:
                return Check(False, False, f"TeX not readable{where}: {e}")
            if len(parsed.sides) != len(inst.sides):
                return Check(False, False, f"TeX has {len(parsed.sides)} sides, expression {len(inst.sides)}{where}")
            for n, (read, derived) in enumerate(zip(parsed.sides, inst.shown_sides())):
                if not _same(read, derived):
                    return Check(False, False, f"side {n} of the TeX reads {read}, expected {derived}{where}")
            problem = self._holds(parsed, inst)
            if problem:
                return Check(True, False, problem + where)
        return Check(True, True, f"{len(self.instances)} instance(s)")

    def _holds(self, parsed: Parsed, inst: Instance) -> str:
        resolved = [self.graph.resolve(s) for s in inst.sides]
        exact = None  # the line's value: its latest symbolic side at the example's inputs
        for n in range(1, len(resolved)):
            relation = parsed.relations[n - 1]
            left, right = resolved[n - 1], resolved[n]
            shown_left, shown_right = _shows_numbers(left, inst), _shows_numbers(right, inst)
            if not shown_left and not shown_right:
                if relation == "=" and _symbolic(left) == _symbolic(right) and is_zero(left - right):
                    continue
                if inst.values is None:
                    return f"side {n} is not proved equal to side {n - 1}"
                lv, rv = _value(left, inst.values), _value(right, inst.values)
                if not _numerically(relation, lv, rv, self.places):
                    return f"side {n} = {rv!r} is not {relation} side {n - 1} = {lv!r}"
                continue
            if not shown_left:
                if inst.values is None:
                    return f"side {n - 1} has no example values to plug in"
                exact = _exact(left, inst.values)
            problem = _plugged(relation, left if shown_left else None, right, exact, inst, self.places)
            if problem:
                return f"side {n} {problem}"
        return ""


def _shows_numbers(expr: sp.Basic, inst: Instance) -> bool:
    return bool(getattr(expr, "free_symbols", set()) & inst.numbers.keys())


def _exact(expr: sp.Basic, values: Mapping[sp.Symbol, float]):
    """``expr`` at the example's inputs, to 50 digits (the inputs as the decimals typed in the
    lesson file: ``repr`` of a float read from ``1.04`` is ``1.04``)."""
    number = expr.xreplace({s: sp.Rational(repr(float(v))) for s, v in values.items()})
    return honesty.to_mpf(number)


def _plugged(relation: str, numbers: sp.Basic | None, right: sp.Basic, exact, inst: Instance, places: int) -> str:
    """Judge ``(numbers or a symbolic side) relation right`` where ``right`` shows numbers."""
    if exact is None:
        return "shows numbers before any symbolic side gives them a value"
    result = inst.numbers.get(right)
    if result is None:  # symbolic = numbers plugged in
        bounds = honesty.interval(right, inst.numbers)
        if not honesty.contains(bounds, exact):
            return f"({right}) cannot stand for {mpmath.nstr(exact, 12)}: its shown numbers give {_nstr(bounds)}"
        return ""
    if not honesty.correctly_rounded(result, exact):
        return f"shows {result.tex}, which is not {mpmath.nstr(exact, 12)} rounded"
    if numbers is None or relation != "=":
        if numbers is not None and not honesty.contains(honesty.interval(numbers, inst.numbers), exact):
            return f"is {relation} numbers that cannot stand for {mpmath.nstr(exact, 12)}"
        return ""
    quantum = 2 * result.half_unit if result.half_unit else Fraction(1, 10**places)
    if not honesty.rounds_to(honesty.shown_value(numbers, inst.numbers), result, quantum):
        return f"claims = {result.tex}, but the numbers shown before it do not round to it (use \\approx)"
    return ""


def _nstr(bounds) -> str:
    return f"[{mpmath.nstr(bounds[0], 12)}, {mpmath.nstr(bounds[1], 12)}]"


def _symbolic(expr: sp.Basic) -> bool:
    """Whether ``expr`` still has symbols (not a number with values plugged in)."""
    return bool(getattr(expr, "free_symbols", None))


def _same(read: sp.Basic, derived: sp.Basic) -> bool:
    if isinstance(read, sp.MatrixBase) != isinstance(derived, sp.MatrixBase):
        return False
    if isinstance(read, sp.MatrixBase) and read.shape != derived.shape:
        return False
    return is_zero(read - derived)


def _value(expr: sp.Basic, values: Mapping[sp.Symbol, float]) -> float:
    number = expr.xreplace({s: sp.Float(v, 30) for s, v in values.items()}).evalf(30)
    if number.free_symbols:
        raise ValueError(f"no value for {sorted(map(str, number.free_symbols))}")
    return float(number)


def _numerically(relation: str, exact: float, shown: float, places: int) -> bool:
    unit = 10.0**-places
    if relation == "=":
        return abs(exact - shown) <= unit * (1 + 1e-9)
    return abs(exact - shown) <= max(unit, 1e-2 * abs(exact))
