"""Tests for :mod:`mathcore.lessonfile`, which reads and validates a lesson file.

The requirement under test: a lesson is a TOML file, and bad input (unknown or missing keys,
wrong shapes, non-finite numbers, an unknown activation or cost, a network with no layers, ...)
gives exactly one :class:`LessonFileError` whose one-line message names the file, the field and
what was expected. Bad input never produces a traceback.

Every bad file is the shipped default lesson with one targeted edit, written to ``tmp_path``.
The edits are scoped to one ``[section]`` and must match exactly once, so a case cannot turn
into a silent no-op when the default file changes.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from mathcore.functions import HALF_QUADRATIC, IDENTITY, QUADRATIC, RELU, SIGMOID, TANH
from mathcore.lessonfile import DEFAULT_LESSON, LessonFileError, LessonSpec, NetworkSpec, load_lesson

from .conftest import DATA
from .lessongen import DescentStep, lesson_texts

DEFAULT_TEXT = DEFAULT_LESSON.read_text(encoding="utf-8")
DEFAULT_DOC = tomllib.loads(DEFAULT_TEXT)
NETWORKS = ("worked_chain", "sigmoid_chain", "deep_chain", "wide_network")
ALL_SECTIONS = "lesson, chain_rule, worked_chain, sigmoid_chain, deep_chain, wide_network"

Edit = Callable[[str], str]


# -- helpers ---------------------------------------------------------------------------------
def write_variant(tmp_path: Path, content: str | bytes, name: str = "lesson.toml") -> Path:
    """Write a lesson file (text as UTF-8, or raw bytes) into ``tmp_path`` and return its path."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _section_span(text: str, section: str) -> tuple[int, int]:
    """Start and end offsets of ``[section]`` (header included) in ``text``."""
    header = re.search(rf"^\[{re.escape(section)}\][ \t]*$", text, re.MULTILINE)
    assert header is not None, f"no [{section}] in the lesson text"
    following = re.compile(r"^\[\w+\][ \t]*$", re.MULTILINE).search(text, header.end())
    return header.start(), following.start() if following else len(text)


def replace(section: str, old: str, new: str) -> Edit:
    """Replace ``old`` (which must occur exactly once in ``[section]``) by ``new``."""

    def edit(text: str) -> str:
        start, end = _section_span(text, section)
        body = text[start:end]
        assert body.count(old) == 1, f"{old!r} occurs {body.count(old)} times in [{section}], expected once"
        return text[:start] + body.replace(old, new) + text[end:]

    return edit


def drop_line(section: str, key: str) -> Edit:
    """Remove the one ``key = ...`` line of ``[section]`` (single-line values only)."""

    def edit(text: str) -> str:
        start, end = _section_span(text, section)
        body, count = re.subn(rf"^{re.escape(key)} = .*\n", "", text[start:end], flags=re.MULTILINE)
        assert count == 1, f"{key} = ... occurs {count} times in [{section}], expected once"
        return text[:start] + body + text[end:]

    return edit


def drop_section(section: str) -> Edit:
    """Remove ``[section]`` and all its keys."""

    def edit(text: str) -> str:
        start, end = _section_span(text, section)
        return text[:start] + text[end:]

    return edit


def prepend(extra: str) -> Edit:
    return lambda text: extra + text


def append(extra: str) -> Edit:
    return lambda text: text + "\n" + extra


def both(*edits: Edit) -> Edit:
    def edit(text: str) -> str:
        for e in edits:
            text = e(text)
        return text

    return edit


def load_error(path: Path | str) -> LessonFileError:
    """The :class:`LessonFileError` that loading ``path`` raises (fails if none is raised)."""
    with pytest.raises(LessonFileError) as info:
        load_lesson(path)
    return info.value


def assert_reported(error: LessonFileError, path: Path | str, field: str, phrase: str) -> None:
    """``error`` is one line: ``<path>: <field>: <problem>``, and the problem contains ``phrase``."""
    message = str(error)
    assert "\n" not in message and "\r" not in message, f"message spans lines: {message!r}"
    assert error.path == str(path)
    assert error.field == field
    prefix = f"{path}: {field}: " if field else f"{path}: "
    assert message.startswith(prefix), f"{message!r} does not start with {prefix!r}"
    assert message == prefix + error.problem
    assert phrase in error.problem, f"{phrase!r} not in {message!r}"
    # Raised fresh or `from None`: nothing chained that would print as a second traceback.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


# -- the default lesson ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def default() -> LessonSpec:
    return load_lesson()


def test_default_path_is_the_shipped_file(default: LessonSpec) -> None:
    assert DEFAULT_LESSON.name == "default.toml"
    assert default.path == DEFAULT_LESSON


def test_default_lesson_section(default: LessonSpec) -> None:
    assert default.name == "backpropagation-calculus"
    assert default.title == "Backpropagation calculus"
    assert default.after == "What is backpropagation really doing?"
    assert default.before == "Seeing it whole"
    assert default.cost is QUADRATIC
    assert default.decimals == 3


def test_default_scalars(default: LessonSpec) -> None:
    assert default.chain_rule_x == 1.0
    assert default.chain_rule_h == 0.1
    assert default.worked_nudge == 0.01
    assert default.nudges == (0.1, 0.01, 0.001, 0.0001)
    assert default.learning_rate == 1.0


def test_default_worked_chain(default: LessonSpec) -> None:
    chain = default.worked_chain
    assert [w.item() for w in chain.weights] == [2.0, 3.0, 0.5]
    assert chain.inputs.tolist() == [[1.0]]
    assert chain.targets.tolist() == [[2.0]]
    assert chain.sizes == (1, 1, 1, 1)
    # Part 1 has no squish and no biases.
    assert chain.activation is IDENTITY
    assert [b.tolist() for b in chain.biases] == [[0.0], [0.0], [0.0]]


def test_default_sigmoid_chain(default: LessonSpec) -> None:
    chain = default.sigmoid_chain
    assert chain.activation is SIGMOID
    assert chain.sizes == (1, 1, 1, 1)
    assert chain.depth == 3
    assert chain.examples == 4
    assert [w.item() for w in chain.weights] == [1.5, -2.0, 2.5]
    assert [b.item() for b in chain.biases] == [0.5, 1.0, -0.5]
    assert chain.inputs[:, 0].tolist() == [1.0, 0.2, 0.6, 0.9]
    assert chain.targets[:, 0].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_default_deep_chain(default: LessonSpec) -> None:
    chain = default.deep_chain
    assert chain.activation is SIGMOID
    assert chain.depth == 10
    assert chain.sizes == (1,) * 11
    assert chain.weights[0].item() == 1.2 and chain.weights[-1].item() == 1.2
    assert chain.biases[1].item() == -0.3


