"""Render scenes with manim, one process per scene, several at a time, into the cache.

Each job runs manim's command line (``manim render``, :func:`manim_command`) in a working folder
of its own, used as manim's media folder and current folder (so no ``manim.cfg`` is read: every
setting is on the command line), with ``LESSON_FILE`` (and for a narrated build ``LESSON_TIMING``)
in its environment and its output going to the scene's log file. The jobs are forked from one
warm process per build (:mod:`pipeline.zygote`) that has imported manim, the scenes and the lesson
model already, instead of each starting Python afresh. A job that succeeds becomes a cache entry
(:mod:`pipeline.cache`); its working folder is then deleted.

Scenes start longest first (:func:`longest_first`, from the render times of the cache's earlier
entries), so that both cores stay busy to the end.

When a scene fails, the jobs already running finish (their scenes are cached, so the run after
the fix starts from them; Ctrl-C stops them for a user who will not wait) and no new one starts;
then every failure is reported with the end of its log, and the scenes not started are listed.
A job that failed because the disk filled up makes the whole run one "disk full" line
(:mod:`pipeline.storage`). On Ctrl-C or SIGTERM the running manim processes are terminated and their working folders
removed before the exception goes on; the warm process ends with the build.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO

from pipeline.cache import (SVG_STORE_ENV, CacheEntry, EntryError, collect_tex, commit_entry, prune_svgs, remove_tree,
                            render_history, seed_tex)
from pipeline.errors import RenderFailed
from pipeline.fsutil import show_path
from pipeline.layout import Layout
from pipeline.lesson import LessonInput
from pipeline.narration import TIMING_ENV, Narration
from pipeline.progress import Progress
from pipeline.quality import Quality
from pipeline.scenelist import SceneRef
from pipeline.split import MISMATCH_EXIT, SplitSpec, alive, split_point
from pipeline.zygote import Forked, Zygote, ZygoteDied
from pipeline.storage import (NO_SPACE, NOT_WRITABLE, SpaceNeed, check_writable, disk_full, free_bytes,
                              ran_out_of_space, size, storage_error)

# Flags that shape what manim writes: part of every cache key (with the quality's flag).
RENDER_ARGS = ["--disable_caching", "--save_sections"]
# Flags that only change what manim prints (--silent: no online check for a newer manim).
QUIET_ARGS = ["--progress_bar", "none", "--silent", "--verbosity", "INFO"]
POLL_SECONDS = 0.05
STOP_GRACE_SECONDS = 5.0
LOG_TAIL_LINES = 15


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def render_args(quality: Quality) -> list[str]:
    """The flags that shape a render at ``quality`` (what the cache keys depend on)."""
    return quality.manim_args + RENDER_ARGS


def manim_command(scene: SceneRef, quality: Quality, media_dir: Path) -> list[str]:
    """The command that renders ``scene`` into ``media_dir`` (a job runs its arguments from
    ``render`` on, in a process forked from the zygote: :func:`manim_args`)."""
    return [sys.executable, "-m", "manim", *manim_args(scene, quality, media_dir)]


def manim_args(scene: SceneRef, quality: Quality, media_dir: Path) -> list[str]:
    """Manim's command-line arguments that render ``scene`` into ``media_dir``."""
    return ["render", *render_args(quality), *QUIET_ARGS, "--media_dir", str(media_dir), str(scene.path), scene.name]


def job_env(layout: Layout, lesson: LessonInput, narration: Narration | None,
            scenes: Sequence[SceneRef]) -> dict[str, str]:
    """The environment of the renders of ``scenes`` (their roots importable, the lesson, its
    narration's timing, the parsed-SVG store)."""
    roots = list(dict.fromkeys(str(scene.root) for scene in scenes))
    return {**{k: v for k, v in os.environ.items() if k != TIMING_ENV}, **lesson.env(),
            **(narration.env() if narration else {}), "PYTHONUNBUFFERED": "1",
            SVG_STORE_ENV: str(layout.svg_store),
            "PYTHONPATH": os.pathsep.join(filter(None, [*roots, os.environ.get("PYTHONPATH")]))}


