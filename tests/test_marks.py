"""Narration marks: every scene says where each sentence of its beats' narration starts.

Read from the scenes' source (fast, no rendering): each beat's method, with the helpers of its
scene it calls, marks every sentence of the beat's narration once, in order, for the default
lesson, the tests' second lesson and generated ones. Then :meth:`LessonScene.narrate` itself: its
errors and the subcaptions it computes, on a scene that is set up but not rendered. Last, two
short scenes rendered at low quality: the ``.srt`` manim writes beside each movie has the
narration, a cue per sentence from its mark, and the frames are those of the same scene with
marking switched off.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import srt
from manim import tempconfig
from manim.scene.scene_file_writer import SceneFileWriter

from mathcore.beats import build_model
from mathcore.beats.common import Context
from mathcore.beats.narration import WRITERS
from mathcore.beats.reading import BeatReader
from mathcore.model import LessonModel
from scenes import LESSON_SCENES
from scenes.base import LessonScene, NarrationError

from .lessongen import lesson_text
from .test_scenes import GENERATED, TOOLKIT

SCENES_DIR = Path(__file__).parents[1] / "scenes"


# -- reading the marks from the source -------------------------------------------------------------
class MarkReader:
    """The keys a scene's beat method passes to ``self.narrate``, in the order they run.

    Statements are read in order; a call ``self.helper(...)`` of a method of the same class is read
    in place; a ``for`` loop over a literal (``for name in ("b", "a_prev")``) is unrolled with its
    variable bound, and names assigned literals (a dict of keys) are known, so that a key computed
    from them (``said[name][0]``) is read; any other loop body is read once and both branches of
    an ``if`` are read. A key that cannot be worked out this way is an error (keep keys simple)."""

    def __init__(self, classes: list[ast.ClassDef]) -> None:
        """``classes``: a class and its bases, bases first (a subclass's method wins)."""
        self.methods = {node.name: node for c in classes for node in c.body if isinstance(node, ast.FunctionDef)}

    @classmethod
    def of(cls, scene: type) -> MarkReader:
        """The reader of a scene class: its methods and those of its bases in the scene modules."""
        return cls([ast.parse(textwrap.dedent(inspect.getsource(k))).body[0] for k in reversed(scene.__mro__)
                    if k.__module__.startswith("scenes.") and k.__module__ != "scenes.base"])

    @classmethod
    def of_source(cls, source: str) -> MarkReader:
        return cls([node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)])

    def keys(self, method: str) -> list[str]:
        out: list[str] = []
        self._body(self.methods[method].body, {}, out, (method,))
        return out

    def _body(self, body: list[ast.stmt], env: dict[str, Any], out: list[str], stack: tuple[str, ...]) -> None:
        for stmt in body:
            self._node(stmt, env, out, stack)

    def _node(self, node: ast.AST, env: dict[str, Any], out: list[str], stack: tuple[str, ...]) -> None:
        if isinstance(node, ast.For):
            values = _literal(node.iter, env)
            if isinstance(values, (tuple, list)):
                for value in values:
                    self._body(node.body, env | _bind(node.target, value), out, stack)
                return
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = _literal(node.value, env)
            if value is not None:
                env[node.targets[0].id] = value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_self(node.func.value):
            name = node.func.attr
            if name == "narrate":
                key = _literal(node.args[0], env) if len(node.args) == 1 else None
                assert isinstance(key, str), f"{stack[-1]}: narrate key not readable: {ast.unparse(node)}"
                out.append(key)
            elif name in self.methods and name not in stack:
                for arg in node.args:
                    self._node(arg, env, out, stack)
                self._body(self.methods[name].body, {}, out, (*stack, name))
                return
        for child in ast.iter_child_nodes(node):
            self._node(child, env, out, stack)


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _literal(node: ast.AST, env: dict[str, Any]) -> Any:
    """The value of ``node`` if it is made of literals and known names only, else None."""
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    if not names <= env.keys() or any(isinstance(n, (ast.Call, ast.Attribute)) for n in ast.walk(node)):
        return None
    try:
        return eval(compile(ast.Expression(node), "<mark>", "eval"), {"__builtins__": {}}, dict(env))
    except Exception:  # noqa: BLE001 - not a literal after all
        return None


