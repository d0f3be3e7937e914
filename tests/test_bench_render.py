"""scripts/bench_render.py's encode floor: it encodes what it says, the way manim does (no timing)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.quality import Quality, quality
from scenes.encoder import written_options, x264_options
from pipeline.zygote import Zygote

SCRIPT = Path(__file__).parents[1] / "scripts" / "bench_render.py"
TINY = Quality("tiny", "l", 96, 64, 15)  # not a preset: small, so the encoder takes milliseconds


def _load_script():
    spec = importlib.util.spec_from_file_location("bench_render", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _load_script()


def _decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _flat(level: int) -> np.ndarray:
    frame = np.full((TINY.height, TINY.width, 4), level, np.uint8)
    frame[..., 3] = 255
    return frame


@pytest.mark.parametrize("count", [1, 7, 40])
def test_the_floor_encodes_the_frames_asked_for_as_manim_does(tmp_path: Path, count: int):
    prepared = bench.drawn_frames(TINY, 2, 2)
    floor = bench.encode_floor(prepared, count, TINY, tmp_path / "floor.mp4", "drawn")
    assert (floor.frames, floor.width, floor.height, floor.fps) == (count, 96, 64, 15)
    assert (floor.codec, floor.pix_fmt, floor.options) == ("libx264", "yuv420p", x264_options("low_quality"))
    with av.open(floor.video) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        assert (ctx.name, ctx.pix_fmt, ctx.width, ctx.height) == ("h264", "yuv420p", 96, 64)
        assert stream.average_rate == 15
        assert sum(1 for _ in container.decode(stream)) == count
    options = written_options(Path(floor.video)).split()
    assert "crf=23.0" in options and "rc=crf" in options
    # The scenes' settings for low quality, as libx264 reports them for a clip encoded directly.
    direct = tmp_path / "direct.mp4"
    with av.open(str(direct), "w") as container:
        stream = container.add_stream("libx264", rate=15, options=x264_options("low_quality"))
        stream.pix_fmt, stream.width, stream.height = "yuv420p", TINY.width, TINY.height
        container.mux(stream.encode(av.VideoFrame.from_ndarray(_flat(9), format="rgba")))
        container.mux(stream.encode(None))
    assert options == written_options(direct).split()


def test_the_prepared_frames_are_cycled(tmp_path: Path):
    # Three flat frames, far apart in colour: each decoded frame must be near the one it came from.
    prepared = [_flat(level) for level in (0, 128, 255)]
    bench.encode_floor(prepared, 7, TINY, tmp_path / "floor.mp4")
    frames = _decoded(tmp_path / "floor.mp4")
    means = [float(f.mean()) for f in frames]
    assert [min(range(3), key=lambda i: abs(means[j] - (0, 128, 255)[i])) for j in range(7)] == [0, 1, 2, 0, 1, 2, 0]


def test_the_reference_encodes_every_frame_of_the_video_again(tmp_path: Path):
    bench.encode_floor([_flat(20 * i) for i in range(12)], 12, TINY, tmp_path / "lesson.mp4")
    ref = bench.reencode(tmp_path / "lesson.mp4", TINY, tmp_path / "again.mp4")
    assert ref.frames == 12
    frames = _decoded(Path(ref.video))
    assert [round(float(f.mean()) / 20) for f in frames] == list(range(12))  # each frame, in order
    assert bench.compare_settings(tmp_path / "lesson.mp4", Path(ref.video))[0]


def test_frames_of_another_size_are_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="uint8 RGBA"):
        bench.encode_floor(bench.drawn_frames(quality("low"), 1, 1), 3, TINY, tmp_path / "floor.mp4")


def test_clips_are_runs_of_consecutive_frames_spread_over_the_video(tmp_path: Path):
    # 60 frames (4 s), frame i of grey level 4 i: a frame's level says where it came from.
    bench.encode_floor([_flat(4 * i) for i in range(60)], 60, TINY, tmp_path / "lesson.mp4")
    frames = bench.sample_clips(tmp_path / "lesson.mp4", 4, 5)
    assert len(frames) == 20
    assert all(f.shape == (64, 96, 4) and f.dtype == np.uint8 for f in frames)
    where = [round(float(f[..., :3].mean()) / 4) for f in frames]
    runs = [where[k * 5:(k + 1) * 5] for k in range(4)]
    for k, run in enumerate(runs):
        assert run == list(range(run[0], run[0] + 5)), run  # consecutive
        assert abs(run[0] - 60 * (2 * k + 1) / 8) <= 1, run  # starting at (k + 1/2) / 4 of the video


def test_a_clip_at_the_end_is_shorter_not_longer(tmp_path: Path):
    bench.encode_floor([_flat(4 * i) for i in range(12)], 12, TINY, tmp_path / "short.mp4")
    frames = bench.sample_clips(tmp_path / "short.mp4", 2, 5)  # runs from frames 3 and 9
    assert [round(float(f[..., :3].mean()) / 4) for f in frames] == [3, 4, 5, 6, 7, 9, 10, 11]


def test_runs_are_shortened_to_fit_in_memory():
    assert bench.clip_frames(quality("medium")) == bench.CLIP_FRAMES
    four_k = quality("4k")
    length = bench.clip_frames(four_k)
    assert 1 <= length < bench.CLIP_FRAMES
    assert bench.CLIPS * length * four_k.width * four_k.height * 4 <= bench.FRAMES_MEMORY


def test_the_settings_check_tells_same_from_different(tmp_path: Path):
    frames = bench.drawn_frames(TINY, 1, 2)
    a = bench.encode_floor(frames, 3, TINY, tmp_path / "a.mp4")
    b = bench.encode_floor(frames, 5, TINY, tmp_path / "b.mp4")
    assert bench.compare_settings(Path(a.video), Path(b.video))[0]
    other = tmp_path / "other.mp4"
    with av.open(str(other), "w") as container:
        stream = container.add_stream("libx264", rate=15, options={"crf": "30", "preset": "ultrafast"})
        stream.pix_fmt, stream.width, stream.height = "yuv420p", 96, 64
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgba")))
        container.mux(stream.encode())
    same, line = bench.compare_settings(Path(a.video), other)
    assert not same and "crf=23.0" in line and "crf=30.0" in line


def test_floor_only_command_writes_its_summary(tmp_path: Path):
    out = tmp_path / "floor.json"
    run = subprocess.run([sys.executable, str(SCRIPT), "--floor-only", "--quality", "low", "--frames", "4",
                          "--clips", "2", "--clip-frames", "2", "--json", str(out), "--frames-from", str(tmp_path / "none.mp4")],
                         capture_output=True, text=True)
    assert run.returncode != 0  # no such video: it does not quietly measure something else
    run = subprocess.run([sys.executable, str(SCRIPT), "--floor-only", "--quality", "low", "--frames", "4",
                          "--clips", "2", "--clip-frames", "2", "--json", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"summary: {out}" in run.stdout
    data = json.loads(out.read_text())
    assert data["quality"] == "low"
    assert (data["floor"]["frames"], data["floor"]["width"], data["floor"]["height"]) == (4, 854, 480)


def test_nothing_changed_runs_are_summed_up_by_their_median(tmp_path: Path):
    times = bench.Times(((0.5, 0.4), (0.2, 0.2), (0.9, 0.3), (0.3, 0.3), (0.4, 0.1)), (1.0, 2.0))
    assert times.median == 0.4
    record = times.record()
    assert (record["median_seconds"], record["fastest_seconds"], record["load_average"]) == (0.4, 0.2, [1.0, 2.0])
    assert [r["cpu_seconds"] for r in record["runs"]] == [0.4, 0.2, 0.3, 0.3, 0.1]
    assert "median 0.40 s, fastest 0.20 s" in times.describe() and "load average 1.0 to 2.0" in times.describe()


def test_timed_runs_the_command_each_time_after_its_preparation(tmp_path: Path):
    log = tmp_path / "log"
    prepared: list[int] = []
    times = bench.timed(["sh", "-c", f"echo run >> {log}; echo up to date"], 3, before=lambda: prepared.append(1),
                        check=lambda out: None if "up to date" in out else pytest.fail(out))
    assert len(times.runs) == 3 and all(wall >= 0 and cpu >= 0 for wall, cpu in times.runs)
    assert log.read_text().splitlines() == ["run"] * 3 and prepared == [1, 1, 1]
    with pytest.raises(SystemExit, match="exit 3"):
        bench.timed(["sh", "-c", "exit 3"], 1)


@pytest.mark.parametrize("started", ["python -m manim", "forked from the zygote"])
def test_a_render_says_where_its_time_went(tmp_path: Path, started: str):
    """The bench's hook (scripts/phases/sitecustomize.py) in a real render of a tiny scene with a
    formula, started as its own process or forked from the pipeline's zygote (as the pipeline
    renders): every phase is measured, TeX compiled from cold takes time, frames were drawn, and
    the parts of the render add up to no more than the whole process."""
    phases = tmp_path / "phases"
    phases.mkdir()
    scene_file = Path(__file__).parent / "pipeline_scenes" / "tiny.py"
    env = {**os.environ, "BENCH_PHASES": str(phases),
           "PYTHONPATH": f"{bench.PHASES}:{Path(__file__).parents[1]}"}
    args = ["render", "-ql", "--disable_caching", "--save_sections", "--progress_bar", "none",
            "--media_dir", str(tmp_path / "media"), str(scene_file), "Middle"]
    if started == "python -m manim":
        subprocess.run([sys.executable, "-m", "manim", *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    else:
        zygote = Zygote(env, tmp_path, tmp_path / "zygote.log", ["tests.pipeline_scenes.tiny"])
        try:
            assert zygote.start(args, tmp_path, env, tmp_path / "render.log").wait(120) == 0
        finally:
            zygote.close()
    found = bench.read_phases(phases, ["Middle", "Absent"])
    assert list(found) == ["Middle"]
    p = found["Middle"]
    assert p["tex"] > 0.05  # a cold compile runs latex and dvisvgm: tens of milliseconds at least
    assert p["raster"] > 0 and p["handoff"] > 0 and p["startup"] > 0 and p["encode_cpu"] > 0
    parts = sum(p[k] for k in bench.PHASES_SHOWN)
    assert p["logic"] >= 0 and parts <= p["wall"] + 1e-3
    table = bench.phase_table(found, {"Middle": 30})
    assert any(line.startswith("Middle") for line in table) and "shares" in table[-1]


def test_the_phase_table_adds_up_by_hand():
    p = {"startup": 1.0, "tex": 2.0, "logic": 3.0, "raster": 1.5, "handoff": 0.5, "finish": 0.0, "encode_cpu": 4.0,
         "wall": 10.0}
    table = bench.phase_table({"A": p, "B": p}, {"A": 100, "B": 300})
    # logic 3 s over 100 frames is 30 ms a frame; over 300, 10 ms; shares of 20 s: tex 4/20 = 20%.
    row_a = next(line for line in table if line.startswith("A ")).split()
    row_b = next(line for line in table if line.startswith("B ")).split()
    assert row_a[-2:] == ["30.0", "15.0"] and row_b[-2:] == ["10.0", "5.0"]
    assert "tex 20%" in table[-1] and "logic 30%" in table[-1]


def test_the_floor_encodes_with_the_scenes_settings_for_its_quality(tmp_path: Path, monkeypatch):
    from scenes import encoder

    monkeypatch.setitem(encoder.X264, "low_quality", {"preset": "veryfast", "tune": "animation"})
    floor = bench.encode_floor(bench.drawn_frames(TINY, 2, 2), 4, TINY, tmp_path / "floor.mp4", "drawn")
    assert floor.options == {"an": "1", "crf": "23", "preset": "veryfast", "tune": "animation"}
    options = written_options(Path(floor.video)).split()
    # veryfast: one reference frame, subpixel refinement 2; tune=animation: deblock 1:1.
    assert "ref=1" in options and "subme=2" in options and "deblock=1:1:1" in options