def test_default_wide_network(default: LessonSpec) -> None:
    wide = default.wide_network
    assert wide.activation is SIGMOID
    assert wide.sizes == (3, 3, 2)
    assert [w.shape for w in wide.weights] == [(3, 3), (2, 3)]
    assert [b.shape for b in wide.biases] == [(3,), (2,)]
    assert wide.weights[0][1].tolist() == [0.2, 0.9, -0.7]  # row j=1 of W^(1): into neuron 1
    assert wide.weights[1][0, 2] == 0.5
    assert wide.biases[0].tolist() == [0.1, -0.2, 0.05]
    assert wide.inputs.tolist() == [[0.9, 0.1, 0.5]]
    assert wide.targets.tolist() == [[1.0, 0.0]]


@pytest.mark.parametrize("name", NETWORKS)
def test_default_networks_match_the_toml_text(default: LessonSpec, name: str) -> None:
    """Every array read equals the number written in the file, as float."""
    network: NetworkSpec = getattr(default, name)
    table = DEFAULT_DOC[name]
    assert len(network.weights) == len(table["weights"])
    for read, written in zip(network.weights, table["weights"], strict=True):
        np.testing.assert_array_equal(read, np.array(written, dtype=float))
    if "biases" in table:
        for read, written in zip(network.biases, table["biases"], strict=True):
            np.testing.assert_array_equal(read, np.array(written, dtype=float))
    np.testing.assert_array_equal(network.inputs, np.array(table["inputs"], dtype=float))
    np.testing.assert_array_equal(network.targets, np.array(table["targets"], dtype=float))
    for array in (*network.weights, *network.biases, network.inputs, network.targets):
        assert array.dtype == np.float64


@pytest.mark.parametrize("name", NETWORKS)
def test_arrays_are_read_only(default: LessonSpec, name: str) -> None:
    network: NetworkSpec = getattr(default, name)
    arrays = (*network.weights, *network.biases, network.inputs, network.targets)
    for array in arrays:
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.0
    assert isinstance(network.weights, tuple) and isinstance(network.biases, tuple)


def test_specs_are_frozen(default: LessonSpec) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        default.decimals = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        default.wide_network.weights = ()  # type: ignore[misc]


def test_loading_twice_gives_equal_values() -> None:
    first, second = load_lesson(), load_lesson(DEFAULT_LESSON)
    assert first.nudges == second.nudges
    np.testing.assert_array_equal(first.wide_network.weights[0], second.wide_network.weights[0])


# -- valid variants --------------------------------------------------------------------------
def test_unedited_copy_loads(tmp_path: Path) -> None:
    """The base of every bad case below is itself valid, so each error comes from its edit."""
    path = write_variant(tmp_path, DEFAULT_TEXT)
    spec = load_lesson(path)
    assert spec.path == path
    assert spec.wide_network.sizes == load_lesson().wide_network.sizes


@pytest.mark.parametrize("as_str", [False, True], ids=["Path", "str"])
def test_path_may_be_str_or_path(tmp_path: Path, as_str: bool) -> None:
    path = write_variant(tmp_path, DEFAULT_TEXT)
    spec = load_lesson(str(path) if as_str else path)
    assert spec.path == path


def test_half_quadratic_and_other_numbers(tmp_path: Path) -> None:
    edit = both(
        replace("lesson", 'cost = "quadratic"', 'cost = "half_quadratic"'),
        replace("lesson", "decimals = 3", "decimals = 4"),
        replace("chain_rule", "x = 1.0", "x = -2"),  # an integer is read as a float
        replace("worked_chain", "[[[2.0]], [[3.0]], [[0.5]]]", "[[[1.0]], [[-4.0]]]"),
        replace("worked_chain", "targets = [[2.0]]", "targets = [[-1.5]]"),
        replace("sigmoid_chain", "nudges = [0.1, 0.01, 0.001, 0.0001]", "nudges = [0.5]"),
        replace("deep_chain", 'activation = "sigmoid"', 'activation = "tanh"'),
        replace("wide_network", "learning_rate = 1.0", "learning_rate = 0.25"),
    )
    spec = load_lesson(write_variant(tmp_path, edit(DEFAULT_TEXT)))
    default = load_lesson()
    assert spec.cost is HALF_QUADRATIC and default.cost is QUADRATIC
    assert spec.decimals == 4
    assert spec.chain_rule_x == -2.0 and isinstance(spec.chain_rule_x, float)
    assert spec.worked_chain.sizes == (1, 1, 1)
    assert [w.item() for w in spec.worked_chain.weights] == [1.0, -4.0]
    assert spec.worked_chain.targets.tolist() == [[-1.5]]
    assert spec.nudges == (0.5,)
    assert spec.deep_chain.activation is TANH
    assert spec.learning_rate == 0.25
    # Untouched sections read as before.
    assert spec.sigmoid_chain.inputs.tolist() == default.sigmoid_chain.inputs.tolist()


def test_a_different_wide_network(tmp_path: Path) -> None:
    """A 2-4-1 relu network with two examples replaces the 3-3-2 one."""
    new_section = """[wide_network]
activation = "relu"
weights = [
    [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 2.0]],
    [[0.5, -0.5, 0.25, 1.0]],
]
biases = [[0.0, 0.1, 0.2, 0.3], [-1.0]]
inputs = [[1.0, 2.0], [3.0, 4.0]]
targets = [[1.0], [0.0]]
learning_rate = 0.1
"""
    spec = load_lesson(write_variant(tmp_path, both(drop_section("wide_network"), append(new_section))(DEFAULT_TEXT)))
    wide = spec.wide_network
    assert wide.activation is RELU
    assert wide.sizes == (2, 4, 1)
    assert wide.depth == 2
    assert wide.examples == 2
    assert wide.weights[0][3].tolist() == [-1.0, 2.0]
    assert wide.biases[1].tolist() == [-1.0]
    assert spec.learning_rate == 0.1


@pytest.mark.parametrize("decimals", [1, 4])
def test_decimals_bounds_are_inclusive(tmp_path: Path, decimals: int) -> None:
    edit = replace("lesson", "decimals = 3", f"decimals = {decimals}")
    assert load_lesson(write_variant(tmp_path, edit(DEFAULT_TEXT))).decimals == decimals


# -- bad fields: one case per kind of mistake ------------------------------------------------
def case(id: str, edit: Edit, field: str, phrase: str):
    """One row of the table: the edit to the default text, the field named, the words expected."""
    return pytest.param(edit, field, phrase, id=id)


