"""Part 1 of the lesson: rates multiply along a chain (beats 1-9).

The worked chain has no squish and no biases, so every link's rate is a plain number read off
the picture. Every value and formula comes from the lesson model; the numbers below are only
layout (sizes, spacing, timing).
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    UR,
    UL,
    DR,
    DL,
    Arrow,
    Axes,
    Brace,
    Circumscribe,
    Create,
    Dot,
    FadeIn,
    FadeOut,
    GrowArrow,
    LaggedStart,
    Indicate,
    Line,
    NumberLine,
    ReplacementTransform,
    SurroundingRectangle,
    VGroup,
    Write,
    config,
)

from mathcore.model import Beat
from scenes import palette
from scenes.base import LessonScene
from scenes.live import LiveNumber, Nudge
from scenes.chains import WorkedChain
from scenes.tex import (
    SAFE_WIDTH,
    Caption,
    EquationTex,
    ShownTex,
    SymbolTex,
    fit_below,
    fit_readable,
    fit_width,
    flow,
    font_size_of,
    place_clear,
    room_right_of,
    stack,
    stack_at,
    stagger,
    transform_by_key,
)


class Title(LessonScene):
    """Beat 1: the lesson's title and its place in the series."""

    beats = ("title",)

    def title(self, beat: Beat) -> None:
        self.narrate("title")
        title = Caption(beat, "title", font_size=palette.TITLE_SIZE)
        self.play(Write(title), run_time=1.5)
        self.wait(1.5)
        before = Caption(beat, "after", font_size=palette.CAPTION_SIZE, color=palette.MUTED)
        after = Caption(beat, "before", font_size=palette.CAPTION_SIZE, color=palette.MUTED)
        marker = Arrow(LEFT, RIGHT, color=palette.HIGHLIGHT).scale(0.5)
        # In the track the title is smaller (0.6 of its size, or less if a long title was shrunk
        # already), with room for the marker on its left.
        small = title.copy().set_color(palette.HIGHLIGHT)
        small.scale(min(1.0, 0.6 * palette.TITLE_SIZE / font_size_of(small)))
        fit_width(small, SAFE_WIDTH - 2 * (marker.width + 0.3))
        track = VGroup(before, small, after)
        track.arrange(DOWN, buff=0.5)
        self.narrate("track")
        self.play(ReplacementTransform(title, track[1]), FadeIn(before, shift=DOWN), FadeIn(after, shift=UP))
        marker.next_to(track[1], LEFT, buff=0.3)
        self.play(GrowArrow(marker))
        self.wait(3.0)  # the beat lasts about 8 s: time to read the neighbouring lessons


