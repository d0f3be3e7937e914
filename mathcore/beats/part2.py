"""Part 2 of the lesson, one neuron per layer (beats 10-21): the sigmoid chain, its last link, one layer back."""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from mathcore import notation as nt
from mathcore.beats.common import (Author, Context, Parts, Plugged, chain_factors, cost_line, cost_tex, d, link_key,
                                    local_tex, product_parts, shown)
from mathcore.formatting import Formatter
from mathcore.model import Beat, Shown
from mathcore.symbolic import Graph, SymbolicNetwork
from mathcore.texparse import Scope


def four_neurons(c: Context) -> Beat:
    ex, fmt, spec = c.sigmoid, c.fmt, c.spec
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
    return Beat("four_neurons", f"A chain of {L + 1} neurons", equations, values,
                texts={"signature": rf"{C.name}\left({params}\right)", "parameter_count": str(2 * L),
                       "parameters": f"{2 * L} parameters: a weight and a bias for each layer"})


def last_link(c: Context) -> Beat:
    ex, fmt, spec = c.sigmoid, c.fmt, c.spec
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, aL, y = s.cost_symbol, s.a(L), s.y()
    av, yv = ex.value(aL), ex.value(y)
    equations = {"cost": cost_line(author, spec, C, aL, y, av, yv, ex.value(C))}
    values = {"aL": shown(fmt, "aL", aL.name, av), "aL1": shown(fmt, "aL1", s.a(L - 1).name, ex.value(s.a(L - 1))),
              "y": shown(fmt, "y", y.name, yv), "C0": shown(fmt, "C0", C.name, ex.value(C))}
    return Beat("last_link", "Focus on the last link", equations, values,
                texts={"not_exponents": "superscripts are layer indices, not exponents",
                       "aL": aL.name, "aL1": s.a(L - 1).name, "target": "desired output"})


def weighted_input(c: Context) -> Beat:
    ex, fmt = c.sigmoid, c.fmt
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    z, a, w, a1, b = s.z(L), s.a(L), s.w(L), s.a(L - 1), s.b(L)
    wv, a1v, bv, zv = ex.value(w), ex.value(a1), ex.value(b), ex.value(z)
    nz = Plugged(fmt)
    w_shown, a1_shown, b_shown = nz.factor(wv), nz.factor(a1v), nz.factor(bv)
    z_numbers = w_shown.sym * a1_shown.sym + b_shown.sym
    z_relation, z_shown = nz.result(z_numbers, zv)
    na = Plugged(fmt)
    z_again = na.number(zv)
    a_relation, a_shown = na.result(s.sigma(z_again.sym), ex.value(a))
    equations = {
        "z": author.eq("z", [("lhs", z.name), ("eq", "="), ("w", w.name), ("a_prev", a1.name), ("plus", "+"), ("b", b.name),
                             ("eq2", "="), ("w_value", w_shown.tex), ("times", r"\cdot"), ("a_prev_value", a1_shown.tex),
                             ("plus2", "+"), ("b_value", b_shown.tex), ("eq3", z_relation), ("value", z_shown.tex)],
                       z, s.definitions[z], z_numbers, z_shown.sym, numbers=nz),
        "a": author.eq("a", [("lhs", a.name), ("eq", "="), ("rhs", rf"\sigma\left({z.name}\right)"), ("eq2", "="),
                             ("numbers", rf"\sigma\left({z_again.tex}\right)"), ("eq3", a_relation), ("value", a_shown.tex)],
                       a, s.definitions[a], s.sigma(z_again.sym), a_shown.sym, numbers=na),
    }
    values = {"z": shown(fmt, "z", z.name, zv), "a": shown(fmt, "a", a.name, ex.value(a)),
              "w": shown(fmt, "w", w.name, wv), "b": shown(fmt, "b", b.name, bv), "a_prev": shown(fmt, "a_prev", a1.name, a1v)}
    return Beat("weighted_input", "The weighted input", equations, values,
                texts={"z_caption": "the weighted sum plus the bias, before the squish"})


