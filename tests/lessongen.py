"""Generated lesson files: complete, valid TOML texts anywhere within the lesson file's limits.

For property-based tests (hypothesis strategies) and for slow tests that need a few fixed
lessons (:func:`lesson_text`, deterministic from a seed)::

    from tests.lessongen import lesson_texts, lesson_text

    @given(lesson_texts(deep_activation="relu"))
    def test_something(text): ...

    text = lesson_text(7, deep_activation="tanh", decimals=4, wide_sizes=(4, 2, 3, 2))

One builder makes both, drawing every choice from a :class:`Pick` (hypothesis' ``draw`` or a
``random.Random``), so they cover the same ground. The limits are written out here, as agreed
for the project (README, "Your own lesson file"), not imported from the code under test: a
generated file that validation rejects is a disagreement between the two, and a test failure.

Every choice of structure is a keyword of :class:`Shape` and can be fixed by the caller
(``decimals=2``, ``sigmoid_layers=5``, ``deep_activation="relu"``, ``wide_sizes=(5, 5, 5)``);
single fields of the file can be set with ``fields={"chain_rule.x": 3.0}``, and are written as
given (a learning rate set so must lower the cost itself).

The wide network's learning rate lowers its mean cost in one gradient-descent step (beat 28),
as the lesson file requires: :func:`lowering_rate` halves a drawn rate until it does, by a
margin far above rounding, computed with a forward and backward pass written here in NumPy.
A network with no such rate (a gradient of zero or too small to show: dead ReLUs, saturated
squishes, targets met) is drawn again, and after a few tries given an output layer that passes
a gradient back (:func:`live_output`).
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from hypothesis import strategies as st

T = TypeVar("T")

# -- the agreed limits (see the module docstring) ---------------------------------------------
ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")
COSTS = ("quadratic", "half_quadratic")
DECIMALS = (1, 4)
TITLE_MAX, NEIGHBOUR_MAX = 60, 80
CHAIN_RULE_X = 3
MAX_NUDGE = 1
WORKED_LAYERS, SIGMOID_LAYERS, DEEP_LAYERS, WIDE_LAYERS = (1, 5), (2, 5), (2, 12), (2, 4)
WIDE_NEURONS = (1, 5)
EXAMPLES = (1, 8)  # sigmoid_chain and wide_network
NUDGES = (1, 6)
MAX_LEARNING_RATE = 10
MAX_ABS_VALUE = 10
# worked_chain and deep_chain have no limit on examples; the video follows the first one.
OTHER_EXAMPLES = (1, 3)

TITLES = ("Backpropagation calculus", "Rates multiply", "Backprop, once more with other numbers",
          "Rückwärts: die Kettenregel – δ und σ′", "x" * TITLE_MAX,
          "How one nudge of a weight travels back through every layer!")
NEIGHBOURS = ("Gradient descent", "What is backpropagation really doing?", "Seeing it whole", "y" * NEIGHBOUR_MAX,
              "The previous chapter, in which a network learns to recognise digits (part 1)")


class Pick:
    """Where the builder's choices come from."""

    def integer(self, low: int, high: int) -> int:
        raise NotImplementedError

    def choice(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]


class RandomPick(Pick):
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)


