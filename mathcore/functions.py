"""Activations (the squish) and costs, each with its NumPy and its sympy form side by side.

Like micrograd keeps an operation's local derivative next to its forward rule, each
:class:`Activation` holds ``sigma``, its derivative ``sigma'`` and the textbook form of that
derivative (``sigma(1 - sigma)`` for the logistic sigmoid), in both worlds. Tests prove that
each NumPy form equals its lambdified sympy form and that sympy's own derivative equals the
textbook form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from mathcore.notation import sigma, sigma_prime

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """A squish ``a = sigma(z)``.

    Attributes
    ----------
    name:
        Key used in lesson files (``"sigmoid"``).
    forward, derivative:
        NumPy ``sigma`` and ``sigma'``, elementwise.
    symbolic:
        ``z -> sigma(z)`` as a sympy expression.
    textbook:
        ``z -> sigma'(z)`` written the way textbooks do (in terms of ``sigma`` itself where
        that is customary); tests check it against ``sympy.diff`` of :attr:`symbolic`.
    textbook_tex:
        TeX of the textbook derivative, with ``z`` as the argument.
    max_slope:
        The largest value ``sigma'`` takes (``1/4`` for the sigmoid), or ``None``.
    max_slope_tex:
        TeX of :attr:`max_slope` (``\\frac{1}{4}``), readable by :mod:`mathcore.texparse`, or
        ``None``.
    """

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array], Array]
    symbolic: Callable[[sp.Expr], sp.Expr]
    textbook: Callable[[sp.Expr], sp.Expr]
    textbook_tex: str
    max_slope: sp.Rational | None
    max_slope_tex: str | None = None

    def symbolic_derivative(self, z: sp.Expr) -> sp.Expr:
        """``sigma'(z)`` by sympy differentiation of :attr:`symbolic`, taken as 0 at a kink
        (sympy's step ``Heaviside(0)`` is ``1/2``): the convention of :attr:`derivative`."""
        t = sp.Dummy("t", real=True)
        return at_kink_zero(sp.diff(self.symbolic(t), t)).subs(t, z)


def at_kink_zero(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every step ``Heaviside(x)`` taking the value 0 at ``x = 0``, as the NumPy
    derivatives (and most libraries) do."""
    return expr.replace(lambda e: isinstance(e, sp.Heaviside), lambda e: sp.Heaviside(e.args[0], 0))


def _logistic(z: Array) -> Array:
    # Written with e^{-|z|}, which never overflows; the clamp keeps it from underflowing.
    e = np.exp(-np.minimum(np.abs(z), 700.0))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _logistic_prime(z: Array) -> Array:
    # sigma(1 - sigma), written symmetrically so that large positive z keeps its precision.
    e = np.exp(-np.minimum(np.abs(z), 700.0))
    return e / (1.0 + e) ** 2


def _tanh_prime(z: Array) -> Array:
    # 1 - tanh^2 = 4 e^{-2|z|} / (1 + e^{-2|z|})^2: 1 - tanh(z)^2 is exactly 0 in floats for |z| > 19,
    # which would show a tiny gradient as a dead one.
    e = np.exp(-2.0 * np.minimum(np.abs(z), 350.0))
    return 4.0 * e / (1.0 + e) ** 2


def _sym_logistic(z: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-z))


IDENTITY = Activation(
    name="identity",
    forward=lambda z: np.asarray(z, dtype=float).copy(),
    derivative=lambda z: np.ones_like(z, dtype=float),
    symbolic=lambda z: z,
    textbook=lambda z: sp.Integer(1),
    textbook_tex="1",
    max_slope=sp.Integer(1),
    max_slope_tex="1",
)

SIGMOID = Activation(
    name="sigmoid",
    forward=lambda z: _logistic(np.asarray(z, dtype=float)),
    derivative=lambda z: _logistic_prime(np.asarray(z, dtype=float)),
    symbolic=_sym_logistic,
    textbook=lambda z: _sym_logistic(z) * (1 - _sym_logistic(z)),
    textbook_tex=r"\sigma(z)\left(1 - \sigma(z)\right)",
    max_slope=sp.Rational(1, 4),
    max_slope_tex=r"\frac{1}{4}",
)

TANH = Activation(
    name="tanh",
    forward=lambda z: np.tanh(np.asarray(z, dtype=float)),
    derivative=lambda z: _tanh_prime(np.asarray(z, dtype=float)),
    symbolic=sp.tanh,
    textbook=lambda z: 1 - sp.tanh(z) ** 2,
    textbook_tex=r"1 - \sigma(z)^2",
    max_slope=sp.Integer(1),
    max_slope_tex="1",
)

RELU = Activation(
    name="relu",
    forward=lambda z: np.maximum(np.asarray(z, dtype=float), 0.0),
    # The derivative at exactly 0 is taken as 0, as most libraries do.
    derivative=lambda z: (np.asarray(z, dtype=float) > 0).astype(float),
    symbolic=lambda z: sp.Max(0, z),
    textbook=lambda z: sp.Heaviside(z, 0),
    textbook_tex=r"\begin{cases} 1 & z > 0 \\ 0 & z < 0 \end{cases}",
    max_slope=sp.Integer(1),
    max_slope_tex="1",
)

GENERIC = Activation(
    name="sigma",
    forward=lambda z: _unavailable("the generic sigma has no numeric form"),
    derivative=lambda z: _unavailable("the generic sigma has no numeric form"),
    symbolic=sigma,
    textbook=sigma_prime,
    textbook_tex=r"\sigma'(z)",
    max_slope=None,
)


def _unavailable(message: str) -> Array:
    raise TypeError(message)


ACTIVATIONS: dict[str, Activation] = {f.name: f for f in (IDENTITY, SIGMOID, TANH, RELU)}


@dataclass(frozen=True)
class Cost:
    """Cost of one training example, summed over output neurons.

    ``"quadratic"`` is the lesson's convention, ``C_0 = sum_j (a_j - y_j)^2`` with
    ``dC_0/da_j = 2(a_j - y_j)``; ``"half_quadratic"`` puts a ``1/2`` in front. A lesson
    file chooses one, and every formula and number follows it.
    """

    name: str
    scale: sp.Rational

    def forward(self, a: Array, y: Array) -> Array:
        """Cost per example: ``a`` and ``y`` have shape ``(examples, neurons)``."""
        return float(self.scale) * np.sum((a - y) ** 2, axis=-1)

    def derivative(self, a: Array, y: Array) -> Array:
        """``dC_0/da^{(L)}_j`` per example and output neuron."""
        return 2.0 * float(self.scale) * (a - y)

    def symbolic(self, a: sp.Expr, y: sp.Expr) -> sp.Expr:
        """One output neuron's term of the cost."""
        return self.scale * (a - y) ** 2

    @property
    def tex_factor(self) -> str:
        """TeX written before ``(a - y)^2``: empty or ``\\frac{1}{2}``."""
        return "" if self.scale == 1 else r"\frac{1}{2}"

    @property
    def slope_tex_factor(self) -> str:
        """TeX written before ``(a - y)`` in ``dC_0/da``: ``2`` or empty."""
        return "2" if self.scale == 1 else ""


QUADRATIC = Cost("quadratic", sp.Integer(1))
HALF_QUADRATIC = Cost("half_quadratic", sp.Rational(1, 2))
COSTS: dict[str, Cost] = {c.name: c for c in (QUADRATIC, HALF_QUADRATIC)}