def _bind(target: ast.AST, value: Any) -> dict[str, Any]:
    if isinstance(target, ast.Name):
        return {target.id: value}
    if isinstance(target, ast.Tuple) and isinstance(value, (tuple, list)) and len(value) == len(target.elts):
        return {k: v for t, item in zip(target.elts, value) for k, v in _bind(t, item).items()}
    return {}


def scene_classes() -> list[type]:
    return [getattr(importlib.import_module(module), name) for module, name in LESSON_SCENES]


def narration_keys(model: LessonModel, beat_key: str) -> list[str]:
    return [s.key for s in model.beat(beat_key).narration]


@pytest.fixture(scope="module")
def generated_models(tmp_path_factory) -> list[LessonModel]:
    folder = tmp_path_factory.mktemp("lessons")
    models = []
    for name, (seed, choices) in GENERATED.items():
        path = folder / f"{name}.toml"
        path.write_text(lesson_text(seed, **choices), encoding="utf-8")
        models.append(build_model(path))
    return models


def test_every_beat_marks_every_sentence_once_in_order(any_model, generated_models):
    for model in (any_model, *generated_models):
        for cls in scene_classes():
            reader = MarkReader.of(cls)
            for beat_key in cls.beats:
                assert reader.keys(beat_key) == narration_keys(model, beat_key), (cls.__name__, beat_key)


def test_every_version_of_a_narration_has_the_same_keys(any_model):
    """A lesson whose narration is long gets a shorter version: it must mark the same steps."""
    c = Context.of(any_model.spec)
    for beat in any_model.beats:
        versions = [[key for key, _ in lines] for lines in WRITERS[beat.key](BeatReader(beat), c)]
        assert all(v == versions[0] for v in versions), (beat.key, versions)


def test_only_lesson_scenes_mark():
    """The toolkit never marks (the reader above does not look there)."""
    for name in sorted(TOOLKIT - {"base.py"}):
        assert ".narrate(" not in (SCENES_DIR / name).read_text(encoding="utf-8"), name


FAKE = """
class Fake:
    def a(self, beat):
        self.narrate("one")
        self.helper(beat)
        said = {"x": ("three", "four"), "y": ("five", "six")}
        for name in ("x", "y"):
            self.narrate(said[name][0])
            self.narrate(said[name][1])
        for item in items:
            self.narrate("seven")

    def helper(self, beat):
        self.narrate("two")

    def b(self, beat):
        self.narrate(self.key_of(beat))
"""


def test_the_reader_follows_helpers_and_literal_loops():
    reader = MarkReader.of_source(FAKE)
    assert reader.keys("a") == ["one", "two", "three", "four", "five", "six", "seven"]
    with pytest.raises(AssertionError, match="not readable"):
        reader.keys("b")


# -- narrate itself, on a scene set up but not rendered ------------------------------------------------
@pytest.fixture
def squish(tmp_path, model):
    """The Squish scene set up in a movie-writing config, its beat begun, time at 0."""
    from scenes.part1 import Squish

    config = {"media_dir": str(tmp_path), "quality": "low_quality", "write_to_movie": True, "disable_caching": True,
              "verbosity": "WARNING", "progress_bar": "none"}
    with tempconfig(config):
        scene = Squish()
        scene.setup()
        scene.begin_narration(model.beat("squish"))
        yield scene


def test_unknown_key_names_the_beat_and_its_keys(squish, model):
    with pytest.raises(NarrationError) as err:
        squish.narrate("nope")
    message = str(err.value)
    assert "'squish'" in message and "'nope'" in message
    assert all(key in message for key in narration_keys(model, "squish"))


def test_out_of_order_and_twice_are_errors(squish, model):
    first, second, *_ = narration_keys(model, "squish")
    with pytest.raises(NarrationError, match="out of order"):
        squish.narrate(second)
    squish.narrate(first)
    with pytest.raises(NarrationError, match="twice"):
        squish.narrate(first)


def test_a_sentence_never_marked_is_an_error_at_the_beats_end(squish, model):
    keys = narration_keys(model, "squish")
    for i, key in enumerate(keys[:-1]):
        squish.renderer.time = float(i)
        squish.narrate(key)
    squish.renderer.time = 10.0
    with pytest.raises(NarrationError, match=f"never marked: {keys[-1]}"):
        squish.end_narration()


def test_two_sentences_at_one_time_are_an_error(squish, model):
    first, second, *rest = narration_keys(model, "squish")
    squish.narrate(first)
    squish.narrate(second)  # at the same time as the first
    for i, key in enumerate(rest, start=1):
        squish.renderer.time = float(i)
        squish.narrate(key)
    squish.renderer.time = 10.0
    with pytest.raises(NarrationError, match=f"{first!r} has no time of its own"):
        squish.end_narration()