def dependency_tree(c: Context) -> Beat:
    """The tree as (node, its inputs) rows, from the cost down through every layer."""
    ex = c.sigmoid
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
    return Beat("dependency_tree", "The dependency tree", data={"tree": tuple(rows), "nodes": tuple(nodes), "roles": {n: nt.role(n) for n in nodes}},
                texts={"last_layer": "what the cost depends on, through the last layer",
                       "grows": "each earlier layer repeats the pattern, further up"})


def number_lines(c: Context) -> Beat:
    ex, fmt, spec = c.sigmoid, c.fmt, c.spec
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
    return Beat("number_lines", "Nudging the last weight", values=values, functions={"last_link": last_link},
                texts={k: sym.name for k, sym in names.items()} | {
                    "follow": "nudge the weight: everything after it follows"})


def chain_assembled(c: Context) -> Beat:
    ex, fmt = c.sigmoid, c.fmt
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, w = s.cost_symbol, s.w(L)
    factors = chain_factors(s, C, w)
    equations = {"chain": author.eq("chain", [("lhs", d(C, w)), ("eq", "=")] + _chain_parts(s, C, w),
                                    nt.partial(C, w), s.chain_product(C, w), factors=factors)}
    values = {f.key: shown(fmt, f.key, d(a, b), ex.value(nt.partial(a, b))) for f, (a, b) in zip(factors, s.links(C, w))}
    return Beat("chain_rule_assembled", "The chain rule, link by link", equations, values,
                texts={"ratio": "each link: how much its end moves per nudge of its start"})


def local_derivatives(c: Context) -> Beat:
    ex, fmt, spec = c.sigmoid, c.fmt, c.spec
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, w, z, a, a1 = s.cost_symbol, s.w(L), s.z(L), s.a(L), s.a(L - 1)
    links = s.links(C, w)
    equations = {}
    factors = []
    local_parts: Parts = []
    link_factors = chain_factors(s, C, w)
    for f, (top, below) in zip(link_factors, links):
        key = f.key
        tex = local_tex(s, top, below, spec)
        v = ex.value(nt.partial(top, below))
        factors.append(v)
        local_parts.append((key, tex))
        n = Plugged(fmt)
        value = n.number(v)
        equations[key] = author.eq(key, [("lhs", d(top, below)), ("eq", "="), ("formula", tex), ("eq2", "="),
                                         ("value", value.tex)],
                                   nt.partial(top, below), s.graph.local(top, below), value.sym, numbers=n)
    y = s.y()
    equations["z_def"] = author.eq("z_def", [("lhs", z.name), ("eq", "="), ("w", w.name), ("a_prev", a1.name),
                                             ("plus", "+"), ("b", s.b(L).name)], z, s.definitions[z])
    equations["a_def"] = author.eq("a_def", [("lhs", a.name), ("eq", "="), ("rhs", rf"\sigma\left({z.name}\right)")],
                                   a, s.definitions[a])
    equations["C_def"] = author.eq("C_def", [("lhs", C.name), ("eq", "="),
                                             ("rhs", cost_tex(spec.cost.tex_factor, a.name, y.name))],
                                   C, s.definitions[C])
    total = ex.value(nt.partial(C, w))
    equations["product"] = author.eq("product", [("lhs", d(C, w)), ("eq", "=")] + local_parts,
                                     nt.partial(C, w), s.local_product(C, w), factors=link_factors)
    n = Plugged(fmt)
    number_parts, numbers, value = product_parts(n, [key for key, _ in local_parts], factors, total, "eq2",
                                                 suffix="_value")
    equations["numbers"] = author.eq("numbers", [("lhs", d(C, w)), ("eq", "=")] + number_parts, nt.partial(C, w),
                                     numbers, value, numbers=n, factors=chain_factors(s, C, w, suffix="_value"))
    rows = ex.nudges("w", L, (0, 0), spec.nudges)
    finer = Formatter(fmt.places + 2)  # the ratios close in on the derivative: two more places
    values = {"dC_dw": shown(fmt, "dC_dw", d(C, w), total)}
    values.update({key: shown(fmt, key, d(t, b), f) for (key, _), (t, b), f in zip(local_parts, links, factors)})
    series = {
        "nudge_h": tuple(Shown(f"h{i}", r"\Delta " + w.name, r.h, fmt.given(r.h)) for i, r in enumerate(rows)),
        "nudge_delta_cost": tuple(Shown(f"dC{i}", r"\Delta " + C.name, r.delta_cost, fmt.scientific(r.delta_cost))
                                  for i, r in enumerate(rows)),
        "nudge_ratio": tuple(Shown(f"ratio{i}", rf"\Delta {C.name} / \Delta {w.name}", r.ratio, finer.number(r.ratio))
                             for i, r in enumerate(rows)),
    }
    definition = {z: "z_def", a: "a_def", C: "C_def"}
    data = {"definition": {key: definition[top] for (key, _), (top, _) in zip(local_parts, links)}}
    return Beat("local_derivatives", "Three local derivatives", equations, values, series, data=data,
                texts={"limit": finer.number(total),
                       "limit_labelled": f"{d(C, w)} = {finer.number(total)}",
                       "from_formula": "each factor comes from its own link's formula",
                       "converges": "as the nudge shrinks, the ratio approaches the derivative"})


