"""Part 2 of the lesson: backpropagation calculus on a chain of single sigmoid neurons (beats 10-21).

The chain's last link carries the whole derivation: the cost of one example, the weighted input,
the dependency tree, a live nudge of the last weight, and the three local derivatives whose
product is the gradient. Every value and formula comes from the lesson model; the numbers below
are only layout (sizes, spacing, timing).
"""

from __future__ import annotations


import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    TAU,
    UP,
    AnimationGroup,
    Arrow,
    Brace,
    Circumscribe,
    Create,
    CurvedArrow,
    Dot,
    FadeIn,
    FadeOut,
    GrowArrow,
    Indicate,
    LaggedStart,
    Line,
    MoveToTarget,
    NumberLine,
    ReplacementTransform,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    Write,
    config,
)

from mathcore.model import Beat
from scenes import palette
from scenes.base import LessonScene
from scenes.live import LiveNumber, Nudge
from scenes.chains import ChainPicture
from scenes.matrices import ShownVector, row_axes
from scenes.tree import TreeDiagram
from scenes.tex import (
    SAFE_WIDTH,
    Caption,
    EquationTex,
    LabelTex,
    ShownTex,
    SymbolTex,
    fit_height,
    fit_readable,
    fit_width,
    font_size_of,
    roomy_rows,
    transform_by_key,
)



