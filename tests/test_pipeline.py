"""The render pipeline, ``python -m pipeline``: caching, joining, chapters, errors, interrupts.

Renders use the tiny scenes of ``tests/pipeline_scenes`` at low quality, with every file under a
temporary media folder. The scenes are copied to a temporary package (so that a test can edit
one), next to a snapshot of ``scenes/`` and ``mathcore/`` (so that edits to the project while the
tests run do not change cache keys under them). The pipeline runs in that temporary folder and
starts manim in folders of its own, so the project's ``manim.cfg`` is never read.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import pytest

from pipeline.cachekey import file_digest, scene_code, scene_statements, toolkit_files
from pipeline.chapters import Chapter, chapters_text
from pipeline.errors import PipelineError
from pipeline.lesson import read_lesson
from pipeline.memo import RACY_SECONDS
from pipeline.progress import clock
from pipeline.quality import QUALITIES, quality
from pipeline.render import manim_command
from pipeline.scenelist import SceneRef
from pipeline.storage import SpaceNeed, size

from .conftest import OTHER_LESSON

HERE = Path(__file__).resolve().parent
PACKAGE = "tinyscenes"  # the tiny scenes' package, as copied for the tests
LOW = ("--quality", "low")
VIDEO = Path("lesson/low/backpropagation-calculus.mp4")  # under the media folder
CHAPTERS = VIDEO.with_name("backpropagation-calculus.chapters.json")
EXPECTED_CHAPTERS = ["01 Backpropagation calculus", "02 The chain rule in one line",
                     "Middle one", "Middle two", "Closing one", "Closing two"]


# -- running the pipeline ----------------------------------------------------------------------
def copy_scenes(folder: Path) -> Path:
    """The tiny scenes as package ``tinyscenes`` in ``folder``, with a snapshot of the scene toolkit
    and the lesson model; returns ``folder``."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(HERE / "pipeline_scenes", folder / PACKAGE, ignore=ignore)
    for package in ("scenes", "mathcore"):
        shutil.copytree(HERE.parent / package, folder / package, ignore=ignore)
    return folder


