"""The NumPy forward and backward passes (:mod:`mathcore.numeric`) against independent references.

Each result is checked against something that does not share its code:

* the worked chain of Part 1, calculated by hand;
* central finite differences of the cost (every weight and bias, per example and averaged);
* sympy: the fully expanded cost of a :class:`~mathcore.symbolic.SymbolicNetwork`, its
  ``sympy.diff`` with respect to every parameter, lambdified and evaluated with the same numbers;
* scalar chain-rule loops over a chain of single neurons, written out with :mod:`math`.

Random networks come from Hypothesis: 1-4 layers after the input, 1-4 neurons per layer,
1-4 training examples, one activation among sigmoid, tanh, identity and relu, and either cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal

from mathcore.functions import (
    HALF_QUADRATIC,
    IDENTITY,
    QUADRATIC,
    RELU,
    SIGMOID,
    TANH,
    Activation,
    Cost,
)
from mathcore.lessonfile import load_lesson
from mathcore.numeric import (
    DescentLine,
    Network,
    backward,
    first_weight_gradient_by_depth,
    forward,
    mean_cost,
    nudge_table,
)
from mathcore.symbolic import SymbolicNetwork

SMOOTH = (SIGMOID, TANH, IDENTITY)
ALL_ACTIVATIONS = (*SMOOTH, RELU)
COSTS = (QUADRATIC, HALF_QUADRATIC)

# The factor in front of sum_j (a_j - y_j)^2, written here rather than read from Cost.scale.
COST_FACTOR = {"quadratic": 1.0, "half_quadratic": 0.5}

PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


# -- random networks ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """A network and the training examples it is run on."""

    net: Network
    inputs: np.ndarray  # (examples, n_0)
    targets: np.ndarray  # (examples, n_L)

    def passes(self):
        fwd = forward(self.net, self.inputs, self.targets)
        return fwd, backward(self.net, fwd)


def _floats(bound: float) -> st.SearchStrategy[float]:
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


@st.composite
def cases(
    draw,
    activations: tuple[Activation, ...] = ALL_ACTIVATIONS,
    max_width_by_depth: tuple[int, ...] = (4, 4, 4, 4),
    weight_bound: float = 1.5,
) -> Case:
    """A random network; ``max_width_by_depth[d - 1]`` caps the layer sizes of a depth-``d`` one."""
    depth = draw(st.integers(1, len(max_width_by_depth)))
    width = st.integers(1, max_width_by_depth[depth - 1])
    sizes = tuple(draw(width) for _ in range(depth + 1))
    examples = draw(st.integers(1, 4))
    w = tuple(draw(arrays(float, (sizes[l], sizes[l - 1]), elements=_floats(weight_bound))) for l in range(1, depth + 1))
    b = tuple(draw(arrays(float, (sizes[l],), elements=_floats(1.0))) for l in range(1, depth + 1))
    inputs = draw(arrays(float, (examples, sizes[0]), elements=_floats(2.0)))
    targets = draw(arrays(float, (examples, sizes[-1]), elements=_floats(1.5)))
    net = Network((None, *w), (None, *b), draw(st.sampled_from(activations)), draw(st.sampled_from(COSTS)))
    return Case(net, inputs, targets)


def assume_away_from_relu_kinks(case: Case, margin: float) -> None:
    """For relu, keep every weighted input at least ``margin`` from the kink at 0."""
    if case.net.activation is RELU:
        fwd = forward(case.net, case.inputs, case.targets)
        assume(all(np.min(np.abs(z)) > margin for z in fwd.z[1:]))


# -- helpers that do not use the code under test ------------------------------------------------
def with_parameter(net: Network, kind: str, layer: int, index: tuple[int, ...], value: float) -> Network:
    """A copy of ``net`` with one weight or bias replaced (written here, not Network.with_parameter)."""
    w, b = list(net.w), list(net.b)
    target = w if kind == "w" else b
    changed = np.array(target[layer], dtype=float, copy=True)
    changed[index] = value
    target[layer] = changed
    return Network(tuple(w), tuple(b), net.activation, net.cost)


def parameter_indices(net: Network):
    """``(kind, layer, index)`` of every weight and bias."""
    for l in range(1, net.depth + 1):
        for index in np.ndindex(*net.w[l].shape):
            yield "w", l, index
        for index in np.ndindex(*net.b[l].shape):
            yield "b", l, index


def central_difference(case: Case, kind: str, layer: int, index: tuple[int, ...], h: float = 1e-6) -> np.ndarray:
    """``(C_i(p + h) - C_i(p - h)) / 2h`` for every example ``i``, for one parameter ``p``."""
    value = float(getattr(case.net, kind)[layer][index])
    up, down = value + h, value - h
    c_up = forward(with_parameter(case.net, kind, layer, index, up), case.inputs, case.targets).cost
    c_down = forward(with_parameter(case.net, kind, layer, index, down), case.inputs, case.targets).cost
    return (c_up - c_down) / (up - down)  # the step actually taken, after rounding of value +- h


def cost_from_layer(net: Network, layer: int, a: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per-example cost of running activations ``a`` of ``layer`` through the layers after it."""
    for l in range(layer + 1, net.depth + 1):
        a = net.activation.forward(a @ net.w[l].T + net.b[l])
    return COST_FACTOR[net.cost.name] * np.sum((a - targets) ** 2, axis=1)


