"""Part 3's numbers (beats 22-28) against the lesson file read independently of mathcore.

The wide network is read straight from the TOML; its costs come from the tests' own NumPy
forward pass (:mod:`tests.lessongen`, which imports nothing of mathcore) and its derivatives
from central finite differences of that pass, never from the backward pass under test. Checked
for the default lesson, the tests' second lesson and generated lessons of other sizes,
activations and costs.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from mathcore.beats import build_model
from mathcore.model import LessonModel

from .conftest import OTHER_LESSON
from .lessongen import COST_FACTOR, DescentStep, _squish, lesson_text

DEFAULT = Path(__file__).parents[1] / "mathcore" / "lessons" / "default.toml"
STEP = 1e-6
# Generated lessons: (seed, fixed choices), for sizes such as 2-4-3 and 4-2-3-2 and each activation.
GENERATED = [(31, dict(wide_sizes=(2, 4, 3), wide_activation="tanh")),
             (32, dict(wide_sizes=(4, 2, 3, 2), wide_activation="sigmoid", cost="half_quadratic")),
             (33, dict(wide_sizes=(5, 1, 5), wide_activation="identity")),
             (34, dict(wide_sizes=(2, 5, 5, 5, 5), wide_activation="relu", decimals=4))]


class Wide:
    """The lesson file's wide network, as typed, and C_0 of its first example as a function."""

    def __init__(self, path: Path) -> None:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        self.table = doc["wide_network"]
        self.cost = doc["lesson"]["cost"]
        self.factor = COST_FACTOR[self.cost]
        self.ws = [np.array(w, dtype=float) for w in self.table["weights"]]
        self.bs = [np.array(b, dtype=float) for b in self.table["biases"]]
        self.act = self.table["activation"]
        self.x = np.array(self.table["inputs"], dtype=float)[:1]
        self.y = np.array(self.table["targets"], dtype=float)[:1]
        self.L = len(self.ws)

    def activations(self) -> list[np.ndarray]:
        a = [self.x[0]]
        for w, b in zip(self.ws, self.bs):
            a.append(_squish(self.act, w @ a[-1] + b)[0])
        return a

    def cost_from_last_layer(self, a_prev: np.ndarray) -> float:
        """C_0 as a function of a^{(L-1)} alone."""
        out = _squish(self.act, self.ws[-1] @ a_prev + self.bs[-1])[0]
        return float(self.factor * np.sum((out - self.y[0]) ** 2))

    def cost_from_z(self, z: np.ndarray) -> float:
        """C_0 as a function of z^{(L)} alone."""
        return float(self.factor * np.sum((_squish(self.act, z)[0] - self.y[0]) ** 2))


class Slope(float):
    """A central difference, with how far rounding in ``f`` can move it (``noise``)."""

    noise: float


def _slope(f, x: np.ndarray, i: int) -> Slope:
    up, down = x.copy(), x.copy()
    up[i] += STEP
    down[i] -= STEP
    slope = Slope((f(up) - f(down)) / (2 * STEP))
    slope.noise = 10 * np.finfo(float).eps * max(1.0, abs(f(x))) / STEP  # a large cost, a coarse difference
    return slope


def _close(shown: float, expected: float) -> bool:
    return abs(shown - expected) <= 1e-5 * max(1.0, abs(expected)) + getattr(expected, "noise", 0.0)


@pytest.fixture(scope="module", params=["default", "other", *(f"generated-{seed}" for seed, _ in GENERATED)])
def lesson(request, tmp_path_factory) -> tuple[LessonModel, Wide]:
    if request.param == "default":
        path = DEFAULT
    elif request.param == "other":
        path = OTHER_LESSON
    else:
        seed, choices = next((s, c) for s, c in GENERATED if f"generated-{s}" == request.param)
        path = tmp_path_factory.mktemp("lessons") / f"{request.param}.toml"
        path.write_text(lesson_text(seed, **choices), encoding="utf-8")
    return build_model(path), Wide(path)