class ChainRule(LessonScene):
    """Beat 2: nudge ``x`` by ``h``; ``g`` moves by about ``g'h``, ``f`` by about ``f'g'h``."""

    beats = ("chain_rule",)

    def chain_rule(self, beat: Beat) -> None:
        self.narrate("lines")
        self.headline(beat)
        v = beat.values
        x, h = v["x"].value, v["h"].value
        g_shift, f_shift = v["g_moves_actually"].value, v["f_moves_actually"].value
        nudge = Nudge(x, beat.functions["g_f"])

        # One number line per quantity, each zoomed so that its own change is visible: a tick
        # per change, the value at the middle tick.
        rows = VGroup()
        specs = [("x", x, h, lambda: nudge.value), ("g", v["g"].value, g_shift, nudge.output(0)),
                 ("f", v["f"].value, f_shift, nudge.output(1))]
        lines, dots, lives = [], [], []
        for key, start, shift, value in specs:
            line = NumberLine(x_range=[-3, 3, 1], length=6.5, include_numbers=False, tick_size=0.08)
            line.to_point = lambda v, line=line, start=start, unit=abs(shift): line.n2p((v - start) / unit)
            label = SymbolTex(v[key].label, (beat.key, "values", key, "label"), font_size=palette.EQUATION_SIZE)
            label.next_to(line, LEFT, buff=0.4)
            dot = Dot(line.to_point(start), color=palette.HIGHLIGHT)
            dot.add_updater(lambda d, line=line, value=value: d.move_to(line.to_point(value())))
            live = LiveNumber(self.fmt, value, (beat.key, "functions", "g_f", key),
                              places=self.fmt.live_places([start, start + shift]))
            live.add_updater(lambda m, d=dot: m.next_to(d, UP, buff=0.15))
            rows.add(VGroup(label, line))
            lines.append(line)
            dots.append(dot)
            lives.append(live)
        rows.arrange(DOWN, buff=1.15, aligned_edge=RIGHT).shift(0.3 * UP + 1.2 * LEFT)
        for line, dot, live, (_, _, _, value) in zip(lines, dots, lives, specs):
            dot.move_to(line.to_point(value()))
            live.next_to(dot, UP, buff=0.15)

        defs = [EquationTex(beat, "inner", font_size=palette.SMALL_EQUATION_SIZE),
                EquationTex(beat, "outer", font_size=palette.SMALL_EQUATION_SIZE)]
        for eq, row in zip(defs, rows[1:]):
            eq.next_to(row, RIGHT, buff=0.5)

        self.play(*(Create(r[1]) for r in rows), *(Write(r[0]) for r in rows), run_time=1.5)
        self.play(*(FadeIn(eq) for eq in defs))
        self.play(*(FadeIn(d) for d in dots), *(FadeIn(n) for n in lives))
        self.add(*dots, *lives)
        self.wait(0.5)

        # The nudge: x moves by h, and everything downstream follows through the model's formulas.
        self.narrate("nudge")
        self.play(nudge.tracker.animate.set_value(x + h), run_time=2.5)
        self.wait(0.5)
        self.narrate("moves")
        braces = []
        labels = [("h", None), ("g_moves", "g_moves_actually"), ("f_moves", "f_moves_actually")]
        for line, (key, start, shift, _), (rate_key, actual_key) in zip(lines, specs, labels):
            segment = Line(line.to_point(start), line.to_point(start + shift))
            brace = Brace(segment, DOWN, buff=0.1)
            text = ShownTex(beat, "values", rate_key, labelled=True)
            if actual_key:
                actual = ShownTex(beat, "values", actual_key, labelled=True, color=palette.MUTED)
                text = VGroup(text, actual).arrange(RIGHT, buff=0.5)
            text.next_to(brace, DOWN, buff=0.1)
            braces.append(VGroup(brace, text))
            self.play(FadeIn(brace), FadeIn(text, shift=0.2 * DOWN), run_time=0.8)
            self.wait(0.8)

        rule = EquationTex(beat, "chain_rule")
        rule.to_edge(DOWN, buff=palette.MARGIN + 0.2).shift(3.2 * LEFT)
        numbers = VGroup(ShownTex(beat, "values", "df_dg", labelled=True),
                         ShownTex(beat, "values", "dg_dx", labelled=True),
                         ShownTex(beat, "values", "df_dx", labelled=True)).arrange(RIGHT, buff=0.4)
        numbers.next_to(rule, RIGHT, buff=0.6)
        self.narrate("rule")
        self.play(Write(rule))
        self.play(FadeIn(numbers, shift=0.2 * LEFT))
        self.play(Circumscribe(rule, color=palette.HIGHLIGHT))
        self.wait(2)




