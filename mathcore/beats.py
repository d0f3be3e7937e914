"""The lesson, beat by beat: which equations and numbers each beat of ``LESSON.md`` shows.

Each ``_beat_*`` function returns one :class:`~mathcore.model.Beat`. TeX is written here, by
hand, from the notation's own symbol names (a symbol's name is its TeX), and each equation is
paired with the sympy sides that :mod:`mathcore.symbolic` derives; ``Equation.check`` proves
they agree. Numbers come from the example networks through the one formatter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import sympy as sp

from mathcore import notation as nt
from mathcore.equations import Equation, Instance
from mathcore.examples import Example
from mathcore.formatting import Formatter
from mathcore.functions import GENERIC, IDENTITY, RELU, SIGMOID
from mathcore.lessonfile import LessonSpec
from mathcore.model import Beat, LessonModel, Shown
from mathcore.numeric import first_weight_gradient_by_depth
from mathcore.symbolic import Graph, SymbolicNetwork
from mathcore.texparse import Scope

Parts = list[tuple[str, str]]


def d(num: sp.Symbol, den: sp.Symbol) -> str:
    """TeX of ``d num / d den`` (a derivative symbol's name is its TeX)."""
    return nt.partial(num, den).name


class Author:
    """Builds equations about one network, with the example's values for plugged-in numbers."""

    def __init__(self, sym: SymbolicNetwork, fmt: Formatter, values: Mapping[sp.Symbol, float] | None = None,
                 graph: Graph | None = None, scope: Scope | None = None) -> None:
        self.sym = sym
        self.fmt = fmt
        self.values = values
        self.graph = graph or sym.graph
        self.base_scope = scope or sym.scope()

    def eq(self, key: str, parts: Parts, *sides: sp.Basic, caption: str = "") -> Equation:
        """An equation with no free index letters."""
        inst = Instance(self.base_scope, tuple(sides), self.values)
        return Equation(key, tuple(parts), self.graph, (inst,), self.fmt.places, caption)

    def each(self, key: str, parts: Parts, bindings: Iterable[dict[str, int]],
             sides: Callable[..., tuple[sp.Basic, ...]], ranges: Callable[..., dict[str, int]] | None = None,
             caption: str = "") -> Equation:
        """An equation with free index letters, instantiated for every binding."""
        instances = []
        for b in bindings:
            scope = self.base_scope.bound(**b)
            if ranges is not None:
                scope.ranges = ranges(**b)
            instances.append(Instance(scope, tuple(sides(**b)), self.values))
        return Equation(key, tuple(parts), self.graph, tuple(instances), self.fmt.places, caption)


def shown(fmt: Formatter, key: str, label: str, value: float) -> Shown:
    return Shown(key, label, float(value), fmt.number(value))


def cost_tex(cost_factor: str, a: str, y: str) -> str:
    return rf"{cost_factor}\left({a} - {y}\right)^2"


def slope_tex(slope_factor: str, a: str, y: str) -> str:
    return rf"{slope_factor}\left({a} - {y}\right)"


# -- Part 1: rates multiply along a chain -------------------------------------------------------
def _beat_title(spec: LessonSpec) -> Beat:
    return Beat(1, "title", spec.title, 1, texts={"title": spec.title, "after": spec.after, "before": spec.before})


def _beat_chain_rule(spec: LessonSpec, fmt: Formatter) -> Beat:
    x, g, f = nt.symbol("x"), nt.symbol("g"), nt.symbol("f")
    graph = Graph({g: x**2, f: sp.sin(g)})
    scope = SymbolicNetwork((1, 1), style="subscript").scope()
    author = Author(SymbolicNetwork((1, 1), style="subscript"), fmt, {x: spec.chain_rule_x}, graph, scope)
    dfdx, dfdg, dgdx = (nt.partial(f, x, upright=True), nt.partial(f, g, upright=True), nt.partial(g, x, upright=True))
    equations = {
        "inner": author.eq("inner", [("lhs", "g"), ("eq", "="), ("rhs", "x^2")], g, x**2),
        "outer": author.eq("outer", [("lhs", "f"), ("eq", "="), ("rhs", r"\sin(g)")], f, sp.sin(g)),
        "chain_rule": author.eq(
            "chain_rule",
            [("lhs", dfdx.name), ("eq", "="), ("df_dg", dfdg.name), ("dg_dx", dgdx.name)],
            dfdx, dfdg * dgdx,
        ),
        "dg_dx": author.eq("dg_dx", [("lhs", dgdx.name), ("eq", "="), ("rhs", "2x")], dgdx, graph.local(g, x)),
        "df_dg": author.eq("df_dg", [("lhs", dfdg.name), ("eq", "="), ("rhs", r"\cos(g)")], dfdg, graph.local(f, g)),
    }
    xv, h = spec.chain_rule_x, spec.chain_rule_h
    gv, gh = xv**2, (xv + h) ** 2
    g_slope, f_slope = 2 * xv, math.cos(gv)
    values = {
        "x": shown(fmt, "x", "x", xv),
        "h": Shown("h", "h", h, fmt.given(h)),
        "g": shown(fmt, "g", "g(x)", gv),
        "f": shown(fmt, "f", "f(g(x))", math.sin(gv)),
        "dg_dx": shown(fmt, "dg_dx", dgdx.name, g_slope),
        "df_dg": shown(fmt, "df_dg", dfdg.name, f_slope),
        "df_dx": shown(fmt, "df_dx", dfdx.name, f_slope * g_slope),
        "g_moves": shown(fmt, "g_moves", r"g'(x)\,h", g_slope * h),
        "g_moves_actually": shown(fmt, "g_moves_actually", r"g(x+h) - g(x)", gh - gv),
        "f_moves": shown(fmt, "f_moves", r"f'(g)\,g'(x)\,h", f_slope * g_slope * h),
        "f_moves_actually": shown(fmt, "f_moves_actually", r"f(g(x+h)) - f(g(x))", math.sin(gh) - math.sin(gv)),
    }
    functions = {"g_f": lambda t: (t**2, math.sin(t**2))}
    return Beat(2, "chain_rule", "The chain rule in one line", 1, equations, values, functions=functions)


def _worked_author(ex: Example, fmt: Formatter) -> Author:
    return Author(ex.sym, fmt, ex.base_values(0))


def _beat_nested_cost(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L, author = ex.sym, ex.depth, _worked_author(ex, fmt)
    equations = {}
    for l in range(1, L + 1):
        a, w, prev = s.a(l), s.w(l), s.a(l - 1)
        equations[f"a{l}"] = author.eq(f"a{l}", [("lhs", a.name), ("eq", "="), ("w", w.name), ("a_prev", prev.name)],
                                       a, s.definitions[a])
    C = s.cost_symbol
    equations["cost"] = author.eq("cost", [("lhs", C.name), ("eq", "="),
                                           ("rhs", cost_tex(spec.cost.tex_factor, s.a(L).name, s.y().name))],
                                  C, s.definitions[C])
    nested = s.a(0).name
    for l in range(1, L + 1):
        nested = rf"{s.w(l).name}\left({nested}\right)" if l > 1 else rf"{s.w(l).name} {nested}"
    equations["nested"] = author.eq("nested", [("lhs", C.name), ("eq", "="),
                                               ("rhs", cost_tex(spec.cost.tex_factor, nested, s.y().name))],
                                    C, s.graph.expand(C))
    chain = tuple(s.a(l).name for l in range(L + 1)) + (C.name,)
    weights = tuple(s.w(l).name for l in range(1, L + 1))
    return Beat(3, "nested_cost", "The cost is a nested function", 1, equations,
                data={"chain": chain, "weights": weights, "target": s.y().name})


def _beat_forward_pass(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L, author = ex.sym, ex.depth, _worked_author(ex, fmt)
    values = {"a0": shown(fmt, "a0", s.a(0).name, ex.value(s.a(0))), "y": shown(fmt, "y", s.y().name, ex.value(s.y()))}
    equations = {}
    for l in range(1, L + 1):
        a, w, prev = s.a(l), s.w(l), s.a(l - 1)
        values[f"w{l}"] = shown(fmt, f"w{l}", w.name, ex.value(w))
        values[f"a{l}"] = shown(fmt, f"a{l}", a.name, ex.value(a))
        equations[f"a{l}"] = author.eq(
            f"a{l}",
            [("lhs", a.name), ("eq", "="), ("w", w.name), ("a_prev", prev.name), ("eq2", "="),
             ("w_value", fmt.factor(ex.value(w))), ("times", r"\cdot"), ("a_prev_value", fmt.factor(ex.value(prev))),
             ("eq3", "="), ("value", fmt.number(ex.value(a)))],
            a, s.definitions[a], _f(fmt, ex.value(w)) * _f(fmt, ex.value(prev)), _f(fmt, ex.value(a)),
        )
    C, aL, y = s.cost_symbol, s.a(L), s.y()
    values["C"] = shown(fmt, "C", C.name, ex.value(C))
    equations["cost"] = author.eq(
        "cost",
        [("lhs", C.name), ("eq", "="), ("formula", cost_tex(spec.cost.tex_factor, aL.name, y.name)), ("eq2", "="),
         ("numbers", cost_tex(spec.cost.tex_factor, fmt.number(ex.value(aL)), fmt.factor(ex.value(y)))),
         ("eq3", "="), ("value", fmt.number(ex.value(C)))],
        C, s.definitions[C], spec.cost.symbolic(_f(fmt, ex.value(aL)), _f(fmt, ex.value(y))), _f(fmt, ex.value(C)),
    )
    return Beat(4, "forward_pass", "Forward pass of the worked chain", 1, equations, values)


def _product_beat_parts(ex: Example, fmt: Formatter, spec: LessonSpec, layer: int) -> tuple[Parts, Parts, sp.Expr, sp.Expr, list[float], float]:
    """dC/dw_layer as factors read off the links, output side first, and its numbers."""
    s = ex.sym
    C, w = s.cost_symbol, s.w(layer)
    links = list(reversed(s.links(C, w)))  # output side first: dC/da_L, da_L/da_{L-1}, ..., da_l/dw_l
    symbolic_parts: Parts = [("lhs", d(C, w)), ("eq", "=")]
    local_parts: Parts = []
    factors = []
    for top, below in links:
        key = f"d{_key(top)}_d{_key(below)}"
        symbolic_parts.append((key, d(top, below)))
        local = s.graph.local(top, below)
        factors.append(float(local.xreplace({k: sp.Float(v) for k, v in _values_all(ex).items()})))
        local_parts.append((key, _local_tex(s, top, below, spec)))
    return symbolic_parts, local_parts, s.chain_product(C, w), s.local_product(C, w), factors, ex.value(nt.partial(C, w))


def _values_all(ex: Example) -> dict[sp.Symbol, float]:
    return {k: v for k, v in ex._table.items() if not nt.split_partial(k)}


def _key(s: sp.Symbol) -> str:
    """A short key for a symbol: ``a^{(L-1)}`` -> ``aL1``, ``a_{3}`` -> ``a3``, ``C_{0}`` -> ``C``."""
    name = s.name.replace(r"\delta", "delta")
    letter = name[0] if not name.startswith("delta") else "delta"
    rest = name[len(letter):]
    if letter == "C":
        return "C"
    digits = "".join(ch for ch in rest if ch.isalnum())
    return letter + digits


def _local_tex(s: SymbolicNetwork, top: sp.Symbol, below: sp.Symbol, spec: LessonSpec) -> str:
    """The TeX of one link's derivative, from the link's own formula."""
    if top == s.cost_symbol:
        return slope_tex(spec.cost.slope_tex_factor, below.name, s.y().name)
    if s.squish and below.name.startswith("z") and s.definitions.get(top) == s.sigma(below):
        return rf"\sigma'\left({below.name}\right)"
    formula = s.graph.local(top, below)
    if isinstance(formula, sp.Symbol):
        return formula.name
    return sp.latex(formula)


def _beat_product_of_rates(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s = ex.sym
    author = _worked_author(ex, fmt)
    sym_parts, local_parts, chain, local, factors, total = _product_beat_parts(ex, fmt, spec, 1)
    lhs = d(s.cost_symbol, s.w(1))
    product = fmt.product(factors, total)
    number_parts: Parts = [("lhs", lhs), ("eq", "=")]
    for (key, _), text in zip(local_parts, product.factors):
        number_parts += [(key, text), (f"dot_{key}", r"\cdot")]
    number_parts[-1] = ("eq2", product.relation)
    number_parts.append(("value", product.result))
    equations = {
        "chain": author.eq("chain", sym_parts, nt.partial(s.cost_symbol, s.w(1)), chain),
        "locals": author.eq("locals", [("lhs", lhs), ("eq", "=")] + local_parts, nt.partial(s.cost_symbol, s.w(1)), local),
        "numbers": author.eq("numbers", number_parts, nt.partial(s.cost_symbol, s.w(1)),
                             sp.Mul(*(sp.Rational(str(fmt.shown_value(f))) for f in factors)),
                             sp.Rational(str(fmt.shown_value(total)))),
    }
    values = {key: shown(fmt, key, d(*_split(key, ex)), f) for (key, _), f in zip(local_parts, factors)}
    values["dC_dw1"] = shown(fmt, "dC_dw1", lhs, total)
    return Beat(5, "product_of_rates", "A product of rates, one per link", 1, equations, values,
                texts={"relation": product.relation})


def _split(key: str, ex: Example) -> tuple[sp.Symbol, sp.Symbol]:
    s = ex.sym
    for top, below in s.links(s.cost_symbol, s.w(1)):
        if key == f"d{_key(top)}_d{_key(below)}":
            return top, below
    raise KeyError(key)


def _beat_desire(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    author = _worked_author(ex, fmt)
    C, aL = s.cost_symbol, s.a(L)
    slope = ex.value(nt.partial(C, aL))
    equations = {
        "desire": author.eq(
            "desire",
            [("lhs", d(C, aL)), ("eq", "="), ("formula", slope_tex(spec.cost.slope_tex_factor, aL.name, s.y().name)),
             ("eq2", "="), ("value", fmt.number(slope))],
            nt.partial(C, aL), s.graph.local(C, aL), _f(fmt, slope),
        )
    }
    h = spec.worked_nudge
    (row,) = ex.nudges("w", 1, (0, 0), (h,))
    grad = ex.value(nt.partial(C, s.w(1)))
    values = {
        "desire": shown(fmt, "desire", d(C, aL), slope),
        "nudge": Shown("nudge", r"\Delta " + s.w(1).name, h, fmt.given(h)),
        "cost_before": shown(fmt, "cost_before", C.name, row.cost_before),
        "cost_after": shown(fmt, "cost_after", C.name, row.cost_after),
        "delta_cost": Shown("delta_cost", r"\Delta " + C.name, row.delta_cost, fmt.signed(row.delta_cost)),
        "predicted": Shown("predicted", d(C, s.w(1)) + r"\,\Delta " + s.w(1).name, grad * h, fmt.signed(grad * h)),
        "input": shown(fmt, "input", s.a(0).name, ex.value(s.a(0))),
    }
    texts = {
        "desire": "how much, and which way, the cost wants the output to move",
        "carry": "each weight factor carries that desire one link back",
        "input": "the last factor is the input that feeds the weight",
        "check": "check it with a nudge",
    }
    return Beat(6, "desire", "The output's desire", 1, equations, values, texts=texts)


def _beat_backward_sweep(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    author = _worked_author(ex, fmt)
    C = s.cost_symbol
    equations, values, running = {}, {}, []
    for l in range(L, 0, -1):
        w = s.w(l)
        sym_parts, local_parts, chain, local, factors, total = _product_beat_parts(ex, fmt, spec, l)
        product = fmt.product(factors, total)
        parts = sym_parts + [("eq2", "=")]
        for (key, _), text in zip(local_parts, product.factors):
            parts += [(f"{key}_value", text), (f"dot_{key}", r"\cdot")]
        parts[-1] = ("eq3", product.relation)
        parts.append(("value", product.result))
        equations[f"w{l}"] = author.eq(
            f"w{l}", parts, nt.partial(C, w), chain,
            sp.Mul(*(sp.Rational(str(fmt.shown_value(f))) for f in factors)), sp.Rational(str(fmt.shown_value(total))),
        )
        values[f"dC_dw{l}"] = shown(fmt, f"dC_dw{l}", d(C, w), total)
        running.append(shown(fmt, f"dC_da{l}", d(C, s.a(l)), ex.value(nt.partial(C, s.a(l)))))
    naive = sum(len(s.links(C, s.w(l))) - 1 for l in range(1, L + 1))
    sweep = (L - 1) + L  # one multiplication per link carried back, one per weight
    values["naive_multiplications"] = shown(fmt, "naive_multiplications", r"\text{each chain on its own}", naive)
    values["sweep_multiplications"] = shown(fmt, "sweep_multiplications", r"\text{one backward sweep}", sweep)
    values["saved"] = shown(fmt, "saved", r"\text{saved}", naive - sweep)
    return Beat(7, "backward_sweep", "Run it backward", 1, equations, values, series={"running_product": tuple(running)},
                texts={"shared": "the output-side factors are shared", "count": "multiplications"})


def _beat_squish(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    depth = ex.depth
    s = SymbolicNetwork((1,) * (depth + 1), GENERIC, spec.cost, squish=True, biases=False, style="subscript")
    author = Author(s, fmt)
    C, w1 = s.cost_symbol, s.w(1)
    equations = {
        "z1": author.eq("z1", [("lhs", s.z(1).name), ("eq", "="), ("rhs", f"{s.w(1).name} {s.a(0).name}")],
                        s.z(1), s.definitions[s.z(1)]),
        "a1": author.eq("a1", [("lhs", s.a(1).name), ("eq", "="), ("rhs", rf"\sigma\left({s.z(1).name}\right)")],
                        s.a(1), s.definitions[s.a(1)]),
    }
    links = list(reversed(s.links(C, w1)))
    parts: Parts = [("lhs", d(C, w1)), ("eq", "=")]
    for top, below in links:
        parts.append((f"d{_key(top)}_d{_key(below)}", _local_tex(s, top, below, spec)))
    equations["product"] = author.eq("product", parts, nt.partial(C, w1), s.local_product(C, w1))
    return Beat(8, "squish", "The squish adds a factor per layer", 1, equations,
                texts={"caption": "with a squish, every link gains a factor"})


def _beat_vanishing(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    act = ex.spec.activation
    s = SymbolicNetwork((1, 1), act, spec.cost)
    z = nt.symbol("z")
    author = Author(s, fmt)
    equations = {}
    if act is not RELU:  # ReLU's derivative is written with cases, outside the parser's reach
        equations["textbook"] = author.eq("textbook", [("lhs", r"\sigma'(z)"), ("eq", "="), ("rhs", act.textbook_tex)],
                                          s.sigma_prime(z), act.textbook(z))
    if act is SIGMOID:
        equations["peak"] = author.eq("peak", [("lhs", r"\sigma'(0)"), ("eq", "="), ("rhs", r"\frac{1}{4}")],
                                      s.sigma_prime(sp.Integer(0)), act.max_slope)
    grads = first_weight_gradient_by_depth(ex.net, ex.spec.inputs, ex.spec.targets)
    first_weight = r"\left|\frac{\partial C}{\partial w^{(1)}}\right|"
    series = {
        "gradient_by_depth": tuple(
            Shown(f"depth{n}", first_weight, abs(float(g)), fmt.number(abs(float(g))))
            for n, g in enumerate(grads, start=1)
        ),
        "bound_by_depth": tuple(
            Shown(f"depth{n}", r"\left(\tfrac14\right)^{L}", float(act.max_slope) ** n, fmt.number(float(act.max_slope) ** n))
            for n in range(1, len(grads) + 1)
        ) if act.max_slope is not None else (),
    }
    values = {"max_slope": shown(fmt, "max_slope", r"\max \sigma'", float(act.max_slope or 0)),
              "depth": shown(fmt, "depth", "L", ex.depth)}
    return Beat(9, "vanishing", "Vanishing gradients", 1, equations, values, series)


# -- Part 2: one neuron per layer -----------------------------------------------------------------
def _beat_four_neurons(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    composed = s.a(0).name
    for l in range(1, L + 1):
        composed = rf"\sigma\left({s.w(l).name} {composed} + {s.b(l).name}\right)"
    C = s.cost_symbol
    equations = {"composed": author.eq("composed", [("lhs", C.name), ("eq", "="),
                                                    ("rhs", cost_tex(spec.cost.tex_factor, composed, s.y().name))],
                                       C, s.graph.expand(C))}
    values = {}
    for l in range(0, L + 1):
        values[f"a{l}"] = shown(fmt, f"a{l}", s.a(l).name, ex.value(s.a(l)))
    for l in range(1, L + 1):
        values[f"w{l}"] = shown(fmt, f"w{l}", s.w(l).name, ex.value(s.w(l)))
        values[f"b{l}"] = shown(fmt, f"b{l}", s.b(l).name, ex.value(s.b(l)))
    values["y"] = shown(fmt, "y", s.y().name, ex.value(s.y()))
    values["C0"] = shown(fmt, "C0", C.name, ex.value(C))
    params = ", ".join(f"{s.w(l).name}, {s.b(l).name}" for l in range(1, L + 1))
    return Beat(10, "four_neurons", f"A chain of {L + 1} neurons", 2, equations, values,
                texts={"signature": rf"{C.name}\left({params}\right)", "parameter_count": str(2 * L),
                       "parameters": f"{2 * L} parameters: a weight and a bias for each layer"})


def _plugged(author: Author, key: str, lhs: sp.Symbol, formula_tex: str, formula: sp.Expr,
             numbers_tex: str, numbers: sp.Expr, value: float, fmt: Formatter) -> Equation:
    return author.eq(
        key,
        [("lhs", lhs.name), ("eq", "="), ("formula", formula_tex), ("eq2", "="), ("numbers", numbers_tex),
         ("eq3", "="), ("value", fmt.number(value))],
        lhs, formula, numbers, _f(fmt, value),
    )


def _f(fmt: Formatter, x: float) -> sp.Rational:
    """The exact value of ``x`` as shown on screen."""
    return sp.Rational(str(fmt.shown_value(x)))


def _beat_last_link(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, aL, y = s.cost_symbol, s.a(L), s.y()
    av, yv = ex.value(aL), ex.value(y)
    equations = {"cost": _plugged(author, "cost", C, cost_tex(spec.cost.tex_factor, aL.name, y.name), s.definitions[C],
                                  cost_tex(spec.cost.tex_factor, fmt.number(av), fmt.factor(yv)),
                                  spec.cost.symbolic(_f(fmt, av), _f(fmt, yv)), ex.value(C), fmt)}
    values = {"aL": shown(fmt, "aL", aL.name, av), "aL1": shown(fmt, "aL1", s.a(L - 1).name, ex.value(s.a(L - 1))),
              "y": shown(fmt, "y", y.name, yv), "C0": shown(fmt, "C0", C.name, ex.value(C))}
    return Beat(11, "last_link", "Focus on the last link", 2, equations, values,
                texts={"not_exponents": "superscripts are layer indices, not exponents",
                       "aL": aL.name, "aL1": s.a(L - 1).name, "target": "desired output"})


def _beat_weighted_input(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    z, a, w, a1, b = s.z(L), s.a(L), s.w(L), s.a(L - 1), s.b(L)
    wv, a1v, bv, zv = ex.value(w), ex.value(a1), ex.value(b), ex.value(z)
    equations = {
        "z": author.eq("z", [("lhs", z.name), ("eq", "="), ("w", w.name), ("a_prev", a1.name), ("plus", "+"), ("b", b.name),
                             ("eq2", "="), ("w_value", fmt.factor(wv)), ("times", r"\cdot"), ("a_prev_value", fmt.factor(a1v)),
                             ("plus2", "+"), ("b_value", fmt.factor(bv)), ("eq3", "="), ("value", fmt.number(zv))],
                       z, s.definitions[z], _f(fmt, wv) * _f(fmt, a1v) + _f(fmt, bv), _f(fmt, zv)),
        "a": author.eq("a", [("lhs", a.name), ("eq", "="), ("rhs", rf"\sigma\left({z.name}\right)"), ("eq2", "="),
                             ("numbers", rf"\sigma\left({fmt.number(zv)}\right)"), ("eq3", "="), ("value", fmt.number(ex.value(a)))],
                       a, s.definitions[a], s.sigma(_f(fmt, zv)), _f(fmt, ex.value(a))),
    }
    values = {"z": shown(fmt, "z", z.name, zv), "a": shown(fmt, "a", a.name, ex.value(a)),
              "w": shown(fmt, "w", w.name, wv), "b": shown(fmt, "b", b.name, bv), "a_prev": shown(fmt, "a_prev", a1.name, a1v)}
    return Beat(12, "weighted_input", "The weighted input", 2, equations, values,
                texts={"z_caption": "the weighted sum plus the bias, before the squish"})


def _beat_dependency_tree(ex: Example, fmt: Formatter) -> Beat:
    """The tree as (node, its inputs) rows, from the cost down through every layer."""
    s = ex.sym
    rows = []
    frontier = [s.cost_symbol]
    seen = set()
    while frontier:
        node = frontier.pop(0)
        if node in seen or node not in s.definitions:
            continue
        seen.add(node)
        inputs = sorted(s.definitions[node].free_symbols, key=_tree_order)
        rows.append((node.name, tuple(i.name for i in inputs)))
        frontier += [i for i in inputs if i in s.definitions]
    nodes = [rows[0][0]] if rows else []
    for node, inputs in rows:
        nodes += [i for i in inputs if i not in nodes]
    return Beat(13, "dependency_tree", "The dependency tree", 2, data={"tree": tuple(rows), "nodes": tuple(nodes)},
                texts={"last_layer": "what the cost depends on, through the last layer",
                       "grows": "each earlier layer repeats the pattern, further up"})


def _tree_order(s: sp.Symbol) -> int:
    return {"w": 0, "a": 1, "b": 2, "z": 1, "y": 3}.get(s.name[0], 4)


def _beat_number_lines(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    net, x, y = ex.net, ex.spec.inputs[:1], ex.spec.targets[:1]
    from mathcore.numeric import forward

    def last_link(w_value: float) -> tuple[float, float, float]:
        nudged = net.with_parameter("w", L, (0, 0), w_value)
        f = forward(nudged, x, y)
        return float(f.z[L][0, 0]), float(f.a[L][0, 0]), float(f.cost[0])

    names = {"w": s.w(L), "z": s.z(L), "a": s.a(L), "C0": s.cost_symbol}
    values = {k: shown(fmt, k, sym.name, ex.value(sym)) for k, sym in names.items()}
    h = spec.nudges[0]
    z1, a1, c1 = last_link(ex.value(s.w(L)) + h)
    values.update({
        "nudge": Shown("nudge", r"\Delta " + s.w(L).name, h, fmt.given(h)),
        "z_nudged": shown(fmt, "z_nudged", s.z(L).name, z1),
        "a_nudged": shown(fmt, "a_nudged", s.a(L).name, a1),
        "C0_nudged": shown(fmt, "C0_nudged", s.cost_symbol.name, c1),
    })
    return Beat(14, "number_lines", "Nudging the last weight", 2, values=values, functions={"last_link": last_link},
                texts={k: sym.name for k, sym in names.items()} | {
                    "follow": "nudge the weight: everything after it follows"})


def _chain_parts(s: SymbolicNetwork, top: sp.Symbol, start: sp.Symbol) -> Parts:
    return [(f"d{_key(a)}_d{_key(b)}", d(a, b)) for a, b in s.links(top, start)]


def _beat_chain_assembled(ex: Example, fmt: Formatter) -> Beat:
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, w = s.cost_symbol, s.w(L)
    equations = {"chain": author.eq("chain", [("lhs", d(C, w)), ("eq", "=")] + _chain_parts(s, C, w),
                                    nt.partial(C, w), s.chain_product(C, w))}
    values = {f"d{_key(a)}_d{_key(b)}": shown(fmt, f"d{_key(a)}_d{_key(b)}", d(a, b), ex.value(nt.partial(a, b)))
              for a, b in s.links(C, w)}
    return Beat(15, "chain_rule_assembled", "The chain rule, link by link", 2, equations, values,
                texts={"ratio": "each link: how much its end moves per nudge of its start"})


def _beat_local_derivatives(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, w, z, a, a1 = s.cost_symbol, s.w(L), s.z(L), s.a(L), s.a(L - 1)
    links = s.links(C, w)
    equations = {}
    factors = []
    local_parts: Parts = []
    for top, below in links:
        key = f"d{_key(top)}_d{_key(below)}"
        tex = _local_tex(s, top, below, spec)
        v = ex.value(nt.partial(top, below))
        factors.append(v)
        local_parts.append((key, tex))
        equations[key] = author.eq(key, [("lhs", d(top, below)), ("eq", "="), ("formula", tex), ("eq2", "="),
                                         ("value", fmt.number(v))],
                                   nt.partial(top, below), s.graph.local(top, below), _f(fmt, v))
    y = s.y()
    equations["z_def"] = author.eq("z_def", [("lhs", z.name), ("eq", "="), ("w", w.name), ("a_prev", a1.name),
                                             ("plus", "+"), ("b", s.b(L).name)], z, s.definitions[z])
    equations["a_def"] = author.eq("a_def", [("lhs", a.name), ("eq", "="), ("rhs", rf"\sigma\left({z.name}\right)")],
                                   a, s.definitions[a])
    equations["C_def"] = author.eq("C_def", [("lhs", C.name), ("eq", "="),
                                             ("rhs", cost_tex(spec.cost.tex_factor, a.name, y.name))],
                                   C, s.definitions[C])
    total = ex.value(nt.partial(C, w))
    product = fmt.product(factors, total)
    equations["product"] = author.eq("product", [("lhs", d(C, w)), ("eq", "=")] + local_parts,
                                     nt.partial(C, w), s.local_product(C, w))
    number_parts: Parts = [("lhs", d(C, w)), ("eq", "=")]
    for (key, _), text in zip(local_parts, product.factors):
        number_parts += [(f"{key}_value", text), (f"dot_{key}", r"\cdot")]
    number_parts[-1] = ("eq2", product.relation)
    number_parts.append(("value", product.result))
    equations["numbers"] = author.eq("numbers", number_parts, nt.partial(C, w),
                                     sp.Mul(*(_f(fmt, f) for f in factors)), _f(fmt, total))
    rows = ex.nudges("w", L, (0, 0), spec.nudges)
    values = {"dC_dw": shown(fmt, "dC_dw", d(C, w), total)}
    values.update({key: shown(fmt, key, d(t, b), f) for (key, _), (t, b), f in zip(local_parts, links, factors)})
    series = {
        "nudge_h": tuple(Shown(f"h{i}", r"\Delta " + w.name, r.h, fmt.given(r.h)) for i, r in enumerate(rows)),
        "nudge_delta_cost": tuple(Shown(f"dC{i}", r"\Delta " + C.name, r.delta_cost, fmt.scientific(r.delta_cost))
                                  for i, r in enumerate(rows)),
        "nudge_ratio": tuple(Shown(f"ratio{i}", rf"\Delta {C.name} / \Delta {w.name}", r.ratio, fmt.fixed(r.ratio, fmt.places + 2))
                             for i, r in enumerate(rows)),
    }
    definition = {z: "z_def", a: "a_def", C: "C_def"}
    data = {"definition": {key: definition[top] for (key, _), (top, _) in zip(local_parts, links)}}
    return Beat(16, "local_derivatives", "Three local derivatives", 2, equations, values, series, data=data,
                texts={"relation": product.relation, "limit": fmt.fixed(total, fmt.places + 2),
                       "limit_labelled": f"{d(C, w)} = {fmt.fixed(total, fmt.places + 2)}",
                       "from_formula": "each factor comes from its own link's formula",
                       "converges": "as the nudge shrinks, the ratio approaches the derivative"})


def _beat_fire_together(ex: Example, fmt: Formatter) -> Beat:
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    z, w, a1 = s.z(L), s.w(L), s.a(L - 1)
    equations = {"dz_dw": author.eq("dz_dw", [("lhs", d(z, w)), ("eq", "="), ("rhs", a1.name)],
                                    nt.partial(z, w), s.graph.local(z, w))}
    return Beat(17, "fire_together", "Neurons that fire together wire together", 2, equations,
                {"a_prev": shown(fmt, "a_prev", a1.name, ex.value(a1))},
                texts={"slogan": "Neurons that fire together wire together",
                       "meaning": "a weight matters as much as the neuron feeding it is active"})


def _average_graph(s: SymbolicNetwork, n: int) -> tuple[Graph, Scope]:
    """``C = (1/n) sum_i C_i`` with each ``C_i`` a function of every parameter."""
    params = s.parameters()
    costs = {nt.example_cost(i): sp.Function(f"C_{{{i}}}", real=True)(*params) for i in range(n)}
    definitions = {nt.AVERAGE_COST: sp.Rational(1, n) * sum(costs)} | costs
    scope = s.scope()
    scope.examples = n
    scope.ranges = {"i": n}
    return Graph(definitions), scope


def _beat_average(ex: Example, fmt: Formatter) -> Beat:
    s, L, n = ex.sym, ex.depth, ex.spec.examples
    graph, scope = _average_graph(s, n)
    author = Author(s, fmt, None, graph, scope)
    C, w = nt.AVERAGE_COST, s.w(L)
    mean = (sp.Rational(1, n) * sum(nt.partial(nt.example_cost(i), w) for i in range(n)))
    per_example = ex.bwd.grad_w[L][:, 0, 0]
    equations = {
        "average": author.eq("average", [("lhs", d(C, w)), ("eq", "="), ("mean", r"\frac{1}{n}"),
                                         ("sum", r"\sum_{i=0}^{n-1}"), ("term", d(nt.symbol("C_i"), w))],
                             nt.partial(C, w), mean),
        "cost": author.eq("cost", [("lhs", "C"), ("eq", "="), ("mean", r"\frac{1}{n}"), ("sum", r"\sum_{i=0}^{n-1}"),
                                   ("term", "C_i")], C, sp.Rational(1, n) * sum(nt.example_cost(i) for i in range(n))),
    }
    series = {
        "gradients": tuple(shown(fmt, f"example{i}", d(nt.example_cost(i), w), g) for i, g in enumerate(per_example)),
        "costs": tuple(shown(fmt, f"example{i}", nt.example_cost(i).name, c) for i, c in enumerate(ex.fwd.cost)),
        "inputs": tuple(shown(fmt, f"example{i}", s.a(0).name, x) for i, x in enumerate(ex.spec.inputs[:, 0])),
        "targets": tuple(shown(fmt, f"example{i}", s.y().name, t) for i, t in enumerate(ex.spec.targets[:, 0])),
    }
    values = {"mean": shown(fmt, "mean", d(C, w), float(per_example.mean())),
              "mean_cost": shown(fmt, "mean_cost", "C", ex.fwd.mean_cost), "n": shown(fmt, "n", "n", n)}
    return Beat(18, "average", "Average over training examples", 2, equations, values, series,
                texts={"note": "i counts training examples; j and k count neurons"})


def _beat_gradient_vector(ex: Example, fmt: Formatter) -> Beat:
    s, n = ex.sym, ex.spec.examples
    graph, scope = _average_graph(s, n)
    author = Author(s, fmt, None, graph, scope)
    C = nt.AVERAGE_COST
    params = s.parameters()
    rows = []
    for p in params:
        kind, layer = p.name[0], _layer_of(s, p)
        rows.append(rf"\frac{{\partial C}}{{\partial {kind}^{{({layer})}}}}")
    tex = r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    equations = {"gradient": author.eq("gradient", [("lhs", r"\nabla C"), ("eq", "="), ("column", tex)],
                                       sp.Matrix([nt.partial(C, p) for p in params]),
                                       sp.Matrix([nt.partial(C, p) for p in params]))}
    grads = []
    for p in params:
        kind, layer = p.name[0], _layer_of(s, p)
        grads.append(shown(fmt, f"{kind}{layer}", rf"\frac{{\partial C}}{{\partial {kind}^{{({layer})}}}}",
                           ex.mean_gradient(kind, layer, (0, 0) if kind == "w" else (0,))))
    return Beat(19, "gradient_vector", "The gradient vector", 2, equations, series={"gradient": tuple(grads)},
                texts={"every": "one entry for every weight and bias, averaged over the examples"})


def _layer_of(s: SymbolicNetwork, p: sp.Symbol) -> int:
    for l in range(1, s.depth + 1):
        if p in (s.w(l), s.b(l)):
            return l
    raise KeyError(p)


def _beat_bias_and_previous(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, z, b, a1, w = s.cost_symbol, s.z(L), s.b(L), s.a(L - 1), s.w(L)
    equations = {}
    values = {}
    for name, start in (("b", b), ("a_prev", a1)):
        local = s.graph.local(z, start)
        local_tex = "1" if local == 1 else local.name
        equations[f"dz_d{name}"] = author.eq(f"dz_d{name}", [("lhs", d(z, start)), ("eq", "="), ("rhs", local_tex)],
                                             nt.partial(z, start), local)
        rest = [(k, t) for k, t in _chain_parts(s, C, start)]
        local_rest = [(k, _local_tex(s, top, below, spec)) for (k, _), (top, below) in zip(rest, s.links(C, start))]
        equations[f"dC_d{name}"] = author.eq(
            f"dC_d{name}", [("lhs", d(C, start)), ("eq", "=")] + rest + [("eq2", "=")] + [(k + "_formula", t) for k, t in local_rest],
            nt.partial(C, start), s.chain_product(C, start), s.local_product(C, start))
        values[f"dC_d{name}"] = shown(fmt, f"dC_d{name}", d(C, start), ex.value(nt.partial(C, start)))
    values["w"] = shown(fmt, "w", w.name, ex.value(w))
    texts = {"bias": "nudge the bias: z moves by exactly the nudge",
             "previous": "nudge the previous activation: z moves by the weight times the nudge"}
    return Beat(20, "bias_and_previous", "The bias and the previous activation", 2, equations, values, texts=texts,
                data={"starts": {"b": b.name, "a_prev": a1.name}})


def _beat_one_layer_back(ex: Example, fmt: Formatter) -> Beat:
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, w = s.cost_symbol, s.w(L - 1)
    parts = _chain_parts(s, C, w)
    equations = {"chain": author.eq("chain", [("lhs", d(C, w)), ("eq", "=")] + parts, nt.partial(C, w), s.chain_product(C, w))}
    shared = [k for k, _ in _chain_parts(s, C, s.a(L - 1))]
    values = {"dC_dw": shown(fmt, "dC_dw", d(C, w), ex.value(nt.partial(C, w))),
              "dC_da_prev": shown(fmt, "dC_da_prev", d(C, s.a(L - 1)), ex.value(nt.partial(C, s.a(L - 1))))}
    return Beat(21, "one_layer_back", "Iterate backwards", 2, equations, values,
                texts={"shared": " ".join(shared), "reuse": "shared with the last layer's derivatives: computed once, reused",
                       "longer": "one layer back, the chain is longer"}, data={"start": w.name})


# -- Part 3: many neurons per layer -------------------------------------------------------------
def _beat_indices(ex: Example, fmt: Formatter) -> Beat:
    s, L = ex.sym, ex.depth
    n = s.notation
    labels = {"a_prev": n.a(L - 1, "k").name, "a": n.a(L, "j").name, "w": n.w(L, "j", "k").name, "y": n.y("j").name}
    series = {}
    for l in range(0, L + 1):
        series[f"a{l}"] = tuple(shown(fmt, f"a{l}_{j}", s.a(l, j).name, ex.value(s.a(l, j))) for j in range(ex.sizes[l]))
    for l in range(1, L + 1):
        series[f"w{l}"] = tuple(shown(fmt, f"w{l}_{j}{k}", s.w(l, j, k).name, ex.value(s.w(l, j, k)))
                                for j in range(ex.sizes[l]) for k in range(ex.sizes[l - 1]))
        series[f"b{l}"] = tuple(shown(fmt, f"b{l}_{j}", s.b(l, j).name, ex.value(s.b(l, j))) for j in range(ex.sizes[l]))
    series["y"] = tuple(shown(fmt, f"y{j}", s.y(j).name, ex.value(s.y(j))) for j in range(ex.sizes[L]))
    return Beat(22, "indices", "Indices for many neurons", 3, series=series,
                texts=labels | {"to_from": "to j, from k", "sizes": "-".join(map(str, ex.sizes))})


def _beat_sums(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    n = s.notation
    author = Author(s, fmt, ex.base_values(0))
    C = s.cost_symbol
    equations = {
        "cost": author.eq("cost", [("lhs", C.name), ("eq", "="), ("sum", r"\sum_{j=0}^{n_L - 1}"),
                                   ("term", cost_tex(spec.cost.tex_factor, n.a(L, "j").name, n.y("j").name))],
                          C, s.definitions[C]),
        "z": author.each("z", [("lhs", n.z(L, "j").name), ("eq", "="), ("sum", r"\sum_{k=0}^{n_{L-1} - 1}"),
                               ("w", n.w(L, "j", "k").name), ("a_prev", n.a(L - 1, "k").name), ("plus", "+"),
                               ("b", n.b(L, "j").name)],
                         [{"j": j} for j in range(ex.sizes[L])], lambda j: (s.z(L, j), s.definitions[s.z(L, j)])),
        "a": author.each("a", [("lhs", n.a(L, "j").name), ("eq", "="), ("rhs", rf"\sigma\left({n.z(L, 'j').name}\right)")],
                         [{"j": j} for j in range(ex.sizes[L])], lambda j: (s.a(L, j), s.definitions[s.a(L, j)])),
    }
    return Beat(23, "sums", "Sums over neurons", 3, equations,
                {"C0": shown(fmt, "C0", C.name, ex.value(C))})


def highlighted_edge(ex: Example) -> tuple[int, int]:
    """The last layer's weight with the largest gradient: the edge Part 3 follows."""
    g = np.abs(ex.bwd.grad_w[ex.depth][0])
    j, k = np.unravel_index(int(np.argmax(g)), g.shape)
    return int(j), int(k)


def _beat_weight_index_form(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    n = s.notation
    author = Author(s, fmt, ex.base_values(0))
    C = s.cost_symbol
    chain = [("dz_dw", d(n.z(L, "j"), n.w(L, "j", "k"))), ("da_dz", d(n.a(L, "j"), n.z(L, "j"))),
             ("dC_da", d(C, n.a(L, "j")))]
    locals_ = [("a_prev", n.a(L - 1, "k").name), ("sigma_prime", rf"\sigma'\left({n.z(L, 'j').name}\right)"),
               ("slope", slope_tex(spec.cost.slope_tex_factor, n.a(L, "j").name, n.y("j").name))]
    bindings = [{"j": j, "k": k} for j in range(ex.sizes[L]) for k in range(ex.sizes[L - 1])]
    equations = {"chain": author.each(
        "chain", [("lhs", d(C, n.w(L, "j", "k"))), ("eq", "=")] + chain + [("eq2", "=")] + locals_, bindings,
        lambda j, k: (nt.partial(C, s.w(L, j, k)), s.chain_product(C, s.w(L, j, k)), s.local_product(C, s.w(L, j, k))))}
    j, k = highlighted_edge(ex)
    factors = [ex.value(nt.partial(top, below)) for top, below in s.links(C, s.w(L, j, k))]
    total = ex.value(nt.partial(C, s.w(L, j, k)))
    product = fmt.product(factors, total)
    w_jk = s.w(L, j, k)
    number_parts: Parts = [("lhs", d(C, w_jk)), ("eq", "=")]
    for key, text in zip(("a_prev", "sigma_prime", "slope"), product.factors):
        number_parts += [(key, text), (f"dot_{key}", r"\cdot")]
    number_parts[-1] = ("eq2", product.relation)
    number_parts.append(("value", product.result))
    equations["numbers"] = author.eq("numbers", number_parts, nt.partial(C, w_jk),
                                     sp.Mul(*(_f(fmt, f) for f in factors)), _f(fmt, total))
    values = {"j": shown(fmt, "j", "j", j), "k": shown(fmt, "k", "k", k), "dC_dw": shown(fmt, "dC_dw", d(C, w_jk), total)}
    return Beat(24, "weight_index_form", "The same chain, with indices", 3, equations, values,
                texts={"relation": product.relation})


def _beat_sum_over_paths(ex: Example, fmt: Formatter) -> Beat:
    s, L = ex.sym, ex.depth
    n = s.notation
    author = Author(s, fmt, ex.base_values(0))
    C = s.cost_symbol
    nL = ex.sizes[L]
    bindings = [{"k": k} for k in range(ex.sizes[L - 1])]
    chain_tex = [("sum", r"\sum_{j=0}^{n_L - 1}"), ("dz_da", d(n.z(L, "j"), n.a(L - 1, "k"))),
                 ("da_dz", d(n.a(L, "j"), n.z(L, "j"))), ("dC_da", d(C, n.a(L, "j")))]
    equations = {
        "paths": author.each("paths", [("lhs", d(C, n.a(L - 1, "k"))), ("eq", "=")] + chain_tex, bindings,
                             lambda k: (nt.partial(C, s.a(L - 1, k)),
                                        sum(nt.partial(s.z(L, j), s.a(L - 1, k)) * nt.partial(s.a(L, j), s.z(L, j))
                                            * nt.partial(C, s.a(L, j)) for j in range(nL)))),
        "terms": author.each("terms", [("lhs", d(C, n.a(L - 1, "k"))), ("eq", "="), ("sum", r"\sum_{j=0}^{n_L - 1}"),
                                       ("w", n.w(L, "j", "k").name), ("sigma_prime", rf"\sigma'\left({n.z(L, 'j').name}\right)"),
                                       ("dC_da", d(C, n.a(L, "j")))], bindings,
                             lambda k: (nt.partial(C, s.a(L - 1, k)), s.activation_gradient_by_paths(L, k))),
    }
    _, k = highlighted_edge(ex)
    terms = ex.bwd.paths[L][0, :, k]
    series = {"terms": tuple(shown(fmt, f"path{j}", rf"{s.w(L, j, k).name}\,\sigma'\left({s.z(L, j).name}\right)\,{d(C, s.a(L, j))}", t)
                             for j, t in enumerate(terms))}
    total = ex.value(nt.partial(C, s.a(L - 1, k)))
    shown_sum = sum(fmt.shown_value(t) for t in terms)
    relation = "=" if fmt.shown_value(float(shown_sum)) == fmt.shown_value(total) else r"\approx"
    values = {"k": shown(fmt, "k", "k", k), "sum": shown(fmt, "sum", d(C, s.a(L - 1, k)), total)}
    return Beat(25, "sum_over_paths", "Sum over every path", 3, equations, values, series, texts={"relation": relation})


def _beat_recursion(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    s, L = ex.sym, ex.depth
    n = s.notation
    author = Author(s, fmt, ex.base_values(0))
    C = s.cost_symbol
    bindings = [{"l": l, "k": k} for l in range(1, L + 1) for k in range(ex.sizes[l - 1])]
    equations = {
        "recursion": author.each(
            "recursion",
            [("lhs", d(C, nt.symbol("a^{(l-1)}_{k}"))), ("eq", "="), ("sum", r"\sum_{j=0}^{n_l - 1}"),
             ("w", "w^{(l)}_{jk}"), ("sigma_prime", r"\sigma'\left(z^{(l)}_{j}\right)"), ("dC_da", d(C, nt.symbol("a^{(l)}_{j}")))],
            bindings, lambda l, k: (nt.partial(C, s.a(l - 1, k)), s.activation_gradient_by_paths(l, k))),
        "base": author.each(
            "base", [("lhs", d(C, n.a(L, "j"))), ("eq", "="), ("rhs", slope_tex(spec.cost.slope_tex_factor, n.a(L, "j").name, n.y("j").name))],
            [{"j": j} for j in range(ex.sizes[L])], lambda j: (nt.partial(C, s.a(L, j)), s.graph.local(C, s.a(L, j)))),
    }
    series = {f"dC_da{l}": tuple(shown(fmt, f"a{l}_{j}", d(C, s.a(l, j)), ex.value(nt.partial(C, s.a(l, j))))
                                 for j in range(ex.sizes[l])) for l in range(0, L + 1)}
    return Beat(26, "recursion", "The recursion for any layer", 3, equations, series=series)


def _beat_vector_form(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    L = ex.depth
    s = SymbolicNetwork(ex.sizes, ex.spec.activation, spec.cost, vectors=True)
    author = Author(s, fmt, ex.base_values(0))
    C = s.cost_symbol
    inner = [{"l": l} for l in range(1, L)]
    jk = [{"l": l, "j": j, "k": k} for l in range(1, L + 1) for j in range(ex.sizes[l]) for k in range(ex.sizes[l - 1])]
    js = [{"l": l, "j": j} for l in range(1, L + 1) for j in range(ex.sizes[l])]
    vec = lambda f, l: sp.Matrix([f(l, j) for j in range(ex.sizes[l])])  # noqa: E731
    equations = {
        "delta": author.each("delta", [("lhs", r"\delta^{(l)}_{j}"), ("eq", "="), ("rhs", d(C, nt.symbol("z^{(l)}_{j}")))],
                             js, lambda l, j: (s.delta(l, j), nt.partial(C, s.z(l, j)))),
        "bp1": author.eq("bp1", [("lhs", r"\delta^{(L)}"), ("eq", "="), ("grad", r"\nabla_a C_0"), ("odot", r"\odot"),
                                 ("sigma_prime", r"\sigma'\left(z^{(L)}\right)")],
                         vec(s.delta, L), s.delta_vector(L)),
        "bp2": author.each("bp2", [("lhs", r"\delta^{(l)}"), ("eq", "="),
                                   ("back", r"\left(\left(W^{(l+1)}\right)^T \delta^{(l+1)}\right)"), ("odot", r"\odot"),
                                   ("sigma_prime", r"\sigma'\left(z^{(l)}\right)")],
                           inner, lambda l: (vec(s.delta, l), s.delta_vector(l))),
        "bp3": author.each("bp3", [("lhs", d(C, nt.symbol("b^{(l)}_{j}"))), ("eq", "="), ("rhs", r"\delta^{(l)}_{j}")],
                           js, lambda l, j: (nt.partial(C, s.b(l, j)), s.delta(l, j))),
        "bp4": author.each("bp4", [("lhs", d(C, nt.symbol("w^{(l)}_{jk}"))), ("eq", "="), ("a_prev", "a^{(l-1)}_{k}"),
                                   ("delta", r"\delta^{(l)}_{j}")],
                           jk, lambda l, j, k: (nt.partial(C, s.w(l, j, k)), s.a(l - 1, k) * s.delta(l, j))),
    }
    shapes = {f"W{l}": f"{ex.sizes[l]} \\times {ex.sizes[l - 1]}" for l in range(1, L + 1)}
    shapes |= {f"delta{l}": f"{ex.sizes[l]} \\times 1" for l in range(1, L + 1)}
    series = {f"delta{l}": tuple(shown(fmt, f"delta{l}_{j}", s.delta(l, j).name, ex.value(ex.sym.delta(l, j)))
                                 for j in range(ex.sizes[l])) for l in range(1, L + 1)}
    return Beat(27, "vector_form", "Vector form", 3, equations, series=series, texts=shapes)


def _beat_descent_step(ex: Example, fmt: Formatter, spec: LessonSpec) -> Beat:
    stepped, after = ex.after_step(spec.learning_rate)
    values = {"eta": shown(fmt, "eta", r"\eta", spec.learning_rate),
              "cost_before": shown(fmt, "cost_before", "C", ex.fwd.mean_cost),
              "cost_after": shown(fmt, "cost_after", "C", after)}
    return Beat(28, "descent_step", "One step downhill", 3, values=values)


def build(spec: LessonSpec) -> LessonModel:
    """Build the lesson model from a validated lesson file."""
    fmt = Formatter(spec.decimals)
    worked = Example.build(spec.worked_chain, spec.cost, SymbolicNetwork(
        spec.worked_chain.sizes, IDENTITY, spec.cost, squish=False, biases=False, style="subscript"))
    sigmoid = Example.build(spec.sigmoid_chain, spec.cost, SymbolicNetwork(
        spec.sigmoid_chain.sizes, spec.sigmoid_chain.activation, spec.cost))
    deep = Example.build(spec.deep_chain, spec.cost, SymbolicNetwork(spec.deep_chain.sizes, spec.deep_chain.activation, spec.cost))
    wide = Example.build(spec.wide_network, spec.cost, SymbolicNetwork(
        spec.wide_network.sizes, spec.wide_network.activation, spec.cost))
    beats = (
        _beat_title(spec),
        _beat_chain_rule(spec, fmt),
        _beat_nested_cost(worked, fmt, spec),
        _beat_forward_pass(worked, fmt, spec),
        _beat_product_of_rates(worked, fmt, spec),
        _beat_desire(worked, fmt, spec),
        _beat_backward_sweep(worked, fmt, spec),
        _beat_squish(worked, fmt, spec),
        _beat_vanishing(deep, fmt, spec),
        _beat_four_neurons(sigmoid, fmt, spec),
        _beat_last_link(sigmoid, fmt, spec),
        _beat_weighted_input(sigmoid, fmt, spec),
        _beat_dependency_tree(sigmoid, fmt),
        _beat_number_lines(sigmoid, fmt, spec),
        _beat_chain_assembled(sigmoid, fmt),
        _beat_local_derivatives(sigmoid, fmt, spec),
        _beat_fire_together(sigmoid, fmt),
        _beat_average(sigmoid, fmt),
        _beat_gradient_vector(sigmoid, fmt),
        _beat_bias_and_previous(sigmoid, fmt, spec),
        _beat_one_layer_back(sigmoid, fmt),
        _beat_indices(wide, fmt),
        _beat_sums(wide, fmt, spec),
        _beat_weight_index_form(wide, fmt, spec),
        _beat_sum_over_paths(wide, fmt),
        _beat_recursion(wide, fmt, spec),
        _beat_vector_form(wide, fmt, spec),
        _beat_descent_step(wide, fmt, spec),
    )
    return LessonModel(spec, fmt, worked, sigmoid, deep, wide, beats)
