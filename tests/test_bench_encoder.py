"""The encoder benchmark's measures of fidelity (scripts/bench_encoder.py), against hand calculations."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.quality import Quality

spec = importlib.util.spec_from_file_location("bench_encoder", Path(__file__).parent.parent / "scripts" / "bench_encoder.py")
assert spec and spec.loader
bench = importlib.util.module_from_spec(spec)
sys.modules["bench_encoder"] = bench  # its dataclasses look their module up
spec.loader.exec_module(bench)

TINY = Quality("tiny", "l", 96, 64, 15)


def frames(count: int = 6) -> list[np.ndarray]:
    """Black frames with a bright bar moving right: drawn strokes on the background."""
    out = []
    for i in range(count):
        frame = np.zeros((TINY.height, TINY.width, 3), np.uint8)
        frame[20:30, 10 + 4 * i:40 + 4 * i] = (250, 200, 90)
        out.append(frame)
    return out


def test_ssim_of_an_image_with_itself_is_one_and_with_its_negative_near_minus_one():
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 255, (40, 50))
    assert bench.ssim(image, image) == pytest.approx(1.0)
    # The negative has the same mean (127.5) and contrast, and the opposite structure: SSIM's
    # three factors are 1, 1 and -1 (up to its small constants).
    assert bench.ssim(image, 255 - image) < -0.95


def test_a_lossless_video_compares_as_identical_and_a_uniform_error_as_its_psnr(tmp_path):
    drawn = bench.Drawn.of(frames())
    lossless = tmp_path / "lossless.mkv"
    with av.open(str(lossless), "w") as container:  # RGB in and out, losslessly
        stream = container.add_stream("ffv1", rate=15)
        stream.pix_fmt, stream.width, stream.height = "bgr0", TINY.width, TINY.height
        for f in drawn.frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        container.mux(stream.encode(None))
    measures, _ = bench.compare(drawn, lossless)
    assert measures["off_share"] == 0 and measures["ssim"] == pytest.approx(1.0)
    assert measures["psnr"] >= 99  # an error of zero (capped)

    # Every pixel of every frame one level brighter in each colour: the luma is off by
    # 0.299 + 0.587 + 0.114 = 1 level everywhere, so the PSNR is 10 log10(255^2 / 1) = 48.13 dB,
    # over the whole frame and over the drawn area alike; no pixel is off by more than 16.
    brighter = bench.Drawn.of([np.minimum(f.astype(np.int16) + 1, 255).astype(np.uint8) for f in frames()])
    measures, _ = bench.compare(bench.Drawn(drawn.frames, brighter.lumas, brighter.areas), lossless)
    assert measures["psnr"] == pytest.approx(48.13, abs=0.01)
    assert measures["drawn_psnr"] == pytest.approx(48.13, abs=0.01)


def test_an_encoding_is_timed_and_readable(tmp_path):
    out = tmp_path / "x.mp4"
    wall, cpu = bench.encode(frames(), TINY, "veryfast", "animation", out)
    assert wall > 0 and cpu > 0
    with av.open(str(out)) as container:
        assert container.streams.video[0].frames == 6


@pytest.mark.parametrize("args, named", [(["--presets", "medium,fastest"], "fastest"), (["--tunes", "cartoon"], "cartoon")])
def test_an_unknown_preset_or_tuning_is_refused_by_name(args, named):
    import subprocess

    script = Path(__file__).parent.parent / "scripts" / "bench_encoder.py"
    run = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert f"unknown {named}; choose from" in run.stderr.strip().splitlines()[-1]
