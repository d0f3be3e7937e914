"""The scene list: which scenes make the lesson, in order, and where each one's code lives.

A registry is a tuple of ``(module, SceneClass)`` pairs named ``"package.module:ATTRIBUTE"``; the
lesson's is ``scenes:LESSON_SCENES``; the tests pass their own. Scene modules are located and
parsed here, never imported: only the render jobs import them, and manim.
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

DEFAULT_REGISTRY = "scenes:LESSON_SCENES"


@dataclass(frozen=True)
class SceneRef:
    """One scene of the list: ``scenes.part1:ChainRule``, and its module's file and syntax tree."""

    module: str
    name: str
    path: Path  # the module's file
    root: Path  # the folder its top-level package is imported from
    tree: ast.Module = field(compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.module}:{self.name}"

    def beats(self) -> tuple[str, ...] | None:
        """The beats the scene declares (``beats = ("title", ...)`` in its class, or in a base
        class of the same module), read from its code; ``None`` if it declares none there."""
        classes = {node.name: node for node in self.tree.body if isinstance(node, ast.ClassDef)}
        seen: set[str] = set()
        todo = [self.name]
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


def load_registry(spec: str = DEFAULT_REGISTRY) -> Registry:
    """Import the registry ``"module:ATTRIBUTE"`` and locate and parse every scene module in it."""
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
    trees: dict[str, tuple[Path, Path, ast.Module]] = {}
    scenes = []
    for module_of_scene, name in entries:
        if module_of_scene not in trees:
            trees[module_of_scene] = _parse(module_of_scene, spec)
        path, root, tree = trees[module_of_scene]
        if name not in _class_names(tree):
            raise PipelineError(f"{show_path(path)} has no class {name} (listed in {spec})")
        scenes.append(SceneRef(module_of_scene, name, path, root, tree))
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
def _parse(module: str, registry: str) -> tuple[Path, Path, ast.Module]:
    """The file, import root and syntax tree of a scene module (found, not imported)."""
    try:
        spec = importlib.util.find_spec(module)
    except ImportError:  # a parent package is missing
        spec = None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        raise PipelineError(f"scene module {module} not found (listed in {registry})")
    path = Path(spec.origin).resolve()
    depth = module.count(".") + (1 if path.name == "__init__.py" else 0)
    root = path.parents[depth]
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as e:
        raise PipelineError(f"{show_path(path)}:{e.lineno}: syntax error: {e.msg}") from None
    return path, root, tree


def _class_names(tree: ast.Module) -> set[str]:
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def _is_pairs(entries: object) -> bool:
    return isinstance(entries, (tuple, list)) and all(
        isinstance(e, (tuple, list)) and len(e) == 2 and all(isinstance(x, str) for x in e) for e in entries
    )
