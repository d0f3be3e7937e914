"""The warm base (pipeline.warm): kept between builds, a zygote forked from it per build, the
project's modules imported fresh each time, a stale base replaced, nothing kept with 0 minutes.

Each test keeps its bases in a private folder of its own (``TMPDIR``) and stops them at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.warm import IDLE_ENV, WarmError, base_folder, idle_seconds, serving, stop_all
from pipeline.zygote import Zygote

ROOT = Path(__file__).parents[1]
SCENE = '''
from pathlib import Path

from manim import Scene, Square, Create

WORD = "{word}"


class Quick(Scene):
    def construct(self):
        Path("said").write_text(WORD)
        self.play(Create(Square()), run_time=0.1)
'''


@pytest.fixture
def project(tmp_path: Path):
    """A scene package, and the environment of its builds; every base started in it is stopped
    at the end."""
    root = tmp_path / "root"
    (root / "lessonscenes").mkdir(parents=True)
    (root / "lessonscenes" / "__init__.py").write_text("")
    write_scene(root, "first")
    site = tmp_path / "site"  # a module every process imports at start-up, the base included
    site.mkdir()
    (site / "sitecustomize.py").write_text("SITE = 1\n")
    tmp = Path(tempfile.mkdtemp(prefix="warm-", dir="/tmp"))  # short: a socket's path is at most 107 bytes
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(root), str(ROOT)]), "TMPDIR": str(tmp),
           IDLE_ENV: "1"}
    yield root, env, site
    stop_all(env)
    for pid in bases(env):
        wait_gone(pid)
    shutil.rmtree(tmp, ignore_errors=True)


def write_scene(root: Path, word: str) -> None:
    (root / "lessonscenes" / "demo.py").write_text(textwrap.dedent(SCENE.format(word=word)))


def build(root: Path, env: dict[str, str], tmp_path: Path, n: int) -> tuple[str, str]:
    """One build's zygote rendering Quick: what the scene wrote, and the zygote's log."""
    work = tmp_path / f"work-{n}"
    work.mkdir()
    log = tmp_path / f"zygote-{n}.log"
    zygote = Zygote(env, tmp_path, log, ["lessonscenes.demo"])
    try:
        job = zygote.start(["render", "-ql", "--disable_caching", "--progress_bar", "none", "--media_dir", str(work),
                            str(root / "lessonscenes" / "demo.py"), "Quick"], work, env, tmp_path / f"quick-{n}.log")
        assert job.wait(120) == 0, (tmp_path / f"quick-{n}.log").read_text()[-2000:]
    finally:
        zygote.close()
    assert zygote.process.returncode == 0
    return (work / "said").read_text(), log.read_text()


def forked_from(log: str) -> int | None:
    found = re.search(r"forked from the warm process (\d+)", log)
    return int(found.group(1)) if found else None


def bases(env: dict[str, str]) -> list[int]:
    """The pids of the warm bases serving sockets in this environment's folder."""
    try:
        folder = base_folder(env)
    except WarmError:  # (refused: none can have started there)
        return []
    return serving(folder)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_a_base_kept_between_builds_forks_each_zygote_which_imports_the_changed_scene_afresh(project, tmp_path):
    root, env, _ = project
    said, log = build(root, env, tmp_path, 1)
    first = forked_from(log)
    assert said == "first" and first is not None, log
    assert alive(first)  # kept for the next build
    write_scene(root, "second")  # the scene changes between builds
    said, log = build(root, env, tmp_path, 2)
    assert forked_from(log) == first  # the same base: manim was not imported again...
    assert said == "second"  # ...but the scene module was, as it is now
    # Stopped on request (python -m pipeline.warm --stop), its socket gone with it.
    done = subprocess.run([sys.executable, "-m", "pipeline.warm", "--stop"], env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    assert done.stdout.strip() == "stopped 1 warm processes"
    assert wait_gone(first)
    assert not list(base_folder(env).glob("*.sock"))


def test_a_base_whose_imports_changed_on_disk_starts_that_zygote_afresh_and_gives_way(project, tmp_path):
    root, env, site = project
    _, log = build(root, env, tmp_path, 1)
    first = forked_from(log)
    assert first is not None, log
    (site / "sitecustomize.py").write_text("SITE = 2  # as a pip install changes what the base imported\n")
    said, log = build(root, env, tmp_path, 2)
    assert said == "first" and forked_from(log) is None  # a zygote of its own, started afresh
    assert wait_gone(first)  # and the stale base left after it
    base_log = next(base_folder(env).glob("*.log")).read_text()
    assert f"{site / 'sitecustomize.py'} changed since the imports" in base_log
    _, log = build(root, env, tmp_path, 3)
    assert forked_from(log) not in (None, first)  # the next build started a new base


def test_with_no_minutes_nothing_is_kept_after_the_build(project, tmp_path):
    root, env, _ = project
    env = {**env, IDLE_ENV: "0"}
    said, log = build(root, env, tmp_path, 1)
    base = forked_from(log)
    assert said == "first" and base is not None
    assert wait_gone(base, 5)
    assert not list(base_folder(env).glob("*.sock"))


def test_a_build_that_needs_no_zygote_does_not_wait_for_a_new_base(project, tmp_path):
    root, env, _ = project
    env = {**env, IDLE_ENV: "0"}
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", ["lessonscenes.demo"], census_later=True)
    zygote.close()  # told nothing: the build had nothing to render
    base_log = next(base_folder(env).glob("*.log"))
    assert "ready in" not in base_log.read_text()  # it closed while the new base was still importing
    for pid in bases(env):
        assert wait_gone(pid, 90)
    assert "ready in" in base_log.read_text() and "leaving after 1 builds" in base_log.read_text()
    assert "forked from the warm process" not in (tmp_path / "zygote.log").read_text()  # no zygote forked


def test_a_folder_others_can_open_is_refused_and_the_zygote_starts_directly(project, tmp_path):
    root, env, _ = project
    folder = Path(env["TMPDIR"]) / f"lesson-warm-{os.getuid()}"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    said, log = build(root, env, tmp_path, 1)
    assert said == "first"
    assert "started directly, not from a warm process" in log and "not a private folder" in log
    assert not list(folder.iterdir())


@pytest.mark.parametrize("text", ["soon", "-1", "nan"])
def test_a_bad_number_of_minutes_is_one_clear_error(text, tmp_path):
    with pytest.raises(PipelineError, match=f"{IDLE_ENV}='{text}': give a number of minutes"):
        idle_seconds({IDLE_ENV: text})
    done = subprocess.run([sys.executable, "-m", "pipeline", "render", "--media", str(tmp_path / "media")],
                          env={**os.environ, IDLE_ENV: text}, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"error: {IDLE_ENV}='{text}': give a number of minutes to keep the warm process between builds "
        f"(0: keep none; default 20)"]
    assert not (tmp_path / "media").exists()


def test_a_temporary_folder_too_deep_for_a_socket_gives_way_to_tmp(tmp_path):
    deep = tmp_path / ("d" * 90)
    assert base_folder({"TMPDIR": str(deep)}) == Path(f"/tmp/lesson-warm-{os.getuid()}")
    short = Path(tempfile.mkdtemp(prefix="warm-", dir="/tmp"))
    try:
        assert base_folder({"TMPDIR": str(short)}) == short / f"lesson-warm-{os.getuid()}"
    finally:
        shutil.rmtree(short)


def test_minutes_are_read_as_given():
    assert idle_seconds({}) == 20 * 60
    assert idle_seconds({IDLE_ENV: " 2.5 "}) == 150
    assert idle_seconds({IDLE_ENV: "0"}) == 0


PROBE_SCENE = '''
from pathlib import Path

from manim import Scene, Square, Create

import mathcore.formatting


class Quick(Scene):
    def construct(self):
        Path("said").write_text(getattr(mathcore.formatting, "PROBE", "none"))
        self.play(Create(Square()), run_time=0.1)
'''


def test_the_lesson_model_comes_built_and_an_edited_model_is_imported_afresh_by_the_same_base(project, tmp_path):
    """The base imports mathcore and builds the lesson model; when a file of mathcore changes,
    the next zygote forgets mathcore and imports it afresh (from the same base, not a new one),
    and the base does the same once that build is done."""
    root, env, _ = project
    shutil.copytree(ROOT / "mathcore", root / "mathcore", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "lessonscenes" / "demo.py").write_text(textwrap.dedent(PROBE_SCENE))
    said, log = build(root, env, tmp_path, 1)
    first = forked_from(log)
    assert said == "none" and first is not None, log
    base_log = next(base_folder(env).glob("*.log"))
    formatting = root / "mathcore" / "formatting.py"
    formatting.write_text(formatting.read_text() + '\nPROBE = "second"\n')
    said, log = build(root, env, tmp_path, 2)
    assert forked_from(log) == first and said == "second"  # the same base, the edited mathcore
    assert "the zygote imports mathcore afresh" in base_log.read_text()
    deadline = time.monotonic() + 30
    while "mathcore imported afresh" not in base_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "mathcore imported afresh" in base_log.read_text()  # the base too, between builds
    said, log = build(root, env, tmp_path, 3)
    assert forked_from(log) == first and said == "second"
    assert base_log.read_text().count("the zygote imports mathcore afresh") == 1  # nothing stale any more


def test_a_models_kept_by_file_and_content(tmp_path):
    from mathcore.beats import model_of

    lesson = tmp_path / "lesson.toml"
    lesson.write_bytes((ROOT / "mathcore" / "lessons" / "default.toml").read_bytes())
    model = model_of(lesson)
    assert model_of(lesson) is model  # built once
    assert model_of(str(lesson)) is model
    text = lesson.read_text()
    lesson.write_text(text + "\n# a comment: another file's content\n")
    again = model_of(lesson)
    assert again is not model and model_of(lesson) is again  # the file changed: built again, once