def fire_together(c: Context) -> Beat:
    ex, fmt = c.sigmoid, c.fmt
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    z, w, a1 = s.z(L), s.w(L), s.a(L - 1)
    equations = {"dz_dw": author.eq("dz_dw", [("lhs", d(z, w)), ("eq", "="), ("rhs", a1.name)],
                                    nt.partial(z, w), s.graph.local(z, w))}
    return Beat("fire_together", "Neurons that fire together wire together", equations,
                {"a_prev": shown(fmt, "a_prev", a1.name, ex.value(a1))},
                texts={"slogan": "Neurons that fire together wire together",
                       "meaning": "a weight matters as much as the neuron feeding it is active"})


def average(c: Context) -> Beat:
    ex, fmt = c.sigmoid, c.fmt
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
    return Beat("average", "Average over training examples", equations, values, series,
                texts={"note": "i counts training examples; j and k count neurons"})


def gradient_vector(c: Context) -> Beat:
    ex, fmt = c.sigmoid, c.fmt
    s, n = ex.sym, ex.spec.examples
    graph, scope = _average_graph(s, n)
    author = Author(s, fmt, None, graph, scope)
    C = nt.AVERAGE_COST
    params = s.parameters()
    letters = {"weight": "w", "bias": "b"}
    rows = []
    for p in params:
        kind, layer = letters[nt.role(p)], _layer_of(s, p)
        rows.append(rf"\frac{{\partial C}}{{\partial {kind}^{{({layer})}}}}")
    tex = r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    equations = {"gradient": author.eq("gradient", [("lhs", r"\nabla C"), ("eq", "="), ("column", tex)],
                                       sp.Matrix([nt.partial(C, p) for p in params]),
                                       sp.Matrix([nt.partial(C, p) for p in params]))}
    grads = []
    for p in params:
        kind, layer = letters[nt.role(p)], _layer_of(s, p)
        grads.append(shown(fmt, f"{kind}{layer}", rf"\frac{{\partial C}}{{\partial {kind}^{{({layer})}}}}",
                           ex.mean_gradient(kind, layer, (0, 0) if kind == "w" else (0,))))
    return Beat("gradient_vector", "The gradient vector", equations, series={"gradient": tuple(grads)},
                texts={"every": "one entry for every weight and bias, averaged over the examples"},
                data={"roles": tuple(nt.role(p) for p in params)})