class FourNeurons(LessonScene):
    """Beats 10-12: the chain and its parameters; its last link and the cost; the weighted input."""

    beats = ("four_neurons", "last_link", "weighted_input")

    def four_neurons(self, beat: Beat) -> None:
        self.narrate("chain")
        self.headline(beat)
        chain = ChainPicture.fitted(self.model)
        chain.move_to(ORIGIN).shift((1.7 - chain.neuron(0).get_y()) * UP)
        self.chain = chain
        for c in chain.net.neuron_group:
            c.set_fill(opacity=0)
        self.play(Create(chain.net.edge_group), FadeIn(chain.net.neuron_group), FadeIn(VGroup(*chain.names)),
                  Create(chain.cost_link), FadeIn(chain.cost), FadeIn(chain.cost_name), run_time=1.5)
        self.narrate("forward")
        # The forward pass fills each neuron with its activation, left to right.
        self.play(LaggedStart(*(
            AnimationGroup(chain.neuron(l).animate.set_fill(opacity=chain.fills[l]), FadeIn(chain.values[l]))
            for l in range(chain.L + 1)), lag_ratio=0.5), FadeIn(chain.target), run_time=2.5)
        self.wait(0.5)
        self.narrate("parameters")
        self.play(LaggedStart(*(FadeIn(w, shift=0.15 * DOWN) for w in chain.weights[1:]), lag_ratio=0.3),
                  run_time=1.2)
        self.play(LaggedStart(*(FadeIn(b, shift=0.15 * UP) for b in chain.biases[1:]), lag_ratio=0.3), run_time=1.2)
        self.wait(0.5)

        signature = fit_width(LabelTex(beat, "signature", font_size=palette.EQUATION_SIZE)).move_to(0.9 * DOWN)
        count = Caption(beat, "parameters", font_size=26, color=palette.MUTED).next_to(signature, DOWN, buff=0.3)
        self.play(Write(signature), run_time=1.5)
        self.play(FadeIn(count, shift=0.1 * UP),
                  *(Indicate(m, scale_factor=1.1) for m in chain.weights[1:] + chain.biases[1:]))
        self.narrate("composed")
        composed = fit_width(EquationTex(beat, "composed", font_size=palette.SMALL_EQUATION_SIZE))
        composed.next_to(count, DOWN, buff=0.5)
        self.play(Write(composed), run_time=2.5)
        self.wait(2)
        self.signature = VGroup(signature, count, composed)

    def last_link(self, beat: Beat) -> None:
        self.headline(beat)
        chain = self.chain
        L = chain.L
        self.narrate("focus")
        focus = chain.focus()
        self.play(FadeOut(self.signature), FadeOut(chain.early(), shift=0.5 * LEFT), run_time=1.0)
        focus.generate_target()
        focus.target.scale(1.25).move_to(1.5 * UP)
        focus.target[focus.submobjects.index(chain.biases[L])].set_opacity(0)
        self.play(MoveToTarget(focus), run_time=1.5)
        self.narrate("superscripts")
        # a^{(L)} and a^{(L-1)}: the superscripts count layers.
        size = palette.LABEL_SIZE * 1.25
        labels = [LabelTex(beat, key, font_size=size).move_to(chain.names[l])
                  for key, l in (("aL1", L - 1), ("aL", L))]
        for old, new in zip((chain.names[L - 1], chain.names[L]), labels):
            self.remove(old)
            self.add(new)
        chain.names[L - 1], chain.names[L] = labels
        note = Caption(beat, "not_exponents", font_size=28).next_to(focus, DOWN, buff=0.5)
        boxes = VGroup(*(SurroundingRectangle(m, color=palette.HIGHLIGHT, buff=0.08) for m in labels))
        self.play(Create(boxes), FadeIn(note, shift=0.1 * UP))
        self.wait(1.5)
        self.play(FadeOut(boxes))
        self.narrate("target")
        target = Caption(beat, "target", font_size=24, color=palette.TARGET).next_to(chain.target, UP, buff=0.15)
        self.play(FadeIn(target, shift=0.1 * DOWN), Indicate(chain.target, color=palette.TARGET))
        self.wait(0.5)

        self.narrate("cost")
        cost = EquationTex(beat, "cost").color_roles().next_to(note, DOWN, buff=0.6)
        self.reveal(cost, "lhs", "eq", "formula", anim=Write, run_time=1.2)
        self.reveal(cost, "eq2", "numbers", also=[Indicate(chain.values[L]), Indicate(chain.target)], run_time=1.2)
        self.reveal(cost, "eq3", "value")
        value = fit_readable(ShownTex(beat, "values", "C0", font_size=26), chain.cost.width - 0.2)
        room = max(chain.cost.width, value.width + 0.2)  # a long value widens the cost node to the right
        grow = [chain.cost.animate.stretch_to_fit_width(room, about_edge=LEFT)] if room > chain.cost.width else []
        value.move_to(chain.cost.get_center() + (room - chain.cost.width) / 2 * RIGHT)
        self.play(TransformFromCopy(cost.part("value"), value), *grow, run_time=1.0)
        self.play(Circumscribe(chain.cost, color=palette.COST))
        self.wait(1.5)
        self.cost_eq, self.note, self.cost_value, self.target_note = cost, note, value, target

    def weighted_input(self, beat: Beat) -> None:
        self.headline(beat)
        chain = self.chain
        L = chain.L
        self.play(FadeOut(self.cost_eq), FadeOut(self.note), FadeOut(self.target_note),
                  chain.biases[L].animate.set_opacity(1))
        z_label = SymbolTex(beat.values["z"].label, (beat.key, "values", "z", "label"), color=palette.Z,
                            font_size=palette.LABEL_SIZE * 1.25)
        z_label.next_to(chain.neuron(L), UP, buff=0.2)
        # A long weight label sits above the neurons (ChainPicture): keep z's label clear of it.
        w_label = chain.weights[L]
        if w_label.get_top()[1] > z_label.get_bottom()[1] - 0.3 and w_label.get_right()[0] + 0.3 > z_label.get_left()[0]:
            z_label.next_to(w_label, UP, buff=0.1).match_x(chain.neuron(L))
        caption = Caption(beat, "z_caption", font_size=26, color=palette.MUTED).move_to(0.55 * DOWN)
        z_eq = EquationTex(beat, "z").color_roles().next_to(caption, DOWN, buff=0.5)
        a_eq = EquationTex(beat, "a").color_roles().next_to(z_eq, DOWN, buff=0.5)
        a_eq.shift((z_eq.part("eq").get_x() - a_eq.part("eq").get_x()) * RIGHT)
        self.narrate("z")
        self.reveal(z_eq, "lhs", "eq", also=[FadeIn(z_label, shift=0.1 * DOWN)])
        self.play(FadeIn(caption))
        self.reveal(z_eq, "w", also=[Indicate(chain.weights[L], color=palette.HIGHLIGHT), Indicate(chain.net.edge(L))])
        self.reveal(z_eq, "a_prev", also=[Indicate(chain.neuron(L - 1)), Indicate(chain.names[L - 1])])
        self.reveal(z_eq, "plus", "b", also=[Indicate(chain.biases[L], color=palette.BIAS)])
        self.wait(0.5)
        self.narrate("numbers")
        self.reveal(z_eq, "eq2", "w_value", "times", "a_prev_value", "plus2", "b_value", run_time=1.2)
        self.reveal(z_eq, "eq3", "value")
        self.wait(1)
        self.narrate("squish")
        self.reveal(a_eq, "lhs", "eq", "rhs", anim=Write)
        self.reveal(a_eq, "eq2", "numbers", anim=lambda p: TransformFromCopy(z_eq.part("value"), p))
        self.reveal(a_eq, "eq3", "value", also=[Indicate(chain.values[L], color=palette.HIGHLIGHT)])
        self.wait(2)




