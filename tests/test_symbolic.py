"""The chain rule, proved by sympy for chains of any depth and for several neurons per layer.

Each identity is proved on the network's own graph of definitions: a derivative symbol means the
derivative of the composed function, so "chain-rule product equals direct derivative" is a real
statement that fails if a link is missing or wrong (see the negative tests).
"""

from __future__ import annotations

import pytest
import sympy as sp

from mathcore import notation as nt
from mathcore.functions import ACTIVATIONS, GENERIC, at_kink_zero, HALF_QUADRATIC, IDENTITY, RELU, SIGMOID, TANH
from mathcore.symbolic import SymbolicNetwork, differs_formally, is_zero, squish_functions, unfold

ACTS = [GENERIC, *ACTIVATIONS.values()]


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
@pytest.mark.parametrize("depth", [1, 2, 4])
def test_chain_rule_product_equals_direct_derivative(act, depth):
    s = SymbolicNetwork((1,) * (depth + 1), act)
    for p in s.parameters():
        assert s.chain_rule_holds(p), p
    for l in range(depth):
        assert s.chain_rule_holds(s.a(l)), s.a(l)


def test_chain_rule_holds_for_a_deep_generic_chain():
    s = SymbolicNetwork((1,) * 13)
    assert s.chain_rule_holds(s.w(1))
    assert s.chain_rule_holds(s.b(1))


def test_local_derivatives_read_from_their_own_formulas():
    s = SymbolicNetwork((1, 1, 1, 1))
    L = 3
    g = s.graph
    assert is_zero(g.local(s.cost_symbol, s.a(L)) - 2 * (s.a(L) - s.y()))
    assert g.local(s.a(L), s.z(L)) == nt.sigma_prime(s.z(L))
    assert g.local(s.z(L), s.w(L)) == s.a(L - 1)
    assert g.local(s.z(L), s.b(L)) == 1
    assert g.local(s.z(L), s.a(L - 1)) == s.w(L)


def test_half_quadratic_cost_changes_the_first_factor_only():
    s = SymbolicNetwork((1, 1, 1), cost=HALF_QUADRATIC)
    assert is_zero(s.graph.local(s.cost_symbol, s.a(2)) - (s.a(2) - s.y()))
    assert s.chain_rule_holds(s.w(1))


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
def test_textbook_derivative_of_each_activation(act):
    z = sp.Symbol("z", real=True)
    if act is GENERIC:
        assert sp.diff(act.symbolic(z), z) == nt.sigma_prime(z)
        return
    diff = sp.diff(act.symbolic(z), z) - act.textbook(z)
    if act.name == "relu":  # Max(0, z)' is Heaviside(z) away from the kink
        for value in (-2, -sp.Rational(1, 3), sp.Rational(1, 5), 3):
            assert diff.subs(z, value) == 0
    else:
        assert sp.simplify(diff) == 0


def test_a_wrong_chain_is_not_proved():
    """The proof can fail: drop the sigma' link and the product no longer equals the derivative."""
    s = SymbolicNetwork((1, 1, 1))
    C, w = s.cost_symbol, s.w(2)
    wrong = nt.partial(C, s.a(2)) * nt.partial(s.z(2), w)
    assert not s.graph.equal(nt.partial(C, w), wrong)
    assert s.graph.equal(nt.partial(C, w), s.chain_product(C, w))


@pytest.mark.parametrize("sizes", [(3, 3, 2), (2, 4, 3), (2, 2, 2, 2)])
def test_sum_over_paths_for_an_activation_of_the_previous_layer(sizes):
    s = SymbolicNetwork(sizes)
    L, C = s.depth, s.cost_symbol
    for l in range(1, L + 1):
        for k in range(sizes[l - 1]):
            assert s.graph.equal(nt.partial(C, s.a(l - 1, k)), s.activation_gradient_by_paths(l, k))


@pytest.mark.parametrize("sizes", [(3, 3, 2), (2, 4, 3), (2, 2, 2, 2)])
def test_vector_form_equals_index_form(sizes):
    """BP1-BP4: delta by BP1/BP2 equals dC/dz, and the gradients equal the index-form ones."""
    s = SymbolicNetwork(sizes)
    L, C = s.depth, s.cost_symbol
    for l in range(1, L + 1):
        by_vector = s.delta_vector(l)
        by_index = sp.Matrix([nt.partial(C, s.z(l, j)) for j in range(sizes[l])])
        assert s.graph.equal(by_vector, by_index), l
        for j in range(sizes[l]):
            assert s.graph.equal(nt.partial(C, s.b(l, j)), s.delta(l, j))  # BP3
            for k in range(sizes[l - 1]):
                index_form = s.a(l - 1, k) * nt.partial(s.a(l, j), s.z(l, j)) * nt.partial(C, s.a(l, j))
                assert s.graph.equal(nt.partial(C, s.w(l, j, k)), s.a(l - 1, k) * s.delta(l, j))  # BP4
                assert s.graph.equal(nt.partial(C, s.w(l, j, k)), index_form)


