"""Every formula the video shows: its TeX agrees with its sympy expression, and it holds.

The same checks run on the tests' second lesson file. Mutation tests show that the check can
fail: a wrong index, layer, factor or number in the TeX is caught.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from mathcore.beats import build_model
from mathcore.equations import Equation
from mathcore.lessonfile import DEFAULT_LESSON
from mathcore.model import LessonModel


def test_every_equation_agrees_and_holds(any_model: LessonModel):
    failures = [f"{b.key}.{eq.key}: {eq.check().detail}" for b, eq in any_model.equations() if not eq.check().ok]
    assert not failures, "\n".join(failures)
    assert len(any_model.equations()) > 50


def test_part_keys_are_unique_and_address_their_tex(model: LessonModel):
    for beat, eq in model.equations():
        assert len(set(eq.keys)) == len(eq.keys), f"{beat.key}.{eq.key} repeats a key"
        for key, tex in eq.parts:
            assert eq.part(key) == tex
            assert eq.tex_parts[eq.index(key)] == tex
    with pytest.raises(KeyError, match="has no part"):
        model.beat("chain_rule_assembled").equations["chain"].part("nope")


def mutated(eq: Equation, key: str, old: str, new: str) -> Equation:
    parts = tuple((k, t.replace(old, new, 1) if k == key else t) for k, t in eq.parts)
    assert parts != eq.parts, f"mutation {old!r} -> {new!r} did not apply to {key!r}"
    return dataclasses.replace(eq, parts=parts, _cache={})


MUTATIONS = [
    # (beat, equation, part, old, new): each turns a true formula into a false one.
    ("chain_rule", "chain_rule", "dg_dx", "d g", "d f"),
    ("nested_cost", "nested", "rhs", "w_{2}", "w_{3}"),
    ("forward_pass", "a2", "value", "6", "5"),
    ("product_of_rates", "chain", "da2_da1", "a_{1}", "a_{0}"),
    ("product_of_rates", "numbers", "value", "3", "4"),
    ("backward_sweep", "w3", "value", "12", "10"),
    ("squish", "product", "dz2_da1", "w_{2}", "w_{3}"),
    ("vanishing", "peak", "rhs", "4", "2"),
    ("last_link", "cost", "numbers", "0.573", "0.537"),
    ("weighted_input", "z", "b", "b^{(L)}", "b^{(L-1)}"),
    ("local_derivatives", "dC_daL", "formula", "2", "3"),
    ("local_derivatives", "product", "dzL_dwL", "a^{(L-1)}", "a^{(L)}"),
    ("average", "average", "mean", "1", "2"),
    ("bias_and_previous", "dz_da_prev", "rhs", "w^{(L)}", "b^{(L)}"),
    ("one_layer_back", "chain", "dzL_daL1", "a^{(L-1)}", "a^{(L-2)}"),
    ("sums", "z", "w", "_{jk}", "_{kj}"),  # "to j, from k", written backwards
    ("weight_index_form", "chain", "a_prev", "_{k}", "_{j}"),
    ("sum_over_paths", "terms", "w", "_{jk}", "_{kj}"),
    ("recursion", "recursion", "w", "(l)", "(l-1)"),
    ("vector_form", "bp2", "back", "^T", ""),
    ("vector_form", "bp4", "a_prev", "(l-1)", "(l)"),
]


@pytest.mark.parametrize("beat,key,part,old,new", MUTATIONS, ids=lambda v: str(v))
def test_a_wrong_formula_fails_its_check(model: LessonModel, beat, key, part, old, new):
    eq = model.beat(beat).equations[key]
    assert eq.check().ok
    assert not mutated(eq, part, old, new).check().ok


def test_an_unbound_or_colliding_index_is_caught(model: LessonModel):
    eq = model.beat("sum_over_paths").equations["terms"]
    # The summation letter reused as the free index: j and k collide.
    clash = mutated(eq, "lhs", "_{k}", "_{j}")
    check = clash.check()
    assert not check.agrees
    assert "not bound" in check.detail or "collide" in check.detail


def test_every_shown_value_equation_part_is_the_formatted_number(any_model: LessonModel):
    """A part keyed "value" is a number on screen: it must parse to the formatter's shown value."""
    fmt = any_model.fmt
    count = 0
    for _, eq in any_model.equations():
        if "value" in eq.keys:
            text = eq.part("value")
            assert re.fullmatch(r"-?\d+(\.\d+)?( \\times 10\^\{-?\d+\})?", text), text
            count += 1
    assert count >= 10
    assert fmt.places == any_model.spec.decimals