BAD_FIELDS = [
    # structure: sections and keys
    case("unknown-section", append("[extras]\ncolour = 1\n"),
         "extras", f"unknown section; expected one of {ALL_SECTIONS}"),
    case("unknown-key", replace("lesson", "decimals = 3", 'decimals = 3\ncolour = "red"'),
         "lesson.colour", "unknown key; [lesson] takes name, title, after, before, cost, decimals"),
    case("unknown-key-biases-in-worked-chain",
         replace("worked_chain", "nudge = 0.01", "nudge = 0.01\nbiases = [[0.0], [0.0], [0.0]]"),
         "worked_chain.biases", "unknown key; [worked_chain] takes weights, inputs, targets, nudge"),
    case("unknown-subtable", append("[lesson.extra]\nx = 1\n"),
         "lesson.extra", "unknown key; [lesson] takes"),
    case("missing-key", drop_line("worked_chain", "nudge"),
         "worked_chain.nudge", "missing; [worked_chain] needs weights, inputs, targets, nudge"),
    case("missing-key-activation", drop_line("deep_chain", "activation"),
         "deep_chain.activation", "missing; [deep_chain] needs activation, weights, biases, inputs, targets"),
    case("missing-key-learning-rate", drop_line("wide_network", "learning_rate"),
         "wide_network.learning_rate", "missing; [wide_network] needs"),
    case("missing-section", drop_section("chain_rule"),
         "chain_rule", f"missing section [chain_rule]; a lesson needs {ALL_SECTIONS}"),
    case("missing-section-wide", drop_section("wide_network"),
         "wide_network", "missing section [wide_network]"),
    case("section-not-a-table", both(drop_section("chain_rule"), prepend("chain_rule = 1.0\n")),
         "chain_rule", "expected a table [chain_rule], got a number (1.0)"),
    # shapes
    case("weights-columns-mismatch-chain",
         replace("sigmoid_chain", "[[[1.5]], [[-2.0]], [[2.5]]]", "[[[1.5]], [[-2.0, 1.0]], [[2.5]]]"),
         "sigmoid_chain.weights[1]", "expected shape (1, 1): a chain has one neuron per layer; got (1, 2)"),
    case("weights-columns-mismatch-wide",
         replace("wide_network", "[[1.2, -0.8, 0.5], [-0.6, 0.7, 0.9]]", "[[1.2, -0.8], [-0.6, 0.7]]"),
         "wide_network.weights[1]", "expected shape (2, 3) (neurons in layer 2, in layer 1), got (2, 2)"),
    case("ragged-weights", replace("wide_network", "[0.2, 0.9, -0.7]", "[0.2, 0.9]"),
         "wide_network.weights[0]", "expected a list of equal-length lists of numbers"),
    case("weights-matrix-not-nested",
         replace("worked_chain", "[[[2.0]], [[3.0]], [[0.5]]]", "[[2.0], [3.0], [0.5]]"),
         "worked_chain.weights[0]", "expected a list of equal-length lists of numbers"),
    case("weights-matrix-empty", replace("worked_chain", "[[[2.0]], [[3.0]], [[0.5]]]", "[[[2.0]], [], [[0.5]]]"),
         "worked_chain.weights[1]", "expected a list of equal-length lists of numbers"),
    case("biases-wrong-length", replace("wide_network", "[0.1, -0.2, 0.05]", "[0.1, -0.2]"),
         "wide_network.biases[0]", "expected 3 numbers, got 2"),
    case("biases-nested-too-deep", replace("wide_network", "[0.3, -0.1]", "[[0.3, -0.1]]"),
         "wide_network.biases[1]", "expected a list of numbers"),
    case("too-many-bias-vectors", replace("sigmoid_chain", "[-0.5]]", "[-0.5], [0.0]]"),
         "sigmoid_chain.biases", "expected one vector per layer (3 layers)"),
    case("too-few-bias-vectors", replace("deep_chain", ", [-0.1]]", "]"),
         "deep_chain.biases", "expected one vector per layer (10 layers)"),
    case("inputs-row-width", replace("wide_network", "inputs = [[0.9, 0.1, 0.5]]", "inputs = [[0.9, 0.1]]"),
         "wide_network.inputs", "expected rows of 3 numbers (layer 0), got 2"),
    case("targets-row-width", replace("wide_network", "targets = [[1.0, 0.0]]", "targets = [[1.0, 0.0, 1.0]]"),
         "wide_network.targets", "expected rows of 2 numbers (layer 2), got 3"),
    case("inputs-targets-count-mismatch",
         replace("sigmoid_chain", "targets = [[1.0], [0.0], [1.0], [0.0]]", "targets = [[1.0], [0.0], [1.0]]"),
         "sigmoid_chain.targets", "expected one row per training example (4 inputs), got 3"),
    case("ragged-inputs", replace("sigmoid_chain", "[0.2], [0.6]", "[0.2, 0.3], [0.6]"),
         "sigmoid_chain.inputs", "expected a list of equal-length lists of numbers"),
    case("no-inputs", replace("worked_chain", "inputs = [[1.0]]", "inputs = []"),
         "worked_chain.inputs", "expected a list of equal-length lists of numbers"),
    case("chain-with-two-neuron-output",
         replace("sigmoid_chain", "[[[1.5]], [[-2.0]], [[2.5]]]", "[[[1.5]], [[-2.0]], [[2.5], [1.0]]]"),
         "sigmoid_chain.weights[2]", "expected shape (1, 1): a chain has one neuron per layer; got (2, 1)"),
    case("chain-with-two-neuron-input",
         replace("worked_chain", "[[[2.0]], [[3.0]]", "[[[2.0, 1.0]], [[3.0]]"),
         "worked_chain.weights[0]", "expected shape (1, 1): a chain has one neuron per layer; got (1, 2)"),
    # no layers
    case("no-layers", replace("sigmoid_chain", "weights = [[[1.5]], [[-2.0]], [[2.5]]]", "weights = []"),
         "sigmoid_chain.weights", "expected one matrix per layer, and at least one layer"),
    case("sigmoid-chain-one-layer",
         replace("sigmoid_chain", "weights = [[[1.5]], [[-2.0]], [[2.5]]]\nbiases = [[0.5], [1.0], [-0.5]]",
                 "weights = [[[1.5]]]\nbiases = [[0.5]]"),
         "sigmoid_chain.weights", "expected at least 2 layers (Part 2 goes one layer back from the last), got 1"),
    case("deep-chain-one-layer",
         replace("deep_chain", "weights = [[[1.2]], [[1.6]], [[0.9]], [[1.4]], [[1.1]], [[1.8]], [[1.3]], [[1.0]], "
                 "[[1.5]], [[1.2]]]", "weights = [[[1.2]]]"),
         "deep_chain.weights", "expected at least 2 layers"),
    case("weights-not-a-list", replace("worked_chain", "weights = [[[2.0]], [[3.0]], [[0.5]]]", "weights = 2.0"),
         "worked_chain.weights", "expected one matrix per layer, and at least one layer"),
    # non-finite numbers (TOML has nan and inf literals)
    case("nan-weight", replace("sigmoid_chain", "[[-2.0]]", "[[nan]]"),
         "sigmoid_chain.weights[1]", "expected finite numbers, got nan"),
    case("inf-bias", replace("deep_chain", "biases = [[0.1]", "biases = [[inf]"),
         "deep_chain.biases[0]", "expected finite numbers, got inf"),
    case("minus-inf-input", replace("wide_network", "[[0.9, 0.1, 0.5]]", "[[0.9, -inf, 0.5]]"),
         "wide_network.inputs", "expected finite numbers, got -inf"),
    case("nan-target", replace("worked_chain", "targets = [[2.0]]", "targets = [[-nan]]"),
         "worked_chain.targets", "expected finite numbers, got nan"),
    case("nan-scalar", replace("chain_rule", "x = 1.0", "x = nan"),
         "chain_rule.x", "expected a finite number, got nan"),
    case("inf-learning-rate", replace("wide_network", "learning_rate = 1.0", "learning_rate = +inf"),
         "wide_network.learning_rate", "expected a finite number, got inf"),
    case("inf-nudge-in-list", replace("sigmoid_chain", "0.001,", "inf,"),
         "sigmoid_chain.nudges[2]", "expected a finite number, got inf"),
    # wrong types
    case("string-for-number", replace("chain_rule", "h = 0.1", 'h = "0.1"'),
         "chain_rule.h", "expected a number, got a string ('0.1')"),
    case("string-in-weights", replace("worked_chain", "[[[2.0]]", '[[["2.0"]]'),
         "worked_chain.weights[0]", "expected numbers, got a string ('2.0')"),
    case("list-for-number", replace("chain_rule", "x = 1.0", "x = [1.0]"),
         "chain_rule.x", "expected a number, got a list"),
    case("boolean-for-number", replace("worked_chain", "nudge = 0.01", "nudge = true"),
         "worked_chain.nudge", "expected a number, got a boolean (true)"),
    case("boolean-in-targets", replace("worked_chain", "targets = [[2.0]]", "targets = [[true]]"),
         "worked_chain.targets", "expected numbers, got a boolean (true)"),
    case("boolean-in-nudges", replace("sigmoid_chain", "nudges = [0.1,", "nudges = [false,"),
         "sigmoid_chain.nudges[0]", "expected a number, got a boolean (false)"),
    case("number-for-text", replace("lesson", 'title = "Backpropagation calculus"', "title = 3"),
         "lesson.title", "expected a non-empty string, got a number (3)"),
    case("empty-text", replace("lesson", 'name = "backpropagation-calculus"', 'name = "  "'),
         "lesson.name", "expected a non-empty string, got a string ('  ')"),
    # choices
    case("unknown-activation", replace("deep_chain", 'activation = "sigmoid"', 'activation = "softmax"'),
         "deep_chain.activation", "unknown activation 'softmax'; expected one of identity, sigmoid, tanh, relu"),
    case("activation-wrong-case", replace("wide_network", 'activation = "sigmoid"', 'activation = "Sigmoid"'),
         "wide_network.activation", "unknown activation 'Sigmoid'; expected one of"),
    case("unknown-cost", replace("lesson", 'cost = "quadratic"', 'cost = "cubic"'),
         "lesson.cost", "unknown cost 'cubic'; expected one of quadratic, half_quadratic"),
    case("number-for-cost", replace("lesson", 'cost = "quadratic"', "cost = 2"),
         "lesson.cost", "unknown cost 2; expected one of quadratic, half_quadratic"),
    # ranges
    case("decimals-zero", replace("lesson", "decimals = 3", "decimals = 0"),
         "lesson.decimals", "expected a whole number from 1 to 4, got a number (0)"),
    case("decimals-too-many", replace("lesson", "decimals = 3", "decimals = 5"),
         "lesson.decimals", "expected a whole number from 1 to 4, got a number (5)"),
    case("decimals-float", replace("lesson", "decimals = 3", "decimals = 3.0"),
         "lesson.decimals", "expected a whole number from 1 to 4, got a number (3.0)"),
    case("decimals-boolean", replace("lesson", "decimals = 3", "decimals = true"),
         "lesson.decimals", "expected a whole number from 1 to 4, got a boolean (true)"),
    case("zero-nudge", replace("worked_chain", "nudge = 0.01", "nudge = 0.0"),
         "worked_chain.nudge", "expected a number above 0 and at most 1, got 0.0"),
    case("negative-learning-rate", replace("wide_network", "learning_rate = 1.0", "learning_rate = -1.0"),
         "wide_network.learning_rate", "expected a number above 0 and at most 10, got -1.0"),
    case("zero-chain-rule-h", replace("chain_rule", "h = 0.1", "h = 0"),
         "chain_rule.h", "expected a number above 0 and at most 1, got 0"),
    case("negative-nudge-in-list", replace("sigmoid_chain", "0.001,", "-0.001,"),
         "sigmoid_chain.nudges[2]", "expected a number above 0 and at most 1, got -0.001"),
    case("empty-nudges", replace("sigmoid_chain", "nudges = [0.1, 0.01, 0.001, 0.0001]", "nudges = []"),
         "sigmoid_chain.nudges", "expected a non-empty list of numbers above 0"),
    case("nudges-not-a-list", replace("sigmoid_chain", "nudges = [0.1, 0.01, 0.001, 0.0001]", "nudges = 0.1"),
         "sigmoid_chain.nudges", "expected a non-empty list of numbers above 0"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "field", "phrase"), BAD_FIELDS)
