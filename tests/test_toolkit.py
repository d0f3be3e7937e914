"""The scene toolkit, without rendering: live numbers, equation parts, the network diagram, matrices."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import numpy as np
import pytest
from manim import RIGHT, UP, ReplacementTransform, VGroup, tempconfig

from mathcore.beats import build_model
from mathcore.formatting import Formatter
from mathcore.model import LessonModel
from scenes import palette
from scenes.base import LessonScene, texts_of
from scenes.chains import ChainPicture
from scenes.live import LiveNumber, Nudge
from scenes.matrices import ShownMatrix, ShownVector, baseline_of, row_axes
from scenes.network import NetworkDiagram
from scenes.tex import (
    SAFE_WIDTH,
    Caption,
    EquationTex,
    ShownTex,
    boxes_meet,
    fit_readable,
    flow,
    font_size_of,
    place_clear,
    roomy_rows,
    stack_at,
    stagger,
    transform_by_key,
    wrap_words,
)
from scenes.widenet import WideNetwork

from .lessongen import lesson_text
from .test_scenes import _outside_holder


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


# -- matrices and vectors of shown numbers ------------------------------------------------------------
@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """Build mobjects with their TeX compiled in a temporary folder (no rendering)."""
    media = tmp_path_factory.mktemp("matrices")
    with tempconfig({"media_dir": str(media), "tex_dir": str(media / "Tex"), "verbosity": "WARNING"}):
        yield media


def entries_of(matrix) -> list:
    return [m for row in matrix.mob_matrix for m in row]


def test_shown_matrix_shows_the_model_weights_in_place_and_transposed(any_model: LessonModel, scratch):
    beat = any_model.beat("indices")
    for layer in range(1, any_model.wide.depth + 1):
        w = np.asarray(any_model.wide.net.w[layer])
        rows, cols = w.shape
        shown = ShownMatrix(beat, "series", f"w{layer}", rows, cols)
        flipped = ShownMatrix(beat, "series", f"w{layer}", rows, cols, transpose=True)
        assert len(shown.mob_matrix) == rows and len(shown.mob_matrix[0]) == cols
        assert len(flipped.mob_matrix) == cols and len(flipped.mob_matrix[0]) == rows
        for matrix, expected in ((shown, w), (flipped, w.T)):
            for r, c in np.ndindex(expected.shape):
                entry = matrix.entry(r, c)
                assert entry.shown.value == pytest.approx(float(expected[r, c]))
                assert entry.tex_strings == [any_model.fmt.number(float(expected[r, c]))]
                stored = (r, c) if matrix is shown else (c, r)
                index = stored[0] * cols + stored[1]
                assert entry.lesson_source == ("indices", "series", f"w{layer}", str(index))
                assert matrix.element_of(index) is entry
                if c + 1 < expected.shape[1]:  # left to right, top to bottom, apart
                    assert entry.get_right()[0] < matrix.entry(r, c + 1).get_left()[0]
                if r + 1 < expected.shape[0]:
                    assert entry.get_bottom()[1] > matrix.entry(r + 1, c).get_top()[1]
        assert list(shown.row(0)) == [shown.entry(0, c) for c in range(cols)]
        assert list(flipped.column(1)) == [flipped.entry(r, 1) for r in range(cols)]
    with pytest.raises(ValueError, match="not 5 x 7"):
        ShownMatrix(beat, "series", "w1", 5, 7)


def test_a_matrix_reads_back_as_its_entries_inside_its_brackets(model: LessonModel, scratch):
    beat = model.beat("indices")
    rows, cols = model.wide.net.w[1].shape
    matrix = ShownMatrix(beat, "series", "w1", rows, cols)
    shown = texts_of(matrix)
    assert [item.mobject for item in shown] == entries_of(matrix)  # the brackets are no text
    assert all(item.source is not None and item.font_size == pytest.approx(palette.NUMBER_SIZE) for item in shown)
    left, right = matrix.get_brackets()
    entries = VGroup(*entries_of(matrix))
    assert left.get_right()[0] < entries.get_left()[0] and entries.get_right()[0] < right.get_left()[0]
    for bracket in (left, right):
        assert bracket.get_top()[1] > entries.get_top()[1] and bracket.get_bottom()[1] < entries.get_bottom()[1]
        assert bracket.get_color() == palette.TEXT


def test_rows_stand_on_one_baseline_and_never_overlap(model: LessonModel, scratch):
    beat = model.beat("gradient_vector")
    grads = beat.series["gradient"]
    # One row of numbers of different shapes (an exponent, a minus sign): one baseline.
    row = ShownMatrix(beat, "series", "gradient", 1, len(grads))
    baselines = [baseline_of(m) for m in row.row(0)]
    assert max(baselines) - min(baselines) < 1e-3
    for a, b in zip(row.row(0), row.row(0)[1:]):
        assert boxes_apart(a, b, gap=0.1)
    column = ShownVector(beat, "series", "gradient")
    assert len(column.mob_matrix) == len(grads) and [column.entry(i).shown for i in range(len(grads))] == list(grads)
    for a, b in zip(column.row(0), column.row(0)[1:]):
        assert a.get_bottom()[1] > b.get_top()[1]
    for r in range(len(grads) - 1):
        assert column.row(r).get_bottom()[1] > column.row(r + 1).get_top()[1] + 0.05
    some = ShownVector(beat, "series", "gradient", indices=[2, 0])
    assert [some.entry(i).lesson_source[-1] for i in range(2)] == ["2", "0"]
    assert some.element_of(0) is some.entry(1)
    with pytest.raises(KeyError):
        some.element_of(1)
    box = some.highlight_row(0)
    assert box.get_left()[0] < some.entry(0).get_left()[0] and box.get_top()[1] > some.entry(0).get_top()[1]


def test_fit_shrinks_a_matrix_but_keeps_it_readable(model: LessonModel, scratch):
    beat = model.beat("indices")
    rows, cols = model.wide.net.w[1].shape
    small = ShownMatrix(beat, "series", "w1", rows, cols, font_size=40).fit(0.01, 0.01)
    for item in texts_of(small):
        assert item.font_size == pytest.approx(palette.MIN_FONT_SIZE)
    wide = ShownMatrix(beat, "series", "w1", rows, cols, font_size=40)
    width = wide.width
    wide.fit(width * 0.8, 100)
    assert wide.width == pytest.approx(width * 0.8)
    assert font_size_of(wide) == pytest.approx(32)
    roomy = ShownMatrix(beat, "series", "w1", rows, cols).fit(100, 100)
    assert font_size_of(roomy) == pytest.approx(palette.NUMBER_SIZE)


def test_a_vector_lines_up_with_the_rows_of_a_typeset_column(any_model: LessonModel, scratch):
    beat = any_model.beat("gradient_vector")
    gradient = EquationTex(beat, "gradient", tex_template=roomy_rows())
    column = gradient.part("column")
    count = len(beat.series["gradient"])
    axes = row_axes(column, count)
    assert len(axes) == count and all(a > b for a, b in zip(axes, axes[1:]))
    pitches = np.diff(axes)
    assert np.ptp(pitches) < 1e-3  # TeX spaces like rows evenly
    assert column.get_bottom()[1] < axes[-1] < axes[0] < column.get_top()[1]
    vector = ShownVector(beat, "series", "gradient").next_to(gradient, RIGHT)
    vector.place_rows(axes, around=column)
    for r, y in enumerate(axes):
        assert vector.axis_of_row(r) == pytest.approx(y, abs=1e-6)
    for bracket in vector.get_brackets():
        assert bracket.get_top()[1] == pytest.approx(column.get_top()[1])
        assert bracket.get_bottom()[1] == pytest.approx(column.get_bottom()[1])
    # A negative number's minus sign sits on the axis it was given (as it would in TeX).
    negative = next((i for i, g in enumerate(beat.series["gradient"]) if g.value < 0), None)
    if negative is not None:
        minus = vector.entry(negative).family_members_with_points()[0]
        assert minus.get_y() == pytest.approx(axes[negative], abs=0.01)



def test_place_clear_takes_the_first_free_side(model: LessonModel, scratch):
    beat = model.beat("forward_pass")
    anchor = ShownTex(beat, "values", "C")
    blocker = ShownTex(beat, "values", "C").next_to(anchor, RIGHT, buff=0.2)
    label = ShownTex(beat, "values", "C")
    place_clear(label, anchor, (RIGHT, UP), [blocker])
    assert label.get_bottom()[1] > anchor.get_top()[1] and not boxes_meet(label, blocker)
    place_clear(label, anchor, (RIGHT, UP), [blocker, label.copy()])  # nowhere free: the first side
    assert label.get_left()[0] > anchor.get_right()[0] and boxes_meet(label, blocker)


def test_part_files_hold_scenes_only():
    """Helpers live in the toolkit: a part file defines lesson scenes, nothing else at top level."""
    offenders = []
    for path in sorted((Path(__file__).parents[1] / "scenes").glob("part*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                offenders.append(f"{path.name}:{node.lineno} defines function {node.name}")
            elif isinstance(node, ast.ClassDef) and not issubclass(
                    getattr(importlib.import_module(f"scenes.{path.stem}"), node.name), LessonScene):
                offenders.append(f"{path.name}:{node.lineno} defines {node.name}, which is no LessonScene")
    assert not offenders, "\n".join(offenders)


# -- pictures narrowed to fit keep their numbers inside their neurons, readably --------------------
# Seed 32 with these choices is a generated lesson whose numbers are long (one place, so small
# values are written in scientific form): the 4-2-3-2 network of beat 22 once drew them 0.03-0.10
# units out of their circles, and the beat-10 chain, scaled to fit the frame, at 16 pt.
NARROWED = {"scientific-4-2-3-2": (32, dict(wide_sizes=(4, 2, 3, 2), wide_activation="sigmoid", decimals=1))}


@pytest.fixture(scope="module", params=["default", *NARROWED])
def narrowed_model(request, model, tmp_path_factory) -> LessonModel:
    if request.param == "default":
        return model
    seed, choices = NARROWED[request.param]
    path = tmp_path_factory.mktemp("narrowed") / f"{request.param}.toml"
    path.write_text(lesson_text(seed, **choices), encoding="utf-8")
    return build_model(path)


def _held(value, holder) -> bool:
    """Whether ``value``'s box is inside ``holder``, a circle or a pill (half-circle ends)."""
    return _outside_holder((value.get_left()[0], value.get_bottom()[1], value.get_right()[0], value.get_top()[1]),
                           (holder.get_x(), holder.get_y(), holder.width, holder.height)) <= 0


@pytest.mark.parametrize("picture", ["chain", "network", "network on top"])
def test_a_narrowed_picture_keeps_its_numbers_inside_and_readable(narrowed_model: LessonModel, scratch, picture):
    if picture == "chain":  # beat 10, as FourNeurons draws it: it must fit the frame
        mob = ChainPicture.fitted(narrowed_model)
        assert mob.width <= SAFE_WIDTH
        values = mob.values
    else:  # beat 22 (ManyNeurons) and the network over the equations of beats 23-25
        width, kwargs = (7.4, dict(height=4.6, font_size=26, radius=0.42)) if picture == "network" else (9.0, dict(height=2.2))
        mob = WideNetwork.fitted(narrowed_model, width=width, **kwargs)
        # At most as wide as asked, unless no build is: then no wider than the narrowest tried,
        # and the scene gives it the room (the scene tests' layout check).
        narrowest = WideNetwork(narrowed_model, width=width / 2, **kwargs).width
        assert mob.width <= max(width, narrowest) + 1e-6
        values = [v for column in mob.values for v in column]
    for value in values:
        assert font_size_of(value) >= palette.MIN_FONT_SIZE - 1e-6, value.tex_string
        assert _held(value, value.lesson_holder), value.tex_string
