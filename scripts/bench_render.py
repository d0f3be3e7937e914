"""Benchmark of the render pipeline (``make bench-render``; not a test).

1. Render the whole lesson from an empty media folder (``--quality``, default the pipeline's
   default), 2 jobs at a time: each scene's render time, the total, the video's length and the
   ratio of the two; and where each render's time went (start-up, TeX, scene logic, drawing,
   handing frames to the encoder, closing the movie, and the encoder threads' CPU), measured
   inside the renders by ``scripts/phases/sitecustomize.py``.
2. The encode floor: the time PyAV's libx264 takes, with manim's own encoder settings, to encode
   as many frames as the lesson has, of its size and frame rate, made from a few runs of
   consecutive frames decoded from the lesson just rendered, cycled. A render encodes the same
   frames the same way, so it cannot be much faster than that; the render's time is reported as
   a multiple of it. As a check of how well those few frames stand for the lesson (unless
   ``--no-reference``), every frame of the lesson is encoded again the same way, timing only the
   encoding.
3. The same render again with nothing changed, five times: the time of a run that renders
   nothing (the median of the five, and the fastest; it should be well under 1 s).
4. One scene's code changed (a harmless line added to its class, in the snapshot), three times
   one after the other: the median time, against that scene's share of the floor, and which
   scenes rendered again (only that one should).

The figures also go to a JSON file (its path is printed), to be quoted. ``--floor-only`` measures
only the floor, for ``--frames N`` at ``--quality``, from frames of the lesson already rendered at
that quality under ``media/`` (or ``--frames-from VIDEO``), else from drawn frames.

``--nothing-changed`` (``make bench-nochange``) measures only step 3, on the project itself: ``make
QUALITY=...`` run ``--runs`` times (5) on the lesson already rendered under ``media/`` (a first run
renders what is missing and is not counted), with ``make``'s own overhead (its ``install``
prerequisite) and Python's start-up included, as a user types it; then its parts, each timed the
same number of times: the interpreter starting (``python -c pass``), ``scripts/system-deps``, and
``python -m pipeline render`` alone, with its memo (``media/cache/digests.json``) and, with
``--cold``, without it (deleted before each run: every source read and the lesson file validated,
as before the memo; the memo is written again by the last run).

With ``--tex-strategies`` it first compares two ways of running scenes in parallel, from cold:
each job in its own media folder compiling its own TeX (what the pipeline does), against a
warm-up pass that compiles every scene's TeX first (manim's ``-s``: last frame only), each job
then starting with that TeX.

Everything happens in a temporary folder, on a snapshot of ``scenes/`` and ``mathcore/``, so
code being edited meanwhile does not disturb the measurement.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PHASES = ROOT / "scripts" / "phases"  # its sitecustomize times the parts of each render
PHASES_SHOWN = ("startup", "tex", "logic", "raster", "handoff", "finish")
sys.path.insert(0, str(ROOT))

from pipeline.cache import seed_tex  # noqa: E402
from pipeline.layout import Layout  # noqa: E402
from pipeline.quality import DEFAULT_QUALITY, Quality, quality  # noqa: E402
from pipeline.render import manim_command  # noqa: E402
from pipeline.warm import serving, stop_all  # noqa: E402

# How manim 0.21 encodes every partial movie file (SceneFileWriter.open_partial_movie_stream) of
# an .mp4 without transparency, which is what the pipeline renders: it passes manim only -q<flag>,
# --disable_caching and --save_sections (pipeline.render), none of which touches the encoder.
# RGBA frames go in one by one (av.VideoFrame.from_ndarray(frame, format="rgba")), libx264 at crf
# 23 with the preset and tuning the scenes choose for the quality (scenes.encoder; libx264's
# default preset, medium, where they choose none); the codec context's threads are PyAV's defaults.
MANIM_CODEC = "libx264"
MANIM_PIX_FMT = "yuv420p"
MANIM_FRAME_FORMAT = "rgba"
# The frames the floor cycles through: runs of consecutive frames, so that the encoder sees the
# lesson's small changes from frame to frame. Single frames far apart make every frame a scene
# cut, which x264 encodes 2-3 times slower than the lesson's own frames.
CLIPS = 8
CLIP_FRAMES = 30
FRAMES_MEMORY = 2 << 30  # bytes of RGBA frames held at once, at most: at 4k, shorter runs
REFERENCE_BATCH = 300  # frames of the lesson decoded ahead at a time, for the reference re-encode
SAY_EVERY = 10.0  # seconds between progress lines while encoding
NOTHING_CHANGED_LIMIT = 1.0  # seconds a run that renders nothing may take
ONE_SCENE_RUNS = 3  # changes of one scene timed in step 4 (the median counts)
NOTHING_CHANGED_RUNS = 5  # the median is quoted, and the fastest: on a shared machine, waiting for the CPU only adds


@dataclass(frozen=True)
class Floor:
    """One measurement of the encode floor."""

    frames: int
    width: int
    height: int
    fps: int
    seconds: float  # wall time of the encoding: file opened to closed, conversion from RGBA included
    cpu_seconds: float  # this process's CPU time in it (every encoder thread)
    codec: str
    pix_fmt: str
    options: dict[str, str]
    source: str  # what the frames were made from
    video: str  # the file written

    @property
    def duration(self) -> float:
        return self.frames / self.fps


class _Stopwatch:
    """Wall and CPU time summed over the ``with`` blocks it times."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> None:
        self._wall, self._cpu = time.monotonic(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.wall += time.monotonic() - self._wall
        self.cpu += time.process_time() - self._cpu


def encode_floor(frames: Sequence[np.ndarray], count: int, q: Quality, out: Path, source: str = "",
                 say: Callable[[str], None] | None = None) -> Floor:
    """Encode ``count`` frames, ``frames`` cycled (RGBA arrays of ``q``'s size), into ``out`` as
    manim does (``MANIM_*``), at ``q``'s frame rate; how long that took."""
    if count < 1 or not frames:
        raise ValueError(f"need at least one frame to make and one to encode, got {count} of {len(frames)}")
    for frame in frames:
        _check_frame(frame, q)
    frames = [np.ascontiguousarray(f) for f in frames]
    cycled = (frames[i % len(frames)] for i in range(count))
    return _encode([cycled], count, q, out, source, say)


def reencode(video: Path, q: Quality, out: Path, say: Callable[[str], None] | None = None) -> Floor:
    """Encode every frame of ``video`` again into ``out`` as manim does, timing only the encoding:
    the frames are decoded ahead, a batch at a time, while the clock stands still. A reference for
    the floor: the lesson's own frames rather than a few of them cycled."""
    import av

    batch = max(1, min(REFERENCE_BATCH, FRAMES_MEMORY // (q.width * q.height * 4)))

    def batches() -> Iterator[list[np.ndarray]]:
        with av.open(str(video)) as container:
            frames: list[np.ndarray] = []
            for frame in container.decode(video=0):
                frames.append(_check_frame(frame.to_ndarray(format=MANIM_FRAME_FORMAT), q))
                if len(frames) == batch:
                    yield frames
                    frames = []
            if frames:
                yield frames

    source = f"every frame of {video.name}, decoded ahead {batch} at a time (decoding not timed)"
    return _encode(batches(), video_frames(video), q, out, source, say)


def _check_frame(frame: np.ndarray, q: Quality) -> np.ndarray:
    shape = (q.height, q.width, 4)
    if frame.shape != shape or frame.dtype != np.uint8:
        raise ValueError(f"frames must be {shape} uint8 RGBA arrays, got {frame.shape} {frame.dtype}")
    return frame


def _encode(batches: Iterable[Iterable[np.ndarray]], total: int, q: Quality, out: Path, source: str,
            say: Callable[[str], None] | None) -> Floor:
    """Encode the batches' frames in turn, timing the encoding but not the making of each batch."""
    import av

    watch = _Stopwatch()
    started = last_said = time.monotonic()
    count = 0
    with watch:
        container = av.open(str(out), mode="w")
    try:
        with watch:
            stream = container.add_stream(MANIM_CODEC, rate=Fraction(q.fps), options=encoder_options(q))
            stream.pix_fmt = MANIM_PIX_FMT
            stream.width = q.width
            stream.height = q.height
        for batch in batches:
            with watch:
                for frame in batch:
                    for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format=MANIM_FRAME_FORMAT)):
                        container.mux(packet)
                    count += 1
                    if say is not None and time.monotonic() - last_said >= SAY_EVERY:
                        last_said = time.monotonic()
                        say(f"  {count}/{total} frames encoded in {last_said - started:.0f} s")
        with watch:
            for packet in stream.encode():
                container.mux(packet)
            container.close()
    finally:
        container.close()
    return Floor(count, q.width, q.height, q.fps, watch.wall, watch.cpu, MANIM_CODEC, MANIM_PIX_FMT,
                 encoder_options(q), source, str(out))


def encoder_options(q: Quality) -> dict[str, str]:
    """The libx264 options a render at ``q`` encodes with (:mod:`scenes.encoder`)."""
    from scenes.encoder import x264_options

    return x264_options(q.manim_name)


def clip_frames(q: Quality, clips: int = CLIPS, length: int = CLIP_FRAMES) -> int:
    """How many frames each of ``clips`` runs gets at ``q``: ``length``, or fewer to keep all of
    them within ``FRAMES_MEMORY``."""
    return max(1, min(length, FRAMES_MEMORY // (clips * q.width * q.height * 4)))


def sample_clips(video: Path, clips: int = CLIPS, length: int = CLIP_FRAMES) -> list[np.ndarray]:
    """``clips`` runs of ``length`` consecutive frames of ``video``, as RGBA arrays, one after the
    other: run ``k`` starts at ``(k + 1/2) / clips`` of the video (and is shorter if the video
    ends first)."""
    import av

    frames: list[np.ndarray] = []
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        if stream.duration is None or stream.time_base is None:
            raise ValueError(f"{video}: video stream has no duration")
        start = stream.start_time or 0
        for k in range(clips):
            target = start + round(stream.duration * (2 * k + 1) / (2 * clips))
            container.seek(target, stream=stream)  # to the key frame before: decode up to target
            run: list[np.ndarray] = []
            for frame in container.decode(stream):
                if frame.pts is not None and frame.pts < target:
                    continue
                run.append(frame.to_ndarray(format=MANIM_FRAME_FORMAT))
                if len(run) == length:
                    break
            frames += run
    return frames


def drawn_frames(q: Quality, clips: int = CLIPS, length: int = CLIP_FRAMES) -> list[np.ndarray]:
    """Frames for a floor without a rendered lesson: ``clips`` runs of ``length`` frames, each a
    layout of light bars (like lines of formulas) on manim's black background, placed at random
    (the same each run), in which one bar slides and another grows, as in an animation."""
    rng = np.random.default_rng(0)
    frames = []
    for _ in range(clips):
        base = np.zeros((q.height, q.width, 4), np.uint8)
        base[..., 3] = 255
        bars = []
        for _ in range(30):
            h = int(rng.integers(2, max(3, q.height // 30)))
            w = int(rng.integers(max(1, q.width // 40), max(2, q.width // 4)))
            y, x = int(rng.integers(0, q.height - h)), int(rng.integers(0, q.width - w))
            colour = rng.integers(80, 256, 3)
            base[y:y + h, x:x + w, :3] = colour
            bars.append((y, x, h, w, colour))
        (y1, x1, h1, w1, c1), (y2, x2, h2, w2, c2) = bars[:2]
        for j in range(length):
            frame = base.copy()
            dx = (x1 + 4 * j) % max(1, q.width - w1)
            frame[y1:y1 + h1, dx:dx + w1, :3] = c1
            frame[y2:y2 + h2, x2:x2 + max(1, w2 * (j + 1) // length), :3] = c2 // 2
            frames.append(frame)
    return frames


def video_frames(video: Path) -> int:
    """The number of frames in ``video``'s header."""
    import av

    with av.open(str(video)) as container:
        return container.streams.video[0].frames


def compare_settings(floor: Path, rendered: Path) -> tuple[bool, str]:
    """Whether the floor's video was encoded with the same x264 settings as ``rendered``; a line
    saying so."""
    from scenes.encoder import written_options

    ours, theirs = written_options(floor), written_options(rendered)
    if ours is None or theirs is None:
        return False, f"cannot compare encoder settings: no x264 options in {floor if ours is None else rendered}"
    if ours == theirs:
        return True, "the floor's x264 settings are the rendered scenes' (the same options line)"
    a, b = set(ours.split()), set(theirs.split())
    return False, f"DIFFERENT x264 settings: floor {' '.join(sorted(a - b))}, scenes {' '.join(sorted(b - a))}"


def rendered_lesson(media: Path, q: Quality) -> Path | None:
    """The video of the default lesson rendered at ``q`` under ``media``, if there is one."""
    found = sorted((media / "lesson" / q.name).glob("*.chapters.json"))
    if not found:
        return None
    video = found[0].parent / json.loads(found[0].read_text())["video"]
    return video if video.is_file() else None


def prepare_frames(video: Path | None, q: Quality, clips: int = CLIPS,
                   length: int = CLIP_FRAMES) -> tuple[list[np.ndarray], str]:
    """The frames the floor cycles through, from ``video`` (drawn ones if ``None``), and what
    they are, in words."""
    length = clip_frames(q, clips, length)
    if video is None:
        frames = drawn_frames(q, clips, length)
        what = f"{clips} drawn runs of {length} frames (no rendered lesson to take them from)"
    else:
        frames = sample_clips(video, clips, length)
        what = f"{clips} runs of {length} consecutive frames decoded from {video.name}, evenly spread"
    say(f"  prepared {len(frames)} frames: {what}")
    return frames, f"{what}, played in turn and cycled"


def describe_floor(floor: Floor, what: str = "encode floor") -> str:
    return (f"{what}: {floor.frames} frames ({floor.duration:.1f} s of video) at {floor.width}x{floor.height}, "
            f"{floor.fps} fps in {floor.seconds:.1f} s ({floor.cpu_seconds:.1f} s of CPU, "
            f"{floor.frames / floor.seconds:.0f} frames/s, {floor.seconds / floor.duration:.3f} s per second of video); "
            f"{floor.codec} {floor.pix_fmt} {' '.join(f'{k}={v}' for k, v in floor.options.items())}; "
            f"frames: {floor.source}")


def summary_path(given: str | None, q: Quality, what: str) -> Path:
    if given:
        return Path(given)
    return ROOT / "media" / "bench" / f"{what}-{q.name}-{time.strftime('%Y%m%d-%H%M%S')}.json"


def write_summary(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nsummary: {path}", flush=True)


def environment() -> dict[str, Any]:
    """What the figures were measured on and with."""
    import av
    from importlib.metadata import version

    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "commit": commit.stdout.strip() or None,
            "manim": version("manim"), "pyav": av.__version__, "python": platform.python_version(),
            "cores": len(os.sched_getaffinity(0)), "load_average": os.getloadavg()}


def say(text: str) -> None:
    print(text, flush=True)


def floor_only(args: argparse.Namespace) -> int:
    """``--floor-only``: the floor for ``--frames`` frames at ``--quality``, and its summary."""
    q = quality(args.quality)
    if args.frames is None or args.frames < 1:
        raise SystemExit("--floor-only needs --frames N (N >= 1): how many frames to encode")
    video = Path(args.frames_from) if args.frames_from else rendered_lesson(ROOT / "media", q)
    if video is not None and not video.is_file():
        raise SystemExit(f"no video {video}")
    say(f"== encode floor: {args.frames} frames at {q.describe()}")
    frames, source = prepare_frames(video, q, args.clips, args.clip_frames)
    summary: dict[str, Any] = {"quality": q.name}
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        floor = encode_floor(frames, args.frames, q, Path(tmp) / "floor.mp4", source, say)
        say(describe_floor(floor))
        summary["floor"] = asdict(floor)
        if args.reference and video is None:
            say("no reference: there is no rendered lesson to encode again")
        elif args.reference:
            say(f"== reference: every frame of {video} encoded again")
            ref = reencode(video, q, Path(tmp) / "reference.mp4", say)
            say(describe_floor(ref, "reference"))
            say(f"floor / reference: {floor.seconds / floor.frames / (ref.seconds / ref.frames):.2f} per frame "
                f"({floor.cpu_seconds / floor.frames / (ref.cpu_seconds / ref.frames):.2f} in CPU time)")
            summary["reference"] = asdict(ref)
    write_summary(summary_path(args.json, q, "encode-floor"), summary | {"environment": environment()})
    return 0


@dataclass(frozen=True)
class Times:
    """Several runs of one command: wall and CPU seconds of each, and the load around them."""

    runs: tuple[tuple[float, float], ...]  # (wall, CPU) seconds
    load: tuple[float, float]  # the 1-minute load average before the first run and after the last

    @classmethod
    def of(cls, runs: Sequence[tuple[float, float]], load_before: float | None = None) -> Times:
        return cls(tuple(runs), (os.getloadavg()[0] if load_before is None else load_before, os.getloadavg()[0]))

    @property
    def median(self) -> float:
        return statistics.median(wall for wall, _ in self.runs)

    def describe(self) -> str:
        walls = ", ".join(f"{wall:.2f}" for wall, _ in self.runs)
        cpu = statistics.median(c for _, c in self.runs)
        return (f"median {self.median:.2f} s, fastest {min(w for w, _ in self.runs):.2f} s ({walls} s; median CPU "
                f"{cpu:.2f} s; load average {self.load[0]:.1f} to {self.load[1]:.1f} on "
                f"{len(os.sched_getaffinity(0))} cores)")

    def record(self) -> dict[str, Any]:
        return {"median_seconds": round(self.median, 3), "fastest_seconds": round(min(w for w, _ in self.runs), 3),
                "runs": [{"seconds": round(w, 3), "cpu_seconds": round(c, 3)} for w, c in self.runs],
                "load_average": [round(x, 2) for x in self.load]}


def timed(command: Sequence[str], times: int, before: Callable[[], None] | None = None,
          check: Callable[[str], None] | None = None) -> Times:
    """Run ``command`` (in the project folder) ``times`` times: wall and CPU time of each run
    (``before`` runs before each, untimed; ``check`` reads each run's output)."""
    load = os.getloadavg()[0]
    runs = []
    for _ in range(times):
        if before is not None:
            before()
        cpu = _children_cpu()
        started = time.monotonic()
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
        if run.returncode:
            raise SystemExit(f"{' '.join(command)} failed (exit {run.returncode}):\n{run.stdout}{run.stderr}")
        if check is not None:
            check(run.stdout)
        runs.append((wall, _children_cpu() - cpu))
    return Times.of(runs, load)


def nothing_changed_only(args: argparse.Namespace) -> int:
    """``--nothing-changed``: ``make`` with nothing to do, on the lesson rendered under ``media/``,
    and its parts."""
    q = quality(args.quality)
    lesson = [f"LESSON={args.lesson}"] if args.lesson else []
    make = ["make", "--no-print-directory", f"QUALITY={q.name}", *lesson]
    pipeline = [sys.executable, "-m", "pipeline", "render", "--quality", q.name,
                *(["--lesson", args.lesson] if args.lesson else [])]
    memo = Layout(ROOT / "media").memo_file

    def rendered_nothing(out: str) -> None:
        if " 0 rendered" not in out or "up to date" not in out:
            raise SystemExit(f"something changed during the benchmark (a scene rendered or the video was joined "
                             f"again):\n{out}")

    say(f"== {' '.join(make)}: once to render what is missing (not counted)")
    first = subprocess.run(make, cwd=ROOT, capture_output=True, text=True)
    if first.returncode:
        raise SystemExit(f"make failed (exit {first.returncode}):\n{first.stdout}{first.stderr}")
    say(first.stdout.strip().splitlines()[-4] if first.stdout.strip() else "(no output)")
    parts = {
        "make": (make, None),
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "scripts/system-deps": ([str(ROOT / "scripts" / "system-deps")], None),
        "python -m pipeline render": (pipeline, None),
    }
    if args.cold:
        parts["python -m pipeline render, no memo"] = (pipeline, lambda: memo.unlink(missing_ok=True))
    summary: dict[str, Any] = {"quality": q.name, "runs_each": args.runs,
                               "python_writes_bytecode": not os.environ.get("PYTHONDONTWRITEBYTECODE")}
    for label, (command, before) in parts.items():
        times = timed(command, args.runs, before, rendered_nothing if "pipeline" in label or label == "make" else None)
        say(f"{label}: {times.describe()}")
        summary[label] = times.record()
    if args.cold:
        subprocess.run(pipeline, cwd=ROOT, capture_output=True)  # the memo back for the next make
    write_summary(summary_path(args.json, q, "bench-nochange"), summary | {"environment": environment()})
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quality", default=DEFAULT_QUALITY, help=f"default: {DEFAULT_QUALITY}")
    ap.add_argument("--lesson", help="lesson file (default: the default lesson)")
    ap.add_argument("--change", help="the scene to change in step 4 (default: the second one)")
    ap.add_argument("--tex-strategies", action="store_true", help="also compare the two TeX strategies")
    ap.add_argument("--floor-only", action="store_true", help="measure only the encode floor (needs --frames)")
    ap.add_argument("--frames", type=int, help="with --floor-only: how many frames to encode")
    ap.add_argument("--frames-from", metavar="VIDEO",
                    help="with --floor-only: the video the frames come from (default: the lesson rendered "
                         "at --quality under media/, else drawn frames)")
    ap.add_argument("--clips", type=int, default=CLIPS, help=f"runs of frames the floor cycles through ({CLIPS})")
    ap.add_argument("--clip-frames", type=int, default=CLIP_FRAMES,
                    help=f"frames in each run ({CLIP_FRAMES}; fewer where they would take over 2 GiB)")
    ap.add_argument("--reference", action=argparse.BooleanOptionalAction,
                    help="also encode every frame of the rendered lesson again, as a check of the floor "
                         "(default: yes, but no with --floor-only)")
    ap.add_argument("--nothing-changed", action="store_true",
                    help="measure only make with nothing changed, on the lesson rendered under media/")
    ap.add_argument("--runs", type=int, default=NOTHING_CHANGED_RUNS,
                    help=f"with --nothing-changed: runs of each command ({NOTHING_CHANGED_RUNS})")
    ap.add_argument("--cold", action="store_true",
                    help="with --nothing-changed: also time the pipeline without its memo of digests")
    ap.add_argument("--json", help="the summary file (default: media/bench/<what>-<quality>-<time>.json)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    if args.floor_only:
        return floor_only(args)
    if args.nothing_changed:
        return nothing_changed_only(args)
    if args.reference is None:
        args.reference = True

    tmp = Path(tempfile.mkdtemp(prefix="bench-render-"))
    bench = None
    try:
        src = tmp / "src"
        for package in ("scenes", "mathcore"):
            shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
        sys.path.insert(0, str(src))  # this process reads the snapshot's scene list too
        bench = Bench(src, tmp / "media", args)
        if args.tex_strategies:
            bench.tex_strategies(tmp / "strategies")
        bench.run(tmp / "floor.mp4")
    finally:
        if bench is not None:
            stop_all(bench.env)  # its warm process, kept between its builds (pipeline/warm.py)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


class Bench:
    def __init__(self, src: Path, media: Path, args: argparse.Namespace) -> None:
        self.src = src
        self.cwd = src.parent  # not the project folder: its scenes/ would come before the snapshot
        self.media = media
        self.args = args
        self.quality = quality(args.quality)
        # The renders also say where their time goes (scripts/phases/sitecustomize.py).
        self.phases = media.parent / "phases"
        self.phases.mkdir(parents=True, exist_ok=True)
        # Its warm process (kept between the builds, as for a user) in a folder of its own.
        self.warm = media.parent / "tmp"
        self.warm.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "BENCH_PHASES": str(self.phases), "TMPDIR": str(self.warm),
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(PHASES), str(src), os.environ.get("PYTHONPATH")]))}

    def pipeline(self, label: str) -> tuple[float, float, str]:
        """Run ``python -m pipeline render``, its lines shown as they come; its wall time, the CPU
        time of it and its manim processes (less disturbed by other work on the machine), and its
        output."""
        command = [sys.executable, "-m", "pipeline", "render", "--jobs", str(self.args.jobs),
                   "--quality", self.args.quality, "--media", str(self.media)]
        if self.args.lesson:
            command += ["--lesson", str(Path(self.args.lesson).resolve())]
        say(f"\n== {label}")
        cpu = _children_cpu(self.warm)
        started = time.monotonic()
        lines = []
        with subprocess.Popen(command, cwd=self.cwd, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as run:
            assert run.stdout is not None
            for line in run.stdout:
                lines.append(line)
                print(line, end="", flush=True)
        seconds = time.monotonic() - started
        if run.returncode:
            raise SystemExit(f"the pipeline failed (exit {run.returncode})")
        return seconds, _children_cpu(self.warm) - cpu, "".join(lines)

    def record(self) -> tuple[Path, dict]:
        (manifest,) = self.media.glob(f"lesson*/{self.quality.name}/*.chapters.json")
        return manifest, json.loads(manifest.read_text())

    def run(self, floor_video: Path) -> None:
        q = self.quality
        summary: dict[str, Any] = {"quality": q.name, "size": f"{q.width}x{q.height}", "fps": q.fps,
                                   "jobs": self.args.jobs, "load_average_at_start": os.getloadavg()}
        first, first_cpu, _ = self.pipeline(f"1. everything at {q.describe()}, from an empty media folder, {self.args.jobs} jobs")
        manifest, rec = self.record()
        lesson_video = manifest.parent / rec["video"]
        layout = Layout(self.media)
        entries = [json.loads((layout.entry(s["key"]) / "entry.json").read_text()) for s in rec["scenes"]]
        scenes = [{"scene": s["scene"], "render_seconds": e["render_seconds"],
                   "frames": sum(int(x["frames"]) for x in e["sections"]), "duration": s["duration"]}
                  for s, e in zip(rec["scenes"], entries, strict=True)]
        frames = sum(s["frames"] for s in scenes)
        in_header = video_frames(lesson_video)
        total = sum(s["render_seconds"] for s in scenes)

        say(f"\n== 2. encode floor: {frames} frames (the scenes' section frame counts; the lesson video's "
            f"header says {in_header}) at {q.describe()}")
        samples, source = prepare_frames(lesson_video, q, self.args.clips, self.args.clip_frames)
        floor = encode_floor(samples, frames, q, floor_video, source, say)
        del samples
        say(describe_floor(floor))
        first_scene = layout.entry(rec["scenes"][0]["key"]) / f"{rec['scenes'][0]['scene']}.mp4"
        same, verdict = compare_settings(floor_video, first_scene)
        say(verdict)
        ref = None
        if self.args.reference:
            say("\n== 2b. reference for the floor: every frame of the rendered lesson encoded again the same way")
            ref = reencode(lesson_video, q, floor_video.with_name("reference.mp4"), say)
            say(describe_floor(ref, "reference"))
            say(f"floor / reference: {floor.seconds / ref.seconds:.2f} in wall time, "
                f"{floor.cpu_seconds / ref.cpu_seconds:.2f} in CPU time")

        say(f"\n{'scene':<22} {'render s':>9} {'frames':>7} {'video s':>8} {'ratio':>6}")
        for s in scenes:
            say(f"{s['scene']:<22} {s['render_seconds']:>9.1f} {s['frames']:>7} {s['duration']:>8.1f} "
                f"{s['render_seconds'] / s['duration']:>6.2f}")
        say(f"{'sum of scene renders':<22} {total:>9.1f} {frames:>7} {rec['duration']:>8.1f}")
        phases = read_phases(self.phases, [s["scene"] for s in scenes])
        for line in phase_table(phases, {s["scene"]: s["frames"] for s in scenes}):
            say(line)
        say(f"whole lesson: rendered in {first:.1f} s for {rec['duration']:.1f} s of video "
            f"({self.args.jobs} jobs; {total / first:.2f} scenes rendering on average; {first_cpu:.0f} s of CPU)")
        say(f"  {first / rec['duration']:.2f} x the video's duration ({rec['duration']:.1f} s)")
        say(f"  {first / floor.seconds:.2f} x the encode floor ({floor.seconds:.1f} s; "
            f"in CPU time {first_cpu / floor.cpu_seconds:.2f} x)")
        if ref is not None:
            say(f"  {first / ref.seconds:.2f} x the reference re-encode of its own frames ({ref.seconds:.1f} s; "
                f"in CPU time {first_cpu / ref.cpu_seconds:.2f} x)")
        summary |= {
            "scenes": scenes,
            "phases": phases,
            "lesson": {"scenes": len(scenes), "frames": frames, "frames_in_video_header": in_header,
                       "video_seconds": rec["duration"], "render_seconds": round(first, 2),
                       "sum_of_scene_render_seconds": round(total, 2), "cpu_seconds": round(first_cpu, 1)},
            "floor": asdict(floor) | {"same_x264_settings_as_scenes": same, "settings_check": verdict},
            "render_per_video_second": round(first / rec["duration"], 3),
            "render_per_floor": round(first / floor.seconds, 3),
            "render_cpu_per_floor_cpu": round(first_cpu / floor.cpu_seconds, 3),
        }
        if ref is not None:
            summary["reference"] = asdict(ref)
            summary["render_per_reference"] = round(first / ref.seconds, 3)
            summary["render_cpu_per_reference_cpu"] = round(first_cpu / ref.cpu_seconds, 3)

        runs = [self.pipeline(f"3. again, nothing changed ({i + 1} of {NOTHING_CHANGED_RUNS})")
                for i in range(NOTHING_CHANGED_RUNS)]
        times = Times.of([(wall, cpu) for wall, cpu, _ in runs])
        nothing = all(" 0 rendered" in out for _, _, out in runs)
        second = times.median
        say(f"nothing-changed run: {times.describe()} "
            f"({'nothing rendered' if nothing else 'RENDERED SOMETHING'}; "
            f"{'under' if second < NOTHING_CHANGED_LIMIT else 'NOT under'} {NOTHING_CHANGED_LIMIT:.0f} s)")
        summary["nothing_changed"] = times.record() | {"rendered_nothing": nothing,
                                                       f"under_{NOTHING_CHANGED_LIMIT:.0f}_s": second < NOTHING_CHANGED_LIMIT}

        names = [s["scene"] for s in rec["scenes"]]
        changed = self.args.change or names[min(1, len(names) - 1)]
        # A few changes, one after the other (each adds a line to the class): one run is a few
        # seconds, so the machine's other tenants move it by a tenth or more; the median counts.
        edits, verdicts, load = [], set(), os.getloadavg()[0]
        keys = {s["scene"]: s["key"] for s in rec["scenes"]}
        for i in range(ONE_SCENE_RUNS):
            touch_class(self.src / "scenes", changed)
            wall, cpu, _ = self.pipeline(f"4. after changing the code of {changed} ({i + 1} of {ONE_SCENE_RUNS})")
            after = {s["scene"]: s["key"] for s in self.record()[1]["scenes"]}
            again = [n for n in names if keys[n] != after[n]]
            verdicts.add("only that scene" if again == [changed] else f"UNEXPECTED: {', '.join(again) or 'none'}")
            edits.append((wall, cpu))
            keys = after
        times = Times.of(edits, load)
        third = times.median
        verdict = "; ".join(sorted(verdicts))
        # The issue's bar: under 3 times the scene's share of the floor (its frames' part of it).
        share = floor.seconds * next(s["frames"] for s in scenes if s["scene"] == changed) / frames
        say(f"one scene changed: {times.describe()}; the median = {third / share:.2f} x its share of the encode "
            f"floor ({share:.2f} s; bar 3 x); rendered again each time: {changed} ({verdict})")
        summary["one_scene_changed"] = times.record() | {
            "scene": changed, "seconds": round(third, 2), "rendered_again": verdict,
            "floor_share_seconds": round(share, 3), "per_floor_share": round(third / share, 3)}

        reference = f" = {first / ref.seconds:.2f} x reference ({ref.seconds:.1f} s)" if ref is not None else ""
        say(f"\nwhole lesson {first:.1f} s = {first / rec['duration']:.2f} x video ({rec['duration']:.1f} s) "
            f"= {first / floor.seconds:.2f} x encode floor ({floor.seconds:.1f} s){reference}; "
            f"nothing changed {second:.2f} s (median)")
        write_summary(summary_path(self.args.json, q, "bench-render"), summary | {"environment": environment()})

    def tex_strategies(self, folder: Path) -> None:
        """Time two ways to run the scenes in parallel from cold (see the module docstring)."""
        q = self.quality
        refs = _scene_refs()
        lesson_env = {"LESSON_FILE": str(Path(self.args.lesson).resolve())} if self.args.lesson else {}
        env = {**self.env, **lesson_env}

        def render(media: Path, ref, extra: tuple[str, ...] = (), names: tuple[str, ...] = ()) -> None:
            command = manim_command(ref, q, media)
            command[-2:-2] = extra
            command += names
            media.mkdir(parents=True, exist_ok=True)
            subprocess.run(command, cwd=media, env=env, check=True, capture_output=True)

        def parallel(media: Path, warm: Path | None) -> None:
            def one(ref) -> None:
                if warm is not None:
                    seed_tex(warm / "Tex", media / ref.name)
                render(media / ref.name, ref)
            with ThreadPoolExecutor(self.args.jobs) as pool:
                list(pool.map(one, refs))

        print("== TeX strategies (whole lesson, from cold)", flush=True)
        started = time.monotonic()
        parallel(folder / "own", None)
        own = time.monotonic() - started
        started = time.monotonic()
        warm = folder / "warm"
        modules = {ref.module: [r for r in refs if r.module == ref.module] for ref in refs}
        for same in modules.values():  # one process per module, last frames only
            render(warm, same[0], ("-s",), tuple(r.name for r in same[1:]))
        warmed = time.monotonic() - started
        parallel(folder / "warmed", warm)
        both = time.monotonic() - started
        print(f"own media folder per job, cold TeX:   {own:.1f} s")
        print(f"TeX warm-up pass, then parallel jobs: {both:.1f} s (warm-up {warmed:.1f} s)")
        shutil.rmtree(folder, ignore_errors=True)


def read_phases(folder: Path, names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Each scene's phases as its render wrote them (scripts/phases/sitecustomize.py)."""
    found = {}
    for name in names:
        path = folder / f"{name}.json"
        if path.is_file():
            found[name] = json.loads(path.read_text(encoding="utf-8"))
    return found


def phase_table(phases: dict[str, dict[str, float]], frames: dict[str, int]) -> list[str]:
    """Where each scene's render went, in seconds, and the whole lesson's shares; per frame,
    the scene logic and the drawing (the work that grows with the video's length)."""
    if not phases:
        return ["(no phases measured: the renders did not load scripts/phases/sitecustomize.py)"]
    columns = [*PHASES_SHOWN, "encode_cpu"]
    lines = ["", "where each render's time went (s; encode is the encoder threads' CPU, beside the main thread):",
             f"{'scene':<22} " + " ".join(f"{c.replace('_cpu', ''):>8}" for c in columns)
             + f" {'logic ms/frame':>15} {'raster ms/frame':>16}"]
    for name, p in phases.items():
        n = max(1, frames.get(name, 1))
        lines.append(f"{name:<22} " + " ".join(f"{p[c]:>8.1f}" for c in columns)
                     + f" {1000 * p['logic'] / n:>15.1f} {1000 * p['raster'] / n:>16.1f}")
    totals = {c: sum(p[c] for p in phases.values()) for c in [*columns, "wall"]}
    lines.append(f"{'all scenes':<22} " + " ".join(f"{totals[c]:>8.1f}" for c in columns))
    wall = totals["wall"] or 1.0
    lines.append("shares of the scenes' wall time: " + ", ".join(
        f"{c} {100 * totals[c] / wall:.0f}%" for c in PHASES_SHOWN))
    return lines


def _children_cpu(folder: Path | None = None) -> float:
    """User and system time of every finished child process so far (their children included), and
    of the warm bases whose sockets are in ``folder`` with their finished children (the renders
    are forked from a base, which no build waits for: pipeline/warm.py)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + (_bases_cpu(folder) if folder is not None else 0.0)


def _bases_cpu(folder: Path) -> float:
    """CPU time of the warm bases serving sockets in ``folder`` (``lesson-warm-<uid>`` under it),
    their finished zygotes and renders included (utime, stime, cutime, cstime from /proc)."""
    total = 0
    for pid in serving(folder):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15])
        except (OSError, ValueError, IndexError):  # gone meanwhile
            pass
    return total / os.sysconf("SC_CLK_TCK")


def touch_class(package: Path, scene: str) -> None:
    """Add a harmless line at the end of class ``scene``'s body, in whichever module defines it."""
    for path in sorted(package.glob("*.py")):
        lines = path.read_text().splitlines(keepends=True)
        for node in ast.parse("".join(lines)).body:
            if isinstance(node, ast.ClassDef) and node.name == scene:
                indent = " " * node.body[0].col_offset
                lines.insert(node.end_lineno, f"{indent}bench_changed = True  # added by bench_render.py\n")
                path.write_text("".join(lines))
                return
    raise SystemExit(f"no class {scene} in {package}")


def _scene_refs():
    from pipeline.scenelist import load_registry

    return load_registry().scenes


if __name__ == "__main__":
    sys.exit(main())
