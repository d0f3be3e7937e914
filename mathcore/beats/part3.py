"""Part 3 of the lesson, many neurons per layer (beats 22-28): indices, sums over paths, the recursion, vectors."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import sympy as sp

from mathcore import notation as nt
from mathcore.beats.common import Author, Context, Parts, Plugged, cost_tex, d, product_parts, shown, slope_tex
from mathcore.equations import Equation, Factor, FactorKind
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
    j, k = highlighted_edge(ex)
    values = {"j": shown(fmt, "j", "j", j), "k": shown(fmt, "k", "k", k),
              "w_jk": shown(fmt, "w_jk", s.w(L, j, k).name, ex.value(s.w(L, j, k)))}
    texts = labels | {
        "to_from": "to j, from k", "sizes": "-".join(map(str, ex.sizes)),
        "W": matrix_tex("W", L, n), "shape": rf"{ex.sizes[L]} \times {ex.sizes[L - 1]}",
        "layers": "superscripts count layers, subscripts count neurons",
        "row": "row j: weights into neuron j", "column": "column k: weights out of neuron k",
    }
    return Beat("indices", "Indices for many neurons", values=values, series=series, texts=texts)


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
    j, _ = highlighted_edge(ex)
    equations["cost_numbers"] = _cost_numbers(author, c, ex)
    equations["z_numbers"] = _z_numbers(author, ex, j)
    values = {"C0": shown(fmt, "C0", C.name, ex.value(C)), "j": shown(fmt, "j", "j", j)}
    return Beat("sums", "Sums over neurons", equations, values)


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
    texts = {"same": "the same three links as one neuron per layer, now with indices"}
    return Beat("weight_index_form", "The same chain, with indices", equations, values, texts=texts)


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
    for j in range(nL):
        equations[f"path{j}"] = _path_line(author, ex, j, k)
    equations["total"] = _paths_total(author, ex, k, terms, total)
    values = {"k": shown(fmt, "k", "k", k), "sum": shown(fmt, "sum", d(C, s.a(L - 1, k)), total)}
    texts = {"every_path": "a neuron of layer L-1 reaches the cost through every neuron of layer L",
             "add": "add the paths"}
    return Beat("sum_over_paths", "Sum over every path", equations, values, series, texts=texts)


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
    blocks = [rf"\frac{{\partial {C.name}}}{{\partial {matrix_tex(name, l, n)}}}"
              for l in range(1, L + 1) for name in ("W", "b")]
    texts = {"base_words": "base case: the output layer",
             "sweep": "each layer's values come from the layer after it",
             "weights": "and every weight and bias from its neuron's value",
             "gradient": rf"\nabla {C.name} = \begin{{bmatrix}}" + " & ".join(blocks) + r"\end{bmatrix}^T"}
    return Beat("recursion", "The recursion for any layer", equations, series=series, texts=texts)


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
    layer_numbers, relations = _layer_in_numbers(c, ex)
    series |= layer_numbers
    _, k = highlighted_edge(ex)
    check = shown(fmt, "check", d(C, ex.sym.a(L - 1, k)), float(ex.bwd.dC_da[L - 1][0, k]))
    n = ex.sym.notation
    texts = shapes | relations | {
        "W": matrix_tex("W", L, n), "WT": rf"\left({matrix_tex('W', L, n)}\right)^T",
        "delta": matrix_tex(r"\delta", L, n), "delta_prev": matrix_tex(r"\delta", L - 1, n),
        "odot": r"\odot",
        "shapes_words": "the transpose carries the errors back a layer",
        "check_words": "the same number as the sum over paths",
        "shape_W": r"W^{(l)}:\ n_l \times n_{l-1}", "shape_WT": r"\left(W^{(l+1)}\right)^T:\ n_l \times n_{l+1}",
        "shape_delta": r"\delta^{(l)},\ \sigma'\left(z^{(l)}\right):\ n_l \times 1", "eq": "=",
        "in_numbers": "layer L and the layer before it, in numbers",
    }
    return Beat("vector_form", "Vector form", equations, values={"check": check, "k": shown(fmt, "k", "k", k)},
                series=series, texts=texts)


def descent_step(c: Context) -> Beat:
    ex, fmt, spec = c.wide, c.fmt, c.spec
    stepped, after = ex.after_step(spec.learning_rate)
    L, n = ex.depth, ex.sym.notation
    values = {"eta": shown(fmt, "eta", r"\eta", spec.learning_rate),
              "cost_before": shown(fmt, "cost_before", "C", ex.fwd.mean_cost),
              "cost_after": shown(fmt, "cost_after", "C", after),
              "cost_change": shown(fmt, "cost_change", r"\Delta C", after - ex.fwd.mean_cost)}
    eta = Fraction(fmt.shown_value(spec.learning_rate))
    series, texts = {}, {}
    for name, before, grad, new_ in (("W", ex.net.w[L], ex.bwd.mean_grad_w[L], stepped.w[L]),
                                     ("b", ex.net.b[L], ex.bwd.mean_grad_b[L], stepped.b[L])):
        before, grad, new_ = (np.ravel(np.asarray(x, dtype=float)) for x in (before, grad, new_))
        symbols = ([ex.sym.w(L, i // ex.sizes[L - 1], i % ex.sizes[L - 1]) for i in range(before.size)] if name == "W"
                   else [ex.sym.b(L, j) for j in range(before.size)])
        for when, xs in (("before", before), ("after", new_)):
            series[f"{name}_{when}"] = tuple(shown(fmt, f"{name}_{when}{i}", sym.name, x)
                                             for i, (sym, x) in enumerate(zip(symbols, xs)))
        series[f"{name}_grad"] = tuple(shown(fmt, f"{name}_grad{i}", rf"\frac{{\partial C}}{{\partial {sym.name}}}", x)
                                       for i, (sym, x) in enumerate(zip(symbols, grad)))
        exact = [Fraction(fmt.shown_value(x)) - eta * Fraction(fmt.shown_value(g)) for x, g in zip(before, grad)]
        texts[f"rel_{name}"] = _all_equal(fmt, exact, new_)
        texts[name] = matrix_tex(name, L, n)
        texts[f"grad_{name}"] = rf"\nabla_{{{matrix_tex(name, L, n)}}} C"
    texts |= {"minus": "-", "eta_tex": r"\eta", "arrow": r"\longrightarrow", "eq": "=",
              "every_layer": "every layer's weights and biases take the same step",
              "lower": "the cost is lower"}
    return Beat("descent_step", "One step downhill", values=values, series=series, texts=texts)


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


# -- lines with the followed example's numbers ----------------------------------------------------
def matrix_tex(letter: str, layer: int, n: nt.Notation) -> str:
    """A layer's matrix or vector, ``W^{(L)}`` or ``b^{(L-1)}``, written as its entries are."""
    return f"{letter}^{{({n.layer_tex(layer)})}}"


