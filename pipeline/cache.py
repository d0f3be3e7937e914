"""The scene cache: one folder per rendered scene, named by its cache key, complete or absent.

An entry holds the scene's video, manim's section index (``--save_sections``), a lesson scene's
narration marks (``<Scene>.marks.json``: when each sentence starts, :mod:`scenes.base`) and
``entry.json``, the part of it the pipeline reads: each section's title and frame count. An entry
is assembled in the render's working folder and renamed into place in one step, so a failed or
interrupted render never leaves a partial entry.

Compiled TeX is shared through a store of SVG files: each render starts with the store's SVGs
linked into its own TeX folder (manim then compiles only what is new) and adds what it compiled
when it succeeds. Renders never share a TeX folder while they run: manim deletes every non-SVG
file in its TeX folder after each compilation, which breaks a concurrent compilation there.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from pipeline.fsutil import link_or_copy

ENTRY_FILE = "entry.json"
MANIM_FIRST_SECTION = "autocreated"  # manim's name for a scene's unnamed first section
TEX_FOLDER = "Tex"  # manim's tex_dir under its media_dir
MARKS_SUFFIX = ".marks.json"  # as scenes.base writes it (not imported: no manim here)
PLAYS_SUFFIX = ".plays.json"  # as pipeline.split writes it: each animation's render time
SVG_STORE_ENV = "LESSON_SVG_STORE"  # read by scenes.svgstore: where the renders keep parsed SVGs
SVG_SUFFIX = ".svgmob"  # scenes.svgstore's files
SVGS_KEPT = 6000  # the store's most recently used files kept: the lesson parses about 800


@dataclass(frozen=True)
class Section:
    """One section (a beat) of a scene: its title and length in frames."""

    title: str
    frames: int


@dataclass(frozen=True)
class CacheEntry:
    """A rendered scene in the cache."""

    folder: Path
    scene: str
    fps: Fraction
    sections: tuple[Section, ...]
    render_seconds: float

    @property
    def video(self) -> Path:
        return self.folder / f"{self.scene}.mp4"

    @property
    def marks_file(self) -> Path:
        """The scene's narration marks (absent for a scene that is not a lesson scene)."""
        return self.folder / f"{self.scene}{MARKS_SUFFIX}"

    def plays(self) -> list[float] | None:
        """How long each of the scene's animations took to render (``None`` if not recorded)."""
        from pipeline.split import read_plays

        return read_plays(self.folder / f"{self.scene}{PLAYS_SUFFIX}")

    def marks(self) -> list[tuple[str, str, float]]:
        """``(beat, sentence key, time in seconds from the scene's start)`` of every mark."""
        return [(m["beat"], m["key"], float(m["time"])) for m in self._marks_data().get("marks", [])]

    def marked_beats(self) -> list[str]:
        """The keys of the lesson beats the scene shows, in order: one per section (none for a
        scene that is not a lesson scene)."""
        return [b["key"] for b in self._marks_data().get("beats", [])]

    def _marks_data(self) -> dict:
        if not self.marks_file.is_file():
            return {}
        return json.loads(self.marks_file.read_text(encoding="utf-8"))

    @property
    def frames(self) -> int:
        return sum(s.frames for s in self.sections)

    @property
    def duration(self) -> float:
        return float(self.frames / self.fps)


class EntryError(Exception):
    """A render that finished without the outputs an entry needs."""