class DependencyTree(LessonScene):
    """Beat 13: what the cost depends on, and how the tree grows upward through the layers."""

    beats = ("dependency_tree",)

    def dependency_tree(self, beat: Beat) -> None:
        self.headline(beat)
        tree = TreeDiagram(beat)
        fit_height(tree, config.frame_height - 1.9).move_to(3.9 * LEFT + 0.35 * DOWN)
        room = config.frame_width / 2 - palette.MARGIN - 0.2 - (tree.get_right()[0] + 0.7)
        self.narrate("last_layer")
        for row in tree.rows_of(0):
            self.play(*(FadeIn(tree.labels[n], shift=0.15 * UP) for n in row),
                      *(Create(tree.edges[n]) for n in row if n in tree.edges), run_time=0.8)
        last = fit_width(Caption(beat, "last_layer", font_size=28), room).next_to(tree, RIGHT, buff=0.7)
        last.match_y(VGroup(*(tree.labels[n] for n in tree.nodes_of(0))))
        self.play(FadeIn(last, shift=0.1 * LEFT))
        self.wait(1.5)
        self.narrate("grows")
        grows = fit_width(Caption(beat, "grows", font_size=28), room).next_to(tree, RIGHT, buff=0.7)
        grows.match_y(VGroup(*(tree.labels[n] for s in range(1, tree.stages) for n in tree.nodes_of(s))))
        if tree.stages > 1:
            self.play(FadeIn(grows, shift=0.1 * LEFT))
        template = tree.nodes_of(0)
        for stage in range(1, tree.stages):
            nodes = tree.nodes_of(stage)
            block = tree.block(nodes)
            if len(nodes) <= len(template):
                self.play(TransformFromCopy(tree.block(template[-len(nodes):]), block), run_time=1.2)
            else:
                self.play(FadeIn(block, shift=0.3 * UP), run_time=1.2)
            self.wait(0.4)
        self.play(Indicate(tree.labels[tree.root], color=palette.COST))
        self.wait(2)


# -- nudging the last weight ---------------------------------------------------------------------
class NudgeLastWeight(LessonScene):
    """Beats 14-15: four number lines follow a live nudge of ``w^{(L)}``; the chain rule, link by link."""

    beats = ("number_lines", "chain_rule_assembled")
    KEYS = ("w", "z", "a", "C0")
    COLORS = {"w": palette.WEIGHT_POSITIVE, "z": palette.Z, "a": palette.ACTIVATION, "C0": palette.COST}

    def number_lines(self, beat: Beat) -> None:
        self.headline(beat)
        v = beat.values
        w0, h = v["w"].value, v["nudge"].value
        nudge = Nudge(w0, beat.functions["last_link"])
        starts = [v[k].value for k in self.KEYS]
        ends = [w0 + h, v["z_nudged"].value, v["a_nudged"].value, v["C0_nudged"].value]
        live_values = [lambda: nudge.value, nudge.output(0), nudge.output(1), nudge.output(2)]
        backs = [w0 - h, *nudge.formula(w0 - h)]  # where the back-and-forth below takes each line
        ys = np.linspace(2.4, -1.5, len(self.KEYS))
        self.lines, self.dots, self.lives, ghosts, labels = [], [], [], [], []
        for key, start, end, back, value, y in zip(self.KEYS, starts, ends, backs, live_values, ys):
            color = palette.weight_color(w0) if key == "w" else self.COLORS[key]
            # Each line is zoomed so that its own change is visible: the nudge moves its dot one tick.
            unit = abs(end - start) or 1.0
            line = NumberLine(x_range=[-2, 2, 1], length=5.6, include_numbers=False, tick_size=0.07,
                              color=palette.MUTED)
            line.move_to(1.9 * LEFT + y * UP)
            line.to_point = lambda x, line=line, start=start, unit=unit: line.n2p((x - start) / unit)
            label = LabelTex(beat, key, font_size=palette.EQUATION_SIZE, color=color).next_to(line, LEFT, buff=0.4)
            ghost = Dot(line.to_point(start), radius=0.05, color=palette.MUTED)
            before = ShownTex(beat, "values", key, font_size=24, color=palette.MUTED).next_to(ghost, DOWN, buff=0.18)
            dot = Dot(line.to_point(start), radius=0.09, color=color)
            dot.add_updater(lambda d, line=line, value=value: d.move_to(line.to_point(value())))
            live = LiveNumber(self.fmt, value, (beat.key, "functions", "last_link", key), font_size=26, color=color,
                              places=self.fmt.live_places([start, end, back]))
            live.add_updater(lambda m, d=dot: m.next_to(d, UP, buff=0.15))
            self.lines.append(line)
            self.dots.append(dot)
            self.lives.append(live)
            ghosts.append(VGroup(ghost, before))
            labels.append(label)
        self.narrate("lines")
        self.play(*(Create(line) for line in self.lines), *(Write(label) for label in labels), run_time=1.5)
        self.play(*(FadeIn(g) for g in ghosts), *(FadeIn(d) for d in self.dots), *(FadeIn(n) for n in self.lives))
        self.wait(1)
        self.narrate("nudge")
        follow = Caption(beat, "follow", font_size=28).move_to(3.0 * DOWN)
        amount = ShownTex(beat, "values", "nudge", labelled=True, color=palette.HIGHLIGHT)
        amount.next_to(self.lines[0], RIGHT, buff=0.6)
        self.play(FadeIn(follow), FadeIn(amount, shift=0.1 * LEFT))
        self.play(nudge.tracker.animate.set_value(w0 + h), run_time=2.5)
        self.wait(1)
        self.narrate("back_and_forth")
        # Back past the start and forward again: the other three follow either way.
        self.play(nudge.tracker.animate.set_value(w0 - h), run_time=2.0)
        self.wait(0.5)
        self.play(nudge.tracker.animate.set_value(w0 + h), run_time=2.0)
        self.wait(2)
        self.follow, self.amount, self.nudge, self.w0 = follow, amount, nudge, w0

    def chain_rule_assembled(self, beat: Beat) -> None:
        self.headline(beat)
        self.narrate("links")
        ratio = Caption(beat, "ratio", font_size=28).move_to(3.0 * DOWN)
        # The links' derivatives are taken at the lesson's own point: the dots go back to it first
        # (at a kink of the activation, the slope a nudge away can differ: ReLU's is 0 or 1).
        self.play(FadeOut(self.follow), FadeOut(self.amount), FadeIn(ratio),
                  self.nudge.tracker.animate.set_value(self.w0), run_time=1.5)
        for m in self.dots + self.lives:
            m.clear_updaters()
        chain = fit_width(EquationTex(beat, "chain")).move_to(3.0 * DOWN)
        keys = chain.factor_keys()
        # One link per pair of neighbouring lines: w -> z, z -> a, a -> C0, in the chain's order.
        arrows, values = [], []
        for i, key in enumerate(keys):
            top, bottom = self.lines[i].get_right(), self.lines[i + 1].get_right()
            arrow = CurvedArrow(top + 0.25 * RIGHT, bottom + 0.25 * RIGHT, angle=-TAU / 5, color=palette.HIGHLIGHT,
                                stroke_width=3, tip_length=0.18)
            value = ShownTex(beat, "values", key, labelled=True, font_size=28).next_to(arrow, RIGHT, buff=0.25)
            arrows.append(arrow)
            values.append(value)
        for i, (arrow, value) in enumerate(zip(arrows, values)):
            self.play(Create(arrow), FadeIn(value, shift=0.1 * LEFT), Indicate(self.dots[i]),
                      Indicate(self.dots[i + 1]), run_time=1.0)
            self.wait(0.6)
        self.narrate("chain")
        self.play(FadeOut(ratio))
        self.reveal(chain, "lhs", "eq", also=[Indicate(self.dots[0]), Indicate(self.dots[-1])])
        for key, value in zip(keys, values):
            self.reveal(chain, key, anim=lambda p, value=value: TransformFromCopy(value[0], p), run_time=0.9)
        self.play(Circumscribe(chain, color=palette.HIGHLIGHT))
        self.wait(2)


