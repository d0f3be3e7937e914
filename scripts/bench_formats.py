"""Benchmark of the derived formats (``pipeline.formats``) on a real export (not a test).

    python scripts/bench_formats.py media/lesson/medium/export [--formats gif,webp,webm] [--keep DIR]

For every beat of the export's manifest, each format is made from the beat's clip into a temporary
folder (or ``--keep DIR``), timed. Printed per format: encode time per second of video (wall clock
and CPU, the CPU of every thread of this process: on a shared machine the wall clock also counts
other people's work), the same as a multiple of merely decoding the clips, and the size per beat
(median and largest, in MB) against the format's ``size_limit``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av

from pipeline.formats import FORMATS, MB


def timed(work) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) that ``work()`` took."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def decode(clip: Path) -> None:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path, help="an export folder (with manifest.json)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated (default: all)")
    parser.add_argument("--keep", type=Path, help="write the files here (default: a temporary folder)")
    args = parser.parse_args(argv)
    manifest = json.loads((args.export / "manifest.json").read_text(encoding="utf-8"))
    beats = [(args.export / b["clip"], float(b["duration"])) for b in manifest["beats"]]
    names = [n.strip() for n in args.formats.split(",") if n.strip()]
    video = sum(d for _, d in beats)
    print(f"{len(beats)} beats, {video:.1f} s of video ({manifest['quality']}), from {args.export}")

    base_wall = base_cpu = 0.0
    for clip, _ in beats:
        wall, cpu = timed(lambda: decode(clip))  # noqa: B023 (called at once)
        base_wall, base_cpu = base_wall + wall, base_cpu + cpu
    print(f"{'decode only':12} {base_wall / video:6.3f} s/s wall {base_cpu / video:6.3f} s/s CPU")

    with tempfile.TemporaryDirectory(prefix="bench-formats-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{'format':12} {'wall s/s':>8} {'CPU s/s':>8} {'x decode':>8} {'MB median':>9} {'MB max':>7} "
              f"{'limit':>6}  largest beat")
        for name in names:
            fmt = FORMATS[name]
            total_wall = total_cpu = 0.0
            sizes = []
            for clip, _ in beats:
                out = folder / (clip.stem + fmt.extension)
                wall, cpu = timed(lambda: fmt.encode(clip, out))  # noqa: B023
                total_wall, total_cpu = total_wall + wall, total_cpu + cpu
                sizes.append((out.stat().st_size / MB, clip.stem))
            largest = max(sizes)
            print(f"{name:12} {total_wall / video:8.3f} {total_cpu / video:8.3f} {total_cpu / base_cpu:8.1f} "
                  f"{statistics.median(s for s, _ in sizes):9.2f} {largest[0]:7.2f} {fmt.size_limit / MB:6.1f}  "
                  f"{largest[1]}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