def test_bad_field_is_reported_in_one_line(tmp_path: Path, edit: Edit, field: str, phrase: str) -> None:
    text = edit(DEFAULT_TEXT)
    assert text != DEFAULT_TEXT
    path = write_variant(tmp_path, text)
    assert_reported(load_error(path), path, field, phrase)


def test_error_is_a_value_error_with_the_documented_format(tmp_path: Path, monkeypatch) -> None:
    """A relative path is reported as given, as in the module docstring's example."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lessons").mkdir()
    edit = replace("sigmoid_chain", "[[[1.5]], [[-2.0]], [[2.5]]]", "[[[1.5]], [[-2.0, 1.0]], [[2.5]]]")
    write_variant(tmp_path / "lessons", edit(DEFAULT_TEXT), name="mine.toml")
    error = load_error("lessons/mine.toml")
    assert isinstance(error, ValueError)
    assert str(error) == (
        "lessons/mine.toml: sigmoid_chain.weights[1]: "
        "expected shape (1, 1): a chain has one neuron per layer; got (1, 2)"
    )
    assert (error.path, error.field) == ("lessons/mine.toml", "sigmoid_chain.weights[1]")


def test_first_problem_in_file_order_is_reported(tmp_path: Path) -> None:
    """With two bad fields, one error is raised; sections are checked in schema order."""
    edit = both(
        replace("lesson", 'cost = "quadratic"', 'cost = "cubic"'),
        replace("wide_network", "learning_rate = 1.0", "learning_rate = -1.0"),
    )
    path = write_variant(tmp_path, edit(DEFAULT_TEXT))
    assert_reported(load_error(path), path, "lesson.cost", "unknown cost 'cubic'")


# -- bad files: the file as a whole cannot be read -------------------------------------------
BAD_FILES = [
    case("invalid-toml", replace("lesson", "decimals = 3", "decimals = "), "", "not valid TOML: "),
    case("invalid-toml-unclosed-array", replace("worked_chain", "inputs = [[1.0]]", "inputs = [[1.0]"),
         "", "not valid TOML: "),
    case("invalid-toml-duplicate-key", replace("lesson", "decimals = 3", "decimals = 3\ndecimals = 4"),
         "", "not valid TOML: "),
    case("invalid-toml-duplicate-section", append("[lesson]\n"), "", "not valid TOML: "),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "field", "phrase"), BAD_FILES)
def test_invalid_toml(tmp_path: Path, edit: Edit, field: str, phrase: str) -> None:
    path = write_variant(tmp_path, edit(DEFAULT_TEXT))
    error = load_error(path)
    assert_reported(error, path, field, phrase)
    assert re.search(r"\(at line \d+, column \d+\)", error.problem), "the TOML error should say where"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    assert_reported(load_error(path), path, "", "no such file; pass the path of a lesson .toml file")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert_reported(load_error(tmp_path), tmp_path, "", "cannot read: ")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(DEFAULT_TEXT.encode("latin-1", errors="replace") + b"# caf\xe9\n", id="latin-1"),
        pytest.param(DEFAULT_TEXT.encode("utf-16"), id="utf-16"),
        pytest.param(b"\xff\xfe\x00", id="garbage"),
    ],
)
def test_non_utf8_file(tmp_path: Path, content: bytes) -> None:
    path = write_variant(tmp_path, content)
    assert_reported(load_error(path), path, "", "not UTF-8 text; a lesson file is TOML")


def test_empty_file_names_the_first_missing_section(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "")
    assert_reported(load_error(path), path, "lesson", "missing section [lesson]")


# -- odd input that once escaped as a traceback or a multi-line message ------------------------
ODD_INPUT = [
    pytest.param(
        replace("lesson", 'cost = "quadratic"', 'cost = ["quadratic"]'), "lesson.cost", "expected one of",
        id="list-for-cost",
    ),
    pytest.param(
        replace("deep_chain", 'activation = "sigmoid"', 'activation = {name = "sigmoid"}'),
        "deep_chain.activation", "expected one of",
        id="table-for-activation",
    ),
    pytest.param(
        replace("chain_rule", "x = 1.0", "x = 1" + "0" * 400), "chain_rule.x", "expected a finite number",
        id="huge-integer-scalar",
    ),
    pytest.param(
        replace("worked_chain", "[[[2.0]]", "[[[1" + "0" * 400 + "]]"), "worked_chain.weights[0]",
        "expected finite numbers",
        id="huge-integer-weight",
    ),
    pytest.param(
        replace("lesson", "decimals = 3", 'decimals = 3\n"a\\nb" = 1'), 'lesson."a\\nb"', "unknown key",
        id="newline-in-unknown-key",
    ),
    pytest.param(
        replace("chain_rule", "x = 1.0", "x = " + "[" * 5000 + "]" * 5000), "", "not valid TOML",
        id="deeply-nested-array",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "field", "phrase"), ODD_INPUT)
def test_odd_input_is_reported_in_one_line(tmp_path: Path, edit: Edit, field: str, phrase: str) -> None:
    path = write_variant(tmp_path, edit(DEFAULT_TEXT))
    assert_reported(load_error(path), path, field, phrase)


def test_two_neuron_middle_layer_of_a_chain_is_blamed_on_its_own_matrix(tmp_path: Path) -> None:
    """The module docstring's own example: ``sigmoid_chain.weights[1]`` of shape (2, 1)."""
    edit = replace("sigmoid_chain", "[[[1.5]], [[-2.0]], [[2.5]]]", "[[[1.5]], [[-2.0], [1.0]], [[2.5]]]")
    path = write_variant(tmp_path, edit(DEFAULT_TEXT))
    error = load_error(path)
    assert error.field == "sigmoid_chain.weights[1]"
    assert error.problem == "expected shape (1, 1): a chain has one neuron per layer; got (2, 1)"


