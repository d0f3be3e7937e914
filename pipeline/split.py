"""One scene rendered by two processes at once: a changed scene re-renders on both cores.

Re-rendering one changed scene kept one core for the scene's own work (its updaters, drawing) and
left the other to the encoder thread, mostly idle. With a core to spare, the pipeline
(:mod:`pipeline.render`) starts two processes for the scene, split at animation ``at`` (manim's
``num_plays``: every ``play`` and ``wait``):

- the **first part** renders animations ``0 .. at-1`` as usual, and stops where animation ``at``
  would start (manim's own early end, ``EndSceneEarlyException``). It hands over (a JSON file,
  written whole) its partial movie files and how long each of its animations took, and the
  scene's state at that point (:func:`scene_state`);
- the **rest** runs the same scene code, but *fast-forwards* through animations ``0 .. at-1``
  (:func:`fast_forward`): each animation is set up, brought to its last frame's time and finished
  exactly as a render would, without drawing or encoding the frames in between, and the scene's
  clock advances frame by frame as a render's does (narration marks and subtitles read it). It
  renders animations ``at ..`` as usual, then waits for the first part's hand-over and lets manim
  combine both parts' partial movie files into the scene's movie and sections, as if it had
  rendered them all. Its media folder is the scene's cache entry.

A fast-forward is exact for animations whose last frame does not depend on the frames before it
(manim's own ``-n``, which skips animations, relies on the same); while any updater depends on
time (``dt``), or a wait has a stop condition, every frame is stepped through (still not drawn).
As a check, the rest compares the scene's state where the first part stopped with the first
part's (up to float rounding, :func:`same_state`): if they differ it exits with :data:`MISMATCH_EXIT`, and the pipeline renders
the scene again in one process.

Every render, split or not, records how long each of its animations took (``<Scene>.plays.json``
beside the movie; :data:`PLAYS_SUFFIX`): the pipeline chooses the next split of the scene from it.

Installed in each render process forked by the zygote (:func:`install`, from
:func:`pipeline.zygote._child`), from the ``LESSON_SPLIT`` environment variable (:data:`SPLIT_ENV`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.cache import PLAYS_SUFFIX  # beside the movie: {"plays": [seconds of each animation, ...]}
from pipeline.fsutil import atomic_write, atomic_write_text

SPLIT_ENV = "LESSON_SPLIT"  # JSON: {"part": "first" | "rest", "at": int, "handoff": path[, "first_pid": int]}
MISMATCH_EXIT = 86  # the rest's state at the split was not the first part's: render the scene whole
HANDOFF_POLL_SECONDS = 0.01


class SplitError(RuntimeError):
    """The two parts of a split render could not be put together."""


@dataclass(frozen=True)
class SplitSpec:
    """Which part of a split render this process is."""

    part: str  # "first" or "rest"
    at: int  # the first animation of the rest
    handoff: Path  # the first part's hand-over file
    first_pid: int | None = None  # (the rest's) the first part's process

    def env(self) -> dict[str, str]:
        data: dict[str, Any] = {"part": self.part, "at": self.at, "handoff": str(self.handoff)}
        if self.first_pid is not None:
            data["first_pid"] = self.first_pid
        return {SPLIT_ENV: json.dumps(data)}

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SplitSpec | None:
        text = env.get(SPLIT_ENV)
        if not text:
            return None
        data = json.loads(text)
        if data.get("part") not in ("first", "rest") or int(data["at"]) < 1:
            raise SplitError(f"{SPLIT_ENV}={text!r}: not a split the pipeline makes")
        pid = data.get("first_pid")
        return cls(data["part"], int(data["at"]), Path(data["handoff"]), None if pid is None else int(pid))


# -- choosing the split (the pipeline's side: no manim) -------------------------------------------
FAST_FORWARD_SHARE = 0.15  # of an animation's recorded time, what fast-forwarding through it costs
MIN_SPLIT_SECONDS = 1.5  # a scene rendered faster than this is not split (two processes cost more)
MIN_GAIN = 0.2  # nor one whose render the split would not shorten by this share


def split_point(plays: Sequence[float], fast_forward: float = FAST_FORWARD_SHARE) -> int | None:
    """Where to split a scene whose animations took ``plays`` seconds each, the last time (each
    with the scene code before it; the first with the scene's start): the first animation of the
    rest, chosen so that the longer part is shortest. The first part takes ``plays[:at]``; the
    rest fast-forwards through those (``fast_forward`` of their time, all of the first one's: the
    scene's start) and takes ``plays[at:]``. ``None`` if no split saves :data:`MIN_GAIN` of the
    whole, or the scene is short (:data:`MIN_SPLIT_SECONDS`)."""
    total = sum(plays)
    if len(plays) < 2 or total < MIN_SPLIT_SECONDS:
        return None
    best, best_at = total, None
    done = 0.0
    for at in range(1, len(plays)):
        done += plays[at - 1]
        first = done
        rest = plays[0] + fast_forward * (done - plays[0]) + (total - done)
        longest = max(first, rest)
        if longest < best:
            best, best_at = longest, at
    if best_at is None or best > (1 - MIN_GAIN) * total:
        return None
    return best_at


def read_plays(path: Path) -> list[float] | None:
    """The animations' times a render recorded (``None`` if absent or unreadable)."""
    try:
        plays = json.loads(path.read_text(encoding="utf-8"))["plays"]
        return [float(s) for s in plays]
    except (OSError, ValueError, KeyError, TypeError):
        return None


# -- in the render process -------------------------------------------------------------------------
def install(env: Mapping[str, str] | None = None) -> SplitSpec | None:
    """In a render process, before manim runs: record the animations' times, and if ``env`` says
    this process is a part of a split render, play that part (see the module docstring)."""
    from manim.renderer.cairo_renderer import CairoRenderer
    from manim.scene.scene_file_writer import SceneFileWriter

    spec = SplitSpec.from_env(os.environ if env is None else env)
    play, finish, scene_finished = CairoRenderer.play, SceneFileWriter.finish, CairoRenderer.scene_finished
    started = time.perf_counter()

    timed_play = _player(play, spec.part if spec else None, spec.at if spec else 0, started)

    def finished(renderer: CairoRenderer, scene: Any) -> None:
        state = _State.of(renderer, started)
        if spec is not None and state.state is None:  # the scene ended before the split
            state.state = scene_state(scene, renderer)
        scene_finished(renderer, scene)
        writer = renderer.file_writer
        if getattr(writer, "movie_file_path", None) and renderer.num_plays:
            plays = state.plays if spec is None or spec.part == "first" else state.merged_plays
            _write_json(Path(writer.movie_file_path).with_suffix(PLAYS_SUFFIX), {"plays": plays})

    def finish_part(writer: SceneFileWriter) -> None:
        state = _State.of(writer.renderer, started)
        if spec.part == "first":
            writer.join_all_encode_jobs()
            assert state.state is not None
            save_state(spec.handoff.with_suffix(".npz"), state.state)
            _write_json(spec.handoff, {"files": list(writer.partial_movie_files), "plays": state.plays})
            _say(f"split render, first part: animations 0-{spec.at - 1} rendered and handed over "
                 f"{time.perf_counter() - started:.2f} s after the start")
            return
        writer.join_all_encode_jobs()
        ready = time.perf_counter()
        handoff = wait_for_handoff(spec)
        _say(f"split render, the rest: fast-forwarded through animations 0-{spec.at - 1} in "
             f"{sum(state.plays[:spec.at]):.2f} s, rendered the others by {ready - started:.2f} s after the start, "
             f"then waited {time.perf_counter() - ready:.2f} s for the first part")
        assert state.state is not None
        differs = same_state(load_state(spec.handoff.with_suffix(".npz")), state.state)
        if differs is not None:
            _say(f"split render: where the first part stopped (animation {spec.at}), the scene is not as "
                 f"fast-forwarded to here ({differs}): to be rendered again in one process")
            raise SystemExit(MISMATCH_EXIT)
        merge_partial_files(writer, handoff["files"], spec.at)
        state.merged_plays = list(handoff["plays"])[:spec.at] + state.plays[spec.at:]
        finish(writer)

    CairoRenderer.play = timed_play  # type: ignore[method-assign]
    CairoRenderer.scene_finished = finished  # type: ignore[method-assign]
    if spec is not None:
        SceneFileWriter.finish = finish_part  # type: ignore[method-assign]
    return spec


def _player(play: Callable[..., None], part: str | None, at: int, started: float,
            kept: Callable[[tuple[list[str], list[Any]]], None] | None = None) -> Callable[..., None]:
    """``CairoRenderer.play`` as a render plays it (``part`` None: as usual; else as that part of a
    split at animation ``at`` plays it), each animation's time recorded; with ``kept``, the scene's
    state where animation ``at`` starts is also given to it."""

    def timed_play(renderer: Any, scene: Any, *args: Any, **kwargs: Any) -> None:
        state = _State.of(renderer, started)
        if (part is not None or kept is not None) and renderer.num_plays == at and state.state is None:
            state.state = scene_state(scene, renderer)  # where the first part stops
            if kept is not None:
                kept(state.state)
            if part == "first":
                from manim.utils.exceptions import EndSceneEarlyException

                raise EndSceneEarlyException()
        if part == "rest" and renderer.num_plays < at:
            fast_forward(renderer, scene, play, *args, **kwargs)
        else:
            play(renderer, scene, *args, **kwargs)
        state.lap()

    return timed_play


@contextmanager
def playing(part: str | None, at: int, kept: Callable[[tuple[list[str], list[Any]]], None]) -> Iterator[None]:
    """(For the tests.) While inside, scenes rendered in this process play as ``part`` of a split
    render at animation ``at`` (``None``: as usual) and give ``kept`` the scene's state
    (:func:`scene_state`) where animation ``at`` starts; their movie files are not put together."""
    from manim.renderer.cairo_renderer import CairoRenderer

    play = CairoRenderer.play
    CairoRenderer.play = _player(play, part, at, time.perf_counter(), kept)  # type: ignore[method-assign]
    try:
        yield
    finally:
        CairoRenderer.play = play  # type: ignore[method-assign]


class _State:
    """What a render process keeps of its split and its animations' times (on the renderer)."""

    def __init__(self, started: float) -> None:
        self.last = started
        self.plays: list[float] = []
        self.merged_plays: list[float] = []
        self.state: tuple[list[str], list[Any]] | None = None  # the scene at the split (scene_state)

    @classmethod
    def of(cls, renderer: Any, started: float) -> _State:
        state = getattr(renderer, "_lesson_split", None)
        if state is None:
            state = renderer._lesson_split = cls(started)
        return state

    def lap(self) -> None:
        now = time.perf_counter()
        self.plays.append(round(now - self.last, 4))
        self.last = now


def fast_forward(renderer: Any, scene: Any, play: Any, *args: Any, **kwargs: Any) -> None:
    """One animation, as ``CairoRenderer.play`` renders it, but without drawing or writing a frame:
    its end state and the scene's clock as after rendering it. (Manim's own skipping, as with
    ``-n``, jumps the clock by the run time instead of whole frames, and leaves out the updaters'
    last call: the rest would not continue where a render does.)"""
    renderer.skip_animations = renderer._original_skipping_status
    renderer.update_skipping_status()
    if renderer.skip_animations:  # a section that skips its animations: manim's own way
        play(renderer, scene, *args, **kwargs)
        return
    scene.compile_animation_data(*args, **kwargs)
    renderer.file_writer.add_partial_movie_file(None)  # no movie file for this animation here
    renderer.animations_hashes.append(None)
    scene.begin_animations()
    dt = 1 / renderer.camera.frame_rate  # (as CairoRenderer.add_frame counts time)
    if scene.is_current_animation_frozen_frame():
        renderer.time += int(scene.duration / dt) * dt  # freeze_current_frame's frames, at once
    else:
        _fast_play_internal(scene, renderer, dt)
    renderer.num_plays += 1


def _fast_play_internal(scene: Any, renderer: Any, dt: float) -> None:
    """``Scene.play_internal``, updating the scene at the last frame's time only (at every frame's,
    not drawn, if anything depends on the time between frames)."""
    import numpy as np
    from manim import config

    scene.duration = scene.get_run_time(scene.animations)
    times = np.arange(0, scene.duration, 1 / config["frame_rate"])  # Scene.get_time_progression's
    every_frame = scene.stop_condition is not None or _time_based(scene)
    last = len(times) - 1
    for i, t in enumerate(times):
        if every_frame or i == last:
            scene.update_to_time(t)
        renderer.time += 1 * dt  # as add_frame, one frame at a time
        if scene.stop_condition is not None and scene.stop_condition():
            break
    for animation in scene.animations:
        animation.finish()
        animation.clean_up_from_scene(scene)
    scene.update_mobjects(0)
    renderer.static_image = None


def _time_based(scene: Any) -> bool:
    """Does anything the next frames update depend on the time between them?"""
    if scene.updaters or scene.always_update_mobjects:
        return True
    mobjects = list(scene.get_mobject_family_members())
    for animation in scene.animations:
        for mob in animation.get_all_mobjects_to_update():
            mobjects.extend(mob.get_family())
    return any(m.has_time_based_updater() for m in mobjects)


STATE_TOLERANCE = 1e-9  # scene units (a pixel at 4k is 3.7e-3): float rounding, not a change


def scene_state(scene: Any, renderer: Any) -> tuple[list[str], list[Any]]:
    """What the frames from here on are drawn from: the scene's clock and number of animations, and
    each mobject it shows (in drawing order) with its points, colours, widths and depth, as labels
    and arrays (:func:`same_state` compares two)."""
    import numpy as np

    labels = [f"clock after {renderer.num_plays} animations"]
    arrays = [np.array([float(renderer.time)])]
    for i, top in enumerate([*scene.mobjects, *scene.foreground_mobjects]):
        for j, m in enumerate(top.get_family()):
            where = f"{i}.{j} {type(m).__name__}"
            labels.append(f"{where} points")
            arrays.append(np.asarray(m.points, dtype=np.float64))
            for name in ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas"):
                value = getattr(m, name, None)
                if value is not None:
                    labels.append(f"{where} {name}")
                    arrays.append(np.asarray(value, dtype=np.float64))
            labels.append(f"{where} widths")
            arrays.append(np.array([float(getattr(m, name, 0) or 0) for name in (
                "stroke_width", "background_stroke_width", "sheen_factor", "z_index")]))
    return labels, arrays


def same_state(a: tuple[list[str], list[Any]], b: tuple[list[str], list[Any]]) -> str | None:
    """``None`` if two :func:`scene_state` are the same up to float rounding
    (:data:`STATE_TOLERANCE`: the same animation reached by other arithmetic, as a live number
    placed from another position); else the first difference."""
    import numpy as np

    if a[0] != b[0]:
        first = next((x, y) for x, y in zip(a[0] + [""], b[0] + [""]) if x != y)
        return f"other mobjects ({first[0] or 'none'} against {first[1] or 'none'})"
    for label, x, y in zip(a[0], a[1], b[1]):
        if x.shape != y.shape or not np.allclose(x, y, rtol=0, atol=STATE_TOLERANCE):
            return f"{label} differ"
    return None


def save_state(path: Path, state: tuple[list[str], list[Any]]) -> None:
    import numpy as np

    def write(tmp: Path) -> None:
        with tmp.open("wb") as out:  # (a file, not a name: savez would add ".npz" to the name)
            np.savez(out, *state[1], labels=np.array(state[0]))

    atomic_write(path, write)


def load_state(path: Path) -> tuple[list[str], list[Any]]:
    import numpy as np

    with np.load(path) as data:
        labels = [str(x) for x in data["labels"]]
        return labels, [data[f"arr_{i}"] for i in range(len(labels))]


def wait_for_handoff(spec: SplitSpec) -> dict[str, Any]:
    """The first part's hand-over, once written (it is written whole, by a rename). Raises
    :class:`SplitError` if the first part's process ended without writing it."""
    while True:
        try:
            return json.loads(spec.handoff.read_text(encoding="utf-8"))
        except FileNotFoundError:
            pass
        if spec.first_pid is not None and not alive(spec.first_pid) and not spec.handoff.exists():
            raise SplitError(f"the first part of the split render (process {spec.first_pid}) ended without "
                             f"handing over {spec.handoff}")
        time.sleep(HANDOFF_POLL_SECONDS)


def merge_partial_files(writer: Any, first: Sequence[str | None], at: int) -> None:
    """Put the first part's movie files (animations before ``at``) in the places this process
    left empty for them, in its list of every animation's file and in each section's."""
    files = list(writer.partial_movie_files)
    for i in range(min(at, len(files), len(first))):
        if files[i] is None:
            files[i] = first[i]
    sections = writer.sections
    if sum(len(s.partial_movie_files) for s in sections) != len(files):
        raise SplitError("the sections do not hold one movie file place per animation")
    writer.partial_movie_files = files
    index = 0
    for section in sections:
        n = len(section.partial_movie_files)
        section.partial_movie_files = files[index:index + n]
        index += n


def _say(text: str) -> None:
    import sys

    print(text, file=sys.stderr, flush=True)


def _write_json(path: Path, data: object) -> None:
    atomic_write_text(path, json.dumps(data) + "\n")


def alive(pid: int) -> bool:
    """Is process ``pid`` still there (a zombie counts)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