def test_bp2_with_a_transposed_error_is_not_proved():
    s = SymbolicNetwork((2, 3, 2))
    W = sp.Matrix([[s.w(2, j, k) for k in range(3)] for j in range(2)])
    delta2 = sp.Matrix([s.delta(2, j) for j in range(2)])
    sp_z = sp.Matrix([nt.sigma_prime(s.z(1, j)) for j in range(3)])
    right = (W.T * delta2).multiply_elementwise(sp_z)
    by_index = sp.Matrix([nt.partial(s.cost_symbol, s.z(1, j)) for j in range(3)])
    assert s.graph.equal(right, by_index)
    wrong_w = sp.Matrix([[s.w(2, j, k) for k in range(3)] for j in range(2)])
    wrong_w[0, 1], wrong_w[1, 0] = wrong_w[1, 0], wrong_w[0, 1]  # W with two entries swapped
    assert not s.graph.equal((wrong_w.T * delta2).multiply_elementwise(sp_z), by_index)


def test_symbols_print_as_on_screen():
    n = nt.Notation(3)
    assert n.a(3).name == "a^{(L)}"
    assert n.a(2).name == "a^{(L-1)}"
    assert n.w(3, "j", "k").name == "w^{(L)}_{jk}"
    assert n.w(3, 10, 2).name == "w^{(L)}_{10,2}"
    assert nt.Notation(3, "subscript").a(1).name == "a_{1}"
    assert n.a(1).is_real
    d = nt.partial(n.cost, n.w(3))
    assert d.name == r"\frac{\partial C_{0}}{\partial w^{(L)}}"
    assert nt.split_partial(d) == (n.cost, n.w(3))
    assert nt.split_partial(n.a(1)) is None


# -- proofs for a generic squish, in chain-rule steps ------------------------------------------
def _derivative_pairs(s: SymbolicNetwork) -> list[tuple[sp.Symbol, sp.Symbol]]:
    """(top, start) for the cost and a hidden activation over every parameter, a and z below them."""
    L = s.depth
    starts = list(s.parameters()) + [s.a(l, j) for l in range(L) for j in range(s.sizes[l])]
    starts += [s.z(l, j) for l in range(1, L + 1) for j in range(s.sizes[l])]
    tops = [s.cost_symbol, s.a(L - 1, 0)]
    return [(top, start) for top in tops for start in starts]