def early_zygote(layout: Layout, lesson: LessonInput, scenes: Sequence[SceneRef], jobs: int,
                 log_dir: Path) -> Zygote | None:
    """A warm process started before the build knows which of ``scenes`` it will render: it imports
    manim, every scene's module and the lesson model while the pipeline checks the cache (about
    1.5 s of a one-scene change that no longer waits), and compiles TeX only once told which
    beats (:meth:`Zygote.census`, from :class:`Renderer`). None if no scene is in a module, or if it
    cannot start (an unwritable media folder, say: the renderer's own checks then say so)."""
    modules = [m for m in dict.fromkeys(module_name(scene) for scene in scenes) if m]
    if not modules:
        return None
    store = layout.tex_store if any(m.startswith("scenes.") for m in modules) else None
    try:
        layout.work.mkdir(parents=True, exist_ok=True)
        return Zygote(job_env(layout, lesson, None, scenes), layout.work, log_dir / "zygote.log", modules, store,
                      jobs, census_later=True)
    except OSError:
        return None


def module_name(scene: SceneRef) -> str | None:
    """The import name of a scene's module (``scenes.part1``), if its file is under its root."""
    try:
        parts = scene.path.relative_to(scene.root).with_suffix("").parts
    except ValueError:
        return None
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


@dataclass(frozen=True)
class RenderRequest:
    """A scene to render, the cache entry it becomes and its log file."""

    scene: SceneRef
    key: str
    log: Path
    whole: bool = False  # never split (a split render of it did not add up)


@dataclass(frozen=True)
class _Failure:
    scene: str
    lines: list[str]  # why, the end of its log, where the whole log is
    no_space: bool = False  # the disk was full

    @classmethod
    def of(cls, scene: str, why: str, log: Path, no_space: bool = False) -> _Failure:
        """``scene`` failed (``why``): the end of its ``log`` and where the whole log is."""
        return cls(scene, [f"{scene}: {why}; the end of its log:",
                           *(f"    | {line}" for line in tail(log, LOG_TAIL_LINES)),
                           f"  full log: {show_path(log)}"], no_space)


@dataclass
class _Job:
    request: RenderRequest
    work: Path
    process: Forked
    log: IO[bytes]
    started: float
    part: str | None = None  # of a split render (pipeline.split): "first" or "rest"
    partner: _Job | None = None  # the other part
    log_path: Path | None = None  # (a first part's log: not the scene's)

    @property
    def name(self) -> str:
        return self.request.scene.name

    def seconds(self) -> float:
        return time.monotonic() - self.started


