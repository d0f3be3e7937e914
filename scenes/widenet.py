"""Part 3's network of several neurons per layer, drawn from the lesson model with indexed labels.

:class:`WideNetwork` is the wide example network (``model.wide``): edges by weight, neurons
shaded by and holding their activations, the desired outputs ``y_j`` beside the output layer and
the cost node they all feed. Layers ``L-1`` and ``L`` can carry their index labels
(``a^{(L-1)}_k``, ``a^{(L)}_j``, ``y_j``) and any neuron, edge or path to the cost can be
picked out, so that every Part 3 scene shows the same picture::

    net = WideNetwork(model, width=7, height=4.2)
    path = net.path(j, k)              # edge (L, j, k), neuron (L, j), its link to the cost
"""

from __future__ import annotations

from collections.abc import Sequence

from manim import DOWN, ORIGIN, RIGHT, UP, Create, FadeIn, Line, Square, VGroup, VMobject, config

from mathcore.model import Beat, LessonModel
from scenes import palette
from scenes.base import LessonScene
from scenes.network import NetworkDiagram, spaced_bodies, widest_fit
from scenes.tex import SAFE_WIDTH, LabelTex, ShownTex, fit_readable

HIGHLIGHT_WIDTH = 7.0
TOP = config.frame_height / 2 - 0.95  # below a scene's headline


class WideNetwork(VGroup):
    """The wide network with its values, targets and cost node, ``width`` by ``height`` units.

    ``values[l][j]`` are the activations inside the neurons (``series a{l}`` of the indices
    beat), ``targets[j]`` the ``y_j`` beside the output layer, ``links[j]`` the lines from
    output ``j`` to the cost node ``cost``. The neurons are as large as their values need (and
    those of ``room_for[l]``, numbers to be put in layer ``l`` later), within the room there is:
    circles, or a layer of pills where a number is wider than a circle can hold readably.
    """

    def __init__(self, model: LessonModel, width: float = 7.0, height: float = 4.2, font_size: float = 24,
                 targets: bool = True, radius: float = 0.3,
                 room_for: Sequence[Sequence[VMobject]] = ()) -> None:
        super().__init__()
        beat = model.beat("indices")
        self._beat = _Shared(beat)  # copies of the picture (animation targets) share it
        ex = model.wide
        self.L = L = ex.depth
        self.sizes = sizes = ex.sizes
        self.values = [[ShownTex(beat, "series", f"a{l}", j, font_size=font_size) for j in range(n)]
                       for l, n in enumerate(sizes)]
        self.targets = [ShownTex(beat, "series", "y", j, font_size=font_size, color=palette.TARGET)
                        for j in range(sizes[L])] if targets else []
        tail = (max(t.width for t in self.targets) + 1.3) if targets else 0.0  # targets and cost beyond layer L
        spacing = (width - tail) / L
        most = max(sizes)
        layers = [[*column, *(room_for[l] if l < len(room_for) else ())] for l, column in enumerate(self.values)]
        radius = NetworkDiagram.radius_for([v for column in layers for v in column], spacing, radius)
        radius = min(radius, 0.42 * height / most)  # the tallest column fits with gaps between neurons
        self.radius = radius
        bodies, spacing = spaced_bodies(layers, radius, spacing)
        self.net = NetworkDiagram(ex, width=spacing * L, height=height - 2 * radius if most > 1 else 0,
                                  radius=radius, bodies=bodies)
        self.add(self.net)
        for l, column in enumerate(self.values):
            for j, value in enumerate(column):
                self.add(self.net.put_inside(l, j, value))
        self.links: list[Line] = []
        out = self.net.layers[L]
        if targets:
            for j, target in enumerate(self.targets):  # clear of the neuron and of a value wider than it
                target.next_to(VGroup(out[j], self.values[L][j]), RIGHT, buff=0.18)
            right = max(t.get_right()[0] for t in self.targets)
            side = min(0.7, max(0.45, 0.3 * height))
            self.cost = Square(side_length=side, color=palette.COST).move_to(
                (right + 0.9 + side / 2) * RIGHT + self.net.get_center()[1] * UP)
            for j, target in enumerate(self.targets):
                link = Line(target.get_right(), self.cost.get_left(), buff=0.08).set_stroke(palette.MUTED, 2.5)
                self.links.append(link)
            self.add(*self.targets, *self.links, self.cost)
        self.labels: dict[str, VMobject] = {}
        self.remember()

    @classmethod
    def fitted(cls, model: LessonModel, width: float, height: float, **kwargs) -> WideNetwork:
        """The network built to be at most ``width`` wide (values beside a neuron, wider than it,
        can widen a first build): built again narrower rather than scaled, so its type stays readable."""
        return widest_fit(lambda w: cls(model, width=w, height=height, **kwargs), width, width)

    # -- parts ------------------------------------------------------------------------------
    def neuron(self, l: int, j: int):
        return self.net.neuron(l, j)

    def edge(self, l: int, j: int, k: int) -> Line:
        return self.net.edge(l, j, k)

    def column(self, l: int) -> VGroup:
        return VGroup(*self.net.layers[l])

    def edges_into(self, l: int) -> list[Line]:
        return [self.net.edge(l, j, k) for j in range(self.sizes[l]) for k in range(self.sizes[l - 1])]

    def value_group(self, l: int | None = None) -> VGroup:
        columns = self.values if l is None else [self.values[l]]
        return VGroup(*(v for column in columns for v in column))

    def path(self, j: int, k: int) -> list[VMobject]:
        """From neuron ``k`` of layer ``L-1`` to the cost through neuron ``j`` of layer ``L``."""
        return [self.edge(self.L, j, k), self.neuron(self.L, j), *([self.links[j]] if self.links else [])]

    # -- labels -------------------------------------------------------------------------------
    def add_index_labels(self, font_size: float = palette.LABEL_SIZE) -> VGroup:
        """``a^{(L-1)}_k``, ``a^{(L)}_j`` (and ``y_j``) under their columns (the indices beat's texts)."""
        bottom = min(c.get_bottom()[1] for c in self.net.neuron_group) - 0.2
        placed = []
        for key, l in (("a_prev", self.L - 1), ("a", self.L)):
            label = LabelTex(self._beat.obj, key, font_size=font_size)
            label.move_to(self.neuron(l, 0).get_x() * RIGHT + (bottom - label.height / 2) * UP)
            self.labels[key] = label
            placed.append(label)
        if self.targets:
            label = LabelTex(self._beat.obj, "y", font_size=font_size, color=palette.TARGET)
            x = sum(t.get_x() for t in self.targets) / len(self.targets)
            label.move_to(x * RIGHT + (bottom - label.height / 2) * UP)
            self.labels["y"] = label
            placed.append(label)
        return VGroup(*placed)

    def label_edge(self, j: int, k: int, label: VMobject, buff: float = 0.08) -> VMobject:
        """Put ``label`` beside edge ``(L, j, k)``, on the side away from the other edges, a third
        of the way along; where that covers a neuron or its number (a network squeezed flat, its
        pills wide), further along or on the other side, wherever it covers least."""
        edge = self.edge(self.L, j, k)
        away = UP if j <= (self.sizes[self.L] - 1) / 2 else DOWN
        others = [*self.net.neuron_group, *self.value_group()]
        places = [(proportion, side) for proportion in (0.35, 0.5, 0.25, 0.6) for side in (away, -away)]
        covered = []
        for proportion, side in places:
            label.next_to(edge.point_from_proportion(proportion), side, buff=buff)
            covered.append(sum(_overlap(label, other) for other in others))
            if covered[-1] == 0:
                return label
        proportion, side = places[covered.index(min(covered))]
        return label.next_to(edge.point_from_proportion(proportion), side, buff=buff)

    def highlight(self, mobjects: Sequence[VMobject], color=palette.HIGHLIGHT) -> list:
        """Animations that light up edges and links (thicker, ``color``) and neurons (outline)."""
        anims = []
        for m in mobjects:
            if isinstance(m, Line):
                anims.append(m.animate.set_stroke(color, width=max(m.get_stroke_width(), HIGHLIGHT_WIDTH)))
            else:
                anims.append(m.animate.set_stroke(color, width=5))
        return anims

    def restore(self, mobjects: Sequence[VMobject]) -> list:
        """Animations that put highlighted parts back as they were drawn."""
        anims = []
        for m in mobjects:
            color, width = self._saved.obj[id(m)]
            anims.append(m.animate.set_stroke(color, width=width))
        return anims

    def remember(self) -> WideNetwork:
        """Note how every part is drawn now, for :meth:`restore`."""
        self._saved = _Shared({id(x): (x.get_stroke_color(), x.get_stroke_width())
                               for x in [*self.net.edge_group, *self.net.neuron_group, *self.links]})
        return self

    def put_value(self, l: int, j: int, value: VMobject) -> VMobject:
        """A new value for neuron ``(l, j)``, sized as the neurons' values are, in its place."""
        fit_readable(value, self.net.room_inside(l, value.height))
        value.lesson_holder = self.neuron(l, j)
        return value.move_to(self.neuron(l, j))


