"""Part 1 of the lesson, rates multiply along a chain (beats 1-9): the worked chain, no squish."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import sympy as sp

from mathcore import notation as nt
from mathcore.beats.common import (
    Author,
    Context,
    Parts,
    Plugged,
    cost_line,
    product_parts,
    cost_tex,
    d,
    known_values,
    local_tex,
    link_factor,
    shown,
    slope_tex,
)
from mathcore.equations import Factor
from mathcore.examples import Example
from mathcore.formatting import Formatter
from mathcore.functions import GENERIC, Activation
from mathcore.lessonfile import LessonFileError, LessonSpec
from mathcore.model import Beat, Shown
from mathcore.numeric import first_weight_gradient_by_depth
from mathcore.symbolic import Graph, SymbolicNetwork


def title(c: Context) -> Beat:
    spec = c.spec
    return Beat("title", spec.title, texts={"title": spec.title, "after": spec.after, "before": spec.before})


def chain_rule(c: Context) -> Beat:
    spec, fmt = c.spec, c.fmt
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
    return Beat("chain_rule", "The chain rule in one line", equations, values, functions=functions)


def nested_cost(c: Context) -> Beat:
    ex, fmt, spec = c.worked, c.fmt, c.spec
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
    return Beat("nested_cost", "The cost is a nested function", equations,
                data={"chain": chain, "weights": weights, "target": s.y().name})


def forward_pass(c: Context) -> Beat:
    ex, fmt, spec = c.worked, c.fmt, c.spec
    s, L, author = ex.sym, ex.depth, _worked_author(ex, fmt)
    values = {"a0": shown(fmt, "a0", s.a(0).name, ex.value(s.a(0))), "y": shown(fmt, "y", s.y().name, ex.value(s.y()))}
    equations = {}
    for l in range(1, L + 1):
        a, w, prev = s.a(l), s.w(l), s.a(l - 1)
        values[f"w{l}"] = shown(fmt, f"w{l}", w.name, ex.value(w))
        values[f"a{l}"] = shown(fmt, f"a{l}", a.name, ex.value(a))
        n = Plugged(fmt)
        w_value, prev_value = n.factor(ex.value(w)), n.factor(ex.value(prev))
        numbers = w_value.sym * prev_value.sym
        relation, value = n.result(numbers, ex.value(a))
        equations[f"a{l}"] = author.eq(
            f"a{l}",
            [("lhs", a.name), ("eq", "="), ("w", w.name), ("a_prev", prev.name), ("eq2", "="),
             ("w_value", w_value.tex), ("times", r"\cdot"), ("a_prev_value", prev_value.tex),
             ("eq3", relation), ("value", value.tex)],
            a, s.definitions[a], numbers, value.sym, numbers=n,
        )
    C, aL, y = s.cost_symbol, s.a(L), s.y()
    values["C"] = shown(fmt, "C", C.name, ex.value(C))
    equations["cost"] = cost_line(author, spec, C, aL, y, ex.value(aL), ex.value(y), ex.value(C))
    return Beat("forward_pass", "Forward pass of the worked chain", equations, values)


def product_of_rates(c: Context) -> Beat:
    ex, fmt, spec = c.worked, c.fmt, c.spec
    s = ex.sym
    author = _worked_author(ex, fmt)
    p = _product(ex, spec, 1)
    lhs = d(s.cost_symbol, s.w(1))
    n = Plugged(fmt)
    number_parts, numbers, value = product_parts(n, [f.key for f in p.factors], p.values, p.total, "eq2")
    dC_dw1 = nt.partial(s.cost_symbol, s.w(1))
    equations = {
        "chain": author.eq("chain", p.symbolic, dC_dw1, p.chain, factors=p.factors),
        "locals": author.eq("locals", [("lhs", lhs), ("eq", "=")] + p.local, dC_dw1, p.local_product, factors=p.factors),
        "numbers": author.eq("numbers", [("lhs", lhs), ("eq", "=")] + number_parts, dC_dw1, numbers, value, numbers=n,
                             factors=p.factors),
    }
    values = {f.key: shown(fmt, f.key, d(*link), v) for f, link, v in zip(p.factors, p.links, p.values)}
    values["dC_dw1"] = shown(fmt, "dC_dw1", lhs, p.total)
    return Beat("product_of_rates", "A product of rates, one per link", equations, values)


def desire(c: Context) -> Beat:
    ex, fmt, spec = c.worked, c.fmt, c.spec
    s, L = ex.sym, ex.depth
    author = _worked_author(ex, fmt)
    C, aL = s.cost_symbol, s.a(L)
    slope = ex.value(nt.partial(C, aL))
    n = Plugged(fmt)
    value = n.number(slope)
    equations = {
        "desire": author.eq(
            "desire",
            [("lhs", d(C, aL)), ("eq", "="), ("formula", slope_tex(spec.cost.slope_tex_factor, aL.name, s.y().name)),
             ("eq2", "="), ("value", value.tex)],
            nt.partial(C, aL), s.graph.local(C, aL), value.sym, numbers=n,
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
    return Beat("desire", "The output's desire", equations, values, texts=texts)


def backward_sweep(c: Context) -> Beat:
    ex, fmt, spec = c.worked, c.fmt, c.spec
    s, L = ex.sym, ex.depth
    author = _worked_author(ex, fmt)
    C = s.cost_symbol
    equations, values, running = {}, {}, []
    for l in range(L, 0, -1):
        w = s.w(l)
        p = _product(ex, spec, l)
        n = Plugged(fmt)
        number_parts, numbers, value = product_parts(n, [f.key for f in p.factors], p.values, p.total, "eq3",
                                                     suffix="_value")
        equations[f"w{l}"] = author.eq(f"w{l}", p.symbolic + [("eq2", "=")] + number_parts, nt.partial(C, w), p.chain,
                                       numbers, value, numbers=n, factors=p.factors)
        values[f"dC_dw{l}"] = shown(fmt, f"dC_dw{l}", d(C, w), p.total)
        running.append(shown(fmt, f"dC_da{l}", d(C, s.a(l)), ex.value(nt.partial(C, s.a(l)))))
    naive = sum(len(s.links(C, s.w(l))) - 1 for l in range(1, L + 1))
    sweep = (L - 1) + L  # one multiplication per link carried back, one per weight
    values["naive_multiplications"] = shown(fmt, "naive_multiplications", r"\text{each chain on its own}", naive)
    values["sweep_multiplications"] = shown(fmt, "sweep_multiplications", r"\text{one backward sweep}", sweep)
    values["saved"] = shown(fmt, "saved", r"\text{saved}", naive - sweep)
    return Beat("backward_sweep", "Run it backward", equations, values, series={"running_product": tuple(running)},
                texts={"shared": "the output-side factors are shared", "count": "multiplications"})


def squish(c: Context) -> Beat:
    ex, fmt, spec = c.worked, c.fmt, c.spec
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
    factors = [link_factor(s, top, below) for top, below in links]
    parts: Parts = [("lhs", d(C, w1)), ("eq", "=")]
    parts += [(f.key, local_tex(s, top, below, spec)) for f, (top, below) in zip(factors, links)]
    equations["product"] = author.eq("product", parts, nt.partial(C, w1), s.local_product(C, w1), factors=factors)
    return Beat("squish", "The squish adds a factor per layer", equations,
                texts={"caption": "with a squish, every link gains a factor"})


def vanishing(c: Context) -> Beat:
    """Beat 9: the first weight's gradient against depth, under the squish's own bound.

    Every layer multiplies the gradient by one more ``sigma'(z)``, so ``L`` of them are at most
    ``(max sigma')^L``: ``(1/4)^L`` for the sigmoid, ``1`` for tanh, ReLU and the identity, where the
    weights alone decide whether the gradient shrinks or grows. A ReLU layer with ``z < 0`` has
    ``sigma' = 0``: the gradient is exactly 0 from that depth on, which a log scale cannot place, so
    ``data["zero"]`` names the row that shows it.
    """
    ex, fmt, spec = c.deep, c.fmt, c.spec
    act = ex.spec.activation
    s = SymbolicNetwork((1, 1), act, spec.cost)
    z = nt.symbol("z")
    author = Author(s, fmt)
    slope = s.sigma_prime(z)
    flat = not act.textbook(z).free_symbols  # sigma' is the same number everywhere (identity)
    equations = {"textbook": author.eq("textbook", [("lhs", r"\sigma'(z)"), ("eq", "="), ("rhs", act.textbook_tex)],
                                       slope, act.textbook(z))}
    if not flat and s.sigma_prime(sp.Integer(0)) == act.max_slope:  # sigmoid, tanh: the peak is at z = 0
        equations["peak"] = author.eq("peak", [("lhs", r"\sigma'(0)"), ("eq", "="), ("rhs", act.max_slope_tex)],
                                      s.sigma_prime(sp.Integer(0)), act.max_slope)
    grads = np.abs(first_weight_gradient_by_depth(ex.net, ex.spec.inputs, ex.spec.targets))
    if not np.all(np.isfinite(grads)):
        raise LessonFileError(spec.path, "deep_chain.weights",
                              "the first weight's gradient overflows; use smaller weights, inputs or targets")
    bounds = [float(act.max_slope) ** n for n in range(1, len(grads) + 1)]
    first_weight = r"\left|\frac{\partial C}{\partial w^{(1)}}\right|"
    series = {
        "gradient_by_depth": tuple(Shown(f"depth{n}", first_weight, float(g), _magnitude(fmt, float(g)))
                                   for n, g in enumerate(grads, start=1)),
        "bound_by_depth": tuple(Shown(f"depth{n}", _bound_tex(act, flat), b, _magnitude(fmt, b))
                                for n, b in enumerate(bounds, start=1)),
    }
    values = {"max_slope": shown(fmt, "max_slope", r"\max \sigma'", float(act.max_slope)),
              "depth": shown(fmt, "depth", "L", ex.depth)}
    decades = _decades([float(g) for g in grads if g > 0] + bounds)
    data = {
        "decade_exponents": decades,
        "decades": tuple("1" if k == 0 else f"10^{{{k}}}" for k in decades),
        "depths": tuple(str(n) for n in range(1, len(grads) + 1)),
        "zero": ("0",) if np.any(grads == 0) else (),
    }
    return Beat("vanishing", "Vanishing gradients", equations, values, series, data=data)


def _bound_tex(act: Activation, flat: bool) -> str:
    """What the bound bounds and its value: ``prod sigma'(z^{(l)}) <= (1/4)^L``, ``... <= 1``, ``... = 1``."""
    product = r"\prod_{l=1}^{L} \sigma'\left(z^{(l)}\right)"
    power = "1" if act.max_slope == 1 else rf"\left({act.max_slope_tex}\right)^{{L}}"
    relation = "=" if flat else r"\le"
    return f"{product} {relation} {power}"


def _magnitude(fmt: Formatter, x: float) -> str:
    """A gradient of any size: scientific when large, or when tiny but not 0 (never shown as 0)."""
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 10.0 ** (1 - fmt.places)):
        return fmt.scientific(x)
    return fmt.number(x)


