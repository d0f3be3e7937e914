"""The chapter list: one chapter per section (beat) of each scene, with its start in the video.

Two files next to the video: ``<name>.chapters.txt`` in the common ``0:00 Title`` format (video
sites read it from a description), and ``<name>.chapters.json`` with start times in seconds and
the scenes the video is made of, with their cache keys: a later build compares those keys to tell
whether the video is up to date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from pipeline.cache import CacheEntry
from pipeline.fsutil import atomic_write_text
from pipeline.progress import clock


@dataclass(frozen=True)
class Chapter:
    start: Fraction  # seconds from the start of the video
    title: str
    scene: str


@dataclass(frozen=True)
class Part:
    """One scene's place in the video."""

    scene: str
    key: str
    start: Fraction
    duration: Fraction


def chapters_of(parts: list[Part], entries: list[CacheEntry]) -> list[Chapter]:
    """Every section of every scene, in order, starting where its scene starts in the video."""
    chapters = []
    for part, entry in zip(parts, entries, strict=True):
        t = part.start
        for section in entry.sections:
            chapters.append(Chapter(t, section.title, part.scene))
            t += section.frames / entry.fps
    return chapters


def chapters_text(chapters: list[Chapter]) -> str:
    """``0:00 01 Backpropagation calculus`` lines (the start rounded down to whole seconds)."""
    return "".join(f"{clock(float(c.start))} {c.title}\n" for c in chapters)


def manifest(lesson: str, quality: str, video: Path, parts: list[Part], chapters: list[Chapter]) -> dict[str, Any]:
    """The content of ``<name>.chapters.json``."""
    return {
        "lesson": lesson,
        "quality": quality,
        "video": video.name,
        "duration": _seconds(sum((p.duration for p in parts), Fraction(0))),
        "chapters": [{"start": _seconds(c.start), "title": c.title, "scene": c.scene} for c in chapters],
        "scenes": [{"scene": p.scene, "start": _seconds(p.start), "duration": _seconds(p.duration), "key": p.key}
                   for p in parts],
    }


def write_chapters(txt: Path, json_path: Path, data: dict[str, Any], chapters: list[Chapter]) -> None:
    """Write both chapter files, each atomically; the JSON (the build's record) last."""
    atomic_write_text(txt, chapters_text(chapters))
    atomic_write_text(json_path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def recorded_keys(json_path: Path) -> list[tuple[str, str]] | None:
    """The (scene, key) pairs a previous build recorded, or ``None``."""
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
        return [(s["scene"], s["key"]) for s in data["scenes"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def recorded_narration(json_path: Path) -> str | None:
    """The narration plan's digest a previous build recorded (``None``: silent, or no build)."""
    try:
        return json.loads(json_path.read_text(encoding="utf-8")).get("narration")
    except (OSError, ValueError, AttributeError):
        return None


def _seconds(t: Fraction) -> float:
    return round(float(t), 6)
