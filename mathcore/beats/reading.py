"""A built beat read as plain text, for the words written about it (summaries, narration):
its shown numbers, labels, equations and texts, as the screen shows them (mathcore.plaintext)."""

from __future__ import annotations

from collections.abc import Sequence

from mathcore.equations import Equation
from mathcore.model import Beat
from mathcore.plaintext import plain


class BeatReader:
    """A beat read as plain text: its shown numbers, labels and equations."""

    def __init__(self, beat: Beat) -> None:
        self.beat = beat

    def n(self, key: str) -> str:
        """A shown value as the screen shows it."""
        return plain(self.beat.values[key].tex)

    def label(self, key: str) -> str:
        return plain(self.beat.values[key].label)

    def is_(self, key: str) -> str:
        """``label = value``."""
        return f"{self.label(key)} = {self.n(key)}"

    def series(self, name: str) -> list[str]:
        return [plain(v.tex) for v in self.beat.series[name]]

    def entry(self, name: str, i: int) -> str:
        """``label = value`` of one entry of a series."""
        v = self.beat.series[name][i]
        return f"{plain(v.label)} = {plain(v.tex)}"

    def eq(self, key: str) -> str:
        return plain(self.beat.equations[key].tex)

    def part(self, key: str, *parts: str) -> str:
        """Parts of an equation, in the order given, as one text."""
        return plain(" ".join(self.beat.equations[key].part(p) for p in parts))

    def tail(self, key: str, start: str) -> str:
        """An equation from part ``start`` on (its plugged-in numbers, relation and result)."""
        return plain(" ".join(parts_from(self.beat.equations[key], start)))

    def lhs_tail(self, key: str, start: str) -> str:
        """``lhs = `` and the equation from part ``start`` on."""
        return f"{self.part(key, 'lhs')} = {self.tail(key, start)}"

    def text(self, key: str) -> str:
        return self.beat.texts[key]


def parts_from(eq: Equation, start: str) -> list[str]:
    """The TeX of an equation's parts from part ``start`` on."""
    return [tex for _, tex in eq.parts[eq.keys.index(start):]]


def and_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def vector(items: Sequence[str]) -> str:
    return "(" + ", ".join(items) + ")"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