def max_abs(arrays_) -> float:
    return max(float(np.max(np.abs(x))) for x in arrays_)


# -- 1. the worked chain, by hand ---------------------------------------------------------------
#
# Identity activation, no biases, a0 = 1, weights w1, w2, w3 = 2, 3, 0.5, target y = 2:
#
#   a1 = w1 a0 = 2,  a2 = w2 a1 = 6,  a3 = w3 a2 = 3,  C = (a3 - y)^2 = (3 - 2)^2 = 1.
#
# Backwards, each activation's slope is the next one's slope times the weight between them:
#
#   dC/da3 = 2 (a3 - y) = 2
#   dC/da2 = w3 dC/da3 = 0.5 * 2 = 1
#   dC/da1 = w2 dC/da2 = 3 * 1  = 3
#   dC/da0 = w1 dC/da1 = 2 * 3  = 6
#
# and each weight's slope is its input activation times the slope of its output:
#
#   dC/dw1 = a0 dC/da1 = 1 * 3  = 3
#   dC/dw2 = a1 dC/da2 = 2 * 1  = 2
#   dC/dw3 = a2 dC/da3 = 6 * 2  = 12
#
# With identity activations delta = dC/dz = dC/da, so dC/db = (3, 1, 2). Every number above is
# exact in binary floating point, so the comparisons below are exact.
WORKED_A = [1.0, 2.0, 6.0, 3.0]
WORKED_DC_DA = [6.0, 3.0, 1.0, 2.0]
WORKED_DC_DW = [3.0, 2.0, 12.0]
WORKED_DC_DB = [3.0, 1.0, 2.0]


def worked_chain(cost: Cost = QUADRATIC) -> Network:
    weights = (None, np.array([[2.0]]), np.array([[3.0]]), np.array([[0.5]]))
    biases = (None, np.zeros(1), np.zeros(1), np.zeros(1))
    return Network(weights, biases, IDENTITY, cost)


def check_worked_chain(net: Network, inputs: np.ndarray, targets: np.ndarray, factor: float) -> None:
    """The hand calculation above; ``factor`` is 1 for the quadratic cost, 1/2 for half of it."""
    fwd = forward(net, inputs, targets)
    bwd = backward(net, fwd)
    assert net.depth == 3 and net.sizes == (1, 1, 1, 1)
    assert [fwd.a[l][0, 0] for l in range(4)] == WORKED_A
    assert [fwd.z[l][0, 0] for l in range(1, 4)] == WORKED_A[1:]
    assert fwd.cost.tolist() == [factor * 1.0]
    assert fwd.mean_cost == factor * 1.0
    assert [bwd.dC_da[l][0, 0] for l in range(4)] == [factor * g for g in WORKED_DC_DA]
    assert [bwd.grad_w[l][0, 0, 0] for l in range(1, 4)] == [factor * g for g in WORKED_DC_DW]
    assert [bwd.grad_b[l][0, 0] for l in range(1, 4)] == [factor * g for g in WORKED_DC_DB]
    assert [bwd.mean_grad_w[l][0, 0] for l in range(1, 4)] == [factor * g for g in WORKED_DC_DW]


def test_worked_chain_by_hand():
    check_worked_chain(worked_chain(), np.array([[1.0]]), np.array([[2.0]]), factor=1.0)


def test_worked_chain_by_hand_with_half_quadratic_cost():
    # C = 1/2 (a3 - y)^2 halves the cost and, by linearity, every derivative.
    check_worked_chain(worked_chain(HALF_QUADRATIC), np.array([[1.0]]), np.array([[2.0]]), factor=0.5)