class DrawPick(Pick):
    """Choices drawn by hypothesis (so that failing lessons shrink)."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))


# -- numbers ---------------------------------------------------------------------------------
def value(pick: Pick, magnitude: float = MAX_ABS_VALUE) -> int | float:
    """A number in ``[-magnitude, magnitude]`` as someone might type it: 0, an integer, one or two
    decimals, a tiny value (down to 1e-4), or the limit itself; negative as often as positive."""
    kind = pick.choice(("zero", "integer", "one place", "two places", "tiny", "limit", "integer-valued float"))
    sign = pick.choice((1, -1))
    m = int(magnitude)
    if kind == "zero":
        return pick.choice((0, 0.0))
    if kind == "integer":
        return sign * pick.integer(1, m)
    if kind == "one place":
        return sign * pick.integer(1, 10 * m) / 10
    if kind == "two places":
        return sign * pick.integer(1, 100 * m) / 100
    if kind == "tiny":
        return sign * float(f"{pick.integer(1, 9)}e-{pick.integer(2, 4)}")
    if kind == "limit":
        return sign * pick.choice((m, float(m)))
    return sign * float(pick.integer(1, m))


def positive(pick: Pick, most: float) -> int | float:
    """A number above 0 and at most ``most``: from 1e-4 to the limit."""
    kind = pick.choice(("tiny", "decimal", "limit", "integer"))
    if kind == "tiny":
        return float(f"{pick.integer(1, 9)}e-{pick.integer(1, 4)}")
    if kind == "decimal":
        return pick.integer(1, int(10 * most)) / 10
    if kind == "limit":
        return pick.choice((most, float(most)))
    return pick.integer(1, int(most))


def nudges(pick: Pick, count: int) -> list[float]:
    """``count`` nudges, largest first (a table of shrinking nudges), each in (0, 1]: ``m * 10^-k``
    with ``k`` one more each row, from 1 (or 0.5, 0.2, 0.1 ...) down to as little as 1e-7."""
    first = pick.integer(0, 2)
    out = []
    for i in range(count):
        mantissa = 1 if first + i == 0 else pick.choice((1, 2, 5))
        out.append(float(f"{mantissa}e-{first + i}"))
    return out


# -- structure -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    """Every choice of structure a lesson file makes; any field can be fixed by an override."""

    decimals: int
    cost: str
    worked_layers: int
    worked_examples: int
    sigmoid_layers: int
    sigmoid_activation: str
    sigmoid_examples: int
    nudges: int
    deep_layers: int
    deep_activation: str
    deep_examples: int
    wide_sizes: tuple[int, ...]
    wide_activation: str
    wide_examples: int


SHAPE_FIELDS = tuple(f.name for f in dataclasses.fields(Shape))


def shape(pick: Pick, **overrides: Any) -> Shape:
    unknown = set(overrides) - set(SHAPE_FIELDS)
    if unknown:
        raise TypeError(f"unknown override {', '.join(sorted(unknown))}; expected one of {', '.join(SHAPE_FIELDS)}")

    def get(name: str, make: Callable[[], Any]) -> Any:
        return overrides[name] if name in overrides else make()

    def wide_sizes() -> tuple[int, ...]:
        layers = pick.integer(*WIDE_LAYERS)
        sizes = tuple(pick.integer(*WIDE_NEURONS) for _ in range(layers + 1))
        if max(sizes) == 1:  # all ones is a chain, not a wide network
            i = pick.integer(0, layers)
            sizes = sizes[:i] + (pick.integer(2, WIDE_NEURONS[1]),) + sizes[i + 1:]
        return sizes

    return Shape(
        decimals=get("decimals", lambda: pick.integer(*DECIMALS)),
        cost=get("cost", lambda: pick.choice(COSTS)),
        worked_layers=get("worked_layers", lambda: pick.integer(*WORKED_LAYERS)),
        worked_examples=get("worked_examples", lambda: pick.integer(*OTHER_EXAMPLES)),
        sigmoid_layers=get("sigmoid_layers", lambda: pick.integer(*SIGMOID_LAYERS)),
        sigmoid_activation=get("sigmoid_activation", lambda: pick.choice(ACTIVATIONS)),
        sigmoid_examples=get("sigmoid_examples", lambda: pick.integer(*EXAMPLES)),
        nudges=get("nudges", lambda: pick.integer(*NUDGES)),
        deep_layers=get("deep_layers", lambda: pick.integer(*DEEP_LAYERS)),
        deep_activation=get("deep_activation", lambda: pick.choice(ACTIVATIONS)),
        deep_examples=get("deep_examples", lambda: pick.integer(*OTHER_EXAMPLES)),
        wide_sizes=tuple(get("wide_sizes", wide_sizes)),
        wide_activation=get("wide_activation", lambda: pick.choice(ACTIVATIONS)),
        wide_examples=get("wide_examples", lambda: pick.integer(*EXAMPLES)),
    )


def _vector(pick: Pick, n: int) -> list[int | float]:
    return [value(pick) for _ in range(n)]


def _matrix(pick: Pick, rows: int, cols: int) -> list[list[int | float]]:
    return [_vector(pick, cols) for _ in range(rows)]


def network(pick: Pick, sizes: Sequence[int], examples: int, activation: str | None, biases: bool = True,
            ) -> dict[str, Any]:
    """A network section: ``sizes`` neurons per layer (input first), ``examples`` training examples."""
    table: dict[str, Any] = {}
    if activation is not None:
        table["activation"] = activation
    table["weights"] = [_matrix(pick, n, m) for m, n in zip(sizes, sizes[1:])]
    if biases:
        table["biases"] = [_vector(pick, n) for n in sizes[1:]]
    table["inputs"] = _matrix(pick, examples, sizes[0])
    table["targets"] = _matrix(pick, examples, sizes[-1])
    return table


def lesson_doc(pick: Pick, fields: dict[str, Any] | None = None, **overrides: Any) -> dict[str, dict[str, Any]]:
    """A whole lesson file as a TOML document (sections of keys), every choice from ``pick``."""
    s = shape(pick, **overrides)
    worked = network(pick, (1,) * (s.worked_layers + 1), s.worked_examples, None, biases=False)
    worked["nudge"] = positive(pick, MAX_NUDGE)
    sigmoid = network(pick, (1,) * (s.sigmoid_layers + 1), s.sigmoid_examples, s.sigmoid_activation)
    sigmoid["nudges"] = nudges(pick, s.nudges)
    wide = wide_network(pick, s)
    doc = {
        "lesson": {"name": f"generated-{pick.integer(0, 9999)}", "title": pick.choice(TITLES),
                   "after": pick.choice(NEIGHBOURS), "before": pick.choice(NEIGHBOURS), "cost": s.cost,
                   "decimals": s.decimals},
        "chain_rule": {"x": value(pick, CHAIN_RULE_X), "h": positive(pick, MAX_NUDGE)},
        "worked_chain": worked,
        "sigmoid_chain": sigmoid,
        "deep_chain": network(pick, (1,) * (s.deep_layers + 1), s.deep_examples, s.deep_activation),
        "wide_network": wide,
    }
    for where, new in (fields or {}).items():
        section, key = where.split(".")
        if section not in doc or key not in doc[section]:
            raise KeyError(f"no field {where} in a lesson file")
        doc[section][key] = new
    return doc


# -- the descent step (beat 28), independently of mathcore ------------------------------------
COST_FACTOR = {"quadratic": 1.0, "half_quadratic": 0.5}  # C_0 = factor * sum_j (a_j - y_j)^2
# A rate lowers the cost when one step takes off at least this part of it: far above the
# rounding in which two implementations of the passes may differ.
LOWERS_BY = 1e-6
HALVINGS = 64  # from a rate of at most 10 down to below 1e-18
WIDE_TRIES = 3  # networks drawn before the last one is given a live output layer


def _squish(activation: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sigma(z)`` and ``sigma'(z)``."""
    if activation == "identity":
        return z, np.ones_like(z)
    if activation == "sigmoid":
        a = 0.5 * (1.0 + np.tanh(z / 2))  # the logistic function, without overflow
        return a, a * (1.0 - a)
    if activation == "tanh":
        a = np.tanh(z)
        return a, 1.0 - a * a
    if activation == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(float)
    raise ValueError(f"unknown activation {activation!r}")


