"""One of manim's methods replaced by the project's own: installed, uninstalled, asked about.

The speed-ups (:mod:`scenes.glyphs`, :mod:`scenes.paths`, :mod:`scenes.copies`, :mod:`scenes.live`,
:mod:`scenes.svgstore`) each replace one method and keep manim's, so that the tests can draw the
same frames both ways (``tests/test_speedups.py``). Each module exposes its :class:`Patch`'s
``install`` (idempotent: the toolkit calls it on import), ``uninstall`` (manim's method again, and
whatever the speed-up kept forgotten) and ``installed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Patch:
    """``owner.name`` replaced by ``replacement`` while installed; ``forget`` empties what the
    replacement kept (called on uninstall)."""

    def __init__(self, owner: type, name: str, replacement: Callable[..., Any],
                 forget: Callable[[], None] | None = None) -> None:
        self.owner, self.name, self.replacement, self.forget = owner, name, replacement, forget
        self.original = getattr(owner, name)  # manim's (inherited, if the owner does not define it)
        replacement.__wrapped__ = self.original  # type: ignore[attr-defined]

    def install(self) -> None:
        setattr(self.owner, self.name, self.replacement)

    def uninstall(self) -> None:
        setattr(self.owner, self.name, self.original)
        if self.forget is not None:
            self.forget()

    def installed(self) -> bool:
        return getattr(self.owner, self.name) is self.replacement
