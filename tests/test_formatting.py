"""The one rule for numbers on screen, and honest rounding of products."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mathcore.formatting import Formatter

F3 = Formatter(3)


@pytest.mark.parametrize(
    "x,text",
    [
        (3.0, "3"),  # exact values drop trailing zeros
        (0.5, "0.5"),
        (-2.0, "-2"),
        (0.0, "0"),
        (0.2002, "0.200"),  # rounded values keep their places
        (-0.0997, "-0.100"),
        (0.7310585786, "0.731"),
        (0.0005, "5.00 \\times 10^{-4}"),  # would round to 0.001: one significant digit, and a wrong one
        (0.00412, "4.12 \\times 10^{-3}"),
        (1.1e-6, "1.10 \\times 10^{-6}"),
        (0.014, "0.014"),
        (0.0125, "0.013"),  # half away from zero, not banker's rounding (0.012)
        (-0.0125, "-0.013"),
    ],
)
def test_number(x, text):
    assert F3.number(x) == text


def test_fixed_width_never_shows_minus_zero():
    assert F3.fixed(-0.00001) == "0.000"
    assert F3.fixed(0.5) == "0.500"
    assert Formatter(2).fixed(1.005) == "1.01"  # repr-based: 1.005 is typed as 1.005


def test_signed_and_factor():
    assert F3.signed(0.03) == "+0.03"
    assert F3.signed(-0.03) == "-0.03"
    assert F3.signed(0.0) == "0"  # zero has no sign
    assert F3.factor(-0.853) == r"\left(-0.853\right)"
    assert F3.factor(0.853) == "0.853"


def _shown(*xs: float) -> list[Fraction]:
    return [Fraction(F3.shown_value(x)) for x in xs]


def test_product_of_exact_factors_is_equal():
    # 2 * 0.5 * 3 * 1 = 3 exactly (the worked chain's dC/dw1)
    assert F3.relation(math.prod(_shown(2, 0.5, 3, 1)), 3) == "="


def test_product_of_rounded_factors_gets_approx_when_they_do_not_multiply_to_the_result():
    # By hand: the true product 0.12345^2 * 100 = 1.52399 shows as 1.524, but the factors show as
    # 0.123, 0.123 and 100, whose product 1.5129 would show as 1.513.
    factors = [0.12345, 0.12345, 100]
    assert [F3.factor(f) for f in factors] == ["0.123", "0.123", "100"]
    assert F3.relation(math.prod(_shown(*factors)), 0.12345 * 0.12345 * 100) == r"\approx"


def test_product_of_rounded_factors_keeps_equals_when_consistent():
    # 0.318 * 0.245 * -0.853 = -0.06646 -> -0.066, and the true product -0.066430 -> -0.066.
    factors = [0.3183, 0.2446, -0.8532]
    assert F3.relation(math.prod(_shown(*factors)), math.prod(factors)) == "="


@pytest.mark.parametrize("places,shown_numbers,exact_result,relation", [
    # The cases, each by hand. Beat 12 of the default lesson: 2.5 * 0.318 + (-0.5) = 0.295,
    # but z = 0.2957... shows as 0.296.
    (3, Fraction("2.5") * Fraction("0.318") - Fraction("0.5"), 0.29577, r"\approx"),
    # (0.75 - 0)^2 = 0.5625 -> 0.56, but the cost shows 0.57.
    (2, Fraction("0.75") ** 2, 0.5701, r"\approx"),
    # (2.117 - (-0.9))^2 = 9.102289 -> 9.102, but the cost shows 9.101.
    (3, (Fraction("2.117") + Fraction("0.9")) ** 2, 9.1013, r"\approx"),
    # 1/2 (0.23 - 0.3)^2 = 0.00245 -> 2.45e-3, but the cost shows 2.20e-3 (tiny: three digits).
    (2, Fraction(1, 2) * (Fraction("0.23") - Fraction("0.3")) ** 2, 0.0022, r"\approx"),
    # (3 - 2)^2 = 1 exactly: the worked chain's cost.
    (3, Fraction(1), 1.0, "="),
    # 1/2 (0.5 - 0.431)^2 = 0.0023805 -> 2.38e-3 (three significant digits), as is the exact 0.002381.
    (3, Fraction(1, 2) * (Fraction("0.5") - Fraction("0.431")) ** 2, 0.002381, "="),
])
def test_relation_follows_the_shown_numbers(places, shown_numbers, exact_result, relation):
    assert Formatter(places).relation(shown_numbers, exact_result) == relation


def test_quantum_and_num_say_how_far_a_shown_number_can_be():
    assert F3.quantum(0.7310585786) == Fraction(1, 1000)
    assert F3.quantum(4.12e-3) == Fraction(1, 10**5)  # 4.12 x 10^-3: the last digit is 10^-5
    n = F3.num(0.7310585786)
    assert (n.tex, n.shown, n.half_unit) == ("0.731", Fraction(731, 1000), Fraction(1, 2000))
    assert F3.num(0.5).half_unit == 0  # shown exactly
    assert F3.given_num(0.0001).shown == Fraction(1, 10000)


def test_shown_value_is_what_the_text_says():
    for x in (0.7310585786, 1.1e-6, 3.0, -0.0997):
        text = F3.number(x).replace(r" \times 10^{", "e").replace("}", "")
        assert F3.shown_value(x) == Decimal(text)


def test_non_finite_numbers_are_refused():
    with pytest.raises(ValueError):
        F3.number(float("nan"))


def test_given_numbers_are_shown_as_typed():
    # Nudges from the lesson file are exact: 0.002 stays 0.002 even at two places.
    f2 = Formatter(2)
    assert [f2.given(x) for x in (0.002, 0.1, 2.0, 1e-4, -0.5)] == ["0.002", "0.1", "2", "0.0001", "-0.5"]


def test_large_numbers_are_scientific_and_negative_factors_bracketed():
    # A cost that a big descent step blows up: 3.4e30 would need 31 digits at any places.
    assert F3.number(3.4e30) == r"3.40 \times 10^{30}"
    assert F3.shown_value(3.4e30) == Decimal("3.40e30") and F3.quantum(3.4e30) == Fraction(10) ** 28
    assert F3.number(999_999.0) == "999999"  # below a million: as usual
    # A tiny negative factor is bracketed too: 2 * (-6.02 x 10^-5), never 2 * -6.02 x 10^-5.
    assert F3.factor(-6.02e-5) == r"\left(-6.02 \times 10^{-5}\right)"


def test_zero_in_scientific_form_is_just_zero():
    # A nudge that leaves the cost unchanged: Delta C = 0, not 0.00 x 10^0.
    assert F3.scientific(0.0) == "0"


def test_tiny_means_fewer_than_two_significant_digits_after_rounding():
    f2 = Formatter(2)
    assert f2.number(-0.0999) == "-0.10"  # rounds to -0.10: two significant digits
    assert f2.number(0.0536) == r"5.36 \times 10^{-2}"  # rounds to 0.05: one


@pytest.mark.parametrize("places, values, expected", [
    (1, [0.005], 5),  # 5.00 x 10^-3 on screen: the live number shows 0.00500
    (1, [0.3, -0.7], 1),  # nothing tiny: the lesson's places
    (1, [0.0, 1e-13], 1),  # zero (and float noise around it) is shown as 0, never in scientific form
    (1, [0.009996], 4),  # 1.00 x 10^-2 on screen (the mantissa rounds up): 0.0100
    (3, [0.5, 0.0004], 6),  # 4.00 x 10^-4: 0.000400
    (2, [-0.0536, 0.2], 4),  # -5.36 x 10^-2: -0.0536
])
def test_live_places_keep_a_tiny_values_three_digits(places, values, expected):
    assert Formatter(places).live_places(values) == expected


@given(st.integers(1, 6), st.floats(1e-9, 1.0) | st.floats(-1.0, -1e-9))
def test_a_live_number_shows_the_digits_of_the_scientific_form(places, x):
    fmt = Formatter(places)
    text = fmt.fixed(x, fmt.live_places([x]))
    if fmt.is_tiny(x):
        # three significant digits, as the scientific form has, and not a digit more; rounded
        # (within half a unit of the last place shown)
        assert len(text.lstrip("-").replace(".", "").lstrip("0")) == 3
        shown = Decimal(text)
        assert abs(shown - Decimal(repr(x))) <= Decimal(1).scaleb(shown.as_tuple().exponent) / 2
    else:
        assert text == fmt.fixed(x)
