"""An independent reader of the numbers on screen, for the tests: TeX -> fractions.Fraction.

It shares no code with mathcore (not its formatter, not its TeX reader, not sympy): it reads the
TeX the video shows, as a viewer would, and evaluates the plugged-in numbers exactly. What it
reads: decimal numbers, scientific form ``m \\times 10^{e}``, ``\\cdot``, ``+``, ``-``, parentheses
(``\\left( \\right)`` too), ``^2``, ``\\frac{p}{q}`` with integer ``p`` and ``q``, a coefficient before
parentheses, and ``\\sigma\\left(x\\right)`` (evaluated in floating point by the activation named).

A shown number also says how far it can be from the value it stands for: a number with as many
decimals as the lesson shows (``0.296`` at 3 places) is rounded (half a unit either way); one with
fewer (``0.5``, ``3``) is exact (the formatter drops trailing zeros only from exact values); a
number in scientific form keeps three significant digits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

TOKEN = re.compile(r"\\left|\\right|\\cdot|\\times|\\frac|\\sigma|\\approx|\d+(?:\.\d+)?|[-+()^{}=]|\S")
SQUISHES = {
    "identity": lambda x: x,
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "tanh": math.tanh,
    "relu": lambda x: max(0.0, x),
}


@dataclass(frozen=True)
class Value:
    """A number read from TeX: exact where the TeX is, an interval of what it can stand for."""

    exact: Fraction | float
    low: Fraction | float
    high: Fraction | float


def half_unit(text: str, places: int) -> Fraction:
    """How far a number shown as ``text`` (fixed form) can be from its value."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return Fraction(1, 2 * 10**decimals) if decimals >= places else Fraction(0)


def read_number(tex: str, places: int) -> tuple[Fraction, Fraction]:
    """A lone shown number (fixed or scientific form): its value as shown and its half unit."""
    m = re.fullmatch(r"\s*([-+]?\d+(?:\.\d+)?)\s*\\times\s*10\^\{(-?\d+)\}\s*", tex)
    if m:
        mantissa, exponent = m.group(1), int(m.group(2))
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        scale = Fraction(10) ** exponent
        return Fraction(mantissa) * scale, Fraction(1, 2 * 10**decimals) * scale
    text = tex.strip().replace("{", "").replace("}", "")
    if not re.fullmatch(r"[-+]?\d+(?:\.\d+)?", text):
        raise ValueError(f"not a lone number: {tex!r}")
    return Fraction(text), half_unit(text.lstrip("+-"), places)


def is_numeric(tex: str) -> bool:
    """Whether a side of an equation is made of numbers only (no letters but the commands read here)."""
    stripped = re.sub(r"\\(left|right|cdot|times|frac|sigma)", "", tex)
    return bool(re.search(r"\d", stripped)) and not re.search(r"[A-Za-z\\']", stripped)


def split_sides(tex: str) -> tuple[list[str], list[str]]:
    """An equation's sides and relations (``=`` or ``\\approx``), split at the top level."""
    sides, relations, depth, start = [], [], 0, 0
    for m in re.finditer(r"\\left|\\right|[{}]|\\approx|=", tex):
        t = m.group()
        if t in ("\\left", "{"):
            depth += 1
        elif t in ("\\right", "}"):
            depth -= 1
        elif depth == 0:
            sides.append(tex[start:m.start()])
            relations.append("=" if t == "=" else r"\approx")
            start = m.end()
    sides.append(tex[start:])
    return [s.strip() for s in sides], relations


class Reader:
    """Evaluates a numbers side: ``Reader(tex, places, activation).value()``."""

    def __init__(self, tex: str, places: int, activation: str = "identity") -> None:
        self.tokens = TOKEN.findall(tex)
        self.pos = 0
        self.places = places
        self.squish = SQUISHES[activation]
        self.tex = tex

    def value(self) -> Value:
        v = self.sum()
        if self.pos != len(self.tokens):
            raise ValueError(f"unread TeX after token {self.pos} in {self.tex!r}")
        return v

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise ValueError(f"expected {expected!r}, found {tok!r} in {self.tex!r}")
        self.pos += 1
        return tok

    def sum(self) -> Value:
        v = self.product()
        while self.peek() in ("+", "-"):
            sign = self.take()
            w = self.product()
            v = _add(v, w) if sign == "+" else _add(v, _neg(w))
        return v

    def product(self) -> Value:
        if self.peek() == "-":
            self.take()
            return _neg(self.product())
        v = self.power()
        while self.peek() in ("\\cdot", "\\left", "(", "\\sigma", "\\frac"):
            if self.peek() == "\\cdot":
                self.take()
            v = _mul(v, self.power())
        return v

    def power(self) -> Value:
        v = self.atom()
        if self.peek() == "^":
            self.take()
            braced = self.peek() == "{"
            if braced:
                self.take("{")
            n = int(self.take())
            if braced:
                self.take("}")
            result = Value(Fraction(1), Fraction(1), Fraction(1))
            for _ in range(n):
                result = _mul(result, v)
            if n % 2 == 0 and v.low < 0 < v.high:  # an even power of an interval around 0
                result = Value(result.exact, Fraction(0), result.high)
            return result
        return v

    def atom(self) -> Value:
        tok = self.peek()
        if tok in ("\\left", "("):
            return self.parenthesised()
        if tok == "\\frac":
            self.take()
            p, q = self.group_int(), self.group_int()
            x = Fraction(p, q)
            return Value(x, x, x)
        if tok == "\\sigma":
            self.take()
            inner = self.parenthesised()
            f = self.squish
            return Value(f(float(inner.exact)), f(float(inner.low)), f(float(inner.high)))
        if tok is not None and re.fullmatch(r"\d+(?:\.\d+)?", tok):
            self.take()
            if self.peek() == "\\times":  # scientific form: m \times 10^{e}
                self.take()
                assert self.take() == "10"
                self.take("^")
                self.take("{")
                sign = -1 if self.peek() == "-" else 1
                if sign < 0:
                    self.take()
                e = sign * int(self.take())
                self.take("}")
                decimals = len(tok.split(".")[1]) if "." in tok else 0
                x, h = Fraction(tok) * Fraction(10) ** e, Fraction(1, 2 * 10**decimals) * Fraction(10) ** e
            else:
                x, h = Fraction(tok), half_unit(tok, self.places)
            return Value(x, x - h, x + h)
        raise ValueError(f"cannot read {tok!r} in {self.tex!r}")

    def parenthesised(self) -> Value:
        if self.peek() == "\\left":
            self.take()
            self.take("(")
            v = self.sum()
            self.take("\\right")
            self.take(")")
            return v
        self.take("(")
        v = self.sum()
        self.take(")")
        return v

    def group_int(self) -> int:
        self.take("{")
        n = int(self.take())
        self.take("}")
        return n


def _neg(v: Value) -> Value:
    return Value(-v.exact, -v.high, -v.low)


def _add(a: Value, b: Value) -> Value:
    return Value(a.exact + b.exact, a.low + b.low, a.high + b.high)


def _mul(a: Value, b: Value) -> Value:
    ends = [a.low * b.low, a.low * b.high, a.high * b.low, a.high * b.high]
    return Value(a.exact * b.exact, min(ends), max(ends))


def round_half_away(x: Fraction | float, quantum: Fraction) -> Fraction:
    """``x`` rounded half away from zero to a multiple of ``quantum``."""
    steps = Fraction(x) / quantum
    n = math.floor(abs(steps) + Fraction(1, 2))
    return (n if steps >= 0 else -n) * quantum
