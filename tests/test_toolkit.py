"""The scene toolkit, without rendering: live numbers, equation parts, the network diagram."""

from __future__ import annotations

import numpy as np
import pytest
from manim import ReplacementTransform

from mathcore.formatting import Formatter
from mathcore.model import LessonModel
from scenes import palette
from scenes.live import LiveNumber, Nudge
from scenes.network import NetworkDiagram
from scenes.tex import EquationTex, ShownTex, stack_at, transform_by_key


def test_live_number_rebuilds_only_when_its_text_changes():
    fmt = Formatter(2)
    calls = []
    nudge = Nudge(1.0, lambda v: (calls.append(v) or v * 3, v + 1))
    live = LiveNumber(fmt, nudge.output(0), ("test",))
    texts = {live.text}
    # 200 tiny steps: 3v moves from 3.000 to 3.006, i.e. the shown text changes at 3.005 only.
    for v in np.linspace(1.0, 1.002, 200):
        nudge.tracker.set_value(v)
        live.update()
        texts.add(live.text)
    assert texts == {"3.00", "3.01"}
    assert live.updates == 1
    assert live.text == fmt.fixed(3 * 1.002)
    # The formula ran once per tracker value, however many displays read it.
    other = LiveNumber(fmt, nudge.output(1), ("test",))
    other.update()
    assert len(calls) == len(set(calls))


def test_equation_parts_are_addressed_by_key(model: LessonModel):
    beat = model.beat("local_derivatives")
    eq = EquationTex(beat, "product")
    for key, tex in eq.equation.parts:
        assert eq.part(key)[0].tex_string == tex
    assert eq.lesson_source == ("local_derivatives", "equations", "product")
    with pytest.raises(KeyError, match="has no part 'no_such_part'"):
        eq.part("no_such_part")


def test_transform_by_key_moves_shared_parts(model: LessonModel):
    beat = model.beat("product_of_rates")
    chain, locals_ = EquationTex(beat, "chain"), EquationTex(beat, "locals")
    group = transform_by_key(chain, locals_)
    moves = [a for a in group.animations if isinstance(a, ReplacementTransform)]
    assert len(moves) == len(set(chain.equation.keys) & set(locals_.equation.keys)) == len(locals_.equation.keys)


def test_stack_at_lines_up_equals_signs(model: LessonModel):
    beat = model.beat("backward_sweep")
    eqs = stack_at([EquationTex(beat, k) for k in beat.equations])
    xs = [e.part("eq").get_center()[0] for e in eqs]
    assert max(xs) - min(xs) < 1e-6


def test_shown_tex_is_the_formatted_value(model: LessonModel):
    beat = model.beat("last_link")
    m = ShownTex(beat, "values", "C0", labelled=True)
    assert m.tex_strings == [beat.values["C0"].label, "=", beat.values["C0"].tex]


def test_network_diagram_follows_the_weights(model: LessonModel):
    ex = model.wide
    d = NetworkDiagram(ex)
    assert [len(layer) for layer in d.layers] == list(ex.sizes)
    widths, sizes = [], []
    for (l, j, k), edge in d.edges.items():
        w = float(ex.net.w[l][j, k])
        assert edge.get_stroke_color() == palette.weight_color(w)
        widths.append(edge.get_stroke_width())
        sizes.append(abs(w))
    order = np.argsort(sizes)
    assert all(np.diff(np.array(widths)[order]) >= -1e-9)  # wider for larger |w|
    assert palette.weight_color(-0.1) == palette.WEIGHT_NEGATIVE
    assert palette.weight_color(0.1) == palette.WEIGHT_POSITIVE
