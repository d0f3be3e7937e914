"""What the pipeline prints while it works: one line per scene as it starts and as it ends, and
a summary. Lines are flushed at once, so that they appear in order under ``make`` and in logs."""

from __future__ import annotations

import sys
from typing import TextIO


def clock(seconds: float) -> str:
    """``75.3`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"`` (whole seconds, rounded down)."""
    s = int(seconds)
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def count(n: int, thing: str) -> str:
    """``count(1, "beat")`` -> ``"1 beat"``; ``count(3, "beat")`` -> ``"3 beats"``."""
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def span(seconds: float) -> str:
    """A length of time for people: ``"12.3 s"``, or ``"2:05 (125.0 s)"`` from a minute on."""
    return f"{seconds:.1f} s" if seconds < 60 else f"{clock(seconds)} ({seconds:.1f} s)"


class Progress:
    """Prints scene lines ``[2/7] ChainRule      done in 12.1 s (18.8 s of video)``."""

    def __init__(self, scenes: list[str], out: TextIO | None = None) -> None:
        self.scenes = scenes
        self.out = out or sys.stdout
        self.width = max((len(s) for s in scenes), default=0)
        self.number_width = 2 * len(str(len(scenes))) + 3  # "[12/12]"

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def scene(self, name: str, status: str) -> None:
        number = f"[{self.scenes.index(name) + 1}/{len(self.scenes)}]"
        self.say(f"  {number:>{self.number_width}} {name:<{self.width}}  {status}")

    def cached(self, name: str, video_seconds: float) -> None:
        self.scene(name, f"cached ({video_seconds:.1f} s of video)")

    def started(self, name: str) -> None:
        self.scene(name, "started")

    def done(self, name: str, seconds: float, video_seconds: float) -> None:
        self.scene(name, f"done in {span(seconds)} ({video_seconds:.1f} s of video)")

    def failed(self, name: str, seconds: float, why: str) -> None:
        self.scene(name, f"FAILED after {span(seconds)}: {why}")

    def stopped(self, name: str) -> None:
        self.scene(name, "stopped")

    def not_started(self, name: str) -> None:
        self.scene(name, "not started (another scene failed)")