def pipeline(*args: str, media: Path, src: Path, scenes: str = "SCENES", env: dict[str, str] | None = None,
             popen: bool = False, timeout: float = 300, launcher: tuple[str, ...] = ("-m", "pipeline")):
    """Run ``python -m pipeline ARGS`` in ``src`` on the scene list ``tinyscenes:<scenes>`` found
    there, with ``media`` given relative to ``src`` (as ``make`` gives ``media``); ``launcher``:
    what runs in place of ``-m pipeline``."""
    command = [sys.executable, *launcher, *args, "--media", os.path.relpath(media, src),
               "--scenes", f"{PACKAGE}:{scenes}"]
    # The snapshot first, then this checkout (for ``pipeline``: an editable install may point at
    # another checkout, a git worktree's main one). No .pyc files: a test that rewrites a scene
    # module within the same second to text of the same length would otherwise get the old module
    # back from __pycache__ (mtime and size both match); seen on fresh Debian 12 and 13 roots,
    # where PYTHONDONTWRITEBYTECODE is not set.
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(HERE.parent)]),
                "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    full_env.pop("LESSON_FILE", None)
    kwargs = dict(cwd=src, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if popen:  # to be sent a signal: with SIGINT at its default even if this run ignores it
        return subprocess.Popen(command, preexec_fn=_default_sigint, **kwargs)
    return subprocess.run(command, timeout=timeout, **kwargs)


def _default_sigint() -> None:
    """In the child: SIGINT back to its default action. A shell that starts a job in the
    background without job control (``nohup make test &``, some CI runners) leaves SIGINT ignored,
    the child inherits that, and Python then installs no KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Build:
    src: Path
    media: Path
    run: subprocess.CompletedProcess[str]

    @property
    def video(self) -> Path:
        return self.media / VIDEO

    def record(self) -> dict:
        return json.loads((self.media / CHAPTERS).read_text())

    def part(self, scene: dict) -> Path:
        return self.media / "cache" / "scenes" / scene["key"] / f"{scene['scene']}.mp4"


def fresh_build(tmp_path_factory: pytest.TempPathFactory, command: str,
                options: tuple[str, ...] = (*LOW, "--jobs", "2")) -> Build:
    """The tiny lesson run through ``command`` (render, export, narration-script) once, from an
    empty media folder."""
    root = tmp_path_factory.mktemp(command)
    src = copy_scenes(root / "src")
    media = root / "media"
    run = pipeline(command, *options, media=media, src=src)
    assert run.returncode == 0, run.stdout + run.stderr
    return Build(src, media, run)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The tiny lesson rendered once from an empty media folder (shared: do not modify)."""
    return fresh_build(tmp_path_factory, "render")


def fork(build: Build, folder: Path) -> Build:
    """A private copy of a build (scenes and media folder; files hard-linked) to change freely."""
    src = folder / "src"
    shutil.copytree(build.src, src)
    shutil.copytree(build.media, folder / "media", copy_function=os.link)
    return Build(src, folder / "media", build.run)


def says(out: str, scene: str, status: str) -> bool:
    """Does the progress output have the line ``[i/n] <scene>   <status>...``?"""
    return re.search(rf"\] {scene} +{status}", out) is not None


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(build: Build) -> list[Path]:
    """Temporary files in the output folder and working folders in the cache."""
    return sorted(build.video.parent.glob(".*")) + sorted((build.media / "cache" / "work").glob("*"))


def packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def duration(path: Path) -> Fraction:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.duration * stream.time_base


# -- a whole build -----------------------------------------------------------------------------
@pytest.mark.slow
def test_build_renders_each_scene_and_joins_them_in_order(built: Build):
    out = built.run.stdout
    for name in ("Opening", "Middle", "Closing"):
        assert says(out, name, "started") and says(out, name, "done in")
    assert "joined: 3 rendered, 0 cached" in out
    assert f"video:    {built.video}" in out
    record = built.record()
    assert [s["scene"] for s in record["scenes"]] == ["Opening", "Middle", "Closing"]
    parts = [built.part(s) for s in record["scenes"]]
    assert duration(built.video) == sum((duration(p) for p in parts), Fraction(0))
    assert record["duration"] == pytest.approx(float(duration(built.video)))
    # Remuxed, not re-encoded: the joined video's packets are the scenes' packets, in order.
    assert packets(built.video) == [pkt for p in parts for pkt in packets(p)]


@pytest.mark.slow
def test_chapters_are_the_beats_with_their_start_times(built: Build):
    record = built.record()
    assert [c["title"] for c in record["chapters"]] == EXPECTED_CHAPTERS
    # Expected starts, computed independently: each scene starts where the previous ones end
    # (lengths read with PyAV), each section where the previous sections of its scene end
    # (lengths from manim's section index).
    expected, start = [], 0.0
    for scene in record["scenes"]:
        part = built.part(scene)
        sections = json.loads(part.with_name(f"{scene['scene']}.sections.json").read_text())
        t = start
        for section in sections:
            expected.append(t)
            t += float(section["duration"])
        start += float(duration(part))
    assert [c["start"] for c in record["chapters"]] == pytest.approx(expected, abs=1e-6)
    lines = (built.media / CHAPTERS).with_name("backpropagation-calculus.chapters.txt").read_text().splitlines()
    assert lines == [f"{clock(t)} {title}" for t, title in zip(expected, EXPECTED_CHAPTERS, strict=True)]
    assert lines[0] == "0:00 01 Backpropagation calculus"
    with av.open(str(built.video)) as container:  # the same chapters inside the MP4
        embedded = [(float(c["start"] * c["time_base"]), c["metadata"]["title"]) for c in container.chapters()]
    assert [t for _, t in embedded] == EXPECTED_CHAPTERS
    assert [s for s, _ in embedded] == pytest.approx(expected, abs=1e-3)


@pytest.mark.slow
def test_second_run_renders_nothing(built: Build, tmp_path: Path):
    build = fork(built, tmp_path)
    before = build.video.stat().st_mtime_ns
    started = time.monotonic()
    run = pipeline("render", *LOW, media=build.media, src=build.src)
    seconds = time.monotonic() - started
    assert run.returncode == 0, run.stderr
    assert "started" not in run.stdout
    assert run.stdout.count("cached (") == 3
    assert "up to date: 0 rendered, 3 cached" in run.stdout
    assert build.video.stat().st_mtime_ns == before  # not even joined again
    assert seconds < 5  # about half a second when the machine is idle
    # The warm process started in case a scene needed rendering was stopped, not left behind.
    assert _manim_processes(build.media) == []



# ``python -m pipeline ARGS``, then a line naming the heavy libraries the process imported
# (``python -m pipeline`` ends with os._exit, made a SystemExit here to come back to the probe).
HEAVY = ("manim", "sympy", "numpy", "av", "mathcore")
PROBE = ("-c", "import os, runpy, sys\n"
               "sys.argv[0] = 'pipeline'\n"
               "os._exit = sys.exit\n"
               "try:\n"
               "    runpy.run_module('pipeline', run_name='__main__', alter_sys=True)\n"
               "except SystemExit:\n"
               "    pass\n"
               f"print('imported:', *[m for m in {HEAVY!r} if m in sys.modules])\n")


@pytest.mark.slow
def test_a_run_with_nothing_changed_imports_no_heavy_library(built: Build, tmp_path: Path):
    """What a run with nothing changed reads of the sources comes from the memo: it does not
    validate the lesson file (sympy, NumPy) or touch a video (PyAV), and never imports manim."""
    build = fork(built, tmp_path)
    time.sleep(RACY_SECONDS + 0.1)  # the copied sources are older than the memo's racy window
    first = pipeline("render", *LOW, media=build.media, src=build.src, launcher=PROBE)
    assert first.returncode == 0, first.stderr
    assert "up to date: 0 rendered, 3 cached" in first.stdout
    # The copy's files are new to the memo (other paths): read, and memoised; the lesson file's
    # validation, kept by the build under its inputs' digests, is the same and not done again.
    assert first.stdout.splitlines()[-1] == "imported:"
    memo = json.loads((build.media / "cache" / "digests.json").read_text())
    assert any(str(build.src.resolve()) in entry for entry in memo["files"])
    again = pipeline("render", *LOW, media=build.media, src=build.src, launcher=PROBE)
    assert again.returncode == 0, again.stderr
    assert "up to date: 0 rendered, 3 cached" in again.stdout
    assert again.stdout.splitlines()[-1] == "imported:"


# ``python -m pipeline ARGS`` with a join that first waits out the memo's racy window, as a
# build longer than that would (the pipeline's own ``os._exit`` kept).
SLOW_JOIN = ("-c", "import runpy, sys, time\n"
                   "sys.argv[0] = 'pipeline'\n"
                   "import pipeline.build as build\n"
                   "join = build.join_videos\n"
                   f"build.join_videos = lambda *a, **k: time.sleep({RACY_SECONDS + 0.1}) or join(*a, **k)\n"
                   "runpy.run_module('pipeline', run_name='__main__', alter_sys=True)\n")


@pytest.mark.slow
def test_a_build_of_sources_too_recent_to_memoise_leaves_a_memo_the_next_run_uses_whole(built: Build,
                                                                                      tmp_path: Path):
    """A fresh checkout rendered: its sources were read too soon after they were written to be
    memoised, but the build outlasts the racy window, so the run after it reads nothing again
    (no lesson file validated: no sympy)."""
    build = fork(built, tmp_path)  # the sources copied just now
    build.video.unlink()  # so this run joins
    first = pipeline("render", *LOW, media=build.media, src=build.src, launcher=SLOW_JOIN)
    assert first.returncode == 0, first.stderr
    assert "joined: 0 rendered, 3 cached" in first.stdout
    again = pipeline("render", *LOW, media=build.media, src=build.src, launcher=PROBE)
    assert again.returncode == 0, again.stderr
    assert "up to date: 0 rendered, 3 cached" in again.stdout
    assert again.stdout.splitlines()[-1] == "imported:"


@pytest.mark.slow
def test_changing_one_scene_renders_only_that_scene(built: Build, tmp_path: Path):
    build = fork(built, tmp_path)
    tiny = build.src / PACKAGE / "tiny.py"
    code = tiny.read_text()
    assert code.count("self.wait(0.2)") == 1  # in Middle
    tiny.write_text(code.replace("self.wait(0.2)", "self.wait(0.6)"))
    run = pipeline("render", *LOW, media=build.media, src=build.src)
    assert run.returncode == 0, run.stderr
    assert says(run.stdout, "Middle", "started")
    assert says(run.stdout, "Opening", "cached") and says(run.stdout, "Closing", "cached")
    assert "joined: 1 rendered, 2 cached" in run.stdout
    # The render came from the warm process started before the cache was checked, told its census after.
    [log] = build.media.rglob("zygote.log")
    assert "told its census" in log.read_text()
    assert _manim_processes(build.media) == []
    assert duration(build.video) == duration(built.video) + Fraction(2, 5)
    # A comment or a blank line is not a change.
    tiny.write_text("# a comment\n\n" + tiny.read_text())
    again = pipeline("render", *LOW, media=build.media, src=build.src)
    assert "up to date: 0 rendered" in again.stdout


def _edit(build: Build, scene: str) -> None:
    """A change to ``scene``'s code (a line added to its class), so that it renders again."""
    tiny = build.src / PACKAGE / "tiny.py"
    code = tiny.read_text()
    head = f"class {scene}("
    at = code.index(head)
    body = code.index("\n    ", at)
    tiny.write_text(code[:body] + "\n    edited = True  # (by the test)" + code[body:])


def _pretend_slow(build: Build, scene: str) -> int:
    """Make the cached render of ``scene`` say each of its animations took a second (the history a
    split is chosen from): how many animations it has. The file is replaced, not written in place
    (the media folder's files are hard links of the shared build's)."""
    [plays] = (build.media / "cache" / "scenes").glob(f"*/{scene}.plays.json")
    count = len(json.loads(plays.read_text())["plays"])
    plays.unlink()
    plays.write_text(json.dumps({"plays": [1.0] * count}))
    return count


def _entry_files(build: Build, scene: str) -> dict[str, bytes]:
    """The newest cache entry of ``scene``: its video's packets and its other files, by name."""
    [key] = [s["key"] for s in build.record()["scenes"] if s["scene"] == scene]
    folder = build.media / "cache" / "scenes" / key
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".json" and p.name != "entry.json"
             and not p.name.endswith(".plays.json")}
    files["packets"] = b"".join(packets(folder / f"{scene}.mp4"))
    files["sections"] = json.dumps(json.loads((folder / "entry.json").read_text())["sections"]).encode()
    return files


