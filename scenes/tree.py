"""The dependency tree of beat 13, drawn from the model: what the cost depends on, layer by layer."""

from __future__ import annotations

from collections.abc import Sequence

from manim import RIGHT, UP, Line, VGroup

from mathcore.model import Beat
from scenes import palette
from scenes.tex import SymbolTex


# -- the dependency tree ---------------------------------------------------------------------------
class TreeDiagram(VGroup):
    """Beat 13's tree: ``C_0`` at the bottom, each quantity above what it is computed from.

    Each node sits straight above the input that continues the chain (the spine); its other
    inputs branch to the sides. A node's *stage* counts the layers passed on the way down from
    the cost: the last layer is stage 0, each ``a -> z`` link starts the next stage up.
    """

    def __init__(self, beat: Beat, font_size: float = 30, row_gap: float = 0.75, side_gap: float = 1.35) -> None:
        super().__init__()
        rows = beat.data["tree"]
        inputs = {node: tuple(ins) for node, ins in rows}
        self.labels: dict[str, SymbolTex] = {}
        for i, name in enumerate(beat.data["nodes"]):
            color = palette.role_color(beat.data["roles"][name]) or palette.TEXT
            self.labels[name] = SymbolTex(name, (beat.key, "data", "nodes", str(i)), font_size=font_size, color=color)
        self.parent: dict[str, str] = {}
        self.stage: dict[str, int] = {}
        self.row: dict[str, int] = {}

        def place(node: str, x: float, row: int, crossings: int) -> None:
            self.labels[node].move_to(x * RIGHT + row * row_gap * UP)
            self.stage[node], self.row[node] = max(crossings - 1, 0), row
            kids = inputs.get(node, ())
            spine = next((i for i, k in enumerate(kids) if k in inputs), len(kids) // 2)
            for i, kid in enumerate(kids):
                self.parent[kid] = node
                place(kid, x + (i - spine) * side_gap, row + 1, crossings + (len(kids) == 1))

        self.root = rows[0][0]
        place(self.root, 0.0, 0, 0)
        self.edges: dict[str, Line] = {
            kid: Line(self.labels[parent].get_top(), self.labels[kid].get_bottom(), buff=0.08).set_stroke(
                palette.MUTED, 2.5)
            for kid, parent in self.parent.items()}
        self.add(*self.edges.values(), *self.labels.values())

    @property
    def stages(self) -> int:
        return max(self.stage.values()) + 1

    def nodes_of(self, stage: int) -> list[str]:
        return [n for n in self.labels if self.stage[n] == stage]

    def rows_of(self, stage: int) -> list[list[str]]:
        nodes = self.nodes_of(stage)
        return [[n for n in nodes if self.row[n] == r] for r in sorted({self.row[n] for n in nodes})]

    def block(self, nodes: Sequence[str]) -> VGroup:
        """The nodes with the edges leading up to them."""
        return VGroup(*(VGroup(*([self.edges[n]] if n in self.edges else []), self.labels[n]) for n in nodes))

    def path_up(self, name: str) -> list[Line]:
        """The edges from ``name`` down to the cost, in that order."""
        edges = []
        while name in self.parent:
            edges.append(self.edges[name])
            name = self.parent[name]
        return edges
