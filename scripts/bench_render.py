"""Benchmark of the render pipeline (``make bench-render``; not a test).

1. Render the whole lesson from an empty media folder at the default quality, 2 jobs at a time:
   each scene's render time, the total, the video's length and the ratio of the two.
2. The same again with nothing changed: the time of a run that renders nothing.
3. One scene's code changed (a harmless line added to its class, in the snapshot):
   which scenes rendered again (only that one should).

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
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.cache import seed_tex  # noqa: E402
from pipeline.layout import Layout  # noqa: E402
from pipeline.quality import DEFAULT_QUALITY, quality  # noqa: E402
from pipeline.render import manim_command  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quality", default=DEFAULT_QUALITY)
    ap.add_argument("--lesson", help="lesson file (default: the default lesson)")
    ap.add_argument("--change", help="the scene to change in step 3 (default: the second one)")
    ap.add_argument("--tex-strategies", action="store_true", help="also compare the two TeX strategies")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-render-"))
    try:
        src = tmp / "src"
        for package in ("scenes", "mathcore"):
            shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
        sys.path.insert(0, str(src))  # this process reads the snapshot's scene list too
        bench = Bench(src, tmp / "media", args)
        if args.tex_strategies:
            bench.tex_strategies(tmp / "strategies")
        bench.run()
    finally:
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
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))}

    def pipeline(self, label: str) -> tuple[float, str]:
        """Run ``python -m pipeline render``; its wall time and output."""
        command = [sys.executable, "-m", "pipeline", "render", "--jobs", str(self.args.jobs),
                   "--quality", self.args.quality, "--media", str(self.media)]
        if self.args.lesson:
            command += ["--lesson", str(Path(self.args.lesson).resolve())]
        print(f"\n== {label}", flush=True)
        started = time.monotonic()
        run = subprocess.run(command, cwd=self.cwd, env=self.env, capture_output=True, text=True)
        seconds = time.monotonic() - started
        print(run.stdout, end="")
        if run.returncode:
            print(run.stderr, end="")
            raise SystemExit(f"the pipeline failed (exit {run.returncode})")
        return seconds, run.stdout

    def record(self) -> dict:
        (manifest,) = self.media.glob(f"lesson*/{self.args.quality}/*.chapters.json")
        return json.loads(manifest.read_text())

    def run(self) -> None:
        first, _ = self.pipeline(f"1. everything, from an empty media folder, {self.args.jobs} jobs")
        rec = self.record()
        layout = Layout(self.media)
        print(f"\n{'scene':<22} {'render s':>9} {'video s':>8} {'ratio':>6}")
        for scene in rec["scenes"]:
            entry = json.loads((layout.entry(scene["key"]) / "entry.json").read_text())
            print(f"{scene['scene']:<22} {entry['render_seconds']:>9.1f} {scene['duration']:>8.1f} "
                  f"{entry['render_seconds'] / scene['duration']:>6.2f}")
        total = sum(json.loads((layout.entry(s["key"]) / "entry.json").read_text())["render_seconds"]
                    for s in rec["scenes"])
        print(f"{'sum of scene renders':<22} {total:>9.1f}")
        print(f"whole run: {first:.1f} s for {rec['duration']:.1f} s of video: "
              f"{first / rec['duration']:.2f} s of wall time per second of video "
              f"({self.args.jobs} jobs; {total / first:.2f} scenes rendering on average)")

        second, out = self.pipeline("2. again, nothing changed")
        verdict = "nothing rendered" if " 0 rendered" in out else "RENDERED SOMETHING"
        print(f"nothing-changed run: {second:.2f} s ({verdict})")

        names = [s["scene"] for s in rec["scenes"]]
        changed = self.args.change or names[min(1, len(names) - 1)]
        touch_class(self.src / "scenes", changed)
        before = {s["scene"]: s["key"] for s in rec["scenes"]}
        third, _ = self.pipeline(f"3. after changing the code of {changed}")
        after = {s["scene"]: s["key"] for s in self.record()["scenes"]}
        again = [n for n in names if before[n] != after[n]]
        verdict = "only that scene" if again == [changed] else f"UNEXPECTED: {', '.join(again) or 'none'}"
        print(f"one scene changed: {third:.1f} s; rendered again: {', '.join(again)} ({verdict})")

    def tex_strategies(self, folder: Path) -> None:
        """Time two ways to run the scenes in parallel from cold (see the module docstring)."""
        q = quality(self.args.quality)
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