@pytest.mark.slow
def test_a_changed_scene_with_a_core_to_spare_renders_in_two_processes_into_the_same_video(built: Build,
                                                                                           tmp_path: Path):
    split, whole = fork(built, tmp_path / "split"), fork(built, tmp_path / "whole")
    for build in (split, whole):
        _edit(build, "Opening")
        assert _pretend_slow(build, "Opening") >= 3
    run = pipeline("render", *LOW, "--jobs", "2", media=split.media, src=split.src)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Opening: in two processes at once" in run.stdout and "did not add up" not in run.stdout
    assert says(run.stdout, "Opening", "done") and "joined: 1 rendered, 2 cached" in run.stdout
    # (read now: the forks' logs are hard links of one file, which the next run writes again)
    assert "fast-forwarded through animations" in (split.media / "lesson/low/logs/Opening.log").read_text()
    one = pipeline("render", *LOW, "--jobs", "1", media=whole.media, src=whole.src)  # no core to spare
    assert one.returncode == 0 and "two processes" not in one.stdout
    # The same video, packet for packet; the same sections and narration marks.
    assert _entry_files(split, "Opening") == _entry_files(whole, "Opening")
    assert packets(split.video) == packets(whole.video)
    assert leftovers(split) == []


def _rendered_then_split(src: Path, media: Path, scenes: str,
                         scene: str) -> tuple[Build, str, subprocess.CompletedProcess[str]]:
    """The one scene of the list ``scenes`` rendered (not split: nothing to choose a split from),
    then changed and rendered again with a split (its animations said to have taken a second
    each): the build, the first video's digest and the second run."""
    build = Build(src, media, None)  # type: ignore[arg-type]
    first = pipeline("render", *LOW, "--jobs", "2", media=media, src=src, scenes=scenes)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "two processes" not in first.stdout
    before = digest(build.video)
    _edit(build, scene)
    _pretend_slow(build, scene)
    return build, before, pipeline("render", *LOW, "--jobs", "2", media=media, src=src, scenes=scenes)


