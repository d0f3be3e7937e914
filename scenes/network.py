"""A network drawn from a lesson-model example: neurons show activations, edges show weights.

Edge colour follows the weight's sign (blue positive, red negative) and its width grows with
``|w|``; a neuron's fill grows with its activation (relative to the largest in the picture, so
that an unsquished chain with values like 6 still reads). The same class draws a chain of single
neurons (Parts 1 and 2) and layers of several neurons (Part 3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from manim import BLACK, DOWN, LEFT, RIGHT, UP, Circle, Line, RoundedRectangle, Square, VGroup, VMobject

from mathcore.examples import Example
from scenes import palette
from scenes.tex import fit_readable, font_size_of, stagger

MIN_EDGE_WIDTH = 1.5
MAX_EDGE_WIDTH = 9.0
CLEARANCE = 0.05  # between a number and the outline of the neuron it is in
SHORTEST_EDGE = 0.45  # between two layers' neurons, so that the edges between them still read
FIT_STEPS = 6  # bisection steps of widest_fit: the size found is within 1/128 of the largest that fits


class NetworkDiagram(VGroup):
    """Neurons ``neuron(l, j)`` and edges ``edge(l, j, k)`` of one example network.

    Parameters
    ----------
    example:
        The network, with its forward pass (training example ``example_index``).
    width, height:
        Size of the drawing in scene units.
    radius:
        Neuron radius.
    bodies:
        Each layer's neuron width, if wider than a circle: a neuron whose number is wider than
        its circle can hold readably is drawn as a pill (a rounded rectangle, ``2 * radius``
        high), so that its number sits inside it at a readable size.
    """

    def __init__(self, example: Example, *, width: float = 9.0, height: float = 4.0, radius: float = 0.35,
                 example_index: int = 0, bodies: Sequence[float] | None = None) -> None:
        super().__init__()
        self.example = example
        self.radius = radius
        sizes = example.sizes
        self.bodies = [max(2 * radius, b) for b in bodies] if bodies is not None else [2 * radius] * len(sizes)
        L = example.depth
        activations = [example.fwd.a[l][example_index] for l in range(L + 1)]
        top = max(float(np.max(np.abs(a))) for a in activations) or 1.0
        self.layers: list[list[VMobject]] = []
        self.fills: dict[int, dict[int, float]] = {}
        xs = np.linspace(-width / 2, width / 2, L + 1)
        self.spacing = width / L if L else width  # from one layer's centre to the next
        for l, n in enumerate(sizes):
            ys = np.linspace(height / 2, -height / 2, n) if n > 1 else [0.0]
            layer = []
            for j in range(n):
                c = self._body(radius, self.bodies[l])
                c.set_fill(palette.TEXT, opacity=0.08 + 0.8 * abs(float(activations[l][j])) / top)
                self.fills.setdefault(l, {})[j] = c.get_fill_opacity()
                c.move_to(xs[l] * RIGHT + ys[j] * UP)
                layer.append(c)
            self.layers.append(layer)
        weights = [np.abs(example.net.w[l]) for l in range(1, L + 1)]
        biggest = max(float(w.max()) for w in weights) or 1.0
        self.edges: dict[tuple[int, int, int], Line] = {}
        for l in range(1, L + 1):
            for j in range(sizes[l]):
                for k in range(sizes[l - 1]):
                    w = float(example.net.w[l][j, k])
                    line = Line(self.layers[l - 1][k].get_right(), self.layers[l][j].get_left(), buff=0.05)
                    line.set_stroke(palette.weight_color(w),
                                    width=MIN_EDGE_WIDTH + (MAX_EDGE_WIDTH - MIN_EDGE_WIDTH) * abs(w) / biggest)
                    self.edges[(l, j, k)] = line
        self.edge_group = VGroup(*self.edges.values())
        self.neuron_group = VGroup(*(c for layer in self.layers for c in layer))
        self.add(self.edge_group, self.neuron_group)

    @staticmethod
    def _body(radius: float, width: float) -> VMobject:
        if width <= 2 * radius + 1e-6:
            return Circle(radius=radius, color=palette.TEXT, stroke_width=2)
        return RoundedRectangle(corner_radius=radius, width=width, height=2 * radius, color=palette.TEXT,
                                stroke_width=2)

    @staticmethod
    def room(radius: float, body: float, height: float) -> float:
        """How wide a label ``height`` high may be inside a neuron ``body`` wide: its corners stay
        :data:`CLEARANCE` inside the round ends, and in a circle it is at most 1.6 radii wide."""
        inner = radius - CLEARANCE
        ends = 2 * float(np.sqrt(max(0.0, inner**2 - (height / 2) ** 2)))
        return (body - 2 * radius) + min(ends, 1.6 * radius)

    def room_inside(self, l: int, height: float) -> float:
        """How wide a label ``height`` high may be in a neuron of layer ``l``."""
        return self.room(self.radius, self.bodies[l], height)

    @staticmethod
    def radius_for(labels: list[VMobject], spacing: float, radius: float) -> float:
        """A neuron radius that holds every label readably (``put_inside`` fits 1.6 radii),
        at least ``radius`` and at most what leaves short edges between layers ``spacing`` apart."""
        widest = max(label.width * min(1.0, palette.MIN_FONT_SIZE / (font_size_of(label) or palette.MIN_FONT_SIZE))
                     for label in labels)
        return max(radius, min(widest / 1.6, spacing / 2 - 0.3))

    def cost_node(self, buff: float = 1.2, side: float = 0.8) -> tuple[Square, Line]:
        """A cost node (a red square) after a chain's output neuron, and the line to it."""
        out = self.neuron(len(self.layers) - 1)
        node = Square(side_length=side, color=palette.COST).next_to(out, RIGHT, buff=buff)
        link = Line(out.get_right(), node.get_left(), buff=0.05).set_stroke(palette.MUTED, 3)
        return node, link

    def neuron(self, l: int, j: int = 0) -> VMobject:
        return self.layers[l][j]

    def edge(self, l: int, j: int = 0, k: int = 0) -> Line:
        return self.edges[(l, j, k)]

    def put_inside(self, l: int, j: int, label: VMobject) -> VMobject:
        """Place ``label`` in neuron ``(l, j)``, shrunk to fit (but kept readable), dark on a bright
        fill; the label keeps its neuron as ``lesson_holder``, for the layout check."""
        c = self.neuron(l, j)
        fit_readable(label, self.room_inside(l, label.height))
        if self.fill_of(l, j) > 0.5:
            label.set_color(BLACK)
        label.lesson_holder = c
        return label.move_to(c)

    def put_in_node(self, node: VMobject, label: VMobject, pad: float = 0.2) -> VMobject:
        """Place ``label`` in a box-shaped node (the cost), shrunk to fit but kept readable; the
        node widens to the right (its left edge, where the link arrives, stays) if it must."""
        fit_readable(label, node.width - pad)
        if label.width > node.width - pad:
            node.stretch_to_fit_width(label.width + pad, about_edge=LEFT)
        return label.move_to(node)

    def label_edges(self, labels: list[VMobject], gap: float = 0.15, buff: float = 0.12) -> list[VMobject]:
        """``labels[i]`` beside edge ``i + 1`` of a chain. A label longer than its edge would
        cover the neurons: then every label sits above the neurons and every other one a line
        higher, so each has two links' width; one still wider shrinks (readably) to that."""
        for l, label in enumerate(labels, start=1):
            self.put_on_edge(l, label)
        if all(label.width + gap <= self.edge(l).get_length() for l, label in enumerate(labels, start=1)):
            return labels
        top = max(c.get_top()[1] for c in self.neuron_group)
        for l, label in enumerate(labels, start=1):
            fit_readable(label, 2 * self.spacing - 2 * gap)
            label.move_to(self.edge(l).get_center()[0] * RIGHT + (top + buff + label.height / 2) * UP)
        stagger(labels, gap, direction=UP)
        return labels

    def fill_of(self, l: int, j: int = 0) -> float:
        """The fill opacity that shows neuron ``(l, j)``'s activation."""
        return self.fills[l][j]

    def put_on_edge(self, l: int, label: VMobject, j: int = 0, k: int = 0, side=UP) -> VMobject:
        """Place ``label`` beside the middle of edge ``(l, j, k)``."""
        return label.next_to(self.edge(l, j, k).get_center(), side, buff=0.15)

    def put_below(self, l: int, label: VMobject, j: int = 0) -> VMobject:
        return label.next_to(self.neuron(l, j), DOWN, buff=0.2)