def test_default_lesson_worked_chain_is_the_hand_calculation():
    spec = load_lesson().worked_chain
    assert spec.activation is IDENTITY
    assert all(np.all(b == 0) for b in spec.biases)
    check_worked_chain(Network.from_spec(spec, QUADRATIC), spec.inputs, spec.targets, factor=1.0)


def test_worked_chain_nudge_table_is_exact():
    # C(w1 + h) = (w3 w2 (w1 + h) a0 - y)^2 = (1.5 (2 + h) - 2)^2 = (1 + 1.5 h)^2 = 1 + 3h + 2.25h^2,
    # so Delta C / h = 3 + 2.25 h exactly: the slope dC/dw1 = 3 plus the curvature term.
    hs = (0.1, 0.01, 0.001, -0.01)
    rows = nudge_table(worked_chain(), np.array([[1.0]]), np.array([[2.0]]), "w", 1, (0, 0), hs)
    assert [r.h for r in rows] == list(hs)
    for r in rows:
        assert r.cost_before == 1.0
        assert r.cost_after == pytest.approx((1 + 1.5 * r.h) ** 2, rel=1e-14)
        assert r.delta_cost == pytest.approx(3 * r.h + 2.25 * r.h**2, rel=1e-12)
        assert r.ratio == pytest.approx(3 + 2.25 * r.h, rel=1e-12)


# -- 2a. gradients against finite differences ---------------------------------------------------
@PROPERTY
@given(cases())
def test_gradients_match_central_differences(case: Case):
    # With h = 1e-6 the central difference has truncation error h^2/6 |C'''| ~ 1e-13 (C''' is
    # moderate for these bounded parameters; for identity networks C is quadratic in any single
    # parameter and the truncation error is zero) and rounding error about
    # (a few ulps of C) / (2h) ~ 1e-9 (1 + |C|). Hence rtol = 1e-6 with atol = 1e-7 on the scale
    # of the cost and gradients: far tighter than any wrong factor, sign or index would give.
    # relu is differentiable only away from z = 0; keep every z well beyond what a nudge moves.
    assume_away_from_relu_kinks(case, margin=1e-3)
    fwd, bwd = case.passes()
    scale = 1.0 + max_abs([fwd.cost]) + max_abs(bwd.grad_w[1:]) + max_abs(bwd.grad_b[1:])
    for kind, layer, index in parameter_indices(case.net):
        fd = central_difference(case, kind, layer, index)
        per_example = (bwd.grad_w if kind == "w" else bwd.grad_b)[layer][(slice(None), *index)]
        mean = (bwd.mean_grad_w if kind == "w" else bwd.mean_grad_b)[layer][index]
        where = f"dC/d{kind}[{layer}]{index}"
        assert_allclose(per_example, fd, rtol=1e-6, atol=1e-7 * scale, err_msg=where)
        # The mean cost is linear in the per-example costs, so its difference is fd.mean().
        assert_allclose(mean, fd.mean(), rtol=1e-6, atol=1e-7 * scale, err_msg=where)


def test_mean_gradient_averages_the_examples_by_hand():
    # The worked chain (a3 = w3 w2 w1 a0 = 3 a0) on two examples, y = 2 for both:
    #   a0 = 1:   a = (1, 2, 6, 3),       C_0 = 1,    dC/dw = (3, 2, 12)            (as above)
    #   a0 = 1/2: a = (1/2, 1, 3, 3/2),   C_1 = 1/4,  dC/da3 = -1, dC/da2 = -1/2, dC/da1 = -3/2,
    #             dC/dw = (a0 dC/da1, a1 dC/da2, a2 dC/da3) = (-3/4, -1/2, -3)
    # so C = 5/8 and the mean gradient is (9/8, 3/4, 9/2). All exact in binary.
    net = worked_chain()
    inputs, targets = np.array([[1.0], [0.5]]), np.array([[2.0], [2.0]])
    fwd = forward(net, inputs, targets)
    bwd = backward(net, fwd)
    assert fwd.cost.tolist() == [1.0, 0.25]
    assert fwd.mean_cost == 0.625 == mean_cost(net, inputs, targets)
    assert [bwd.grad_w[l][1, 0, 0] for l in range(1, 4)] == [-0.75, -0.5, -3.0]
    assert [bwd.mean_grad_w[l][0, 0] for l in range(1, 4)] == [1.125, 0.75, 4.5]
    assert [bwd.mean_grad_b[l][0] for l in range(1, 4)] == [0.75, 0.25, 0.5]


