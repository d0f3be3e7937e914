"""The lesson's chains of single neurons, drawn from the model: Part 1's worked chain and Part 2's chain.

Both are :class:`~scenes.network.NetworkDiagram` pictures with their labels and values, built
from the lesson model and placed once, so that every scene showing a chain shows the same one.
"""

from __future__ import annotations

from manim import DOWN, UP, VGroup

from mathcore.equations import Factor
from mathcore.model import LessonModel
from scenes import palette
from scenes.network import NetworkDiagram, spaced_bodies, widest_fit
from scenes.tex import SAFE_WIDTH, ShownTex, SymbolTex, stagger

CHAIN_SPACING = 2.9  # between the chain's layers, when the frame has room

# -- the worked chain: a0 -> a1 -> ... -> aL -> C ------------------------------------------------
class WorkedChain(VGroup):
    """The worked chain with its cost node, symbol names, and (on request) its values."""

    def __init__(self, model: LessonModel) -> None:
        super().__init__()
        ex = model.worked
        self.L = ex.depth
        nested, forward = model.beat("nested_cost"), model.beat("forward_pass")
        width = min(2.6 * ex.depth, 9.5)
        # Values built first: long ones make the neurons larger, to hold them readably.
        self.activations = [ShownTex(forward, "values", f"a{l}") for l in range(ex.depth + 1)]
        radius = NetworkDiagram.radius_for(self.activations, width / ex.depth, 0.42)
        self.net = NetworkDiagram(ex, width=width, height=0, radius=radius)
        self.fills = [self.net.fill_of(l) for l in range(ex.depth + 1)]
        self.cost, self.cost_link = self.net.cost_node()
        # The cost's value, built first: the cost node widens if a long value cannot fit it readably.
        self.cost_value = self.net.put_in_node(self.cost, ShownTex(forward, "values", "C"))
        chain = nested.data["chain"]
        self.names = VGroup(*(SymbolTex(t, (nested.key, "data", "chain", str(i))) for i, t in enumerate(chain)))
        for l, name in enumerate(self.names[:-1]):
            self.net.put_below(l, name)
        self.names[-1].next_to(self.cost, DOWN, buff=0.2).set_color(palette.COST)
        self.weight_names = VGroup(*(
            self.net.put_on_edge(l, SymbolTex(t, (nested.key, "data", "weights", str(l - 1)), font_size=26).set_color(
                palette.weight_color(float(ex.net.w[l][0, 0]))))
            for l, t in enumerate(nested.data["weights"], start=1)))
        self.add(self.net, self.cost_link, self.cost, self.names, self.weight_names)
        self.center().shift(1.9 * UP)
        # Values, built now (placed with the picture) and shown when the forward pass reaches them.
        for l, value in enumerate(self.activations):
            self.net.put_inside(l, 0, value)
        self.weights = self.net.label_edges([
            ShownTex(forward, "values", f"w{l}", labelled=True, font_size=26,
                     color=palette.weight_color(float(ex.net.w[l][0, 0]))) for l in range(1, ex.depth + 1)])
        self.cost_value.move_to(self.cost)
        self.target = ShownTex(forward, "values", "y", labelled=True, color=palette.TARGET)
        self.target.next_to(self.cost, UP, buff=0.25)

    def link_of(self, factor: Factor):
        """The picture's link for a factor of a chain: the cost's slope is the link into the cost,
        every other factor the edge into its layer."""
        return self.cost_link if factor.kind == "cost_slope" else self.net.edge(factor.layer)

    def empty(self) -> WorkedChain:
        for c in self.net.neuron_group:
            c.set_fill(opacity=0)
        return self

    def with_values(self) -> VGroup:
        """The values as the forward pass leaves them (for scenes that start after it).

        The weights' values take the place of their names."""
        for c, opacity in zip(self.net.neuron_group, self.fills):
            c.set_fill(opacity=opacity)
        self.remove(self.weight_names)
        return VGroup(*self.activations, *self.weights, self.cost_value, self.target)


# -- the chain of single neurons -------------------------------------------------------------------
class ChainPicture(VGroup):
    """The chain of beat 10: activations inside the neurons, weights on the edges, biases below.

    ``focus()`` is its last link (``a^{(L-1)} -> a^{(L)} -> C_0`` with ``w^{(L)}``, ``b^{(L)}``
    and ``y``), ``early()`` everything before it.
    """

    def __init__(self, model: LessonModel, spacing: float = CHAIN_SPACING, radius: float = 0.42) -> None:
        super().__init__()
        beat = model.beat("four_neurons")
        ex = model.sigmoid
        self.L = L = ex.depth
        v = beat.values
        # Values built first: long ones make the neurons larger (or pills), to hold them readably.
        self.values = [ShownTex(beat, "values", f"a{l}", font_size=26) for l in range(L + 1)]
        radius = NetworkDiagram.radius_for(self.values, spacing, radius)
        bodies, spacing = spaced_bodies([[value] for value in self.values], radius, spacing)
        self.net = NetworkDiagram(ex, width=spacing * L, height=0, radius=radius, bodies=bodies)
        self.fills = [self.net.fill_of(l) for l in range(L + 1)]
        self.cost, self.cost_link = self.net.cost_node(buff=1.3)

        def label(key: str, **kwargs) -> SymbolTex:
            return SymbolTex(v[key].label, (beat.key, "values", key, "label"), **kwargs)

        self.names = [self.net.put_below(l, label(f"a{l}")) for l in range(L + 1)]
        self.cost_name = label("C0", color=palette.COST).next_to(self.cost, DOWN, buff=0.2)
        self.weights = [None] + self.net.label_edges([
            ShownTex(beat, "values", f"w{l}", labelled=True, font_size=24, color=palette.weight_color(v[f"w{l}"].value))
            for l in range(1, L + 1)])
        self.biases = [None] + [
            ShownTex(beat, "values", f"b{l}", labelled=True, font_size=24, color=palette.BIAS).next_to(
                self.names[l], DOWN, buff=0.15)
            for l in range(1, L + 1)]
        stagger(self.biases[1:])  # long values: every other one a line lower
        for l, value in enumerate(self.values):
            self.net.put_inside(l, 0, value)
        self.target = ShownTex(beat, "values", "y", labelled=True, color=palette.TARGET).next_to(self.cost, UP, buff=0.25)
        self.add(self.net, self.cost_link, self.cost, self.cost_name, self.target, *self.names,
                 *self.weights[1:], *self.biases[1:], *self.values)

    @classmethod
    def fitted(cls, model: LessonModel, width: float = SAFE_WIDTH) -> ChainPicture:
        """The chain at most ``width`` wide (its neurons, their spacing and the cost node beyond),
        built with the layers closer together rather than scaled, so its numbers stay readable."""
        spacing = min(CHAIN_SPACING, (width - 2.8) / model.sigmoid.depth)  # the cost node and y take the rest
        return widest_fit(lambda s: cls(model, spacing=s), width, spacing)

    def neuron(self, l: int):
        return self.net.neuron(l)

    def focus(self) -> VGroup:
        L = self.L
        return VGroup(self.neuron(L - 1), self.neuron(L), self.net.edge(L), self.cost_link, self.cost,
                      self.names[L - 1], self.names[L], self.values[L - 1], self.values[L], self.weights[L],
                      self.biases[L], self.cost_name, self.target)

    def early(self) -> VGroup:
        L = self.L
        return VGroup(*(self.neuron(l) for l in range(L - 1)), *(self.net.edge(l) for l in range(1, L)),
                      *self.names[:L - 1], *self.values[:L - 1], *self.weights[1:L], *self.biases[1:L])
