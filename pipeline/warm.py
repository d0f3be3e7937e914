"""A warm base kept between builds: manim, sympy and NumPy imported once, for the next build's zygote.

A build's zygote (:mod:`pipeline.zygote`) spent 1.6 s importing manim (with SciPy and networkx),
sympy and NumPy before it could fork the first render: a quarter of re-rendering one changed scene
at 480p15. Those libraries do not change between builds; the project's own code does. So the
zygote is forked from a base process that imported only the libraries, kept between builds for
:data:`IDLE_ENV` minutes (default :data:`DEFAULT_IDLE_MINUTES`), and the zygote imports the
project's modules itself, fresh from disk (0.2 s), in every build. The base never imports a
scene or the model.

How a build gets its zygote (:func:`spawn`, from :class:`pipeline.zygote.Zygote`):

- The base listens on a Unix socket in a folder only this user can open
  (``<tmp>/lesson-warm-<uid>/``), named by a digest of what its imports depend on: the Python
  executable, the working folder and the whole environment (``PYTHONPATH``, the lesson file...).
  Another environment gets another base.
- The build connects (starting the base if none listens: it binds the socket, hands it to the
  new process and connects at once) and sends the zygote's arguments, working folder and
  environment with three file descriptors: the zygote's input, its message pipe and its log. It
  does not wait for an answer: it talks to the zygote through the pipes, and checks its cache
  meanwhile (a new base's imports go on during the checks, as a zygote's did).
- The base checks that nothing it imported has changed on disk (every module file's, and the
  installation folders', modification time and size: a ``pip install``, an edited
  ``pipeline/warm.py``). If nothing has, it forks; the child becomes the zygote
  (``pipeline.zygote.main``, imported fresh). If something has, it starts the zygote afresh
  (``python -m pipeline.zygote``, as without a base), and leaves after it: the next build
  starts a new base. Either way it tells the build the zygote's pid, then its exit status.
- A build that needed no render has closed its connection by the time the base reads it: no
  zygote is forked.
- With ``LESSON_WARM_MINUTES=0`` (what the tests use) the base serves one build and leaves when
  its zygote ends; nothing is kept. Otherwise it leaves after that many minutes without a build
  (having first removed its socket, and served any build that connected just before).
  ``python -m pipeline.warm --stop`` stops every base of this user once its builds are done.

The base also builds the lesson model (:data:`PROJECT`: ``mathcore``, which the scenes read and
nothing of the base patches) for the lesson file of its environment, so that each zygote is forked
with it (0.3-0.6 s of a one-scene change: imports and the model). When a file of ``mathcore`` has
changed since, the zygote is forked all the same but forgets every ``mathcore`` module first and
imports them afresh, as without a base; once that build is done the base does the same for itself.

If the base cannot be reached (the folder is not private, say), the build starts its zygote
directly, as before: slower, never wrong.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

IDLE_ENV = "LESSON_WARM_MINUTES"
DEFAULT_IDLE_MINUTES = 20.0
FIRST_CONNECTION_SECONDS = 60.0  # a base nobody connects to leaves after this, whatever its idle time
POLL_SECONDS = 0.05
ANSWER_SECONDS = 60.0  # the base's imports, the first time, are waited for up to this
# What the base imports: the libraries the zygote and the scenes import (measured with
# ``python -X importtime``: with these, a zygote's own imports are the project's, 0.2 s).
BASE_MODULES: tuple[str, ...] = (
    "numpy", "sympy", "sympy.combinatorics", "sympy.tensor.tensor", "manim", "manim.__main__",
    "asyncio", "concurrent.futures", "tomllib", "unittest",
)
# The project's package the base imports too, with the lesson model built (``mathcore.beats.model_of``):
# forgotten and imported afresh when one of its files changes (see the module docstring).
PROJECT = "mathcore"
SOCKET_PATH_BYTES = 107  # the longest path a Unix socket takes (Linux)
_HEADER = struct.Struct("!Q")  # the length of the request's JSON, sent with its file descriptors


class WarmError(RuntimeError):
    """No warm base could serve this build (the caller starts its zygote directly)."""


def idle_seconds(env: Mapping[str, str]) -> float:
    """How long a base waits for the next build, from ``LESSON_WARM_MINUTES`` in ``env``."""
    text = env.get(IDLE_ENV, "").strip()
    if not text:
        return DEFAULT_IDLE_MINUTES * 60
    try:
        minutes = float(text)
    except ValueError:
        minutes = -1.0
    if not 0 <= minutes < 10_000:
        from pipeline.errors import PipelineError

        raise PipelineError(f"{IDLE_ENV}={text!r}: give a number of minutes to keep the warm process "
                            f"between builds (0: keep none; default {DEFAULT_IDLE_MINUTES:g})")
    return minutes * 60


def base_folder(env: Mapping[str, str] | None = None) -> Path:
    """The folder of this user's bases' sockets and logs (in ``TMPDIR`` of ``env``, else the
    system's temporary folder; ``/tmp`` if that is too long a path for a socket): made if
    missing; private, or refused."""
    tmp = (env or {}).get("TMPDIR") or tempfile.gettempdir()
    folder = Path(tmp) / f"lesson-warm-{os.getuid()}"
    if len(os.fsencode(folder)) + 32 > SOCKET_PATH_BYTES:
        folder = Path("/tmp") / f"lesson-warm-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if not folder.is_dir() or folder.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise WarmError(f"{folder} is not a private folder of this user")
    return folder


def base_key(executable: str, cwd: Path, env: Mapping[str, str]) -> str:
    """What names a base: everything its imports may depend on."""
    ignored = {IDLE_ENV}  # how long to keep it is not what it is
    text = json.dumps([executable, str(cwd), sorted((k, v) for k, v in env.items() if k not in ignored)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


# -- the pipeline's side ---------------------------------------------------------------------------
class WarmProcess:
    """A zygote forked by a base, used like the ``subprocess.Popen`` it replaces: ``stdin`` (its
    requests), ``stdout`` (its messages), ``poll``, ``wait``, ``kill``, ``pid``, ``returncode``.

    It is made as soon as the request is sent: the build talks to the zygote through the pipes
    meanwhile, and learns its pid and exit status from the base's connection when they come."""

    def __init__(self, connection: socket.socket, stdin: int, stdout: int) -> None:
        self._connection: socket.socket | None = connection
        self._buffer = b""
        self._pid: int | None = None
        self.stdin = os.fdopen(stdin, "wb")
        self.stdout = os.fdopen(stdout, "rb")
        self.returncode: int | None = None

    @property
    def pid(self) -> int:
        """The zygote's pid (waits for the base to have forked it)."""
        deadline = time.monotonic() + ANSWER_SECONDS
        while self._pid is None and self._connection is not None and time.monotonic() < deadline:
            self._read(POLL_SECONDS)
        if self._pid is None:
            raise WarmError("the warm process did not say which process the zygote is")
        return self._pid

    def poll(self) -> int | None:
        if self.returncode is None:
            self._read(0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(f"zygote {self._pid}", timeout or 0.0)
            self._read(POLL_SECONDS if left is None else min(left, POLL_SECONDS))
        return self.returncode  # type: ignore[return-value]

    def kill(self) -> None:
        """SIGKILL the zygote; one not forked yet never will be (the base sees this build gone)."""
        if self.returncode is not None:
            return
        self._read(0.0)
        if self._pid is None:
            self.returncode = -signal.SIGKILL
            self._close()
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _read(self, timeout: float) -> None:
        if self._connection is None:
            return
        if b"\n" not in self._buffer:
            if not select.select([self._connection], [], [], timeout)[0]:
                return
            chunk = self._connection.recv(65536)
            if not chunk:  # the base is gone and cannot say how the zygote ended
                if self.returncode is None:
                    self.returncode = -signal.SIGKILL
                self._close()
                return
            self._buffer += chunk
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            message = json.loads(line)
            if "pid" in message:
                self._pid = int(message["pid"])
            if "exited" in message:
                self.returncode = int(message["exited"])
                self._drain()
                return

    def _drain(self) -> None:
        """Wait (briefly) for the base to close the connection: it does when it has nothing left
        to do for this build, just before it leaves if it keeps nothing between builds."""
        deadline = time.monotonic() + 2.0
        try:
            while self._connection is not None and time.monotonic() < deadline and \
                    select.select([self._connection], [], [], 0.1)[0]:
                if not self._connection.recv(65536):
                    break
        except OSError:
            pass
        self._close()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def spawn(args: Sequence[str], cwd: Path, env: Mapping[str, str], log: int) -> WarmProcess:
    """A zygote (``python -m pipeline.zygote args``, in ``cwd`` with ``env``, its errors to the
    file descriptor ``log``) asked of the warm base for this environment, started if none
    listens. Returns at once: a new base's imports go on while the build checks its cache.
    Raises :class:`WarmError` if no base could be reached."""
    idle = idle_seconds(env)
    folder = base_folder(env)
    key = base_key(sys.executable, cwd, env)
    path = folder / f"{key}.sock"
    request = json.dumps({"args": list(args), "cwd": str(cwd), "env": dict(env), "idle": idle}).encode()
    connection = _connect(path)
    if connection is None:
        _start_base(path, folder / f"{key}.log", cwd, env, idle)
        connection = _connect(path)
        if connection is None:
            raise WarmError(f"the warm process at {path} did not start")
    stdin_r, stdin_w = os.pipe()
    stdout_r, stdout_w = os.pipe()
    try:
        socket.send_fds(connection, [_HEADER.pack(len(request))], [stdin_r, stdout_w, log])
        connection.sendall(request)
    except OSError as error:
        os.close(stdin_w)
        os.close(stdout_r)
        connection.close()
        raise WarmError(f"the warm process at {path} did not take the request: {error}") from None
    finally:
        os.close(stdin_r)  # the zygote's ends: the base holds copies now
        os.close(stdout_w)
    return WarmProcess(connection, stdin_w, stdout_r)


def _connect(path: Path) -> socket.socket | None:
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(path))
        return connection
    except (FileNotFoundError, ConnectionRefusedError):
        connection.close()
        return None


def _answer(connection: socket.socket, seconds: float = 10.0) -> dict[str, Any]:
    """The base's one-line answer (``{}`` if it closed, or said nothing within ``seconds``)."""
    data = b""
    deadline = time.monotonic() + seconds
    while b"\n" not in data and time.monotonic() < deadline:
        if select.select([connection], [], [], POLL_SECONDS)[0]:
            chunk = connection.recv(4096)
            if not chunk:
                return {}
            data += chunk
    return json.loads(data.split(b"\n", 1)[0]) if b"\n" in data else {}


def _start_base(path: Path, log: Path, cwd: Path, env: Mapping[str, str], idle: float) -> None:
    """Bind ``path`` and start a base serving it (detached: it outlives this build)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        temporary = path.with_name(f".{path.stem}.{os.getpid()}.sock")
        temporary.unlink(missing_ok=True)
        listener.bind(str(temporary))
        listener.listen(16)
        os.replace(temporary, path)  # a base that was there (not answering) is replaced
        # A process group of its own (Ctrl-C at the terminal does not reach it), in the build's
        # session: with the kernel's autogroup scheduling a session is a scheduling group, and the
        # lesson's renders in a session of their own took 114 and 137 s where the same renders
        # started directly took 102 and 114 s; in the build's session, 97 and 103 s against 112 s.
        with log.open("ab") as out:
            starter = subprocess.Popen(
                [sys.executable, "-m", "pipeline.warm", "--fd", str(listener.fileno()), "--socket", str(path),
                 "--idle", str(idle)],
                cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                pass_fds=(listener.fileno(),), process_group=0)
        starter.wait()  # it forks the base and leaves at once: the base is nobody's child
    finally:
        listener.close()


def stop_all(env: Mapping[str, str] | None = None) -> int:
    """Stop every warm base of this user (``python -m pipeline.warm --stop``; those in the
    ``TMPDIR`` of ``env``, if given), once their builds are done: how many answered."""
    try:
        folder = base_folder(env)
    except (OSError, WarmError):
        return 0
    stopped = 0
    for path in folder.glob("*.sock"):
        connection = _connect(path)
        if connection is None:
            path.unlink(missing_ok=True)
            continue
        with connection:
            try:
                socket.send_fds(connection, [_HEADER.pack(0)], [])
                stopped += bool(_answer(connection).get("stopping"))
            except OSError:
                pass
    return stopped


def zygote_command(args: Sequence[str]) -> list[str]:
    """The command that starts a zygote afresh, not forked from a base: ``python -m pipeline.zygote args``."""
    return [sys.executable, "-m", "pipeline.zygote", *args]


def serving(folder: Path) -> list[int]:
    """The pids of the processes whose command line names ``folder``: the warm bases serving
    sockets there (:func:`base_folder`), for the tests and the bench to find them."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(folder) in (proc / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(proc.name))
        except OSError:  # gone meanwhile
            pass
    return found


# -- the base process ------------------------------------------------------------------------------
def serve(listener: socket.socket, path: Path, idle: float, modules: Sequence[str] = BASE_MODULES) -> int:
    """The base's main loop: import ``modules``, then fork a zygote for each build that connects,
    until ``idle`` seconds pass with none (see the module docstring)."""
    started = time.monotonic()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001  (the zygote imports what is missing, and says why)
            print(f"warm: import {name} failed:", file=sys.stderr)
            traceback.print_exc()
    project = prepare_project(os.environ)
    base = _Base(listener, path, idle, project)
    print(f"warm: ready in {time.monotonic() - started:.1f} s, {len(base.stamp)} files watched; "
          f"idle limit {idle:g} s", file=sys.stderr, flush=True)
    base.run()
    print(f"warm: leaving after {base.served} builds", file=sys.stderr, flush=True)
    return 0


def prepare_project(env: Mapping[str, str]) -> dict[str, tuple[int, int]]:
    """Import :data:`PROJECT` and build the model of the lesson file ``env`` names: the stamp of
    the package's files as they were *before* they were read (a file changed while it was being
    imported is seen as changed). Empty if that fails (the zygote then does it, and says why)."""
    try:
        spec = importlib.util.find_spec(PROJECT)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return {}
    before = {}
    for folder in spec.submodule_search_locations:
        for file in Path(folder).rglob("*.py"):
            try:
                info = file.stat()
            except OSError:
                continue
            before[str(file)] = (info.st_mtime_ns, info.st_size)
    try:
        from mathcore.beats import model_of

        model_of(env.get("LESSON_FILE") or None)
    except BaseException:  # noqa: BLE001  (a lesson file being edited, say: the zygote reports it)
        print("warm: building the lesson model failed (each zygote builds it):", file=sys.stderr)
        traceback.print_exc()
    return {f: before.get(f, (-1, -1)) for f in _project_files()}


def _project_files() -> set[str]:
    return {m.__file__ for name, m in list(sys.modules.items())
            if (name == PROJECT or name.startswith(PROJECT + ".")) and getattr(m, "__file__", None)}


def forget_project() -> None:
    """Remove :data:`PROJECT`'s modules from this process (the next import reads them afresh)."""
    for name in [n for n in sys.modules if n == PROJECT or n.startswith(PROJECT + ".")]:
        del sys.modules[name]
    importlib.invalidate_caches()


class _Base:
    """The base's state: its socket, what its imports were read from, the builds it serves."""

    def __init__(self, listener: socket.socket, path: Path, idle: float,
                 project: dict[str, tuple[int, int]] | None = None) -> None:
        self.listener = listener
        self.path = path
        self.idle = idle
        self.project = dict(project or {})  # PROJECT's files, stamped before they were read
        self.stamp = {**_stamp(), **self.project}
        self.refresh_due = False  # PROJECT changed: imported afresh here once no build is served
        self.inode = _inode(path)
        self.sessions: dict[int, socket.socket] = {}  # zygote pid -> its build's connection
        self.cold: dict[int, subprocess.Popen] = {}  # zygotes started afresh (the base was stale)
        self.served = 0
        self.leaving = False
        self.wake_r = -1  # (run's wake-up pipe)

    def run(self) -> None:
        # A zygote's end wakes the loop (SIGCHLD, through a pipe), and so does a build: idle, it
        # sleeps until its time is up, or a second at most.
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        quiet_since = time.monotonic()
        while True:
            limit = self.idle if self.served else max(self.idle, FIRST_CONNECTION_SECONDS)
            wait = 1.0 if self.sessions or self.leaving else min(1.0, max(0.0, quiet_since + limit - time.monotonic()))
            readable = select.select([self.listener, self.wake_r], [], [], wait)[0]
            if self.wake_r in readable:
                _drained(self.wake_r)
            if self.listener in readable:
                connection, _ = self.listener.accept()
                self.serve_one(connection)
            for pid, code in reaped(self.sessions):
                connection = self.sessions.pop(pid)
                self.cold.pop(pid, None)
                _reply(connection, exited=code)
                connection.close()
                quiet_since = time.monotonic()
            if self.sessions:
                continue
            if self.leaving:
                break
            if self.refresh_due:
                self.refresh()
            if time.monotonic() - quiet_since >= limit:
                self.leave()  # then one more look: a build that connected just before is served
        self.listener.close()

    def refresh(self) -> None:
        """:data:`PROJECT` changed: import it afresh here too (between builds: the next one is
        forked with it)."""
        self.refresh_due = False
        started = time.monotonic()
        forget_project()
        self.project = prepare_project(os.environ)
        self.stamp = {**{f: v for f, v in self.stamp.items() if f not in self.project}, **self.project}
        stale = [f for f, v in self.stamp.items() if f not in self.project and _stamp_of(f) != v]
        print(f"warm: {PROJECT} imported afresh in {time.monotonic() - started:.1f} s"
              + (f" ({len(stale)} other files changed: the next build retires this base)" if stale else ""),
              file=sys.stderr, flush=True)

    def leave(self) -> None:
        """No new build finds this base: the next one starts another. It leaves once the builds
        it serves (and those that connected before this) are done."""
        if not self.leaving and _inode(self.path) == self.inode:  # not replaced by a newer base meanwhile
            self.path.unlink(missing_ok=True)
        self.leaving = True

    def serve_one(self, connection: socket.socket) -> None:
        """One build's request: fork its zygote (or start one afresh, if something the base
        imported has changed since); or, from ``stop_all``, leave."""
        fds: list[int] = []
        try:
            connection.settimeout(10)
            uid = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                            struct.calcsize("3i")))[1]
            if uid != os.getuid():
                connection.close()
                return
            header, fds, _, _ = socket.recv_fds(connection, _HEADER.size, 3)
            (length,) = _HEADER.unpack(header)
            if length == 0:  # stop_all
                self.leave()
                _reply(connection, stopping=True)
                connection.close()
                return
            request = json.loads(_received(connection, length))
            if len(fds) != 3:
                raise OSError(f"{len(fds)} file descriptors, not 3")
            self.served += 1
            self.idle = float(request.get("idle", self.idle))
            if _gone(connection):  # the build ended before its zygote started (it needed none)
                connection.close()
                return
            changed_files = _all_changed(self.stamp)
            fresh_project = bool(changed_files) and all(f in self.project for f in changed_files)
            changed = None if fresh_project or not changed_files else changed_files[0]
            if fresh_project:  # only the project's own code: forked, to import it afresh
                print(f"warm: {changed_files[0]} changed since the imports: the zygote imports {PROJECT} afresh",
                      file=sys.stderr, flush=True)
                self.refresh_due = True
            if changed:
                print(f"warm: {changed} changed since the imports: a zygote started afresh, then leaving",
                      file=sys.stderr, flush=True)
                self.leave()
                process = subprocess.Popen(zygote_command(request["args"]),
                                           cwd=request["cwd"], env=request["env"], stdin=fds[0], stdout=fds[1],
                                           stderr=fds[2])
                pid = process.pid
                self.cold[pid] = process  # (kept, so that subprocess never reaps it behind waitpid)
            else:
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _zygote(request, fds, [self.listener, connection, *self.sessions.values()],
                            [self.wake_r], fresh_project)  # never returns
            connection.settimeout(None)
            self.sessions[pid] = connection
            _reply(connection, pid=pid)
        except (OSError, ValueError, KeyError, struct.error) as error:
            print(f"warm: a request failed: {error}", file=sys.stderr, flush=True)
            connection.close()
        finally:
            for fd in fds:
                os.close(fd)


