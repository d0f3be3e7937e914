"""Read the lesson's own TeX back into sympy, so that tests can prove TeX and maths agree.

On-screen TeX is written by hand for readability (sympy's ``latex()`` reorders terms). To
prove that what the viewer reads is what sympy derived, this module parses that TeX, in the
lesson's notation only, into sympy objects built by :mod:`mathcore.notation`. It knows:

* symbols: ``a^{(L-1)}_k``, ``z^{(l)}_j``, ``w^{(L)}_{jk}``, ``W^{(l)}``, ``b^{(L)}``,
  ``\\delta^{(l)}_j``, ``y_j``, ``C_0``, ``C_i``, ``C``, ``a_3`` (Part 1's layer subscripts),
  ``n``, ``n_L`` (sizes) and single letters such as ``x``;
* ``\\frac{\\partial X}{\\partial Y}`` and ``\\frac{dX}{dY}`` (derivative symbols), other
  ``\\frac{p}{q}``, ``\\sigma(...)``, ``\\sigma'(...)``, powers, ``^T`` (transpose);
* products by juxtaposition, ``\\cdot``, ``\\times`` and ``\\odot`` (elementwise), sums
  ``\\sum_{j}`` or ``\\sum_{j=0}^{n_L-1}`` (expanded over the index's concrete range),
  ``\\nabla C``, ``\\nabla_a C_0``, ``bmatrix`` columns, ``=`` and ``\\approx``;
* a two-case step, ``\\begin{cases} p & x > 0 \\\\ q & x < 0 \\end{cases}`` (ReLU's slope), read
  as ``p H(x) + q (1 - H(x))`` with sympy's ``Heaviside`` ``H``: equal to the TeX wherever the
  TeX defines it (``x != 0``); at the kink itself the TeX says nothing, and ``H(0) = 0``, the
  lesson's convention for a derivative at a kink (``mathcore.functions.at_kink_zero``).

Index letters (``j``, ``k``, ``i``) and the layer letter ``l`` are bound to numbers by the
caller; a free letter that is not bound is an error, which is how tests catch a ``j`` written
where a ``k`` was meant.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp
from sympy.matrices.exceptions import ShapeError

from mathcore import notation as nt


class TexParseError(ValueError):
    """TeX outside the lesson's notation, or an unbound index letter."""


_TOKEN = re.compile(
    r"\\begin\{(?:bmatrix|cases)\}|\\end\{(?:bmatrix|cases)\}|\\\\|\\[a-zA-Z]+|\\[,;!: ]|\d+(?:\.\d+)?|\S",
)
_SPACING = {r"\,", r"\;", r"\!", r"\:", "\\ ", r"\quad", r"\qquad"}
_STOP = {"+", "-", "=", r"\approx", ")", r"\right", "}", "\\\\", r"\end{bmatrix}", r"\end{cases}", "]", "&", "<", ">",
         None}
_PRODUCT_OPS = {r"\cdot", r"\times", r"\odot"}
_FUNCTIONS = {r"\sin": sp.sin, r"\cos": sp.cos, r"\exp": sp.exp}
_LAYER = re.compile(r"^(L|l|\d+)(?:([+-])(\d+))?$")


@dataclass
class Scope:
    """What the TeX's letters mean: the network, the squish and bound index letters.

    Attributes
    ----------
    notation:
        Symbols of the network the equation is about.
    sizes:
        Neurons per layer, ``sizes[l] = n_l``.
    squish:
        ``sigma`` as a function of a sympy expression.
    squish_prime:
        ``sigma'`` likewise.
    examples:
        ``n``, the number of training examples.
    vectors:
        Whether ``a^{(l)}`` without an index is the whole layer (a column ``Matrix``) rather
        than a chain's single neuron.
    bindings:
        Index letters bound to numbers (``{"j": 1, "k": 0, "l": 2}``).
    ranges:
        For each summation letter, how many values it takes when ``\\sum`` gives no bounds.
    gradient:
        The parameters listed by ``\\nabla C``, in order.
    """

    notation: nt.Notation
    sizes: tuple[int, ...]
    squish: Callable[[sp.Expr], sp.Expr]
    squish_prime: Callable[[sp.Expr], sp.Expr]
    examples: int = 1
    vectors: bool = False
    bindings: dict[str, int] = field(default_factory=dict)
    ranges: dict[str, int] = field(default_factory=dict)
    gradient: tuple[sp.Symbol, ...] = ()

    def bound(self, **more: int) -> Scope:
        return Scope(
            self.notation, self.sizes, self.squish, self.squish_prime, self.examples, self.vectors,
            {**self.bindings, **more}, self.ranges, self.gradient,
        )