class NestedCost(LessonScene):
    """Beats 3 and 4: the cost as a nested function, then the worked chain's forward pass."""

    beats = ("nested_cost", "forward_pass")

    def nested_cost(self, beat: Beat) -> None:
        self.narrate("links")
        self.headline(beat)
        chain = WorkedChain(self.model).empty()
        self.chain = chain
        self.play(FadeIn(chain.net), FadeIn(chain.cost), Create(chain.cost_link), FadeIn(chain.names))
        self.play(FadeIn(chain.weight_names))
        eqs = [EquationTex(beat, f"a{l}").color_roles() for l in range(1, chain.L + 1)]
        eqs.append(EquationTex(beat, "cost"))
        column = stack_at(eqs, buff=0.3).to_edge(LEFT, buff=1.0).shift(1.2 * DOWN)
        for l, eq in enumerate(eqs, start=1):
            link = chain.net.edge(l) if l <= chain.L else chain.cost_link
            self.play(Write(eq), Indicate(link, color=palette.HIGHLIGHT), run_time=1.2)
        self.narrate("nested")
        nested = EquationTex(beat, "nested").color_roles()
        nested.next_to(column, RIGHT, buff=1.0).align_to(column, DOWN)
        arrow = Arrow(column.get_right(), nested.get_left(), buff=0.2, color=palette.MUTED)
        self.play(GrowArrow(arrow), Write(nested), run_time=1.5)
        self.wait(2)
        self.column, self.nested, self.arrow = column, nested, arrow

    def forward_pass(self, beat: Beat) -> None:
        self.headline(beat)
        chain = self.chain
        self.play(FadeOut(self.column), FadeOut(self.nested), FadeOut(self.arrow))
        self.narrate("inputs")
        self.play(FadeIn(chain.activations[0]), chain.net.neuron(0).animate.set_fill(opacity=chain.fills[0]),
                  FadeIn(chain.target))
        self.narrate("layers")
        shown = None
        for l in range(1, chain.L + 1):
            eq = EquationTex(beat, f"a{l}").to_edge(DOWN, buff=1.6)
            self.play(ReplacementTransform(chain.weight_names[l - 1], chain.weights[l - 1]),
                      FadeIn(eq) if shown is None else ReplacementTransform(shown, eq))
            self.play(ReplacementTransform(eq.part("value").copy(), chain.activations[l]),
                      chain.net.neuron(l).animate.set_fill(opacity=chain.fills[l]))
            shown = eq
            self.wait(0.6)
        self.narrate("cost")
        cost = EquationTex(beat, "cost").to_edge(DOWN, buff=1.6)
        self.play(ReplacementTransform(shown, cost))
        self.play(ReplacementTransform(cost.part("value").copy(), chain.cost_value))
        self.play(Circumscribe(chain.cost, color=palette.COST))
        self.wait(2)