def _cost_numbers(author: Author, c: Context, ex: Example) -> Equation:
    """``C_0 = (a_0 - y_0)^2 + (a_1 - y_1)^2 + ... = value``, one term per output neuron."""
    s, L, spec = ex.sym, ex.depth, c.spec
    C = s.cost_symbol
    n = Plugged(author.fmt)
    terms, expr = [], sp.Integer(0)
    for j in range(ex.sizes[L]):
        a, y = n.number(ex.value(s.a(L, j))), n.factor(ex.value(s.y(j)))
        terms.append(cost_tex(spec.cost.tex_factor, a.tex, y.tex))
        expr += spec.cost.symbolic(a.sym, y.sym)
    relation, value = n.result(expr, ex.value(C))
    return author.eq("cost_numbers", [("lhs", C.name), ("eq", "="), ("numbers", " + ".join(terms)),
                                      ("eq2", relation), ("value", value.tex)],
                     C, expr, value.sym, numbers=n)


def _z_numbers(author: Author, ex: Example, j: int) -> Equation:
    """``z^{(L)}_j = w_{j0} a_0 + ... + b_j`` in numbers, for the highlighted neuron ``j``."""
    s, L = ex.sym, ex.depth
    z = s.z(L, j)
    n = Plugged(author.fmt)
    parts: Parts = [("lhs", z.name), ("eq", "=")]
    expr = sp.Integer(0)
    for k in range(ex.sizes[L - 1]):
        w = n.factor(ex.value(s.w(L, j, k))) if k else n.number(ex.value(s.w(L, j, k)))
        a = n.factor(ex.value(s.a(L - 1, k)))
        parts += [(f"w{k}", w.tex), (f"dot{k}", r"\cdot"), (f"a{k}", a.tex), (f"plus{k}", "+")]
        expr += w.sym * a.sym
    b = n.factor(ex.value(s.b(L, j)))
    expr += b.sym
    relation, value = n.result(expr, ex.value(z))
    parts += [("b", b.tex), ("eq2", relation), ("value", value.tex)]
    return author.eq("z_numbers", parts, z, expr, value.sym, numbers=n)