@pytest.mark.slow
def test_a_split_render_that_does_not_add_up_is_rendered_again_in_one_process(src: Path, tmp_path: Path):
    build, _, run = _rendered_then_split(src, tmp_path / "media", "DRIFTING", "Drifting")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Drifting: in two processes at once" in run.stdout
    assert "Drifting: its two parts did not add up" in run.stdout and says(run.stdout, "Drifting", "done")
    log = (build.media / "lesson" / "low" / "logs" / "Drifting.log").read_text()
    assert "the scene is not as fast-forwarded to here (" in log
    # As rendered in one process from the start (no core to spare).
    again = Build(src, tmp_path / "again", None)  # type: ignore[arg-type]
    one = pipeline("render", *LOW, "--jobs", "1", media=again.media, src=src, scenes="DRIFTING")
    assert one.returncode == 0 and "two processes" not in one.stdout
    assert packets(build.video) == packets(again.video)
    assert leftovers(build) == []


@pytest.mark.slow
def test_a_failing_part_of_a_split_render_stops_the_other_and_says_why(src: Path, tmp_path: Path):
    build, before, run = _rendered_then_split(src, tmp_path / "media", "SPLIT_FAILS", "SplitFails")
    assert run.returncode != 0
    assert "SplitFails: in two processes at once" in run.stdout and says(run.stdout, "SplitFails", "FAILED")
    assert "error: scene SplitFails failed to render" in run.stderr
    assert "the first part of its split render: manim exited with status 1" in run.stderr
    assert "the first part fails on purpose" in run.stderr  # the end of that part's log
    assert "SplitFails.first-part.log" in run.stderr
    assert _manim_processes(build.media) == []  # the other part was stopped
    assert leftovers(build) == [] and digest(build.video) == before  # the previous video kept


