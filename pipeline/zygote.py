"""Warm manim processes: import manim, the scenes and the lesson model once, fork one child per scene.

Started as ``python -m manim render`` of its own, every scene render spent 2.3-2.9 s before its
first frame importing manim, sympy, NumPy and the scenes and building the lesson model: 48 s of
CPU over the lesson's 18 scenes, a sixth of a 480p15 build. A zygote process does that once per
build (:func:`serve`), then forks a child for each scene to render: the child starts with all of
it in memory, runs manim's own command line (``manim render ...``, the same arguments as before)
in its working folder with its environment and its output going to its log, and exits with
manim's exit status. Before the first child it may warm further (:data:`WARM_UP`): the lesson
model, and every TeX string of the lesson compiled at once into the TeX store.

The pipeline side is :class:`Zygote`: it starts the process, and :meth:`Zygote.start` gives a
:class:`Forked` for each render, used like a ``subprocess.Popen`` (``poll``, ``wait``,
``terminate``, ``kill``, ``returncode``, ``pid``). Messages go one JSON object per line: requests
on the zygote's stdin, replies (ready, started, exited) on a pipe of their own, its original
stdout; the zygote's own output (import warnings, tracebacks of a failed warm-up) goes to its log.

Signals: the zygote ignores SIGINT (Ctrl-C reaches the whole process group; the pipeline stops
the renders itself, then closes the zygote's stdin). A child starts with Python's default
handlers, as ``python -m manim`` would. When its stdin closes (the pipeline finished or died) the
zygote terminates any child still running and exits.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from pipeline.warm import WarmError, reaped, spawn, zygote_command

if TYPE_CHECKING:
    from pipeline.warm import WarmProcess

STOP_GRACE_SECONDS = 5.0
POLL_SECONDS = 0.05

# Run in the zygote once its modules are imported, before the first child: (module, function);
# each is optional (a missing module or a failure is logged, and the children do the work).
WARM_UP: tuple[tuple[str, str], ...] = (("scenes.lesson", "lesson_model"),)


class ZygoteDied(RuntimeError):
    """The zygote process ended while renders depended on it (``log``: its log file)."""

    def __init__(self, message: str, log: Path) -> None:
        super().__init__(message)
        self.log = log


# -- the zygote process ------------------------------------------------------------------------------
def serve(preload: Sequence[str], warm_up: Sequence[tuple[str, str]] = WARM_UP, tex_store: Path | None = None,
          tex_jobs: int = 2, beats: Sequence[str] | None = None, census_later: bool = False) -> int:
    """The zygote's main loop (``python -m pipeline.zygote [--tex-store DIR] [--tex-jobs N]
    [--beat KEY ...] [--census-later] MODULE...``).

    With ``tex_store``, every TeX string of the lesson (of its ``beats`` only, if given: the scenes
    about to render) is compiled into it before the first render (:func:`precompile_tex`),
    ``tex_jobs`` LaTeX documents at a time. With ``census_later``, the zygote imports and warms up
    at once, then waits for the first line of its input to say which beats' TeX to compile
    (``{"census": {"beats": [...]}}``, ``null`` beats for every one, or ``{"census": null}`` for
    none): the pipeline starts it before it knows which scenes need rendering."""
    replies = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")  # the message pipe
    os.dup2(2, 1)  # print() in the zygote goes to its log, never into the messages
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    started = time.perf_counter()
    import manim  # noqa: F401  (the point of the zygote)

    for name in preload:
        _try(f"import {name}", lambda name=name: importlib.import_module(name))
    for module, function in warm_up:
        _try(f"{module}.{function}()", lambda m=module, f=function: getattr(importlib.import_module(m), f)())
    stdin = sys.stdin.buffer
    pending = b""
    if census_later:
        while b"\n" not in pending:
            chunk = os.read(stdin.fileno(), 65536)
            if not chunk:  # the pipeline had nothing to render after all
                return 0
            pending += chunk
        line, pending = pending.split(b"\n", 1)
        census = json.loads(line)["census"]
        print(f"warm after {time.perf_counter() - started:.1f} s; told its census: {json.dumps(census)}", flush=True)
        if census is None:
            tex_store = None
        else:
            beats = census.get("beats")
    tex: dict[str, Any] = {}
    if tex_store is not None:
        _try("compiling the lesson's TeX", lambda: tex.update(precompile_tex(tex_store, tex_jobs, beats)))
    _send(replies, ready=round(time.perf_counter() - started, 3), tex=tex)

    children: dict[int, str] = {}  # pid -> request id
    open_ = True
    while open_ or children:
        if open_:
            readable, _, _ = select.select([stdin], [], [], POLL_SECONDS)
            if readable:
                chunk = os.read(stdin.fileno(), 65536)
                if not chunk:
                    open_ = False
                    _stop_children(children, replies)
                pending += chunk
            while b"\n" in pending:  # (some may have come with the census)
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _child(request, replies)  # never returns
                children[pid] = request["id"]
                _send(replies, started=request["id"], pid=pid)
        else:
            time.sleep(POLL_SECONDS)
        _report_exits(children, replies)
    return 0


def precompile_tex(store: Path, jobs: int, beats: Sequence[str] | None = None) -> dict[str, Any]:
    """Compile every TeX string the lesson's scenes will ask for (:func:`scenes.census.lesson_tex_files`;
    those of ``beats`` only, if given) into ``store``, in a few LaTeX runs
    (:func:`pipeline.texbatch.compile_tex_files`), instead of one run per string inside each
    scene: what it did, for the pipeline to say."""
    import tempfile

    from pipeline.texbatch import compile_tex_files
    from scenes.census import lesson_tex_files
    from scenes.lesson import lesson_model

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tex-census-") as folder:
        files = lesson_tex_files(lesson_model(), Path(folder), beats)
        census = time.perf_counter() - start
        result = compile_tex_files(files, store, jobs)
    return {"strings": len(files), "compiled": result.compiled, "stored": result.stored,
            "failed": len(result.failed), "census_seconds": round(census, 3), "seconds": round(result.seconds, 3)}


def _try(what: str, action: Callable[[], object]) -> None:
    try:
        action()
    except BaseException:  # noqa: BLE001  (a scene module that does not import: its render says why)
        print(f"zygote: {what} failed; the renders will do it themselves:", file=sys.stderr)
        traceback.print_exc()


def _send(replies: TextIO, **message: Any) -> None:
    try:
        replies.write(json.dumps(message) + "\n")
    except BrokenPipeError:  # the pipeline is gone: nobody to tell, the children are stopped anyway
        pass


def _report_exits(children: dict[int, str], replies: TextIO) -> None:
    """Reap the children that have ended and say so (their request ids and exit codes)."""
    for pid, code in reaped(children):
        _send(replies, exited=children.pop(pid), code=code)


def _stop_children(children: dict[int, str], replies: TextIO) -> None:
    """The pipeline is gone: end the renders still running (SIGTERM, then SIGKILL to those still
    running after a grace period; those are reaped by the main loop)."""
    for pid in children:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while children and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        _report_exits(children, replies)
    for pid in children:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _child(request: Mapping[str, Any], replies: TextIO) -> None:
    """In the forked child: become ``manim render ...`` in the request's folder, with its
    environment and its log as stdout and stderr; exit with manim's status."""
    code = 1
    try:
        replies.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        from pipeline.split import install

        install()  # the animations' times recorded; a part of a split render played as that part
        code = run_manim(request["args"])
    except BaseException:  # noqa: BLE001  (reported in the log; the exit status says it failed)
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # what a normal exit runs (os._exit skips it)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def run_manim(args: Sequence[str]) -> int:
    """Manim's command line with ``args`` (``["render", "-ql", ..., file, scene]``), in this
    process: its exit status."""
    from manim.__main__ import main

    sys.argv = ["manim", *args]
    try:
        main.main(args=list(args), prog_name="manim", standalone_mode=True)
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            return e.code or 0
        print(e.code, file=sys.stderr)
        return 1
    return 0


