"""The lesson model: everything the video shows, built once from a lesson file.

Scenes read this model and nothing else, so animation and maths cannot drift apart. It is built
by :func:`mathcore.beats.build_model`; this module holds only its data classes::

    model = build_model()                          # the default lesson
    beat = model.beat("local_derivatives")
    eq = beat.equations["product"]                 # TeX parts by key, proved by sympy
    beat.values["dC_dw"].tex                       # a number, formatted by the one formatter

Every :class:`Beat` lists, in the order of ``docs/lesson-outline.md``, its equations (see
:mod:`mathcore.equations`), the numbers it shows (:class:`Shown`), series of numbers (tables and
curves), short texts, a plain-text summary for exports (gallery pages, speaker notes) and its
narration, sentence by sentence (:class:`Sentence`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mathcore.equations import Equation
from mathcore.examples import Example
from mathcore.formatting import Formatter
from mathcore.lessonfile import LessonSpec


@dataclass(frozen=True)
class Shown:
    """One number on screen: its label (TeX), exact value and formatted TeX."""

    key: str
    label: str
    value: float
    tex: str


@dataclass(frozen=True)
class Sentence:
    """One sentence of a beat's narration (:mod:`mathcore.beats.narration`).

    ``key`` names the animation step it goes with, unique within its beat (a scene marks where the
    sentence starts by this key); ``text`` is the written form, plain Unicode, for captions and
    speaker notes; ``spoken`` the same words for a speech synthesizer, ASCII
    (:func:`mathcore.spoken.spoken`): ``"∂C₀/∂w⁽ᴸ⁾ = -0.066"`` is said
    ``"dee C zero by dee w L equals minus 0.066"``.
    """

    key: str
    text: str
    spoken: str


@dataclass(frozen=True)
class Beat:
    """One beat of the lesson; its number and part come from its place in the lesson
    (:mod:`mathcore.beats`)."""

    key: str
    title: str
    equations: Mapping[str, Equation] = field(default_factory=dict)
    values: Mapping[str, Shown] = field(default_factory=dict)
    series: Mapping[str, tuple[Shown, ...]] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    functions: Mapping[str, Callable[[float], tuple[float, ...]]] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)  # structure, e.g. the dependency tree
    number: int = 0
    part: int = 0
    summary: str = ""  # one to three plain sentences with its numbers (mathcore.beats.summaries)
    narration: tuple[Sentence, ...] = ()  # what the voice says, in the order the scene shows it

    def __post_init__(self) -> None:
        for name in ("equations", "values", "series", "texts", "functions", "data"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))


@dataclass(frozen=True)
class LessonModel:
    """The whole lesson: the file it came from, its example networks and its beats."""

    spec: LessonSpec
    fmt: Formatter
    worked: Example
    sigmoid: Example
    deep: Example
    wide: Example
    beats: tuple[Beat, ...]

    def beat(self, key: str) -> Beat:
        for b in self.beats:
            if b.key == key:
                return b
        raise KeyError(f"no beat {key!r}; beats are {', '.join(b.key for b in self.beats)}")

    def part(self, number: int) -> tuple[Beat, ...]:
        return tuple(b for b in self.beats if b.part == number)

    def equations(self) -> list[tuple[Beat, Equation]]:
        return [(b, eq) for b in self.beats for eq in b.equations.values()]