@pytest.mark.slow
def test_another_lesson_file_has_its_own_folder(built: Build, tmp_path: Path):
    build = fork(built, tmp_path)
    before = digest(build.video)
    run = pipeline("render", *LOW, "--lesson", str(OTHER_LESSON), media=build.media, src=build.src)
    assert run.returncode == 0, run.stderr
    assert "joined: 3 rendered, 0 cached" in run.stdout  # the lesson file is an input of every scene
    other = build.media / "lesson-other_lesson" / "low" / "other-numbers.mp4"
    assert other.is_file() and str(other.relative_to(build.media)) in run.stdout
    record = json.loads(other.with_name("other-numbers.chapters.json").read_text())
    assert record["chapters"][0]["title"] == "01 Backpropagation calculus, other numbers"  # LESSON_FILE reached manim
    assert digest(build.video) == before


@pytest.mark.slow
def test_failed_scene_keeps_the_previous_video(built: Build, tmp_path: Path):
    build = fork(built, tmp_path)
    before = digest(build.video)
    run = pipeline("render", *LOW, media=build.media, src=build.src, scenes="WITH_BROKEN")
    assert run.returncode == 1
    assert says(run.stdout, "Broken", "FAILED")
    err = run.stderr.splitlines()
    assert err[0] == "error: scene Broken failed to render"
    assert any("RuntimeError: this scene is broken on purpose" in line for line in err)
    log = build.media / "lesson" / "low" / "logs" / "Broken.log"
    assert err[-1] == f"  full log: {log}" and log.is_file()
    assert digest(build.video) == before
    assert leftovers(build) == []


FAILING_LISTS = {"FAIL_FIRST": ["Broken", "Extra", "Another"], "FAIL_MIDDLE": ["Extra", "Broken", "Another"],
                 "FAIL_LAST": ["Extra", "Another", "Broken"]}


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("scenes", list(FAILING_LISTS))
def test_a_failed_scene_ends_the_run_and_lists_the_scenes_not_started(built: Build, tmp_path: Path, scenes: str,
                                                                       jobs: int):
    """Wherever the failing scene is, the run ends (within a bound: it once waited forever for
    scenes that would never start), names it, lists what did not start, and keeps the video."""
    build = fork(built, tmp_path)
    before = digest(build.video)
    names = FAILING_LISTS[scenes]
    run = pipeline("render", *LOW, "--jobs", str(jobs), media=build.media, src=build.src, scenes=scenes,
                   timeout=60)
    assert run.returncode == 1, run.stdout + run.stderr
    assert says(run.stdout, "Broken", "FAILED after")
    err = run.stderr.splitlines()
    assert err[0] == "error: scene Broken failed to render"
    assert any("RuntimeError: this scene is broken on purpose" in line for line in err)
    started = [n for n in names if says(run.stdout, n, "started")]
    not_started = [n for n in names if n not in started]
    if jobs == 1:  # one at a time, in order: everything after the failing scene waits
        assert not_started == names[names.index("Broken") + 1:]
    for name in started:
        assert name == "Broken" or says(run.stdout, name, "done in")  # a running job finishes
    for name in not_started:
        assert says(run.stdout, name, r"not started \(another scene failed\)")
    if not_started:
        assert err[-1] == f"not started: {', '.join(not_started)}"
    else:
        assert "not started" not in run.stdout + run.stderr
    assert digest(build.video) == before
    assert leftovers(build) == []