# -- the three local derivatives ----------------------------------------------------------------------
class LocalDerivatives(LessonScene):
    """Beats 16-17: each factor from its own link's formula, their product, the nudge ratio; fire together."""

    beats = ("local_derivatives", "fire_together")

    def local_derivatives(self, beat: Beat) -> None:
        self.headline(beat)
        product = EquationTex(beat, "product")
        keys = product.factor_keys()
        definitions = beat.data["definition"]
        caption = Caption(beat, "from_formula", font_size=28, color=palette.MUTED).move_to(0.9 * DOWN)
        self.narrate("locals")
        self.play(FadeIn(caption))
        rows, arrows = [], []
        for i, key in enumerate(keys):
            y = 2.4 - 1.15 * i
            source = EquationTex(beat, definitions[key], font_size=palette.SMALL_EQUATION_SIZE).color_roles()
            source.move_to(y * UP).align_to(1.7 * LEFT, RIGHT)
            local = EquationTex(beat, key, font_size=36).move_to(y * UP).align_to(0.4 * LEFT, LEFT)
            arrow = Arrow(1.55 * LEFT + y * UP, 0.55 * LEFT + y * UP, buff=0, color=palette.MUTED, stroke_width=3,
                          max_tip_length_to_length_ratio=0.25)
            rows.append((source, local))
            arrows.append(arrow)
        block = VGroup(*(m for row in rows for m in row), *arrows)
        block.shift(-block.get_x() * RIGHT)
        for (source, local), arrow in zip(rows, arrows):
            self.play(FadeIn(source, shift=0.1 * RIGHT), run_time=0.8)
            self.play(GrowArrow(arrow), run_time=0.5)
            self.reveal(local, "lhs", "eq", "formula", anim=Write, run_time=1.2)
            self.reveal(local, "eq2", "value", run_time=0.8)
            self.wait(0.5)
        self.narrate("product")
        self.play(FadeOut(caption))
        product.move_to(1.3 * DOWN)
        self.reveal(product, "lhs", "eq")
        for key, (_, local) in zip(keys, rows):
            self.reveal(product, key, anim=lambda p, local=local: TransformFromCopy(local.part("formula"), p),
                        run_time=0.9)
        numbers = EquationTex(beat, "numbers").next_to(product, DOWN, buff=0.45)
        numbers.shift((product.part("eq").get_x() - numbers.part("eq").get_x()) * RIGHT)
        self.reveal(numbers, "lhs", "eq")
        for key, (_, local) in zip(keys, rows):
            extra = [f"dot_{key}"] if numbers.has(f"dot_{key}") else []
            self.reveal(numbers, f"{key}_value", *extra,
                        anim=lambda p, local=local: TransformFromCopy(local.part("value"), p), run_time=0.8)
        self.reveal(numbers, "eq2", "value")
        self.play(Circumscribe(numbers.part("value"), color=palette.HIGHLIGHT))
        self.wait(1.5)

        self.narrate("ratios")
        # The nudge ratio: smaller and smaller nudges, the ratio closes in on the product.
        self.play(*(FadeOut(m) for row in rows for m in row), *(FadeOut(a) for a in arrows), FadeOut(product),
                  numbers.animate.move_to(2.55 * UP), run_time=1.2)
        table = self.nudge_table(beat)
        fit_height(table, 3.2).next_to(numbers, DOWN, buff=0.45)
        header, rule, body = table
        self.play(FadeIn(header), Create(rule))
        for row in body:
            self.play(FadeIn(row, shift=0.1 * UP), run_time=0.7)
            self.wait(0.3)
        self.narrate("limit")
        ratios = VGroup(*(row[-1] for row in body))
        limit = LabelTex(beat, "limit_labelled", font_size=palette.NUMBER_SIZE, color=palette.HIGHLIGHT)
        arrow = Arrow(0.22 * UP, 0.22 * DOWN, buff=0, color=palette.HIGHLIGHT, stroke_width=3,
                      max_tip_length_to_length_ratio=0.35)
        arrow.next_to(ratios, DOWN, buff=0.12)
        limit.next_to(arrow, DOWN, buff=0.12).align_to(ratios, RIGHT)
        converges = Caption(beat, "converges", font_size=26, color=palette.MUTED).to_edge(DOWN, buff=0.35)
        self.play(GrowArrow(arrow), FadeIn(limit), FadeIn(converges))
        self.play(Circumscribe(numbers.part("value"), color=palette.HIGHLIGHT), Indicate(limit))
        self.wait(2)

    @staticmethod
    def nudge_table(beat: Beat) -> VGroup:
        """Header, a rule under it, and one row per nudge: the nudge, the change of C_0, their ratio."""
        names = ("nudge_h", "nudge_delta_cost", "nudge_ratio")
        heads = [SymbolTex(beat.series[n][0].label, (beat.key, "series", n, "0", "label"), font_size=30)
                 for n in names]
        rows = [[ShownTex(beat, "series", n, i, font_size=30) for n in names] for i in range(len(beat.series[names[0]]))]
        grid = VGroup(*heads, *(c for row in rows for c in row))
        grid.arrange_in_grid(rows=len(rows) + 1, cols=len(names), buff=(1.1, 0.32))
        rule = Line(grid.get_left(), grid.get_right(), color=palette.MUTED, stroke_width=2)
        rule.move_to((heads[0].get_bottom() + rows[0][0].get_top()) / 2).match_x(grid)
        return VGroup(VGroup(*heads), rule, VGroup(*(VGroup(*row) for row in rows)))

    def fire_together(self, beat: Beat) -> None:
        # The slogan is this beat's title: it arrives in the middle, then becomes the headline.
        self.clear_stage()
        self.narrate("slogan")
        slogan = Caption(beat, "slogan", font_size=40, color=palette.HIGHLIGHT)
        self.play(FadeOut(self._headline), Write(slogan), run_time=1.5)
        self.wait(1.5)
        headline = Caption(beat, font_size=palette.CAPTION_SIZE, color=palette.MUTED)
        headline.to_corner(UP + LEFT, buff=palette.MARGIN + 0.1)
        self.play(ReplacementTransform(slogan, headline))
        self._headline = headline
        chain = ChainPicture.fitted(self.model)
        L = chain.L
        link = VGroup(chain.neuron(L - 1), chain.neuron(L), chain.net.edge(L), chain.names[L - 1], chain.names[L],
                      chain.values[L - 1], chain.values[L], chain.weights[L])
        link.scale(1.25).move_to(1.6 * UP)
        self.play(FadeIn(link))
        self.narrate("link")
        eq = EquationTex(beat, "dz_dw").color_roles()
        value = ShownTex(beat, "values", "a_prev", labelled=True, font_size=palette.SMALL_EQUATION_SIZE)
        VGroup(eq, value).arrange(RIGHT, buff=1.0).move_to(0.3 * DOWN)
        self.play(Write(eq))
        self.play(FadeIn(value), Indicate(chain.neuron(L - 1), color=palette.HIGHLIGHT),
                  Indicate(eq.part("rhs"), color=palette.HIGHLIGHT))
        self.narrate("meaning")
        meaning = Caption(beat, "meaning", font_size=30).move_to(2.0 * DOWN)
        self.play(FadeIn(meaning), Indicate(chain.net.edge(L), color=palette.HIGHLIGHT),
                  Indicate(chain.weights[L], color=palette.HIGHLIGHT))
        self.wait(2.5)


