"""Equation objects: hand-written TeX parts together with the sympy expressions they stand for.

An :class:`Equation` is what the video shows as one formula. Its TeX is a sequence of keyed
parts, so that a scene can colour ``"dC_da"`` or move ``"lhs"`` by name instead of by index.
Each :class:`Instance` gives the sympy sides that the TeX stands for, derived by
:mod:`mathcore.symbolic`, for one binding of the formula's free index letters (``j``, ``k``,
``l``); a formula with no free letters has one instance.

:meth:`Equation.check` proves two things for every instance:

agrees
    The TeX, read back by :mod:`mathcore.texparse`, is the derived expression (their difference
    expands to zero, side by side; a difference that is not zero at a sample point fails at once).
holds
    The equation is true: each side, with every derivative symbol given its meaning, equals the
    side before it, proved by sympy (:meth:`~mathcore.symbolic.Graph.equal`). The lesson's
    networks write their activation as an unevaluated ``sigma`` with derivative ``sigma'``
    (:class:`~mathcore.symbolic.Squish`), so these are proofs for any differentiable squish,
    which do not depend on the numbers. Where no numbers are plugged in, both checks are
    cached between runs, keyed by the code and the statement (:mod:`mathcore.proofcache`).
    Where numbers are plugged in (each a placeholder symbol with its
    :class:`~mathcore.formatting.Num`), the relations are judged by :mod:`mathcore.honesty`: the
    line's exact value (its symbolic side at the example's inputs, typed as decimals) lies
    within what the shown numbers can stand for, a shown result is that value correctly
    rounded, and ``=`` before a result means the shown numbers, evaluated exactly, round to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import mpmath
import sympy as sp

from mathcore import honesty, proofcache
from mathcore import notation as nt
from mathcore.formatting import Num
from mathcore.symbolic import Graph, differs_formally, is_zero, unfold
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
        store = proofcache.store()
        for inst in self.instances:
            # An instance with symbols only is one statement, true or not whatever the numbers:
            # cached whole when it agrees and every step is proved without them.
            key = self._instance_key(inst)
            if key is not None and store.prove(key, lambda: self._verify(inst, numbers=False) is None):
                continue
            failed = self._verify(inst)
            if failed is not None:
                return failed
        return Check(True, True, f"{len(self.instances)} instance(s)")

    def _instance_key(self, inst: Instance) -> str | None:
        """The proof cache's key for ``inst``, or ``None`` if it shows numbers (checked every run)."""
        if inst.numbers or not all(_symbolic(side) for side in inst.sides):
            return None
        return proofcache.key(self.tex, _scope_text(inst.scope), self.graph.fingerprint,
                              *(_text(side) for side in inst.sides))

    def _verify(self, inst: Instance, numbers: bool = True) -> Check | None:
        """``None`` if ``inst`` agrees and holds (with the example's numbers where proofs do not close)."""
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
        problem = self._holds(parsed, inst, numbers)
        if problem:
            return Check(True, False, problem + where)
        return None

    def _holds(self, parsed: Parsed, inst: Instance, numbers: bool = True) -> str:
        exact = None  # the line's value: its latest symbolic side at the example's inputs
        for n in range(1, len(inst.sides)):
            relation = parsed.relations[n - 1]
            left, right = inst.sides[n - 1], inst.sides[n]
            shown_left, shown_right = _shows_numbers(left, inst), _shows_numbers(right, inst)
            if not shown_left and not shown_right:
                if relation == "=" and self._proved_equal(left, right):
                    continue
                if inst.values is None or not numbers:
                    return f"side {n} is not proved equal to side {n - 1}"
                lv, rv = _value(self.graph, left, inst.values), _value(self.graph, right, inst.values)
                if not _numerically(relation, lv, rv, self.places):
                    return f"side {n} = {rv!r} is not {relation} side {n - 1} = {lv!r}"
                continue
            if not shown_left:
                if inst.values is None:
                    return f"side {n - 1} has no example values to plug in"
                exact = honesty.to_mpf(_exact_value(self.graph, left, inst.values))
            problem = _plugged(relation, left if shown_left else None, right, exact, inst, self.places)
            if problem:
                return f"side {n} {problem}"
        return ""

    def _proved_equal(self, left: sp.Basic, right: sp.Basic) -> bool:
        """Whether sympy proves ``left = right`` exactly; proofs between formulas are cached."""
        if _symbolic(left) and _symbolic(right):
            key = proofcache.key(self.graph.fingerprint, _text(left), _text(right))
            return proofcache.store().prove(key, lambda: self._prove(left, right))
        return self._prove(left, right)  # a number on one side at least: fast, not cached

    def _prove(self, left: sp.Basic, right: sp.Basic) -> bool:
        lm, rm = self.graph.steps(left), self.graph.steps(right)
        if _symbolic(lm) != _symbolic(rm):
            return False  # a formula and a number: only the numbers can compare them
        if not _symbolic(lm):
            return _same_number(lm, rm)
        return self.graph.equal(left, right)


