"""Tests for the lesson-file generator (:mod:`tests.lessongen`) that other tests build on.

Every generated text is a lesson file that validation accepts (the generator and the lesson
file's limits agree), the deterministic helper is deterministic, overrides take effect, and the
generated files cover the ground they promise: every activation, both costs, every number of
decimals, sizes across the ranges, tiny and large, negative, zero and whole values.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from mathcore.lessonfile import LessonSpec, load_lesson
from tests import lessongen
from tests.lessongen import lesson_text, lesson_texts

SECTIONS = ("worked_chain", "sigmoid_chain", "deep_chain", "wide_network")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("generated")


def load_text(folder: Path, text: str, name: str = "generated.toml") -> LessonSpec:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return load_lesson(path)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=lesson_texts())
def test_every_generated_lesson_is_valid(folder: Path, text: str) -> None:
    spec = load_text(folder, text)
    assert lessongen.WIDE_LAYERS[0] <= spec.wide_network.depth <= lessongen.WIDE_LAYERS[1]
    assert max(spec.wide_network.sizes) > 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=lesson_texts(deep_activation="relu", decimals=4, wide_sizes=(5, 5, 5), sigmoid_examples=8))
def test_strategy_overrides_take_effect(folder: Path, text: str) -> None:
    spec = load_text(folder, text)
    assert spec.deep_chain.activation.name == "relu"
    assert spec.decimals == 4
    assert spec.wide_network.sizes == (5, 5, 5)
    assert spec.sigmoid_chain.examples == 8


def test_the_same_seed_gives_the_same_lesson() -> None:
    assert lesson_text(11) == lesson_text(11)
    assert lesson_text(11, decimals=2) == lesson_text(11, decimals=2)
    assert lesson_text(11) != lesson_text(12)


def test_helper_overrides_take_effect(folder: Path) -> None:
    text = lesson_text(3, decimals=2, cost="half_quadratic", worked_layers=5, sigmoid_layers=5,
                       sigmoid_activation="tanh", sigmoid_examples=8, nudges=6, deep_layers=12,
                       deep_activation="relu", wide_sizes=(4, 2, 3, 2), wide_activation="sigmoid", wide_examples=3,
                       fields={"chain_rule.x": -3, "wide_network.learning_rate": 10.0, "lesson.title": "Mine"})
    spec = load_text(folder, text)
    assert spec.decimals == 2 and spec.cost.name == "half_quadratic"
    assert spec.worked_chain.depth == 5
    assert (spec.sigmoid_chain.depth, spec.sigmoid_chain.examples, len(spec.nudges)) == (5, 8, 6)
    assert spec.sigmoid_chain.activation.name == "tanh"
    assert spec.deep_chain.depth == 12 and spec.deep_chain.activation.name == "relu"
    assert spec.wide_network.sizes == (4, 2, 3, 2) and spec.wide_network.examples == 3
    assert spec.wide_network.activation.name == "sigmoid"
    assert spec.chain_rule_x == -3.0 and spec.learning_rate == 10.0 and spec.title == "Mine"
    assert list(spec.nudges) == sorted(spec.nudges, reverse=True)


class FirstPick(lessongen.Pick):
    """Every choice the first one: hypothesis' simplest example, a lesson of zeros."""

    def integer(self, low: int, high: int) -> int:
        return low


def test_a_network_with_no_gradient_gets_an_output_layer_that_passes_one(folder: Path) -> None:
    doc = lessongen.lesson_doc(FirstPick())
    wide = doc["wide_network"]
    assert wide["weights"][-1] == [[0]] and wide["biases"][-1] == [0] and wide["targets"] == [[-1]]
    assert all(x == 0 for x in _flatten(wide["weights"][:-1] + wide["biases"][:-1] + wide["inputs"]))
    # Drawn as all zeros, with targets of 0 there was nothing to descend; now there is.
    assert lessongen.lowering_rate(wide, doc["lesson"]["cost"], 0.1) == 0.1
    spec = load_text(folder, lessongen.to_toml(doc))
    assert spec.learning_rate == 0.1