def _decimal(text: str):
    from decimal import Decimal

    text = text.replace(r"\left(", "").replace(r"\right)", "")
    if r"\times 10^{" in text:
        mantissa, exponent = text.split(r" \times 10^{")
        return Decimal(mantissa) * Decimal(10) ** int(exponent.rstrip("}"))
    return Decimal(text)


def test_rounded_products_use_approx_exactly_when_the_shown_factors_disagree(any_model: LessonModel):
    """Honest rounding, checked with decimal arithmetic on the TeX itself: a product of shown
    factors gets "=" only if it rounds to the shown result; otherwise "approx"."""
    from decimal import ROUND_HALF_UP, Decimal

    places = Decimal(1).scaleb(-any_model.fmt.places)
    checked = 0
    for beat, eq in any_model.equations():
        keys = eq.keys
        if "value" not in keys or not any(k.startswith("dot_") for k in keys):
            continue
        value_at = keys.index("value")
        relation = eq.tex_parts[value_at - 1]
        dots = [i for i, k in enumerate(keys) if k.startswith("dot_")]
        factors = [eq.tex_parts[dots[0] - 1]] + [eq.tex_parts[i + 1] for i in dots]
        product = Decimal(1)
        for f in factors:
            product *= _decimal(f)
        shown = _decimal(eq.tex_parts[value_at])
        # A result in scientific form is rounded to its own last digit, not to the lesson's places.
        quantum = Decimal(1).scaleb(shown.as_tuple().exponent) if r"\times" in eq.tex_parts[value_at] else places
        agrees = product.quantize(quantum, rounding=ROUND_HALF_UP) == shown.quantize(quantum, rounding=ROUND_HALF_UP)
        assert relation == ("=" if agrees else r"\approx"), f"{beat.key}.{eq.key}: {eq.tex}"
        checked += 1
    assert checked >= 5


@pytest.fixture(scope="module")
def relu_model(tmp_path_factory: pytest.TempPathFactory) -> LessonModel:
    """The default lesson with every squish a ReLU: the same checks, through another activation."""
    text = DEFAULT_LESSON.read_text()
    assert text.count('activation = "sigmoid"') == 3
    path = tmp_path_factory.mktemp("relu") / "relu.toml"
    # ReLU's cost rises past a step of 0.2 (the lesson file refuses a rate that does not lower it).
    text = text.replace('activation = "sigmoid"', 'activation = "relu"').replace("learning_rate = 1.0", "learning_rate = 0.2")
    path.write_text(text)
    return build_model(path)


SYMBOLIC_BEATS = {"weighted_input", "local_derivatives", "bias_and_previous", "one_layer_back", "sums",
                  "weight_index_form", "sum_over_paths", "recursion", "vector_form"}


def test_a_relu_lesson_agrees_and_holds(relu_model: LessonModel):
    failures = [f"{b.key}.{eq.key}: {eq.check().detail}" for b, eq in relu_model.equations() if not eq.check().ok]
    assert not failures, "\n".join(failures)
    assert relu_model.wide.spec.activation.name == "relu"


@pytest.mark.parametrize("beat,key,part,old,new", [m for m in MUTATIONS if m[0] in SYMBOLIC_BEATS], ids=lambda v: str(v))
def test_a_wrong_formula_fails_its_check_with_relu(relu_model: LessonModel, beat, key, part, old, new):
    eq = relu_model.beat(beat).equations[key]
    assert eq.check().ok
    assert not mutated(eq, part, old, new).check().ok
