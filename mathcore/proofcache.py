"""Proved identities, remembered between runs, so that each symbolic proof is done once.

:meth:`~mathcore.equations.Equation.check` reads each instance's TeX back and proves each
step of it (side ``n - 1`` equals side ``n``) with sympy. Where every side is a formula (no
numbers plugged in), none of that depends on the lesson's numbers, only on the statement (which
follows from the sizes, the activation, the cost and the formula) and on the code, so the results
are stored under keys of exactly those:

* a whole instance that agrees and whose steps are all proved: the TeX, what its letters mean
  (:class:`~mathcore.texparse.Scope`: sizes, squish, bound indices), the network's definitions
  and aliases (sizes, activation and cost are in them) and the sides;
* one proved step between two formulas (also in instances that show numbers further on): the
  definitions and the two sides;

each with the source of the modules that read and prove (:data:`CODE_FILES`) and sympy's
version. Sides are written out with ``sympy.srepr``.

Only successes are stored, so a cache can make a check faster, never make it pass: a changed
TeX, side or line of code is a different key, and a failed check is redone (and fails) every
run. Sides with numbers are checked every run, against the numbers; that is fast.

The store is one JSON file, ``proofs.json``, in ``$BACKPROP_LESSON_CACHE`` if set, else in
``$XDG_CACHE_HOME/backprop-lesson`` or ``~/.cache/backprop-lesson``. It holds the keys of one
version of the code (another version starts it afresh). Writes go to a temporary file that
replaces the old one; a corrupt file is ignored (and rewritten), and a folder that cannot be
written just means nothing is remembered.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import sympy

CODE_FILES = ("notation.py", "functions.py", "symbolic.py", "texparse.py", "equations.py", "proofcache.py")
FILE_NAME = "proofs.json"
FORMAT = 1


@cache
def code_version() -> str:
    """Hash of the proving code (:data:`CODE_FILES`) and sympy's version."""
    h = hashlib.blake2b(sympy.__version__.encode(), digest_size=16)
    here = Path(__file__).parent
    for name in CODE_FILES:
        h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    return h.hexdigest()


def key(*parts: str) -> str:
    """The key of one statement: the code version and ``parts`` (TeX, scope, graph, sides), hashed."""
    h = hashlib.blake2b(code_version().encode(), digest_size=16)
    for part in parts:
        h.update(len(part).to_bytes(8, "little") + part.encode())
    return h.hexdigest()


def cache_dir() -> Path:
    """Where the proofs are kept (see the module's docstring)."""
    if os.environ.get("BACKPROP_LESSON_CACHE"):
        return Path(os.environ["BACKPROP_LESSON_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "backprop-lesson"


class ProofCache:
    """The set of proved statements' keys in one folder, read on first use, written by :meth:`save`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / FILE_NAME
        self._keys: set[str] | None = None
        self._new: set[str] = set()
        self.hits = 0
        self.misses = 0

    def _load(self) -> set[str]:
        """The keys on disk for this code version; nothing if the file is missing or unreadable."""
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return set()
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("code") != code_version():
            return set()
        proved = data.get("proved")
        if not isinstance(proved, list):
            return set()
        return {k for k in proved if isinstance(k, str)}

    @property
    def keys(self) -> set[str]:
        if self._keys is None:
            self._keys = self._load()
        return self._keys

    def __contains__(self, key: str) -> bool:
        return key in self.keys or key in self._new

    def add(self, key: str) -> None:
        """Remember that the statement ``key`` was proved (kept by the next :meth:`save`)."""
        if key not in self.keys:
            self._new.add(key)

    def prove(self, key: str, proof: Callable[[], bool]) -> bool:
        """``True`` if ``key`` was proved before; else the result of ``proof()``, remembered if ``True``.

        ``hits`` and ``misses`` count the two cases.
        """
        if key in self:
            self.hits += 1
            return True
        self.misses += 1
        if proof():
            self.add(key)
            return True
        return False

    def save(self) -> bool:
        """Write the new keys, merged with what is on disk now; ``False`` if that was not possible."""
        if not self._new:
            return True
        keys = self._load() | self.keys | self._new
        data = {"format": FORMAT, "code": code_version(), "proved": sorted(keys)}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".proofs-", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "w") as f:
                    json.dump(data, f)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return False
        self._keys, self._new = keys, set()
        return True


_stores: dict[Path, ProofCache] = {}


def store() -> ProofCache:
    """The cache for the current environment (a changed ``$BACKPROP_LESSON_CACHE`` gets its own)."""
    folder = cache_dir()
    if folder not in _stores:
        _stores[folder] = ProofCache(folder)
    return _stores[folder]
