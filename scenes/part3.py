"""Part 3 of the lesson: many neurons per layer (beats 22-28).

The wide network of the lesson file, with indices; the sums over neurons; the chain for one
weight; the sum over every path back to a neuron of the layer before; the recursion swept
backwards through the network; the vector form in actual matrices; one step of gradient
descent. Every value and formula comes from the lesson model; the numbers below are only layout
(sizes, spacing, timing).
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circumscribe,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    ReplacementTransform,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    Write,
    config,
)

from mathcore.model import Beat
from scenes import palette
from scenes.matrices import ShownMatrix, ShownVector
from scenes.tex import (SAFE_WIDTH, Caption, EquationTex, LabelTex, ShownTex, fit_height_readable, fit_readable,
                        fit_below, fit_width, flow, roomy_rows)
from scenes.widenet import TOP, WideNetwork, WideScene

# -- beats 22-23: indices and sums ------------------------------------------------------------------
class ManyNeurons(WideScene):
    """Beats 22-23: the network with indices, ``w_{jk}`` "to j, from k" in ``W^{(L)}``; the sums."""

    beats = ("indices", "sums")

    def indices(self, beat: Beat) -> None:
        self.headline(beat)
        j, k = self.index(beat, "j"), self.index(beat, "k")
        L = self.model.wide.depth
        self.narrate("network")
        net = WideNetwork.fitted(self.model, width=7.4, height=4.6, font_size=26, radius=0.42)
        net.to_edge(LEFT, buff=0.5).set_y(0.1)
        # W^{(L)} = [...], shown beside the network, readable: if it does not fit there (a wide network
        # of long numbers, 5-4-5-5-4 to 1 place, leaves a third of the frame), the network goes
        # across the top, as in the next beat, and the words and the matrix in a row under it.
        name = VGroup(LabelTex(beat, "W", font_size=34), LabelTex(self.model.beat("vector_form"), "eq", font_size=34))
        name.arrange(RIGHT, buff=0.15)
        matrix = ShownMatrix(beat, "series", f"w{L}", self.model.wide.sizes[L], self.model.wide.sizes[L - 1],
                             font_size=26)
        block = VGroup(name, matrix).arrange(RIGHT, buff=0.2)
        right = net.get_right()[0] + 0.5
        room = config.frame_width / 2 - palette.MARGIN - right
        natural = block.width
        beside = fit_readable(block, room).width <= room
        if not beside:
            block.scale(natural / block.width)  # (as built: the row under the network is fitted whole)
            net = self.network_on_top(height=2.2)
            room = SAFE_WIDTH / 4  # the words wrap, as beside the network
        self.net = net
        self.show_network(net, run_time=3)
        labels = net.add_index_labels()
        layers = Caption(beat, "layers", font_size=24, color=palette.MUTED, width=net.width)
        layers.next_to(labels, DOWN, buff=0.3).set_x(net.get_x())
        self.play(FadeIn(labels), FadeIn(layers))
        self.wait(1.5)
        self.narrate("edge")
        # One edge: to neuron j of layer L, from neuron k of layer L-1.
        path = [net.edge(L, j, k)]
        w_label = net.label_edge(j, k, LabelTex(beat, "w", font_size=26, color=palette.HIGHLIGHT))
        w_label.add_background_rectangle(opacity=0.85, buff=0.04)
        self.play(*net.highlight(path), Indicate(net.neuron(L, j)), Indicate(net.neuron(L - 1, k)), FadeIn(w_label))
        value = ShownTex(beat, "values", "w_jk", labelled=True, font_size=28)
        to_from = Caption(beat, "to_from", font_size=26, color=palette.HIGHLIGHT)
        shape = LabelTex(beat, "shape", font_size=26, color=palette.MUTED)
        words_row = Caption(beat, "row", font_size=22, color=palette.HIGHLIGHT, width=room)
        words_column = Caption(beat, "column", font_size=22, color=palette.Z, width=room)
        words = VGroup(words_row, words_column).arrange(DOWN, buff=0.15)
        if beside:
            VGroup(to_from, value, block, shape).arrange(DOWN, buff=0.35).move_to((right + room / 2) * RIGHT + 0.3 * UP)
            words.next_to(shape, DOWN, buff=0.3).set_x(block.get_x())
        else:
            panel = VGroup(VGroup(to_from, value).arrange(DOWN, buff=0.35), VGroup(block, shape).arrange(DOWN, buff=0.3),
                           words).arrange(RIGHT, buff=0.6)
            fit_width(fit_readable(panel, SAFE_WIDTH - 0.6), SAFE_WIDTH)  # some air at the sides, if readable
            fit_below(panel, layers, buff=0.4).set_x(0)
        self.play(FadeIn(to_from), FadeIn(value))
        self.wait(1)
        self.narrate("matrix")
        self.play(FadeIn(name), Create(matrix.get_brackets()), FadeIn(VGroup(*matrix.get_entries())), FadeIn(shape))
        self.narrate("rows_columns")
        row, column = matrix.highlight_row(j, palette.HIGHLIGHT), matrix.highlight_column(k, palette.Z)
        into_j = [net.edge(L, j, kk) for kk in range(self.model.wide.sizes[L - 1])]
        self.play(Create(row), FadeIn(words_row), *net.highlight(into_j), run_time=1.5)
        self.wait(1.5)
        out_of_k = [net.edge(L, jj, k) for jj in range(self.model.wide.sizes[L])]
        self.play(Create(column), FadeIn(words_column), *net.restore([e for e in into_j if e is not path[0]]),
                  *net.highlight(out_of_k, palette.Z), run_time=1.5)
        self.wait(1.5)
        self.play(*net.restore(out_of_k), *net.highlight(path), Circumscribe(matrix.entry(j, k), color=palette.HIGHLIGHT),
                  Indicate(w_label))
        self.wait(2)
        self.indices_stage = VGroup(labels, layers, w_label, to_from, value, name, matrix, shape, row, column, words)

    def sums(self, beat: Beat) -> None:
        self.headline(beat)
        net = self.net
        L = net.L
        j = self.index(beat, "j")
        self.play(FadeOut(self.indices_stage), *net.restore([*net.net.edge_group]))
        # The same network, laid out again across the top (its values stay readable).
        smaller = self.network_on_top(height=2.2)
        self.play(ReplacementTransform(net, smaller), run_time=1.2)
        self.net = net = smaller
        cost = EquationTex(beat, "cost", font_size=34)
        cost_numbers = EquationTex(beat, "cost_numbers", font_size=32)
        z = EquationTex(beat, "z", font_size=34)
        z_numbers = EquationTex(beat, "z_numbers", font_size=32)
        lines = VGroup(cost, cost_numbers, z, z_numbers)
        lines.arrange(DOWN, buff=0.22).next_to(net, DOWN, buff=0.3)
        self.narrate("cost")
        # The cost: one term per output neuron.
        self.play(*net.highlight(net.links, palette.COST), Write(cost), run_time=1.5)
        self.play(FadeIn(cost_numbers, shift=0.1 * DOWN), Indicate(net.value_group(L)),
                  *(Indicate(t, color=palette.TARGET) for t in net.targets), run_time=1.5)
        self.wait(2)
        self.narrate("z")
        # The weighted input of one neuron: one term per neuron of the layer before.
        into_j = [net.edge(L, j, k) for k in range(net.sizes[L - 1])]
        self.play(*net.restore(net.links), *net.highlight(into_j), Indicate(net.neuron(L, j)), Write(z), run_time=1.5)
        self.play(FadeIn(z_numbers, shift=0.1 * DOWN), Indicate(net.value_group(L - 1)), run_time=1.5)
        self.wait(2.5)


# -- beats 24-25: one weight's chain, and the sum over paths ----------------------------------------
class SumOverPaths(WideScene):
    """Beats 24-25: ``dC_0/dw^{(L)}_{jk}`` for one edge; ``dC_0/da^{(L-1)}_k`` summed over every path."""

    beats = ("weight_index_form", "sum_over_paths")

    def weight_index_form(self, beat: Beat) -> None:
        self.headline(beat)
        j, k = self.index(beat, "j"), self.index(beat, "k")
        net = self.network_on_top(height=2.3)
        self.net = net
        self.show_network(net, run_time=2)
        self.narrate("same")
        path = net.path(j, k)
        self.play(*net.highlight(path))
        same = Caption(beat, "same", font_size=24, color=palette.MUTED, width=SAFE_WIDTH)
        chain = EquationTex(beat, "chain", font_size=36)
        numbers = EquationTex(beat, "numbers", font_size=36)
        VGroup(same, chain, numbers).arrange(DOWN, buff=0.45).next_to(net, DOWN, buff=0.45)
        self.play(FadeIn(same))
        self.narrate("chain")
        self.reveal(chain, "lhs", "eq", anim=Write)
        for key in chain.factor_keys()[:3]:
            self.reveal(chain, key, run_time=0.8)
        self.wait(0.5)
        rest = [key for key in chain.equation.keys if key not in ("lhs", "eq", *chain.factor_keys()[:3])]
        self.reveal(chain, *rest, run_time=1.5)
        self.wait(1)
        self.narrate("numbers")
        self.play(FadeIn(numbers, shift=0.1 * DOWN), run_time=1.5)
        self.play(numbers.part("value").animate.set_color(palette.HIGHLIGHT),
                  Circumscribe(numbers.part("value"), color=palette.HIGHLIGHT))
        self.wait(2)
        self.chain_stage = VGroup(same, chain, numbers)
        self.path_shown = path

    def sum_over_paths(self, beat: Beat) -> None:
        self.headline(beat)
        net = self.net
        L = net.L
        k = self.index(beat, "k")
        self.play(FadeOut(self.chain_stage), *net.restore(self.path_shown))
        words = Caption(beat, "every_path", font_size=24, color=palette.MUTED, width=SAFE_WIDTH)
        paths = EquationTex(beat, "paths", font_size=34)
        terms = EquationTex(beat, "terms", font_size=34)
        total = EquationTex(beat, "total", font_size=34)
        VGroup(words, paths).arrange(DOWN, buff=0.3).next_to(net, DOWN, buff=0.35)
        terms.move_to(paths)
        slot = terms.get_bottom()[1] - 0.3
        self.narrate("paths")
        self.play(FadeIn(words), Indicate(net.neuron(L - 1, k), scale_factor=1.3))
        self.narrate("terms")
        self.play(Write(paths), run_time=1.5)
        self.wait(1.5)
        # The local derivatives of each link, as in Part 2: dz/da is the weight.
        self.play(ReplacementTransform(paths, terms), run_time=1.5)
        self.wait(1)
        self.narrate("each_path")
        line_height = max(EquationTex(beat, f"path{j}", font_size=32).height for j in range(net.sizes[L]))
        total.align_to((slot - line_height - 0.3) * UP, UP)
        self.reveal(total, "lhs", "eq")
        shown_before = None
        for j in range(net.sizes[L]):
            line = EquationTex(beat, f"path{j}", font_size=32)
            line.align_to(slot * UP, UP)
            path = net.path(j, k)
            if shown_before is not None:  # the last path's line leaves before the next one comes
                old_line, old_path = shown_before
                self.play(FadeOut(old_line), *net.restore(old_path), run_time=0.5)
            self.play(*net.highlight(path), FadeIn(line, shift=0.1 * DOWN), run_time=1.0)
            keys = [f"plus{j}", f"term{j}"] if j else [f"term{j}"]
            self.reveal(total, *keys, anim=lambda m, line=line: TransformFromCopy(line.part("value"), m), run_time=0.9)
            self.wait(0.6)
            shown_before = (line, path)
        self.narrate("total")
        old_line, old_path = shown_before
        self.play(FadeOut(old_line), *net.restore(old_path), total.animate.align_to(slot * UP, UP))
        add = Caption(beat, "add", font_size=24, color=palette.HIGHLIGHT)
        self.reveal(total, "eq2", "value", run_time=1.2)
        add.next_to(total, DOWN, buff=0.3)
        self.play(FadeIn(add), total.part("value").animate.set_color(palette.HIGHLIGHT),
                  *net.highlight([net.edge(L, j, k) for j in range(net.sizes[L])]))
        self.wait(2.5)


# -- beat 26: the recursion, swept backwards ----------------------------------------------------
class Recursion(WideScene):
    """Beat 26: the recursion and its base case, sweeping back through the network to the gradient."""

    beats = ("recursion",)

    def recursion(self, beat: Beat) -> None:
        self.headline(beat)
        recursion = EquationTex(beat, "recursion", font_size=34)
        base = EquationTex(beat, "base", font_size=34)
        base_words = Caption(beat, "base_words", font_size=24, color=palette.MUTED)
        top = VGroup(recursion, VGroup(base_words, base).arrange(RIGHT, buff=0.4)).arrange(DOWN, buff=0.3)
        fit_width(top).align_to(TOP * UP, UP)
        # The gradient, a row transposed, goes along the bottom under the sweep's caption.
        gradient = LabelTex(beat, "gradient", font_size=32, tex_template=roomy_rows(display_fractions=True))
        fit_width(gradient).to_edge(DOWN, buff=0.3)
        sweep = Caption(beat, "sweep", font_size=24, color=palette.MUTED)
        sweep.next_to(gradient, UP, buff=0.25)
        derivatives = [[ShownTex(beat, "series", f"dC_da{l}", j, font_size=24) for j in range(n)]
                       for l, n in enumerate(self.model.wide.sizes)]
        room = top.get_bottom()[1] - 0.4 - (sweep.get_top()[1] + 0.3)
        net = WideNetwork.fitted(self.model, width=SAFE_WIDTH - 1.0, height=min(3.8, room), targets=False,
                                 room_for=derivatives)
        net.move_to((top.get_bottom()[1] - 0.4 - room / 2) * UP)
        self.narrate("recursion")
        self.play(Write(recursion), run_time=2)
        self.wait(1)
        self.show_network(net, run_time=2)
        # Base case: the output layer's values become dC/da^{(L)}.
        L = net.L
        self.narrate("base")
        self.play(FadeIn(base_words), Write(base), run_time=1.5)
        self.fill_layer(beat, net, L)
        self.narrate("sweep")
        self.play(FadeIn(sweep))
        for l in range(L, 0, -1):
            edges = net.edges_into(l)
            self.play(*net.highlight(edges), run_time=0.8)
            self.fill_layer(beat, net, l - 1)
            self.play(*net.restore(edges), run_time=0.6)
        self.wait(1)
        self.narrate("gradient")
        weights = Caption(beat, "weights", font_size=24, color=palette.MUTED).move_to(sweep)
        self.play(ReplacementTransform(sweep, weights), Write(gradient), run_time=2)
        self.wait(2.5)

    def fill_layer(self, beat: Beat, net: WideNetwork, l: int) -> None:
        """Replace layer ``l``'s activations by the cost's derivatives with respect to them."""
        olds = net.values[l]
        news = []
        for j in range(len(olds)):
            new = ShownTex(beat, "series", f"dC_da{l}", j, font_size=24, color=palette.HIGHLIGHT)
            net.put_value(l, j, new)
            news.append(new)
        self.play(*(c.animate.set_fill(opacity=0.08) for c in net.net.layers[l]),
                  *(ReplacementTransform(o, n) for o, n in zip(olds, news)), run_time=1.0)
        net.values[l] = news


# -- beat 27: the vector form ---------------------------------------------------------------------
class VectorForm(WideScene):
    """Beat 27: delta, BP1-BP4 with their shapes; layers L and L-1 as actual matrices and vectors."""

    beats = ("vector_form",)

    def vector_form(self, beat: Beat) -> None:
        self.headline(beat)
        delta = EquationTex(beat, "delta", font_size=34)
        bps = [EquationTex(beat, key, font_size=34) for key in ("bp1", "bp2", "bp3", "bp4")]
        shapes = VGroup(*(LabelTex(beat, key, font_size=26, color=palette.MUTED)
                          for key in ("shape_W", "shape_WT", "shape_delta"))).arrange(DOWN, buff=0.3, aligned_edge=LEFT)
        equations = VGroup(delta, *bps).arrange(DOWN, buff=0.35, aligned_edge=LEFT)
        block = VGroup(equations, shapes).arrange(RIGHT, buff=0.8)
        fit_width(block).align_to(TOP * UP, UP)
        self.narrate("delta")
        self.play(Write(delta), run_time=1.5)
        self.wait(1)
        self.narrate("equations")
        for bp in bps:
            self.play(FadeIn(bp, shift=0.1 * DOWN), run_time=1.2)
            self.wait(0.8)
        self.narrate("transpose")
        transpose = SurroundingRectangle(bps[1].part("back"), color=palette.HIGHLIGHT, buff=0.06)
        words = Caption(beat, "shapes_words", font_size=24, color=palette.HIGHLIGHT)
        words.next_to(block, DOWN, buff=0.4)
        self.play(FadeIn(shapes), run_time=1.2)
        self.play(Create(transpose), FadeIn(words))
        self.wait(2.5)
        self.play(FadeOut(VGroup(delta, *bps, shapes, transpose, words)))
        self.in_numbers(beat)

    def in_numbers(self, beat: Beat) -> None:
        self.narrate("numbers")
        caption = Caption(beat, "in_numbers", font_size=26, color=palette.MUTED).align_to(TOP * UP, UP)
        self.play(FadeIn(caption))
        size = 24

        def label(key: str) -> LabelTex:
            return LabelTex(beat, key, font_size=30)

        def vector(key: str, color=None) -> ShownVector:
            return ShownVector(beat, "series", key, font_size=size, color=color)

        n_L, n_prev = len(beat.series["deltaL"]), len(beat.series["delta_prev"])
        # BP1: delta^{(L)} = grad_a C (.) sigma'(z^{(L)}).
        bp1 = VGroup(label("delta"), label("eq"), vector("grad_a"), label("odot"), vector("sigma_primeL"),
                     LabelTex(beat, "rel_deltaL", font_size=30), vector("deltaL", palette.HIGHLIGHT))
        # BP2, first half: (W^{(L)})^T delta^{(L)}, whose entry k is beat 25's sum.
        WT = ShownMatrix(beat, "series", "W", n_L, n_prev, transpose=True, font_size=size)
        back = VGroup(label("WT"), label("delta"), label("eq"), WT, vector("deltaL", palette.HIGHLIGHT),
                      LabelTex(beat, "rel_back", font_size=30), vector("back", palette.Z))
        # BP2: delta^{(L-1)} = that (.) sigma'(z^{(L-1)}).
        bp2 = VGroup(label("delta_prev"), label("eq"), vector("back", palette.Z), label("odot"),
                     vector("sigma_prime_prev"), LabelTex(beat, "rel_delta_prev", font_size=30),
                     vector("delta_prev", palette.HIGHLIGHT))
        rows = [bp1, back, bp2]
        for row in rows:
            row.arrange(RIGHT, buff=0.2)
            fit_readable(row, SAFE_WIDTH)
        below = caption.get_bottom()[1] - 0.3
        k = self.index(beat, "k")
        check = ShownTex(beat, "values", "check", labelled=True, font_size=28, color=palette.Z)
        words = Caption(beat, "check_words", font_size=24, color=palette.Z)
        checked = fit_width(VGroup(check, words).arrange(RIGHT, buff=0.4)).to_edge(DOWN, buff=0.35)
        room = below - (checked.get_top()[1] + 0.3)
        together = sum(row.height for row in rows) + 0.3 * (len(rows) - 1) <= room
        if together:
            VGroup(*rows).arrange(DOWN, buff=0.3).align_to(below * UP, UP).set_x(0)
        else:  # one row at a time, in the same place
            for row in rows:
                row.align_to(below * UP, UP).set_x(0)
        previous = None
        for row in rows:
            gone = [FadeOut(previous)] if previous is not None and not together else []
            self.play(*gone, LaggedStart(*(FadeIn(m) for m in row), lag_ratio=0.2), run_time=2.5)
            self.wait(1.5)
            if row is back:
                # Entry k of (W^{(L)})^T delta^{(L)} is beat 25's sum over paths.
                self.narrate("check")
                entry = back[-1].entry(k)
                self.play(Circumscribe(entry, color=palette.Z), TransformFromCopy(entry, check[2]),
                          FadeIn(check[:2]), FadeIn(words), run_time=1.5)
                self.wait(2)
            previous = row
        self.wait(2)


# -- beat 28: one step of gradient descent ---------------------------------------------------------
class DescentStep(WideScene):
    """Beat 28: every parameter takes one step against its gradient; the cost before and after."""

    beats = ("descent_step",)

    def descent_step(self, beat: Beat) -> None:
        self.headline(beat)
        ex = self.model.wide
        L = ex.depth
        size = 24
        eta = ShownTex(beat, "values", "eta", labelled=True, font_size=30)
        eta.align_to(TOP * UP, UP)
        self.narrate("rate")
        self.play(FadeIn(eta))
        rows = []
        for name, shape in (("W", (ex.sizes[L], ex.sizes[L - 1])), ("b", (ex.sizes[L], 1))):
            parts = [LabelTex(beat, name, font_size=30), LabelTex(beat, "eq", font_size=30),
                     ShownMatrix(beat, "series", f"{name}_before", *shape, font_size=size),
                     LabelTex(beat, "minus", font_size=30), LabelTex(beat, "eta_tex", font_size=30),
                     ShownMatrix(beat, "series", f"{name}_grad", *shape, font_size=size, color=palette.HIGHLIGHT),
                     LabelTex(beat, f"rel_{name}", font_size=30),
                     ShownMatrix(beat, "series", f"{name}_after", *shape, font_size=size, color=palette.ACTIVATION)]
            row = VGroup(*flow(parts, width=SAFE_WIDTH, buff=0.2, line_buff=0.4))
            row.gradient = parts[5]
            rows.append(row)
        cost_before = ShownTex(beat, "values", "cost_before", labelled=True, font_size=34, color=palette.COST)
        cost_after = ShownTex(beat, "values", "cost_after", labelled=True, font_size=34, color=palette.COST)
        arrow = LabelTex(beat, "arrow", font_size=34)
        change = ShownTex(beat, "values", "cost_change", labelled=True, font_size=30, color=palette.HIGHLIGHT)
        costs = VGroup(cost_before, arrow, cost_after, change).arrange(RIGHT, buff=0.4)
        change.shift(0.4 * RIGHT)
        fit_width(costs)
        lower = Caption(beat, "lower", font_size=26, color=palette.HIGHLIGHT)
        every = Caption(beat, "every_layer", font_size=24, color=palette.MUTED)
        bottom_block = VGroup(every, costs, lower).arrange(DOWN, buff=0.25).to_edge(DOWN, buff=0.4)
        room = eta.get_bottom()[1] - 0.3 - (bottom_block.get_top()[1] + 0.3)
        # Each row with the name of its gradient under the gradient's matrix.
        names = []
        for name, row in zip(("W", "b"), rows):
            label = LabelTex(beat, f"grad_{name}", font_size=24, color=palette.MUTED)
            names.append(label.next_to(row.gradient, DOWN, buff=0.12))
            row.add(label)
        together = rows[0].height + rows[1].height + 0.4 <= room
        for i, row in enumerate(rows):
            fit_height_readable(row, room - (rows[1 - i].height + 0.4 if together else 0))
        middle = (eta.get_bottom()[1] + bottom_block.get_top()[1]) / 2
        if together:
            VGroup(*rows).arrange(DOWN, buff=0.4).set_y(middle)
        else:
            for row in rows:
                row.set_y(middle)
        self.narrate("step")
        for i, row in enumerate(rows):
            if i and not together:
                self.play(FadeOut(rows[0]))
            self.play(LaggedStart(*(FadeIn(m) for m in row), lag_ratio=0.15), run_time=3)
            self.wait(1.5)
        self.narrate("cost")
        self.play(FadeIn(cost_before))
        self.play(FadeIn(arrow), FadeIn(cost_after, shift=0.2 * DOWN), run_time=1.2)
        self.play(FadeIn(change), FadeIn(lower), Circumscribe(cost_after, color=palette.HIGHLIGHT))
        self.play(FadeIn(every))
        self.wait(3)

