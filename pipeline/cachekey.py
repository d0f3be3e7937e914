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
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import PipelineError
from pipeline.lesson import LessonInput
from pipeline.quality import Quality
from pipeline.scenelist import Registry, SceneRef, package_dir

if TYPE_CHECKING:
    from pipeline.narration import Narration

RECIPE = 2  # bump when what the pipeline keeps of a render changes (outputs, their layout)
KEY_LENGTH = 20  # hex digits
TOOLKIT = "scenes"
MODEL = "mathcore"


def manim_version() -> str:
    """manim's installed version, read from its metadata (manim is not imported)."""
    try:
        return metadata.version("manim")
    except metadata.PackageNotFoundError:
        raise PipelineError("manim is not installed in this Python; run `make install`") from None


def scene_keys(registry: Registry, lesson: LessonInput, quality: Quality, render_args: list[str],
               scenes: Iterable[SceneRef] | None = None, narration: Narration | None = None) -> dict[str, str]:
    """The cache key of each scene (all of the registry's, or ``scenes``), by scene name;
    ``narration`` is the narrated build's plan (``None``: silent)."""
    shared = _digest({
        "recipe": RECIPE,
        "manim": manim_version(),
        "quality": quality.name,
        "render_args": render_args,
        "model": tree_digest(package_dir(MODEL)),
        "lesson": lesson.digest,
    })
    toolkit = package_dir(TOOLKIT)
    digests: dict[Path, str] = {}  # each toolkit file hashed once

    def digest_of(path: Path) -> str:
        if path not in digests:
            digests[path] = file_digest(path, without={registry.attribute} if path == registry.path else ())
        return digests[path]

    kits: dict[str, dict[str, str]] = {}  # scene module -> its toolkit files' digests
    keys = {}
    for ref in registry.scenes if scenes is None else scenes:
        if ref.module not in kits:
            kits[ref.module] = {str(p.relative_to(toolkit)): digest_of(p) for p in toolkit_files(ref, toolkit)}
        keys[ref.name] = _digest({
            "shared": shared,
            "scene": str(ref),
            "code": scene_code(ref),
            "toolkit": kits[ref.module],
            "narration": None if narration is None or not ref.beats() else narration.beat_digest(ref.beats()),
        })[:KEY_LENGTH]
    return keys


def scene_code(ref: SceneRef) -> str:
    """The digest of ``ref``'s own code: :func:`scene_statements`."""
    return _digest([s.digest for s in scene_statements(ref)])


def scene_statements(ref: SceneRef) -> list[Statement]:
    """The top-level statements of ``ref``'s module without its other classes, except those the
    kept code names (a base class, a helper mobject), and those they name in turn.

    Decorated classes always stay: a decorator may do anything when the module is imported.
    """
    statements = _statements(ref.tree)
    drop = {s.node.name for s in statements
            if isinstance(s.node, ast.ClassDef) and not s.node.decorator_list and s.node.name != ref.name}
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
    package = toolkit.name
    init = toolkit / "__init__.py"
    found: set[Path] = set()
    todo: list[tuple[str, Path, ast.Module]] = [(ref.module, ref.path, ref.tree)]
    if init.is_file():
        found.add(init)
        todo.append((package, init, _parse(init)))
    while todo:
        module, path, tree = todo.pop()
        for name in _imports(tree, module, is_package=path.name == "__init__.py"):
            parts = name.split(".")
            if parts[0] != package:
                continue
            for depth in range(2, len(parts) + 1):  # importing a.b.c runs a.b and a.b.c
                file = _module_file(toolkit, parts[1:depth])
                if file is not None and file not in found and file != ref.path:
                    found.add(file)
                    todo.append((".".join(parts[:depth]), file, _parse(file)))
    return found


@lru_cache(maxsize=8)
def tree_digest(folder: Path) -> str:
    """Every ``*.py`` under ``folder``, by relative path; computed once per process (a build
    reads the model's code for the scenes' keys, the narration plan and the export)."""
    return _digest({str(p.relative_to(folder)): file_digest(p) for p in sorted(folder.rglob("*.py"))})


def file_digest(path: Path, without: Collection[str] = ()) -> str:
    """A Python file's code without the top-level definitions of the names ``without`` (comments
    and formatting do not count), or its bytes if it does not parse (it is being edited)."""
    raw = path.read_bytes()
    try:
        tree = ast.parse(raw, filename=str(path))
    except SyntaxError:
        return hashlib.sha256(raw).hexdigest()
    return _digest(ast.dump(ast.Module(body=_without(tree.body, without), type_ignores=[])))


@dataclass(frozen=True)
class Statement:
    """A top-level statement of a module: what it defines, the names it uses, its digest."""

    node: ast.stmt
    defines: frozenset[str]
    uses: frozenset[str]
    digest: str


# -- helpers ---------------------------------------------------------------------------------
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
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError:  # being edited: its bytes count (file_digest), its imports cannot be read
        return ast.Module(body=[], type_ignores=[])


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


def _digest(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