def test_a_rate_that_does_not_lower_the_cost_is_halved_until_one_does() -> None:
    # a = w x + b with x = 1, y = 0: C = (w + b)^2 falls in one step for rates below 1/2 only.
    table = {"activation": "identity", "weights": [[[0.75]]], "biases": [[0.25]], "inputs": [[1]], "targets": [[0]]}
    assert lessongen.lowering_rate(table, "quadratic", 10) == 0.3  # 10, 5, 2.5, 1.2, 0.6, 0.3
    assert lessongen.lowering_rate(table, "quadratic", 0.45) == 0.45
    assert lessongen.lowering_rate(table, "half_quadratic", 10) == 0.6  # half the slope: below 1
    dead = table | {"activation": "relu", "biases": [[-1]]}  # z = -0.25: no slope, no gradient
    assert lessongen.lowering_rate(dead, "quadratic", 10) is None


def test_unknown_overrides_are_refused() -> None:
    with pytest.raises(TypeError, match="unknown override colour"):
        lesson_text(1, colour="red")
    with pytest.raises(KeyError, match="no field lesson.colour"):
        lesson_text(1, fields={"lesson.colour": "red"})


def test_generated_lessons_cover_the_ranges(folder: Path) -> None:
    """Over 150 seeds: every choice the limits allow turns up, and values of every kind."""
    seen: dict[str, set] = {key: set() for key in ("decimals", "cost", "sigmoid", "deep", "wide", "wide_sizes",
                                                   "worked_layers", "sigmoid_layers", "deep_layers", "examples")}
    values = []
    for seed in range(150):
        text = lesson_text(seed)
        doc = tomllib.loads(text)
        spec = load_text(folder, text)
        seen["decimals"].add(spec.decimals)
        seen["cost"].add(spec.cost.name)
        seen["sigmoid"].add(spec.sigmoid_chain.activation.name)
        seen["deep"].add(spec.deep_chain.activation.name)
        seen["wide"].add(spec.wide_network.activation.name)
        seen["wide_sizes"].add(spec.wide_network.sizes)
        seen["worked_layers"].add(spec.worked_chain.depth)
        seen["sigmoid_layers"].add(spec.sigmoid_chain.depth)
        seen["deep_layers"].add(spec.deep_chain.depth)
        seen["examples"].add(spec.sigmoid_chain.examples)
        for name in SECTIONS:
            table = doc[name]
            for key in ("weights", "biases", "inputs", "targets"):
                if key in table:
                    values += list(_flatten(table[key]))
    assert seen["decimals"] == {1, 2, 3, 4}
    assert seen["cost"] == {"quadratic", "half_quadratic"}
    for key in ("sigmoid", "deep", "wide"):
        assert seen[key] == set(lessongen.ACTIVATIONS), key
    assert seen["worked_layers"] == set(range(1, 6))
    assert seen["sigmoid_layers"] == set(range(2, 6))
    assert seen["deep_layers"] == set(range(2, 13))
    assert seen["examples"] == set(range(1, 9))
    depths = {len(s) - 1 for s in seen["wide_sizes"]}
    assert depths == {2, 3, 4}
    assert any(max(s) == 5 for s in seen["wide_sizes"]) and any(min(s) == 1 for s in seen["wide_sizes"])
    numbers = np.array(values, dtype=float)
    assert numbers.max() == 10 and numbers.min() == -10
    assert (numbers == 0).any() and (numbers < 0).any()
    assert ((numbers != 0) & (np.abs(numbers) <= 1e-4)).any()  # tiny
    assert any(isinstance(v, int) for v in values) and any(isinstance(v, float) and v != int(v) for v in values)


def _flatten(value):
    if isinstance(value, list):
        yield from itertools.chain.from_iterable(_flatten(v) for v in value)
    else:
        yield value