def load_entry(folder: Path) -> CacheEntry | None:
    """The entry in ``folder``, or ``None`` if there is none (or it is unreadable)."""
    try:
        data = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
        entry = CacheEntry(
            folder=folder,
            scene=data["scene"],
            fps=frame_rate(data["fps"]),
            sections=tuple(Section(s["title"], int(s["frames"])) for s in data["sections"]),
            render_seconds=float(data["render_seconds"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return entry if entry.video.is_file() else None


def frame_rate(text: str) -> Fraction:
    """A frame rate as manim's section index gives it (``avg_frame_rate``), as the rate it stands
    for: manim may write 15 frames a second as ``4024320/268283`` (the frames over the section's
    rounded length), which compared unequal to 15 and lost the scene's render history. Frame
    rates are fractions with small denominators (15, 30, 30000/1001)."""
    return Fraction(text).limit_denominator(1001)


def render_history(cache: Path, fps: Fraction) -> dict[str, CacheEntry]:
    """The latest entry of each scene in the cache ``cache`` rendered at ``fps`` (any lesson,
    any version of the scene): how long it took to render, to start the longest renders first."""
    latest: dict[str, tuple[int, CacheEntry]] = {}
    folders = cache.iterdir() if cache.is_dir() else ()
    for folder in folders:
        entry = load_entry(folder)
        if entry is None or entry.fps != fps:
            continue
        when = (folder / ENTRY_FILE).stat().st_mtime_ns
        if entry.scene not in latest or when > latest[entry.scene][0]:
            latest[entry.scene] = (when, entry)
    return {scene: entry for scene, (_, entry) in latest.items()}


def commit_entry(work: Path, scene: str, folder: Path, render_seconds: float) -> CacheEntry:
    """Move a finished render's outputs from manim's media folder ``work`` into the cache entry
    ``folder``, in one rename. If another run committed the same entry meanwhile, keep that one.

    Raises :class:`EntryError` if manim wrote no video or no section index for ``scene``.
    """
    video = _one(work.glob(f"videos/*/*/{scene}.mp4"), f"no video for {scene} (does it play any animation?)")
    index = _one(work.glob(f"videos/*/*/sections/{scene}.json"), f"no section index for {scene}")
    raw_sections = json.loads(index.read_text(encoding="utf-8"))
    if not raw_sections:
        raise EntryError(f"{scene} has no sections with animations")
    fps = frame_rate(raw_sections[0]["avg_frame_rate"])
    sections = [
        {"title": scene if s["name"] == MANIM_FIRST_SECTION else s["name"], "frames": int(s["nb_frames"])}
        for s in raw_sections
    ]
    staging = work / "entry"
    staging.mkdir()
    os.replace(video, staging / f"{scene}.mp4")
    os.replace(index, staging / f"{scene}.sections.json")
    for suffix in (MARKS_SUFFIX, PLAYS_SUFFIX):
        extra = video.with_suffix(suffix)
        if extra.is_file():
            os.replace(extra, staging / f"{scene}{suffix}")
    (staging / ENTRY_FILE).write_text(json.dumps({
        "scene": scene,
        "fps": str(fps),
        "sections": sections,
        "render_seconds": round(render_seconds, 3),
    }, indent=2) + "\n", encoding="utf-8")
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staging, folder)
    except OSError:  # the folder exists: committed by a concurrent run, or a broken entry
        if load_entry(folder) is None:
            remove_tree(folder)
            os.rename(staging, folder)
    entry = load_entry(folder)
    assert entry is not None
    return entry


def seed_tex(store: Path, work: Path) -> None:
    """Link every SVG of the TeX store into the TeX folder of manim's media folder ``work``."""
    target = work / TEX_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    if store.is_dir():
        for svg in store.glob("*.svg"):
            link_or_copy(svg, target / svg.name)


def collect_tex(work: Path, store: Path) -> None:
    """Add the SVGs a successful render compiled to the TeX store (each appears whole: a link)."""
    store.mkdir(parents=True, exist_ok=True)
    for svg in (work / TEX_FOLDER).glob("*.svg"):
        try:
            link_or_copy(svg, store / svg.name)
        except FileExistsError:
            pass


def prune_svgs(store: Path, keep: int = SVGS_KEPT) -> int:
    """Delete all but the ``keep`` most recently used files of the parsed-SVG store
    (:mod:`scenes.svgstore` touches a file when it reads it): how many were deleted."""
    try:
        files = sorted(((p.stat().st_mtime, p) for p in store.glob(f"*/*{SVG_SUFFIX}")), reverse=True)
    except OSError:  # a file went while we looked (another build pruning): next time
        return 0
    gone = 0
    for _, path in files[keep:]:
        try:
            path.unlink()
            gone += 1
        except OSError:
            pass
    return gone


def remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _one(paths: Iterable[Path], missing: str) -> Path:
    found = sorted(paths)
    if len(found) != 1:
        raise EntryError(missing if not found else f"{len(found)} candidates: {', '.join(map(str, found))}")
    return found[0]
