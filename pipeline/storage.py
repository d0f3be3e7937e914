"""The media folder's disk: can it be written, is it full, and how much a render needs, roughly.

A render that runs out of space fails in manim as ``manim exited with status 1``, often with
nothing about space in its log (the log is on the same full disk). So a failed job is checked
here *before* its working folder is removed: if the disk it wrote to has almost nothing left,
the failure is a full disk, and the build stops with one line that names the folder, what is
free and roughly what the render needs. The same line comes from any write of the pipeline's
own (logs, cache entries, the joined video) that fails with "no space left on device"; a
read-only or forbidden media folder gets a line of its own, before anything renders.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.fsutil import show_path
from pipeline.quality import Quality

NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
NOT_WRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
# A failed job whose disk has less than this left ran out of space (manim writes video in
# chunks of about this size, so a disk with more free than this did not refuse a write).
FULL_BELOW = 4 << 20
# The average scene video of the lesson at each quality, in bytes: measured at medium (13 scenes,
# 8.9 MB, the largest 1.5 MB), the others scaled by their pixel rate and rounded up.
SCENE_VIDEO_BYTES = {"low": 256 << 10, "medium": 700 << 10, "high": 2 << 20, "4k": 6 << 20}
# Traces a full disk leaves in a log, when it leaves any.
NO_SPACE_TEXT = ("No space left on device", "[Errno 28]", "Disk quota exceeded", "[Errno 122]")


class DiskFull(PipelineError):
    """The media folder's disk ran out of space (or quota)."""


class NotWritable(PipelineError):
    """The media folder cannot be written."""


@dataclass(frozen=True)
class SpaceNeed:
    """What a step needs on the media folder's disk, roughly, and what the step is."""

    media: Path
    bytes: int
    what: str  # "rendering 3 scenes at low quality"

    @classmethod
    def render(cls, media: Path, scenes: int, quality: Quality, jobs: int) -> SpaceNeed:
        """Rendering ``scenes`` scenes, ``jobs`` at a time. A job holds its partial movies, the
        scene's video and its section videos at once: three videos of up to twice the average
        size; every scene then keeps its video in the cache and adds as much to the joined video."""
        video = SCENE_VIDEO_BYTES.get(quality.name, max(SCENE_VIDEO_BYTES.values()))
        need = 3 * 2 * video * min(jobs, scenes) + 2 * video * scenes
        what = "1 scene" if scenes == 1 else f"{scenes} scenes"
        return cls(media, need, f"rendering {what} at {quality.name} quality")

    @classmethod
    def join(cls, media: Path, parts: list[Path]) -> SpaceNeed:
        """Joining ``parts`` into one video: as much as they take together."""
        total = 0
        for part in parts:
            try:
                total += part.stat().st_size
            except OSError:
                pass
        return cls(media, total, "joining the video")

    def describe(self) -> str:
        """``"rendering 3 scenes at low quality needs roughly 28 MB"``."""
        return f"{self.what} needs roughly {size(self.bytes)}"


def size(n: float) -> str:
    """``1536`` -> ``"1.5 KB"``: bytes for people (powers of 1024, as ``df -h``)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" or n >= 10 else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def free_bytes(folder: Path) -> int | None:
    """Free bytes on the disk of ``folder`` (or its nearest existing parent), or ``None``."""
    for path in (folder, *folder.parents):
        if path.exists():
            try:
                return shutil.disk_usage(path).free
            except OSError:
                return None
    return None


def disk_full(need: SpaceNeed) -> DiskFull:
    free = free_bytes(need.media)
    left = f"{size(free)} free" if free is not None else "no space"
    return DiskFull(f"the disk of the media folder {show_path(need.media)}/ is full ({left}; {need.describe()}): "
                    f"free some space, or render elsewhere with --media DIR")


def not_writable(media: Path, e: OSError) -> NotWritable:
    where = e.filename if isinstance(e.filename, str) else str(media)
    return NotWritable(f"the media folder {show_path(media)}/ cannot be written ({e.strerror}: {show_path(Path(where))}): "
                       f"make it writable, or render elsewhere with --media DIR")


def storage_error(e: OSError, need: SpaceNeed) -> PipelineError | None:
    """The one-line error for an :class:`OSError` from writing under the media folder, or
    ``None`` if it is not about space or permission."""
    if e.errno in NO_SPACE:
        return disk_full(need)
    if e.errno in NOT_WRITABLE:
        return not_writable(need.media, e)
    return None


@contextmanager
def storage_errors(need: SpaceNeed) -> Iterator[None]:
    """Turn a full disk or a forbidden write under the media folder into its one-line error."""
    try:
        yield
    except OSError as e:
        error = storage_error(e, need)
        if error is None:
            raise
        raise error from None


def check_writable(need: SpaceNeed) -> None:
    """Raise :class:`NotWritable` (or :class:`DiskFull`) unless files can be created in the media
    folder (created if missing).

    A real write, not :func:`os.access`: root passes every permission check but still cannot
    write to a read-only file system.
    """
    probe = need.media / f".write-test-{os.getpid()}"
    with storage_errors(need):
        try:
            need.media.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"")
        finally:
            probe.unlink(missing_ok=True)


def ran_out_of_space(folder: Path, log: Path) -> bool:
    """Did a job that failed, writing under ``folder``, fail for want of space? Asked before its
    working files are removed: its disk is then (nearly) full, or its log says so."""
    free = free_bytes(folder)
    if free is not None and free < FULL_BELOW:
        return True
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(trace in text for trace in NO_SPACE_TEXT)
