"""Batch compilation of TeX (pipeline.texbatch) against manim's own, one string at a time.

Every string is written as manim writes it (``generate_tex_file``), compiled once by manim
(``tex_to_svg_file``) and once in a batch; each pair of SVGs must give manim the same shapes,
point for point, and be the same SVG but for the names of glyphs and pages. A string that does
not compile fails alone, and the store only ever holds whole SVG files.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from manim import MathTex, SVGMobject, TexTemplate, tempconfig
from manim.utils.tex_file_writing import generate_tex_file, make_tex_compilation_command, tex_to_svg_file

from pipeline.texbatch import TexToolMissing, compilation_command, compile_tex_files

pytestmark = pytest.mark.slow


def parts(*tex: str) -> str:
    """A multi-part ``MathTex``'s expression, as manim joins its parts (each in a group of its own)."""
    return "".join(rf"\special{{dvisvgm:raw <g id='unique{i:03d}'>}}{t}{' ' if i < len(tex) - 1 else ''}"
                   r"\special{dvisvgm:raw </g>}" for i, t in enumerate(tex))


def roomy() -> TexTemplate:
    template = TexTemplate()
    template.add_to_preamble(r"\renewcommand{\arraystretch}{1.8}")
    return template


CHAIN = (r"\frac{\partial C_0}{\partial w^{(L)}}", "=", r"\frac{\partial z^{(L)}}{\partial w^{(L)}}",
         r"\frac{\partial a^{(L)}}{\partial z^{(L)}}", r"\frac{\partial C_0}{\partial a^{(L)}}")
# (expression, environment, template): numbers, fractions, primes, matrices, a multi-part
# formula, single characters (a live number's digits), words in text mode, a matrix bracket, and
# a template with a preamble of its own.
CASES = [
    ("0.4823", "align*", None),
    (r"-1.2\times 10^{-3}", "align*", None),
    (r"\frac{\partial C_0}{\partial w^{(L)}}", "align*", None),
    (r"\sigma'(z^{(L)})", "align*", None),
    (r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}", "align*", None),
    (parts(*CHAIN), "align*", None),
    (parts("7"), "align*", None),
    (parts("-"), "align*", None),
    (r"\nabla C_{0} \approx 3.91 \times 10^{-3}", "align*", None),
    (r"a^{(L-1)}_{k}", "align*", None),
    (r"\left(W^{(L)}\right)^T \delta^{(L)} \odot \sigma'\left(z^{(L-1)}\right)", "align*", None),
    (r"\sum_{j=0}^{n_L - 1} w_{jk}^{(L)} \longrightarrow", "align*", None),
    (r"Neurons that fire together", "center", None),
    (r"\left[\begin{array}{c}\quad \\\quad \\\end{array}\right.", "align*", None),
    (r"\begin{bmatrix} \frac{\partial C}{\partial w} \\ \frac{\partial C}{\partial b} \end{bmatrix}", "align*", "roomy"),
]
QUIET = {"verbosity": "WARNING"}


def template_of(name: str | None) -> TexTemplate:
    return roomy() if name == "roomy" else TexTemplate()


def write_tex(folder: Path, expression: str, environment: str | None, template: str | None) -> Path:
    with tempconfig({**QUIET, "tex_dir": str(folder)}):
        return generate_tex_file(expression, environment, template_of(template))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("texbatch")
    files = [write_tex(root / "tex", *case) for case in CASES]
    with tempconfig({**QUIET, "tex_dir": str(root / "single")}):
        singles = [tex_to_svg_file(e, env, template_of(t)) for e, env, t in CASES]
    result = compile_tex_files(files, root / "store", jobs=2)
    return root, files, singles, result


def batched(root: Path, tex: Path) -> Path:
    return root / "store" / f"{tex.stem}.svg"


def shapes(svg: Path) -> list[np.ndarray]:
    """The points of every shape manim makes of ``svg``, in order, where TeX put them."""
    mob = SVGMobject(str(svg), should_center=False, height=None, use_svg_cache=False)
    return [m.points for m in mob.family_members_with_points()]


def same_points(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, rtol=0, atol=1e-9) for x, y in zip(a, b))


def canonical(svg_text: str) -> tuple[str, list[str]]:
    """``svg_text`` with the names dvisvgm makes up (glyphs ``g2-40``, pages ``page1``) replaced
    by their order of first use in the drawing, and its glyph definitions sorted: what is left
    is the drawing itself (manim's part groups ``unique000`` keep their names)."""
    head, _, body = svg_text.partition("</defs>")
    names: dict[str, str] = {}
    for name in re.findall(r"(?:id='|href='#)([^']+)'", body) + re.findall(r"id='([^']+)'", head):
        if not name.startswith("unique"):
            names.setdefault(name, f"n{len(names)}")

    def rename(text: str) -> str:
        return re.sub(r"(id='|href='#)([^']+)'", lambda m: f"{m[1]}{names.get(m[2], m[2])}'", text)

    head_lines = rename(head).splitlines()
    prologue = [line for line in head_lines if not line.startswith("<path ")]
    glyphs = sorted(line for line in head_lines if line.startswith("<path "))
    return "\n".join(prologue) + rename(body), glyphs


