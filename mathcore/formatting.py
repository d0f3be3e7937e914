"""One rule for how every number appears on screen.

The lesson shows ``places`` decimals (3 by default), rounded half away from zero. A value that
rounding leaves unchanged is written without trailing zeros (``0.5``, ``3``); a rounded one keeps
all its places (``0.200``, ``-0.280``), so the viewer can tell them apart. Live displays ask for a
fixed width (:meth:`Formatter.fixed`) so that their digits do not jitter. A rounded value that
would keep fewer than two significant digits is written in scientific form with three
(``4.12 \\times 10^{-3}``, ``1.10 \\times 10^{-6}``), and so is a value of a million or more
(``2.22 \\times 10^{25}``). Math mode sets the hyphen as a minus sign.

Honest rounding: wherever shown numbers are plugged into a formula and set against a shown
result, the relation is ``=`` only if the shown numbers, evaluated exactly, round to the shown
result (to its own places); otherwise it is ``\\approx`` (:meth:`Formatter.relation`). Every such
line is built through that one method, never with a hand-written ``=``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import sympy as sp


EXACT = 1e-12  # relative: a value this close to its rounding is that number, exactly (float noise)
LARGE = 1e6  # from here on, numbers are shown in scientific form


def round_half_away(value: sp.Basic, quantum: Fraction) -> sp.Rational:
    """``value`` (exact, or any real sympy expression) rounded half away from zero to a multiple
    of ``quantum``; exact for rationals, correct for transcendental values (no ties there)."""
    q = sp.Rational(quantum.numerator, quantum.denominator)
    steps = value / q
    return sp.sign(steps) * sp.floor(abs(steps) + sp.Rational(1, 2)) * q


@dataclass(frozen=True)
class Num:
    """One number as shown: the value it stands for, its TeX, the exact value of the digits shown,
    and how far that can be from the value (half a unit in the last place shown; 0 for a number
    shown exactly)."""

    value: float
    tex: str
    shown: Fraction
    half_unit: Fraction


@dataclass(frozen=True)
class Formatter:
    """Formats numbers for the screen; ``places`` comes from the lesson file."""

    places: int = 3

    def rounded(self, x: float, places: int | None = None) -> Decimal:
        """``x`` rounded half away from zero, as an exact decimal."""
        p = self.places if places is None else places
        with localcontext() as context:
            context.prec = 400  # enough digits for any float, at any places
            return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-p), rounding=ROUND_HALF_UP)

    def is_exact(self, x: float) -> bool:
        """Whether rounding to the shown places leaves ``x`` unchanged (to floating-point noise,
        :data:`EXACT`, absolute below 1: a value under 1e-12 is taken for a 0 that float
        arithmetic missed, and shows as ``0``)."""
        return abs(float(self.rounded(x)) - x) <= EXACT * max(1.0, abs(x))

    def is_tiny(self, x: float) -> bool:
        """Whether rounded ``x`` would keep fewer than two significant digits (``0.0536`` at two
        places is ``0.05``: tiny; ``-0.0999`` is ``-0.10``: not)."""
        return not self.is_exact(x) and abs(self.rounded(x)) < Decimal(10) ** (1 - self.places)

    def is_scientific(self, x: float) -> bool:
        """Whether ``x`` is shown in scientific form: tiny, or a million or more."""
        return self.is_tiny(x) or abs(x) >= LARGE

    def number(self, x: float) -> str:
        """``x`` for the screen (see the module docstring for the rule)."""
        if not math.isfinite(x):
            raise ValueError(f"cannot show {x} on screen")
        if self.is_scientific(x):
            return self.scientific(x)
        if self.is_exact(x):
            d = self.rounded(x)
            return format(d.normalize(), "f") if d != 0 else "0"
        return self.fixed(x)

    def given(self, x: float) -> str:
        """A number typed in the lesson file (a nudge ``h``), shown exactly as typed: ``0.002``.

        Inputs are exact by definition, so they are never rounded or put in scientific form.
        """
        text = format(Decimal(repr(float(x))).normalize(), "f")
        return "0" if text in ("-0", "0") else text

    def fixed(self, x: float, places: int | None = None) -> str:
        """``x`` with exactly ``places`` decimals (live numbers keep their width)."""
        d = self.rounded(x, places)
        if d == 0:
            d = abs(d)  # never show -0.000
        return format(d, "f")

    def live_places(self, values: Iterable[float]) -> int:
        """The places a live number needs to run through ``values`` (its start and end): the
        lesson's, or more where one of them is shown in scientific form because it is tiny, so
        that it keeps the three significant digits it has there (``0.00500``, not ``0.0`` beside
        ``5.00 \\times 10^{-3}``). A live number keeps one width, so it cannot switch form."""
        places = self.places
        for x in values:
            if self.is_tiny(x):
                places = max(places, 2 - math.floor(math.log10(abs(float(f"{x:.2e}")))))
        return places

    def signed(self, x: float) -> str:
        """``x`` with an explicit sign: ``+0.03``."""
        text = self.number(x)
        return text if text.startswith("-") or text == "0" else "+" + text

    def scientific(self, x: float, digits: int = 3) -> str:
        """``x`` as ``m \\times 10^{e}`` with ``digits`` significant digits (0 is ``0``)."""
        if x == 0:
            return "0"
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"

    def factor(self, x: float) -> str:
        """``x`` as a factor in a product: negative numbers in parentheses."""
        text = self.number(x)
        return rf"\left({text}\right)" if text.startswith("-") else text

    def shown_value(self, x: float) -> Decimal:
        """The exact value of what :meth:`number` shows (scientific form: its 3 digits)."""
        if self.is_scientific(x):
            return Decimal(f"{x:.2e}")
        return self.rounded(x)

    def quantum(self, x: float) -> Fraction:
        """The unit in the last place of ``x`` as shown: ``10^-places``, or for scientific form
        the last of its three significant digits."""
        if self.is_scientific(x):
            exponent = int(f"{x:.2e}".split("e")[1])
            return Fraction(10) ** (exponent - 2)
        return Fraction(10) ** -self.places

    def num(self, x: float) -> Num:
        """``x`` as :meth:`number` shows it, with the exact value of its digits."""
        shown = Fraction(self.shown_value(x))
        exact = self.is_exact(x) and not self.is_scientific(x)
        return Num(float(x), self.number(x), shown, Fraction(0) if exact else self.quantum(x) / 2)

    def given_num(self, x: float) -> Num:
        """A number typed in the lesson file, shown as typed (:meth:`given`): exact."""
        return Num(float(x), self.given(x), Fraction(Decimal(repr(float(x)))), Fraction(0))

    def relation(self, evaluated: sp.Basic | Fraction | Decimal | int, result: float) -> str:
        """``=`` if ``evaluated`` (the shown numbers of a line, evaluated exactly) rounds, to the
        places of ``result`` as shown, to exactly the shown ``result``; else ``\\approx``."""
        value = sp.Rational(str(evaluated)) if isinstance(evaluated, (Fraction, Decimal)) else sp.sympify(evaluated)
        shown = round_half_away(value, self.quantum(result)) == sp.Rational(str(self.shown_value(result)))
        return "=" if shown else r"\approx"
