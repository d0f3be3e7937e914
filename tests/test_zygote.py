"""The zygote (pipeline.zygote): renders forked from one warm process, used like subprocesses."""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.zygote import Zygote, ZygoteDied

SCENES = '''
from pathlib import Path
import os

Path(os.environ["IMPORTS"]).open("a").write("imported\\n")  # once per process that imports this

from manim import Scene, Square, Create


class Quick(Scene):
    def construct(self):
        Path("pid").write_text(str(os.getpid()))
        self.play(Create(Square()), run_time=0.2)


class Broken(Scene):
    def construct(self):
        raise RuntimeError("this scene is broken on purpose")


class Sleepy(Scene):
    def construct(self):
        Path("pid").write_text(str(os.getpid()))
        import time
        time.sleep(60)
'''


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "root"
    (root / "lessonscenes").mkdir(parents=True)
    (root / "lessonscenes" / "__init__.py").write_text("")
    (root / "lessonscenes" / "demo.py").write_text(textwrap.dedent(SCENES))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(Path(__file__).parents[1])]),
           "IMPORTS": str(tmp_path / "imports.txt")}
    return root, env


def render_args(root: Path, work: Path, scene: str) -> list[str]:
    return ["render", "-ql", "--disable_caching", "--progress_bar", "none", "--media_dir", str(work),
            str(root / "lessonscenes" / "demo.py"), scene]


def start(zygote: Zygote, root: Path, env: dict[str, str], tmp_path: Path, scene: str, n: int = 0):
    work = tmp_path / f"work-{scene}-{n}"
    work.mkdir()
    return zygote.start(render_args(root, work, scene), work, env, tmp_path / f"{scene}-{n}.log"), work


def test_renders_fork_from_one_process_that_imported_their_modules_once(project, tmp_path: Path):
    root, env = project
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", ["lessonscenes.demo"])
    try:
        jobs = [start(zygote, root, env, tmp_path, "Quick", n) for n in range(2)]
        assert [job.wait(120) for job, _ in jobs] == [0, 0]
    finally:
        zygote.close()
    for job, work in jobs:
        assert int((work / "pid").read_text()) == job.pid != zygote.process.pid  # a process of its own
        assert list(work.rglob("Quick.mp4"))  # manim wrote its movie in the job's own folder
    # The zygote imported the module; manim, loading the scene file by path, executes the file again
    # in each child (cheap: its imports are warm), but nothing imported the module in a fresh process.
    lines = (tmp_path / "imports.txt").read_text().splitlines()
    assert len(lines) == 1 + len(jobs)
    assert zygote.ready_seconds is not None and zygote.process.returncode == 0


def test_a_failing_render_reports_its_status_and_traceback_and_others_go_on(project, tmp_path: Path):
    root, env = project
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", ["lessonscenes.demo", "lessonscenes.missing"])
    try:
        broken, _ = start(zygote, root, env, tmp_path, "Broken")
        assert broken.wait(120) == 1
        quick, _ = start(zygote, root, env, tmp_path, "Quick")
        assert quick.wait(120) == 0
    finally:
        zygote.close()
    assert "this scene is broken on purpose" in (tmp_path / "Broken-0.log").read_text()
    # A module that does not import is the renders' problem, not the zygote's: it says so and goes on.
    assert "import lessonscenes.missing failed" in (tmp_path / "zygote.log").read_text()


@pytest.mark.parametrize("how", ["terminate", "close"])
def test_a_running_render_stops_when_terminated_or_when_the_pipeline_goes(project, tmp_path: Path, how: str):
    root, env = project
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", ["lessonscenes.demo"])
    job, work = start(zygote, root, env, tmp_path, "Sleepy")
    try:
        wait_for(work / "pid")
        assert job.poll() is None
        if how == "terminate":
            job.terminate()
            assert job.wait(10) == -signal.SIGTERM
    finally:
        zygote.close()  # "close": the zygote terminates what still runs, then exits
    assert zygote.process.returncode == 0
    assert not alive(int((work / "pid").read_text()))