class _Shared:
    """A reference that a copy of the mobject holding it shares (manim deep-copies mobjects)."""

    def __init__(self, obj) -> None:
        self.obj = obj

    def __deepcopy__(self, memo) -> _Shared:
        return self


class WideScene(LessonScene):
    """A Part 3 scene: the wide network, and the neurons the model picked to follow."""

    @staticmethod
    def index(beat: Beat, key: str) -> int:
        """A neuron index the model picked (the highlighted edge's ``j`` or ``k``)."""
        return int(beat.values[key].value)

    def network_on_top(self, height: float = 2.5, width: float = 9.0, **kwargs) -> WideNetwork:
        net = WideNetwork.fitted(self.model, width=min(width, SAFE_WIDTH), height=height, **kwargs)
        net.move_to(ORIGIN).align_to(TOP * UP, UP)
        return net

    def show_network(self, net: WideNetwork, run_time: float = 2.0) -> None:
        self.play(Create(net.net.edge_group), FadeIn(net.net.neuron_group), run_time=run_time * 0.6)
        self.play(FadeIn(net.value_group()), *(FadeIn(m) for m in (*net.targets, *net.links)),
                  *([FadeIn(net.cost)] if net.targets else []), run_time=run_time * 0.4)


def _overlap(a: VMobject, b: VMobject) -> float:
    """The area where the bounding boxes of ``a`` and ``b`` overlap."""
    width = min(a.get_right()[0], b.get_right()[0]) - max(a.get_left()[0], b.get_left()[0])
    height = min(a.get_top()[1], b.get_top()[1]) - max(a.get_bottom()[1], b.get_bottom()[1])
    return max(width, 0.0) * max(height, 0.0)
