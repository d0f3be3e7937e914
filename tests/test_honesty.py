"""Lines with shown numbers: the check behind every ``=`` and ``\\approx`` (mathcore.honesty).

Expected values are worked by hand in the comments; mutations show that a wrong relation, a
wrong result and a wrong plugged-in number each fail the equation's check.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from mathcore import honesty
from mathcore.equations import Equation
from mathcore.formatting import Num
from mathcore.model import LessonModel


def num(tex: str, half_unit: str = "0") -> Num:
    return Num(float(tex), tex, Fraction(tex), Fraction(half_unit))


def test_interval_of_a_product_and_a_sum_by_hand():
    x, y, z = sp.symbols("x y z")
    numbers = {x: num("2.5"), y: num("0.318", "0.0005"), z: num("-0.5")}
    lo, hi = honesty.interval(x * y + z, numbers)
    # 2.5 * [0.3175, 0.3185] - 0.5 = [0.29375, 0.29625], each exact number widened by the
    # formatter's float noise (1e-12, relative above 1) and a thousandth more (the float test's own
    # error): 2.5 +- 2.5025e-12 and -0.5 +- 1.001e-12.
    assert float(lo) == pytest.approx((2.5 - 2.5025e-12) * 0.3175 - 0.5 - 1.001e-12, abs=1e-16)
    assert float(hi) == pytest.approx((2.5 + 2.5025e-12) * 0.3185 - 0.5 + 1.001e-12, abs=1e-16)


def test_interval_of_a_square_that_straddles_zero():
    x = sp.Symbol("x")
    lo, hi = honesty.interval((x - sp.Rational(1, 100)) ** 2, {x: num("0.01", "0.005")})
    # [0.005, 0.015] - 0.01 = [-0.005, 0.005], squared: [0, 0.000025]
    assert lo == 0 and float(hi) == pytest.approx(2.5e-5, rel=1e-12)


def test_interval_through_the_squishes_is_the_interval_of_the_ends():
    x = sp.Symbol("x")
    n = {x: num("1.12", "0.005")}
    for f, g in ((lambda t: 1 / (1 + sp.exp(-t)), lambda t: 1 / (1 + mpmath.exp(-t))), (sp.tanh, mpmath.tanh),
                 (lambda t: sp.Max(0, t), lambda t: max(0, t))):
        lo, hi = honesty.interval(f(x), n)
        assert float(lo) == pytest.approx(float(g(mpmath.mpf("1.115")))) and float(hi) == pytest.approx(
            float(g(mpmath.mpf("1.125"))))


def test_honest_approx_lines_from_the_issue_are_accepted():
    # 2.57 * (-2.2) * 1.8 * 1.4 = -14.24808 with the shown factors; the exact product -14.259
    # shows as -14.26 (two places). The shown factors can stand for anything in
    # [2.565, 2.575] * [-2.205, -2.195] * [1.795, 1.805] * [1.395, 1.405], which holds -14.259.
    a, b, c, d = sp.symbols("a b c d")
    h = "0.005"
    numbers = {a: num("2.57", h), b: num("-2.2", h), c: num("1.8", h), d: num("1.4", h)}
    exact = mpmath.mpf("-14.259")
    assert honesty.contains(honesty.interval(a * b * c * d, numbers), exact)
    assert honesty.correctly_rounded(num("-14.26", h), exact)
    assert not honesty.rounds_to(honesty.shown_value(a * b * c * d, numbers), num("-14.26", h), Fraction(1, 100))
    # 2.64 * 1 * 0.35 = 0.924 -> 0.92, but the exact 0.9126 shows as 0.91: approx, and honest.
    numbers = {a: num("2.64", h), b: num("1"), c: num("0.35", h)}
    assert honesty.contains(honesty.interval(a * b * c, numbers), mpmath.mpf("0.9126"))


def test_dishonest_numbers_are_caught():
    x = sp.Symbol("x")
    # 0.30 can stand for [0.295, 0.305]: not for 0.31.
    assert not honesty.contains(honesty.interval(x, {x: num("0.30", "0.005")}), mpmath.mpf("0.31"))
    # 0.296 is not 0.2951 rounded.
    assert not honesty.correctly_rounded(num("0.296", "0.0005"), mpmath.mpf("0.2951"))


# -- whole equations: the check catches each mutation ----------------------------------------------
def _mutated(eq: Equation, parts: dict[str, str] | None = None, numbers: dict | None = None) -> Equation:
    new_parts = tuple((k, (parts or {}).get(k, t)) for k, t in eq.parts)
    instances = tuple(dataclasses.replace(inst, numbers={**inst.numbers, **(numbers or {})}) for inst in eq.instances)
    return dataclasses.replace(eq, parts=new_parts, instances=instances, _cache={})


def _placeholder(eq: Equation, tex: str) -> sp.Symbol:
    (inst,) = eq.instances
    (sym,) = [s for s, n in inst.numbers.items() if n.tex == tex]
    return sym


def test_beat_12_weighted_input_says_approx_and_each_mutation_fails(model: LessonModel):
    eq = model.beat("weighted_input").equations["z"]
    # 2.5 * 0.318 + (-0.5) = 0.295, but z = 0.29577... shows as 0.296: the line must say approx.
    assert eq.tex.endswith(r"2.5 \cdot 0.318 + \left(-0.5\right) \approx 0.296")
    assert eq.check().ok, eq.check().detail
    claims_equal = _mutated(eq, {"eq3": "="}).check()
    assert not claims_equal.holds and "do not round" in claims_equal.detail
    # A result that is not z rounded, in the TeX and in the number behind it.
    result = _placeholder(eq, "0.296")
    wrong_result = _mutated(eq, {"value": "0.297"}, {result: num("0.297", "0.0005")}).check()
    assert not wrong_result.holds and "not" in wrong_result.detail
    # A wrong plugged-in weight: in the TeX alone, the TeX no longer says what the model means...
    assert not _mutated(eq, {"w_value": "2.6"}).check().agrees
    # ...and in both, the numbers cannot stand for z.
    weight = _placeholder(eq, "2.5")
    wrong_weight = _mutated(eq, {"w_value": "2.6"}, {weight: num("2.6")}).check()
    assert wrong_weight.agrees and not wrong_weight.holds and "cannot stand for" in wrong_weight.detail


def test_an_honest_equals_is_kept_and_a_needless_approx_is_still_honest(model: LessonModel):
    eq = model.beat("forward_pass").equations["cost"]
    assert eq.tex.endswith(r"\left(3 - 2\right)^2 = 1")  # (3 - 2)^2 = 1 exactly
    assert eq.check().ok
    assert _mutated(eq, {"eq3": r"\approx"}).check().ok


def test_a_number_shown_exactly_stands_for_its_float_noise_too():
    # A tanh slope of 5.7e-13 is shown as 0 (the formatter calls anything within 1e-12 of its
    # rounding exact), so 0.905 * 0 * 1.8 can stand for the true product 1.04e-12; it cannot for 1e-9.
    a, b, c = sp.symbols("a b c")
    numbers = {a: num("0.905", "0.0005"), b: num("0"), c: num("1.8")}
    bounds = honesty.interval(a * b * c, numbers)
    assert honesty.contains(bounds, mpmath.mpf("1.04e-12"))
    assert not honesty.contains(bounds, mpmath.mpf("1e-9"))
