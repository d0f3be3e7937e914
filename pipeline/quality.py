"""Quality presets: ``make QUALITY=low|medium|high|4k``, each one of manim's ``-q`` flags."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import PipelineError


@dataclass(frozen=True)
class Quality:
    """One preset: its name (also the output folder's name) and what manim renders for it."""

    name: str
    flag: str  # manim's -q letter
    width: int
    height: int
    fps: int

    @property
    def manim_name(self) -> str | None:
        """Manim's name of this quality (``config.quality``: ``"low_quality"``...), if it is one of manim's."""
        return MANIM_NAMES.get(self.flag)

    @property
    def manim_args(self) -> list[str]:
        return [f"-q{self.flag}"]

    def describe(self) -> str:
        """``"medium (1280x720, 30 fps)"``."""
        return f"{self.name} ({self.width}x{self.height}, {self.fps} fps)"


QUALITIES: dict[str, Quality] = {
    q.name: q
    for q in (
        Quality("low", "l", 854, 480, 15),
        Quality("medium", "m", 1280, 720, 30),
        Quality("high", "h", 1920, 1080, 60),
        Quality("4k", "k", 3840, 2160, 60),
    )
}
MANIM_NAMES = {"l": "low_quality", "m": "medium_quality", "h": "high_quality", "k": "fourk_quality"}
DEFAULT_QUALITY = "medium"
PREVIEW_QUALITY = "low"


def quality(name: str) -> Quality:
    """The preset called ``name``, or a :class:`PipelineError` listing the presets."""
    try:
        return QUALITIES[name.lower()]
    except KeyError:
        raise PipelineError(f"unknown quality {name!r}; choose one of {', '.join(QUALITIES)}") from None