# -- 2b. forward values and gradients against sympy ---------------------------------------------
@lru_cache(maxsize=None)
def symbolic_passes(sizes: tuple[int, ...], activation: Activation, cost: Cost):
    """The symbolic network and one lambdified function giving ``[C_0, z..., a..., dC_0/dp...]``.

    Arguments of the function: inputs ``a^{(0)}_k``, targets ``y_j``, then ``parameters()``.
    """
    sym = SymbolicNetwork(sizes, activation, cost)
    expand = sym.graph.expand
    L = len(sizes) - 1
    cost_expr = expand(sym.cost_symbol)
    neurons = [(l, j) for l in range(1, L + 1) for j in range(sizes[l])]
    z_exprs = [expand(sym.z(l, j)) for l, j in neurons]
    a_exprs = [expand(sym.a(l, j)) for l, j in neurons]
    params = sym.parameters()
    grads = [sp.diff(cost_expr, p) for p in params]
    args = [sym.a(0, k) for k in range(sizes[0])] + [sym.y(j) for j in range(sizes[L])] + list(params)
    assert set(args[: sizes[0] + sizes[L]]) | set(params) >= cost_expr.free_symbols
    f = sp.lambdify(args, [cost_expr, *z_exprs, *a_exprs, *grads], "numpy", cse=True)
    return sym, neurons, f


def parameter_values(sym: SymbolicNetwork, net: Network) -> dict[sp.Symbol, float]:
    values = {}
    for l in range(1, net.depth + 1):
        for j in range(net.sizes[l]):
            values[sym.b(l, j)] = float(net.b[l][j])
            for k in range(net.sizes[l - 1]):
                values[sym.w(l, j, k)] = float(net.w[l][j, k])
    return values


