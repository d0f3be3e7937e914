"""Parsed SVGs kept on disk: every formula, label and caption is read from its SVG once per build.

Manim turns each TeX string and each line of text into mobjects by parsing an SVG file (with
svgelements) and making a shape of every path in it: 100-200 ms for a formula or a caption line.
It keeps what it parsed in memory, for TeX only (``SVG_HASH_TO_MOB_MAP``, by a hash of Python's
that changes from process to process), and each scene renders in a process of its own: the same
symbol was parsed again by every scene that shows it, and a caption (``Text``, never kept) each
time it was made, twice when it is measured before it is wrapped.

With :func:`install` and a store folder (the environment variable :data:`STORE_ENV`, which the
pipeline sets to ``media/cache/svg``), the result of the parse, the mobject exactly as manim's
``generate_mobject`` leaves it, is pickled into the store under a digest of everything it depends on:
the SVG file's bytes, the class, the default style and path settings manim reads while parsing,
the renderer and manim's version. The next process that needs it unpickles it (a few
milliseconds) and takes a copy, as manim takes a copy from its memory cache; this process keeps it
in memory too. The points are the same float64 values, so the frames are the same
(``tests/test_svgstore.py`` compares mobjects and pixels both ways).

Files are written under a temporary name and renamed, so a render running beside this one never
reads half a file; a file that cannot be read is parsed again. The pipeline keeps the most recently
used files (``pipeline.cache.prune_svgs``). The store is a cache of the project's own making, like the
TeX store beside it: pickles are loaded from it, so it is no place for files from elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import manim
from manim import config
from manim.mobject.svg.svg_mobject import SVG_HASH_TO_MOB_MAP, SVGMobject
from manim.utils.iterables import hash_obj

from scenes.patch import Patch

STORE_ENV = "LESSON_SVG_STORE"  # set by the pipeline (pipeline.cache.SVG_STORE_ENV)
FORMAT = 1  # of the files: a change of what is stored changes it
SUFFIX = ".svgmob"

_init_svg_mobject = SVGMobject.init_svg_mobject
_memory: dict[str, SVGMobject] = {}  # digest -> parsed mobject (never handed out: copied)
_off = False  # while the TeX census draws placeholders (scenes.census)


def store() -> Path | None:
    """The store folder, if the environment names one and it is not switched :func:`off`."""
    folder = os.environ.get(STORE_ENV)
    return Path(folder) if folder and not _off else None


@contextmanager
def off() -> Iterator[None]:
    """Within, nothing is read from or written to the store (the TeX census's placeholder SVGs)."""
    global _off
    was, _off = _off, True
    try:
        yield
    finally:
        _off = was


def digest(mobject: SVGMobject) -> str | None:
    """What the parse of ``mobject``'s SVG depends on, as a hex digest (None: no readable file)."""
    try:
        data = mobject.get_file_path().read_bytes()
    except (OSError, ValueError):
        return None  # manim's own code says what is wrong
    kind = type(mobject)
    seed = (FORMAT, manim.__version__, f"{kind.__module__}.{kind.__qualname__}",
            sorted((k, repr(v)) for k, v in mobject.svg_default.items()),
            sorted((k, repr(v)) for k, v in mobject.path_string_config.items()),
            repr(mobject.svg_width), repr(mobject.svg_height), str(config.renderer))
    return hashlib.sha256(repr(seed).encode() + b"\0" + data).hexdigest()


def _load(folder: Path, key: str) -> SVGMobject | None:
    path = folder / key[:2] / (key + SUFFIX)
    try:
        with path.open("rb") as f:
            parsed = pickle.load(f)
        os.utime(path)  # used: the pipeline keeps the most recently used
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or stale file: parse again (and write it anew)
        return None
    return parsed if isinstance(parsed, SVGMobject) else None


def _save(folder: Path, key: str, parsed: SVGMobject) -> None:
    path = folder / key[:2] / (key + SUFFIX)
    try:
        data = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except Exception:  # a full disk or an object that does not pickle: the render goes on without it
        return


def _init_from_store(self: SVGMobject, use_svg_cache: bool) -> SVGMobject:
    folder = store()
    hashed = hash_obj(self.hash_seed) if use_svg_cache and folder is not None else None
    if folder is None or hashed in SVG_HASH_TO_MOB_MAP:
        return _init_svg_mobject(self, use_svg_cache)  # no store, or in manim's memory cache already
    key = digest(self)
    if key is None:
        return _init_svg_mobject(self, use_svg_cache)
    parsed = _memory.get(key) or _load(folder, key)
    if parsed is None:  # parse it, as manim does, and keep what the parse made
        result = _init_svg_mobject(self, use_svg_cache)
        # manim keeps a copy of the parse in its memory cache when it uses it: that one will do
        parsed = _memory[key] = SVG_HASH_TO_MOB_MAP[hashed] if hashed is not None else self.copy()
        _save(folder, key, parsed)
        return result
    _memory[key] = parsed
    # As manim takes a parse from its memory cache (SVGMobject.init_svg_mobject):
    mob = parsed.copy()
    self.add(*mob)
    self.id_to_vgroup_dict = mob.id_to_vgroup_dict
    if hashed is not None:
        SVG_HASH_TO_MOB_MAP[hashed] = parsed
    return self



def forget() -> None:
    """Empty this process's memory of parsed SVGs (the store's files stay)."""
    _memory.clear()


# Read parsed SVGs from the store, when there is one (scenes.tex installs it).
_PATCH = Patch(SVGMobject, "init_svg_mobject", _init_from_store, forget=_memory.clear)
install, uninstall, installed = _PATCH.install, _PATCH.uninstall, _PATCH.installed
