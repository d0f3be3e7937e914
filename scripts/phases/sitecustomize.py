"""Where a manim render's time goes, for ``make bench-render`` (not used by the pipeline).

``scripts/bench_render.py`` puts this folder on the ``PYTHONPATH`` of the renders it times and
sets ``BENCH_PHASES`` to a folder; Python imports this module at start-up, and it wraps a few of
manim's functions with clocks. At exit the render writes ``<BENCH_PHASES>/<scene>.json``:

- ``startup``: from the interpreter's start (for a render forked from the pipeline's zygote, from
  the fork) to the scene's ``render()`` (imports: manim, sympy, NumPy, the lesson model; forked,
  only what the zygote did not import);
- ``tex``: compiling TeX to SVG (``tex_to_svg_file``; a string already compiled costs a lookup);
- ``raster``: drawing frames with Cairo (``Camera.capture_mobjects``: traversing the families
  and drawing every path);
- ``handoff``: handing frames to the encoder (``SceneFileWriter.write_frame``; it waits when the
  encoder, in its own thread, is behind);
- ``finish``: closing the scene's movie files (``SceneFileWriter.finish``: the encoder drains,
  partial movies are joined);
- ``logic``: the rest of ``render()``: building mobjects, updaters, interpolating animations,
  copies of mobjects (manim's and the scene's own code);
- ``encode_cpu``: CPU time of every thread but the main one (the encoder and x264's threads),
  ``main_cpu`` that of the main thread, ``wall`` the whole process.

Each wrapper costs two clock reads per call, far below a frame's work.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import time

_FOLDER = os.environ.get("BENCH_PHASES")
_STARTED = time.perf_counter()
_totals = {"tex": 0.0, "raster": 0.0, "handoff": 0.0, "finish": 0.0}
_render: dict[str, float] = {}


def _clocked(owner, name: str, phase: str) -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _totals[phase] += time.perf_counter() - start

    wrapper.__wrapped__ = original
    setattr(owner, name, wrapper)


def _install() -> None:
    import manim.utils.tex_file_writing as tex
    import manim.mobject.text.tex_mobject as tex_mobject
    from manim.camera.camera import Camera
    from manim.scene.scene import Scene
    from manim.scene.scene_file_writer import SceneFileWriter

    _clocked(tex, "tex_to_svg_file", "tex")
    if getattr(tex_mobject, "tex_to_svg_file", None) is not None:  # imported by name there
        tex_mobject.tex_to_svg_file = tex.tex_to_svg_file
    _clocked(Camera, "capture_mobjects", "raster")
    _clocked(SceneFileWriter, "write_frame", "handoff")
    _clocked(SceneFileWriter, "finish", "finish")
    render = Scene.render

    def timed_render(self, *args, **kwargs):
        _render["start"] = time.perf_counter()
        _render["scene"] = type(self).__name__
        try:
            return render(self, *args, **kwargs)
        finally:
            _render["end"] = time.perf_counter()

    Scene.render = timed_render


def _write() -> None:
    if "end" not in _render:
        return
    inside = _render["end"] - _render["start"]
    record = {
        "scene": _render["scene"],
        "wall": time.perf_counter() - _STARTED,
        "startup": _render["start"] - _STARTED,
        **_totals,
        "logic": inside - sum(_totals.values()),
        "main_cpu": time.thread_time(),
        "encode_cpu": time.process_time() - time.thread_time(),
    }
    with open(os.path.join(_FOLDER, f"{record['scene']}.json"), "w", encoding="utf-8") as out:
        # To the microsecond: handing a tiny scene's frames to the encoder's queue takes a few.
        json.dump({k: round(v, 6) if isinstance(v, float) else v for k, v in record.items()}, out)


def _start() -> None:
    global _installed
    _installed = True
    try:
        _install()
        atexit.register(_write)
    except Exception as error:  # a bench aid: never stop a render
        print(f"bench phases: not measured ({error})", file=sys.stderr)


def _forked() -> None:
    """In a render forked from the pipeline's zygote (:mod:`pipeline.zygote`): the clocks start at
    the fork (the zygote's imports were paid once, before), and the render writes its record
    when it exits (the child runs the at-exit functions)."""
    global _STARTED
    _STARTED = time.perf_counter()
    for phase in _totals:
        _totals[phase] = 0.0
    _render.clear()
    if not _installed:
        _start()


_installed = False
if _FOLDER and "--save_sections" in sys.argv:  # a render started as `python -m manim` (manim_command)
    _start()
elif _FOLDER:  # perhaps the zygote: a render forked from it measures itself
    os.register_at_fork(after_in_child=_forked)