# -- averaging over examples, the gradient vector -------------------------------------------------------
class AverageOverExamples(LessonScene):
    """Beats 18-19: the gradient averaged over concrete training examples; the gradient vector."""

    beats = ("average", "gradient_vector")
    COLUMNS = (("inputs", palette.TEXT), ("targets", palette.TARGET), ("costs", palette.COST),
               ("gradients", palette.TEXT))

    def morph(self, source: EquationTex, target: EquationTex, **kwargs) -> None:
        """Morph one equation into another, key by key, leaving ``target`` on stage whole."""
        self.remove(source)
        self.play(transform_by_key(source, target), **kwargs)
        for m in list(self.mobjects):
            family = set(target.get_family())
            if m is not target and m.submobjects and all(s in family for s in m.submobjects):
                self.remove(m)
        self.add(target)

    def average(self, beat: Beat) -> None:
        self.headline(beat)
        # The average's equation is wider than the cost's: place both, and n, for the wider one.
        average = EquationTex(beat, "average").next_to(self._headline, DOWN, buff=0.1).set_x(0.6)
        cost = EquationTex(beat, "cost").move_to(average)
        n = ShownTex(beat, "values", "n", labelled=True).next_to(average, RIGHT, buff=0.9)
        self.narrate("cost")
        self.play(Write(cost), FadeIn(n))
        count = len(beat.series["costs"])
        cells = VGroup(*(ShownTex(beat, "series", name, i, labelled=True, font_size=30, color=color)
                         for i in range(count) for name, color in self.COLUMNS))
        # Many examples: rows closer together, so that the table stays large enough to read.
        cells.arrange_in_grid(rows=count, cols=len(self.COLUMNS), buff=(0.7, 0.2 if count <= 4 else 0.1),
                              col_alignments="l" * len(self.COLUMNS))
        note = Caption(beat, "note", font_size=24, color=palette.MUTED).to_edge(DOWN, buff=0.35)
        mean_cost = ShownTex(beat, "values", "mean_cost", labelled=True, font_size=30, color=palette.COST)
        mean = ShownTex(beat, "values", "mean", labelled=True, font_size=30, color=palette.HIGHLIGHT)
        # The table and, under it, the means: as large as fits between the equation and the note.
        room = (average.get_bottom()[1] - 0.4) - (note.get_top()[1] + 0.25) - 0.4
        scale = min(1.0, room / (cells.height + mean.height), SAFE_WIDTH / cells.width)
        for m in (cells, mean_cost, mean):
            m.scale(scale)
        cells.next_to(average, DOWN, buff=0.4).set_x(0)
        columns = [VGroup(*cells[c::len(self.COLUMNS)]) for c in range(len(self.COLUMNS))]
        rows = [VGroup(*cells[r * len(self.COLUMNS):(r + 1) * len(self.COLUMNS)]) for r in range(count)]
        self.narrate("examples")
        self.play(LaggedStart(*(FadeIn(VGroup(row[0], row[1]), shift=0.1 * RIGHT) for row in rows), lag_ratio=0.3),
                  run_time=1.5)
        self.narrate("costs")
        self.play(LaggedStart(*(FadeIn(c, shift=0.1 * LEFT) for c in columns[2]), lag_ratio=0.3), run_time=1.5)

        def rule(column: VGroup) -> Line:
            line = Line(column.get_left() + 0.1 * LEFT, column.get_right() + 0.1 * RIGHT, color=palette.MUTED,
                        stroke_width=2)
            return line.next_to(column, DOWN, buff=0.2)

        mean_cost.next_to(columns[2], DOWN, buff=0.4).align_to(columns[2], LEFT)
        rule_cost = rule(columns[2])
        self.play(Create(rule_cost), FadeIn(mean_cost, shift=0.3 * DOWN), run_time=1.2)
        self.wait(1)
        self.narrate("gradients")
        self.play(*(m.animate.set_opacity(0.45) for m in (columns[2], mean_cost, rule_cost)))
        self.morph(cost, average, run_time=1.5)
        self.play(LaggedStart(*(FadeIn(c, shift=0.1 * LEFT) for c in columns[3]), lag_ratio=0.3), run_time=1.5)
        mean.next_to(columns[3], DOWN, buff=0.4).align_to(columns[3], LEFT)
        rule_grad = rule(columns[3])
        self.play(Create(rule_grad), FadeIn(mean, shift=0.3 * DOWN), run_time=1.2)
        self.play(Circumscribe(mean, color=palette.HIGHLIGHT))
        self.play(FadeIn(note))
        self.wait(2)
        self.mean = mean

    def gradient_vector(self, beat: Beat) -> None:
        self.headline(beat)
        mean = self.mean
        self.clear_stage(mean)
        grads = beat.series["gradient"]
        # A long column (a deep chain) is shrunk a lot to fit: set its fractions full size, not in
        # the small type TeX uses in a matrix, so that they stay readable.
        many = len(grads) > 6
        gradient = EquationTex(beat, "gradient", font_size=palette.EQUATION_SIZE,
                               tex_template=roomy_rows(2.2, display_fractions=True) if many else roomy_rows())
        # As tall as the room between the headline and the caption under it allows.
        every = fit_width(Caption(beat, "every", font_size=26, color=palette.MUTED)).to_edge(DOWN, buff=0.4)
        top, bottom = self._headline.get_bottom()[1] - 0.3, every.get_top()[1] + 0.3
        fit_height(gradient, top - bottom).set_y((top + bottom) / 2)
        column = gradient.part("column")
        # The numbers: one per row of the symbolic column, each on its row's axis, in brackets like
        # the column's (as tall, the same type); not much larger than the column's type where it had to shrink, and
        # shrunk further (readably) if its rows are closer than theirs.
        size = max(palette.MIN_FONT_SIZE, min(palette.NUMBER_SIZE, 1.15 * font_size_of(gradient)))
        values = ShownVector(beat, "series", "gradient", font_size=size,
                             bracket_config={"font_size": font_size_of(gradient), "color": palette.TEXT})
        for i, role in enumerate(beat.data["roles"]):
            values.entry(i).set_color(palette.role_color(role) or palette.TEXT)
        values.fit(SAFE_WIDTH, column.height)
        values.place_rows(row_axes(column, len(grads)), around=column)
        values.shift((gradient.get_right()[0] + 1.6 - values.get_left()[0]) * RIGHT)
        y = column.get_y()
        arrow = Arrow(gradient.get_right()[0] * RIGHT + y * UP, values.get_left()[0] * RIGHT + y * UP, buff=0.15,
                      color=palette.MUTED, stroke_width=3, max_tip_length_to_length_ratio=0.3)
        VGroup(gradient, arrow, values).set_x(0)
        self.narrate("vector")
        self.play(Write(gradient), run_time=2)
        brackets = values.get_brackets()
        self.play(GrowArrow(arrow), Create(brackets))
        last = next((i for i, g in enumerate(grads) if g.key == f"w{self.model.sigmoid.depth}"), None)
        if last is not None:
            self.play(ReplacementTransform(mean, values.entry(last)), run_time=1.2)
        else:
            self.play(FadeOut(mean))
        others = [values.entry(i) for i in range(len(grads)) if i != last]
        self.play(LaggedStart(*(FadeIn(e, shift=0.1 * LEFT) for e in others), lag_ratio=0.2), run_time=2)
        # The animations put the vector's parts on stage one by one: put the vector there whole.
        self.remove(*brackets, *values.get_entries())
        self.add(values)
        self.narrate("every")
        self.play(FadeIn(every))
        self.wait(2.5)


