"""A persistent memo of digests, so that a build with nothing changed reads and hashes next to nothing.

The cache keys of a build are digests of files (every module of ``mathcore/``, the scene toolkit's
files, the lesson file) and of results computed from them (a module's imports, a scene's own code,
the lesson file's validation, which imports sympy). Computed from scratch that is a second or more
of parsing, dumping syntax trees and importing, for a run that then finds every scene cached. The
memo, ``media/cache/digests.json``, keeps

- **files**: what was computed from a file (its digest; a tool's version for its executable),
  under the file's path and its ``stat``: size, mtime_ns, ctime_ns and inode. A file whose ``stat``
  is unchanged is not read again;
- **derived results**: each under a digest of everything it is computed from (the digests of its
  files, names, versions), so it is reused only for exactly the same inputs.

It never gives a stale key. Writing a file changes its mtime and its ctime, and nothing can set a
ctime back (``touch -d`` and :func:`os.utime` set the mtime, and changing it sets the ctime to
now); replacing a file (editors, ``git checkout``) gives a new inode too. What ``stat`` cannot see
is an edit within one tick of the file system's clock of the moment the file was read: same size,
same times. As git and make do for such "racily clean" files, a file whose mtime or ctime is less
than :data:`RACY_SECONDS` before the time it was read is not memoised at once. Its bytes' digest,
taken before and after the computation, is kept with the result; when the memo is saved (after the
scenes' keys, and again at the end of a build) a file by then old enough, with the same ``stat`` and
bytes, is memoised, as git re-checks racily clean files by their content: from then on any edit
gives it later times. Results derived from such files wait for them the same way. A fresh checkout
rendered, then, leaves a memo that the next run can use whole.

Everything in the memo is a shortcut: deleting the file costs one slower run. A file that is not
such a memo (unreadable, corrupt, someone else's JSON) or that was written by other code (another
Python, another version of the pipeline's modules: :func:`code_salt`) is ignored and replaced. The
memo is written only when something was added, whole, through a temporary file and a rename;
two runs at once each write a complete memo, and the last one stays.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from pipeline.fsutil import atomic_write_text

MEMO_FORMAT = 1  # bump when the memo's layout changes
MEMO_FILE = "digests.json"  # in the media folder's cache/
RACY_SECONDS = 2.0  # a file changed this recently is not memoised (2 s: FAT's granularity, and clocks)
MAX_ENTRIES = 4096  # beyond this, what this run did not use is dropped when the memo is written

T = TypeVar("T")


class Memo:
    """Results keyed by files' ``stat`` and by their inputs' digests; kept in ``path`` if given,
    else for this process only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.salt = code_salt() if path is not None else ""
        self._files: dict[str, list[Any]] = {}
        self._derived: dict[str, Any] = {}
        self._used: set[str] = set()
        self._settled: dict[Path, list[int]] = {}  # files read through of_file, not too recent: their stat
        self._run: dict[str, Any] = {}  # this_run's results
        self._recent: dict[str, list[Any]] = {}  # of_file's results for files too recent to memoise: this run only
        self._unsettled: dict[str, tuple[Path, list[int], str]] = {}  # of those, path, stat and bytes' digest
        self._pending: dict[str, tuple[Any, list[tuple[Path, list[int] | None]]]] = {}  # derived from them
        self._dirty = False
        if path is not None:
            self._load(path)

    def of_file(self, path: Path, kind: str, compute: Callable[[Path], T]) -> T:
        """``compute(path)``, unless it was computed for this very file (path and ``stat``) before.

        ``kind`` names what ``compute`` computes: one file can have several entries (its code's
        digest, its bytes' digest). ``compute``'s result must be JSON data. Raises the
        :class:`OSError` of a missing file."""
        entry = f"{kind}\0{path}"
        stamp = _stamp(path)
        known = self._files.get(entry)
        self._used.add(entry)
        if isinstance(known, list) and len(known) == len(stamp) + 1 and known[:-1] == stamp:
            self._settled[path] = stamp
            return known[-1]
        recent = self._recent.get(entry)
        if recent is not None and recent[:-1] == stamp:  # read a moment ago, in this run
            return recent[-1]
        if not _racy(stamp):
            value = _as_stored(compute(path))
            self._files[entry] = [*stamp, value]
            self._settled[path] = stamp
            self._dirty = True
            return value
        # Too recent: used in this run (once: a file just edited is asked for by each scene of its
        # module), memoised when saved if by then it is old enough and has the same bytes.
        content = _content_or_none(path)
        value = _as_stored(compute(path))
        self._files.pop(entry, None)
        self._settled.pop(path, None)
        self._recent[entry] = [*stamp, value]
        self._unsettled.pop(entry, None)
        if content is not None and _stamp_or_none(path) == stamp and _content_or_none(path) == content:
            self._unsettled[entry] = (path, stamp, content)  # what compute read, unless changed and back
        return value

    def derived(self, kind: str, inputs: object, compute: Callable[[], T], files: Iterable[Path] = ()) -> T:
        """``compute()``, unless it was computed for the same ``kind`` and ``inputs`` (JSON data:
        digests, names, versions) before. ``compute``'s result must be JSON data; it is returned as
        it comes back from the memo (tuples as lists), the first time too.

        ``files``: those ``compute`` reads again, whose digests (from :meth:`of_file`) are among
        ``inputs``. The result is kept only if each of them was memoised and still has the ``stat``
        it had then, that is, if ``compute`` read the very content the digests are of."""
        entry = f"{kind}\0{digest(inputs)}"
        self._used.add(entry)
        if entry in self._derived:
            return self._derived[entry]
        files = list(files)
        value = _as_stored(compute())
        stamps = [(path, _stamp_or_none(path)) for path in files]
        if all(path in self._settled and stamp == self._settled[path] for path, stamp in stamps):
            self._derived[entry] = value
            self._dirty = True
        else:  # kept when saved if every file is memoised by then, with the stat it had here
            self._pending[entry] = (value, stamps)
        return value

    def this_run(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, once for this memo (one run), kept in memory only: for what several parts
        of a run read alike, so that they all see the same."""
        if key not in self._run:
            self._run[key] = compute()
        return self._run[key]

    def save(self) -> None:
        """Write the memo (if it has a file and something was added) whole, under a temporary name
        first. A memo that cannot be written is not an error: the next run computes again.

        Files too recent to memoise when they were read are memoised now if they have become old
        enough unchanged, and so are the results derived from them."""
        self._settle()
        if self.path is None or not self._dirty:
            return
        files, derived = self._files, self._derived
        if len(files) + len(derived) > MAX_ENTRIES:
            files = {k: v for k, v in files.items() if k in self._used}
            derived = {k: v for k, v in derived.items() if k in self._used}
        data = {"format": MEMO_FORMAT, "salt": self.salt, "files": files, "derived": derived}
        try:
            atomic_write_text(self.path, json.dumps(data, separators=(",", ":")) + "\n")
        except OSError:
            return
        self._dirty = False

    def _settle(self) -> None:
        for entry, (path, stamp, content) in list(self._unsettled.items()):
            if _racy(stamp):
                continue  # still too recent: perhaps at the next save
            del self._unsettled[entry]
            if _stamp_or_none(path) == stamp and _content_or_none(path) == content:
                self._files[entry] = [*stamp, self._recent[entry][-1]]
                self._settled[path] = stamp
                self._dirty = True
        for entry, (value, stamps) in list(self._pending.items()):
            if all(stamp is not None and self._settled.get(path) == stamp for path, stamp in stamps):
                del self._pending[entry]
                self._derived[entry] = value
                self._dirty = True

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, unreadable or not JSON: replaced when saved
            self._dirty = path.exists()
            return
        if (isinstance(data, dict) and data.get("format") == MEMO_FORMAT and data.get("salt") == self.salt
                and isinstance(data.get("files"), dict) and isinstance(data.get("derived"), dict)):
            self._files, self._derived = data["files"], data["derived"]
        else:  # another layout, other code, or not a memo at all
            self._dirty = True


def code_salt() -> str:
    """What the memo's results depend on besides their inputs: this Python (its syntax trees) and
    the pipeline's own code (how digests are taken), by the bytes of its modules."""
    folder = Path(__file__).parent
    sources = sorted(folder.glob("*.py"))
    return digest([sys.version, MEMO_FORMAT] + [[p.name, bytes_digest(p)] for p in sources])


def digest(value: object) -> str:
    """SHA-256 of ``value``: a string's text, anything else as sorted JSON."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _stamp(path: Path) -> list[int]:
    """The identity of a file's content, as far as ``stat`` sees it."""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _racy(stamp: list[int]) -> bool:
    """Whether a file of this ``stat`` changed too recently for its ``stat`` to vouch for its bytes."""
    return time.time_ns() - max(stamp[1], stamp[2]) < RACY_SECONDS * 1e9


def bytes_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (the :class:`OSError` of a file that cannot be read)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _content_or_none(path: Path) -> str | None:
    try:
        return bytes_digest(path)
    except OSError:
        return None


def _stamp_or_none(path: Path) -> list[int] | None:
    try:
        return _stamp(path)
    except OSError:
        return None


def _as_stored(value: object) -> Any:
    """``value`` as it reads back from the memo's JSON (tuples become lists)."""
    return json.loads(json.dumps(value))
