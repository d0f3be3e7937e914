"""Symbolic derivation with sympy: a network as a graph of definitions, and its derivatives.

A :class:`SymbolicNetwork` defines every intermediate quantity in terms of the one before,
exactly as the lesson writes them::

    z^{(l)}_j = sum_k w^{(l)}_{jk} a^{(l-1)}_k + b^{(l)}_j
    a^{(l)}_j = sigma(z^{(l)}_j)
    C_0       = sum_j (a^{(L)}_j - y_j)^2

Its :class:`Graph` gives a derivative symbol such as ``dC_0/da^{(L-1)}_k`` its meaning: the
derivative of ``C_0`` written as a function of ``a^{(L-1)}_k`` (everything downstream composed,
``a^{(L-1)}_k`` held as a variable). With that meaning, any equation between derivative symbols
can be *proved*: both sides are resolved to the network's inputs and parameters and their
difference is expanded to zero. ``local(x, y)`` is one link's derivative, taken from ``x``'s own
formula, which is how the lesson derives ``2(a - y)``, ``sigma'(z)`` and ``a^{(L-1)}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from mathcore import notation as nt
from mathcore.functions import GENERIC, QUADRATIC, Activation, Cost
from mathcore.texparse import Scope


class Graph:
    """Definitions of intermediate symbols; derivatives with the chain rule's meaning."""

    def __init__(self, definitions: dict[sp.Symbol, sp.Expr], aliases: dict[sp.Symbol, sp.Symbol] | None = None):
        self.definitions = definitions
        self.aliases = aliases or {}

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

    def resolve(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with derivative symbols replaced by their meaning, fully expanded."""
        expr = expr.xreplace(self.aliases)
        meanings = {}
        for s in expr.free_symbols:
            split = nt.split_partial(s)
            if split is not None:
                meanings[s] = self.total(*split)
        return self.expand(expr.xreplace(meanings))

    def equal(self, left: sp.Basic, right: sp.Basic) -> bool:
        """Whether two expressions (or matrices) are equal once resolved."""
        return is_zero(self.resolve(left) - self.resolve(right))


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
    """

    sizes: tuple[int, ...]
    activation: Activation = GENERIC
    cost: Cost = QUADRATIC
    squish: bool = True
    biases: bool = True
    style: nt.LayerStyle = "superscript"
    vectors: bool = False
    examples: int = 1

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
        return self.activation.symbolic(x)

    def sigma_prime(self, x: sp.Expr) -> sp.Expr:
        if self.activation is GENERIC:
            return nt.sigma_prime(x)
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