class Renderer:
    """Renders scenes of one lesson at one quality, ``jobs`` at a time."""

    def __init__(self, layout: Layout, lesson: LessonInput, quality: Quality, progress: Progress,
                 jobs: int, narration: Narration | None = None, zygote: Zygote | None = None) -> None:
        """``zygote``: one started early (:func:`early_zygote`), before the build knew what to render;
        the renderer tells it its census and closes it when it is done."""
        self.layout = layout
        self.lesson = lesson
        self.narration = narration
        self.quality = quality
        self.progress = progress
        self.jobs = max(1, jobs)
        self.space = SpaceNeed.render(layout.media, 0, quality, self.jobs)
        self._zygote: Zygote | None = None  # the warm process of the build running
        self._early = zygote
        self._requests: list[RenderRequest] = []  # the build's renders (the zygote prepares for all)
        self._job_env: dict[str, str] = {}  # the environment they share

    def render(self, requests: list[RenderRequest]) -> dict[str, CacheEntry]:
        """Render every request; their cache entries by scene name.

        Raises :class:`RenderFailed` if any scene failed, after the running jobs finish (what
        they render is cached: a run after the fix starts from it), with the scenes not started;
        :class:`~pipeline.storage.DiskFull` instead if the disk filled up, and
        :class:`~pipeline.storage.NotWritable` if the media folder cannot be written.
        """
        self._zygote, self._early = self._early, None  # (None, unless one was started early)
        try:
            self.space = SpaceNeed.render(self.layout.media, len(requests), self.quality, self.jobs)
            check_writable(self.space)
            free = free_bytes(self.layout.media)
            if free is not None and free < self.space.bytes:
                self.progress.say(f"warning: the disk of {show_path(self.layout.media)}/ has {size(free)} free; "
                                  f"{self.space.describe()}")
            self.layout.work.mkdir(parents=True, exist_ok=True)
            remove_stale_work(self.layout.work)
        except BaseException:
            self._close_zygote()
            raise
        history = render_history(self.layout.scene_cache, Fraction(self.quality.fps))
        pending = deque(longest_first(requests, history, self._expected_seconds(requests)))
        running: list[_Job] = []
        entries: dict[str, CacheEntry] = {}
        failures: list[_Failure] = []
        self._requests, self._job_env = list(requests), self._env(requests)
        try:
            # Once a scene has failed no job starts: the loop waits only for the running ones.
            while running or (pending and not failures):
                while pending and len(running) < self.jobs and not failures:
                    request = pending.popleft()
                    # A core no other scene will take: the scene renders in two parts at once.
                    spare = self.jobs - len(running) - len(pending) >= 2
                    at = self._split_at(request, history) if spare else None
                    running += self._start(request, failures, at)
                time.sleep(POLL_SECONDS)
                for job in [j for j in running if j.process.poll() is not None]:
                    running.remove(job)
                    if job.part is not None:
                        again = self._finish_part(job, running, entries, failures)
                        if again is not None:
                            pending.appendleft(again)
                        continue
                    entry = self._finish(job, failures)
                    if entry is not None:
                        entries[job.name] = entry
        except OSError as e:  # writing a log or seeding TeX under the media folder
            self._stop_all(running)
            raise storage_error(e, self.space) or e from None
        except BaseException:
            self._stop_all(running)
            raise
        finally:
            self._close_zygote()
        prune_svgs(self.layout.svg_store)
        if failures:
            self._raise(failures, [r.scene.name for r in pending])
        return entries

    def _expected_seconds(self, requests: list[RenderRequest]) -> dict[str, float]:
        """How long each scene's video will be, as far as its narration tells (its sentences)."""
        if self.narration is None:
            return {}
        timing = self.narration.timing()
        return {r.scene.name: sum(sum(timing.get(beat, {}).values()) for beat in r.scene.beats() or ())
                for r in requests}

    def _raise(self, failures: list[_Failure], not_started: list[str]) -> None:
        for name in not_started:
            self.progress.not_started(name)
        if any(f.no_space for f in failures):
            raise disk_full(self.space)
        names = [f.scene for f in failures]
        details = [line for f in failures for line in f.lines]
        if not_started:
            details.append(f"not started: {', '.join(not_started)}")
        what = f"scene {names[0]}" if len(names) == 1 else f"scenes {', '.join(names)}"
        raise RenderFailed(f"{what} failed to render", details)

    def _stop_all(self, running: list[_Job]) -> None:
        with _signals_ignored():
            for job in running:
                self._stop(job, quiet=job.part == "first")  # (a split scene is reported once)

    # -- one job -----------------------------------------------------------------------------
    def _split_at(self, request: RenderRequest, history: Mapping[str, CacheEntry]) -> int | None:
        """Where to split ``request``'s scene (:func:`pipeline.split.split_point`, from how long its
        animations took the last time), or ``None``: render it whole."""
        entry = history.get(request.scene.name)
        plays = entry.plays() if entry is not None and not request.whole else None
        return split_point(plays) if plays else None

    def _start(self, request: RenderRequest, failures: list[_Failure], at: int | None = None) -> list[_Job]:
        """Start rendering ``request`` (in two parts, split at animation ``at``, if given): its
        jobs; none after recording a failure to start it."""
        scene = request.scene
        work = self.layout.work / f"{os.getpid()}-{scene.name}-{request.key[:8]}"
        command = manim_command(scene, self.quality, work)
        jobs: list[_Job] = []
        try:
            zygote = self._warm()  # the lesson's TeX is in the store from here on
            if at is None:
                jobs.append(self._fork(zygote, request, work, request.log, {}, command))
            else:
                first_work = work.with_name(f"{work.name}-first")
                handoff = first_work / "handoff.json"
                first_log = request.log.with_name(f"{scene.name}.first-part.log")
                first = self._fork(zygote, request, first_work, first_log,
                                   SplitSpec("first", at, handoff).env(), command, "first")
                jobs.append(first)
                rest = self._fork(zygote, request, work, request.log,
                                  SplitSpec("rest", at, handoff, first.process.pid).env(), command, "rest")
                first.partner, rest.partner, first.log_path = rest, first, first_log
                rest.started = first.started  # the scene's render time counts from the first part
                jobs.append(rest)
        except ZygoteDied as e:
            for job in jobs:
                self._stop(job, quiet=True)
            remove_tree(work)
            self.progress.failed(scene.name, 0.0, str(e))
            failures.append(_Failure.of(scene.name, str(e), e.log))
            return []
        self.progress.started(scene.name)
        if at is not None:
            self.progress.say(f"  {scene.name}: in two processes at once, from animation {at} on in the second")
        return jobs

    def _fork(self, zygote: Zygote, request: RenderRequest, work: Path, log_path: Path, env: Mapping[str, str],
              command: list[str], part: str | None = None) -> _Job:
        """One render process: ``request``'s scene (or ``part`` of it) into the media folder ``work``."""
        remove_tree(work)
        work.mkdir(parents=True)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("ab" if request.whole else "wb")  # (after a split that did not add up: kept)
        what = f" ({part} part of a split render: {env})" if part else ""
        log.write(f"# {request.scene} ({self.lesson.path}, {self.quality.name}){what}\n# {' '.join(command)}\n".encode())
        log.flush()
        try:
            seed_tex(self.layout.tex_store, work)
            process = zygote.start(manim_args(request.scene, self.quality, work), work, {**self._job_env, **env},
                                   log_path)
        except BaseException:
            log.close()
            remove_tree(work)
            raise
        return _Job(request, work, process, log, time.monotonic(), part)

    def _finish_part(self, job: _Job, running: list[_Job], entries: dict[str, CacheEntry],
                     failures: list[_Failure]) -> RenderRequest | None:
        """A part of a split render ended. The rest's media folder becomes the entry once it has
        put both parts together; a part that failed stops the other. Returns the request to
        render again, whole, if the parts did not add up (:data:`pipeline.split.MISMATCH_EXIT`)."""
        partner = job.partner
        code = job.process.returncode
        partner_running = partner is not None and partner in running
        if job.part == "first":
            if code == 0 or not partner_running:  # the rest goes on (or has ended: it said how)
                if not partner_running:
                    self._close_part(job)
                return None
            assert partner is not None
            running.remove(partner)
            self._stop(partner, quiet=True)
            self._fail(job, failures, job.log_path or job.request.log, f"the first part of its split render: "
                       f"{self._why(code)}")
            self._close_part(job)
            return None
        # The rest.
        first_done = not partner_running
        if code == 0:
            if partner is not None and first_done:
                collect_tex(partner.work, self.layout.tex_store)
            entry = self._finish(job, failures)
            if entry is not None:
                entries[job.name] = entry
            if partner is not None and first_done:
                self._close_part(partner)
            return None
        if partner is not None and partner_running:
            running.remove(partner)
            self._stop(partner, quiet=True)
        if partner is not None:
            self._close_part(partner)
        if code == MISMATCH_EXIT:
            job.log.close()
            remove_tree(job.work)
            self.progress.say(f"  {job.name}: its two parts did not add up (see {show_path(job.request.log)}); "
                              f"rendering it again in one process")
            return RenderRequest(job.request.scene, job.request.key, job.request.log, whole=True)
        self._finish(job, failures)  # records the failure, with the rest's log
        return None

    def _close_part(self, job: _Job) -> None:
        """A first part no longer needed: its log closed, its media folder removed."""
        if not job.log.closed:
            job.log.close()
        remove_tree(job.work)

    def _fail(self, job: _Job, failures: list[_Failure], log: Path, why: str) -> None:
        self.progress.failed(job.name, job.seconds(), why)
        failures.append(_Failure.of(job.name, why, log, ran_out_of_space(job.work, log)))

    @staticmethod
    def _why(code: int) -> str:
        return f"manim exited with status {code}" if code > 0 else f"manim was killed by signal {-code}"

    def _close_zygote(self) -> None:
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None

    def _env(self, requests: list[RenderRequest]) -> dict[str, str]:
        """The environment of every render of this build (their scenes' roots importable)."""
        return job_env(self.layout, self.lesson, self.narration, [r.scene for r in requests])

    def _warm(self) -> Zygote:
        """The build's zygote, started with the first render and ready: it has imported the scenes'
        modules and compiled the lesson's TeX into the store."""
        if self._zygote is None or self._zygote.census_due:
            modules = [m for m in dict.fromkeys(module_name(r.scene) for r in self._requests) if m]
            log = self._requests[0].log.parent / "zygote.log"  # beside the scenes' logs
            # The census knows the lesson's scenes (the package scenes): other scenes compile their own.
            store = self.layout.tex_store if any(m.startswith("scenes.") for m in modules) else None
            # Only the beats these scenes show (all of them if one declares none): a one-scene
            # change takes the census of its beats, not the lesson's (0.1 s against 0.8 s).
            declared = [r.scene.beats() for r in self._requests]
            beats = None if any(b is None for b in declared) else list(dict.fromkeys(k for b in declared for k in b))
            if self._zygote is None:
                self._zygote = Zygote(self._job_env, self.layout.work, log, modules, store, self.jobs, beats)
            else:  # started early, with every scene's modules: now it knows what to compile
                self._zygote.census(beats, compile_tex=store is not None)
            seconds = self._zygote.wait_ready()
            tex = self._zygote.tex
            compiled = f"; {tex['compiled']} TeX strings compiled at once ({tex['seconds']:.1f} s)" if tex.get("compiled") else ""
            self.progress.say(f"  prepared the renders in {seconds:.1f} s{compiled}")
        return self._zygote

    def _finish(self, job: _Job, failures: list[_Failure]) -> CacheEntry | None:
        """A finished job's cache entry, or ``None`` after recording its failure."""
        seconds = job.seconds()
        code = job.process.returncode
        no_space = False
        try:
            job.log.close()
            if code == 0:
                try:
                    entry = commit_entry(job.work, job.name, self.layout.entry(job.request.key), seconds)
                    collect_tex(job.work, self.layout.tex_store)
                except EntryError as e:
                    why = str(e)
                except OSError as e:
                    if e.errno not in NO_SPACE | NOT_WRITABLE:
                        raise
                    no_space = e.errno in NO_SPACE
                    why = f"writing its cache entry: {e.strerror}"
                else:
                    self.progress.done(job.name, seconds, entry.duration)
                    return entry
            else:
                why = self._why(code)
                # Asked before the working files go: they may be what filled the disk.
                no_space = ran_out_of_space(job.work, job.request.log)
        except OSError as e:  # closing the log: its last bytes did not fit
            if e.errno not in NO_SPACE:
                raise
            no_space, why = True, "its log could not be written"
        finally:
            remove_tree(job.work)
        if no_space:
            why = f"no space left on the disk of {show_path(self.layout.media)}/ ({why})"
        self.progress.failed(job.name, seconds, why)
        failures.append(_Failure.of(job.name, why, job.request.log, no_space))
        return None

    def _stop(self, job: _Job, quiet: bool = False) -> None:
        """Terminate a running job and remove its working folder (``quiet``: the other part of a
        split render, whose scene is reported once)."""
        if job.process.poll() is None:
            job.process.terminate()
            try:
                job.process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                job.process.kill()
                job.process.wait()
        job.log.close()
        remove_tree(job.work)
        if not quiet:
            self.progress.stopped(job.name)