def test_a_zygote_that_dies_fails_its_renders_instead_of_hanging(project, tmp_path: Path):
    root, env = project
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", ["lessonscenes.demo"])
    job, work = start(zygote, root, env, tmp_path, "Sleepy")
    try:
        wait_for(work / "pid")
        zygote.process.kill()
        assert job.wait(10) == -signal.SIGKILL  # it cannot be waited for: stopped and failed
        with pytest.raises(ZygoteDied, match="ended"):
            start(zygote, root, env, tmp_path, "Quick", 1)
    finally:
        zygote.close()
    pid = int((work / "pid").read_text())
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), "the orphaned render still runs"


def wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists()


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by whoever adopted it, does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def test_the_zygote_runs_with_sigint_ignored_and_its_renders_do_not(project, tmp_path: Path):
    """Ctrl-C reaches the whole process group: the renders stop (as `python -m manim` would), the
    zygote stays for the pipeline to close; the pipeline decides what happens next."""
    root, env = project
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", ["lessonscenes.demo"])
    try:
        job, work = start(zygote, root, env, tmp_path, "Sleepy")
        wait_for(work / "pid")
        os.kill(zygote.process.pid, signal.SIGINT)
        job.send_signal(signal.SIGINT)
        assert job.wait(30) not in (None, 0)
        assert zygote.process.poll() is None
        again, _ = start(zygote, root, env, tmp_path, "Quick", 1)
        assert again.wait(120) == 0
    finally:
        zygote.close()


@pytest.mark.slow
def test_the_tex_compiled_first_is_that_of_the_beats_asked_for(tmp_path: Path, monkeypatch):
    from scenes.census import lesson_tex_files
    from scenes.lesson import LESSON_ENV, lesson_model

    monkeypatch.delenv(LESSON_ENV, raising=False)
    env = {k: v for k, v in os.environ.items() if k != LESSON_ENV}
    env["PYTHONPATH"] = str(Path(__file__).parents[1])
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", (), tmp_path / "tex", 2, ["chain_rule"])
    try:
        zygote.wait_ready()
    finally:
        zygote.close()
    model = lesson_model()
    expected = len(lesson_tex_files(model, tmp_path / "census", ["chain_rule"]))
    assert zygote.tex["strings"] == expected < len(lesson_tex_files(model, tmp_path / "whole"))
    assert zygote.tex["failed"] == 0 and len(list((tmp_path / "tex").glob("*.svg"))) >= zygote.tex["compiled"] > 0


# -- started early, told its census later ------------------------------------------------------------
def test_a_zygote_started_early_renders_once_told_its_census(project, tmp_path: Path):
    root, env = project
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", ["lessonscenes.demo"], census_later=True)
    try:
        with pytest.raises(RuntimeError, match="census"):
            zygote.wait_ready()  # it would wait for ever: refused
        with pytest.raises(RuntimeError, match="census"):
            start(zygote, root, env, tmp_path, "Quick")
        zygote.census(None, compile_tex=False)
        with pytest.raises(RuntimeError, match="only once"):
            zygote.census(None)
        assert zygote.wait_ready() > 0 and zygote.tex == {}
        job, work = start(zygote, root, env, tmp_path, "Quick", 1)
        assert job.wait(120) == 0
    finally:
        zygote.close()
    assert list(work.rglob("Quick.mp4")) and zygote.process.returncode == 0


def test_a_zygote_never_told_its_census_is_stopped_at_once(project, tmp_path: Path):
    root, env = project
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", ["lessonscenes.demo"], census_later=True)
    zygote.close()  # a build that had nothing to render: it does not wait for the imports to end
    assert zygote.process.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_the_tex_of_the_beats_told_later_is_compiled(tmp_path: Path, monkeypatch):
    from scenes.census import lesson_tex_files
    from scenes.lesson import LESSON_ENV, lesson_model

    monkeypatch.delenv(LESSON_ENV, raising=False)
    env = {k: v for k, v in os.environ.items() if k != LESSON_ENV}
    env["PYTHONPATH"] = str(Path(__file__).parents[1])
    zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", (), tmp_path / "tex", 2, census_later=True)
    try:
        zygote.census(["chain_rule"])
        zygote.wait_ready()
    finally:
        zygote.close()
    assert zygote.tex["strings"] == len(lesson_tex_files(lesson_model(), tmp_path / "census", ["chain_rule"]))
