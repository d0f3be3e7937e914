"""The scene list: which scenes make the lesson, in order, and where each one's code lives.

A registry is a tuple of ``(module, SceneClass)`` pairs named ``"package.module:ATTRIBUTE"``; the
lesson's is ``scenes:LESSON_SCENES``; the tests pass their own. Scene modules are located and
read here, never imported: only the render jobs import them, and manim. What is read of a module
(its classes, the beats each declares) is kept in the build's memo (:mod:`pipeline.memo`), so an
unchanged module is not parsed again.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.fsutil import show_path
from pipeline.memo import Memo

DEFAULT_REGISTRY = "scenes:LESSON_SCENES"


@dataclass(frozen=True)
class SceneRef:
    """One scene of the list: ``scenes.part1:ChainRule``, its module's file and what it declares.

    Built from a syntax tree (``tree``), a ref reads its beats there; :func:`load_registry` gives
    instead the beats it read (or remembered) of the module, and no tree: :meth:`syntax` parses
    the file if asked."""

    module: str
    name: str
    path: Path  # the module's file
    root: Path  # the folder its top-level package is imported from
    tree: ast.Module | None = field(default=None, compare=False, repr=False)
    declared: tuple[str, ...] | None = field(default=None, compare=False, repr=False)  # beats, without a tree

    def __str__(self) -> str:
        return f"{self.module}:{self.name}"

    def syntax(self) -> ast.Module:
        """The module's syntax tree."""
        return self.tree if self.tree is not None else _parse_file(self.path)

    def beats(self) -> tuple[str, ...] | None:
        """The beats the scene declares (``beats = ("title", ...)`` in its class, or in a base
        class of the same module), read from its code; ``None`` if it declares none there."""
        return self.declared if self.tree is None else declared_beats(self.tree, self.name)


@dataclass(frozen=True)
class Registry:
    """A scene list, where it is defined, and its scenes in order."""

    spec: str  # "scenes:LESSON_SCENES"
    attribute: str  # "LESSON_SCENES"
    path: Path  # the file that defines it
    scenes: tuple[SceneRef, ...]

    def find(self, name: str) -> SceneRef:
        """The scene called ``name`` (the class name), or a one-line error listing the scenes."""
        for ref in self.scenes:
            if ref.name == name:
                return ref
        raise PipelineError(f"unknown scene {name!r}; the scenes are {', '.join(self.names())}")

    def names(self) -> list[str]:
        return [ref.name for ref in self.scenes]


def load_registry(spec: str = DEFAULT_REGISTRY, memo: Memo | None = None) -> Registry:
    """Import the registry ``"module:ATTRIBUTE"`` and locate and read every scene module in it
    (through ``memo``: a module is parsed only if changed since it was last read)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise PipelineError(f"bad scene list {spec!r}; expected module:ATTRIBUTE, e.g. {DEFAULT_REGISTRY}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise PipelineError(f"cannot import the scene list's module {module_name!r}: {e}") from None
    entries = getattr(module, attribute, None)
    if not _is_pairs(entries):
        raise PipelineError(f"{spec} is not a tuple of (module, SceneClass) pairs")
    if not entries:
        raise PipelineError(f"{spec} lists no scenes")
    memo = memo if memo is not None else Memo()
    modules: dict[str, tuple[Path, Path, dict[str, list[str] | None]]] = {}
    scenes = []
    for module_of_scene, name in entries:
        if module_of_scene not in modules:
            path, root = _locate(module_of_scene, spec)
            modules[module_of_scene] = path, root, memo.of_file(path, "scene classes", _classes)
        path, root, classes = modules[module_of_scene]
        if name not in classes:
            raise PipelineError(f"{show_path(path)} has no class {name} (listed in {spec})")
        beats = classes[name]
        scenes.append(SceneRef(module_of_scene, name, path, root, declared=None if beats is None else tuple(beats)))
    duplicates = [name for name, n in Counter(ref.name for ref in scenes).items() if n > 1]
    if duplicates:
        raise PipelineError(f"{spec} lists {', '.join(sorted(duplicates))} more than once")
    return Registry(spec, attribute, Path(module.__file__ or "").resolve(), tuple(scenes))


def shown_beats(scenes: Iterable[SceneRef]) -> list[str]:
    """The beats (model keys) that ``scenes`` show, in the scenes' order, each once: what the
    narration is planned for (the build) and what the narration script lists."""
    return list(dict.fromkeys(beat for ref in scenes for beat in (ref.beats() or ())))


def package_dir(package: str) -> Path:
    """The folder of an importable package (``scenes``, ``mathcore``), without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PipelineError(f"package {package!r} not found; run `make install`")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


# -- helpers ---------------------------------------------------------------------------------
def declared_beats(tree: ast.Module, name: str) -> tuple[str, ...] | None:
    """The beats class ``name`` of module ``tree`` declares: :meth:`SceneRef.beats`."""
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    seen: set[str] = set()
    todo = [name]
    while todo:
        node = classes.get(todo.pop(0))
        if node is None or node.name in seen:
            continue
        seen.add(node.name)
        for statement in node.body:
            targets = (statement.targets if isinstance(statement, ast.Assign)
                       else [statement.target] if isinstance(statement, ast.AnnAssign) and statement.value else [])
            if any(isinstance(t, ast.Name) and t.id == "beats" for t in targets):
                try:
                    value = ast.literal_eval(statement.value)
                except ValueError:
                    return None
                return tuple(value) if isinstance(value, (tuple, list)) and all(
                    isinstance(v, str) for v in value) else None
        todo += [b.id for b in node.bases if isinstance(b, ast.Name)]
    return None


def _locate(module: str, registry: str) -> tuple[Path, Path]:
    """The file and import root of a scene module (found, not imported)."""
    try:
        spec = importlib.util.find_spec(module)
    except ImportError:  # a parent package is missing
        spec = None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        raise PipelineError(f"scene module {module} not found (listed in {registry})")
    path = Path(spec.origin).resolve()
    depth = module.count(".") + (1 if path.name == "__init__.py" else 0)
    return path, path.parents[depth]


def _parse_file(path: Path) -> ast.Module:
    """A scene module's syntax tree; a syntax error is one line naming the file and line."""
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as e:
        raise PipelineError(f"{show_path(path)}:{e.lineno}: syntax error: {e.msg}") from None


def _classes(path: Path) -> dict[str, list[str] | None]:
    """A scene module's classes, each with the beats it declares."""
    tree = _parse_file(path)
    return {node.name: declared_beats(tree, node.name) for node in tree.body if isinstance(node, ast.ClassDef)}


def _is_pairs(entries: object) -> bool:
    return isinstance(entries, (tuple, list)) and all(
        isinstance(e, (tuple, list)) and len(e) == 2 and all(isinstance(x, str) for x in e) for e in entries
    )
