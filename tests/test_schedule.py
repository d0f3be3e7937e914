"""Scheduling: the scenes whose renders take longest start first (issue 12, item 4)."""

from __future__ import annotations

import ast
import json
import os
from fractions import Fraction
from pathlib import Path

import pytest

from pipeline.cache import ENTRY_FILE, render_history
from pipeline.render import RenderRequest, longest_first
from pipeline.scenelist import SceneRef


def entry(cache: Path, key: str, scene: str, fps: int | str, frames: int, seconds: float, mtime_ns: int) -> None:
    folder = cache / key
    folder.mkdir(parents=True)
    (folder / f"{scene}.mp4").write_bytes(b"not read")
    (folder / ENTRY_FILE).write_text(json.dumps({"scene": scene, "fps": str(fps), "render_seconds": seconds,
                                                 "sections": [{"title": scene, "frames": frames}]}))
    os.utime(folder / ENTRY_FILE, ns=(mtime_ns, mtime_ns))


def request(name: str) -> RenderRequest:
    ref = SceneRef(module="m", name=name, path=Path("m.py"), root=Path("."), tree=ast.Module(body=[], type_ignores=[]))
    return RenderRequest(ref, key=name.lower(), log=Path(f"{name}.log"))


def test_history_is_each_scenes_latest_render_at_the_frame_rate(tmp_path: Path):
    entry(tmp_path, "a1", "Alpha", 15, 150, 40.0, 1_000)
    entry(tmp_path, "a2", "Alpha", 15, 150, 25.0, 2_000)  # newer: the scene was made faster
    entry(tmp_path, "a3", "Alpha", 30, 300, 90.0, 3_000)  # another quality
    (tmp_path / "broken").mkdir()  # no entry.json: ignored
    history = render_history(tmp_path, Fraction(15))
    assert {name: e.render_seconds for name, e in history.items()} == {"Alpha": 25.0}
    assert render_history(tmp_path / "absent", Fraction(15)) == {}


def test_a_frame_rate_manim_wrote_oddly_is_the_rate_it_stands_for(tmp_path: Path):
    # Manim's section index gave 262 frames of ChainRule at 15 fps as avg_frame_rate 4024320/268283
    # (= 15.00000...: the frames over a rounded length); that entry was lost to the history at 15.
    entry(tmp_path, "c1", "ChainRule", "4024320/268283", 262, 3.5, 1_000)
    entry(tmp_path, "d1", "Dropped", "30000/1001", 300, 9.0, 1_000)  # NTSC's 29.97 stays what it is
    assert list(render_history(tmp_path, Fraction(15))) == ["ChainRule"]
    assert render_history(tmp_path, Fraction(15))["ChainRule"].duration == pytest.approx(262 / 15, abs=1e-12)
    assert list(render_history(tmp_path, Fraction(30000, 1001))) == ["Dropped"]


def test_longest_renders_start_first_and_unknown_ones_before_them(tmp_path: Path):
    entry(tmp_path, "s", "Short", 15, 150, 10.0, 1)   # 10 s of video in 10 s
    entry(tmp_path, "l", "Long", 15, 450, 50.0, 1)    # 30 s of video in 50 s
    history = render_history(tmp_path, Fraction(15))
    requests = [request("Short"), request("New"), request("Long"), request("Narrated")]
    # History: 60 s of render for 40 s of video, 1.5 s a second. "Narrated" is expected to be
    # 20 s long, so about 30 s to render, between Long (50) and Short (10); "New" has no
    # estimate at all and starts first.
    order = longest_first(requests, history, {"Narrated": 20.0})
    assert [r.scene.name for r in order] == ["New", "Long", "Narrated", "Short"]
    # With nothing known, the lesson order.
    assert [r.scene.name for r in longest_first(requests, {}, {})] == ["Short", "New", "Long", "Narrated"]
