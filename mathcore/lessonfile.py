"""Read and validate a lesson file (TOML).

A lesson file holds every example network the lesson uses, with explicit numbers. Layers are
numbered as on screen: ``weights[0]`` is ``W^{(1)}``, of shape (neurons in layer 1, neurons in
layer 0); ``biases[0]`` is ``b^{(1)}``. ``inputs`` and ``targets`` hold one row per training
example; the first row is the example the video follows (``C_0``).

Every problem is reported as one :class:`LessonFileError` naming the file, the field and what
was expected, never as a traceback::

    lessons/mine.toml: sigmoid_chain.weights[1]: expected shape (1, 1): a chain has one neuron per layer; got (2, 1)
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from mathcore.functions import ACTIVATIONS, COSTS, IDENTITY, Activation, Cost

DEFAULT_LESSON = Path(str(resources.files("mathcore") / "lessons" / "default.toml"))


class LessonFileError(ValueError):
    """A lesson file that cannot be used; ``str()`` is the one-line message for the user."""

    def __init__(self, path: Path | str, field: str, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f"{self.path}: {field}" if field else self.path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class NetworkSpec:
    """One example network as read from the file (arrays are read-only)."""

    activation: Activation
    weights: tuple[np.ndarray, ...]  # weights[l - 1] is W^{(l)}, shape (n_l, n_{l-1})
    biases: tuple[np.ndarray, ...]  # biases[l - 1] is b^{(l)}, shape (n_l,)
    inputs: np.ndarray  # (examples, n_0)
    targets: np.ndarray  # (examples, n_L)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Neurons per layer, input first: ``(n_0, n_1, ..., n_L)``."""
        return (self.weights[0].shape[1],) + tuple(w.shape[0] for w in self.weights)

    @property
    def depth(self) -> int:
        """``L``, the number of layers after the input."""
        return len(self.weights)

    @property
    def examples(self) -> int:
        return self.inputs.shape[0]


@dataclass(frozen=True)
class LessonSpec:
    """A validated lesson file."""

    path: Path
    name: str
    title: str
    after: str
    before: str
    cost: Cost
    decimals: int
    chain_rule_x: float
    chain_rule_h: float
    worked_chain: NetworkSpec
    worked_nudge: float
    sigmoid_chain: NetworkSpec
    nudges: tuple[float, ...]
    deep_chain: NetworkSpec
    wide_network: NetworkSpec
    learning_rate: float


# -- the schema ------------------------------------------------------------------------------
# Each section: its keys, and for each key a reader taking (reader, field, value).
NETWORK_KEYS = ("activation", "weights", "biases", "inputs", "targets")
SECTIONS: dict[str, tuple[str, ...]] = {
    "lesson": ("name", "title", "after", "before", "cost", "decimals"),
    "chain_rule": ("x", "h"),
    # Part 1's chain has no squish and no biases: identity activation, zero biases.
    "worked_chain": ("weights", "inputs", "targets", "nudge"),
    "sigmoid_chain": NETWORK_KEYS + ("nudges",),
    "deep_chain": NETWORK_KEYS,
    "wide_network": NETWORK_KEYS + ("learning_rate",),
}
CHAINS = ("worked_chain", "sigmoid_chain", "deep_chain")

# -- limits ------------------------------------------------------------------------------------
# Any file validation accepts must render readably: every beat's rows of numbers, tables and
# pictures fit a 720p frame at a legible size. These bounds (agreed with the scenes' authors)
# are what the scenes are laid out and tested for (tests/lessongen.py generates files across
# exactly these ranges); a file outside them gets a one-line error instead of a broken video.

