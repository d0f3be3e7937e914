"""Part 3 of the lesson, many neurons per layer (beats 22-28): indices, sums over paths, the recursion, vectors."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import sympy as sp

from mathcore import notation as nt
from mathcore.beats.common import Author, Context, Plugged, cost_tex, d, product_parts, shown, slope_tex
from mathcore.equations import Factor, FactorKind
from mathcore.examples import Example
from mathcore.model import Beat
from mathcore.symbolic import SymbolicNetwork


def indices(c: Context) -> Beat:
    ex, fmt = c.wide, c.fmt
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
    return Beat("indices", "Indices for many neurons", series=series,
                texts=labels | {"to_from": "to j, from k", "sizes": "-".join(map(str, ex.sizes))})


def sums(c: Context) -> Beat:
    ex, fmt, spec = c.wide, c.fmt, c.spec
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
    return Beat("sums", "Sums over neurons", equations,
                {"C0": shown(fmt, "C0", C.name, ex.value(C))})


def weight_index_form(c: Context) -> Beat:
    ex, fmt, spec = c.wide, c.fmt, c.spec
    s, L = ex.sym, ex.depth
    n = s.notation
    author = Author(s, fmt, ex.base_values(0))
    C = s.cost_symbol
    chain = [("dz_dw", d(n.z(L, "j"), n.w(L, "j", "k"))), ("da_dz", d(n.a(L, "j"), n.z(L, "j"))),
             ("dC_da", d(C, n.a(L, "j")))]
    locals_ = [("a_prev", n.a(L - 1, "k").name), ("sigma_prime", rf"\sigma'\left({n.z(L, 'j').name}\right)"),
               ("slope", slope_tex(spec.cost.slope_tex_factor, n.a(L, "j").name, n.y("j").name))]
    bindings = [{"j": j, "k": k} for j in range(ex.sizes[L]) for k in range(ex.sizes[L - 1])]
    kinds: tuple[FactorKind, ...] = ("input", "squish_slope", "cost_slope")
    local_factors = [Factor(key, kind, L) for (key, _), kind in zip(locals_, kinds)]
    equations = {"chain": author.each(
        "chain", [("lhs", d(C, n.w(L, "j", "k"))), ("eq", "=")] + chain + [("eq2", "=")] + locals_, bindings,
        lambda j, k: (nt.partial(C, s.w(L, j, k)), s.chain_product(C, s.w(L, j, k)), s.local_product(C, s.w(L, j, k))),
        factors=[Factor(key, kind, L) for (key, _), kind in zip(chain, kinds)] + local_factors)}
    j, k = highlighted_edge(ex)
    factors = [ex.value(nt.partial(top, below)) for top, below in s.links(C, s.w(L, j, k))]
    total = ex.value(nt.partial(C, s.w(L, j, k)))
    w_jk = s.w(L, j, k)
    plugged = Plugged(fmt)
    number_parts, numbers, value = product_parts(plugged, ("a_prev", "sigma_prime", "slope"), factors, total, "eq2")
    equations["numbers"] = author.eq("numbers", [("lhs", d(C, w_jk)), ("eq", "=")] + number_parts, nt.partial(C, w_jk),
                                     numbers, value, numbers=plugged, factors=local_factors)
    values = {"j": shown(fmt, "j", "j", j), "k": shown(fmt, "k", "k", k), "dC_dw": shown(fmt, "dC_dw", d(C, w_jk), total)}
    return Beat("weight_index_form", "The same chain, with indices", equations, values)


def sum_over_paths(c: Context) -> Beat:
    ex, fmt = c.wide, c.fmt
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
                                            * nt.partial(C, s.a(L, j)) for j in range(nL))),
                             factors=_path_factors(("dz_da", "da_dz", "dC_da"), L)),
        "terms": author.each("terms", [("lhs", d(C, n.a(L - 1, "k"))), ("eq", "="), ("sum", r"\sum_{j=0}^{n_L - 1}"),
                                       ("w", n.w(L, "j", "k").name), ("sigma_prime", rf"\sigma'\left({n.z(L, 'j').name}\right)"),
                                       ("dC_da", d(C, n.a(L, "j")))], bindings,
                             lambda k: (nt.partial(C, s.a(L - 1, k)), s.activation_gradient_by_paths(L, k)),
                             factors=_path_factors(("w", "sigma_prime", "dC_da"), L)),
    }
    _, k = highlighted_edge(ex)
    terms = ex.bwd.paths[L][0, :, k]
    series = {"terms": tuple(shown(fmt, f"path{j}", rf"{s.w(L, j, k).name}\,\sigma'\left({s.z(L, j).name}\right)\,{d(C, s.a(L, j))}", t)
                             for j, t in enumerate(terms))}
    total = ex.value(nt.partial(C, s.a(L - 1, k)))
    relation = fmt.relation(sum(Fraction(fmt.shown_value(t)) for t in terms), total)
    values = {"k": shown(fmt, "k", "k", k), "sum": shown(fmt, "sum", d(C, s.a(L - 1, k)), total)}
    return Beat("sum_over_paths", "Sum over every path", equations, values, series, texts={"relation": relation})


def recursion(c: Context) -> Beat:
    ex, fmt, spec = c.wide, c.fmt, c.spec
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
            bindings, lambda l, k: (nt.partial(C, s.a(l - 1, k)), s.activation_gradient_by_paths(l, k)),
            factors=_path_factors(("w", "sigma_prime", "dC_da"), None)),
        "base": author.each(
            "base", [("lhs", d(C, n.a(L, "j"))), ("eq", "="), ("rhs", slope_tex(spec.cost.slope_tex_factor, n.a(L, "j").name, n.y("j").name))],
            [{"j": j} for j in range(ex.sizes[L])], lambda j: (nt.partial(C, s.a(L, j)), s.graph.local(C, s.a(L, j)))),
    }
    series = {f"dC_da{l}": tuple(shown(fmt, f"a{l}_{j}", d(C, s.a(l, j)), ex.value(nt.partial(C, s.a(l, j))))
                                 for j in range(ex.sizes[l])) for l in range(0, L + 1)}
    return Beat("recursion", "The recursion for any layer", equations, series=series)


def vector_form(c: Context) -> Beat:
    ex, fmt, spec = c.wide, c.fmt, c.spec
    L = ex.depth
    s = SymbolicNetwork(ex.sizes, ex.spec.activation, spec.cost, vectors=True, opaque=True)
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
    return Beat("vector_form", "Vector form", equations, series=series, texts=shapes)


def descent_step(c: Context) -> Beat:
    ex, fmt, spec = c.wide, c.fmt, c.spec
    _, after = ex.after_step(spec.learning_rate)
    values = {"eta": shown(fmt, "eta", r"\eta", spec.learning_rate),
              "cost_before": shown(fmt, "cost_before", "C", ex.fwd.mean_cost),
              "cost_after": shown(fmt, "cost_after", "C", after)}
    return Beat("descent_step", "One step downhill", values=values)


def highlighted_edge(ex: Example) -> tuple[int, int]:
    """The last layer's weight with the largest gradient: the edge Part 3 follows."""
    g = np.abs(ex.bwd.grad_w[ex.depth][0])
    j, k = np.unravel_index(int(np.argmax(g)), g.shape)
    return int(j), int(k)


def _path_factors(keys: tuple[str, str, str], layer: int | None) -> list[Factor]:
    """One path's term, ``w sigma'(z) dC/da``: a weight, the squish's slope, the cost's slope there."""
    return [Factor(key, kind, layer) for key, kind in zip(keys, ("weight", "squish_slope", "cost_slope"))]


# The part's beats, in the lesson's order.
BEATS: tuple[Callable[[Context], Beat], ...] = (
    indices,
    sums,
    weight_index_form,
    sum_over_paths,
    recursion,
    vector_form,
    descent_step,
)
