"""One rule for how every number appears on screen.

The lesson shows ``places`` decimals (3 by default), rounded half away from zero. A value that
rounding leaves unchanged is written without trailing zeros (``0.5``, ``3``); a rounded one keeps
all its places (``0.200``, ``-0.280``), so the viewer can tell them apart. Live displays ask for a
fixed width (:meth:`Formatter.fixed`) so that their digits do not jitter. A rounded value that
would keep fewer than two significant digits is written in scientific form with three
(``4.12 \\times 10^{-3}``, ``1.10 \\times 10^{-6}``). Math mode sets the hyphen as a minus sign.

Honest rounding: when a product of shown factors is set equal to a shown result, the relation is
``=`` only if the factors, as shown, multiply to the result as shown; otherwise it is ``\\approx``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class ProductDisplay:
    """A product as shown: ``factors`` joined by ``\\cdot``, then ``relation`` and ``result``."""

    factors: tuple[str, ...]
    relation: str  # "=" or r"\approx"
    result: str


@dataclass(frozen=True)
class Formatter:
    """Formats numbers for the screen; ``places`` comes from the lesson file."""

    places: int = 3

    def rounded(self, x: float, places: int | None = None) -> Decimal:
        """``x`` rounded half away from zero, as an exact decimal."""
        p = self.places if places is None else places
        return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-p), rounding=ROUND_HALF_UP)

    def is_exact(self, x: float) -> bool:
        """Whether rounding to the shown places leaves ``x`` unchanged."""
        return abs(float(self.rounded(x)) - x) <= 1e-12 * max(1.0, abs(x))

    def is_tiny(self, x: float) -> bool:
        """Whether rounded ``x`` would keep fewer than two significant digits."""
        return not self.is_exact(x) and abs(x) < 10.0 ** (1 - self.places)

    def number(self, x: float) -> str:
        """``x`` for the screen (see the module docstring for the rule)."""
        if not math.isfinite(x):
            raise ValueError(f"cannot show {x} on screen")
        if self.is_tiny(x):
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

    def signed(self, x: float) -> str:
        """``x`` with an explicit sign: ``+0.03``."""
        text = self.number(x)
        return text if text.startswith("-") or text == "0" else "+" + text

    def scientific(self, x: float, digits: int = 3) -> str:
        """``x`` as ``m \\times 10^{e}`` with ``digits`` significant digits."""
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"

    def factor(self, x: float) -> str:
        """``x`` as a factor in a product: negative numbers in parentheses."""
        text = self.number(x)
        return rf"\left({text}\right)" if x < 0 and self.rounded(x) != 0 else text

    def shown_value(self, x: float) -> Decimal:
        """The exact value of what :meth:`number` shows (tiny values: their 3 digits)."""
        if self.is_tiny(x):
            return Decimal(f"{x:.2e}")
        return self.rounded(x)

    def product(self, factors: Sequence[float], result: float) -> ProductDisplay:
        """Show ``f1 . f2 ... = result``; ``\\approx`` where rounded factors don't multiply to it."""
        shown = [self.shown_value(f) for f in factors]
        exact_product_of_shown = math.prod(shown, start=Decimal(1))
        relation = "=" if self.shown_value(float(exact_product_of_shown)) == self.shown_value(result) else r"\approx"
        return ProductDisplay(tuple(self.factor(f) for f in factors), relation, self.number(result))