# Places shown: at 5 or more, products of four factors and rows of three numbers no longer fit.
DECIMALS = (1, 4)
# Characters: the title card shows the title large on one line, the neighbours smaller.
TEXT_LENGTH = {"title": 60, "after": 80, "before": 80}
# Beat 2's x: |x| at most 3 keeps x, g = x^2 and f = sin(g) short on the number lines.
CHAIN_RULE_X = 3
# Every nudge h (chain_rule.h, worked_chain.nudge, sigmoid_chain.nudges): 0 < h <= 1. A nudge is
# small; a larger one makes "moves by about rate * h" false and the zoomed number lines unreadable.
MAX_NUDGE = 1
# Layers after the input: (least, why, most, why). The beats that use a section need the least;
# the pictures (a neuron with its labels per layer, a dot per depth) fit the frame up to the most.
LAYERS = {
    "worked_chain": (1, "", 5, "the chain is drawn across the frame with its values"),
    "sigmoid_chain": (2, "Part 2 goes one layer back from the last", 5,
                      "the chain is drawn across the frame with its values"),
    "deep_chain": (2, "the vanishing-gradient curve needs more than one depth", 12, "one dot per depth on the curve"),
    "wide_network": (2, "Part 3 goes one layer back from the last", 4, "each layer is a column of the picture"),
}
# Neurons in each layer of the wide network, input included: each layer is a column of circles.
WIDE_NEURONS = (1, 5)
# Training examples (rows of inputs and targets): the averaging table shows one row per example.
EXAMPLES = {"sigmoid_chain": (1, 8), "wide_network": (1, 8)}
# Nudges of the sigmoid chain: the nudge-ratio table shows one row per nudge.
NUDGES = (1, 6)
# Learning rate eta of the gradient-descent step: 0 < eta <= 10.
MAX_LEARNING_RATE = 10
# |weights|, |biases|, |inputs|, |targets| of every network: larger values make the products'
# numbers too wide for their rows and saturate every squish to 0 or 1.
MAX_ABS_VALUE = 10