def test_the_highlighted_weight_is_to_j_from_k(lesson):
    """w^{(L)}_{jk} joins neuron k of layer L-1 to neuron j of layer L: row j, column k of the
    file's last weight matrix (rows are the layer's neurons, as the lesson file says)."""
    model, wide = lesson
    beat = model.beat("indices")
    j, k = int(beat.values["j"].value), int(beat.values["k"].value)
    assert beat.values["w_jk"].value == wide.ws[-1][j, k]
    assert beat.values["w_jk"].label == f"w^{{(L)}}_{{{j}{k}}}"
    cols = wide.ws[-1].shape[1]
    assert [s.value for s in beat.series[f"w{wide.L}"]] == [wide.ws[-1][r, c] for r in range(wide.ws[-1].shape[0])
                                                          for c in range(cols)]


def test_the_sum_over_paths_is_the_slope_of_the_cost(lesson):
    """Beat 25's total and each path's term against finite differences; beat 27's check is the same number."""
    model, wide = lesson
    beat = model.beat("sum_over_paths")
    k = int(beat.values["k"].value)
    a = wide.activations()
    expected = _slope(wide.cost_from_last_layer, a[-2], k)
    assert _close(beat.values["sum"].value, expected)
    # Each path j: w_jk sigma'(z_j) dC/da_j, with dC/dz_j from finite differences of the cost in z.
    z = wide.ws[-1] @ a[-2] + wide.bs[-1]
    for j, term in enumerate(beat.series["terms"]):
        assert _close(term.value, wide.ws[-1][j, k] * _slope(wide.cost_from_z, z, j))
    assert model.beat("vector_form").values["check"].value == beat.values["sum"].value


def test_the_vector_form_numbers_are_the_slopes(lesson):
    """delta^{(L)} = dC/dz^{(L)} and (W^{(L)})^T delta^{(L)} = dC/da^{(L-1)}, by finite differences."""
    model, wide = lesson
    beat = model.beat("vector_form")
    a = wide.activations()
    z = wide.ws[-1] @ a[-2] + wide.bs[-1]
    for j, delta in enumerate(beat.series["deltaL"]):
        assert _close(delta.value, _slope(wide.cost_from_z, z, j))
    for k, back in enumerate(beat.series["back"]):
        assert _close(back.value, _slope(wide.cost_from_last_layer, a[-2], k))
    # Shapes: W^{(L)} is n_L x n_{L-1}.
    n_L, n_prev = wide.ws[-1].shape
    assert beat.texts[f"W{wide.L}"] == f"{n_L} \\times {n_prev}"
    assert len(beat.series["W"]) == n_L * n_prev


def test_one_descent_step_lowers_the_cost(lesson):
    """Beat 28: the mean cost before and after one step at the file's rate, from the tests' own
    passes; the last layer's parameters after the step are before - rate * gradient."""
    model, wide = lesson
    beat = model.beat("descent_step")
    step = DescentStep(wide.table, wide.cost)
    rate = float(wide.table["learning_rate"])
    assert _close(beat.values["cost_before"].value, step.before)
    assert _close(beat.values["cost_after"].value, step.cost_after(rate))
    assert beat.values["cost_after"].value < beat.values["cost_before"].value
    assert beat.values["cost_change"].value < 0
    before = [s.value for s in beat.series["W_before"]]
    after = [s.value for s in beat.series["W_after"]]
    grads = [s.value for s in beat.series["W_grad"]]
    assert np.allclose(grads, step.grad_w[-1].ravel(), rtol=1e-6, atol=1e-12)
    assert np.allclose(after, np.array(before) - rate * np.array(grads), rtol=1e-9, atol=1e-12)


def test_the_check_catches_a_wrong_path_sum(model):
    """Mutation: a total one unit off in its last place fails the finite-difference comparison."""
    beat = model.beat("sum_over_paths")
    wrong = beat.values["sum"].value + 10 ** -model.fmt.places
    wide = Wide(DEFAULT)
    k = int(beat.values["k"].value)
    assert not _close(wrong, _slope(wide.cost_from_last_layer, wide.activations()[-2], k))


def test_the_generated_lessons_are_the_sizes_asked_for():
    for seed, choices in GENERATED:
        doc = tomllib.loads(lesson_text(seed, **choices))
        ws = doc["wide_network"]["weights"]
        sizes = (len(ws[0][0]),) + tuple(len(w) for w in ws)
        assert sizes == choices["wide_sizes"]
