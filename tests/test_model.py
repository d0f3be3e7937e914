"""The lesson model: beats in the planned order, numbers that follow the lesson file.

Hand calculations for the worked chain are written next to their assertions; other values are
checked against central finite differences of the cost, computed here from the file's numbers.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import sympy as sp
import pytest

from mathcore import build_model
from mathcore.formatting import Formatter
from mathcore.model import LessonModel
from mathcore.numeric import Network, mean_cost

# Beat numbers of each part, from docs/lesson-outline.md.
PARTS = {1: range(1, 10), 2: range(10, 22), 3: range(22, 29)}


def test_beats_come_in_lesson_order(any_model: LessonModel):
    numbers = [b.number for b in any_model.beats]
    assert numbers == list(range(1, 29))
    for part, beats in PARTS.items():
        assert [b.number for b in any_model.part(part)] == list(beats)
    keys = [b.key for b in any_model.beats]
    assert len(set(keys)) == len(keys)
    with pytest.raises(KeyError, match="no beat"):
        any_model.beat("no_such_beat")


def test_worked_chain_by_hand(model: LessonModel):
    # a0 = 1, w = (2, 3, 0.5), y = 2: a1 = 2*1 = 2, a2 = 3*2 = 6, a3 = 0.5*6 = 3, C = (3-2)^2 = 1.
    fwd = model.beat("forward_pass").values
    assert [fwd[k].value for k in ("a1", "a2", "a3", "C")] == [2, 6, 3, 1]
    # dC/da3 = 2(3-2) = 2; dC/dw3 = 2*a2 = 12; dC/dw2 = 2*w3*a1 = 2; dC/dw1 = 2*w3*w2*a0 = 3.
    assert model.beat("desire").values["desire"].value == 2
    sweep = model.beat("backward_sweep").values
    assert [sweep[f"dC_dw{l}"].value for l in (3, 2, 1)] == [12, 2, 3]
    assert model.beat("product_of_rates").equations["numbers"].tex.endswith(r"2 \cdot 0.5 \cdot 3 \cdot 1 = 3")
    # w1 + 0.01: C = (0.5*3*2.01*1 - 2)^2 = 1.015^2 = 1.030225, so C rises by 0.030225 (about 0.03).
    desire = model.beat("desire").values
    assert desire["delta_cost"].value == pytest.approx(0.030225, abs=1e-12)
    assert desire["predicted"].tex == "+0.03"


def _fd(net: Network, x, y, kind: str, layer: int, index: tuple[int, ...], h: float = 1e-6) -> float:
    value = getattr(net, kind)[layer][index]
    up = mean_cost(net.with_parameter(kind, layer, index, value + h), x, y)
    down = mean_cost(net.with_parameter(kind, layer, index, value - h), x, y)
    return (up - down) / (2 * h)


def test_shown_gradients_match_finite_differences(any_model: LessonModel):
    ex = any_model.sigmoid
    x0, y0 = ex.spec.inputs[:1], ex.spec.targets[:1]
    L = ex.depth
    dC_dw = any_model.beat("local_derivatives").values["dC_dw"].value
    assert dC_dw == pytest.approx(_fd(ex.net, x0, y0, "w", L, (0, 0)), rel=1e-6)
    # The averaged gradient vector uses every training example.
    x, y = ex.spec.inputs, ex.spec.targets
    grads = any_model.beat("gradient_vector").series["gradient"]
    expected = []
    for l in range(1, L + 1):
        expected += [_fd(ex.net, x, y, "w", l, (0, 0)), _fd(ex.net, x, y, "b", l, (0,))]
    assert [g.value for g in grads] == pytest.approx(expected, rel=1e-5, abs=1e-9)
    average = any_model.beat("average")
    per_example = [g.value for g in average.series["gradients"]]
    assert average.values["mean"].value == pytest.approx(np.mean(per_example))
    assert average.values["mean"].value == pytest.approx(_fd(ex.net, x, y, "w", L, (0, 0)), rel=1e-6)


def test_nudge_ratios_converge_to_the_derivative(any_model: LessonModel):
    beat = any_model.beat("local_derivatives")
    target = beat.values["dC_dw"].value
    errors = [abs(r.value - target) for r in beat.series["nudge_ratio"]]
    assert all(later < earlier for earlier, later in zip(errors, errors[1:]))
    assert errors[-1] < 1e-2 * abs(target) + 1e-6


def test_descent_step_lowers_the_cost(any_model: LessonModel):
    v = any_model.beat("descent_step").values
    assert v["cost_after"].value < v["cost_before"].value


def test_vanishing_gradient_shrinks_with_depth(model: LessonModel):
    grads = [g.value for g in model.beat("vanishing").series["gradient_by_depth"]]
    assert len(grads) == model.deep.depth
    assert all(b < a for a, b in zip(grads, grads[1:]))
    assert grads[-1] < 1e-4 * grads[0]


def test_every_shown_number_uses_the_formatter(any_model: LessonModel):
    fmt = any_model.fmt
    for beat in any_model.beats:
        shown = list(beat.values.values()) + [v for vs in beat.series.values() for v in vs]
        for v in shown:
            allowed = {fmt.number(v.value), fmt.signed(v.value), fmt.scientific(v.value),
                       Formatter(fmt.places + 2).number(v.value), fmt.given(v.value)}
            assert v.tex in allowed, (beat.key, v.key, v.tex)


def test_a_changed_lesson_file_changes_the_numbers(model: LessonModel, other_model: LessonModel):
    assert other_model.fmt.places == 2
    a = model.beat("last_link").equations["cost"].tex
    b = other_model.beat("last_link").equations["cost"].tex
    assert a != b
    assert other_model.wide.sizes == (2, 4, 3)
    assert len(other_model.beat("average").series["gradients"]) == 3


def test_importing_mathcore_does_not_import_manim():
    code = "import sys, mathcore; mathcore.build_model(); print('manim' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_build_model_takes_a_path(tmp_path):
    from mathcore.lessonfile import DEFAULT_LESSON

    copy = tmp_path / "copy.toml"
    copy.write_text(DEFAULT_LESSON.read_text().replace("x = 1.0", "x = 2.0"))
    m = build_model(copy)
    assert m.beat("chain_rule").values["x"].value == 2.0


def test_the_second_lesson_shows_approx_where_rounded_factors_disagree(other_model: LessonModel):
    # By hand, from the TeX: 0.48 * 0.19 * 1.51 = 0.137712, which would show as 0.14, but the
    # true product shows as 0.13, so the relation must be "approx" (the video shows it).
    eq = other_model.beat("local_derivatives").equations["numbers"]
    assert eq.tex.endswith(r"0.48 \cdot 0.19 \cdot 1.51 \approx 0.13")
    assert eq.part("eq2") == r"\approx"


def _kind_from_formula(local: sp.Expr, below_is_computed: bool, graph_symbols: dict[str, str]) -> str:
    """What a link's derivative is, read off its formula (not from the model's factor list)."""
    if local == 1:  # dz/db, or the identity's slope da/dz (z is computed, a bias is not)
        return "squish_slope" if below_is_computed else "bias"
    names = {s.name for s in local.free_symbols}
    if any(n.startswith("y") for n in names):
        return "cost_slope"  # 2(a - y): the cost's slope
    if local.atoms(sp.Function) or local.has(sp.exp) or isinstance(local, sp.Derivative):
        return "squish_slope"  # sigma'(z)
    (name,) = names
    return graph_symbols[name[0]]  # a lone weight (dz/da = w) or activation (dz/dw = a)


def test_chain_factors_say_what_each_link_is(any_model: LessonModel):
    """Every factor the model lists names a part of its equation, and its kind agrees with the
    link's own formula, derived by sympy from the definitions (a mutation of a kind fails here)."""
    from mathcore import notation as nt

    by_letter = {"w": "weight", "a": "input"}
    checked = 0
    for beat, eq in any_model.equations():
        keys = set(eq.keys)
        for f in eq.factors:
            assert f.key in keys, (beat.key, eq.key, f.key)
            split = nt.split_partial(nt.symbol(eq.part(f.key)))
            if split is None:  # a formula or a number: kinds checked through the symbolic twin
                continue
            top, below = split
            known = set(eq.graph.definitions).union(*(e.free_symbols for e in eq.graph.definitions.values()))
            if top not in eq.graph.definitions or below not in known:
                continue  # index letters: a general formula
            local = eq.graph.local(top, below)
            kind = _kind_from_formula(local, below in eq.graph.definitions, by_letter)
            assert kind == f.kind, (beat.key, eq.key, f)
            checked += 1
    assert checked >= 20


def test_roles_colour_quantities_not_numbers(model: LessonModel):
    eq = model.beat("weighted_input").equations["z"]
    assert eq.roles == {"lhs": "weighted_input", "w": "weight", "a_prev": "activation", "b": "bias"}
    tree = model.beat("dependency_tree").data["roles"]
    assert tree["w^{(L)}"] == "weight" and tree["b^{(L)}"] == "bias" and tree["y"] == "target"
    assert model.beat("gradient_vector").data["roles"][:2] == ("weight", "bias")