# -- limits: every file validation accepts renders readably -----------------------------------
# Each limit is tested at its boundary (accepted) and just past it (rejected, one line). The
# sections are written whole, so the sizes can reach the limits whatever the default file holds.
def chain_section(name: str, layers: int, examples: int = 1, value: float = 0.5, nudges: int = 2) -> str:
    """A valid ``[name]`` chain section with ``layers`` layers and ``examples`` training examples."""
    weights = ", ".join(f"[[{value}]]" for _ in range(layers))
    lines = [f"[{name}]"]
    if name != "worked_chain":
        lines += ['activation = "sigmoid"', "biases = [" + ", ".join(f"[{-value}]" for _ in range(layers)) + "]"]
    lines += [f"weights = [{weights}]",
              "inputs = [" + ", ".join(f"[{value}]" for _ in range(examples)) + "]",
              "targets = [" + ", ".join(f"[{-value}]" for _ in range(examples)) + "]"]
    if name == "worked_chain":
        lines.append("nudge = 0.01")
    if name == "sigmoid_chain":
        lines.append("nudges = [" + ", ".join(str(10.0 ** -(i + 1)) for i in range(nudges)) + "]")
    return "\n".join(lines) + "\n"


def wide_section(sizes: tuple[int, ...], examples: int = 1, value: float = 0.5, learning_rate: float = 1.0,
                 inputs: float | None = None, biases: float | None = None) -> str:
    """A valid ``[wide_network]`` section with the given neurons per layer, input first: weights and
    targets ``value``, inputs ``value`` and biases ``-value`` unless given. Inputs and biases of 0
    keep a large ``value`` from saturating tanh, which would leave beat 28's step no gradient."""
    def matrix(rows: int, cols: int) -> str:
        return "[" + ", ".join("[" + ", ".join([str(value)] * cols) + "]" for _ in range(rows)) + "]"

    def rows(width: int, x: float = value) -> str:
        return "[" + ", ".join("[" + ", ".join([str(x)] * width) + "]" for _ in range(examples)) + "]"

    weights = ", ".join(matrix(n, m) for m, n in zip(sizes, sizes[1:]))
    bias = -value if biases is None else biases
    biases_text = ", ".join("[" + ", ".join([str(bias)] * n) + "]" for n in sizes[1:])
    return (f'[wide_network]\nactivation = "tanh"\nweights = [{weights}]\nbiases = [{biases_text}]\n'
            f"inputs = {rows(sizes[0], value if inputs is None else inputs)}\ntargets = {rows(sizes[-1])}\n"
            f"learning_rate = {learning_rate}\n")


def swap(section: str, text: str) -> Edit:
    """Replace the whole ``[section]`` by ``text``."""
    return both(drop_section(section), append(text))


def titled(key: str, length: int) -> Edit:
    old = {"title": 'title = "Backpropagation calculus"', "after": 'after = "What is backpropagation really doing?"',
           "before": 'before = "Seeing it whole"'}[key]
    return replace("lesson", old, f'{key} = "{"x" * length}"')