@dataclass(frozen=True)
class Parsed:
    """An equation read from TeX: its sides and the relations between them."""

    sides: tuple[sp.Basic, ...]
    relations: tuple[str, ...]  # "=" or "approx", one fewer than sides


def parse(tex: str, scope: Scope) -> Parsed:
    """Parse one equation (or a lone expression) written in the lesson's notation."""
    return _Parser(tex, scope).equation()


class _Parser:
    def __init__(self, tex: str, scope: Scope) -> None:
        self.tex = tex
        self.tokens = [t for t in _TOKEN.findall(tex) if t not in _SPACING]
        self.pos = 0
        self.scope = scope

    # -- token helpers ---------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> str | None:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            want = expected or "more"
            raise self.error(f"expected {want!r}, found {tok!r}")
        self.pos += 1
        return tok

    def accept(self, tok: str) -> bool:
        if self.peek() == tok:
            self.pos += 1
            return True
        return False

    def error(self, message: str) -> TexParseError:
        return TexParseError(f"{message} at token {self.pos} in {self.tex!r}")

    def group_text(self) -> str:
        """The raw tokens of a ``{...}`` group (or a single token), joined."""
        if not self.accept("{"):
            return self.take()
        depth, out = 1, []
        while True:
            tok = self.take()
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
                if depth == 0:
                    return "".join(out)
            out.append(tok)

    # -- grammar -----------------------------------------------------------------------------
    def equation(self) -> Parsed:
        sides = [self.expression()]
        relations = []
        while self.peek() in ("=", r"\approx"):
            relations.append("=" if self.take() == "=" else "approx")
            sides.append(self.expression())
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek()!r}")
        return Parsed(tuple(sides), tuple(relations))

    def expression(self) -> sp.Basic:
        sign = 1
        if self.peek() in ("+", "-"):
            sign = 1 if self.take() == "+" else -1
        total = sign * self.product()
        while self.peek() in ("+", "-"):
            sign = 1 if self.take() == "+" else -1
            total = total + sign * self.product()
        return total

    def product(self) -> sp.Basic:
        result = self.power()
        while self.peek() not in _STOP and self.peek() != "&":
            op = self.take() if self.peek() in _PRODUCT_OPS else ""
            right = self.power()
            try:
                result = _elementwise(result, right) if op == r"\odot" else _times(result, right)
            except (ShapeError, TypeError) as e:
                raise self.error(f"sizes do not match: {e}") from None
        return result

    def power(self) -> sp.Basic:
        base = self.primary()
        while self.peek() == "^":
            self.take()
            exponent = self.group_text()
            if exponent in ("T", r"\top", r"\mathsf{T}", r"\mathsfT"):
                base = base.T
            else:
                base = base ** self._number_text(exponent)
        return base

    def _number_text(self, text: str) -> sp.Basic:
        sub = _Parser(text, self.scope)
        value = sub.expression()
        if sub.peek() is not None:
            raise self.error(f"cannot read exponent {text!r}")
        return value

    def primary(self) -> sp.Basic:
        tok = self.peek()
        if tok is None:
            raise self.error("expression ended early")
        if re.fullmatch(r"\d+(?:\.\d+)?", tok):
            self.take()
            return sp.Rational(tok)
        if tok in ("(", r"\left"):
            return self.parenthesised()
        if tok == "{":
            self.take()
            inner = self.expression()
            self.take("}")
            return inner
        if tok == r"\frac":
            return self.fraction()
        if tok == r"\sum":
            return self.summation()
        if tok == r"\sigma":
            return self.squish()
        if tok in _FUNCTIONS:
            self.take()
            return _FUNCTIONS[tok](self.parenthesised())
        if tok == r"\nabla":
            return self.nabla()
        if tok == r"\begin{bmatrix}":
            return self.column()
        if tok == r"\begin{cases}":
            return self.cases()
        return self.symbol()

    def parenthesised(self) -> sp.Basic:
        if self.accept(r"\left"):
            self.take("(")
            inner = self.expression()
            self.take(r"\right")
            self.take(")")
            return inner
        self.take("(")
        inner = self.expression()
        self.take(")")
        return inner

    def fraction(self) -> sp.Basic:
        self.take(r"\frac")
        start = self.pos
        num_text, den_text = self.group_text(), self.group_text()
        for d in (r"\partial", "d"):
            if num_text.startswith(d) and den_text.startswith(d) and len(num_text) > len(d):
                self.pos = start
                return self._derivative(d)
        self.pos = start
        self.take("{")
        num = self.expression()
        self.take("}")
        self.take("{")
        den = self.expression()
        self.take("}")
        return num / den

    def _derivative(self, d: str) -> sp.Basic:
        self.take("{")
        self.take(d)
        num = self.primary()
        self.take("}")
        self.take("{")
        self.take(d)
        den = self.primary()
        self.take("}")
        upright = d == "d"
        if isinstance(num, sp.MatrixBase) and isinstance(den, sp.MatrixBase):
            raise self.error("a derivative of a vector by a vector is not in the lesson")
        if isinstance(den, sp.MatrixBase):
            return den.applyfunc(lambda s: nt.partial(num, s, upright=upright))
        if isinstance(num, sp.MatrixBase):
            return num.applyfunc(lambda s: nt.partial(s, den, upright=upright))
        if not isinstance(num, sp.Symbol) or not isinstance(den, sp.Symbol):
            raise self.error("a derivative must be of a symbol by a symbol")
        return nt.partial(num, den, upright=upright)

    def summation(self) -> sp.Basic:
        self.take(r"\sum")
        self.take("_")
        sub = self.group_text()
        letter, _, lower_text = sub.partition("=")
        if len(letter) != 1 or not letter.isalpha():
            raise self.error(f"cannot read summation index {sub!r}")
        if self.peek() == "^":
            self.take()
            upper = int(self._number_text(self.group_text()))
            lower = int(self._number_text(lower_text)) if lower_text else 0
            values = range(lower, upper + 1)
        else:
            if lower_text:
                raise self.error("a lower bound needs an upper bound")
            if letter not in self.scope.ranges:
                raise self.error(f"no range known for summation index {letter!r}")
            values = range(self.scope.ranges[letter])
        if letter in self.scope.bindings:
            raise self.error(f"summation index {letter!r} is already bound (indices collide)")
        start, outer = self.pos, self.scope
        terms = []
        for v in values:
            self.pos, self.scope = start, outer.bound(**{letter: v})
            terms.append(self.product())
        self.scope = outer
        if not terms:
            raise self.error("empty sum")
        return sum(terms[1:], terms[0])

    def squish(self) -> sp.Basic:
        self.take(r"\sigma")
        fn = self.scope.squish_prime if self.accept("'") else self.scope.squish
        arg = self.parenthesised()
        if isinstance(arg, sp.MatrixBase):
            return arg.applyfunc(fn)
        return fn(arg)

    def nabla(self) -> sp.Basic:
        self.take(r"\nabla")
        if self.accept("_"):
            wrt = self.group_text()
            if wrt != "a":
                raise self.error(f"unknown gradient \\nabla_{wrt}")
            cost = self.symbol()
            L = self.scope.notation.depth
            return sp.Matrix([nt.partial(cost, self.scope.notation.a(L, j)) for j in range(self.scope.sizes[L])])
        cost = self.symbol()
        if not self.scope.gradient:
            raise self.error("no parameters known for \\nabla")
        return sp.Matrix([nt.partial(cost, p) for p in self.scope.gradient])

    def column(self) -> sp.Basic:
        self.take(r"\begin{bmatrix}")
        rows = [self.expression()]
        while self.accept("\\\\"):
            if self.peek() == r"\end{bmatrix}":
                break
            rows.append(self.expression())
        self.take(r"\end{bmatrix}")
        return sp.Matrix(rows)

    def cases(self) -> sp.Basic:
        """``p & x > 0 \\\\ q & x < 0``, in either order: a step at ``x = 0`` (see the module docstring)."""
        self.take(r"\begin{cases}")
        values: dict[str, sp.Basic] = {}
        points = []
        while True:
            value = self.expression()
            self.take("&")
            left = self.expression()
            side = self.take()
            if side not in (">", "<"):
                raise self.error(f"expected a condition with > or <, found {side!r}")
            right = self.expression()
            if side in values:
                raise self.error(f"two cases with {side}")
            values[side] = value
            points.append(left - right)
            if not self.accept("\\\\"):
                break
        self.take(r"\end{cases}")
        if set(values) != {">", "<"} or points[0] != points[1]:
            raise self.error("only a two-case step (x > c and x < c) is in the lesson")
        step = sp.Heaviside(points[0], 0)  # the step is 0 at the kink, as the lesson's derivatives
        return values[">"] * step + values["<"] * (1 - step)

    # -- symbols -------------------------------------------------------------------------------
    def symbol(self) -> sp.Basic:
        tok = self.take()
        letter = tok
        if letter not in ("a", "z", "w", "b", "W", r"\delta", "y", "C", "n") and not (
            len(letter) == 1 and letter.isalpha()
        ):
            raise self.error(f"unknown symbol {letter!r}")
        layer = None
        if self.peek() == "^" and self.peek(1) == "{" and self.peek(2) == "(":
            self.take("^")
            text = self.group_text()
            layer = self.layer(text[1:-1])
        index_text = self.group_text() if self.accept("_") else None
        return self.build(letter, layer, index_text)

    def layer(self, text: str) -> int:
        m = _LAYER.match(text)
        if not m:
            raise self.error(f"cannot read layer {text!r}")
        base, sign, offset = m.groups()
        if base == "L":
            value = self.scope.notation.depth
        elif base == "l":
            value = self._bound("l")
        else:
            value = int(base)
        if sign:
            value += int(offset) if sign == "+" else -int(offset)
        if not 0 <= value <= self.scope.notation.depth:
            raise self.error(f"layer {text} is outside 0..{self.scope.notation.depth}")
        return value

    def _bound(self, letter: str) -> int:
        if letter not in self.scope.bindings:
            raise self.error(f"index {letter!r} is not bound here")
        return self.scope.bindings[letter]

    def indices(self, text: str, count: int) -> tuple[int, ...]:
        parts = text.split(",") if "," in text else list(text)
        if len(parts) != count:
            raise self.error(f"expected {count} index(es), got {text!r}")
        return tuple(int(p) if p.isdigit() else self._bound(p) for p in parts)

    def build(self, letter: str, layer: int | None, index_text: str | None) -> sp.Basic:
        s = self.scope
        n = s.notation
        if letter == "n":
            if index_text is None:
                return sp.Integer(s.examples)
            return sp.Integer(s.sizes[self.layer(index_text)])
        if letter == "C":
            if index_text is None:
                return nt.AVERAGE_COST if n.style == "superscript" else n.cost
            (i,) = self.indices(index_text, 1)
            return nt.example_cost(i)
        if letter == "y":
            if index_text is None:
                return sp.Matrix([n.y(j) for j in range(s.sizes[-1])]) if s.vectors else n.y()
            return n.y(*self.indices(index_text, 1))
        quantity = {"a": n.a, "z": n.z, "w": n.w, "W": n.w, "b": n.b, r"\delta": n.delta}.get(letter)
        if quantity is None:
            if index_text is not None or layer is not None:
                raise self.error(f"unknown symbol {letter!r} with an index")
            return nt.symbol(letter)
        if layer is None:
            if index_text is None:
                return nt.symbol(letter)  # a plain z, as in sigma'(z) = sigma(z)(1 - sigma(z))
            # Part 1's chain writes the layer as a subscript: a_3, w_1.
            if n.style != "subscript":
                raise self.error(f"{letter}_{index_text} needs a layer superscript here")
            return quantity(self.indices(index_text, 1)[0])
        count = 2 if letter in ("w", "W") else 1
        if index_text is not None:
            return quantity(layer, *self.indices(index_text, count))
        if letter == "W" or (s.vectors and letter != "w"):
            rows = range(s.sizes[layer])
            if letter == "W":
                return sp.Matrix([[n.w(layer, j, k) for k in range(s.sizes[layer - 1])] for j in rows])
            return sp.Matrix([quantity(layer, j) for j in rows])
        return quantity(layer)


def _times(left: sp.Basic, right: sp.Basic) -> sp.Basic:
    return left * right


def _elementwise(left: sp.Basic, right: sp.Basic) -> sp.Basic:
    if isinstance(left, sp.MatrixBase) and isinstance(right, sp.MatrixBase):
        return left.multiply_elementwise(right)
    return left * right
