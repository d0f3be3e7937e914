"""Activations and costs (:mod:`mathcore.functions`): each NumPy form against its own sympy form.

For every activation: ``forward`` and ``derivative`` equal the lambdified ``symbolic`` and
``symbolic_derivative`` on a grid; the ``textbook`` derivative equals ``sympy.diff`` of
``symbolic``; ``max_slope`` is proved (sympy, where ``sigma''`` vanishes) and checked on a grid.
The sigmoid is checked for numerical stability far out. For both costs: ``forward`` and
``derivative`` equal the sympy cost and its ``sympy.diff``, and the ``1/2`` convention is pinned.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

from mathcore.functions import (
    at_kink_zero,
    ACTIVATIONS,
    COSTS,
    GENERIC,
    HALF_QUADRATIC,
    IDENTITY,
    QUADRATIC,
    RELU,
    SIGMOID,
    TANH,
    Activation,
    Cost,
)

z = sp.Symbol("z", real=True)
ALL = (IDENTITY, SIGMOID, TANH, RELU)
SMOOTH = (IDENTITY, SIGMOID, TANH)

# Step 0.01 from -10 to 10; contains 0 exactly (index 1000).
GRID = np.linspace(-10.0, 10.0, 2001)


def grid_for(activation: Activation) -> np.ndarray:
    """The grid, without z = 0 for relu (its kink; sympy's Heaviside(0) is 1/2)."""
    return GRID[GRID != 0] if activation is RELU else GRID


def lambdified(expr: sp.Expr, points: np.ndarray) -> np.ndarray:
    """``expr`` (in ``z``) evaluated at ``points`` through ``sympy.lambdify``; constants broadcast."""
    values = sp.lambdify(z, expr, "numpy")(points)
    return np.broadcast_to(np.asarray(values, dtype=float), points.shape)


def test_the_registry_names_each_activation_and_cost():
    assert ACTIVATIONS == {"identity": IDENTITY, "sigmoid": SIGMOID, "tanh": TANH, "relu": RELU}
    assert COSTS == {"quadratic": QUADRATIC, "half_quadratic": HALF_QUADRATIC}


# -- activations: NumPy against sympy -----------------------------------------------------------
@pytest.mark.parametrize("activation", ALL, ids=lambda a: a.name)
def test_forward_matches_lambdified_symbolic(activation: Activation):
    points = grid_for(activation)
    # Both are float64 evaluations of the same formula; a few ulps apart at most.
    assert_allclose(activation.forward(points), lambdified(activation.symbolic(z), points), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("activation", ALL, ids=lambda a: a.name)
def test_derivative_matches_lambdified_symbolic_derivative(activation: Activation):
    points = grid_for(activation)
    assert_allclose(
        activation.derivative(points), lambdified(activation.symbolic_derivative(z), points), rtol=1e-12, atol=1e-15
    )
    # symbolic_derivative is sympy's own derivative of symbolic, with a step taken as 0 at its kink.
    assert sp.simplify(activation.symbolic_derivative(z) - at_kink_zero(sp.diff(activation.symbolic(z), z))) == 0
    # ... which is what the NumPy derivative says there too (sympy alone would say 1/2 for relu).
    assert float(activation.symbolic_derivative(sp.Integer(0))) == float(activation.derivative(np.zeros(1))[0])


@pytest.mark.parametrize("activation", ALL, ids=lambda a: a.name)
def test_derivative_matches_central_differences_of_forward(activation: Activation):
    # An independent numeric check that derivative is the slope of forward (h = 1e-6: error
    # ~ h^2 |sigma'''| + eps / h ~ 1e-10). relu: points at least 0.005 from the kink.
    points = grid_for(activation)
    h = 1e-6
    fd = (activation.forward(points + h) - activation.forward(points - h)) / (2 * h)
    assert_allclose(activation.derivative(points), fd, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("activation", ALL, ids=lambda a: a.name)
def test_forward_and_derivative_keep_the_shape(activation: Activation):
    batch = np.array([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]])
    assert activation.forward(batch).shape == batch.shape
    assert activation.derivative(batch).shape == batch.shape
    # forward is elementwise: each entry equals the entry computed alone.
    for index in np.ndindex(*batch.shape):
        single = np.array([batch[index]])
        assert activation.forward(batch)[index] == activation.forward(single)[0]


def test_relu_derivative_at_the_kink_is_zero():
    # The documented convention (as most libraries): sigma'(0) = 0 for relu.
    assert RELU.derivative(np.array([0.0]))[0] == 0.0
    assert RELU.forward(np.array([0.0]))[0] == 0.0


# -- activations: the textbook derivative --------------------------------------------------------
@pytest.mark.parametrize("activation", SMOOTH, ids=lambda a: a.name)
def test_textbook_derivative_equals_sympy_diff(activation: Activation):
    difference = sp.diff(activation.symbolic(z), z) - activation.textbook(z)
    assert sp.simplify(difference) == 0


def test_textbook_derivative_of_relu_equals_sympy_diff_away_from_zero():
    # Max(0, z) is not differentiable at 0; compare on each side, where both sides are constants.
    positive = sp.Symbol("p", positive=True)
    for side, slope in ((positive, 1), (-positive, 0)):
        derivative = sp.diff(RELU.symbolic(z), z).subs(z, side)
        assert sp.simplify(derivative) == slope
        assert sp.simplify(RELU.textbook(side)) == slope


@pytest.mark.parametrize("activation", ALL, ids=lambda a: a.name)
def test_textbook_derivative_matches_numpy_derivative(activation: Activation):
    points = grid_for(activation)
    assert_allclose(activation.derivative(points), lambdified(activation.textbook(z), points), rtol=1e-12, atol=1e-15)


def test_sigmoid_textbook_form_is_sigma_times_one_minus_sigma():
    # Independent of how the module writes it: sigma (1 - sigma) with sigma = 1 / (1 + e^-z).
    s = 1 / (1 + sp.exp(-z))
    assert sp.simplify(SIGMOID.textbook(z) - s * (1 - s)) == 0
    assert sp.simplify(SIGMOID.symbolic(z) - s) == 0


# -- activations: the largest slope --------------------------------------------------------------
@pytest.mark.parametrize("activation", (SIGMOID, TANH), ids=lambda a: a.name)
def test_max_slope_is_proved_by_the_second_derivative(activation: Activation):
    # sigma' is smooth, positive and tends to 0 at both ends, so its maximum is where sigma'' = 0.
    # sympy: sigma'' vanishes on the reals only at z = 0, and sigma'(0) is the claimed max_slope.
    first = sp.diff(activation.symbolic(z), z)
    second = sp.diff(first, z)
    assert sp.solveset(sp.simplify(second), z, sp.S.Reals) == sp.FiniteSet(0)
    assert sp.limit(first, z, sp.oo) == 0 and sp.limit(first, z, -sp.oo) == 0
    assert sp.simplify(first.subs(z, 0) - activation.max_slope) == 0
    # sigma'' > 0 left of 0 and < 0 right of it: 0 is a maximum, not a minimum.
    assert second.subs(z, -1).evalf() > 0 > second.subs(z, 1).evalf()


def test_sigmoid_max_slope_is_a_quarter():
    assert SIGMOID.max_slope == sp.Rational(1, 4)
    first = sp.diff(1 / (1 + sp.exp(-z)), z)
    assert first.subs(z, 0) == sp.Rational(1, 4)


@pytest.mark.parametrize("activation", ALL, ids=lambda a: a.name)
def test_derivative_never_exceeds_max_slope_and_reaches_it(activation: Activation):
    slopes = activation.derivative(GRID)
    assert np.all(slopes <= float(activation.max_slope)), slopes.max()
    # Attained on the grid: at z = 0 for sigmoid and tanh, everywhere (z > 0) for identity and relu.
    assert slopes.max() == float(activation.max_slope)


def test_max_slope_of_identity_and_relu_is_one():
    assert sp.diff(IDENTITY.symbolic(z), z) == 1 == IDENTITY.max_slope
    assert RELU.max_slope == 1
    assert set(RELU.derivative(GRID).tolist()) == {0.0, 1.0}


def test_generic_sigma_has_no_numbers():
    assert GENERIC.max_slope is None
    with pytest.raises(TypeError):
        GENERIC.forward(GRID)
    with pytest.raises(TypeError):
        GENERIC.derivative(GRID)


# -- the sigmoid far out -------------------------------------------------------------------------
def test_sigmoid_is_stable_far_out():
    far = np.array([-1000.0, -800.0, 800.0, 1000.0])
    # No floating-point condition at all, not even underflow: sigma is 0 or 1 to within 1e-300.
    with np.errstate(all="raise"):
        values = SIGMOID.forward(far)
        slopes = SIGMOID.derivative(far)
    assert_allclose(values, [0.0, 0.0, 1.0, 1.0], rtol=0, atol=1e-300)
    assert np.all(slopes >= 0) and np.all(slopes < 1e-300)


def test_sigmoid_slope_keeps_its_precision_for_large_positive_z():
    # s(1 - s) would cancel to 0 at z = 37; the true slope there is e^-37 / (1 + e^-37)^2 = 8.5e-17.
    points = np.array([-37.0, -30.0, 30.0, 37.0])
    exact = [float(sp.exp(-sp.Float(abs(p), 30)) / (1 + sp.exp(-sp.Float(abs(p), 30))) ** 2) for p in points]
    assert_allclose(SIGMOID.derivative(points), exact, rtol=1e-13, atol=0)


def test_sigmoid_raises_no_floating_point_error_where_exp_is_representable():
    # Up to |z| = 700, exp(-|z|) is a normal float: no floating-point condition at all.
    points = np.concatenate([np.linspace(-700.0, 700.0, 1401), [-36.0, 36.0]])
    with np.errstate(all="raise"):
        values = SIGMOID.forward(points)
        slopes = SIGMOID.derivative(points)
    assert np.all(np.isfinite(values)) and np.all((values >= 0) & (values <= 1))
    assert np.all(np.isfinite(slopes)) and np.all(slopes >= 0)
    # Accurate to a few ulps everywhere, also in the tails: against 30-digit sympy arithmetic.
    exact = np.array([float((1 / (1 + sp.exp(-sp.Float(p, 30)))).evalf(30)) for p in points])
    assert_allclose(values, exact, rtol=1e-14, atol=0)


# -- costs -------------------------------------------------------------------------------------
a_sym, y_sym = sp.symbols("a y", real=True)

batches = st.tuples(st.integers(1, 5), st.integers(1, 4)).flatmap(
    lambda shape: st.tuples(
        arrays(float, shape, elements=st.floats(-10, 10, allow_nan=False)),
        arrays(float, shape, elements=st.floats(-10, 10, allow_nan=False)),
    )
)


@pytest.mark.parametrize("cost", (QUADRATIC, HALF_QUADRATIC), ids=lambda c: c.name)
@settings(max_examples=50, deadline=None)
@given(batch=batches)
def test_cost_matches_sympy(cost: Cost, batch):
    a, y = batch
    term = sp.lambdify((a_sym, y_sym), cost.symbolic(a_sym, y_sym), "numpy")
    slope = sp.lambdify((a_sym, y_sym), sp.diff(cost.symbolic(a_sym, y_sym), a_sym), "numpy")
    # C_0 sums the per-neuron terms over neurons (the last axis), one value per example.
    expected = np.sum(term(a, y), axis=-1)
    got = cost.forward(a, y)
    assert got.shape == (a.shape[0],)
    assert_allclose(got, expected, rtol=1e-13, atol=1e-13)
    assert_allclose(cost.derivative(a, y), np.broadcast_to(slope(a, y), a.shape), rtol=1e-13, atol=1e-13)


def test_cost_conventions():
    # The lesson's cost has no 1/2; half_quadratic has it. Pinned against explicit formulas.
    assert sp.expand(QUADRATIC.symbolic(a_sym, y_sym) - (a_sym - y_sym) ** 2) == 0
    assert sp.expand(HALF_QUADRATIC.symbolic(a_sym, y_sym) - (a_sym - y_sym) ** 2 / 2) == 0
    assert sp.expand(sp.diff(QUADRATIC.symbolic(a_sym, y_sym), a_sym) - 2 * (a_sym - y_sym)) == 0
    assert sp.expand(sp.diff(HALF_QUADRATIC.symbolic(a_sym, y_sym), a_sym) - (a_sym - y_sym)) == 0
    # By hand: a = (3, 1), y = (2, 2): (3-2)^2 + (1-2)^2 = 2, slopes 2(a - y) = (2, -2).
    a, y = np.array([[3.0, 1.0]]), np.array([[2.0, 2.0]])
    assert QUADRATIC.forward(a, y).tolist() == [2.0]
    assert HALF_QUADRATIC.forward(a, y).tolist() == [1.0]
    assert QUADRATIC.derivative(a, y).tolist() == [[2.0, -2.0]]
    assert HALF_QUADRATIC.derivative(a, y).tolist() == [[1.0, -1.0]]
    # And the TeX written in front of (a - y)^2 and (a - y) follows the same convention.
    assert (QUADRATIC.tex_factor, QUADRATIC.slope_tex_factor) == ("", "2")
    assert (HALF_QUADRATIC.tex_factor, HALF_QUADRATIC.slope_tex_factor) == (r"\frac{1}{2}", "")


def test_tanh_slope_far_out_is_tiny_but_not_zero():
    # 1 - tanh(z)^2 is exactly 0 in floats for |z| > 19; sech(z)^2 = 4 e^{-2|z|} / (1 + e^{-2|z|})^2 is not.
    for far in (20.0, 40.0, -60.0, 300.0):
        slope = TANH.derivative(np.array([far]))[0]
        assert slope > 0
        assert slope == pytest.approx(float(sp.sech(sp.Float(far, 50)) ** 2), rel=1e-12)