def _mean_cost(ws: list[np.ndarray], bs: list[np.ndarray], activation: str, factor: float, x: np.ndarray,
               y: np.ndarray) -> float:
    a = x
    for w, b in zip(ws, bs):
        a = _squish(activation, a @ w.T + b)[0]
    return float(np.mean(factor * np.sum((a - y) ** 2, axis=1)))


def _mean_gradients(ws: list[np.ndarray], bs: list[np.ndarray], activation: str, factor: float, x: np.ndarray,
                    y: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``dC/dW`` and ``dC/db`` of every layer, averaged over the examples (rows of ``x``)."""
    activations, slopes = [x], []
    for w, b in zip(ws, bs):
        a, slope = _squish(activation, activations[-1] @ w.T + b)
        activations.append(a)
        slopes.append(slope)
    grad_a = 2 * factor * (activations[-1] - y)  # (examples, neurons) at the output
    grad_w, grad_b = [], []
    for layer in reversed(range(len(ws))):
        delta = grad_a * slopes[layer]
        grad_w.insert(0, delta.T @ activations[layer] / len(x))
        grad_b.insert(0, delta.mean(axis=0))
        grad_a = delta @ ws[layer]
    return grad_w, grad_b


class DescentStep:
    """One gradient-descent step of a network section (a table of the file), with the mean
    gradient over its examples: the cost before, and after a step at any rate."""

    def __init__(self, table: dict[str, Any], cost: str) -> None:
        self.ws = [np.array(w, dtype=float) for w in table["weights"]]
        self.bs = [np.array(b, dtype=float) for b in table["biases"]]
        self.x, self.y = np.array(table["inputs"], dtype=float), np.array(table["targets"], dtype=float)
        self.activation, self.factor = table["activation"], COST_FACTOR[cost]
        with np.errstate(over="ignore", invalid="ignore"):
            self.before = _mean_cost(self.ws, self.bs, self.activation, self.factor, self.x, self.y)
            self.grad_w, self.grad_b = _mean_gradients(self.ws, self.bs, self.activation, self.factor, self.x, self.y)

    def cost_after(self, rate: float) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            return _mean_cost([w - rate * g for w, g in zip(self.ws, self.grad_w)],
                              [b - rate * g for b, g in zip(self.bs, self.grad_b)], self.activation, self.factor,
                              self.x, self.y)


def lowering_rate(table: dict[str, Any], cost: str, rate: float) -> float | None:
    """``rate``, or the first of its halvings (kept to two significant figures, as typed), at
    which one gradient-descent step lowers the mean cost of the network ``table`` by ``LOWERS_BY``
    of it; ``None`` if none does."""
    step = DescentStep(table, cost)
    for _ in range(HALVINGS):
        if step.cost_after(rate) < step.before * (1 - LOWERS_BY):
            return rate
        rate = float(f"{rate / 2:.2g}")
    return None


def live_output(table: dict[str, Any]) -> dict[str, Any]:
    """``table`` with an output layer that passes a gradient back whatever comes before it: no
    weights, biases where the squish has slope (1 for ReLU, 0 for the others) and targets of -1,
    which no output then equals (0.5, 0 or 1)."""
    live = dict(table)
    live["weights"] = table["weights"][:-1] + [[[0] * len(row) for row in table["weights"][-1]]]
    bias = 1 if table["activation"] == "relu" else 0
    live["biases"] = table["biases"][:-1] + [[bias] * len(table["biases"][-1])]
    live["targets"] = [[-1] * len(row) for row in table["targets"]]
    return live


def wide_network(pick: Pick, s: Shape) -> dict[str, Any]:
    """The wide network with a learning rate that lowers its mean cost in one step."""
    for _ in range(WIDE_TRIES):
        table = network(pick, s.wide_sizes, s.wide_examples, s.wide_activation)
        drawn = positive(pick, MAX_LEARNING_RATE)
        rate = lowering_rate(table, s.cost, drawn)
        if rate is not None:
            return table | {"learning_rate": rate}
    table = live_output(table)
    rate = lowering_rate(table, s.cost, drawn)
    assert rate is not None, f"no learning rate lowers the cost of {table}"
    return table | {"learning_rate": rate}


# -- TOML ------------------------------------------------------------------------------------
def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)  # a float's repr is valid TOML (0.0001, 1e-05, -10.0)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as TOML")


def to_toml(doc: dict[str, dict[str, Any]]) -> str:
    lines = ["# A generated lesson file (tests/lessongen.py)."]
    for section, table in doc.items():
        lines += ["", f"[{section}]"]
        lines += [f"{key} = {_toml_value(v)}" for key, v in table.items()]
    return "\n".join(lines) + "\n"


# -- the two entry points ----------------------------------------------------------------------
def lesson_text(seed: int, fields: dict[str, Any] | None = None, **overrides: Any) -> str:
    """A lesson file's text, the same for the same seed and overrides (for fixed, slow tests)."""
    return to_toml(lesson_doc(RandomPick(random.Random(seed)), fields, **overrides))


@st.composite
def lesson_texts(draw, fields: dict[str, Any] | None = None, **overrides: Any) -> str:
    """Hypothesis strategy: lesson files' texts across the limits (overrides fix choices)."""
    return to_toml(lesson_doc(DrawPick(draw), fields, **overrides))
