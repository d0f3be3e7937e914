"""Symbolic derivation with sympy: a network as a graph of definitions, and its derivatives.

A :class:`SymbolicNetwork` defines every intermediate quantity in terms of the one before,
exactly as the lesson writes them::

    z^{(l)}_j = sum_k w^{(l)}_{jk} a^{(l-1)}_k + b^{(l)}_j
    a^{(l)}_j = sigma(z^{(l)}_j)
    C_0       = sum_j (a^{(L)}_j - y_j)^2

Its :class:`Graph` gives a derivative symbol such as ``dC_0/da^{(L-1)}_k`` its meaning: the
derivative of ``C_0`` written as a function of ``a^{(L-1)}_k`` (everything downstream composed,
``a^{(L-1)}_k`` held as a variable). With that meaning, any equation between derivative symbols
can be *proved*: both sides are resolved and their difference is expanded to zero (see
:meth:`Graph.equal`). ``local(x, y)`` is one link's derivative, taken from ``x``'s own formula,
which is how the lesson derives ``2(a - y)``, ``sigma'(z)`` and ``a^{(L-1)}``.

The lesson's networks are built with ``opaque=True``: the activation is then an unevaluated
:class:`Squish` whose derivative is its :class:`SquishPrime`, so every proof about them is a
proof for a generic differentiable ``sigma`` (fast, and true for each activation since
:func:`unfold` turns ``sigma'`` into sympy's derivative of the activation's formula).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from typing import ClassVar

import sympy as sp

from mathcore import notation as nt
from mathcore.functions import GENERIC, QUADRATIC, Activation, Cost
from mathcore.texparse import Scope


class Squish(nt.sigma):
    """``sigma`` of one named activation, kept as an unevaluated function of its argument.

    It prints and differentiates like the generic :class:`~mathcore.notation.sigma` (its
    derivative is the matching :class:`SquishPrime`), so proofs about it are proofs for *any*
    differentiable squish, and as fast; :func:`unfold` gives the activation's formula when
    numbers are plugged in. One class per activation (see :func:`squish_functions`).
    """

    activation: ClassVar[Activation]
    prime: ClassVar[type[SquishPrime]]

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self.prime(self.args[0])

    def formula(self) -> sp.Expr:
        return self.activation.symbolic(self.args[0])


class SquishPrime(nt.sigma_prime):
    """``sigma'`` of one named activation, unevaluated; unfolds to sympy's derivative of it."""

    activation: ClassVar[Activation]

    def formula(self) -> sp.Expr:
        return self.activation.symbolic_derivative(self.args[0])


@cache
def squish_functions(activation: Activation) -> tuple[type[Squish], type[SquishPrime]]:
    """The unevaluated ``sigma`` and ``sigma'`` of ``activation`` (the same classes every call)."""
    prime = type(f"sigma_prime_{activation.name}", (SquishPrime,), {"activation": activation})
    squish = type(f"sigma_{activation.name}", (Squish,), {"activation": activation, "prime": prime})
    return squish, prime