AT_THE_LIMITS = [
    pytest.param(replace("lesson", "decimals = 3", "decimals = 4"), id="decimals-4"),
    pytest.param(titled("title", 60), id="title-60-characters"),
    pytest.param(both(titled("after", 80), titled("before", 80)), id="after-before-80-characters"),
    pytest.param(replace("chain_rule", "x = 1.0", "x = 3"), id="chain-rule-x-3"),
    pytest.param(replace("chain_rule", "x = 1.0", "x = -3.0"), id="chain-rule-x-minus-3"),
    pytest.param(replace("chain_rule", "h = 0.1", "h = 1"), id="chain-rule-h-1"),
    pytest.param(swap("worked_chain", chain_section("worked_chain", 5)), id="worked-chain-5-layers"),
    pytest.param(swap("worked_chain", chain_section("worked_chain", 1)), id="worked-chain-1-layer"),
    pytest.param(replace("worked_chain", "nudge = 0.01", "nudge = 1.0"), id="worked-nudge-1"),
    pytest.param(swap("sigmoid_chain", chain_section("sigmoid_chain", 5, examples=8)), id="sigmoid-5-layers-8-examples"),
    pytest.param(swap("sigmoid_chain", chain_section("sigmoid_chain", 2, examples=1, nudges=1)),
                 id="sigmoid-2-layers-1-example-1-nudge"),
    pytest.param(swap("sigmoid_chain", chain_section("sigmoid_chain", 3, nudges=6)), id="sigmoid-6-nudges"),
    pytest.param(replace("sigmoid_chain", "nudges = [0.1,", "nudges = [1,"), id="sigmoid-nudge-1"),
    pytest.param(swap("deep_chain", chain_section("deep_chain", 12)), id="deep-chain-12-layers"),
    pytest.param(swap("wide_network", wide_section((5, 5, 5, 5, 5), examples=8)), id="wide-4-layers-5-neurons-8-examples"),
    pytest.param(swap("wide_network", wide_section((1, 2, 1))), id="wide-2-layers-one-wide-layer"),
    pytest.param(swap("wide_network", wide_section((2, 1, 1))), id="wide-input-the-only-wide-layer"),
    pytest.param(replace("wide_network", "learning_rate = 1.0", "learning_rate = 10"), id="learning-rate-10"),
    pytest.param(swap("worked_chain", chain_section("worked_chain", 3, value=10.0)), id="worked-values-10"),
    pytest.param(swap("sigmoid_chain", chain_section("sigmoid_chain", 3, value=-10)), id="sigmoid-values-minus-10"),
    pytest.param(swap("deep_chain", chain_section("deep_chain", 4, value=10)), id="deep-values-10"),
    pytest.param(swap("wide_network", wide_section((3, 3, 2), value=-10.0, inputs=0, biases=0)), id="wide-values-minus-10"),
]  # fmt: skip


@pytest.mark.parametrize("edit", AT_THE_LIMITS)
def test_values_at_the_limits_are_accepted(tmp_path: Path, edit: Edit) -> None:
    text = edit(DEFAULT_TEXT)
    assert text != DEFAULT_TEXT
    assert isinstance(load_lesson(write_variant(tmp_path, text)), LessonSpec)


def test_limits_at_the_boundary_read_as_written(tmp_path: Path) -> None:
    edit = both(swap("sigmoid_chain", chain_section("sigmoid_chain", 5, examples=8, nudges=6)),
                swap("wide_network", wide_section((5, 5, 5, 5, 5), examples=8, value=10, learning_rate=10,
                                                  inputs=0, biases=0)))
    spec = load_lesson(write_variant(tmp_path, edit(DEFAULT_TEXT)))
    assert spec.sigmoid_chain.depth == 5 and spec.sigmoid_chain.examples == 8 and len(spec.nudges) == 6
    assert spec.wide_network.sizes == (5,) * 5 and spec.wide_network.examples == 8
    assert spec.learning_rate == 10.0 and spec.wide_network.weights[3].max() == 10.0


PAST_THE_LIMITS = [
    case("decimals-5", replace("lesson", "decimals = 3", "decimals = 5"),
         "lesson.decimals", "expected a whole number from 1 to 4, got a number (5)"),
    case("title-61-characters", titled("title", 61), "lesson.title", "expected at most 60 characters, got 61"),
    case("after-81-characters", titled("after", 81), "lesson.after", "expected at most 80 characters, got 81"),
    case("before-81-characters", titled("before", 81), "lesson.before", "expected at most 80 characters, got 81"),
    case("chain-rule-x-above-3", replace("chain_rule", "x = 1.0", "x = 3.01"),
         "chain_rule.x", "expected a number from -3 to 3, got 3.01"),
    case("chain-rule-x-below-minus-3", replace("chain_rule", "x = 1.0", "x = -4"),
         "chain_rule.x", "expected a number from -3 to 3, got -4"),
    case("chain-rule-h-above-1", replace("chain_rule", "h = 0.1", "h = 1.01"),
         "chain_rule.h", "expected a number above 0 and at most 1, got 1.01"),
    case("worked-chain-6-layers", swap("worked_chain", chain_section("worked_chain", 6)),
         "worked_chain.weights", "expected at most 5 layers (the chain is drawn across the frame with its values), got 6"),
    case("worked-nudge-above-1", replace("worked_chain", "nudge = 0.01", "nudge = 1.5"),
         "worked_chain.nudge", "expected a number above 0 and at most 1, got 1.5"),
    case("sigmoid-chain-6-layers", swap("sigmoid_chain", chain_section("sigmoid_chain", 6)),
         "sigmoid_chain.weights", "expected at most 5 layers (the chain is drawn across the frame with its values), got 6"),
    case("sigmoid-chain-9-examples", swap("sigmoid_chain", chain_section("sigmoid_chain", 3, examples=9)),
         "sigmoid_chain.inputs", "expected 1 to 8 training examples (one row each; the averaging table shows them all), got 9"),
    case("sigmoid-chain-7-nudges", swap("sigmoid_chain", chain_section("sigmoid_chain", 3, nudges=7)),
         "sigmoid_chain.nudges", "expected 1 to 6 nudges (one row each in the nudge-ratio table), got 7"),
    case("sigmoid-nudge-above-1", replace("sigmoid_chain", "nudges = [0.1,", "nudges = [1.001,"),
         "sigmoid_chain.nudges[0]", "expected a number above 0 and at most 1, got 1.001"),
    case("deep-chain-13-layers", swap("deep_chain", chain_section("deep_chain", 13)),
         "deep_chain.weights", "expected at most 12 layers (one dot per depth on the curve), got 13"),
    case("wide-5-layers", swap("wide_network", wide_section((2, 2, 2, 2, 2, 2))),
         "wide_network.weights", "expected at most 4 layers (each layer is a column of the picture), got 5"),
    case("wide-1-layer", swap("wide_network", wide_section((3, 2))),
         "wide_network.weights", "expected at least 2 layers (Part 3 goes one layer back from the last), got 1"),
    case("wide-6-input-neurons", swap("wide_network", wide_section((6, 3, 2))),
         "wide_network.weights[0]", "expected at most 5 neurons in layer 0 (each layer is a column of the picture), got 6"),
    case("wide-6-hidden-neurons", swap("wide_network", wide_section((3, 6, 2))),
         "wide_network.weights[0]", "expected at most 5 neurons in layer 1 (each layer is a column of the picture), got 6"),
    case("wide-6-output-neurons", swap("wide_network", wide_section((3, 3, 6))),
         "wide_network.weights[1]", "expected at most 5 neurons in layer 2 (each layer is a column of the picture), got 6"),
    case("wide-is-a-chain", swap("wide_network", wide_section((1, 1, 1))),
         "wide_network.weights", "expected a layer of 2 or more neurons: with one neuron in every layer this is a "
         "chain, not a wide network; got sizes 1-1-1"),
    case("wide-9-examples", swap("wide_network", wide_section((3, 3, 2), examples=9)),
         "wide_network.inputs", "expected 1 to 8 training examples (one row each; the averaging table shows them all), got 9"),
    case("learning-rate-above-10", replace("wide_network", "learning_rate = 1.0", "learning_rate = 10.5"),
         "wide_network.learning_rate", "expected a number above 0 and at most 10, got 10.5"),
    case("worked-weight-above-10", replace("worked_chain", "[[3.0]]", "[[10.01]]"),
         "worked_chain.weights[1]", "expected numbers from -10 to 10, got 10.01"),
    case("worked-input-above-10", replace("worked_chain", "inputs = [[1.0]]", "inputs = [[11]]"),
         "worked_chain.inputs", "expected numbers from -10 to 10, got 11"),
    case("sigmoid-bias-below-minus-10", replace("sigmoid_chain", "[-0.5]]", "[-10.5]]"),
         "sigmoid_chain.biases[2]", "expected numbers from -10 to 10, got -10.5"),
    case("sigmoid-target-above-10", replace("sigmoid_chain", "targets = [[1.0],", "targets = [[12.0],"),
         "sigmoid_chain.targets", "expected numbers from -10 to 10, got 12.0"),
    case("deep-weight-below-minus-10", replace("deep_chain", "weights = [[[1.2]]", "weights = [[[-10.001]]"),
         "deep_chain.weights[0]", "expected numbers from -10 to 10, got -10.001"),
    case("wide-input-above-10", replace("wide_network", "[[0.9, 0.1, 0.5]]", "[[0.9, 10.1, 0.5]]"),
         "wide_network.inputs", "expected numbers from -10 to 10, got 10.1"),
    case("wide-weight-below-minus-10", replace("wide_network", "[0.2, 0.9, -0.7]", "[0.2, 0.9, -70]"),
         "wide_network.weights[0]", "expected numbers from -10 to 10, got -70"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "field", "phrase"), PAST_THE_LIMITS)