MAX_DECADE_TICKS = 8


def _decades(values: list[float]) -> tuple[int, ...]:
    """Powers of ten for a log axis over ``values`` (all above 0): every decade, or every k-th
    decade when there are more than :data:`MAX_DECADE_TICKS`; at least two ticks."""
    low = math.floor(min(math.log10(v) for v in values))
    high = math.ceil(max(math.log10(v) for v in values))
    step = max(1, math.ceil((high - low) / MAX_DECADE_TICKS))
    low, high = step * math.floor(low / step), step * math.ceil(high / step)
    if high == low:
        high += step
    return tuple(range(low, high + 1, step))


def _worked_author(ex: Example, fmt: Formatter) -> Author:
    return Author(ex.sym, fmt, ex.base_values(0))


class _Product(NamedTuple):
    """dC/dw_l read off the links, output side first: the parts of each form and its numbers."""

    symbolic: Parts  # lhs = dC/da_L da_L/da_{L-1} ...
    local: Parts  # each link's derivative from its own formula
    chain: sp.Expr
    local_product: sp.Expr
    values: list[float]  # each link's derivative at the example
    total: float
    factors: list[Factor]
    links: list[tuple[sp.Symbol, sp.Symbol]]


def _product(ex: Example, spec: LessonSpec, layer: int) -> _Product:
    s = ex.sym
    C, w = s.cost_symbol, s.w(layer)
    links = list(reversed(s.links(C, w)))  # output side first: dC/da_L, da_L/da_{L-1}, ..., da_l/dw_l
    known = {k: sp.Float(v) for k, v in known_values(ex).items()}
    factors = [link_factor(s, top, below) for top, below in links]
    return _Product(
        [("lhs", d(C, w)), ("eq", "=")] + [(f.key, d(top, below)) for f, (top, below) in zip(factors, links)],
        [(f.key, local_tex(s, top, below, spec)) for f, (top, below) in zip(factors, links)],
        s.chain_product(C, w), s.local_product(C, w),
        [float(s.graph.local(top, below).xreplace(known)) for top, below in links],
        ex.value(nt.partial(C, w)), factors, links,
    )


# The part's beats, in the lesson's order.
BEATS: tuple[Callable[[Context], Beat], ...] = (
    title,
    chain_rule,
    nested_cost,
    forward_pass,
    product_of_rates,
    desire,
    backward_sweep,
    squish,
    vanishing,
)