def unfold(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every unevaluated :class:`Squish` and :class:`SquishPrime` written as its formula."""
    if not expr.has(Squish, SquishPrime):
        return expr
    return expr.replace(lambda e: isinstance(e, (Squish, SquishPrime)), lambda e: e.formula())


class Graph:
    """Definitions of intermediate symbols; derivatives with the chain rule's meaning.

    A derivative symbol ``dx/dy`` can be given its meaning two ways, equal as functions:

    :meth:`total`
        differentiate ``x`` composed down to the inputs and parameters (sympy's own ``diff``;
        the expression grows with every layer composed);
    :meth:`chain`
        the multivariable chain rule over the definitions, in terms of the intermediate symbols
        (``a``, ``z``), nothing composed: small, and the same expression for every equation that
        mentions the same derivative, so most proofs close without expanding anything.

    :meth:`equal` proves with :meth:`chain` first and falls back to :meth:`total`, so a proof
    never depends on the chain rule being implemented right here (tests check :meth:`chain`
    against :meth:`total`), only its speed does.
    """

    def __init__(self, definitions: dict[sp.Symbol, sp.Expr], aliases: dict[sp.Symbol, sp.Symbol] | None = None):
        self.definitions = definitions
        self.aliases = aliases or {}
        self._chains: dict[sp.Symbol, dict[sp.Symbol, sp.Basic]] = {}

    @cached_property
    def users(self) -> dict[sp.Symbol, tuple[sp.Symbol, ...]]:
        """For each symbol, the defined symbols whose formulas use it (``a^{(1)}_k -> z^{(2)}_j``)."""
        users: dict[sp.Symbol, list[sp.Symbol]] = {}
        for x, formula in self.definitions.items():
            for s in formula.free_symbols:
                users.setdefault(s, []).append(x)
        return {s: tuple(sorted(xs, key=str)) for s, xs in users.items()}

    @cached_property
    def fingerprint(self) -> str:
        """The definitions and aliases as text, in a fixed order: what proofs about this graph depend on."""
        def text(e: sp.Basic) -> str:
            return sp.srepr(e, order="none")  # sympy's canonical order of terms, not the printer's

        defs = sorted((text(x), text(f)) for x, f in self.definitions.items())
        aliases = sorted((text(x), text(f)) for x, f in self.aliases.items())
        return repr((defs, aliases))

    def expand(self, expr: sp.Basic, keep: Iterable[sp.Symbol] = ()) -> sp.Basic:
        """``expr`` with every defined symbol replaced by its formula, recursively, except ``keep``."""
        keep = frozenset(keep)
        done: dict[sp.Symbol, sp.Basic] = {}

        def composed(s: sp.Symbol) -> sp.Basic:
            if s in keep or s not in self.definitions:
                return s
            if s not in done:
                formula = self.definitions[s]
                done[s] = formula.xreplace({t: composed(t) for t in formula.free_symbols})
            return done[s]

        return expr.xreplace({s: composed(s) for s in expr.free_symbols})

    def local(self, x: sp.Symbol, y: sp.Symbol) -> sp.Expr:
        """One link: ``dx/dy`` from ``x``'s own formula (``dz/dw = a^{(L-1)}``)."""
        if x not in self.definitions:
            raise KeyError(f"{x} has no formula")
        return sp.diff(self.definitions[x], y)

    def total(self, x: sp.Symbol, y: sp.Symbol) -> sp.Basic:
        """``dx/dy`` with everything between composed, in terms of inputs and parameters."""
        return self.expand(sp.diff(self.expand(x, keep=[y]), y))

    def chain(self, x: sp.Symbol, y: sp.Symbol) -> sp.Basic:
        """``dx/dy`` by the chain rule over the definitions, in terms of intermediate symbols.

        ``dx/dy`` is the sum, over every ``u`` whose formula uses ``y``, of ``(du/dy) (dx/du)``,
        with ``dx/dx = 1`` (``y`` held as a variable, as in :meth:`total`). Results are
        remembered per ``x``, so shared tails of paths are one expression.
        """
        memo = self._chains.setdefault(x, {x: sp.Integer(1)})

        def d(u: sp.Symbol) -> sp.Basic:
            if u not in memo:
                memo[u] = sp.Add(*(self.local(v, u) * d(v) for v in self.users.get(u, ())))
            return memo[u]

        return d(y)

    def _meanings(self, expr: sp.Basic, meaning) -> sp.Basic:
        expr = expr.xreplace(self.aliases)
        meanings = {}
        for s in expr.free_symbols:
            split = nt.split_partial(s)
            if split is not None:
                meanings[s] = meaning(*split)
        return expr.xreplace(meanings)

    def resolve(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with derivative symbols replaced by their meaning, fully expanded."""
        return self.expand(self._meanings(expr, self.total))

    def steps(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with derivative symbols replaced by their :meth:`chain` meaning, nothing composed."""
        return self._meanings(expr, self.chain)

    def equal(self, left: sp.Basic, right: sp.Basic) -> bool:
        """Whether two expressions (or matrices) are equal once resolved.

        First in terms of intermediate symbols (:meth:`steps`): equal there means equal after
        composing too. If that does not close at a glance, both sides are evaluated at one
        point (:meth:`differ`): a difference there disproves the equation at once. Only then are
        they expanded, and last composed down to the inputs (:meth:`resolve`), which can take
        long for a wide, deep network.
        """
        difference = self.steps(left) - self.steps(right)
        if _all_zero(difference):
            return True
        if self.differ(left, right):
            return False
        if _cancels(difference):
            return True
        return is_zero(self.resolve(left) - self.resolve(right))

    def differ(self, left: sp.Basic, right: sp.Basic) -> bool:
        """Whether ``left`` and ``right`` take different values at one point (a quick disproof).

        Every input, target and parameter gets a value fixed by its name (:func:`sample`);
        both sides are evaluated as in :meth:`value`. ``False`` when they agree there, or when
        a side cannot be evaluated (an undefined function, the generic ``sigma``).
        """
        point = {s: sample(s) for s in self._leaves(left) | self._leaves(right)}
        try:
            gap = self.value(left, point) - self.value(right, point)
        except (TypeError, ValueError):
            return False
        return _clearly_nonzero(gap)

    def _leaves(self, expr: sp.Basic) -> set[sp.Symbol]:
        """The symbols without a formula that ``expr`` depends on, through the definitions."""
        leaves, seen = set(), set()
        todo = list(self.steps(expr).free_symbols)
        while todo:
            s = todo.pop()
            if s in seen:
                continue
            seen.add(s)
            if s in self.definitions:
                todo += self.definitions[s].free_symbols
            else:
                leaves.add(s)
        return leaves

    def value(self, expr: sp.Basic, values: Mapping[sp.Symbol, sp.Basic]) -> sp.Basic:
        """The number ``expr`` stands for, given the inputs and parameters ``values``.

        Derivative symbols take their :meth:`chain` meaning; every intermediate symbol is its
        formula evaluated bottom-up, exactly where the arithmetic allows (rationals, ``Max``)
        and to 30 significant digits where it does not (``exp``, ``tanh``).
        """
        known: dict[sp.Symbol, sp.Basic] = dict(values)

        def of(s: sp.Symbol) -> sp.Basic:
            if s not in known:
                if s not in self.definitions:
                    raise ValueError(f"no value for {s}")
                formula = self.definitions[s]
                known[s] = _number(formula.xreplace({t: of(t) for t in formula.free_symbols}))
            return known[s]

        expr = self.steps(expr)
        return _number(expr.xreplace({s: of(s) for s in expr.free_symbols}))


def _number(expr: sp.Basic) -> sp.Basic:
    """``expr`` (no free symbols) as a Rational if it is one, else as a 30-digit Float."""
    expr = unfold(expr)
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(_number)
    return expr if expr.is_Rational else expr.evalf(30)


def sample(s: sp.Symbol) -> sp.Rational:
    """A value for ``s`` fixed by its name (the same in every run), a fraction between -1 and 1."""
    h = int.from_bytes(hashlib.blake2b(s.name.encode(), digest_size=8).digest(), "little")
    return sp.Rational(h % 199_999 - 99_999, 99_991)


def differs_formally(expr: sp.Basic) -> bool:
    """Whether ``expr`` is nonzero with every symbol at its :func:`sample` value (then it is not zero)."""
    gap = unfold(expr.xreplace({s: sample(s) for s in expr.free_symbols}))
    try:
        gap = gap.applyfunc(lambda e: e.evalf(30)) if isinstance(gap, sp.MatrixBase) else gap.evalf(30)
    except (TypeError, ValueError):
        return False
    return _clearly_nonzero(gap)


def _clearly_nonzero(number: sp.Basic) -> bool:
    """Whether a number (or any entry of a matrix of numbers) is far from zero for 30 digits."""
    entries = list(number) if isinstance(number, sp.MatrixBase) else [number]
    return any(e.is_comparable and abs(e) > 1e-15 for e in entries)


def _all_zero(expr: sp.Basic) -> bool:
    if isinstance(expr, sp.MatrixBase):
        return all(e == 0 for e in expr)
    return expr == 0


def _cancels(expr: sp.Basic) -> bool:
    """Whether ``expr`` is zero as written or once expanded (no ``simplify``: that is for the fallback)."""
    if isinstance(expr, sp.MatrixBase):
        return all(_cancels(e) for e in expr)
    return expr == 0 or sp.expand(expr) == 0


def is_zero(expr: sp.Basic) -> bool:
    """Exact test that ``expr`` vanishes: expand first, ``simplify`` only if that is not enough."""
    if isinstance(expr, sp.MatrixBase):
        return all(is_zero(e) for e in expr)
    expanded = sp.expand(expr)
    if expanded == 0:
        return True
    return sp.simplify(expanded) == 0


@dataclass(frozen=True)
class SymbolicNetwork:
    """One network's symbols and formulas.

    Parameters
    ----------
    sizes:
        Neurons per layer, input first. All ones is a chain, written without neuron indices.
    activation:
        The squish; :data:`~mathcore.functions.GENERIC` is the undefined ``sigma``.
    squish:
        ``False`` for Part 1's worked chain, where ``a_l = w_l a_{l-1}`` with no ``z``.
    biases:
        Whether ``z`` has a ``+ b`` term.
    style:
        Layer style of the notation (``"superscript"`` or Part 1's ``"subscript"``).
    vectors:
        Whether unindexed symbols in TeX stand for whole layers (vector-form equations).
    examples:
        ``n``, the number of training examples.
    opaque:
        Write a named activation as an unevaluated :class:`Squish` (derivative
        :class:`SquishPrime`) instead of its formula: what the lesson's equations use, so that
        their proofs are the fast proofs for a generic ``sigma``; :func:`unfold` recovers the
        formula. ``False`` (the default) gives formulas that NumPy can lambdify.
    """

    sizes: tuple[int, ...]
    activation: Activation = GENERIC
    cost: Cost = QUADRATIC
    squish: bool = True
    biases: bool = True
    style: nt.LayerStyle = "superscript"
    vectors: bool = False
    examples: int = 1
    opaque: bool = False

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    @property
    def chain(self) -> bool:
        return all(n == 1 for n in self.sizes)

    @cached_property
    def notation(self) -> nt.Notation:
        return nt.Notation(self.depth, self.style)

    # -- symbols, with neuron indices only where the network has several ---------------------
    def _ix(self, *index: int) -> tuple[int, ...]:
        return () if self.chain else index

    def a(self, l: int, j: int = 0) -> sp.Symbol:
        return self.notation.a(l, *self._ix(j))

    def z(self, l: int, j: int = 0) -> sp.Symbol:
        return self.notation.z(l, *self._ix(j))

    def w(self, l: int, j: int = 0, k: int = 0) -> sp.Symbol:
        return self.notation.w(l, *self._ix(j, k))

    def b(self, l: int, j: int = 0) -> sp.Symbol:
        return self.notation.b(l, *self._ix(j))

    def y(self, j: int = 0) -> sp.Symbol:
        return self.notation.y(*self._ix(j))

    def delta(self, l: int, j: int = 0) -> sp.Symbol:
        return self.notation.delta(l, *self._ix(j))

    @property
    def cost_symbol(self) -> sp.Symbol:
        return self.notation.cost

    def sigma(self, x: sp.Expr) -> sp.Expr:
        if self.opaque and self.activation is not GENERIC:
            return squish_functions(self.activation)[0](x)
        return self.activation.symbolic(x)

    def sigma_prime(self, x: sp.Expr) -> sp.Expr:
        if self.activation is GENERIC:
            return nt.sigma_prime(x)
        if self.opaque:
            return squish_functions(self.activation)[1](x)
        return self.activation.symbolic_derivative(x)

    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Every weight and bias, layer by layer (weights before biases), as ``grad C`` lists them."""
        out: list[sp.Symbol] = []
        for l in range(1, self.depth + 1):
            out += [self.w(l, j, k) for j in range(self.sizes[l]) for k in range(self.sizes[l - 1])]
            if self.biases:
                out += [self.b(l, j) for j in range(self.sizes[l])]
        return tuple(out)

    # -- formulas --------------------------------------------------------------------------------
    def weighted_input(self, l: int, j: int = 0) -> sp.Expr:
        """``sum_k w^{(l)}_{jk} a^{(l-1)}_k + b^{(l)}_j``."""
        total = sum(self.w(l, j, k) * self.a(l - 1, k) for k in range(self.sizes[l - 1]))
        return total + self.b(l, j) if self.biases else total

    @cached_property
    def definitions(self) -> dict[sp.Symbol, sp.Expr]:
        defs: dict[sp.Symbol, sp.Expr] = {}
        for l in range(1, self.depth + 1):
            for j in range(self.sizes[l]):
                if self.squish:
                    defs[self.z(l, j)] = self.weighted_input(l, j)
                    defs[self.a(l, j)] = self.sigma(self.z(l, j))
                else:
                    defs[self.a(l, j)] = self.weighted_input(l, j)
        L = self.depth
        defs[self.cost_symbol] = sum(
            self.cost.symbolic(self.a(L, j), self.y(j)) for j in range(self.sizes[L])
        )
        return defs

    @cached_property
    def graph(self) -> Graph:
        aliases = {}
        if self.squish:
            for l in range(1, self.depth + 1):
                for j in range(self.sizes[l]):
                    aliases[self.delta(l, j)] = nt.partial(self.cost_symbol, self.z(l, j))
        return Graph(self.definitions, aliases)

    def scope(self, **bindings: int) -> Scope:
        """How TeX about this network is read (see :mod:`mathcore.texparse`)."""
        return Scope(
            notation=self.notation,
            sizes=self.sizes,
            squish=self.sigma,
            squish_prime=self.sigma_prime,
            examples=self.examples,
            vectors=self.vectors,
            bindings=dict(bindings),
            gradient=self.parameters(),
        )

    # -- the chain rule ------------------------------------------------------------------------
    def links(self, top: sp.Symbol, start: sp.Symbol) -> list[tuple[sp.Symbol, sp.Symbol]]:
        """The links ``(x, y)`` (``x`` is computed from ``y``) from ``start`` up to ``top``.

        Input side first: for ``w^{(L)}`` in a chain, ``[(z, w), (a, z), (C_0, a)]``. Only
        defined where the path is unique (a chain, or a weight or bias into the output).
        """
        users: dict[sp.Symbol, list[sp.Symbol]] = {}
        for x, formula in self.definitions.items():
            for s in formula.free_symbols:
                users.setdefault(s, []).append(x)
        path, here = [], start
        while here != top:
            up = users.get(here, [])
            if len(up) != 1:
                raise ValueError(f"no unique path from {start} to {top} (at {here}: {up})")
            path.append((up[0], here))
            here = up[0]
        return path

    def chain_product(self, top: sp.Symbol, start: sp.Symbol) -> sp.Expr:
        """``d top / d start`` as the product of the links' derivative symbols."""
        return sp.Mul(*(nt.partial(x, y) for x, y in self.links(top, start)))

    def local_product(self, top: sp.Symbol, start: sp.Symbol) -> sp.Expr:
        """The same product with each link's derivative taken from its own formula."""
        return sp.Mul(*(self.graph.local(x, y) for x, y in self.links(top, start)))

    def direct_derivative(self, top: sp.Symbol, start: sp.Symbol) -> sp.Basic:
        """``d top / d start`` by differentiating the composed function directly."""
        return self.graph.total(top, start)

    def chain_rule_holds(self, start: sp.Symbol) -> bool:
        """Whether the chain-rule product for ``dC_0/d start`` equals the direct derivative."""
        C0 = self.cost_symbol
        product = self.graph.resolve(self.chain_product(C0, start))
        return is_zero(product - self.direct_derivative(C0, start))

    # -- several neurons per layer ---------------------------------------------------------------
    def activation_gradient_by_paths(self, l: int, k: int) -> sp.Expr:
        """``dC_0/da^{(l-1)}_k`` as the sum over ``j`` of ``w_jk sigma'(z_j) dC_0/da^{(l)}_j``."""
        C0 = self.cost_symbol
        return sum(
            self.w(l, j, k) * self.sigma_prime(self.z(l, j)) * nt.partial(C0, self.a(l, j))
            for j in range(self.sizes[l])
        )

    def delta_vector(self, l: int) -> sp.Matrix:
        """``delta^{(l)}`` by BP1 (``l = L``) or BP2, in terms of ``delta^{(l+1)}``."""
        L = self.depth
        sp_z = sp.Matrix([self.sigma_prime(self.z(l, j)) for j in range(self.sizes[l])])
        if l == L:
            grad_a = sp.Matrix([nt.partial(self.cost_symbol, self.a(L, j)) for j in range(self.sizes[L])])
            return grad_a.multiply_elementwise(sp_z)
        W_next = sp.Matrix(
            [[self.w(l + 1, j, k) for k in range(self.sizes[l])] for j in range(self.sizes[l + 1])]
        )
        delta_next = sp.Matrix([self.delta(l + 1, j) for j in range(self.sizes[l + 1])])
        return (W_next.T * delta_next).multiply_elementwise(sp_z)
