"""The frames a scene draws, caught in this process as manim hands them to the movie.

For the tests and benchmarks that need a scene's pixels exactly as a render draws them
(``tests/test_speedups.py``, ``scripts/bench_encoder.py``): no video is written or decoded.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
from manim import tempconfig
from manim.renderer.cairo_renderer import CairoRenderer


@contextmanager
def caught_frames(keep: Callable[[np.ndarray], None]) -> Iterator[None]:
    """While inside, every frame a render draws (not those of animations it skips) goes to
    ``keep`` (an RGBA array that manim reuses: copy what you keep)."""
    add_frame = CairoRenderer.add_frame

    def add(renderer: CairoRenderer, frame: np.ndarray, num_frames: int = 1) -> None:
        if not renderer.skip_animations:
            keep(frame)
        return add_frame(renderer, frame, num_frames)

    CairoRenderer.add_frame = add  # type: ignore[method-assign]
    try:
        yield
    finally:
        CairoRenderer.add_frame = add_frame  # type: ignore[method-assign]


def draw_scene(module: str, name: str, settings: Mapping[str, Any], keep: Callable[[np.ndarray], None]) -> None:
    """Render scene ``name`` of ``module`` in this process with manim ``settings`` (a
    ``tempconfig``), handing each frame it draws to ``keep``."""
    with caught_frames(keep), tempconfig(dict(settings)):
        getattr(importlib.import_module(module), name)().render()