@contextmanager
def small_disk(folder: Path, size: str, *options: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``folder`` for the test (root only; skipped otherwise)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8); CI runs as root")
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _written_in_place(media: Path) -> list[Path]:
    """Half-written files: temporary names and working folders."""
    return [p for p in media.rglob("*") if ".tmp-" in p.name] + sorted((media / "cache" / "work").glob("*"))


def _disk_full_error(run: subprocess.CompletedProcess[str], media: Path) -> str:
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"error: the disk of the media folder {media}/ is full (")
    assert re.search(r"needs roughly \d+(\.\d)? (KB|MB|GB)\): free some space, or render elsewhere with --media DIR$",
                     lines[0]), lines[0]
    return lines[0]


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_no_hang(src: Path, tmp_path: Path):
    """Rendering onto a disk too small for the scenes: manim fails with status 1 and says nothing
    of space; the run says the disk is full, in one line, and stops."""
    with small_disk(tmp_path / "small", "64k") as disk:
        media = disk / "media"
        # Silent: the narration's files would fill this disk before any scene (tests/test_narrated_build.py).
        run = pipeline("render", *LOW, "--jobs", "2", "--narration", "none", media=media, src=src, timeout=60)
        line = _disk_full_error(run, media)
        assert "rendering 3 scenes at low quality" in line
        # Which of the two scenes started together runs out of space first is a race on a busy machine.
        assert says(run.stdout, r"\w+", "FAILED after .*: no space left on the disk of"), run.stdout
        assert "manim exited with status 1" not in line
        assert _written_in_place(media) == []
        assert not (media / VIDEO).exists()


