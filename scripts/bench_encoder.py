"""Benchmark of x264's settings on the lesson's own frames (``make bench-encoder``; not a test).

For each quality asked (``--quality``, repeatable; low, medium and high by default), it draws
frames of a few lesson scenes in this process, exactly as a render draws them (the scenes' own
code at that quality's size and frame rate, a run of consecutive frames from the middle of
each), and encodes them with every x264 preset and tuning in ``--presets`` and ``--tunes``, at
manim's constant rate factor (23) and pixel format (yuv420p). For each setting it reports:

- the encoding's wall and CPU time (best of ``--repeat`` runs; x264's threads included),
- the size of the video, in bytes per second of video,
- how close the decoded frames are to the drawn ones: PSNR of the luma over all frames, and the
  worst frame's; SSIM of the luma (mean, worst frame); and the share of pixels that are off by
  more than 16 levels in any colour (speckles and smears around thin strokes).

It also saves, for each quality, a crop of the same detailed frame as each setting decodes it
(``media/bench/encoder-<quality>-<setting>.png``), to look at. Everything goes to
``media/bench/bench-encoder-<time>.json`` too. The frames are drawn from the TeX store under
``media/cache/tex`` (compiling what is missing).

Every preset and tuning at three qualities takes about an hour on a 2-core machine, most of it
comparing frames at high; ``--presets superfast,veryfast,medium --quality high`` and fewer
``--seconds`` measure less.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.layout import Layout  # noqa: E402
from pipeline.quality import QUALITIES, Quality, quality  # noqa: E402

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow")
TUNES = ("none", "animation")
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
X264_TUNES = ("none", "film", "animation", "grain", "stillimage", "psnr", "ssim", "fastdecode", "zerolatency")
# Scenes whose frames stand for the lesson: formulas being written and transformed, the network
# picture with numbers changing, a plot, matrices. Each gives one run of consecutive frames.
SAMPLE_SCENES = (("ChainRule", 3), ("FourNeurons", 4), ("NudgeLastWeight", 5), ("VanishingGradients", 3),
                 ("VectorForm", 4))  # (scene, the animation its run of frames starts at)
SECONDS_PER_SCENE = 4.0
FRAMES_MEMORY = 5 * 2**30  # bytes of RGBA frames kept at most per quality
OFF_LEVELS = 16
COMPARE_EVERY = 3  # the decoded frames compared with the drawn ones: every third
SSIM_EVERY = 6  # SSIM (slower): every sixth


@dataclass
class Result:
    quality: str
    preset: str
    tune: str
    seconds: float
    cpu_seconds: float
    bytes_per_second: float
    psnr: float
    worst_psnr: float
    drawn_psnr: float  # over the drawn areas only
    ssim: float
    worst_ssim: float
    off_share: float  # pixels off by more than OFF_LEVELS in some channel, over all frames

    def row(self) -> str:
        return (f"| {self.quality} | {self.preset} | {self.tune} | {self.seconds:.2f} | {self.cpu_seconds:.2f} | "
                f"{self.bytes_per_second / 1000:.1f} | {self.psnr:.2f} | {self.worst_psnr:.2f} | {self.drawn_psnr:.2f} | "
                f"{self.ssim:.4f} | {self.worst_ssim:.4f} | {100 * self.off_share:.3f} |")


HEADER = ("| quality | preset | tune | encode s | CPU s | kB per s of video | PSNR dB | worst frame | drawn areas | "
          "SSIM | worst frame | pixels off % |\n|---|---|---|---|---|---|---|---|---|---|---|---|")


def draw_frames(q: Quality, tex: Path, media: Path, seconds: float = SECONDS_PER_SCENE) -> list[np.ndarray]:
    """Consecutive frames from each sample scene at ``q``, drawn as a render draws them (RGB)."""
    from scenes import LESSON_SCENES
    from scenes.capture import draw_scene

    per_scene = max(2, min(round(seconds * q.fps),
                           FRAMES_MEMORY // (len(SAMPLE_SCENES) * q.width * q.height * 3)))
    frames: list[np.ndarray] = []
    modules = {name: module for module, name in LESSON_SCENES}
    for name, animation in SAMPLE_SCENES:
        run: list[np.ndarray] = []

        def keep(frame: np.ndarray, run: list[np.ndarray] = run) -> None:
            if len(run) < per_scene:
                run.append(np.ascontiguousarray(frame[..., :3]))

        settings = {"media_dir": str(media), "tex_dir": str(tex), "pixel_width": q.width, "pixel_height": q.height,
                    "frame_rate": q.fps, "write_to_movie": False, "disable_caching": True,
                    "verbosity": "WARNING", "progress_bar": "none",
                    "from_animation_number": animation, "upto_animation_number": animation + 3}
        draw_scene(modules[name], name, settings, keep)
        print(f"  {name}: {len(run)} frames from animation {animation}", flush=True)
        frames += run
    return frames


def encode(frames: list[np.ndarray], q: Quality, preset: str, tune: str, out: Path) -> tuple[float, float]:
    """Encode ``frames`` as manim does (libx264, crf 23, yuv420p; RGB frames in) with ``preset``
    and ``tune``: the wall and CPU time it took."""
    import av

    options = {"crf": "23", "preset": preset}
    if tune != "none":
        options["tune"] = tune
    started, cpu = time.perf_counter(), time.process_time()
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(q.fps), options=options)
        stream.pix_fmt, stream.width, stream.height = "yuv420p", q.width, q.height
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode(None))
    return time.perf_counter() - started, time.process_time() - cpu


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two luma images (Gaussian window, sigma 1.5, the usual constants)."""
    from scipy.ndimage import gaussian_filter

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = gaussian_filter(a, 1.5), gaussian_filter(b, 1.5)
    var_a = gaussian_filter(a * a, 1.5) - mu_a ** 2
    var_b = gaussian_filter(b * b, 1.5) - mu_b ** 2
    cov = gaussian_filter(a * b, 1.5) - mu_a * mu_b
    return float(np.mean(((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))))


