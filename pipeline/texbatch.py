"""Compile many of manim's TeX files in a few LaTeX runs, into the TeX store, before the scenes render.

Manim compiles each TeX string on its own (:func:`manim.utils.tex_file_writing.tex_to_svg_file`):
one ``latex`` and one ``dvisvgm`` run per string, about 0.4 s, nearly all of it starting the
programs and loading LaTeX's format and fonts. A lesson asks for some 370 strings: 28 % of a
low-quality render. One LaTeX document of many pages does the same work in about a second per
hundred strings, and each page converts to the SVG the string's own compilation gives (same
view box, path data and glyph positions; only the ids of glyphs and of the page group differ,
which manim does not read).

:func:`compile_tex_files` takes the ``.tex`` files manim writes (``<tex_dir>/<hash>.tex``, e.g.
those :func:`scenes.census.lesson_tex_files` lists), makes one document of the files that share
a preamble, each file's body a page of ``standalone``'s ``multi`` option, and puts page *k*'s
SVG in the store as ``<hash>.svg`` of file *k*: the name manim looks for before compiling
(:func:`pipeline.cache.seed_tex` links the store into each render's TeX folder). A string that
fails to compile costs a few extra runs (its batch is halved until it is alone) and is left out;
the scene that uses it compiles it itself and reports manim's usual error.

No manim here: the pipeline's process stays light. The compiler's flags are manim's
(``make_tex_compilation_command``; ``tests/test_texbatch.py`` checks they still agree).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError

# Manim's default TeX template: its first line, and the compiler and output it is made for. The
# .tex file does not name its compiler: files are compiled with ``compiler``, which the census
# only lists files of templates using (scenes.census).
STANDALONE = r"\documentclass[preview]{standalone}"
PAGE_ENV = "lessonpage"  # each file's body, one page (standalone's multi option)
MULTI = rf"\documentclass[preview,multi={PAGE_ENV}]{{standalone}}"
BEGIN_DOCUMENT = r"\begin{document}"
END_DOCUMENT = r"\end{document}"
COMPILER = "latex"
OUTPUT_FORMAT = ".dvi"
LATEX_COMPILERS = ("latex", "pdflatex", "luatex", "lualatex")  # manim passes these the same flags

_PAGES_WRITTEN = re.compile(r"Output written on \S+ \((\d+) pages?")
_PAGE_SVG = re.compile(r"p-0*(\d+)\.svg")


class TexToolMissing(PipelineError):
    """``latex`` or ``dvisvgm`` is not on PATH (the preflight check should have said so first)."""


@dataclass(frozen=True)
class TexBatchResult:
    """What :func:`compile_tex_files` did with the files it was given (each counted once)."""

    compiled: int  # new SVGs put in the store
    stored: int  # already in the store: nothing to do
    unbatched: tuple[Path, ...]  # not manim's standalone template, or unreadable: left to the scenes
    failed: tuple[Path, ...]  # did not compile even alone: the scene that uses it will say why
    seconds: float
    runs: int  # LaTeX runs, counting those of batches that failed and were halved


@dataclass(frozen=True)
class _Tex:
    """One .tex file to compile: where it is, and its body (between the document's begin and end)."""

    path: Path
    body: str


def split_tex(text: str) -> tuple[str, str] | None:
    r"""``(preamble, body)`` of a manim .tex file made from a ``standalone`` preview template:
    the preamble without its ``\documentclass`` line, up to and including ``\begin{document}``;
    the body up to ``\end{document}``. ``None`` for any other file (it cannot be a page)."""
    first, newline, rest = text.partition("\n")
    if first.strip() != STANDALONE or not newline:
        return None
    head, begin, after = rest.partition(BEGIN_DOCUMENT)
    body, end, tail = after.rpartition(END_DOCUMENT)
    if not begin or not end or tail.strip() or BEGIN_DOCUMENT in body:
        return None
    return head + begin, body


def batch_document(preamble: str, bodies: Sequence[str]) -> str:
    """One document of ``bodies``, each a page of its own, in order."""
    pages = "".join(rf"\begin{{{PAGE_ENV}}}{body}\end{{{PAGE_ENV}}}" + "\n" for body in bodies)
    return f"{MULTI}\n{preamble}{pages}{END_DOCUMENT}\n"


def compilation_command(compiler: str, output_format: str, tex_file: Path, out_dir: Path) -> list[str]:
    """The command manim runs to compile ``tex_file`` (``make_tex_compilation_command``)."""
    if compiler not in LATEX_COMPILERS:
        raise ValueError(f"TeX compiler {compiler!r} is not one of {', '.join(LATEX_COMPILERS)}")
    return [compiler, "-interaction=batchmode", f"-output-format={output_format[1:]}", "-halt-on-error",
            f"-output-directory={out_dir.as_posix()}", tex_file.as_posix()]


def compile_tex_files(tex_files: Sequence[Path], store: Path, jobs: int = 2, timeout: float = 120,
                      compiler: str = COMPILER, output_format: str = OUTPUT_FORMAT) -> TexBatchResult:
    """Compile the .tex files whose SVG is not yet in ``store`` into ``store`` (``<hash>.svg``).

    Files sharing a preamble go in one document, split in up to ``jobs`` documents compiled side
    by side (each its own ``latex`` and ``dvisvgm``). A document that fails (an error, more than
    ``timeout`` seconds, or not one page per file) is halved and each half tried again, so one
    bad string loses only itself; it is reported in ``failed``, not raised. Each SVG appears in the
    store whole, and one already there is never replaced.

    Raises :class:`TexToolMissing` if ``compiler`` or ``dvisvgm`` is not installed.
    """
    start = time.perf_counter()
    store.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[_Tex]] = {}
    seen: set[str] = set()
    stored, unbatched = 0, []
    for path in tex_files:
        path = Path(path)
        if path.name in seen:  # the name is the hash of the text: the same file
            continue
        seen.add(path.name)
        if (store / f"{path.stem}.svg").exists():
            stored += 1
            continue
        try:
            parts = split_tex(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            parts = None
        if parts is None:
            unbatched.append(path)
            continue
        preamble, body = parts
        groups.setdefault(preamble, []).append(_Tex(path, body))
    batches = _share_out(groups, jobs)
    compiled, failed, runs = 0, [], 0
    if batches:
        for tool in (compiler, "dvisvgm"):
            if shutil.which(tool) is None:
                raise TexToolMissing(f"{tool} is not on PATH: it is needed to compile the lesson's TeX "
                                     f"(run `make install`)")
        with tempfile.TemporaryDirectory(prefix="texbatch-") as tmp:
            runner = _Runner(Path(tmp), store, timeout, compiler, output_format)
            if jobs > 1 and len(batches) > 1:
                with ThreadPoolExecutor(max_workers=min(jobs, len(batches))) as pool:
                    outcomes = list(pool.map(lambda b: runner.compile(*b), batches))
            else:
                outcomes = [runner.compile(*b) for b in batches]
        for done, bad, n in outcomes:
            compiled += done
            failed.extend(bad)
            runs += n
    return TexBatchResult(compiled=compiled, stored=stored, unbatched=tuple(unbatched), failed=tuple(failed),
                          seconds=time.perf_counter() - start, runs=runs)


def _share_out(groups: dict[str, list[_Tex]], jobs: int) -> list[tuple[str, list[_Tex]]]:
    """The documents to compile: each preamble's files in about ``jobs`` times its share of all
    files (at least one document each), in order, so that ``jobs`` documents take as long."""
    total = sum(len(files) for files in groups.values())
    out = []
    for preamble, files in groups.items():
        n = min(len(files), max(1, round(max(1, jobs) * len(files) / total)))
        size, extra = divmod(len(files), n)
        at = 0
        for i in range(n):
            step = size + (1 if i < extra else 0)
            out.append((preamble, files[at:at + step]))
            at += step
    return out


class _Runner:
    """Compiles documents in folders of their own under ``work`` (one per run: threads share it)."""

    def __init__(self, work: Path, store: Path, timeout: float, compiler: str, output_format: str) -> None:
        self.work, self.store, self.timeout = work, store, timeout
        self.compiler, self.output_format = compiler, output_format

    def compile(self, preamble: str, files: list[_Tex]) -> tuple[int, list[Path], int]:
        """Compile ``files`` into the store, halving on failure: ``(compiled, failed, runs)``."""
        pages = self._run(preamble, files)
        if pages is not None:
            for tex, svg in zip(files, pages):
                publish(svg, self.store / f"{tex.path.stem}.svg")
            shutil.rmtree(pages[0].parent, ignore_errors=True)
            return len(files), [], 1
        if len(files) == 1:
            return 0, [files[0].path], 1
        half = len(files) // 2
        done_a, bad_a, runs_a = self.compile(preamble, files[:half])
        done_b, bad_b, runs_b = self.compile(preamble, files[half:])
        return done_a + done_b, bad_a + bad_b, 1 + runs_a + runs_b

    def _run(self, preamble: str, files: list[_Tex]) -> list[Path] | None:
        """The SVG of each page, in order; ``None`` if the document did not compile to one page a file."""
        folder = Path(tempfile.mkdtemp(prefix="run-", dir=self.work))
        tex = folder / "batch.tex"
        tex.write_text(batch_document(preamble, [f.body for f in files]), encoding="utf-8")
        quiet = {"cwd": folder, "stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
                 "stderr": subprocess.DEVNULL, "timeout": self.timeout}
        try:
            # Names relative to the run's folder: short, so the log does not wrap the page count.
            latex = subprocess.run(compilation_command(self.compiler, self.output_format, Path(tex.name), Path(".")),
                                   **quiet)
            output = tex.with_suffix(self.output_format)
            if latex.returncode != 0 or not output.is_file() or _pages_written(tex.with_suffix(".log")) != len(files):
                return _failed(folder)
            subprocess.run(["dvisvgm", *(["--pdf"] if self.output_format == ".pdf" else []), "--page=1-", "--no-fonts",
                            "--verbosity=0", "--output=p-%p", output.name], **quiet)
        except subprocess.TimeoutExpired:
            return _failed(folder)
        svgs = {int(m[1]): p for p in folder.glob("p-*.svg") if (m := _PAGE_SVG.fullmatch(p.name))}
        if sorted(svgs) != list(range(1, len(files) + 1)):
            return _failed(folder)
        return [svgs[k] for k in range(1, len(files) + 1)]


def _failed(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    return None


def _pages_written(log: Path) -> int | None:
    """How many pages LaTeX says it wrote (its log's last line but one), ``None`` if it does not say."""
    try:
        found = _PAGES_WRITTEN.search(log.read_text(encoding="latin-1").replace("\n", ""))  # lines wrap at 79
    except OSError:
        return None
    return int(found[1]) if found else None


def publish(svg: Path, target: Path) -> bool:
    """Put a copy of ``svg`` at ``target`` unless something is there already, so that it appears
    whole (copied under a temporary name in the same folder, then linked or renamed in one step).
    Returns whether it did. The temporary name does not end in ``.svg``: nothing looking for SVGs
    in the store ever sees it."""
    if target.exists():
        return False
    tmp = target.with_name(f".{target.stem}.{uuid.uuid4().hex}.part")
    try:
        shutil.copyfile(svg, tmp)
        try:
            os.link(tmp, target)  # fails if target exists: never replaces one
        except FileExistsError:
            return False
        except OSError:  # links not supported here
            if target.exists():
                return False
            os.replace(tmp, target)
        return True
    finally:
        tmp.unlink(missing_ok=True)
