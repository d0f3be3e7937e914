"""The lesson's notation, defined once: every symbol's TeX and its sympy symbol.

On screen a superscript ``(l)`` is a layer index, never an exponent: ``a^{(L-1)}`` is the
activation of the layer before the last. Neuron indices are subscripts counted from 0
(``w^{(L)}_{jk}``: to neuron ``j`` of layer ``L`` from neuron ``k`` of layer ``L-1``), and
training examples use ``i`` (``C_i``), never ``j`` or ``k``.

A sympy symbol's name *is* its TeX, so an expression built here prints as the viewer reads it.
All symbols are real. Two layer styles exist:

``"superscript"``
    Part 2 and 3: ``a^{(L)}``, ``z^{(L-1)}``, ``w^{(L)}_{jk}`` (layers counted back from ``L``).
``"subscript"``
    Part 1's worked chain: ``a_1``, ``w_3`` (layers counted from the input).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy as sp

LayerStyle = Literal["superscript", "subscript"]
Role = Literal["weight", "bias", "activation", "weighted_input", "cost", "target", "error"]


# The role of every quantity symbol made by this module, by name (its TeX), said where it is made.
# (A name says nothing reliable about the layer number: ``a^{(L)}`` is layer 3 of one network and
# layer 2 of another, so layers are not kept here.)
_ROLES: dict[str, Role] = {}


def symbol(tex: str) -> sp.Symbol:
    """The real sympy symbol whose name is ``tex``."""
    return sp.Symbol(tex, real=True)


def _quantity(tex: str, role: Role) -> sp.Symbol:
    _ROLES[tex] = role
    return symbol(tex)


def role(s: sp.Symbol | str) -> Role | None:
    """The role of a quantity symbol made by :class:`Notation` (or of its TeX), else ``None``
    (numbers, derivative symbols, formulas)."""
    return _ROLES.get(s if isinstance(s, str) else s.name)


class sigma(sp.Function):
    """The generic squish ``\\sigma``; its derivative is :class:`sigma_prime`."""

    is_real = True

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigma_prime(self.args[0])

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"\sigma\left(%s\right)" % printer._print(self.args[0])


class sigma_prime(sp.Function):
    """``\\sigma'``, the derivative of the generic squish."""

    is_real = True

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"\sigma'\left(%s\right)" % printer._print(self.args[0])


def index_tex(indices: tuple[int | str, ...]) -> str:
    """Subscript for neuron indices: ``(1,)`` -> ``_{1}``, ``("j", "k")`` -> ``_{jk}``."""
    if not indices:
        return ""
    parts = [str(i) for i in indices]
    sep = "," if any(len(p) > 1 for p in parts) else ""
    return "_{" + sep.join(parts) + "}"


@dataclass(frozen=True)
class Notation:
    """Symbols of one network: ``depth`` layers after the input, drawn in one layer style.

    Layer ``l`` runs from 0 (the input) to ``depth`` (the output, written ``L``).
    Pass neuron indices for networks with several neurons per layer; leave them out for a
    chain of single neurons. Indices may be letters (``"j"``) to write a general formula's TeX
    (``n.w(L, "j", "k").name == "w^{(L)}_{jk}"``).
    """

    depth: int
    style: LayerStyle = "superscript"

    # -- layers ---------------------------------------------------------------------------
    def layer_tex(self, layer: int) -> str:
        """How layer ``layer`` is written: ``L``, ``L-1``, ... (superscript) or ``1``, ``2``."""
        if self.style == "subscript":
            return str(layer)
        back = self.depth - layer
        return "L" if back == 0 else f"L-{back}"

    def _name(self, letter: str, layer: int, indices: tuple[int | str, ...]) -> str:
        if self.style == "subscript":
            if indices:
                raise ValueError("the subscript layer style has no neuron indices")
            return f"{letter}_{{{layer}}}"
        return f"{letter}^{{({self.layer_tex(layer)})}}{index_tex(indices)}"

    # -- quantities -------------------------------------------------------------------------
    def a(self, layer: int, *j: int | str) -> sp.Symbol:
        """Activation ``a^{(l)}_j``."""
        return _quantity(self._name("a", layer, j), "activation")

    def z(self, layer: int, *j: int | str) -> sp.Symbol:
        """Weighted input ``z^{(l)}_j = sum_k w^{(l)}_{jk} a^{(l-1)}_k + b^{(l)}_j``."""
        return _quantity(self._name("z", layer, j), "weighted_input")

    def w(self, layer: int, *jk: int | str) -> sp.Symbol:
        """Weight ``w^{(l)}_{jk}``, to neuron ``j`` of layer ``l`` from ``k`` of ``l-1``."""
        return _quantity(self._name("w", layer, jk), "weight")

    def b(self, layer: int, *j: int | str) -> sp.Symbol:
        """Bias ``b^{(l)}_j``."""
        return _quantity(self._name("b", layer, j), "bias")

    def delta(self, layer: int, *j: int | str) -> sp.Symbol:
        """Error ``delta^{(l)}_j = dC_0/dz^{(l)}_j``."""
        return _quantity(self._name(r"\delta", layer, j), "error")

    def y(self, *j: int | str) -> sp.Symbol:
        """Desired output ``y_j``."""
        return _quantity("y" + index_tex(j), "target")

    @property
    def cost(self) -> sp.Symbol:
        """Cost of one training example: ``C`` in Part 1's chain, ``C_0`` elsewhere."""
        return _quantity("C" if self.style == "subscript" else "C_{0}", "cost")


def example_cost(i: int) -> sp.Symbol:
    """``C_i``, the cost of training example ``i``."""
    return _quantity(f"C_{{{i}}}", "cost")


AVERAGE_COST = _quantity("C", "cost")


def partial(numerator: sp.Symbol, denominator: sp.Symbol, *, upright: bool = False) -> sp.Symbol:
    """The symbol ``d numerator / d denominator`` (partial by default, upright ``d`` if asked).

    It stands for a derivative whose meaning a :class:`~mathcore.symbolic.Graph` supplies;
    :func:`split_partial` recovers the two symbols from it.
    """
    d = "d" if upright else r"\partial"
    return symbol(rf"\frac{{{d} {numerator.name}}}{{{d} {denominator.name}}}")


_PARTIAL_PREFIXES = (r"\frac{\partial ", r"\frac{d ")


def split_partial(s: sp.Symbol) -> tuple[sp.Symbol, sp.Symbol] | None:
    """``(numerator, denominator)`` of a symbol made by :func:`partial`, else ``None``."""
    name = s.name
    for prefix in _PARTIAL_PREFIXES:
        if name.startswith(prefix):
            d = prefix[len(r"\frac{") :]
            body = name[len(prefix) :]
            num, sep, rest = body.partition("}{" + d)
            if not sep or not rest.endswith("}"):
                return None
            return symbol(num), symbol(rest[:-1])
    return None
