"""File helpers: nothing half-written is ever visible under its final name."""

from __future__ import annotations

from collections.abc import Callable

import os
import shutil
from pathlib import Path


def show_path(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def temp_sibling(path: Path) -> Path:
    """A temporary name in ``path``'s folder (so :func:`os.replace` onto ``path`` is atomic),
    hidden, with the same suffix (PyAV picks the container format from it)."""
    return path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` write a temporary sibling of ``path``, then rename it to ``path``: readers
    see the old file or the whole new one, and a failure leaves no half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst``, or copy it where links are impossible; either way ``dst``
    appears complete. Raises :class:`FileExistsError` if ``dst`` exists (when linking)."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError:  # another file system, or links not supported
        tmp = temp_sibling(dst)
        try:
            shutil.copy2(src, tmp)
            os.replace(tmp, dst)
        finally:
            tmp.unlink(missing_ok=True)


def publish_file(src: Path, dst: Path) -> None:
    """Make ``dst`` a complete copy of ``src`` (hard link if possible), replacing it atomically."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(dst)
    tmp.unlink(missing_ok=True)
    try:
        link_or_copy(src, tmp)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
