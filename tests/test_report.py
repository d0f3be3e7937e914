"""The reviewers' derivation report (``python -m mathcore report``): a PDF, read back with pypdf.

Each PDF is built once per module. The expectations come from the lesson model itself (its beats'
titles, the numbers they show, the counts of equations and numbers), not from the report's code.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import shutil
from pathlib import Path

import pypdf
import pytest

from mathcore import report as rp
from mathcore.__main__ import main
from mathcore.beats import build_model
from mathcore.lessonfile import DEFAULT_LESSON
from mathcore.model import LessonModel, Shown

from .conftest import OTHER_LESSON
from .test_equations import mutated


@functools.cache
def pdf_text(path: Path) -> str:
    """The PDF's text (each file is read once: it is not written again under the same name)."""
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def squeeze(text: str) -> str:
    """Text without whitespace, with the PDF's typographic minus and quotes as ASCII."""
    text = text.replace("\u2212", "-").replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", "", text)


def as_printed(tex: str) -> str:
    r"""A number's TeX as its text comes out of the PDF: ``4.12 \times 10^{-3}`` is ``4.12×10-3``."""
    text = tex.replace(r"\left(", "(").replace(r"\right)", ")")
    text = re.sub(r"\\times\s*10\^\{([^}]*)\}", r"×10\1", text)
    assert "\\" not in text and "{" not in text, f"unexpected TeX in a number: {tex}"
    return squeeze(text)