def _path_line(author: Author, ex: Example, j: int, k: int) -> Equation:
    """One path's term, ``w^{(L)}_{jk} sigma'(z^{(L)}_j) dC_0/da^{(L)}_j``, and its numbers."""
    s, L = ex.sym, ex.depth
    C = s.cost_symbol
    w, z, a = s.w(L, j, k), s.z(L, j), s.a(L, j)
    symbols = [("w", w.name), ("sigma_prime", rf"\sigma'\left({z.name}\right)"), ("dC_da", d(C, a))]
    factors = [ex.value(w), ex.value(nt.partial(a, z)), ex.value(nt.partial(C, a))]
    term = float(ex.bwd.paths[L][0, j, k])
    n = Plugged(author.fmt)
    number_parts, numbers, value = product_parts(n, ("w_value", "sigma_prime_value", "dC_da_value"), factors,
                                                 term, "eq2")
    return author.eq(f"path{j}", symbols + [("eq", "=")] + number_parts,
                     w * s.sigma_prime(z) * nt.partial(C, a), numbers, value, numbers=n,
                     factors=_path_factors(("w", "sigma_prime", "dC_da"), L))


def _paths_total(author: Author, ex: Example, k: int, terms: np.ndarray, total: float) -> Equation:
    """``dC_0/da^{(L-1)}_k = t_0 + t_1 + ... = total``: the paths' shown terms added."""
    s, L = ex.sym, ex.depth
    C = s.cost_symbol
    n = Plugged(author.fmt)
    slots = [n.number(t) if j == 0 else n.factor(t) for j, t in enumerate(terms)]
    expr = sp.Add(*(slot.sym for slot in slots))
    relation, value = n.result(expr, total)
    parts: Parts = [("lhs", d(C, s.a(L - 1, k))), ("eq", "=")]
    for j, slot in enumerate(slots):
        parts += ([(f"plus{j}", "+")] if j else []) + [(f"term{j}", slot.tex)]
    parts += [("eq2", relation), ("value", value.tex)]
    return author.eq("total", parts, nt.partial(C, s.a(L - 1, k)), expr, value.sym, numbers=n)


def _all_equal(fmt, exact: list[Fraction], values) -> str:
    """``=`` between two arrays of shown numbers if every entry's exact value from the shown
    numbers rounds to the shown result, else ``\\approx`` (the formatter's rule, entry by entry)."""
    return "=" if all(fmt.relation(e, float(v)) == "=" for e, v in zip(exact, values)) else r"\approx"


def _layer_in_numbers(c: Context, ex: Example) -> tuple[dict, dict]:
    """BP1 and BP2 for the last two layers in numbers: ``nabla_a C``, ``sigma'(z^{(L)})``,
    ``delta^{(L)}``, ``W^{(L)}`` (rows j, columns k), ``(W^{(L)})^T delta^{(L)}``, ``sigma'(z^{(L-1)})``
    and ``delta^{(L-1)}``; and the relation each line may show (``=`` or ``\\approx``)."""
    fmt, L, b = c.fmt, ex.depth, ex.bwd
    W = np.asarray(ex.net.w[L], dtype=float)
    arrays = {"grad_a": b.dC_da[L][0], "sigma_primeL": b.sigma_prime[L][0], "deltaL": b.delta[L][0],
              "W": W.ravel(), "back": W.T @ b.delta[L][0], "sigma_prime_prev": b.sigma_prime[L - 1][0],
              "delta_prev": b.delta[L - 1][0]}
    s, C = ex.sym, ex.sym.cost_symbol
    rows, cols = W.shape
    W_L, delta_L = matrix_tex("W", L, s.notation), matrix_tex(r"\delta", L, s.notation)
    labels = {"grad_a": lambda j: d(C, s.a(L, j)), "sigma_primeL": lambda j: rf"\sigma'\left({s.z(L, j).name}\right)",
              "deltaL": lambda j: s.delta(L, j).name, "W": lambda i: s.w(L, i // cols, i % cols).name,
              "back": lambda k: rf"\left(\left({W_L}\right)^T {delta_L}\right)_{{{k}}}",
              "sigma_prime_prev": lambda k: rf"\sigma'\left({s.z(L - 1, k).name}\right)",
              "delta_prev": lambda k: s.delta(L - 1, k).name}
    series = {key: tuple(shown(fmt, f"{key}{i}", labels[key](i), x) for i, x in enumerate(np.asarray(v, dtype=float)))
              for key, v in arrays.items()}
    q = {key: [Fraction(fmt.shown_value(x.value)) for x in items] for key, items in series.items()}
    Wq = [q["W"][j * cols:(j + 1) * cols] for j in range(rows)]
    back = [sum(Wq[j][k] * q["deltaL"][j] for j in range(rows)) for k in range(cols)]
    relations = {
        "rel_deltaL": _all_equal(fmt, [g * p for g, p in zip(q["grad_a"], q["sigma_primeL"])], arrays["deltaL"]),
        "rel_back": _all_equal(fmt, back, arrays["back"]),
        "rel_delta_prev": _all_equal(fmt, [x * p for x, p in zip(q["back"], q["sigma_prime_prev"])],
                                     arrays["delta_prev"]),
    }
    return series, relations