class _Reader:
    """Validates one parsed TOML document; every method raises :class:`LessonFileError`."""

    def __init__(self, path: Path, doc: dict[str, Any]) -> None:
        self.path = path
        self.doc = doc

    def fail(self, field: str, problem: str) -> LessonFileError:
        return LessonFileError(self.path, field, problem)

    # -- structure ---------------------------------------------------------------------------
    def section(self, name: str) -> dict[str, Any]:
        if name not in self.doc:
            return self._missing_section(name)
        table = self.doc[name]
        if not isinstance(table, dict):
            raise self.fail(name, f"expected a table [{name}], got {_kind(table)}")
        allowed = SECTIONS[name]
        for key in table:
            if key not in allowed:
                raise self.fail(f"{name}.{_name(key)}", f"unknown key; [{name}] takes {', '.join(allowed)}")
        for key in allowed:
            if key not in table:
                raise self.fail(f"{name}.{key}", f"missing; [{name}] needs {', '.join(allowed)}")
        return table

    def _missing_section(self, name: str) -> dict[str, Any]:
        raise self.fail(name, f"missing section [{name}]; a lesson needs {', '.join(SECTIONS)}")

    def check_sections(self) -> None:
        for name in self.doc:
            if name not in SECTIONS:
                raise self.fail(_name(name), f"unknown section; expected one of {', '.join(SECTIONS)}")

    # -- values ------------------------------------------------------------------------------
    def text(self, field: str, value: Any, most: int | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"expected a non-empty string, got {_kind(value)}")
        if most is not None and len(value) > most:
            raise self.fail(field, f"expected at most {most} characters, got {len(value)}")
        return value

    def number(self, field: str, value: Any, *, positive_to: float | None = None,
               magnitude: float | None = None) -> float:
        """A finite number; ``0 < value <= positive_to``, or ``|value| <= magnitude``, if given."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(field, f"expected a number, got {_kind(value)}")
        if not _finite(value):
            raise self.fail(field, f"expected a finite number, got {_short(value)}")
        if positive_to is not None and not 0 < value <= positive_to:
            raise self.fail(field, f"expected a number above 0 and at most {positive_to}, got {_short(value)}")
        if magnitude is not None and not -magnitude <= value <= magnitude:
            raise self.fail(field, f"expected a number from {-magnitude} to {magnitude}, got {_short(value)}")
        return float(value)

    def integer(self, field: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(field, f"expected a whole number from {low} to {high}, got {_kind(value)}")
        return value

    def choice(self, field: str, value: Any, options: dict[str, Any]) -> Any:
        if not isinstance(value, str) or value not in options:
            raise self.fail(field, f"unknown {field.rsplit('.', 1)[-1]} {value!r}; expected one of {', '.join(options)}")
        return options[value]

    def array(self, field: str, value: Any, ndim: int, magnitude: float = MAX_ABS_VALUE) -> np.ndarray:
        """A rectangular array of finite numbers with ``ndim`` dimensions, each within ``±magnitude``."""
        shape = _shape(value, ndim)
        if shape is None:
            what = {1: "a list of numbers", 2: "a list of equal-length lists of numbers"}[ndim]
            raise self.fail(field, f"expected {what}")
        flat = list(_flatten(value, ndim))
        for x in flat:
            if isinstance(x, bool) or not isinstance(x, (int, float)):
                raise self.fail(field, f"expected numbers, got {_kind(x)}")
            if not _finite(x):
                raise self.fail(field, f"expected finite numbers, got {_short(x)}")
            if not -magnitude <= x <= magnitude:
                raise self.fail(field, f"expected numbers from {-magnitude} to {magnitude}, got {_short(x)}")
        arr = np.array(flat, dtype=float).reshape(shape)
        arr.setflags(write=False)
        return arr

    def network(self, name: str, table: dict[str, Any]) -> NetworkSpec:
        weights_raw = table["weights"]
        if not isinstance(weights_raw, list) or not weights_raw:
            raise self.fail(f"{name}.weights", "expected one matrix per layer, and at least one layer")
        least, why_least, most, why_most = LAYERS[name]
        if len(weights_raw) < least:
            raise self.fail(f"{name}.weights", f"expected at least {least} layers ({why_least}), got {len(weights_raw)}")
        if len(weights_raw) > most:
            raise self.fail(f"{name}.weights", f"expected at most {most} layers ({why_most}), got {len(weights_raw)}")
        weights = tuple(self.array(f"{name}.weights[{i}]", w, 2) for i, w in enumerate(weights_raw))
        if name in CHAINS:
            for i, w in enumerate(weights):
                if w.shape != (1, 1):
                    raise self.fail(f"{name}.weights[{i}]", f"expected shape (1, 1): a chain has one neuron per layer; got {w.shape}")
        sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
        for i, w in enumerate(weights):
            if w.shape[1] != sizes[i]:
                raise self.fail(
                    f"{name}.weights[{i}]",
                    f"expected shape ({w.shape[0]}, {sizes[i]}) (neurons in layer {i + 1}, in layer {i}), "
                    f"got {w.shape}",
                )
        if name == "wide_network":
            fewest, most_neurons = WIDE_NEURONS
            for i, n in enumerate(sizes):
                if n > most_neurons:
                    raise self.fail(
                        f"{name}.weights[{max(i - 1, 0)}]",
                        f"expected at most {most_neurons} neurons in layer {i} (each layer is a column of the "
                        f"picture), got {n}",
                    )
            if max(sizes) == 1:
                raise self.fail(
                    f"{name}.weights",
                    "expected a layer of 2 or more neurons: with one neuron in every layer this is a chain, "
                    "not a wide network; got sizes " + "-".join(map(str, sizes)),
                )
        if "biases" in table:
            biases_raw = table["biases"]
            if not isinstance(biases_raw, list) or len(biases_raw) != len(weights):
                got = f"{len(biases_raw)}" if isinstance(biases_raw, list) else _kind(biases_raw)
                raise self.fail(f"{name}.biases", f"expected one vector per layer ({len(weights)} layers), got {got}")
            biases = tuple(self.array(f"{name}.biases[{i}]", b, 1) for i, b in enumerate(biases_raw))
            for i, b in enumerate(biases):
                if b.shape != (sizes[i + 1],):
                    raise self.fail(f"{name}.biases[{i}]", f"expected {sizes[i + 1]} numbers, got {b.shape[0]}")
        else:
            biases = tuple(np.zeros(n) for n in sizes[1:])
            for b in biases:
                b.setflags(write=False)

        activation = (
            self.choice(f"{name}.activation", table["activation"], ACTIVATIONS) if "activation" in table else IDENTITY
        )
        inputs = self.array(f"{name}.inputs", table["inputs"], 2)
        targets = self.array(f"{name}.targets", table["targets"], 2)
        if inputs.shape[1] != sizes[0]:
            raise self.fail(f"{name}.inputs", f"expected rows of {sizes[0]} numbers (layer 0), got {inputs.shape[1]}")
        if targets.shape[1] != sizes[-1]:
            raise self.fail(
                f"{name}.targets", f"expected rows of {sizes[-1]} numbers (layer {len(weights)}), got {targets.shape[1]}"
            )
        if inputs.shape[0] != targets.shape[0]:
            raise self.fail(
                f"{name}.targets",
                f"expected one row per training example ({inputs.shape[0]} inputs), got {targets.shape[0]}",
            )
        if name in EXAMPLES and not EXAMPLES[name][0] <= inputs.shape[0] <= EXAMPLES[name][1]:
            fewest, most_examples = EXAMPLES[name]
            raise self.fail(
                f"{name}.inputs",
                f"expected {fewest} to {most_examples} training examples (one row each; the averaging table "
                f"shows them all), got {inputs.shape[0]}",
            )
        return NetworkSpec(activation, weights, biases, inputs, targets)

    def read(self) -> LessonSpec:
        self.check_sections()
        lesson = self.section("lesson")
        chain_rule = self.section("chain_rule")
        worked = self.section("worked_chain")
        sigmoid = self.section("sigmoid_chain")
        deep = self.section("deep_chain")
        wide = self.section("wide_network")
        nudges_raw = sigmoid["nudges"]
        if not isinstance(nudges_raw, list) or not nudges_raw:
            raise self.fail("sigmoid_chain.nudges", f"expected a non-empty list of numbers above 0 and at most {MAX_NUDGE}")
        if not NUDGES[0] <= len(nudges_raw) <= NUDGES[1]:
            raise self.fail("sigmoid_chain.nudges",
                            f"expected {NUDGES[0]} to {NUDGES[1]} nudges (one row each in the nudge-ratio table), "
                            f"got {len(nudges_raw)}")
        nudges = tuple(
            self.number(f"sigmoid_chain.nudges[{i}]", h, positive_to=MAX_NUDGE) for i, h in enumerate(nudges_raw)
        )
        spec = LessonSpec(
            path=self.path,
            name=self.text("lesson.name", lesson["name"]),
            title=self.text("lesson.title", lesson["title"], TEXT_LENGTH["title"]),
            after=self.text("lesson.after", lesson["after"], TEXT_LENGTH["after"]),
            before=self.text("lesson.before", lesson["before"], TEXT_LENGTH["before"]),
            cost=self.choice("lesson.cost", lesson["cost"], COSTS),
            decimals=self.integer("lesson.decimals", lesson["decimals"], *DECIMALS),
            chain_rule_x=self.number("chain_rule.x", chain_rule["x"], magnitude=CHAIN_RULE_X),
            chain_rule_h=self.number("chain_rule.h", chain_rule["h"], positive_to=MAX_NUDGE),
            worked_chain=self.network("worked_chain", worked),
            worked_nudge=self.number("worked_chain.nudge", worked["nudge"], positive_to=MAX_NUDGE),
            sigmoid_chain=self.network("sigmoid_chain", sigmoid),
            nudges=nudges,
            deep_chain=self.network("deep_chain", deep),
            wide_network=self.network("wide_network", wide),
            learning_rate=self.number("wide_network.learning_rate", wide["learning_rate"],
                                      positive_to=MAX_LEARNING_RATE),
        )
        self.check_descent_step(spec)
        return spec

    def check_descent_step(self, spec: LessonSpec) -> None:
        """Beat 28 shows one gradient-descent step lowering the wide network's mean cost: the
        learning rate must lower it (strictly, as computed), or the error gives the rates that do."""
        from mathcore.numeric import DescentLine, Network  # numeric imports this module

        wide = spec.wide_network
        line = DescentLine.of(Network.from_spec(wide, spec.cost), wide.inputs, wide.targets)
        rate = spec.learning_rate
        after = line.cost_after(rate)
        before = line.cost_before
        if after < before:
            return
        stretch = line.first_lowering(MAX_LEARNING_RATE, rate)
        if stretch is None:
            largest = line.largest_gradient
            size = ("exactly zero" if largest == 0 else
                    f"so small (largest entry {largest:.2g}) that no learning rate up to {MAX_LEARNING_RATE} "
                    "changes the mean cost by more than rounding")
            raise self.fail(
                "wide_network",
                f"the mean gradient of the cost is {size}, so beat 28 cannot show a gradient-descent step "
                f"lowering the mean cost ({_cost_text(before)}); change the weights, biases, inputs or targets "
                "so that it is not (a ReLU layer whose z are all at most 0, saturated squishes or targets "
                "already met pass back no gradient)",
            )
        lowest, highest = stretch
        digits, most = _round_rate(highest, True, (lowest, highest), line.lowers)  # 0.20: its 2 figures
        if rate < lowest:  # too small a step to show: only the lower end of the stretch helps
            least_digits, least = _round_rate(lowest, False, (lowest, float(most)), line.lowers)
            raise self.fail(
                "wide_network.learning_rate",
                f"a step of {_rate_text(rate)} does not lower the mean cost ({_cost_text(before)}): too small a "
                f"step to change it beyond rounding; use a rate from {least} to {most} (to "
                f"{max(digits, least_digits)} significant figures; every rate between lowers it)",
            )
        if after > before:
            how = f"raises the mean cost from {_cost_text(before, after)} to {_cost_text(after, before)}"
        elif after == before:
            how = f"leaves the mean cost at {_cost_text(before)}"
        else:
            how = f"makes the mean cost {after} (from {_cost_text(before)})"  # not a number
        raise self.fail(
            "wide_network.learning_rate",
            f"a step of {_rate_text(rate)} {how}; use at most {most} (the largest rate, to {digits} "
            "significant figures, that lowers it)",
        )


def load_lesson(path: Path | str | None = None) -> LessonSpec:
    """Read and validate a lesson file; the default lesson when ``path`` is ``None``.

    Raises
    ------
    LessonFileError
        For a missing or unreadable file, bad TOML, or any field that breaks the schema.
    """
    path = DEFAULT_LESSON if path is None else Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LessonFileError(path, "", "no such file; pass the path of a lesson .toml file") from None
    except OSError as e:
        raise LessonFileError(path, "", f"cannot read: {e.strerror}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8-sig"))  # tolerate a byte-order mark
    except UnicodeDecodeError:
        raise LessonFileError(path, "", "not UTF-8 text; a lesson file is TOML") from None
    except tomllib.TOMLDecodeError as e:
        raise LessonFileError(path, "", f"not valid TOML: {e}") from None
    except RecursionError:
        raise LessonFileError(path, "", "not valid TOML: nested too deeply") from None
    return _Reader(path, doc).read()


# -- helpers ---------------------------------------------------------------------------------
def _round_rate(rate: float, down: bool, within: tuple[float, float], lowers: Callable[[float], bool],
                ) -> tuple[int, Decimal]:
    """``rate`` rounded down (or up) to the fewest significant figures, 2 or more, that leave it
    within ``within`` and a rate that lowers the cost; with those figures."""
    exact = Decimal(rate)
    for digits in range(2, 18):
        quantum = Decimal(1).scaleb(exact.adjusted() - digits + 1)
        rounded = exact.quantize(quantum, rounding=ROUND_FLOOR if down else ROUND_CEILING)
        if within[0] <= float(rounded) <= within[1] and lowers(float(rounded)):
            return digits, rounded
    return 17, Decimal(repr(rate))


def _rate_text(rate: float) -> str:
    text = repr(rate)
    return text[:-2] if text.endswith(".0") else text


def _cost_text(cost: float, other: float | None = None) -> str:
    """A cost to 4 significant figures, or as many more as tell it from ``other``."""
    for digits in range(4, 18):
        text = f"{cost:.{digits}g}"
        if other is None or text != f"{other:.{digits}g}":
            return text
    return text


def _finite(x: int | float) -> bool:
    try:
        return math.isfinite(float(x))
    except OverflowError:  # an integer beyond the range of floats
        return False


def _short(x: int | float) -> str:
    text = str(x)
    return text if len(text) <= 20 else text[:8] + "..." + f" ({len(text)} digits)"


def _name(key: str) -> str:
    """A key as it may appear in a one-line message (quoted if it has odd characters)."""
    return key if key.isprintable() and key.strip() == key and key else json.dumps(key)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"a number ({_short(value)})"
    return f"a {type(value).__name__} ({value})"


def _shape(value: Any, ndim: int) -> tuple[int, ...] | None:
    """Shape of a rectangular nested list with ``ndim`` levels, else ``None``."""
    if ndim == 0:
        return () if not isinstance(value, list) else None
    if not isinstance(value, list) or not value:
        return None
    inner = [_shape(v, ndim - 1) for v in value]
    if any(s is None for s in inner) or len(set(inner)) != 1:
        return None
    return (len(value),) + inner[0]  # type: ignore[operator]


def _flatten(value: Any, ndim: int):
    if ndim == 0:
        yield value
        return
    for v in value:
        yield from _flatten(v, ndim - 1)