def shown_numbers(model: LessonModel, beat) -> list[Shown]:
    return list(beat.values.values()) + [v for vs in beat.series.values() for v in vs]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and the error lines of stderr (a first run's progress line left out)."""
    code = main(["report", *argv])
    out, err = capsys.readouterr()
    return code, out, "\n".join(line for line in err.splitlines() if not line.startswith("proving "))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The default lesson's report twice, and the other lesson's with a fake build's chapters."""
    folder = tmp_path_factory.mktemp("report")
    media = folder / "media"
    other = build_model(OTHER_LESSON)
    chapters = media / rp.output_folder(OTHER_LESSON) / "low" / f"{other.spec.name}.chapters.json"
    chapters.parent.mkdir(parents=True)
    chapters.write_text(json.dumps({"chapters": [{"start": 7.0 * b.number, "title": f"{b.number:02d} {b.title}",
                                                  "scene": "X"} for b in other.beats]}), encoding="utf-8")
    # The default lesson's media folder is empty (not the checkout's media/, which may hold a build).
    for name, argv in (("first", ["-o", str(folder / "first.pdf"), "--media", str(media)]),
                       ("second", ["-o", str(folder / "second.pdf"), "--media", str(media)]),
                       ("other", [str(OTHER_LESSON), "--media", str(media)])):
        assert main(["report", *argv]) == 0, name
    return {"first": folder / "first.pdf", "second": folder / "second.pdf",
            "other": media / rp.output_folder(OTHER_LESSON) / "report.pdf"}


def sections(text: str, model: LessonModel) -> dict[str, str]:
    """Each beat's section of the text (after the table of contents), by beat key."""
    flat = squeeze(text)
    heads = [squeeze(f"{b.number:02d} {b.title}") for b in model.beats] + [squeeze("The example networks")]
    starts = [flat.rindex(h) for h in heads]
    assert starts == sorted(starts), "beats out of lesson order"
    return {b.key: flat[starts[n]:starts[n + 1]] for n, b in enumerate(model.beats)}


@pytest.mark.parametrize("which", ["first", "other"])
def test_the_pdf_has_every_beat_title_number_and_the_summary(built, which, model, other_model):
    m = model if which == "first" else other_model
    text = pdf_text(built[which])
    by_beat = sections(text, m)
    missing = [f"beat {b.number} {v.key}: {v.tex}" for b in m.beats for v in shown_numbers(m, b)
               if as_printed(v.tex) not in by_beat[b.key]]
    assert not missing, "\n".join(missing)
    n_numbers = sum(len(shown_numbers(m, b)) for b in m.beats)
    assert n_numbers > 100
    flat = squeeze(text)
    assert squeeze(f"{len(m.equations())} equations, {n_numbers} numbers shown, {len(m.beats)} beats.") in flat
    assert re.search(r"All\d+checkspassed\.", flat)
    assert "FAILED" not in text
    assert squeeze(m.spec.title) in flat and m.spec.name in flat


def test_chapter_times_come_from_the_last_build(built, other_model, model):
    flat = squeeze(pdf_text(built["other"]))
    for b in other_model.beats:
        t = 7 * b.number
        assert squeeze(f"at {t // 60}:{t % 60:02d} in the video (low)") in flat
    assert squeeze("not rendered yet") in squeeze(pdf_text(built["first"]))


def test_building_twice_gives_the_same_bytes(built):
    first, second = built["first"].read_bytes(), built["second"].read_bytes()
    assert first == second
    assert b"CreationDate" not in first and b"/ModDate" not in first
    assert first.startswith(b"%PDF")


def test_the_folder_is_the_pipelines(tmp_path):
    from pipeline.lesson import read_lesson

    for lesson in (DEFAULT_LESSON, OTHER_LESSON):
        assert rp.output_folder(lesson) == read_lesson(lesson).folder


def test_a_failed_check_is_in_the_report_in_red_and_exits_1(tmp_path, model, monkeypatch, capsys):
    beat = model.beat("last_link")
    wrong = mutated(beat.equations["cost"], "numbers", "0.573", "0.537")
    broken_beat = dataclasses.replace(beat, equations={**beat.equations, "cost": wrong})
    broken = dataclasses.replace(model, beats=tuple(broken_beat if b.key == beat.key else b for b in model.beats))
    monkeypatch.setattr("mathcore.__main__.build_model", lambda path: broken)
    out = tmp_path / "r.pdf"
    code, stdout, _ = run(capsys, "-o", str(out))
    assert code == 1
    assert "last_link.cost" in stdout
    text = pdf_text(out)
    assert "FAILED" in text and "last_link.cost" in text
    assert not re.search(r"All\s*\d+\s*checks\s*passed", text)
    pages = pypdf.PdfReader(out).pages
    assert any(b"1 0 0 rg" in p.get_contents().get_data() for p in pages)  # red text


def test_a_wrong_number_on_screen_fails_its_check():
    assert rp.rounding_check("0.540", 0.5403023) == (True, "rounded: within 0.0005 of the value")
    assert rp.rounding_check("1", 1.0)[0] and rp.rounding_check("+0.03", 0.03)[1] == "exact"
    assert rp.rounding_check(r"4.12 \times 10^{-3}", 0.0041155)[0]
    assert rp.rounding_check(r"\left(-0.280\right)", -0.2804)[0]
    assert not rp.rounding_check("0.541", 0.5403023)[0]
    assert not rp.rounding_check(r"4.13 \times 10^{-3}", 0.0041155)[0]
    assert rp.rounding_check("0.5", 0.5403)[0]  # to its own last place: fine, but...
    assert not rp.rounding_check("0.5", 0.5403, places=3)[0]  # ...with 3 places it says it is exact: it is not
    assert rp.rounding_check("0.5", 0.5, places=3)[0] and rp.rounding_check("0.0625", 0.0625, places=3)[0]


def test_bad_latex_is_one_line_with_its_first_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(rp, "PREAMBLE", rp.PREAMBLE + "\\nosuchcommand\n")
    code, _, err = run(capsys, "-o", str(tmp_path / "r.pdf"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "! Undefined control sequence." in err and str(tmp_path / "r.log") in err
    assert (tmp_path / "r.log").exists() and not (tmp_path / "r.pdf").exists()


def test_no_pdflatex_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(rp.shutil, "which", lambda name: None)
    code, _, err = run(capsys, "-o", str(tmp_path / "r.pdf"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "pdflatex" in err and "make install" in err


def test_a_title_with_latex_specials_builds(tmp_path, capsys):
    title = "Costs & 100% $5 #1 a_b {x} ~ ^ \\ <|> end"
    text = OTHER_LESSON.read_text(encoding="utf-8")
    text, n = re.subn(r'(?m)^title\s*=.*$', "title = '" + title + "'", text, count=1)
    assert n == 1
    lesson = tmp_path / "special.toml"
    lesson.write_text(text, encoding="utf-8")
    code, _, _ = run(capsys, str(lesson), "--media", str(tmp_path / "media"))
    assert code == 0
    flat = squeeze(pdf_text(tmp_path / "media" / "lesson-special" / "report.pdf"))
    assert squeeze(title) in flat


def test_the_make_target_exists():
    makefile = (Path(__file__).parents[1] / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"(?m)^report:.*\n\t.*-m mathcore report \$\(LESSON\)", makefile)
    assert shutil.which("pdflatex")  # the report needs it; scripts/system-deps installs it


def test_the_report_keeps_mathcore_below_the_pipeline_and_manim():
    import subprocess
    import sys

    code = "import sys, mathcore.report, mathcore.__main__; print(sorted({'pipeline', 'manim'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unwritable_output_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "-o", str(blocker / "report.pdf"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "cannot write the report" in err and str(blocker) in err


def test_a_gradient_off_by_a_little_disagrees_with_its_finite_difference(model: LessonModel):
    ex = model.wide
    for kind, index, grads in (("w", (1, 0), ex.bwd.mean_grad_w), ("b", (1,), ex.bwd.mean_grad_b)):
        true = float(grads[2][index])
        right = rp._Gradient(ex, kind, 2, index, 0.0, true)
        assert right.compare(mean=True)[0]
        for wrong in (true + 1e-4, true * 1.001 + 1e-9, -true):
            ok, fd, said = dataclasses.replace(right, mean=wrong).compare(mean=True)
            assert not ok and "DISAGREES" in said
            assert abs(fd - true) < 1e-6