def _shows_numbers(expr: sp.Basic, inst: Instance) -> bool:
    return bool(getattr(expr, "free_symbols", set()) & inst.numbers.keys())


def _plugged(relation: str, numbers: sp.Basic | None, right: sp.Basic, exact, inst: Instance, places: int) -> str:
    """Judge ``(numbers or a symbolic side) relation right`` where ``right`` shows numbers."""
    if exact is None:
        return "shows numbers before any symbolic side gives them a value"
    result = inst.numbers.get(right)
    right, numbers = unfold(right), None if numbers is None else unfold(numbers)
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


def _text(expr: sp.Basic) -> str:
    """``expr`` written out in full (sympy's canonical order of terms), for a cache key."""
    return sp.srepr(expr, order="none")


_T = sp.Symbol("t", real=True)


def _scope_text(scope: Scope) -> str:
    """Everything that decides how TeX is read in ``scope``, written out for a cache key."""
    n = scope.notation
    return repr((n.depth, n.style, scope.sizes, _text(scope.squish(_T)), _text(scope.squish_prime(_T)),
                 scope.examples, scope.vectors, sorted(scope.bindings.items()), sorted(scope.ranges.items()),
                 [p.name for p in scope.gradient]))


def _same(read: sp.Basic, derived: sp.Basic) -> bool:
    if isinstance(read, sp.MatrixBase) != isinstance(derived, sp.MatrixBase):
        return False
    if isinstance(read, sp.MatrixBase) and read.shape != derived.shape:
        return False
    if read == derived:
        return True
    difference = read - derived
    return not differs_formally(difference) and is_zero(difference)


def _same_number(left: sp.Basic, right: sp.Basic) -> bool:
    """Exact equality of two numbers (``sigma'(0)`` and ``1/4``): evaluated first, proved if close."""
    difference = unfold(left - right)
    if difference == 0:
        return True
    if not isinstance(difference, sp.MatrixBase):
        approx = difference.evalf(30)
        if approx.is_comparable and abs(approx) > 1e-20:
            return False  # evalf's digits are correct: clearly not zero
    return is_zero(difference)


def _exact_value(graph: Graph, expr: sp.Basic, values: Mapping[sp.Symbol, float]) -> sp.Basic:
    """``expr``'s value for the example: inputs and parameters as the decimals they were written
    as (``repr`` of a float read from ``1.04`` is ``1.04``); exact where the arithmetic allows."""
    return graph.value(expr, {s: sp.Rational(repr(float(v))) for s, v in values.items()})


def _value(graph: Graph, expr: sp.Basic, values: Mapping[sp.Symbol, float]) -> float:
    return float(_exact_value(graph, expr, values))


def _numerically(relation: str, exact: float, shown: float, places: int) -> bool:
    unit = 10.0**-places
    if relation == "=":
        return abs(exact - shown) <= unit * (1 + 1e-9)
    return abs(exact - shown) <= max(unit, 1e-2 * abs(exact))