def drawn_area(rgb: np.ndarray) -> np.ndarray:
    """Where something is drawn, and 2 pixels around it: the background (most of a frame, and
    trivially right) left out, so that the PSNR measures the strokes and their edges."""
    from scipy.ndimage import binary_dilation

    return binary_dilation(rgb.max(axis=-1) > 8, iterations=2)


@dataclass
class Drawn:
    """The drawn frames, with what the comparisons need of each, computed once."""

    frames: list[np.ndarray]
    lumas: list[np.ndarray | None]  # of the frames compared
    areas: list[np.ndarray | None]

    @classmethod
    def of(cls, frames: list[np.ndarray]) -> Drawn:
        detail = int(np.argmax([np.count_nonzero(f) for f in frames]))
        wanted = [i % COMPARE_EVERY == 0 or i == detail for i in range(len(frames))]
        return cls(frames, [luma(f) if w else None for f, w in zip(frames, wanted)],
                   [drawn_area(f) if w else None for f, w in zip(frames, wanted)])


def compare(drawn: Drawn, video: Path) -> tuple[dict[str, float], np.ndarray]:
    """How close ``video``'s decoded frames are to the drawn ones: PSNR of the luma (over all
    frames, the worst frame, and over the drawn areas only), SSIM of the luma (mean and worst of
    every :data:`SSIM_EVERY`-th frame), the share of pixels off by more than :data:`OFF_LEVELS`
    (of every :data:`COMPARE_EVERY`-th frame); and the most detailed frame, decoded."""
    import av

    frames = drawn.frames
    errors = area_errors = 0.0
    area_pixels = off = compared = 0
    psnrs, ssims = [], []
    detail = int(np.argmax([np.count_nonzero(f) for f in frames]))
    shown = None
    with av.open(str(video)) as container:
        count = 0
        for i, frame in enumerate(container.decode(video=0)):
            count += 1
            if i % COMPARE_EVERY and i != detail:
                continue
            compared += 1
            got = frame.to_ndarray(format="rgb24")
            if i == detail:
                shown = got
            a, b = drawn.lumas[i], luma(got)
            squared = (a - b) ** 2
            mse = float(np.mean(squared))
            errors += mse
            area = drawn.areas[i]
            area_errors += float(squared[area].sum())
            area_pixels += int(area.sum())
            psnrs.append(10 * np.log10(255 ** 2 / max(mse, 1e-10)))
            if i % SSIM_EVERY == 0:
                ssims.append(ssim(a, b))
            off += int(np.count_nonzero(np.abs(frames[i].astype(np.int16) - got).max(axis=-1) > OFF_LEVELS))
    if count != len(frames) or shown is None:
        raise SystemExit(f"{video}: {count} frames decoded, {len(frames)} encoded")
    pixels = compared * frames[0].shape[0] * frames[0].shape[1]
    return {"psnr": 10 * np.log10(255 ** 2 / max(errors / compared, 1e-10)), "worst_psnr": min(psnrs),
            "drawn_psnr": 10 * np.log10(255 ** 2 / max(area_errors / max(area_pixels, 1), 1e-10)),
            "ssim": float(np.mean(ssims)), "worst_ssim": min(ssims), "off_share": off / pixels}, shown


