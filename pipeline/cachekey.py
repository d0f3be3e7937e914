"""Cache keys: a scene's video is reused exactly when nothing it is made from has changed.

A scene is made from

- its own code: its module without the module's other classes (scenes, listed or not yet),
  except those it uses by name; so editing one scene re-renders that scene only;
- the scene toolkit: the files of the ``scenes`` package that its module runs when imported,
  that is the package's ``__init__.py`` (the scene list in it left out: adding a scene to the
  list re-renders nothing else) and every module of the package it imports, directly or through
  another (``import`` statements, read with ``ast``). So a part being written in
  ``scenes/part3.py`` is no input of the scenes of ``scenes/part1.py``;
- the lesson model's code, all of ``mathcore/**/*.py``, and the lesson file's content;
- the quality, manim's version and the flags the pipeline renders with;
- for a narrated build, how long each sentence of the scene's own beats is said
  (:meth:`pipeline.narration.Narration.beat_digest`): a new take re-renders the scene showing its
  beat; a silent build has keys of its own.

Python sources are compared as code (``ast``): comments and formatting do not count.

Reading and parsing all of that takes most of a second; :func:`scene_keys` takes a
:class:`pipeline.memo.Memo`, which keeps what it computed of each file under the file's ``stat``
(``media/cache/digests.json``), so a build with nothing changed parses nothing. With or without the
memo, the keys are the same.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import PipelineError
from pipeline.memo import Memo, digest as _digest
from pipeline.scenelist import Registry, SceneRef, package_dir

if TYPE_CHECKING:
    from pipeline.lesson import LessonInput
    from pipeline.narration import Narration
    from pipeline.quality import Quality

RECIPE = 2  # bump when what the pipeline keeps of a render changes (outputs, their layout)
KEY_LENGTH = 20  # hex digits
TOOLKIT = "scenes"
MODEL = "mathcore"


def manim_version(memo: Memo | None = None) -> str:
    """manim's installed version, read from its metadata (manim is not imported). With ``memo``,
    kept under the ``stat`` of the folder manim is installed in: installing, upgrading or removing
    a package there adds or removes an entry of that folder, which changes its times."""

    def version(_: Path) -> str:
        from importlib import metadata  # tens of milliseconds: only when the memo does not know

        try:
            return metadata.version("manim")
        except metadata.PackageNotFoundError:
            raise PipelineError("manim is not installed in this Python; run `make install`") from None

    if memo is None:
        return version(Path())
    return memo.of_file(package_dir("manim").parent, "manim version", version)


def scene_keys(registry: Registry, lesson: LessonInput, quality: Quality, render_args: list[str],
               scenes: Iterable[SceneRef] | None = None, narration: Narration | None = None,
               memo: Memo | None = None) -> dict[str, str]:
    """The cache key of each scene (all of the registry's, or ``scenes``), by scene name;
    ``narration`` is the narrated build's plan (``None``: silent); ``memo`` keeps what is read
    of each file for the next run (none: every file is read)."""
    memo = memo if memo is not None else Memo()
    shared = _digest({
        "recipe": RECIPE,
        "manim": manim_version(memo),
        "quality": quality.name,
        "render_args": render_args,
        "model": tree_digest(package_dir(MODEL), memo),
        "lesson": lesson.digest,
    })
    toolkit = package_dir(TOOLKIT)
    reader = _Reader(memo, registry)
    located: dict[tuple[str, ...], Path | None] = {}  # module name parts -> its file: looked up once
    kits: dict[str, dict[str, str]] = {}  # scene module -> its toolkit files' digests
    keys = {}
    for ref in registry.scenes if scenes is None else scenes:
        if ref.module not in kits:
            files = _toolkit_files(ref, toolkit, reader.imports, located)
            kits[ref.module] = {str(p.relative_to(toolkit)): reader.digest(m, p) for p, m in files.items()}
        beats = ref.beats()
        keys[ref.name] = _digest({
            "shared": shared,
            "scene": str(ref),
            "code": reader.scene_code(ref),
            "toolkit": kits[ref.module],
            "narration": None if narration is None or not beats else narration.beat_digest(beats),
        })[:KEY_LENGTH]
    return keys


def scene_code(ref: SceneRef) -> str:
    """The digest of ``ref``'s own code: :func:`scene_statements`."""
    return _scene_code(ref.syntax(), ref.name)


def scene_statements(ref: SceneRef) -> list[Statement]:
    """The top-level statements of ``ref``'s module without its other classes, except those the
    kept code names (a base class, a helper mobject), and those they name in turn.

    Decorated classes always stay: a decorator may do anything when the module is imported.
    """
    return _kept_statements(ref.syntax(), ref.name)


def _scene_code(tree: ast.Module, name: str) -> str:
    return _digest([s.digest for s in _kept_statements(tree, name)])


def _kept_statements(tree: ast.Module, name: str) -> list[Statement]:
    statements = _statements(tree)
    drop = {s.node.name for s in statements
            if isinstance(s.node, ast.ClassDef) and not s.node.decorator_list and s.node.name != name}
    while True:
        kept = [s for s in statements if not s.defines & drop]
        used = drop & set().union(*(s.uses for s in kept))
        if not used:
            return kept
        drop -= used


def toolkit_files(ref: SceneRef, toolkit: Path) -> set[Path]:
    """The files of the toolkit package (folder ``toolkit``) that importing ``ref``'s module
    runs: its ``__init__.py`` and the modules imported from there on, ``ref``'s own file left
    out (its code is :func:`scene_code`)."""

    def imports(module: str, path: Path) -> set[str]:
        return _imports(ref.syntax() if path == ref.path else _parse(path), module, path.name == "__init__.py")

    return set(_toolkit_files(ref, toolkit, imports))


def tree_digest(folder: Path, memo: Memo | None = None) -> str:
    """Every ``*.py`` under ``folder``, by relative path (``memo``: each file read only when its
    ``stat`` is not the one it had when last read; once in a run, which reads it for the lesson
    file, the narration and the scenes' keys)."""
    memo = memo if memo is not None else Memo()
    return memo.this_run(f"tree {folder}", lambda: _digest(
        {str(p.relative_to(folder)): code_digest(p, memo) for p in sorted(folder.rglob("*.py"))}))


def code_digest(path: Path, memo: Memo) -> str:
    """:func:`file_digest` of ``path``, through ``memo``."""
    return memo.of_file(path, "code", file_digest)


def file_digest(path: Path, without: Collection[str] = ()) -> str:
    """A Python file's code without the top-level definitions of the names ``without`` (comments
    and formatting do not count), or its bytes if it does not parse (it is being edited)."""
    return _code_digest(*_read(path), without)


@dataclass(frozen=True)
class Statement:
    """A top-level statement of a module: what it defines, the names it uses, its digest."""

    node: ast.stmt
    defines: frozenset[str]
    uses: frozenset[str]
    digest: str


# -- helpers ---------------------------------------------------------------------------------
class _Reader:
    """What :func:`scene_keys` reads of the scene modules and the toolkit's files, through the
    memo. Each file is parsed once per change, and all that is taken from it (its imports, its
    digest, its classes' own code) is computed from that one read, so the memo never holds facts
    of two versions of a file side by side."""

    def __init__(self, memo: Memo, registry: Registry) -> None:
        self.memo = memo
        self.registry = registry
        self.scene_modules = {ref.path for ref in registry.scenes}

    def scene_code(self, ref: SceneRef) -> str:
        """:func:`scene_code`; the whole module's digest if the file no longer parses (it was
        edited since the scene list was read)."""
        facts = self._facts(ref.module, ref.path)
        return facts["code"].get(ref.name, facts["digest"])

    def imports(self, module: str, path: Path) -> set[str]:
        return set(self._facts(module, path)["imports"])

    def digest(self, module: str, path: Path) -> str:
        """A toolkit file's digest (the scene list left out of the file that defines it)."""
        return self._facts(module, path)["digest"]

    def _facts(self, module: str, path: Path) -> dict[str, Any]:
        without = [self.registry.attribute] if path == self.registry.path else []
        scenes = path in self.scene_modules

        def read(file: Path) -> dict[str, Any]:
            raw, tree = _read(file)
            facts = {"imports": sorted(_imports(tree or _EMPTY, module, file.name == "__init__.py")),
                     "digest": _code_digest(raw, tree, without)}
            if scenes:  # each class's own code (only the listed scenes' are used)
                facts["code"] = {n.name: _scene_code(tree, n.name) for n in (tree or _EMPTY).body
                                 if isinstance(n, ast.ClassDef)}
            return facts

        kind = f"{'scene module' if scenes else 'toolkit file'} {module} without {','.join(without)}"
        return self.memo.of_file(path, kind, read)


def _toolkit_files(ref: SceneRef, toolkit: Path, imports: Callable[[str, Path], set[str]],
                   located: dict[tuple[str, ...], Path | None] | None = None) -> dict[Path, str]:
    """:func:`toolkit_files`, each with its module's name; ``imports(module, file)`` reads what a
    module imports (:func:`_imports`); ``located`` keeps the modules' files found, for the next call."""
    located = {} if located is None else located
    package = toolkit.name
    init = toolkit / "__init__.py"
    found: dict[Path, str] = {}
    todo: list[tuple[str, Path]] = [(ref.module, ref.path)]
    if init.is_file():
        found[init] = package
        todo.append((package, init))
    while todo:
        module, path = todo.pop()
        for name in imports(module, path):
            parts = name.split(".")
            if parts[0] != package:
                continue
            for depth in range(2, len(parts) + 1):  # importing a.b.c runs a.b and a.b.c
                at = tuple(parts[1:depth])
                if at not in located:
                    located[at] = _module_file(toolkit, list(at))
                file = located[at]
                if file is not None and file not in found and file != ref.path:
                    found[file] = ".".join(parts[:depth])
                    todo.append((found[file], file))
    return found


@lru_cache(maxsize=64)
def _statements(tree: ast.Module) -> tuple[Statement, ...]:
    """A module's statements, analysed once however many of its scenes are keyed."""
    return tuple(
        Statement(node, frozenset(_defines(node)), frozenset(_names_used([node])), _digest(ast.dump(node)))
        for node in tree.body
    )


def _imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Absolute names of everything ``module`` imports, anywhere in it; ``from a import b``
    gives both ``a`` and ``a.b`` (``b`` may be a submodule)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                anchor = parts[: len(parts) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _module_file(toolkit: Path, parts: list[str]) -> Path | None:
    """The file of module ``<toolkit>.<parts...>``, if it is one."""
    for file in (toolkit.joinpath(*parts).with_suffix(".py"), toolkit.joinpath(*parts, "__init__.py")):
        if file.is_file():
            return file
    return None


def _parse(path: Path) -> ast.Module:
    """A module's syntax tree; an empty one if it does not parse (being edited: its bytes count,
    :func:`file_digest`, and its imports cannot be read)."""
    return _read(path)[1] or _EMPTY


_EMPTY = ast.Module(body=[], type_ignores=[])


def _read(path: Path) -> tuple[bytes, ast.Module | None]:
    """A file's bytes, and its syntax tree if it parses."""
    raw = path.read_bytes()
    try:
        return raw, ast.parse(raw, filename=str(path))
    except SyntaxError:
        return raw, None


def _code_digest(raw: bytes, tree: ast.Module | None, without: Collection[str]) -> str:
    """:func:`file_digest` of a file read as ``raw`` and parsed as ``tree``."""
    if tree is None:
        return hashlib.sha256(raw).hexdigest()
    return _digest(ast.dump(ast.Module(body=_without(tree.body, without), type_ignores=[])))


def _without(body: list[ast.stmt], names: Collection[str]) -> list[ast.stmt]:
    """Top-level statements of ``body`` except the definitions of ``names``."""
    return [node for node in body if not (_defines(node) & set(names))]


def _defines(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    return set()


def _names_used(body: list[ast.stmt]) -> set[str]:
    return {n.id for node in body for n in ast.walk(node) if isinstance(n, ast.Name)}
