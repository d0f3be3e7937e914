"""The TeX reader: it reads the lesson's notation and rejects what is outside it."""

from __future__ import annotations

import pytest
import sympy as sp

from mathcore import notation as nt
from mathcore.symbolic import SymbolicNetwork
from mathcore.texparse import TexParseError, parse

CHAIN = SymbolicNetwork((1, 1, 1, 1))
WIDE = SymbolicNetwork((3, 3, 2))


def read(tex: str, net: SymbolicNetwork = CHAIN, **bindings: int):
    return parse(tex, net.scope(**bindings))


def test_layers_are_superscripts_not_exponents():
    (side,) = read(r"a^{(L-1)}").sides
    assert side == CHAIN.a(2)
    (side,) = read(r"a^{(1)}").sides
    assert side == CHAIN.a(1)
    (power,) = read(r"\left(a^{(L)}\right)^2").sides
    assert power == CHAIN.a(3) ** 2


def test_numbers_are_exact_and_relations_are_kept():
    p = read(r"0.1 + 0.2 = 0.3 \approx 0.31")
    assert p.sides[0] == sp.Rational(3, 10)
    assert p.relations == ("=", "approx")


def test_products_fractions_and_derivatives():
    p = read(r"\frac{\partial C_0}{\partial w^{(L)}} = 2\left(a^{(L)} - y\right) \cdot \frac{1}{4} a^{(L-1)}")
    assert p.sides[0] == nt.partial(CHAIN.cost_symbol, CHAIN.w(3))
    assert sp.expand(p.sides[1] - (CHAIN.a(3) - CHAIN.y()) * CHAIN.a(2) / 2) == 0


def test_sums_expand_over_the_layer_size():
    (_, right) = read(r"z^{(L)}_{j} = \sum_{k=0}^{n_{L-1} - 1} w^{(L)}_{jk} a^{(L-1)}_{k}", WIDE, j=1).sides
    expected = sum(WIDE.w(2, 1, k) * WIDE.a(1, k) for k in range(3))
    assert sp.expand(right - expected) == 0


def test_unbound_index_letter_is_an_error():
    with pytest.raises(TexParseError, match="not bound"):
        read(r"w^{(L)}_{jk}", WIDE, j=0)


def test_summation_index_may_not_shadow_a_bound_one():
    with pytest.raises(TexParseError, match="collide"):
        read(r"\sum_{j=0}^{1} a^{(L)}_{j}", WIDE, j=0)


@pytest.mark.parametrize("tex", [r"q^{(L)}", r"a^{(L+1)}", r"\frac{\partial C_0}{\partial}", r"(a^{(L)}", r"\sigma"])
def test_tex_outside_the_notation_is_rejected(tex):
    with pytest.raises(TexParseError):
        read(tex)


def test_vectors_matrices_and_gradient():
    vec = SymbolicNetwork((3, 3, 2), vectors=True)
    (left, right) = read(r"\delta^{(L)} = \nabla_a C_0 \odot \sigma'\left(z^{(L)}\right)", vec).sides
    assert left.shape == (2, 1)
    assert right[1] == nt.partial(vec.cost_symbol, vec.a(2, 1)) * nt.sigma_prime(vec.z(2, 1))
    (wt,) = read(r"\left(W^{(L)}\right)^T", vec).sides
    assert wt.shape == (3, 2) and wt[2, 1] == vec.w(2, 1, 2)
    (grad,) = read(r"\nabla C", vec).sides
    assert grad.shape == (len(vec.parameters()), 1)
    (col,) = read(r"\begin{bmatrix} 1 \\ a^{(L)}_{0} \end{bmatrix}", vec).sides
    assert list(col) == [1, vec.a(2, 0)]


def test_relu_slope_written_with_cases_is_sympys_derivative_away_from_the_kink():
    from mathcore.functions import RELU

    z = sp.Symbol("z", real=True)
    (step,) = read(RELU.textbook_tex).sides
    (z_read,) = step.free_symbols
    derivative = sp.diff(sp.Max(0, z), z)  # sympy's own derivative of ReLU
    for value in (sp.Rational(-7, 2), -1, sp.Rational(-1, 1000), sp.Rational(1, 1000), 1, 5):
        assert step.subs(z_read, value) == derivative.subs(z, value) == (1 if value > 0 else 0)
    # The order of the cases and the values are read, not assumed.
    (other,) = read(r"\begin{cases} 0 & z < 0 \\ 3 & z > 0 \end{cases}").sides
    assert other.subs(z_read, 2) == 3 and other.subs(z_read, -2) == 0


@pytest.mark.parametrize("tex", [
    r"\begin{cases} 1 & z > 0 \\ 0 & z > 0 \end{cases}",  # the same side twice
    r"\begin{cases} 1 & z > 0 \\ 0 & z < 1 \end{cases}",  # not one kink
    r"\begin{cases} 1 & z > 0 \end{cases}",  # one case
    r"\begin{cases} 1 & z = 0 \\ 0 & z < 0 \end{cases}",  # not a strict side
])
def test_cases_other_than_a_step_are_rejected(tex):
    with pytest.raises(TexParseError):
        read(tex)