def _drained(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def _received(connection: socket.socket, length: int) -> bytes:
    body = b""
    while len(body) < length:
        chunk = connection.recv(length - len(body))
        if not chunk:
            raise OSError("the build went away")
        body += chunk
    return body


def _gone(connection: socket.socket) -> bool:
    """Has the build closed its end?"""
    if not select.select([connection], [], [], 0)[0]:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _zygote(request: Mapping[str, Any], fds: Sequence[int], sockets: Sequence[socket.socket],
            others: Sequence[int], fresh_project: bool = False) -> None:
    """In the forked child: become the build's zygote, with its pipes, folder and environment
    (``fresh_project``: :data:`PROJECT`'s modules forgotten first, to be imported afresh)."""
    code = 1
    try:
        if fresh_project:
            forget_project()
        wake_w = signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for s in sockets:
            s.close()
        for fd in [*others, wake_w]:
            os.close(fd)
        for fd, target in zip(fds, (0, 1, 2), strict=True):
            os.dup2(fd, target)
        for fd in set(fds) - {0, 1, 2}:  # (a render holding the message pipe would hide the zygote's end)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.argv = ["pipeline.zygote", *request["args"]]
        from pipeline.zygote import main

        print(f"zygote: forked from the warm process {os.getppid()}", file=sys.stderr, flush=True)
        code = main(request["args"])
    except BaseException:  # noqa: BLE001  (in the zygote's log; the build sees the exit status)
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _reply(connection: socket.socket, **message: Any) -> None:
    try:
        connection.sendall((json.dumps(message) + "\n").encode())
    except OSError:
        pass


def reaped(children: Mapping[int, Any]) -> list[tuple[int, int]]:
    """The children that have ended, with their exit codes as ``Popen.returncode`` gives them
    (also the zygote's, for its renders)."""
    done = []
    for pid in list(children):
        try:
            got, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done.append((pid, -1))
            continue
        if got:
            done.append((pid, os.waitstatus_to_exitcode(status)))
    return done


def _stamp() -> dict[str, tuple[int, int]]:
    """What the base's imports were read from: every module file and ``sys.path`` folder, with
    its modification time and size."""
    files = {getattr(m, "__file__", None) for m in list(sys.modules.values())}
    # The folders packages are installed in (one installed or removed changes its time), not
    # the others on the path: the working folder and the project's change with every build.
    prefixes = tuple(os.path.join(p, "") for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
    files |= {p for p in sys.path if os.path.join(p, "").startswith(prefixes)}
    stamp = {}
    for name in sorted(f for f in files if f):
        try:
            info = os.stat(name)
        except OSError:
            continue
        stamp[name] = (info.st_mtime_ns, info.st_size)
    return stamp


def _all_changed(stamp: Mapping[str, tuple[int, int]]) -> list[str]:
    """Every file of ``stamp`` that is not as it was."""
    return [name for name, was in stamp.items() if _stamp_of(name) != was]


def _stamp_of(name: str) -> tuple[int, int] | None:
    try:
        info = os.stat(name)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pipeline.warm", description=__doc__.splitlines()[0])
    parser.add_argument("--fd", type=int, help="(for the pipeline) the listening socket's file descriptor")
    parser.add_argument("--socket", type=Path, help="(for the pipeline) the socket's path")
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE_MINUTES * 60,
                        help="seconds to wait for the next build")
    parser.add_argument("--stop", action="store_true", help="stop every warm process of this user")
    args = parser.parse_args(argv)
    if args.stop:
        print(f"stopped {stop_all(os.environ)} warm processes")
        return 0
    if args.fd is None or args.socket is None:
        parser.error("--fd and --socket are given by the pipeline (or use --stop)")
    if os.fork():  # the starter leaves at once; the base is nobody's child (no zombie, no wait)
        return 0
    # It holds no folder of the build's (each zygote goes to its own). Its import path was set at
    # start-up, from the build's folder (in its key); manim reads no manim.cfg here or there.
    os.chdir("/")
    listener = socket.socket(fileno=args.fd)
    return serve(listener, args.socket, args.idle)


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