def body_width(labels: Sequence[VMobject], radius: float, spacing: float) -> float:
    """How wide a layer's neurons are drawn: a circle (``2 * radius``) if each of ``labels`` fits
    in it at a readable size; else a pill wide enough for the widest label at its own size, but
    leaving edges of at least :data:`SHORTEST_EDGE` between layers ``spacing`` apart (a label
    then shrinks to fit), but never narrower than the widest label needs at its smallest
    readable size: containment and readability come before long edges."""
    circle = 2 * radius
    readable = [min(1.0, palette.MIN_FONT_SIZE / (font_size_of(label) or palette.MIN_FONT_SIZE)) for label in labels]

    def pill(scale: float, label: VMobject) -> float:  # the body that holds ``label`` scaled by ``scale``
        return label.width * scale + circle - NetworkDiagram.room(radius, circle, label.height * scale)

    least = max(pill(s, label) for label, s in zip(labels, readable))  # never less: the label must fit, readably
    if least <= circle:  # every label fits a circle at a readable size
        return circle
    wanted = max(pill(1.0, label) for label in labels)
    return max(least, min(wanted, spacing - SHORTEST_EDGE))


def spaced_bodies(layers: Sequence[Sequence[VMobject]], radius: float, spacing: float) -> tuple[list[float], float]:
    """Each layer's neuron width (:func:`body_width` of the labels it holds) and the spacing of
    the layers: ``spacing``, or wider where pills that readable numbers need would otherwise
    leave edges shorter than :data:`SHORTEST_EDGE`."""
    bodies = [body_width(labels, radius, spacing) for labels in layers]
    return bodies, max(spacing, *((a + b) / 2 + SHORTEST_EDGE for a, b in zip(bodies, bodies[1:])))


M = TypeVar("M", bound=VMobject)


def widest_fit(build: Callable[[float], M], width: float, size: float) -> M:
    """``build(size)`` if it is at most ``width`` wide; else the build of the largest size from
    ``size / 2`` to ``size`` that is (bisected), or if none is, the build of the smallest.

    For pictures rebuilt rather than scaled, so their type stays readable: their parts do not all
    shrink with ``size`` (numbers keep a readable size, pills hold them), so one proportional
    step would over- or undershoot."""
    mob = build(size)
    if mob.width <= width:
        return mob
    low, high, best = size / 2, size, None
    for _ in range(FIT_STEPS):
        middle = (low + high) / 2
        candidate = build(middle)
        if candidate.width <= width:
            best, low = candidate, middle
        else:
            high = middle
    return best or build(low)