def longest_first(requests: list[RenderRequest], history: Mapping[str, CacheEntry],
                  expected: Mapping[str, float]) -> list[RenderRequest]:
    """``requests`` in the order to start them: the longest renders first, so that both cores stay
    busy to the end instead of the last minutes running one long scene alone.

    A scene's render time is taken from its last render at this frame rate (``history``, any
    version of it), else estimated from its ``expected`` video length times the history's render
    time per second of video; a scene with neither comes first (it may be long). Ties keep
    the lesson order."""
    known = [e for e in history.values() if e.duration > 0]
    per_second = sum(e.render_seconds for e in known) / sum(e.duration for e in known) if known else 1.0

    def cost(request: RenderRequest) -> float:
        name = request.scene.name
        if name in history:
            return history[name].render_seconds
        if expected.get(name):
            return expected[name] * per_second
        return float("inf")

    return sorted(requests, key=cost, reverse=True)


def remove_stale_work(work: Path) -> None:
    """Remove working folders left by runs that no longer exist (killed with SIGKILL, say)."""
    for folder in work.iterdir():
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            remove_tree(folder)


def tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` non-empty lines of a text file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line.rstrip() for line in text.splitlines() if line.strip()][-lines:]


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """Let cleanup finish even if Ctrl-C is pressed again (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