def test_values_past_the_limits_are_reported_in_one_line(tmp_path: Path, edit: Edit, field: str, phrase: str) -> None:
    path = write_variant(tmp_path, edit(DEFAULT_TEXT))
    error = load_error(path)
    assert_reported(error, path, field, phrase)
    assert error.problem == phrase, "the whole message: what was expected and the value got"


# -- the learning rate: one step lowers the cost (beat 28) ---------------------------------
# Every cost below is computed again by tests.lessongen's own NumPy passes, not mathcore's.
def wide_text(activation: str, weights: list, biases: list, inputs: list, targets: list) -> str:
    """A ``[wide_network]`` section whose learning rate is left as ``{rate}``, for ``str.format``."""
    return (f'[wide_network]\nactivation = "{activation}"\nweights = {weights}\nbiases = {biases}\n'
            f"inputs = {inputs}\ntargets = {targets}\nlearning_rate = {{rate}}\n")


IDENTITY_WIDE = wide_text("identity", [[[1.0, 0.5], [0.3, -0.2]], [[0.8, 0.6]]], [[0.0, 0.1], [0.2]],
                          [[1.0, 2.0], [0.5, -1.0]], [[1.0], [0.0]])
# The cost falls for rates up to about 0.38, rises above where it was, and falls again from
# about 2.1: a step of 1 does not lower it, a step of 3 does.
BUMPY_WIDE = wide_text("tanh", [[[-1.2, 0.2], [-0.4, 1.8]], [[-2.5, -0.8]]], [[-0.2, 0.4], [1.6]],
                       [[-0.8, -0.6], [0.7, -1.2]], [[0.0], [-0.4]])
# The output neuron is saturated: the gradient is small, and a tiny step changes nothing.
SATURATED_WIDE = wide_text("sigmoid", [[[1, 1], [1, 1]], [[3, 3]]], [[0, 0], [8]], [[1, 1]], [[-10]])
# Every weighted input is at most 0: no ReLU passes anything back.
DEAD_RELU_WIDE = wide_text("relu", [[[1.0, 0.5], [0.3, -0.2]], [[0.8, 0.6]]], [[-10, -10], [-10]],
                           [[1.0, 2.0], [0.5, -1.0]], [[1.0], [0.0]])
# Every tanh saturated: a gradient below 1e-24, too small for any rate to show.
SATURATED_TANH_WIDE = wide_text("tanh", [[[10, 10], [10, 10]], [[10, 10]]], [[10, 10], [10]], [[10, 10]], [[-10]])
RATE = r"([0-9.eE+-]+)"
AT_MOST = re.compile(rf"a step of {RATE} (?:raises the mean cost from (\S+) to (\S+)|leaves the mean cost at (\S+)); "
                     rf"use at most {RATE} \(the largest rate, to (\d+) significant figures, that lowers it\)")
FROM_TO = re.compile(rf"a step of {RATE} does not lower the mean cost \((\S+)\): too small a step to change it "
                     rf"beyond rounding; use a rate from {RATE} to {RATE} \(to (\d+) significant figures; every "
                     r"rate between lowers it\)")


def with_wide(tmp_path: Path, section: str, rate: float | str, name: str = "lesson.toml") -> Path:
    return write_variant(tmp_path, swap("wide_network", section.format(rate=rate))(DEFAULT_TEXT), name)


def step_of(path: Path) -> DescentStep:
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    return DescentStep(doc["wide_network"], doc["lesson"]["cost"])


def lowers(step: DescentStep, rate: float) -> bool:
    return step.cost_after(rate) < step.before


def significant_figures(text: str) -> int:
    return len(Decimal(text).normalize().as_tuple().digits)


def unit_in_last_place(text: str) -> float:
    return float(Decimal(1).scaleb(Decimal(text).normalize().as_tuple().exponent))