def test_every_string_compiles_in_a_few_runs(batch):
    root, files, _, result = batch
    assert result.failed == () and result.unbatched == ()
    assert result.compiled == len(CASES) and result.stored == 0
    # Two documents of the default template (two jobs) and one of the roomy template; one run
    # per string would be 15.
    assert result.runs == 3, result
    assert all(batched(root, f).is_file() for f in files)


@pytest.mark.parametrize("index", range(len(CASES)))
def test_batched_svg_draws_the_same_shapes(batch, index):
    root, files, singles, _ = batch
    one, many = singles[index], batched(root, files[index])
    assert one.name == many.name  # manim would find the batch's SVG under the name it looks for
    a, b = shapes(one), shapes(many)
    assert a, CASES[index]
    assert same_points(a, b), CASES[index]


@pytest.mark.parametrize("index", range(len(CASES)))
def test_batched_svg_is_the_same_drawing(batch, index):
    root, files, singles, _ = batch
    assert canonical(singles[index].read_text()) == canonical(batched(root, files[index]).read_text())


def test_a_multi_part_formula_splits_into_the_same_parts(batch, tmp_path):
    """MathTex built from the store (linked into a TeX folder, as the pipeline seeds a render's)
    has the same parts, part by part, as MathTex compiled by manim."""
    root, _, _, _ = batch
    seeded = tmp_path / "seeded"
    seeded.mkdir()
    for svg in (root / "store").glob("*.svg"):
        os.link(svg, seeded / svg.name)
    made = {}
    for name, folder in (("batch", seeded), ("manim", root / "single")):
        with tempconfig({**QUIET, "tex_dir": str(folder)}):
            made[name] = MathTex(*CHAIN)
    assert len(made["batch"]) == len(made["manim"]) == len(CHAIN)
    for a, b in zip(made["batch"], made["manim"]):
        pa = [m.points for m in a.family_members_with_points()]
        pb = [m.points for m in b.family_members_with_points()]
        assert pa and same_points(pa, pb)
    # Nothing was compiled for the seeded folder: only the .tex manim wrote before looking.
    assert sorted(p.suffix for p in seeded.iterdir() if p.suffix != ".svg") == [".tex"]


def test_a_bad_string_fails_alone(batch, tmp_path):
    root, files, _, _ = batch
    bad = write_tex(tmp_path / "tex", r"\frac{", "align*", None)
    given = files[:4] + [bad] + files[4:8]
    store = tmp_path / "store"
    result = compile_tex_files(given, store, jobs=2)
    assert result.failed == (bad,)
    assert result.compiled == 8
    assert sorted(p.name for p in store.iterdir()) == sorted(f"{f.stem}.svg" for f in files[:8])
    for f in files[:8]:
        assert canonical((store / f"{f.stem}.svg").read_text()) == canonical(batched(root, f).read_text())


def test_a_second_call_compiles_nothing(batch):
    root, files, _, _ = batch
    before = {p.name: p.stat().st_mtime_ns for p in (root / "store").iterdir()}
    result = compile_tex_files(files, root / "store", jobs=2)
    assert (result.compiled, result.stored, result.runs) == (0, len(CASES), 0)
    assert {p.name: p.stat().st_mtime_ns for p in (root / "store").iterdir()} == before


def test_an_svg_in_the_store_is_never_replaced(batch, tmp_path):
    _, files, _, _ = batch
    store = tmp_path / "store"
    store.mkdir()
    (store / f"{files[0].stem}.svg").write_text("kept", encoding="utf-8")
    result = compile_tex_files(files[:3], store)
    assert (result.compiled, result.stored) == (2, 1)
    assert (store / f"{files[0].stem}.svg").read_text(encoding="utf-8") == "kept"


def test_the_store_holds_only_whole_svg_files(batch):
    root, _, _, _ = batch
    found = list((root / "store").iterdir())
    assert len(found) == len(CASES)
    for path in found:
        assert re.fullmatch(r"[0-9a-f]{16}\.svg", path.name), path.name
        assert ET.parse(path).getroot().tag.endswith("svg")  # complete XML


def test_other_documents_are_left_alone(tmp_path):
    other = tmp_path / "0123456789abcdef.tex"
    other.write_text("\\documentclass{article}\n\\begin{document}\nx\n\\end{document}\n", encoding="utf-8")
    result = compile_tex_files([other], tmp_path / "store")
    assert result.unbatched == (other,) and result.compiled == 0 and result.runs == 0
    assert list((tmp_path / "store").iterdir()) == []


def test_a_missing_tool_is_named(batch, tmp_path, monkeypatch):
    _, files, _, _ = batch
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TexToolMissing, match="latex"):
        compile_tex_files(files[:1], tmp_path / "store")


def test_the_compiler_runs_as_manim_runs_it():
    for compiler, fmt in (("latex", ".dvi"), ("pdflatex", ".pdf"), ("lualatex", ".pdf")):
        assert (compilation_command(compiler, fmt, Path("a/b.tex"), Path("a"))
                == make_tex_compilation_command(compiler, fmt, Path("a/b.tex"), Path("a")))