def crop(image: np.ndarray, q: Quality) -> np.ndarray:
    """The same detailed part of a frame, a fifth of it across, at twice its size (to look at)."""
    h, w = q.height // 4, q.width // 5
    part = image[q.height // 3: q.height // 3 + h, 2 * q.width // 5: 2 * q.width // 5 + w]
    return part.repeat(2, axis=0).repeat(2, axis=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quality", action="append", choices=list(QUALITIES), help="(repeatable) low, medium, high by default")
    ap.add_argument("--presets", default=",".join(PRESETS), help="comma-separated x264 presets (all of them)")
    ap.add_argument("--tunes", default=",".join(TUNES), help="comma-separated tunings; none: no tuning (none,animation)")
    ap.add_argument("--repeat", type=int, default=3, help="encodings of each setting; the fastest counts (3)")
    ap.add_argument("--seconds", type=float, default=SECONDS_PER_SCENE,
                    help=f"seconds of frames from each scene ({SECONDS_PER_SCENE:g}; fewer at 4k to fit in memory)")
    ap.add_argument("--media", type=Path, default=ROOT / "media")
    args = ap.parse_args()
    for given, known, what in ((args.presets, X264_PRESETS, "--presets"), (args.tunes, X264_TUNES, "--tunes")):
        unknown = [v for v in given.split(",") if v not in known]
        if unknown:
            ap.error(f"{what}: unknown {', '.join(unknown)}; choose from {', '.join(known)}")
    from PIL import Image

    import scenes.base  # noqa: F401  (the scenes' speed-ups, as in a render)

    layout = Layout(args.media)
    bench = args.media / "bench"
    bench.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    for name in args.quality or ["low", "medium", "high"]:
        q = quality(name)
        print(f"== {q.describe()}: drawing frames", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-encoder-") as folder:
            frames = draw_frames(q, layout.tex_store, Path(folder), args.seconds)
            seconds_of_video = len(frames) / q.fps
            drawn = Drawn.of(frames)
            for preset in args.presets.split(","):
                for tune in args.tunes.split(","):
                    out = Path(folder) / f"{preset}-{tune}.mp4"
                    runs = [encode(frames, q, preset, tune, out) for _ in range(args.repeat)]
                    wall, cpu = min(runs)
                    quality_of, detail = compare(drawn, out)
                    result = Result(q.name, preset, tune, wall, cpu, out.stat().st_size / seconds_of_video,
                                    **quality_of)
                    results.append(result)
                    print(result.row(), flush=True)
                    Image.fromarray(crop(detail, q)).save(bench / f"encoder-{q.name}-{preset}-{tune}.png")
            detailed = int(np.argmax([np.count_nonzero(f) for f in frames]))
            Image.fromarray(crop(frames[detailed], q)).save(bench / f"encoder-{q.name}-drawn.png")
        print(f"  {len(frames)} frames ({seconds_of_video:.1f} s of video)", flush=True)
    print("\n" + HEADER + "\n" + "\n".join(r.row() for r in results))
    report = bench / f"bench-encoder-{time.strftime('%Y%m%d-%H%M%S')}.json"
    report.write_text(json.dumps({"scenes": SAMPLE_SCENES, "results": [asdict(r) for r in results]}, indent=1))
    print(f"figures: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