@pytest.mark.parametrize(
    "sizes,act,opaque",
    [((3, 3, 2), GENERIC, False), ((2, 3, 2), SIGMOID, True), ((1, 1, 1, 1), TANH, True), ((1, 1, 1), SIGMOID, False),
     ((2, 2, 2), RELU, True)],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_chain_meaning_is_the_composed_derivative(sizes, act, opaque):
    """Graph.chain (chain rule over the definitions) equals sympy's derivative of the composed function."""
    s = SymbolicNetwork(sizes, act, opaque=opaque)
    g = s.graph
    for top, start in _derivative_pairs(s):
        assert is_zero(g.expand(g.chain(top, start)) - g.total(top, start)), (top, start)


@pytest.mark.parametrize("act", list(ACTIVATIONS.values()), ids=lambda a: a.name)
def test_an_unevaluated_squish_unfolds_to_its_formula_and_derivative(act):
    """What makes a proof for a generic sigma hold for the activation: sigma' unfolds to its derivative."""
    z = sp.Symbol("z", real=True)
    squish, prime = squish_functions(act)
    assert squish_functions(act) == (squish, prime)  # the same classes: equal expressions compare equal
    assert sp.diff(squish(z**2), z) == 2 * z * prime(z**2)
    assert unfold(squish(z)) == act.symbolic(z)
    assert is_zero(unfold(prime(z)) - at_kink_zero(sp.diff(act.symbolic(z), z)))
    s = SymbolicNetwork((1, 1), act, opaque=True)
    assert s.sigma(z) == squish(z) and s.sigma_prime(z) == prime(z)
    assert SymbolicNetwork((1, 1), act).sigma(z) == act.symbolic(z)  # concrete by default


def test_a_wrong_sum_is_not_proved_for_an_unevaluated_relu():
    s = SymbolicNetwork((2, 3, 2), RELU, opaque=True)
    C, k = s.cost_symbol, 1
    right = s.activation_gradient_by_paths(2, k)
    assert s.graph.equal(nt.partial(C, s.a(1, k)), right)
    swapped = right.xreplace({s.w(2, 0, k): s.w(2, k, 0)})  # w_{jk} written w_{kj} in one term
    assert not s.graph.equal(nt.partial(C, s.a(1, k)), swapped)
    one_term = right.xreplace({s.w(2, 1, k): 0})  # a path left out
    assert not s.graph.equal(nt.partial(C, s.a(1, k)), one_term)


def test_values_by_hand_are_exact():
    """The worked chain (by hand: dC/dw1 = 2 (a3 - y) w3 w2 a0 = 3) and a ReLU chain, as rationals."""
    s = SymbolicNetwork((1, 1, 1, 1), IDENTITY, squish=False, biases=False, style="subscript")
    values = {s.a(0): 1, s.y(): 2, s.w(1): 2, s.w(2): 3, s.w(3): sp.Rational(1, 2)}
    assert s.graph.value(nt.partial(s.cost_symbol, s.w(1)), values) == 3
    assert s.graph.value(s.cost_symbol, values) == 1  # a3 = 3: (3 - 2)^2
    r = SymbolicNetwork((1, 1, 1), RELU, opaque=True)
    half = sp.Rational(1, 2)
    values = {r.a(0): 1, r.y(): 0, r.w(1): 2, r.b(1): -half, r.w(2): -1, r.b(2): 2}
    # z1 = 3/2, a1 = 3/2; z2 = 1/2, a2 = 1/2; C = 1/4; dC/dw1 = 2 a2 * 1 * w2 * 1 * a0 = -1
    assert r.graph.value(r.cost_symbol, values) == sp.Rational(1, 4)
    assert r.graph.value(nt.partial(r.cost_symbol, r.w(1)), values) == -1
    assert r.graph.value(r.delta(1), values) == -1


def test_transcendental_values_have_30_digits():
    import mpmath

    s = SymbolicNetwork((1, 1), TANH, opaque=True)
    values = {s.a(0): 1, s.y(): 0, s.w(1): sp.Rational(1, 2), s.b(1): 0}
    with mpmath.workdps(40):
        expected = mpmath.tanh(mpmath.mpf(1) / 2)
        slope = 2 * expected * (1 - expected**2)
        assert abs(mpmath.mpf(str(s.graph.value(s.a(1), values))) - expected) < mpmath.mpf("1e-28")
        got = s.graph.value(nt.partial(s.cost_symbol, s.w(1)), values)
        assert abs(mpmath.mpf(str(got)) - slope) < mpmath.mpf("1e-28")


def test_one_point_disproves_a_wrong_equation_and_never_a_true_one():
    """Graph.differ: BP4 with the right error term agrees at the sample point, with another one it does not."""
    s = SymbolicNetwork((2, 3, 2), TANH, opaque=True)
    g, C = s.graph, s.cost_symbol
    for l in (1, 2):
        n = s.sizes[l]
        for j in range(n):
            for k in range(s.sizes[l - 1]):
                dw = nt.partial(C, s.w(l, j, k))
                assert not g.differ(dw, s.a(l - 1, k) * s.delta(l, j))
                assert g.differ(dw, s.a(l - 1, k) * s.delta(l, (j + 1) % n))
                assert not g.equal(dw, s.a(l - 1, k) * s.delta(l, (j + 1) % n))
    # The generic sigma has no values: no disproof, the full proof decides.
    generic = SymbolicNetwork((1, 1, 1))
    C, w = generic.cost_symbol, generic.w(2)
    wrong = nt.partial(C, generic.a(2)) * nt.partial(generic.z(2), w)
    assert not generic.graph.differ(nt.partial(C, w), wrong)
    assert not generic.graph.equal(nt.partial(C, w), wrong)


def test_formal_difference_at_the_sample_point():
    x, y = nt.symbol("x"), nt.symbol("y")
    assert differs_formally(x * y - y * x + x)
    assert not differs_formally((x + y) ** 2 - x**2 - 2 * x * y - y**2)
    assert not differs_formally(nt.sigma(x) - nt.sigma(y))  # no value for the generic sigma: no claim
    tanh_squish, _ = squish_functions(TANH)
    assert differs_formally(tanh_squish(x) - tanh_squish(y))
    assert not differs_formally(sp.Matrix([tanh_squish(x) - sp.tanh(x), 0]))