@pytest.mark.slow
def test_a_disk_too_full_to_join_keeps_nothing_half_written(built: Build, src: Path, tmp_path: Path):
    """Every scene cached, but no room for the joined video: one line, no temporary file left."""
    # tmpfs gives every file whole 4 KB pages.
    used = sum(-(-p.stat().st_size // 4096) * 4096 for p in built.media.rglob("*") if p.is_file() and p != built.video)
    assert built.video.stat().st_size > 12 << 10  # more than the room left below
    with small_disk(tmp_path / "small", f"{used // 1024 + 8}k") as disk:
        media = disk / "media"
        shutil.copytree(built.media, media, ignore=shutil.ignore_patterns(VIDEO.name))
        run = pipeline("render", *LOW, media=media, src=built.src, timeout=60)
        line = _disk_full_error(run, media)
        assert "joining the video needs roughly" in line
        assert says(run.stdout, "Opening", "cached")
        assert _written_in_place(media) == []
        assert not (media / VIDEO).exists()


@pytest.mark.slow
def test_a_read_only_media_folder_is_one_line(src: Path, tmp_path: Path):
    with small_disk(tmp_path / "ro", "1m", "ro") as disk:
        run = pipeline("render", *LOW, media=disk / "media", src=src, timeout=60)
        _one_line_error(run, f"the media folder {disk / 'media'}/ cannot be written (Read-only file system",
                        "--media DIR")


def _manim_processes(media: Path) -> list[int]:
    """Processes working in ``media`` (the renders, forked into their working folders, and the
    process they are forked from) or whose command line mentions it."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (str(media) in (proc / "cmdline").read_bytes().decode(errors="replace")
                                        or Path(os.readlink(proc / "cwd")).is_relative_to(media)):
                found.append(int(proc.name))
        except OSError:
            pass
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find child processes")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_stops_manim_and_keeps_the_previous_video(built: Build, tmp_path: Path, signum: int):
    build = fork(built, tmp_path)
    before = digest(build.video)
    process = pipeline("render", *LOW, media=build.media, src=build.src, scenes="SLOW", popen=True)
    assert process.stdout is not None
    for line in process.stdout:
        if says(line, "Slow", "started"):
            break
    time.sleep(1.0)  # manim is rendering the two-minute animation
    assert _manim_processes(build.media)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert says(out, "Slow", "stopped")
    assert err.strip().startswith("interrupted:")
    assert _manim_processes(build.media) == []
    assert digest(build.video) == before
    assert leftovers(build) == []


@pytest.mark.slow
def test_preview_says_where_the_scene_is(built: Build, tmp_path: Path):
    build = fork(built, tmp_path)
    run = pipeline("preview", "Middle", media=build.media, src=build.src)
    assert run.returncode == 0, run.stderr
    target = build.media / "lesson" / "low" / "scenes" / "Middle.mp4"
    assert says(run.stdout, "Middle", "cached")  # low quality, as rendered by the build
    assert run.stdout.strip().endswith(f"preview of Middle: {target}")
    assert target.is_file()


# -- errors: one line, non-zero exit, nothing rendered -----------------------------------------
def _one_line_error(run: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return copy_scenes(tmp_path / "src")


def test_unknown_scene(src: Path, tmp_path: Path):
    run = pipeline("preview", "Nope", media=tmp_path / "media", src=src)
    _one_line_error(run, "unknown scene 'Nope'", "Opening, Middle, Closing")
    assert not (tmp_path / "media").exists()


def test_preview_without_a_scene(src: Path, tmp_path: Path):
    run = pipeline("preview", media=tmp_path / "media", src=src)
    _one_line_error(run, "make preview SCENE=<name>", "Opening, Middle, Closing")
    assert not (tmp_path / "media").exists()


def test_bad_lesson_file(src: Path, tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text(OTHER_LESSON.read_text().replace("decimals = 2", "decimals = 9"))
    run = pipeline("render", "--lesson", str(bad), media=tmp_path / "media", src=src)
    _one_line_error(run, str(bad), "lesson.decimals")
    missing = pipeline("render", "--lesson", str(tmp_path / "nope.toml"), media=tmp_path / "media", src=src)
    _one_line_error(missing, "nope.toml", "no such file")


def test_missing_latex_or_voice(src: Path, tmp_path: Path):
    no_latex = tmp_path / "bin"
    no_latex.mkdir()
    run = pipeline("render", "--narration", "none", media=tmp_path / "media", src=src, env={"PATH": str(no_latex)})
    _one_line_error(run, "LaTeX is not installed", "latex and dvisvgm", "make install")
    # LaTeX there, the scratch voice not: a narrated build says so before rendering anything.
    for tool in ("latex", "dvisvgm"):
        (no_latex / tool).symlink_to(shutil.which(tool))
    voiceless = pipeline("render", media=tmp_path / "media", src=src, env={"PATH": str(no_latex)})
    _one_line_error(voiceless, "espeak-ng not found", "make install")
    assert not list((tmp_path / "media").rglob("*.mp4"))


def test_bad_options_and_scene_lists(src: Path, tmp_path: Path):
    media = tmp_path / "media"
    _one_line_error(pipeline("render", "--quality", "ultra", media=media, src=src), "unknown quality 'ultra'", "low")
    _one_line_error(pipeline("render", "--jobs", "0", media=media, src=src), "--jobs")
    _one_line_error(pipeline("render", media=media, src=src, scenes="NOPE"), f"{PACKAGE}:NOPE")
    (src / PACKAGE / "__init__.py").write_text('SCENES = (("tinyscenes.tiny", "Missing"),)\n')
    _one_line_error(pipeline("render", media=media, src=src), "has no class Missing")
    (src / PACKAGE / "__init__.py").write_text('SCENES = (("tinyscenes.gone", "Opening"),)\n')
    _one_line_error(pipeline("render", media=media, src=src), "scene module tinyscenes.gone not found")


# -- the parts, without rendering --------------------------------------------------------------
SCENE_MODULE = '''
from manim import Scene

class Base(Scene):
    pass

class A(Base):  # uses Base
    def construct(self):
        self.wait(1)

class B(Scene):
    def construct(self):
        self.wait(2)
'''


def _ref(code: str, name: str) -> SceneRef:
    return SceneRef("m", name, Path("m.py"), Path("."), ast.parse(code))


def _classes(ref: SceneRef) -> set[str]:
    return {s.node.name for s in scene_statements(ref) if isinstance(s.node, ast.ClassDef)}


def test_scene_code_leaves_out_the_other_scenes():
    assert _classes(_ref(SCENE_MODULE, "A")) == {"Base", "A"}  # A's base class stays
    assert _classes(_ref(SCENE_MODULE, "B")) == {"B"}
    a, b = scene_code(_ref(SCENE_MODULE, "A")), scene_code(_ref(SCENE_MODULE, "B"))
    edited_b = SCENE_MODULE.replace("self.wait(2)", "self.wait(3)")
    assert scene_code(_ref(edited_b, "A")) == a
    assert scene_code(_ref(edited_b, "B")) != b
    edited_base = SCENE_MODULE.replace("    pass", "    x = 1")
    assert scene_code(_ref(edited_base, "A")) != a
    assert scene_code(_ref("# comment\n\n" + SCENE_MODULE, "A")) == a
    edited_import = SCENE_MODULE.replace("from manim import Scene", "from manim import Scene, Circle")
    assert scene_code(_ref(edited_import, "A")) != a  # the rest of the module counts


def test_toolkit_is_what_the_scene_module_imports(tmp_path: Path):
    kit = tmp_path / "kit"
    kit.mkdir()
    files = {
        "__init__.py": "LIST = ()\n",
        "part1.py": "from kit import helper\nfrom kit.shapes import Box\n",
        "helper.py": "from . import util\n",
        "util.py": "import numpy\n",
        "shapes.py": "def Box(): pass\n",
        "part3.py": "from kit import helper  # another part, being written\n",
    }
    for name, code in files.items():
        (kit / name).write_text(code)
    ref = SceneRef("kit.part1", "A", kit / "part1.py", tmp_path, ast.parse(files["part1.py"]))
    assert {p.name for p in toolkit_files(ref, kit)} == {"__init__.py", "helper.py", "util.py", "shapes.py"}


def test_the_scene_list_is_not_part_of_the_toolkit(tmp_path: Path):
    init = tmp_path / "__init__.py"
    init.write_text('"""Scenes."""\nLESSON_SCENES = (("scenes.part1", "Title"),)\nX = 1\n')
    before = file_digest(init, without={"LESSON_SCENES"})
    init.write_text(init.read_text().replace('"Title"),)', '"Title"), ("scenes.part2", "Next"))'))
    assert file_digest(init, without={"LESSON_SCENES"}) == before
    init.write_text(init.read_text().replace("X = 1", "X = 2"))
    assert file_digest(init, without={"LESSON_SCENES"}) != before


def test_chapter_text_format():
    chapters = [Chapter(Fraction(0), "01 Title", "A"), Chapter(Fraction(759, 10), "02 Next", "A"),
                Chapter(Fraction(3725), "03 Late", "B")]
    assert chapters_text(chapters) == "0:00 01 Title\n1:15 02 Next\n1:02:05 03 Late\n"


def test_qualities_map_to_manim_flags():
    assert {name: q.manim_args for name, q in QUALITIES.items()} == {
        "low": ["-ql"], "medium": ["-qm"], "high": ["-qh"], "4k": ["-qk"]}
    assert quality("medium").height == 720 and quality("medium").fps == 30
    with pytest.raises(PipelineError, match="unknown quality 'best'"):
        quality("best")


def test_manim_runs_with_every_setting_on_its_command_line():
    ref = _ref(SCENE_MODULE, "A")
    command = manim_command(ref, quality("low"), Path("/tmp/work"))
    assert command[-2:] == ["m.py", "A"]
    for flag in ("-ql", "--disable_caching", "--save_sections", "--media_dir"):
        assert flag in command


def test_sizes_and_space_estimates_for_people():
    assert [size(n) for n in (0, 1023, 1536, 10 << 20, 26_600 << 10, 3 << 30)] == [
        "0 bytes", "1023 bytes", "1.5 KB", "10 MB", "26 MB", "3.0 GB"]
    # 13 scenes at medium, 2 at a time: each job 3 videos of twice the average (700 KB), and each
    # scene its video twice (cache entry, joined video): 2*6*700 + 13*2*700 = 26,600 KB.
    need = SpaceNeed.render(Path("media"), 13, quality("medium"), 2)
    assert need.bytes == 26_600 << 10
    assert need.describe() == "rendering 13 scenes at medium quality needs roughly 26 MB"
    assert SpaceNeed.render(Path("media"), 1, quality("low"), 4).describe().startswith("rendering 1 scene at low")


def test_each_lesson_file_has_its_own_folder():
    default, other = read_lesson(None), read_lesson(OTHER_LESSON)
    assert (default.folder, default.name) == ("lesson", "backpropagation-calculus")
    assert (other.folder, other.name) == ("lesson-other_lesson", "other-numbers")
    assert default.digest != other.digest