# -- the pipeline's side ---------------------------------------------------------------------------
class Forked:
    """A render forked by the zygote, used like a ``subprocess.Popen``."""

    def __init__(self, zygote: Zygote, pid: int) -> None:
        self.zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.zygote.pump()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"render {self.pid}", timeout or 0.0)
            self.zygote.pump(POLL_SECONDS)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            _signal(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """The zygote process of one build: started with the environment every render shares."""

    def __init__(self, env: Mapping[str, str], cwd: Path, log: Path, preload: Sequence[str] = (),
                 tex_store: Path | None = None, tex_jobs: int = 2, beats: Sequence[str] | None = None,
                 census_later: bool = False) -> None:
        """With ``census_later``, the beats whose TeX to compile are given later, by :meth:`census`
        (before the first :meth:`start`): the zygote imports and warms up meanwhile."""
        self.log_path = log
        log.parent.mkdir(parents=True, exist_ok=True)
        tex = ["--tex-store", str(tex_store), "--tex-jobs", str(tex_jobs)] if tex_store is not None else []
        if tex_store is not None and beats is not None:
            tex += [arg for beat in beats for arg in ("--beat", beat)]
        if census_later:
            tex.append("--census-later")
        self.census_due = census_later
        with log.open("wb") as out:
            self.process = _started([*tex, *preload], cwd, env, out)
        assert self.process.stdin is not None and self.process.stdout is not None
        self._out = self.process.stdout.fileno()
        os.set_blocking(self._out, False)
        self._buffer = b""
        self._children: dict[str, Forked] = {}
        self._started: dict[str, int] = {}
        self._count = 0
        self.ready_seconds: float | None = None  # how long the zygote took to warm up
        self.tex: dict[str, Any] = {}  # what it compiled of the lesson's TeX (precompile_tex)
        self.dead = False

    def census(self, beats: Sequence[str] | None, compile_tex: bool = True) -> None:
        """Tell a zygote started with ``census_later`` which beats' TeX to compile (``None``: every
        beat's), or, with ``compile_tex`` false, to compile none."""
        if not self.census_due:
            raise RuntimeError("census() is for a zygote started with census_later, and only once")
        self.census_due = False
        message = {"census": {"beats": None if beats is None else list(beats)} if compile_tex else None}
        self._write(message)

    def _write(self, message: Mapping[str, Any]) -> None:
        try:
            assert self.process.stdin is not None
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            self._died()

    def start(self, args: Sequence[str], cwd: Path, env: Mapping[str, str], log: Path) -> Forked:
        """Fork a child that runs ``manim args`` in ``cwd`` with ``env``, appending to ``log``.

        Waits for the zygote to be ready (the first time) and for the child's pid."""
        if self.census_due:
            raise RuntimeError("a zygote started with census_later needs census() before its first render")
        self._count += 1
        rid = str(self._count)
        self._write({"id": rid, "args": list(args), "cwd": str(cwd), "env": dict(env), "log": str(log)})
        while rid not in self._started:
            if self.dead:
                raise ZygoteDied(self._why(), self.log_path)
            self.pump(POLL_SECONDS)
        child = Forked(self, self._started.pop(rid))
        self._children[rid] = child
        return child

    def wait_ready(self) -> float:
        """Wait until the zygote has warmed up: the seconds it took."""
        if self.census_due:
            raise RuntimeError("a zygote started with census_later is ready only after census()")
        while self.ready_seconds is None:
            if self.dead:
                raise ZygoteDied(self._why(), self.log_path)
            self.pump(POLL_SECONDS)
        return self.ready_seconds

    def pump(self, timeout: float = 0.0) -> None:
        """Read the zygote's messages (waiting up to ``timeout`` s for one)."""
        if self.dead:
            return
        if timeout:
            select.select([self._out], [], [], timeout)
        while True:
            try:
                chunk = os.read(self._out, 65536)
            except BlockingIOError:
                break
            if not chunk:
                self._died()
                break
            self._buffer += chunk
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            message = json.loads(line)
            if "ready" in message:
                self.ready_seconds = float(message["ready"])
                self.tex = message.get("tex") or {}
            elif "started" in message:
                self._started[message["started"]] = int(message["pid"])
            elif "exited" in message:
                child = self._children.pop(message["exited"], None)
                if child is not None:
                    child.returncode = int(message["code"])

    def _died(self) -> None:
        """The zygote is gone: its children cannot be waited for; stop them and call them failed."""
        self.dead = True
        for child in self._children.values():
            _signal(child.pid, signal.SIGKILL)
            child.returncode = -signal.SIGKILL
        self._children.clear()

    def _why(self) -> str:
        code = self.process.poll()
        return f"the render process (pipeline.zygote) ended{f' with status {code}' if code is not None else ''}"

    def close(self) -> None:
        """No more renders: the zygote ends (terminating any child still running). One started with
        ``census_later`` and never told its census has no render to finish: it is killed at once
        (it may still be importing, and would read its input only after)."""
        if self.census_due and self.process.poll() is None:
            self.process.kill()
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.process.wait(STOP_GRACE_SECONDS * 2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _started(args: Sequence[str], cwd: Path, env: Mapping[str, str], log: BinaryIO) -> subprocess.Popen | WarmProcess:
    """The zygote process (``python -m pipeline.zygote args``): forked from a warm base
    (:func:`pipeline.warm.spawn`) unless none can serve, then started here."""
    try:
        return spawn(args, cwd, env, log.fileno())
    except (WarmError, OSError) as error:
        log.write(f"zygote: started directly, not from a warm process: {error}\n".encode())
        log.flush()
    return subprocess.Popen(zygote_command(args), cwd=cwd, env=dict(env),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pipeline.zygote", description=__doc__.splitlines()[0])
    parser.add_argument("--tex-store", type=Path, help="compile the lesson's TeX into this folder first")
    parser.add_argument("--tex-jobs", type=int, default=2, help="LaTeX documents compiled at a time")
    parser.add_argument("--beat", action="append", dest="beats",
                        help="(repeatable) compile the TeX of these beats only (default: every beat)")
    parser.add_argument("--census-later", action="store_true",
                        help="read which beats' TeX to compile from the first line of input (after the imports)")
    parser.add_argument("modules", nargs="*", help="modules to import before the first render")
    args = parser.parse_args(argv)
    return serve(args.modules, tex_store=args.tex_store, tex_jobs=args.tex_jobs, beats=args.beats,
                 census_later=args.census_later)


if __name__ == "__main__":
    # Out at once: tearing down an interpreter holding manim and sympy took 0.4-0.5 s, which the
    # pipeline waited for before joining the video. Nothing is left to run: each render ran its
    # own exit functions, and the zygote's output is flushed here.
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