class ProductOfRates(LessonScene):
    """Beats 5 and 6: dC/dw1 as a product of the links' rates, and the output's desire."""

    beats = ("product_of_rates", "desire")

    def product_of_rates(self, beat: Beat) -> None:
        self.headline(beat)
        chain = WorkedChain(self.model)
        self.chain = chain
        values = chain.with_values()
        self.play(FadeIn(chain), FadeIn(values))
        self.narrate("factors")
        rule = EquationTex(beat, "chain").move_to(0.6 * DOWN)
        self.play(Write(rule.part("lhs", "eq")))
        for factor in rule.equation.factors:
            self.play(FadeIn(rule.part(factor.key), shift=0.2 * UP),
                      Indicate(chain.link_of(factor), color=palette.HIGHLIGHT))
        self.wait(0.5)
        self.narrate("locals")
        locals_ = EquationTex(beat, "locals").move_to(rule).shift(1.3 * DOWN)
        self.play(transform_by_key(rule.copy(), locals_), run_time=1.5)
        self.narrate("numbers")
        numbers = EquationTex(beat, "numbers").next_to(locals_, DOWN, buff=0.5)
        self.play(transform_by_key(locals_.copy(), numbers), run_time=1.5)
        self.play(Circumscribe(numbers.part("value"), color=palette.HIGHLIGHT))
        self.wait(2)
        self.rule, self.locals, self.numbers = rule, locals_, numbers

    def desire(self, beat: Beat) -> None:
        self.headline(beat)
        chain = self.chain
        self.play(FadeOut(self.rule), FadeOut(self.locals), self.numbers.animate.to_edge(DOWN, buff=0.6))
        self.narrate("desire")
        eq = EquationTex(beat, "desire").to_edge(LEFT, buff=0.8).shift(0.6 * DOWN)
        self.play(Write(eq))
        output = chain.net.neuron(chain.L)
        desire = beat.values["desire"].value
        room = room_right_of(eq.get_right()[0] + 0.6)  # the words and the check stay right of eq
        words = [fit_width(Caption(beat, key, font_size=24), room) for key in ("desire", "carry", "input")]
        column = stack(words, buff=0.25).next_to(eq, RIGHT, buff=0.6)
        if desire:  # the cost wants the output to move downhill (no arrow when it is content)
            direction = UP if desire < 0 else DOWN
            arrow = Arrow(ORIGIN, 0.9 * direction, buff=0, color=palette.HIGHLIGHT).next_to(output, UP, buff=0.15)
            self.play(GrowArrow(arrow))
        self.play(FadeIn(words[0]))
        self.wait(1)
        self.narrate("carry")
        self.play(FadeIn(words[1]), *(Indicate(chain.link_of(f)) for f in self.numbers.equation.factor("weight")))
        self.play(FadeIn(words[2]), Indicate(chain.activations[0], color=palette.HIGHLIGHT))
        self.wait(1.5)
        self.narrate("check")
        # The check: nudge w1 and watch C move by about dC/dw1 times the nudge.
        check = fit_width(Caption(beat, "check", font_size=26, color=palette.HIGHLIGHT), room)
        nudge = ShownTex(beat, "values", "nudge", labelled=True)
        change = ShownTex(beat, "values", "delta_cost", labelled=True)
        predicted = ShownTex(beat, "values", "predicted", labelled=True)
        # One row if it fits beside eq, else wrapped onto a second line (long numbers, 4 places).
        rows = flow([nudge, change, predicted], room, buff=0.6)
        VGroup(check, rows).arrange(DOWN, buff=0.3, aligned_edge=LEFT).move_to(column).align_to(column, LEFT)
        self.play(FadeOut(column), FadeIn(check))
        self.play(FadeIn(nudge), Indicate(chain.net.edge(1)))
        self.play(FadeIn(change, shift=0.2 * UP), Indicate(chain.cost_value, color=palette.COST))
        self.play(FadeIn(predicted, shift=0.2 * UP))
        self.wait(2)


class BackwardSweep(LessonScene):
    """Beat 7: one sweep from the output back shares the output-side factors."""

    beats = ("backward_sweep",)

    def backward_sweep(self, beat: Beat) -> None:
        self.headline(beat)
        chain = WorkedChain(self.model)
        values = chain.with_values()
        self.play(FadeIn(chain), FadeIn(values))
        running = beat.series["running_product"]  # dC/da_L, ..., dC/da_1, output side first
        labels = []
        for i in range(len(running)):
            l = chain.L - i
            label = ShownTex(beat, "series", "running_product", i, labelled=True, color=palette.HIGHLIGHT,
                             font_size=26)
            fit_readable(label, 2 * chain.net.spacing - 0.3).next_to(chain.names[l], DOWN, buff=0.25)
            labels.append(label)
        stagger(labels[::-1])  # long values: every other one a line lower, left to right
        # The counts beside the equations: the column takes the width they leave.
        shared = Caption(beat, "shared", font_size=26, color=palette.HIGHLIGHT, width=3.6)
        counts = VGroup(*(ShownTex(beat, "values", k, labelled=True, font_size=28)
                          for k in ("naive_multiplications", "sweep_multiplications", "saved")))
        counts.arrange(DOWN, buff=0.25, aligned_edge=RIGHT)
        side = VGroup(shared, counts).arrange(DOWN, buff=0.4, aligned_edge=RIGHT)
        eqs = [EquationTex(beat, f"w{l}", font_size=palette.SMALL_EQUATION_SIZE)
               for l in range(chain.L, 0, -1)]
        column = fit_width(stack_at(eqs, buff=0.3), SAFE_WIDTH - side.width - 0.5)
        column = fit_below(column, VGroup(*labels), buff=0.45).to_edge(LEFT, buff=0.8)
        self.narrate("running")
        for label, eq, l in zip(labels, eqs, range(chain.L, 0, -1)):
            self.play(FadeIn(label, shift=0.2 * LEFT), Indicate(chain.net.edge(l)), run_time=0.9)
            self.play(Write(eq), run_time=1.2)
        side.to_edge(RIGHT, buff=0.6).align_to(column, DOWN)
        self.narrate("shared")
        # The first factor, dC/da_L, is the one every weight's chain shares.
        self.play(FadeIn(shared), *(Indicate(eq.part(*eq.factor_keys("cost_slope"))) for eq in eqs))
        self.narrate("counts")
        self.play(FadeIn(counts, shift=0.2 * UP))
        self.wait(2.5)