def test_each_caption_lasts_from_its_mark_to_the_next(squish, model):
    sentences = model.beat("squish").narration
    times = [0.5 + 1.7 * i * i for i in range(len(sentences))]  # uneven gaps
    for time, sentence in zip(times, sentences):
        squish.renderer.time = time
        squish.narrate(sentence.key)
    squish.renderer.time = end = times[-1] + 2.25
    squish.end_narration()
    cues = squish.renderer.file_writer.subcaptions
    assert [c.content for c in cues] == [s.text for s in sentences]
    assert [c.start.total_seconds() for c in cues] == pytest.approx(times)
    assert [c.end.total_seconds() for c in cues] == pytest.approx([*times[1:], end])
    assert [(m.beat, m.key, m.time) for m in squish.marks] == [("squish", s.key, t) for s, t in zip(sentences, times)]


# -- two scenes rendered: their captions, and the frames unchanged ---------------------------------------
RENDERED = ("Title", "Squish")  # the two shortest scenes: 2 and 3 sentences


def render(cls: type, media: Path, tex: Path, frames: list[tuple[str, int]]) -> tuple[LessonScene, Path]:
    """Render ``cls`` to a low-quality movie in ``media``; every frame written is appended to
    ``frames`` as (hash of its pixels, how many times)."""
    write_frame = SceneFileWriter.write_frame

    def record(writer, frame, num_frames=1):
        frames.append((hashlib.sha1(np.ascontiguousarray(frame).tobytes()).hexdigest(), num_frames))
        return write_frame(writer, frame, num_frames=num_frames)

    config = {"media_dir": str(media), "quality": "low_quality", "write_to_movie": True, "disable_caching": True,
              "verbosity": "WARNING", "progress_bar": "none", "tex_dir": str(tex)}
    with pytest.MonkeyPatch.context() as mp, tempconfig(config):
        mp.setattr(SceneFileWriter, "write_frame", record)
        scene = cls()
        scene.render()
        from manim import config as current

        movie = Path(current.output_file)
    return scene, movie


@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Each scene of RENDERED rendered twice: as it is, and with marking switched off."""
    tex = tmp_path_factory.mktemp("tex")
    out: dict[str, dict[str, Any]] = {}
    classes = {cls.__name__: cls for cls in scene_classes()}
    for name in RENDERED:
        marked: list[tuple[str, int]] = []
        scene, movie = render(classes[name], tmp_path_factory.mktemp(f"{name}-marked"), tex, marked)
        plain: list[tuple[str, int]] = []
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(LessonScene, "narrate", lambda self, key: None)
            mp.setattr(LessonScene, "end_narration", lambda self: None)
            _, plain_movie = render(classes[name], tmp_path_factory.mktemp(f"{name}-plain"), tex, plain)
        out[name] = {"scene": scene, "movie": movie, "frames": marked, "plain_frames": plain,
                     "plain_movie": plain_movie}
    return out


@pytest.mark.parametrize("name", RENDERED)
def test_the_srt_beside_the_movie_is_the_narration_from_its_marks(renders, model, name):
    scene, movie = renders[name]["scene"], renders[name]["movie"]
    assert movie.suffix == ".mp4" and movie.exists()
    cues = list(srt.parse(movie.with_suffix(".srt").read_text(encoding="utf-8")))
    sentences = [s for key in scene.beats for s in model.beat(key).narration]
    assert [c.content for c in cues] == [s.text for s in sentences]
    starts = [c.start.total_seconds() for c in cues]
    assert starts == pytest.approx([m.time for m in scene.marks], abs=1e-3)
    assert starts == sorted(starts) and all(c.end > c.start for c in cues)
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    # The last caption ends with the movie: its frames at the frame rate.
    seconds = sum(n for _, n in renders[name]["frames"]) / scene.camera.frame_rate
    assert cues[-1].end.total_seconds() == pytest.approx(seconds, abs=1e-3)
    assert not renders[name]["plain_movie"].with_suffix(".srt").exists()


@pytest.mark.parametrize("name", RENDERED)
def test_marking_changes_no_frame(renders, name):
    marked, plain = renders[name]["frames"], renders[name]["plain_frames"]
    assert len(marked) > 10
    assert marked == plain
