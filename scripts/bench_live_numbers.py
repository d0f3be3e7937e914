#!/usr/bin/env python
"""Benchmark: live numbers that rebuild only on a text change vs ``always_redraw``.

Renders the same small scene twice at 720p30 (four numbers following a nudged tracker through a
formula for a few seconds) and reports the render times and their ratio, measured in one run so
the ratio is meaningful on a shared, noisy machine. Usage: ``.venv/bin/python scripts/bench_live_numbers.py``
"""

from __future__ import annotations

import math
import tempfile
import time

from manim import DOWN, DecimalNumber, Scene, ValueTracker, VGroup, always_redraw, tempconfig

from mathcore.formatting import Formatter
from scenes.live import LiveNumber

FMT = Formatter(3)
SECONDS = 4.0


def formulas(v: float) -> tuple[float, ...]:
    z = 2.5 * v - 0.5
    a = 1 / (1 + math.exp(-z))
    return v, z, a, (a - 1) ** 2


class WithLiveNumbers(Scene):
    def construct(self):
        t = ValueTracker(0.3)
        nums = VGroup(*(LiveNumber(FMT, lambda i=i: formulas(t.get_value())[i], ("bench",)) for i in range(4)))
        self.add(nums.arrange(DOWN))
        self.play(t.animate.set_value(0.4), run_time=SECONDS)


class WithAlwaysRedraw(Scene):
    def construct(self):
        t = ValueTracker(0.3)
        nums = VGroup(*(always_redraw(lambda i=i: DecimalNumber(formulas(t.get_value())[i], num_decimal_places=3)
                                      .shift(DOWN * i)) for i in range(4)))
        self.add(nums)
        self.play(t.animate.set_value(0.4), run_time=SECONDS)


def render(cls: type[Scene]) -> float:
    with tempfile.TemporaryDirectory() as media, tempconfig(
        {"media_dir": media, "quality": "medium_quality", "disable_caching": True, "verbosity": "ERROR",
         "progress_bar": "none"}
    ):
        start = time.perf_counter()
        cls().render()
        return time.perf_counter() - start


def main() -> None:
    render(WithLiveNumbers)  # warm up TeX for the digits
    live = min(render(WithLiveNumbers) for _ in range(2))
    redraw = min(render(WithAlwaysRedraw) for _ in range(2))
    print(f"{SECONDS:.0f} s of four live numbers at 720p30")
    print(f"  LiveNumber (rebuild on text change): {live:.2f} s")
    print(f"  always_redraw (rebuild every frame): {redraw:.2f} s")
    print(f"  always_redraw / LiveNumber: {redraw / live:.2f}x")


if __name__ == "__main__":
    main()