@pytest.mark.parametrize(("section", "rate"), [
    pytest.param(IDENTITY_WIDE, 1, id="identity-1"), pytest.param(IDENTITY_WIDE, 10.0, id="identity-10"),
    pytest.param(IDENTITY_WIDE, 0.3, id="identity-0.3"), pytest.param(BUMPY_WIDE, 1.0, id="bumpy-1"),
    pytest.param(BUMPY_WIDE, 0.4, id="bumpy-0.4"),
])
def test_a_rate_that_raises_the_cost_is_rejected_with_the_largest_that_lowers_it(
        tmp_path: Path, section: str, rate: float) -> None:
    path = with_wide(tmp_path, section, rate)
    error = load_error(path)
    assert_reported(error, path, "wide_network.learning_rate", f"a step of {rate:g} raises the mean cost from ")
    match = AT_MOST.fullmatch(error.problem)
    assert match, error.problem
    step = step_of(path)
    assert not lowers(step, rate)
    assert float(match[2]) == pytest.approx(step.before, rel=1e-3)
    assert float(match[3]) == pytest.approx(step.cost_after(rate), rel=1e-3)
    most, digits = match[5], int(match[6])
    assert digits == 2 and significant_figures(most) <= 2
    # Every rate up to the one given lowers the cost; one more in its last figure is past the first rise.
    assert all(lowers(step, eta) for eta in np.linspace(0, float(most), 401)[1:])
    past = float(most) + unit_in_last_place(most)
    assert not all(lowers(step, eta) for eta in np.linspace(float(most), past, 101))
    # Written into the file, it is accepted.
    assert load_lesson(with_wide(tmp_path, section, most, "fixed.toml")).learning_rate == float(most)


def test_the_bound_is_the_first_rise_even_when_the_cost_falls_again_later(tmp_path: Path) -> None:
    """The cost is not assumed to be unimodal in the rate: 3 lowers it, past a bump that 1 is in."""
    path = with_wide(tmp_path, BUMPY_WIDE, 3)
    assert load_lesson(path).learning_rate == 3.0
    step = step_of(path)
    assert lowers(step, 3.0) and not lowers(step, 1.0) and lowers(step, 0.3)
    match = AT_MOST.fullmatch(load_error(with_wide(tmp_path, BUMPY_WIDE, 1.0)).problem)
    assert match and float(match[5]) == 0.38  # where the bump starts, not where it ends (2.1)


@pytest.mark.parametrize("rate", [1e-9, "1e-6"])
def test_a_rate_too_small_to_change_the_cost_is_rejected_with_the_rates_that_lower_it(
        tmp_path: Path, rate: float | str) -> None:
    path = with_wide(tmp_path, SATURATED_WIDE, rate)
    error = load_error(path)
    assert_reported(error, path, "wide_network.learning_rate", "too small a step to change it beyond rounding; use a "
                    "rate from ")
    match = FROM_TO.fullmatch(error.problem)
    assert match, error.problem
    step = step_of(path)
    assert float(match[1]) == float(rate)
    assert float(match[2]) == pytest.approx(step.before, rel=1e-3)
    least, most = float(match[3]), float(match[4])
    assert float(rate) < least < most <= 10
    assert significant_figures(match[3]) <= int(match[5]) and significant_figures(match[4]) <= int(match[5])
    assert all(lowers(step, eta) for eta in np.geomspace(least, most, 200))
    for fixed in (match[3], match[4]):
        assert load_lesson(with_wide(tmp_path, SATURATED_WIDE, fixed, "fixed.toml")).learning_rate == float(fixed)


@pytest.mark.parametrize("rate", [1e-4, 1.0, 10])
def test_a_network_with_no_gradient_cannot_show_a_descent_step(tmp_path: Path, rate: float) -> None:
    path = with_wide(tmp_path, DEAD_RELU_WIDE, rate)
    error = load_error(path)
    assert_reported(error, path, "wide_network", "the mean gradient of the cost is exactly zero, so beat 28 cannot "
                    "show a gradient-descent step lowering the mean cost (0.5); change the weights, biases, inputs "
                    "or targets so that it is not")
    step = step_of(path)
    assert all(np.all(g == 0) for g in step.grad_w + step.grad_b)


def test_a_gradient_too_small_for_any_rate_is_reported_as_such(tmp_path: Path) -> None:
    path = with_wide(tmp_path, SATURATED_TANH_WIDE, 10)
    error = load_error(path)
    assert_reported(error, path, "wide_network", "the mean gradient of the cost is so small (largest entry ")
    assert "that no learning rate up to 10 changes the mean cost by more than rounding" in error.problem
    assert "change the weights, biases, inputs or targets" in error.problem
    largest = re.search(r"\(largest entry (\S+)\)", error.problem)
    assert largest and 0 < float(largest[1]) < 1e-12
    step = step_of(path)  # 1 - tanh^2, as written there, is 0 in floats here: no gradient at all
    assert max(float(np.max(np.abs(g))) for g in step.grad_w + step.grad_b) < 1e-12
    assert not any(step.cost_after(eta) < step.before * (1 - 1e-12) for eta in np.linspace(0.01, 10, 1000))


@pytest.mark.parametrize("path", [DEFAULT_LESSON, *sorted(DATA.glob("*.toml"))], ids=lambda p: p.name)
def test_the_shipped_lessons_rates_lower_their_cost(path: Path) -> None:
    spec = load_lesson(path)
    assert lowers(step_of(path), spec.learning_rate)


@settings(max_examples=60, deadline=None)
@given(text=lesson_texts(), rate=st.one_of(st.floats(1e-4, 10), st.floats(1e-12, 1e-4), st.sampled_from([1e-4, 1, 10])))
def test_any_rate_is_accepted_exactly_when_it_lowers_the_cost(text: str, rate: float) -> None:
    """A generated lesson with any rate: accepted when the step lowers the cost, else the message
    gives rates that do (each accepted when written back), or says there is no gradient to follow."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_variant(Path(folder), re.sub(r"(?m)^learning_rate = .*$", f"learning_rate = {rate!r}", text))
        step = step_of(path)
        tolerance = 1e-9 * abs(step.before)  # the two implementations' rounding
        try:
            spec = load_lesson(path)
        except LessonFileError as error:
            event(f"rejected: {error.field}")
            if error.field == "wide_network":
                assert not any(step.cost_after(eta) < step.before - tolerance for eta in np.geomspace(1e-6, 10, 300))
                return
            assert error.field == "wide_network.learning_rate", str(error)
            assert step.cost_after(rate) > step.before - tolerance
            match = AT_MOST.fullmatch(error.problem) or FROM_TO.fullmatch(error.problem)
            assert match, error.problem
            event("a rate too small" if match.re is FROM_TO else "a rate too large")
            suggested = [match[5]] if match.re is AT_MOST else [match[3], match[4]]
            for fixed in suggested:
                assert step.cost_after(float(fixed)) < step.before + tolerance
                fixed_text = re.sub(r"(?m)^learning_rate = .*$", f"learning_rate = {fixed}", text)
                assert load_lesson(write_variant(Path(folder), fixed_text, "fixed.toml")).learning_rate == float(fixed)
        else:
            event("accepted")
            assert spec.learning_rate == rate
            assert step.cost_after(rate) < step.before + tolerance