class Squish(LessonScene):
    """Beat 8: with a = sigma(z), every link gains a factor sigma'(z)."""

    beats = ("squish",)

    def squish(self, beat: Beat) -> None:
        self.headline(beat)
        self.narrate("definitions")
        defs = VGroup(EquationTex(beat, "z1"), EquationTex(beat, "a1")).arrange(RIGHT, buff=1.2).shift(1.8 * UP)
        self.play(Write(defs))
        caption = Caption(beat, "caption", font_size=28).next_to(defs, DOWN, buff=0.6)
        self.play(FadeIn(caption))
        self.narrate("product")
        product = EquationTex(beat, "product").shift(0.8 * DOWN)
        self.play(Write(product), run_time=2)
        self.narrate("slopes")
        squish_keys = product.factor_keys("squish_slope")
        boxes = VGroup(*(SurroundingRectangle(product.part(k), color=palette.Z, buff=0.03) for k in squish_keys))
        self.play(Create(boxes), *(product.part(k).animate.set_color(palette.Z) for k in squish_keys))
        self.wait(2.5)


class VanishingGradients(LessonScene):
    """Beat 9: each layer multiplies the first weight's gradient by one more ``sigma'``, bounded
    by ``max sigma'`` (1/4 for the sigmoid, 1 for tanh, ReLU and the identity).

    The gradient of the chain cut after each depth is plotted on a log scale, one tick per decade
    (or per few decades), wide enough for gradients that grow as well as shrink; the bound is a
    short red dash at each depth. A gradient that is exactly 0 (a ReLU with ``z < 0``) sits on a
    row of its own, labelled 0, below a break in the log axis.
    """

    beats = ("vanishing",)

    def vanishing(self, beat: Beat) -> None:
        self.headline(beat)
        self.narrate("slope")
        eqs = [EquationTex(beat, k, font_size=palette.SMALL_EQUATION_SIZE) for k in ("textbook", "peak")
               if k in beat.equations]
        if eqs:
            left = stack(eqs, buff=0.35).to_corner(LEFT + UP, buff=palette.MARGIN).shift(1.0 * DOWN + 0.3 * RIGHT)
            self.play(*(Write(e) for e in eqs))
        grads, bound = beat.series["gradient_by_depth"], beat.series["bound_by_depth"]
        decades, zero_row = beat.data["decade_exponents"], bool(beat.data["zero"])
        depth = len(grads)
        step = decades[1] - decades[0]
        # One unit per tick. The lowest decade sits half a unit above the x-axis, so that no value
        # lies on it; with a zero row, that row is the x-axis and the decades start one unit up.
        base = 1.0 if zero_row else 0.5
        units = len(decades) - 1 + base
        axes = Axes(
            x_range=[0, depth + 1, 1], y_range=[0, units, 1], x_length=6.6, y_length=4.6,
            tips=False, axis_config={"include_numbers": False, "stroke_color": palette.MUTED},
            y_axis_config={"include_ticks": False},
        ).to_edge(RIGHT, buff=0.8).shift(0.45 * DOWN)

        def point(n: int, v: float):
            u = 0.0 if v == 0 else (np.log10(v) - decades[0]) / step + base
            return axes.c2p(n, u)

        ticks, marks = VGroup(), VGroup()
        for i, k in enumerate(decades):
            at = axes.c2p(0, i + base)
            marks.add(Line(at + 0.1 * LEFT, at + 0.1 * RIGHT, color=palette.MUTED, stroke_width=2))
            label = SymbolTex(beat.data["decades"][i], (beat.key, "data", "decades", str(i)), font_size=24)
            ticks.add(label.next_to(marks[-1], LEFT, buff=0.1))
        floor = VGroup()
        if zero_row:
            zero = SymbolTex(beat.data["zero"][0], (beat.key, "data", "zero", "0"), font_size=24)
            floor.add(zero.next_to(axes.c2p(0, 0) + 0.1 * LEFT, LEFT, buff=0.1))
            mid = axes.c2p(0, 0.5)
            gap = Line(mid + 0.08 * DOWN, mid + 0.08 * UP, color=config.background_color, stroke_width=8)
            slashes = VGroup(*(Line(mid + dy * UP + 0.12 * LEFT + 0.05 * DOWN, mid + dy * UP + 0.12 * RIGHT + 0.05 * UP,
                                    color=palette.MUTED, stroke_width=3) for dy in (-0.08, 0.08)))
            floor.add(gap, slashes)
        depths = VGroup(*(SymbolTex(t, (beat.key, "data", "depths", str(i)), font_size=22).next_to(
            axes.c2p(i + 1, 0), DOWN, buff=0.15) for i, t in enumerate(beat.data["depths"])))
        x_label = SymbolTex(beat.values["depth"].label, (beat.key, "values", "depth", "label"), font_size=28)
        x_label.next_to(axes.x_axis.get_right(), RIGHT, buff=0.2)
        y_label = SymbolTex(grads[0].label, (beat.key, "series", "gradient_by_depth", "0", "label"), font_size=26)
        y_label.next_to(axes.y_axis.get_top(), UP, buff=0.2)
        self.play(Create(axes), Create(marks), FadeIn(ticks), FadeIn(floor), FadeIn(depths), FadeIn(x_label), FadeIn(y_label))

        self.narrate("bound")
        ceiling = VGroup(*(Line(point(n, b.value) + 0.15 * LEFT, point(n, b.value) + 0.15 * RIGHT,
                                color=palette.COST, stroke_width=4) for n, b in enumerate(bound, start=1)))
        legend_label = SymbolTex(bound[0].label, (beat.key, "series", "bound_by_depth", "0", "label"),
                                 font_size=28, color=palette.COST)
        swatch = ceiling[0].copy()
        legend = VGroup(swatch, legend_label).arrange(RIGHT, buff=0.2)
        room = ticks.get_left()[0] - 0.3 - (-config.frame_width / 2 + palette.MARGIN + 0.3)
        fit_width(legend, room)
        if eqs:
            legend.next_to(left, DOWN, buff=0.6, aligned_edge=LEFT)
        else:
            legend.to_corner(LEFT + UP, buff=palette.MARGIN).shift(1.0 * DOWN + 0.3 * RIGHT)
        self.play(Create(ceiling), FadeIn(legend), run_time=1.2)

        self.narrate("gradients")
        dots = VGroup(*(Dot(point(n, g.value), color=palette.HIGHLIGHT, radius=0.07)
                        for n, g in enumerate(grads, start=1)))
        self.play(LaggedStart(*(FadeIn(d, scale=0.5) for d in dots), lag_ratio=0.2), run_time=2.5)

        # The first and last values, each beside its dot where it covers nothing else.
        taken = [*eqs, legend, *ticks, *floor[:1], *depths, x_label, y_label, *dots, *ceiling,
                 axes.x_axis, axes.y_axis]
        labels = []
        for index, directions in ((0, (RIGHT, UP, UR, DR, DOWN)), (depth - 1, (LEFT, UP, UL, DL, DOWN, RIGHT))):
            label = ShownTex(beat, "series", "gradient_by_depth", index, font_size=26)
            place_clear(label, dots[index], directions, taken)
            taken.append(label)
            labels.append(label)
        self.play(*(FadeIn(m) for m in labels))
        self.wait(2.5)