def bias_and_previous(c: Context) -> Beat:
    ex, fmt, spec = c.sigmoid, c.fmt, c.spec
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, z, b, a1, w = s.cost_symbol, s.z(L), s.b(L), s.a(L - 1), s.w(L)
    equations = {}
    values = {}
    for name, start in (("b", b), ("a_prev", a1)):
        local = s.graph.local(z, start)
        rhs = "1" if local == 1 else local.name
        equations[f"dz_d{name}"] = author.eq(f"dz_d{name}", [("lhs", d(z, start)), ("eq", "="), ("rhs", rhs)],
                                             nt.partial(z, start), local)
        rest = [(k, t) for k, t in _chain_parts(s, C, start)]
        local_rest = [(k, local_tex(s, top, below, spec)) for (k, _), (top, below) in zip(rest, s.links(C, start))]
        equations[f"dC_d{name}"] = author.eq(
            f"dC_d{name}", [("lhs", d(C, start)), ("eq", "=")] + rest + [("eq2", "=")] + [(k + "_formula", t) for k, t in local_rest],
            nt.partial(C, start), s.chain_product(C, start), s.local_product(C, start), factors=chain_factors(s, C, start))
        values[f"dC_d{name}"] = shown(fmt, f"dC_d{name}", d(C, start), ex.value(nt.partial(C, start)))
    values["w"] = shown(fmt, "w", w.name, ex.value(w))
    texts = {"bias": "nudge the bias: z moves by exactly the nudge",
             "previous": "nudge the previous activation: z moves by the weight times the nudge"}
    return Beat("bias_and_previous", "The bias and the previous activation", equations, values, texts=texts,
                data={"starts": {"b": b.name, "a_prev": a1.name}})


def one_layer_back(c: Context) -> Beat:
    ex, fmt = c.sigmoid, c.fmt
    s, L = ex.sym, ex.depth
    author = Author(s, fmt, ex.base_values(0))
    C, w = s.cost_symbol, s.w(L - 1)
    parts = _chain_parts(s, C, w)
    equations = {"chain": author.eq("chain", [("lhs", d(C, w)), ("eq", "=")] + parts, nt.partial(C, w), s.chain_product(C, w),
                                    factors=chain_factors(s, C, w))}
    shared = tuple(f.key for f in chain_factors(s, C, s.a(L - 1)))
    values = {"dC_dw": shown(fmt, "dC_dw", d(C, w), ex.value(nt.partial(C, w))),
              "dC_da_prev": shown(fmt, "dC_da_prev", d(C, s.a(L - 1)), ex.value(nt.partial(C, s.a(L - 1))))}
    return Beat("one_layer_back", "Iterate backwards", equations, values,
                texts={"reuse": "shared with the last layer's derivatives: computed once, reused",
                       "longer": "one layer back, the chain is longer"}, data={"start": w.name, "shared": shared})


def _tree_order(s: sp.Symbol) -> int:
    """Inputs of a node left to right: the weight, the activation before, the bias, the target."""
    return {"weight": 0, "activation": 1, "weighted_input": 1, "bias": 2, "target": 3}.get(nt.role(s) or "", 4)


def _chain_parts(s: SymbolicNetwork, top: sp.Symbol, start: sp.Symbol) -> Parts:
    return [(link_key(a, b), d(a, b)) for a, b in s.links(top, start)]


def _average_graph(s: SymbolicNetwork, n: int) -> tuple[Graph, Scope]:
    """``C = (1/n) sum_i C_i`` with each ``C_i`` a function of every parameter."""
    params = s.parameters()
    costs = {nt.example_cost(i): sp.Function(f"C_{{{i}}}", real=True)(*params) for i in range(n)}
    definitions = {nt.AVERAGE_COST: sp.Rational(1, n) * sum(costs)} | costs
    scope = s.scope()
    scope.examples = n
    scope.ranges = {"i": n}
    return Graph(definitions), scope


def _layer_of(s: SymbolicNetwork, p: sp.Symbol) -> int:
    for l in range(1, s.depth + 1):
        if p in (s.w(l), s.b(l)):
            return l
    raise KeyError(p)


# The part's beats, in the lesson's order.
BEATS: tuple[Callable[[Context], Beat], ...] = (
    four_neurons,
    last_link,
    weighted_input,
    dependency_tree,
    number_lines,
    chain_assembled,
    local_derivatives,
    fire_together,
    average,
    gradient_vector,
    bias_and_previous,
    one_layer_back,
)
