"""The scene toolkit, without rendering: live numbers, equation parts, the network diagram."""

from __future__ import annotations

import numpy as np
import pytest
from manim import RIGHT, ReplacementTransform

from mathcore.formatting import Formatter
from mathcore.model import LessonModel
from scenes import palette
from scenes.live import LiveNumber, Nudge
from scenes.network import NetworkDiagram
from scenes.tex import (
    SAFE_WIDTH,
    Caption,
    EquationTex,
    ShownTex,
    fit_readable,
    flow,
    font_size_of,
    stack_at,
    stagger,
    transform_by_key,
    wrap_words,
)


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


# -- layout helpers that adapt to the lesson's numbers ----------------------------------------------
def boxes_apart(a, b, gap: float = 0.0) -> bool:
    return (a.get_right()[0] + gap <= b.get_left()[0] or b.get_right()[0] + gap <= a.get_left()[0]
            or a.get_top()[1] + gap <= b.get_bottom()[1] or b.get_top()[1] + gap <= a.get_bottom()[1])


def test_flow_keeps_a_row_that_fits_and_wraps_one_that_does_not(model: LessonModel):
    beat = model.beat("desire")
    items = [ShownTex(beat, "values", k, labelled=True) for k in ("nudge", "delta_cost", "predicted")]
    one = flow(items, width=100)
    assert len(one) == 1
    row_width = one.width
    wrapped = flow(items, width=row_width * 0.7)
    assert len(wrapped) >= 2 and wrapped.width <= row_width * 0.7 + 1e-6
    assert [m for line in wrapped for m in line] == items  # the same mobjects, in order
    for a, b in zip(items, items[1:]):
        assert boxes_apart(a, b)
    too_long = flow([items[2]], width=items[2].width / 2)  # one item wider than the width: shrunk
    assert too_long.width <= items[2].width + 1e-6


def test_stagger_moves_every_other_crowded_label(model: LessonModel):
    beat = model.beat("backward_sweep")
    labels = [ShownTex(beat, "series", "running_product", i, labelled=True) for i in range(3)]
    for i, label in enumerate(labels):
        label.move_to(i * 0.5 * RIGHT)  # much closer than their widths
    ys = [label.get_y() for label in labels]
    assert stagger(labels)
    assert labels[0].get_y() == ys[0] and labels[2].get_y() == ys[2] and labels[1].get_y() < ys[1]
    assert boxes_apart(labels[0], labels[1]) and boxes_apart(labels[1], labels[2])
    spaced = [label.copy().move_to(i * 10 * RIGHT) for i, label in enumerate(labels)]
    assert not stagger(spaced)


def test_fit_readable_stops_at_the_smallest_readable_size(model: LessonModel):
    beat = model.beat("forward_pass")
    value = ShownTex(beat, "values", "C", font_size=30)
    assert font_size_of(value) == pytest.approx(30)
    fit_readable(value, value.width / 100)
    assert font_size_of(value) == pytest.approx(palette.MIN_FONT_SIZE)
    roomy = fit_readable(ShownTex(beat, "values", "C", font_size=30), 100)
    assert font_size_of(roomy) == pytest.approx(30)


def test_texts_are_never_wider_than_the_frame(model: LessonModel):
    beat = model.beat("four_neurons")
    composed = EquationTex(beat, "composed", font_size=200)
    assert composed.width <= SAFE_WIDTH + 1e-6


def test_caption_wraps_to_a_width_and_keeps_its_words(model: LessonModel):
    beat = model.beat("desire")
    line = Caption(beat, "desire", font_size=24)
    wrapped = Caption(beat, "desire", font_size=24, width=line.width * 0.6)
    assert wrapped.words == line.words == beat.texts["desire"]
    assert wrapped.width <= line.width * 0.6 + 1e-6 and wrapped.height > 1.5 * line.height
    assert wrap_words("one two three four", 2) == ["one two", "three four"]
    assert wrap_words("single", 3) == ["single"]


def test_chain_edge_labels_that_do_not_fit_go_above_the_neurons(model: LessonModel):
    net = NetworkDiagram(model.worked, width=3.0, height=0, radius=0.42)
    beat = model.beat("forward_pass")
    labels = net.label_edges([ShownTex(beat, "values", f"w{l}", labelled=True, font_size=40)
                              for l in range(1, model.worked.depth + 1)])
    for label in labels:
        for neuron in net.neuron_group:
            assert boxes_apart(label, neuron)
    for a, b in zip(labels, labels[1:]):
        assert boxes_apart(a, b)
    roomy = NetworkDiagram(model.worked, width=12.0, height=0, radius=0.42)
    short = roomy.label_edges([ShownTex(beat, "values", f"w{l}", labelled=True, font_size=20)
                               for l in range(1, model.worked.depth + 1)])
    for l, label in enumerate(short, start=1):  # room enough: each stays by its own edge
        assert abs(label.get_x() - roomy.edge(l).get_center()[0]) < 1e-6
