"""Parsed SVGs kept on disk (:mod:`scenes.svgstore`) give the same mobjects and pixels as parsing.

Formulas, words and a caption are made three ways: by manim alone (no store), with an empty store
(parsed, then written), and from the store alone (a fresh process's view: nothing in memory). The
three must agree in every point and colour of every shape, in the SVG-group map, and in the
pixels of a frame drawn from them.
"""

from __future__ import annotations

import numpy as np
import pytest
from manim import BLUE, MathTex, Text, tempconfig
from manim.camera.camera import Camera
from manim.mobject.svg.svg_mobject import SVGMobject

import scenes.base  # noqa: F401  (installs the speed-ups, as every lesson scene has them)
from pipeline.cache import SVG_STORE_ENV, SVG_SUFFIX, prune_svgs
from scenes import glyphs, svgstore
from scenes.lesson import lesson_model
from scenes.tex import Caption, EquationTex


def makers():
    beat = next(b for b in lesson_model().beats if b.equations)
    return {
        "formula": lambda: MathTex(r"\frac{\partial C_0}{\partial w^{(L)}}", "=", r"\sigma'(z^{(L)})", color=BLUE),
        "words": lambda: Text("how sensitive the cost is", font_size=30),
        "caption": lambda: Caption(beat, width=4.0),
        "equation": lambda: EquationTex(beat, next(iter(beat.equations))),
    }


def fingerprint(mobject) -> list:
    """Every shape's type, points and colours, and the SVG-group map's keys and sizes."""
    shapes = [(type(m).__name__, m.points.tobytes(), m.fill_rgbas.tobytes(), m.stroke_rgbas.tobytes(),
               m.stroke_width) for m in mobject.get_family()]
    groups = sorted((key, len(group.submobjects)) for key, group in getattr(mobject, "id_to_vgroup_dict", {}).items())
    return [shapes, groups]


def pixels(mobject) -> np.ndarray:
    camera = Camera()
    camera.capture_mobjects([mobject])
    return camera.pixel_array.copy()


def fresh() -> None:
    """As a new process would start: nothing parsed in memory."""
    glyphs.forget_svgs()
    svgstore.forget()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    media, store = tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("svgs")
    results: dict[str, dict] = {}
    parses = {"count": 0}
    generate = SVGMobject.generate_mobject

    def counted(self):
        parses["count"] += 1
        return generate(self)

    with tempconfig({"media_dir": str(media), "quality": "low_quality", "verbosity": "WARNING"}), \
            pytest.MonkeyPatch.context() as mp:
        mp.setattr(SVGMobject, "generate_mobject", counted)
        for how in ("manim", "parsed and stored", "from the store"):
            parses["count"] = 0
            if how == "manim":
                mp.delenv(SVG_STORE_ENV, raising=False)
            else:
                mp.setenv(SVG_STORE_ENV, str(store))
            results[how] = {}
            for name, make in makers().items():
                fresh()
                mobject = make()
                results[how][name] = (fingerprint(mobject), pixels(mobject))
            results[how]["parses"] = parses["count"]
            results[how]["files"] = sorted(store.glob(f"*/*{SVG_SUFFIX}"))
    fresh()
    return results, store


def test_the_store_is_written_once_and_then_read(made):
    results, _ = made
    parsed = results["parsed and stored"]
    assert parsed["parses"] == results["manim"]["parses"] >= len(makers())
    assert len(parsed["files"]) == parsed["parses"]  # a file a parse
    assert results["from the store"]["parses"] == 0  # a new process parses nothing
    assert results["from the store"]["files"] == parsed["files"]


@pytest.mark.parametrize("how", ["parsed and stored", "from the store"])
@pytest.mark.parametrize("name", ["formula", "words", "caption", "equation"])
def test_the_same_mobject_and_pixels_as_manims(made, how, name):
    results, _ = made
    (shapes, group_map), frame = results[how][name]
    (manims, manims_groups), manims_frame = results["manim"][name]
    assert shapes == manims and group_map == manims_groups
    assert frame.any() and np.array_equal(frame, manims_frame)


def test_a_damaged_file_is_parsed_again(tmp_path, monkeypatch):
    store = tmp_path / "svgs"
    monkeypatch.setenv(SVG_STORE_ENV, str(store))
    with tempconfig({"media_dir": str(tmp_path / "media"), "verbosity": "WARNING"}):
        fresh()
        first = fingerprint(MathTex("x^2"))
        [stored] = store.glob(f"*/*{SVG_SUFFIX}")
        stored.write_bytes(b"not a pickle")
        fresh()
        assert fingerprint(MathTex("x^2")) == first
        assert stored.read_bytes() != b"not a pickle"  # written anew
    fresh()


def test_without_a_store_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv(SVG_STORE_ENV, raising=False)
    with tempconfig({"media_dir": str(tmp_path / "media"), "verbosity": "WARNING"}):
        fresh()
        MathTex("y^3")
        with svgstore.off():
            monkeypatch.setenv(SVG_STORE_ENV, str(tmp_path / "svgs"))
            fresh()
            MathTex("y^3")  # switched off (the TeX census's placeholders): not stored either
    assert not (tmp_path / "svgs").exists()
    assert svgstore.store() is not None  # on again after
    fresh()


def test_the_census_stores_no_placeholders(tmp_path, monkeypatch):
    from scenes.census import lesson_tex_files

    monkeypatch.setenv(SVG_STORE_ENV, str(tmp_path / "svgs"))
    lesson_tex_files(lesson_model(), tmp_path / "tex", beats=[lesson_model().beats[1].key])
    assert not list((tmp_path / "svgs").glob(f"**/*{SVG_SUFFIX}"))


def test_prune_keeps_the_most_recently_used(tmp_path):
    import os

    for i in range(5):
        path = tmp_path / f"{i:02d}" / f"{i}{SVG_SUFFIX}"
        path.parent.mkdir()
        path.write_bytes(b"x")
        os.utime(path, (1000 + i, 1000 + i))
    assert prune_svgs(tmp_path, keep=2) == 3
    assert sorted(p.name for p in tmp_path.glob(f"*/*{SVG_SUFFIX}")) == [f"3{SVG_SUFFIX}", f"4{SVG_SUFFIX}"]
    assert prune_svgs(tmp_path / "none", keep=2) == 0


def test_every_render_is_told_where_the_store_is(tmp_path):
    from pipeline.layout import Layout
    from pipeline.lesson import read_lesson
    from pipeline.progress import Progress
    from pipeline.quality import quality
    from pipeline.render import Renderer

    assert svgstore.STORE_ENV == SVG_STORE_ENV
    layout = Layout(tmp_path / "media")
    renderer = Renderer(layout, read_lesson(None), quality("low"), Progress([], None), 1)
    assert renderer._env([])[SVG_STORE_ENV] == str(tmp_path / "media" / "cache" / "svg")