# -- the bias, the previous activation, one layer back ----------------------------------------------------
class OneLayerBack(LessonScene):
    """Beats 20-21: dz/db = 1 and dz/da = w, read off the tree; the longer chain one layer back."""

    beats = ("bias_and_previous", "one_layer_back")

    def bias_and_previous(self, beat: Beat) -> None:
        self.headline(beat)
        tree = TreeDiagram(self.model.beat("dependency_tree"), font_size=26, row_gap=0.68, side_gap=1.0)
        fit_height(tree, config.frame_height - 1.8).to_edge(LEFT, buff=0.6).set_y(-0.45)
        self.tree = tree
        self.play(FadeIn(tree), run_time=1.2)
        left = tree.get_right()[0] + 0.8
        room = config.frame_width / 2 - palette.MARGIN - 0.1 - left
        starts = beat.data["starts"]
        blocks = {}
        for name in ("b", "a_prev"):
            caption = Caption(beat, "bias" if name == "b" else "previous", font_size=24, color=palette.MUTED)
            local = EquationTex(beat, f"dz_d{name}", font_size=36).color_roles()
            chain = EquationTex(beat, f"dC_d{name}", font_size=34)
            value = ShownTex(beat, "values", f"dC_d{name}", labelled=True, font_size=palette.NUMBER_SIZE,
                             color=palette.HIGHLIGHT)
            for m in (caption, local, chain, value):
                fit_width(m, room)
            block = VGroup(caption, local, chain, value).arrange(DOWN, buff=0.35, aligned_edge=LEFT)
            block.align_to(left * RIGHT, LEFT).set_y(0.2)
            blocks[name] = block
        said = {"b": ("bias", "bias_chain"), "a_prev": ("previous", "previous_chain")}  # narration keys
        for name in ("b", "a_prev"):
            caption, local, chain, value = blocks[name]
            path = tree.path_up(starts[name])
            self.narrate(said[name][0])
            self.play(FadeIn(caption), Indicate(tree.labels[starts[name]], color=palette.HIGHLIGHT))
            self.play(Write(local))
            self.wait(0.5)
            self.narrate(said[name][1])
            self.reveal(chain, "lhs", "eq")
            for key, edge in zip(chain.factor_keys(), path):
                self.reveal(chain, key, also=[edge.animate.set_stroke(palette.HIGHLIGHT, 5)], run_time=0.8)
            rest = [k for k in chain.equation.keys if k not in ("lhs", "eq", *chain.factor_keys())]
            self.reveal(chain, *rest, run_time=1.2)
            self.play(FadeIn(value, shift=0.1 * UP))
            self.wait(1.5)
            if name == "b":
                # Keep the result in one line at the top; make room for the previous activation.
                summary = VGroup(local.copy(), value.copy()).arrange(RIGHT, buff=0.8).align_to(left * RIGHT, LEFT)
                summary.to_edge(UP, buff=1.15)
                self.play(FadeOut(caption), FadeOut(chain), local.animate.move_to(summary[0]),
                          value.animate.move_to(summary[1]), *(e.animate.set_stroke(palette.MUTED, 2.5) for e in path))
                blocks["a_prev"].next_to(summary, DOWN, buff=0.6).align_to(left * RIGHT, LEFT)
        self.blocks = blocks

    def one_layer_back(self, beat: Beat) -> None:
        self.headline(beat)
        tree = self.tree
        caption, local, chain_prev, value_prev = self.blocks["a_prev"]
        b_local, b_value = self.blocks["b"][1], self.blocks["b"][3]
        left = tree.get_right()[0] + 0.8
        self.play(FadeOut(caption), FadeOut(local), FadeOut(chain_prev), FadeOut(b_local), FadeOut(b_value),
                  *(e.animate.set_stroke(palette.MUTED, 2.5) for e in tree.edges.values()))
        longer = Caption(beat, "longer", font_size=26, color=palette.MUTED)
        chain = EquationTex(beat, "chain", font_size=36)
        fit_width(chain, config.frame_width / 2 - palette.MARGIN - 0.1 - left)
        VGroup(longer, chain).arrange(DOWN, buff=0.4, aligned_edge=LEFT).align_to(left * RIGHT, LEFT).to_edge(UP, buff=1.5)
        self.narrate("longer")
        self.play(FadeIn(longer), Indicate(tree.labels[beat.data["start"]], color=palette.HIGHLIGHT))
        self.reveal(chain, "lhs", "eq")
        keys = chain.factor_keys()
        path = tree.path_up(beat.data["start"])
        for key, edge in zip(keys, path):
            self.reveal(chain, key, also=[edge.animate.set_stroke(palette.HIGHLIGHT, 5)], run_time=0.8)
        self.wait(0.5)
        self.narrate("shared")
        shared = [k for k in beat.data["shared"] if chain.has(k)]
        if shared:
            brace = Brace(chain.part(*shared), DOWN, buff=0.12, color=palette.Z)
            known = ShownTex(beat, "values", "dC_da_prev", labelled=True, font_size=28, color=palette.Z)
            known.next_to(brace, DOWN, buff=0.15)
            reuse = Caption(beat, "reuse", font_size=24, color=palette.Z)
            fit_width(reuse, config.frame_width / 2 - palette.MARGIN - 0.1 - left)
            reuse.next_to(known, DOWN, buff=0.3)
            if reuse.get_right()[0] > config.frame_width / 2 - palette.MARGIN - 0.1:
                reuse.align_to(left * RIGHT, LEFT)
            shared_edges = path[len(keys) - len(shared):]
            self.play(Create(brace), ReplacementTransform(value_prev, known),
                      *(e.animate.set_stroke(palette.Z, 5) for e in shared_edges))
            self.play(FadeIn(reuse))
            below = reuse
        else:
            self.play(FadeOut(value_prev))
            below = chain
        self.wait(1)
        self.narrate("result")
        result = ShownTex(beat, "values", "dC_dw", labelled=True, color=palette.HIGHLIGHT)
        result.next_to(below, DOWN, buff=0.6).align_to(left * RIGHT, LEFT)
        self.play(FadeIn(result, shift=0.1 * UP))
        self.play(Circumscribe(result, color=palette.HIGHLIGHT))
        self.wait(2.5)