# Expanded expressions grow like the product of the layer sizes, and differentiating them is the
# slow part, so deeper networks are drawn narrower: (4, 4, 4), (3, 3, 3, 3) and (2, 2, 2, 2, 2) are
# the largest. Wide and deep together are covered by the finite-difference test above.
SYMPY_WIDTHS = (4, 4, 3, 2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(cases(max_width_by_depth=SYMPY_WIDTHS))
def test_forward_and_gradients_match_sympy(case: Case):
    # Both sides evaluate the same formulas in float64, in different orders; they agree to a few
    # ulps of the largest intermediate term, so rtol = 1e-9 with a tiny atol (for results that
    # cancel to nearly zero) is tight. relu: sympy's Heaviside(0) = 1/2, ours 0; stay off the kink.
    assume_away_from_relu_kinks(case, margin=1e-6)
    net = case.net
    sym, neurons, f = symbolic_passes(net.sizes, net.activation, net.cost)
    values = parameter_values(sym, net)
    params = sym.parameters()
    assert len(params) == len(values) and set(params) == set(values)
    assert len(params) == sum(w.size + b.size for w, b in zip(net.w[1:], net.b[1:]))

    examples = case.inputs.shape[0]
    out = f(*case.inputs.T, *case.targets.T, *(values[p] for p in params))
    out = [np.broadcast_to(np.asarray(v, dtype=float), (examples,)) for v in out]
    n = len(neurons)
    cost, zs, as_, grads = out[0], out[1 : 1 + n], out[1 + n : 1 + 2 * n], out[1 + 2 * n :]

    fwd, bwd = case.passes()
    atol = 1e-12 * (1.0 + max_abs([fwd.cost]) + max_abs(fwd.a[1:]) + max_abs(fwd.z[1:]))

    def close(actual, expected, what):
        assert_allclose(actual, expected, rtol=1e-9, atol=atol, err_msg=what)

    close(fwd.cost, cost, "C_0")
    close(fwd.mean_cost, cost.mean(), "C")
    for (l, j), z, a in zip(neurons, zs, as_):
        close(fwd.z[l][:, j], z, f"z[{l}][{j}]")
        close(fwd.a[l][:, j], a, f"a[{l}][{j}]")
    by_symbol = dict(zip(params, grads))
    for l in range(1, net.depth + 1):
        for j in range(net.sizes[l]):
            close(bwd.grad_b[l][:, j], by_symbol[sym.b(l, j)], f"dC/db[{l}][{j}]")
            for k in range(net.sizes[l - 1]):
                g = by_symbol[sym.w(l, j, k)]
                close(bwd.grad_w[l][:, j, k], g, f"dC/dw[{l}][{j},{k}]")
                close(bwd.mean_grad_w[l][j, k], g.mean(), f"mean dC/dw[{l}][{j},{k}]")


# -- 2c. the backward pass's own identities -----------------------------------------------------
@PROPERTY
@given(cases())
def test_backward_identities_and_shapes(case: Case):
    fwd, bwd = case.passes()
    net, L = case.net, case.net.depth
    examples = case.inputs.shape[0]
    sizes = net.sizes
    assert fwd.z[0] is None and bwd.grad_w[0] is None and bwd.delta[0] is None
    for l in range(L + 1):
        assert fwd.a[l].shape == (examples, sizes[l])
        assert bwd.dC_da[l].shape == (examples, sizes[l])
    for l in range(1, L + 1):
        assert bwd.grad_w[l].shape == (examples, sizes[l], sizes[l - 1])
        assert bwd.paths[l].shape == (examples, sizes[l], sizes[l - 1])
        assert bwd.mean_grad_w[l].shape == net.w[l].shape
        assert bwd.mean_grad_b[l].shape == net.b[l].shape

    # dC_0/da^{(L)}_j = 2 c (a_j - y_j), c the cost's factor.
    assert_allclose(bwd.dC_da[L], 2 * COST_FACTOR[net.cost.name] * (fwd.a[L] - case.targets), rtol=1e-15)
    for l in range(1, L + 1):
        assert_allclose(bwd.sigma_prime[l], net.activation.derivative(fwd.z[l]), rtol=1e-15)
        assert_allclose(bwd.delta[l], bwd.dC_da[l] * bwd.sigma_prime[l], rtol=1e-15)
        assert_array_equal(bwd.grad_b[l], bwd.delta[l])
        # One term per path through neuron j: w_jk sigma'(z_j) dC/da_j, summed over j.
        for i, j, k in np.ndindex(*bwd.paths[l].shape):
            term = net.w[l][j, k] * bwd.sigma_prime[l][i, j] * bwd.dC_da[l][i, j]
            assert bwd.paths[l][i, j, k] == pytest.approx(term, rel=1e-14, abs=1e-300)
            assert bwd.grad_w[l][i, j, k] == pytest.approx(fwd.a[l - 1][i, k] * bwd.delta[l][i, j], rel=1e-14, abs=1e-300)
        scale = 1.0 + max_abs([bwd.paths[l]])
        assert_allclose(bwd.paths[l].sum(axis=1), bwd.dC_da[l - 1], rtol=1e-12, atol=1e-15 * scale)


@PROPERTY
@given(cases())
def test_activation_gradients_match_central_differences(case: Case):
    # dC_0/da^{(l)} of every layer, down to the inputs, against nudging a^{(l)}_k directly and
    # running the rest of the network forward (tolerances as for the parameters).
    assume_away_from_relu_kinks(case, margin=1e-3)
    fwd, bwd = case.passes()
    h = 1e-6
    scale = 1.0 + max_abs([fwd.cost]) + max_abs(bwd.dC_da)
    for l in range(case.net.depth + 1):
        for k in range(case.net.sizes[l]):
            up, down = fwd.a[l].copy(), fwd.a[l].copy()
            up[:, k] += h
            down[:, k] -= h
            step = up[:, k] - down[:, k]
            fd = (cost_from_layer(case.net, l, up, case.targets) - cost_from_layer(case.net, l, down, case.targets)) / step
            assert_allclose(bwd.dC_da[l][:, k], fd, rtol=1e-6, atol=1e-7 * scale, err_msg=f"dC/da[{l}][{k}]")


# -- 3. nudge tables ---------------------------------------------------------------------------
@lru_cache(maxsize=None)
def expanded_cost(sizes: tuple[int, ...], activation: Activation, cost: Cost):
    """The symbolic network, its fully expanded ``C_0`` and the argument list (inputs, targets, parameters)."""
    sym = SymbolicNetwork(sizes, activation, cost)
    args = [sym.a(0, k) for k in range(sizes[0])] + [sym.y(j) for j in range(sizes[-1])] + list(sym.parameters())
    return sym, sym.graph.expand(sym.cost_symbol), args


def second_derivative_bound(case: Case, kind: str, layer: int, index: tuple[int, ...], h: float) -> float:
    """``max |d^2 C / dp^2|`` over ``[p, p + h]`` (sympy, on a fine grid): bounds |ratio - slope| / (h/2)."""
    net = case.net
    sym, cost_expr, args = expanded_cost(net.sizes, net.activation, net.cost)
    p = sym.w(layer, *index) if kind == "w" else sym.b(layer, *index)
    f = sp.lambdify(args, sp.diff(cost_expr, p, 2), "numpy", cse=True)
    values = parameter_values(sym, net)
    start = float(getattr(net, kind)[layer][index])
    bound = 0.0
    for q in np.linspace(start, start + h, 21):
        values[p] = q
        per_example = f(*case.inputs.T, *case.targets.T, *(values[s] for s in sym.parameters()))
        bound = max(bound, abs(float(np.mean(np.broadcast_to(per_example, (case.inputs.shape[0],))))))
    return bound


def lesson_case(name: str) -> Case:
    lesson = load_lesson()
    spec = getattr(lesson, name)
    return Case(Network.from_spec(spec, lesson.cost), spec.inputs, spec.targets)


@pytest.mark.parametrize("name", ["sigmoid_chain", "wide_network"])
def test_nudge_ratios_approach_the_gradient(name: str):
    case = lesson_case(name)
    hs = load_lesson().nudges  # 0.1, 0.01, 0.001, 0.0001 in the default lesson
    assert list(hs) == sorted(hs, reverse=True) and len(hs) >= 3
    fwd, bwd = case.passes()
    for kind, layer, index in parameter_indices(case.net):
        slope = (bwd.mean_grad_w if kind == "w" else bwd.mean_grad_b)[layer][index]
        rows = nudge_table(case.net, case.inputs, case.targets, kind, layer, index, hs)
        where = f"{name} {kind}[{layer}]{index}"

        # Each row is the cost before and after the nudge, computed here independently.
        value = float(getattr(case.net, kind)[layer][index])
        for r in rows:
            nudged = with_parameter(case.net, kind, layer, index, value + r.h)
            assert r.cost_before == pytest.approx(fwd.mean_cost, rel=1e-15), where
            assert r.cost_after == pytest.approx(mean_cost(nudged, case.inputs, case.targets), rel=1e-15), where
            assert r.ratio == pytest.approx((r.cost_after - r.cost_before) / r.h, rel=1e-12), where

        # Taylor: Delta C / h - dC/dp = (h/2) C''(xi) for some xi in [p, p + h], so the errors
        # shrink with h and the last is at most (h/2) max |C''| (plus rounding, ~eps C / h).
        errors = [abs(r.ratio - slope) for r in rows]
        assert all(e1 > e2 for e1, e2 in zip(errors, errors[1:])), (where, errors)
        h = hs[-1]
        bound = 0.5 * h * second_derivative_bound(case, kind, layer, index, h)
        assert errors[-1] <= bound * (1 + 1e-6) + 1e-11, (where, errors[-1], bound)


# -- 4. vanishing gradients along a chain ---------------------------------------------------------
def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def chain_first_weight_gradient(weights, biases, x: float, y: float, factor: float) -> tuple[float, float]:
    """``dC_0/dw_1`` of a sigmoid chain by the chain rule, one scalar at a time, and ``dC_0/da_L``.

    dC/dw_1 = a_0 sigma'(z_1) * prod_{l=2..L} (w_l sigma'(z_l)) * dC/da_L.
    """
    a, zs = x, []
    for w, b in zip(weights, biases):
        zs.append(w * a + b)
        a = sigmoid(zs[-1])
    slope_a = 2 * factor * (a - y)
    g = slope_a
    for l in range(len(weights) - 1, 0, -1):
        s = sigmoid(zs[l])
        g *= weights[l] * s * (1 - s)
    s = sigmoid(zs[0])
    return g * s * (1 - s) * x, slope_a


def by_depth_by_hand(case: Case) -> np.ndarray:
    """The first weight's mean gradient of the chain cut after each depth, built here."""
    w = [float(case.net.w[l][0, 0]) for l in range(1, case.net.depth + 1)]
    b = [float(case.net.b[l][0]) for l in range(1, case.net.depth + 1)]
    factor = COST_FACTOR[case.net.cost.name]
    out = []
    for depth in range(1, len(w) + 1):
        grads = [
            chain_first_weight_gradient(w[:depth], b[:depth], float(x), float(y), factor)[0]
            for x, y in zip(case.inputs[:, 0], case.targets[:, 0])
        ]
        out.append(sum(grads) / len(grads))
    return np.array(out)


@st.composite
def sigmoid_chains(draw, weight_bound: float) -> Case:
    depth = draw(st.integers(1, 8))
    examples = draw(st.integers(1, 3))
    w = [np.array([[draw(_floats(weight_bound))]]) for _ in range(depth)]
    b = [np.array([draw(_floats(1.0))]) for _ in range(depth)]
    inputs = draw(arrays(float, (examples, 1), elements=_floats(2.0)))
    targets = draw(arrays(float, (examples, 1), elements=st.floats(0.0, 1.0)))
    return Case(Network((None, *w), (None, *b), SIGMOID, draw(st.sampled_from(COSTS))), inputs, targets)


def test_first_weight_gradient_by_depth_on_the_lesson_deep_chain():
    case = lesson_case("deep_chain")
    got = first_weight_gradient_by_depth(case.net, case.inputs, case.targets)
    assert got.shape == (case.net.depth,)
    assert_allclose(got, by_depth_by_hand(case), rtol=1e-12, atol=0)
    # The lesson's point: each extra layer shrinks the first weight's gradient.
    magnitudes = np.abs(got)
    assert np.all(magnitudes[1:] < magnitudes[:-1]), magnitudes


@PROPERTY
@given(sigmoid_chains(weight_bound=3.0))
def test_first_weight_gradient_by_depth_matches_hand_built_chains(case: Case):
    got = first_weight_gradient_by_depth(case.net, case.inputs, case.targets)
    expected = by_depth_by_hand(case)
    assert_allclose(got, expected, rtol=1e-10, atol=1e-300)


@PROPERTY
@given(sigmoid_chains(weight_bound=1.0))
def test_first_weight_gradient_vanishes_geometrically(case: Case):
    # Per example, |dC/dw_1| = |a_0| sigma'(z_1) prod_{l=2..d} |w_l| sigma'(z_l) |dC/da_d|, and
    # sigma' <= 1/4, so
    #   |dC/dw_1| <= |a_0| (1/4)^d prod_{l=2..d} |w_l| |dC/da_d|            (tight bound)
    # and, with targets in [0, 1] and a_d in (0, 1), |dC/da_d| <= 2c (c the cost's factor), so
    # with |w| <= 1 a depth-d chain's first gradient is at most 2c |a_0| / 4^d  (crude bound).
    # The mean over examples is bounded by the mean of the per-example bounds.
    got = first_weight_gradient_by_depth(case.net, case.inputs, case.targets)
    w = [float(case.net.w[l][0, 0]) for l in range(1, case.net.depth + 1)]
    b = [float(case.net.b[l][0]) for l in range(1, case.net.depth + 1)]
    factor = COST_FACTOR[case.net.cost.name]
    # Rounding slack: relative for normal floats, plus an absolute one for subnormal inputs (below
    # 2.2e-308 floats keep fewer significant bits, so no relative slack alone covers them).
    slack, floor = 1 + 1e-12, 1e-300
    for d in range(1, case.net.depth + 1):
        tight, crude = [], []
        for x, y in zip(case.inputs[:, 0], case.targets[:, 0]):
            _, slope_a = chain_first_weight_gradient(w[:d], b[:d], float(x), float(y), factor)
            tight.append(abs(x) * 0.25**d * math.prod(abs(v) for v in w[1:d]) * abs(slope_a))
            crude.append(2 * factor * abs(x) * 0.25**d)
        assert abs(got[d - 1]) <= np.mean(tight) * slack + floor, (d, got[d - 1], np.mean(tight))
        assert abs(got[d - 1]) <= np.mean(crude) * slack + floor, (d, got[d - 1], np.mean(crude))


@pytest.mark.parametrize("sizes", [(1, 2, 1), (2, 1), (1, 1, 3), (3, 3)])
def test_first_weight_gradient_by_depth_needs_a_chain(sizes):
    w = tuple(np.full((sizes[l], sizes[l - 1]), 0.5) for l in range(1, len(sizes)))
    b = tuple(np.zeros(n) for n in sizes[1:])
    net = Network((None, *w), (None, *b), SIGMOID, QUADRATIC)
    inputs, targets = np.ones((1, sizes[0])), np.zeros((1, sizes[-1]))
    with pytest.raises(ValueError, match="chain"):
        first_weight_gradient_by_depth(net, inputs, targets)


# -- 5. one gradient-descent step ----------------------------------------------------------------
@PROPERTY
@given(cases(activations=SMOOTH, weight_bound=1.0), st.sampled_from([1e-5, 1e-4]))
def test_step_is_w_minus_eta_gradient_and_lowers_the_cost(case: Case, eta: float):
    fwd, bwd = case.passes()
    gw, gb = bwd.mean_grad_w, bwd.mean_grad_b
    squared_norm = sum(float(np.sum(g**2)) for g in (*gw[1:], *gb[1:]))
    stepped = case.net.stepped(gw, gb, eta)

    # w <- w - eta dC/dw, entry by entry.
    assert stepped.w[0] is None and stepped.b[0] is None
    assert stepped.activation is case.net.activation and stepped.cost is case.net.cost
    for l in range(1, case.net.depth + 1):
        for j, k in np.ndindex(*case.net.w[l].shape):
            assert stepped.w[l][j, k] == pytest.approx(case.net.w[l][j, k] - eta * gw[l][j, k], rel=1e-15, abs=1e-300)
        for (j,) in np.ndindex(*case.net.b[l].shape):
            assert stepped.b[l][j] == pytest.approx(case.net.b[l][j] - eta * gb[l][j], rel=1e-15, abs=1e-300)

    # C(p - eta g) = C - eta |g|^2 + O(eta^2): with a gradient that is not tiny the step lowers
    # C, by about eta |g|^2 (the second-order term is eta/2 |g^T H g| / |g|^2 relative, small here).
    assume(squared_norm > 1e-4)
    before, after = fwd.mean_cost, mean_cost(stepped, case.inputs, case.targets)
    assert after < before
    assert (before - after) / (eta * squared_norm) == pytest.approx(1.0, abs=0.1)


def test_step_does_not_modify_the_original_network():
    net = worked_chain()
    bwd = backward(net, forward(net, np.array([[1.0]]), np.array([[2.0]])))
    stepped = net.stepped(bwd.mean_grad_w, bwd.mean_grad_b, 0.01)
    # By hand: w1 = 2 - 0.01 * 3, w2 = 3 - 0.01 * 2, w3 = 0.5 - 0.01 * 12.
    assert [stepped.w[l][0, 0] for l in range(1, 4)] == pytest.approx([1.97, 2.98, 0.38], rel=1e-15)
    assert [net.w[l][0, 0] for l in range(1, 4)] == [2.0, 3.0, 0.5]


def single_neuron(w: float, b: float) -> Network:
    return Network((None, np.array([[w]])), (None, np.array([b])), IDENTITY, QUADRATIC)


def test_first_lowering_ends_where_the_step_first_overshoots():
    # a = w x + b with x = 1, y = 0: C = (w + b)^2, both gradients 2(w + b); a step of eta leaves
    # w + b times (1 - 4 eta), so C falls for 0 < eta < 1/2 and is back where it was at 1/2.
    line = DescentLine.of(single_neuron(0.75, 0.25), np.array([[1.0]]), np.array([[0.0]]))
    assert line.cost_before == 1.0 and line.largest_gradient == 2.0
    lowest, highest = line.first_lowering(10.0, 4.0)
    assert 0 < lowest < 1e-12
    assert highest == pytest.approx(0.5, rel=1e-12) and line.lowers(highest)
    assert not line.lowers(float(np.nextafter(highest, np.inf)))  # bisected to the last float
    assert [line.lowers(eta) for eta in (0.1, 0.25, 0.49, 0.51, 4.0)] == [True, True, True, False, False]


def test_first_lowering_is_none_without_a_gradient():
    line = DescentLine.of(single_neuron(1.0, -1.0), np.array([[1.0]]), np.array([[0.0]]))
    assert line.largest_gradient == 0.0
    assert line.first_lowering(10.0, 1.0) is None


@PROPERTY
@given(cases(), st.lists(st.floats(1e-6, 10.0), min_size=1, max_size=5))
def test_costs_after_many_rates_are_each_rate_on_its_own(case: Case, rates: list[float]):
    line = DescentLine.of(case.net, case.inputs, case.targets)
    together = line.costs_after(np.array(rates))
    assert together.shape == (len(rates),)
    for rate, cost in zip(rates, together):
        stepped = case.net.stepped(line.grad_w, line.grad_b, rate)
        alone = float(np.mean(cost_from_layer(stepped, 0, case.inputs, case.targets)))
        assert cost == pytest.approx(alone, rel=1e-12, abs=1e-300)
        assert line.cost_after(rate) == pytest.approx(alone, rel=1e-12, abs=1e-300)


@PROPERTY
@given(cases(), st.floats(1e-4, 10.0))
def test_first_lowering_is_a_stretch_of_rates_that_lower_the_cost(case: Case, rate: float):
    line = DescentLine.of(case.net, case.inputs, case.targets)
    stretch = line.first_lowering(10.0, rate)
    if stretch is None:
        assert not line.lowers(rate)
        assert not (line.costs_after(np.linspace(0.01, 10.0, 1000)) < line.cost_before - 1e-13 * line.cost_before).any()
        return
    lowest, highest = stretch
    assert 0 < lowest <= highest <= 10.0
    assert all(line.lowers(float(eta)) for eta in np.linspace(lowest, highest, 50))
    if highest < 10.0:
        assert not line.lowers(float(np.nextafter(highest, np.inf)))
    if not line.lowers(rate) and rate >= lowest:
        assert highest < rate  # the first rise is at or before the rate that does not lower
