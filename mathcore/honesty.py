"""Is a line with shown numbers honest? The check behind every ``=`` and ``\\approx`` on screen.

A line such as ``z = w a + b = 1.9 \\cdot 0.48 + 0.2 \\approx 1.12`` has symbolic sides, a side
of shown numbers and a shown result. Each shown number is a placeholder symbol in the line's
sympy side, with its :class:`~mathcore.formatting.Num`: the exact value of its digits and how far
they can be from the value they stand for (half a unit in the last place, 0 if exact). The rules,
for the exact value ``E`` of the line (its symbolic side at the example's inputs):

- symbolic = numbers: ``E`` lies in the interval the shown numbers can stand for (interval
  arithmetic on the shown digits, each widened by its half unit);
- symbolic = result, or numbers ``\\approx`` result: the result is ``E`` correctly rounded (within
  half a unit of its last place);
- numbers ``=`` result: the shown numbers, evaluated exactly, round to exactly the shown result.

This module only judges; :meth:`mathcore.formatting.Formatter.relation` chooses the relation
when the line is built. Intervals are evaluated with 50-digit mpmath numbers: the operations the
lesson's lines use (sums, products, integer powers, reciprocals of positive intervals, and the
increasing functions exp, tanh and max(0, x)) map an interval to the interval of its endpoints.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import mpmath
import sympy as sp

from mathcore.formatting import EXACT, Num, round_half_away

DIGITS = 50
# The formatter calls a float exact when, in float arithmetic, its rounding is within EXACT
# (relative) of it; that test itself is off by a few units in the last place of the float (about
# 1e-16 relative, so 1e-4 of EXACT). The slack is EXACT widened by a thousandth, far more than that:
# whatever the formatter shows as exact, the checks accept as exact too. (A generated lesson drew
# (100 - 0.0001)**2 = 9999.98000001, 1.0e-12 relative from 9999.98: the float test took it for
# exact, and the exact test, at exactly EXACT, did not.)
SLACK_FACTOR = Fraction(1001, 1000)
SLACK = mpmath.mpf(EXACT) * mpmath.mpf(1.001)  # relative

Interval = tuple[mpmath.mpf, mpmath.mpf]


def to_mpf(x: Fraction | sp.Basic | float) -> mpmath.mpf:
    """``x`` as a 50-digit mpmath number."""
    with mpmath.workdps(DIGITS):
        if isinstance(x, Fraction):
            return mpmath.mpf(x.numerator) / x.denominator
        return mpmath.mpf(sp.N(x, DIGITS)) if isinstance(x, sp.Basic) else mpmath.mpf(x)


def interval(expr: sp.Basic, numbers: Mapping[sp.Symbol, Num]) -> Interval:
    """The values ``expr`` can take when each shown number is anywhere within half a unit of its
    digits (exactly its digits when it is shown exactly)."""
    with mpmath.workdps(DIGITS):
        return _interval(expr, numbers)


def _interval(e: sp.Basic, numbers: Mapping[sp.Symbol, Num]) -> Interval:
    if e in numbers:
        n = numbers[e]
        # A number shown exactly is exact to the formatter's float noise (EXACT, absolute below 1):
        # a slope of 5.7e-13 is shown as 0, and stands for it.
        h = n.half_unit or Fraction(EXACT) * SLACK_FACTOR * max(1, abs(n.shown))
        return to_mpf(n.shown - h), to_mpf(n.shown + h)
    if e.is_Number or e.is_NumberSymbol:
        v = to_mpf(e)
        return v, v
    if isinstance(e, sp.Add):
        lo, hi = mpmath.mpf(0), mpmath.mpf(0)
        for arg in e.args:
            a, b = _interval(arg, numbers)
            lo, hi = lo + a, hi + b
        return lo, hi
    if isinstance(e, sp.Mul):
        lo, hi = mpmath.mpf(1), mpmath.mpf(1)
        for arg in e.args:
            a, b = _interval(arg, numbers)
            products = (lo * a, lo * b, hi * a, hi * b)
            lo, hi = min(products), max(products)
        return lo, hi
    if isinstance(e, sp.Pow) and e.exp.is_Integer:
        a, b = _interval(e.base, numbers)
        n = int(e.exp)
        if n < 0:
            if a <= 0 <= b:
                raise ValueError(f"cannot bound {e}: its base may be 0")
            a, b = 1 / b, 1 / a
            n = -n
        ends = (a**n, b**n)
        if n % 2 == 0 and a < 0 < b:
            return mpmath.mpf(0), max(ends)
        return min(ends), max(ends)
    increasing = {sp.exp: mpmath.exp, sp.tanh: mpmath.tanh}
    if e.func in increasing:
        a, b = _interval(e.args[0], numbers)
        f = increasing[e.func]
        return f(a), f(b)
    if isinstance(e, sp.Max):
        ends = [_interval(arg, numbers) for arg in e.args]
        return max(a for a, _ in ends), max(b for _, b in ends)
    raise ValueError(f"cannot bound {e} ({e.func.__name__}): not one of the lesson's operations")


def shown_value(expr: sp.Basic, numbers: Mapping[sp.Symbol, Num]) -> sp.Basic:
    """``expr`` with each shown number replaced by the exact value of its digits."""
    return expr.xreplace({s: sp.Rational(n.shown.numerator, n.shown.denominator) for s, n in numbers.items()})


def contains(bounds: Interval, exact: mpmath.mpf) -> bool:
    lo, hi = bounds
    slack = SLACK * max(mpmath.mpf(1), abs(exact))
    return lo - slack <= exact <= hi + slack


def correctly_rounded(result: Num, exact: mpmath.mpf) -> bool:
    """Whether ``result`` shows ``exact`` rounded: within half a unit of its last place."""
    with mpmath.workdps(DIGITS):
        slack = SLACK * max(mpmath.mpf(1), abs(exact))
        return abs(exact - to_mpf(result.shown)) <= to_mpf(result.half_unit) + slack


def rounds_to(evaluated: sp.Basic, result: Num, quantum: Fraction) -> bool:
    """Whether ``evaluated`` (exact), rounded half away from zero to ``quantum``, is exactly the
    shown ``result``."""
    return round_half_away(evaluated, quantum) == sp.Rational(result.shown.numerator, result.shown.denominator)
