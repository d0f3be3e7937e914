"""The reviewers' derivation report: a PDF of every formula and number the video shows, and how
each was checked.

``python -m mathcore report [LESSON_FILE] [-o PATH]`` writes ``media/lesson/report.pdf`` for the
lesson that ships with the project and ``media/lesson-<file stem>/report.pdf`` for another file
(the same folders as the video, :mod:`pipeline.lesson`), typeset by pdflatex with the packages of
manim's TeX template, so every formula reads as the video typesets it.

The report shows the facts :mod:`mathcore.explain` computes (``check_all`` and each equation's
``check()``); nothing is derived again here. Beside them it adds checks of its own, independent of
the formatter: every number as shown, read back as a decimal, is its exact value correctly rounded
(or is that value exactly), a gradient is compared with a central finite difference of the cost,
and every gradient of the example networks too.

Reproducible: the same inputs give the same bytes. No build-time stamp enters the PDF: the date
printed is the lesson file's (its last git commit when the file is tracked and unchanged, else its
modification time), pdfTeX's dates, file names and trailer ``/ID`` are fixed or left out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from hashlib import sha256
from pathlib import Path
from typing import TextIO

import numpy as np
import sympy as sp

from mathcore import notation as nt
from mathcore.examples import Example
from mathcore.lessonfile import DEFAULT_LESSON
from mathcore.model import Beat, LessonModel, Shown
from mathcore.numeric import forward

REPORT_NAME = "report.pdf"
FD_STEPS = (1e-6, 1e-4)  # central differences: error ~ h^2 plus rounding ~ eps C / h; the second for large costs
FD_TOLERANCE = 1e-6  # relative (absolute below 1) agreement of a gradient with its finite difference
EPS = float(np.finfo(float).eps)

# manim's TeX template (manim.TexTemplate's preamble) plus what the layout needs. Fonts: Computer
# Modern (Type 1, as in the video), no T1 encoding (which would need bitmap fonts).
PREAMBLE = r"""\documentclass[10pt,a4paper]{article}
\usepackage[english]{babel}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage[margin=2cm]{geometry}
\usepackage[table]{xcolor}
\usepackage{longtable}
\usepackage{booktabs}
\usepackage{adjustbox}
\usepackage{array}
\usepackage{hyperref}
\hypersetup{hidelinks,pdfcreator={mathcore report},pdfproducer={pdfTeX}}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5ex}
\newcommand{\failed}[1]{\textcolor{red}{\textbf{#1}}}
\newcommand{\passed}[1]{\textcolor{black!70!green}{#1}}
"""


class ReportError(Exception):
    """A report that cannot be made (no pdflatex, a LaTeX error): one line for the user."""


# -- the facts ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class NumberRow:
    """One number on screen and the report's own check of it."""

    label: str  # TeX
    shown: str  # TeX, as on screen
    value: float
    check: str  # plain text
    ok: bool


@dataclass(frozen=True)
class Facts:
    """Everything the report prints, computed once."""

    model: LessonModel
    numbers: dict[str, list[NumberRow]]  # by beat key
    failed: list[str]  # names of failed checks, in lesson order
    checks: int  # how many checks in all
    chapters: dict[int, float] = field(default_factory=dict)  # beat number -> start in the video (s)
    quality: str | None = None  # of the build the chapters come from


def gather(model: LessonModel, media: Path = Path("media"), progress: TextIO | None = None) -> Facts:
    """Check every equation (their own ``check()``) and every number shown; find the chapters.

    ``progress`` hears one line if first-run proofs take a while (:func:`mathcore.explain.check_all`)."""
    from mathcore.explain import check_all

    failed = check_all(model, progress=progress)
    checks = len(model.equations())
    numbers, grads = {}, _gradient_finder(model)
    for beat in model.beats:
        rows = []
        for name, shown in _shown(beat):
            row = _number_row(shown, grads, model.spec.decimals)
            rows.append(row)
            checks += 1
            if not row.ok:
                failed.append(f"{beat.key}.{name}")
        numbers[beat.key] = rows
    failed.sort(key=lambda f: [b.key for b in model.beats].index(f.split(".")[0]))
    network_failed, network_checks = network_failures(model)
    failed += [f"networks.{f}" for f in network_failed]
    checks += network_checks
    chapters, quality = read_chapters(model, media)
    return Facts(model, numbers, failed, checks, chapters, quality)


def _shown(beat: Beat) -> list[tuple[str, Shown]]:
    """Every number the beat shows: its values, then its series (``name[i]``)."""
    out = [(key, v) for key, v in beat.values.items()]
    for name, vs in beat.series.items():
        out += [(f"{name}[{i}]", v) for i, v in enumerate(vs)]
    return out


def read_decimal(tex: str) -> Decimal:
    """The exact value of a number as shown: ``-0.280``, ``+0.03``, ``4.12 \\times 10^{-3}``."""
    text = tex.replace(r"\left(", "").replace(r"\right)", "").replace(" ", "")
    m = re.fullmatch(r"([+-]?[\d.]+)(?:\\times10\^\{?([+-]?\d+)\}?)?", text)
    if not m:
        raise ValueError(f"not a number: {tex}")
    try:
        d = Decimal(m.group(1))
    except InvalidOperation:
        raise ValueError(f"not a number: {tex}") from None
    return d.scaleb(int(m.group(2))) if m.group(2) else d


def rounding_check(shown: str, value: float, places: int | None = None) -> tuple[bool, str]:
    """Whether ``shown`` is ``value`` exactly, or ``value`` correctly rounded to the last digit shown.

    With ``places`` (the lesson's), a number written with fewer decimals, not in scientific form,
    says it is exact (the rounding rule keeps every place of a rounded value): it must be.
    """
    try:
        d = read_decimal(shown)
    except ValueError:
        return False, f"cannot read {shown} as a number"
    exact = Decimal(repr(float(value)))
    noise = Decimal("1e-12") * max(Decimal(1), abs(exact))  # float arithmetic's last bits
    if abs(d - exact) <= noise:
        return True, "exact"
    half = Decimal(1).scaleb(d.as_tuple().exponent) / 2
    if places is not None and "times" not in shown and -d.as_tuple().exponent < places:
        return False, f"NOT exact, as {shown} (fewer than {places} places) says: off by {float(abs(d - exact)):.3g}"
    if abs(d - exact) <= half + noise:
        return True, f"rounded: within {half.normalize():f} of the value"
    return False, f"NOT the value rounded: off by {float(abs(d - exact)):.3g}"


@dataclass(frozen=True)
class _Gradient:
    """A parameter of an example network whose gradient may be shown."""

    example: Example
    kind: str  # "w" or "b"
    layer: int
    index: tuple[int, ...]
    one: float  # dC_0/dp, training example 0
    mean: float  # dC/dp, averaged over the examples

    def compare(self, mean: bool) -> tuple[bool, float, str]:
        """Backprop's gradient (example 0's or the mean) against finite differences of the cost:
        whether they agree, the central difference, and what was found, in words.

        Agreement allows the central difference's rounding error (about eps C / h, large for a
        large cost C). Where the cost has a kink (ReLU at 0), the one-sided differences differ and
        backprop's value must lie between them (it takes one side).
        """
        ex = self.example
        x, y = (ex.spec.inputs, ex.spec.targets) if mean else (ex.spec.inputs[:1], ex.spec.targets[:1])
        p = float(np.asarray(getattr(ex.net, self.kind)[self.layer])[self.index])
        g = self.mean if mean else self.one

        def cost(v: float) -> float:
            return forward(ex.net.with_parameter(self.kind, self.layer, self.index, v), x, y).mean_cost

        c0 = cost(p)
        for h in FD_STEPS:
            above, below = cost(p + h), cost(p - h)
            central = (above - below) / (2 * h)
            tol = FD_TOLERANCE * max(1.0, abs(g)) + 8 * EPS * max(1.0, abs(c0)) / h
            if abs(central - g) <= tol:
                return True, central, f"central difference (h = {h:g}): {central:.9g}"
        h = FD_STEPS[0]
        left, right = (c0 - cost(p - h)) / h, (cost(p + h) - c0) / h
        tol = FD_TOLERANCE * max(1.0, abs(g)) + 8 * EPS * max(1.0, abs(c0)) / h
        central = (left + right) / 2
        if abs(left - right) > 10 * tol and min(left, right) - tol <= g <= max(left, right) + tol:
            return True, central, f"a kink: one-sided differences {left:.6g} and {right:.6g}; backprop takes one side"
        return False, central, f"central difference {central:.9g} DISAGREES"


def _gradient_finder(model: LessonModel) -> Callable[[Shown], tuple[_Gradient, bool] | None]:
    """A lookup: the parameter whose gradient (example 0's, or the mean) a shown number is, if any."""
    by_name: dict[str, list[_Gradient]] = {}
    for ex in (model.worked, model.sigmoid, model.deep, model.wide):
        s, b = ex.sym, ex.bwd
        for l in range(1, ex.depth + 1):
            for j in range(ex.sizes[l]):
                by_name.setdefault(s.b(l, j).name, []).append(
                    _Gradient(ex, "b", l, (j,), float(b.grad_b[l][0, j]), float(b.mean_grad_b[l][j])))
                for k in range(ex.sizes[l - 1]):
                    by_name.setdefault(s.w(l, j, k).name, []).append(
                        _Gradient(ex, "w", l, (j, k), float(b.grad_w[l][0, j, k]), float(b.mean_grad_w[l][j, k])))

    def find(v: Shown) -> tuple[_Gradient, bool] | None:
        parts = nt.split_partial(nt.symbol(v.label))
        if parts is None or nt.role(parts[1]) not in ("weight", "bias"):
            return None
        for g in by_name.get(parts[1].name, []):
            for mean, value in ((False, g.one), (True, g.mean)):
                if abs(value - v.value) <= 1e-12 * max(1.0, abs(value)):
                    return g, mean
        return None

    return find


def _number_row(v: Shown, grads: Callable[[Shown], tuple[_Gradient, bool] | None], places: int) -> NumberRow:
    ok, text = rounding_check(v.tex, v.value, places)
    found = grads(v)
    if found is not None:
        g, mean = found
        close, _, said = g.compare(mean)
        ok = ok and close
        text += f"; {'mean cost' if mean else 'example 0'}: {said}"
    return NumberRow(v.label, v.tex, v.value, text, ok)


# -- inputs: date, chapters, where the report goes ------------------------------------------------
def output_folder(lesson: Path) -> str:
    """The lesson's folder under the media folder: the rule of :func:`pipeline.lesson.read_lesson`
    (mathcore does not import the pipeline; a test checks that both agree)."""
    path = Path(lesson).resolve()
    return "lesson" if path == Path(DEFAULT_LESSON).resolve() else f"lesson-{path.stem}"


def default_output(lesson: Path, media: Path = Path("media")) -> Path:
    return media / output_folder(lesson) / REPORT_NAME


def inputs_date(lesson: Path) -> tuple[int, str]:
    """Seconds since the epoch and how they were found: the lesson file's last git commit if git
    tracks it unchanged, else its modification time."""
    path = Path(lesson).resolve()
    try:
        run = dict(cwd=path.parent, capture_output=True, text=True, timeout=10)
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", path.name], **run).returncode == 0
        clean = tracked and subprocess.run(["git", "diff", "--quiet", "HEAD", "--", path.name], **run).returncode == 0
        if clean:
            out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", path.name], **run).stdout.strip()
            if out:
                return int(out), "the lesson file's last git commit"
    except (OSError, subprocess.SubprocessError):
        pass
    return int(path.stat().st_mtime), "the lesson file's modification time"


def read_chapters(model: LessonModel, media: Path) -> tuple[dict[int, float], str | None]:
    """Each beat's start in the last build's video (``<name>.chapters.json``), and its quality."""
    folder = media / output_folder(model.spec.path)
    found = sorted(folder.glob(f"*/{model.spec.name}.chapters.json"), key=lambda p: (p.stat().st_mtime_ns, str(p)))
    if not found:
        return {}, None
    try:
        data = json.loads(found[-1].read_text(encoding="utf-8"))
        starts = {c["title"]: float(c["start"]) for c in data["chapters"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}, None
    chapters = {b.number: starts[t] for b in model.beats if (t := f"{b.number:02d} {b.title}") in starts}
    return chapters, found[-1].parent.name


# -- LaTeX ----------------------------------------------------------------------------------------
# Characters the roman font lacks (OT1 encoding) come from the typewriter font, which has them all.
_SPECIALS = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", **{c: rf"\texttt{{\char{ord(c)}}}" for c in "_{}<>|~^\\"}}
_MATH = {"·": r"\cdot", "×": r"\times", "Δ": r"\Delta", "Σ": r"\Sigma", "δ": r"\delta", "η": r"\eta",
         "σ": r"\sigma", "∂": r"\partial", "∇": r"\nabla", "≈": r"\approx", "⊙": r"\odot", "→": r"\to",
         "′": r"\prime", "−": "-", "≤": r"\le", "≥": r"\ge", "∑": r"\sum", "α": r"\alpha", "θ": r"\theta"}
_TEXT = {"“": "``", "”": "''", "‘": "`", "’": "'", "–": "--", "—": "---", "…": r"\dots{}", "é": r"\'e",
         "è": r"\`e", "ü": r"\"u", "ö": r"\"o", "ä": r"\"a", "\u00a0": "~"}
_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ˡᴸᵀⁿⁱ", "0123456789+-()lLTni"))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₐᵢⱼₖₗₘₙ", "0123456789+-()aijklmn"))


def escape(text: str) -> str:
    """Plain text (a title, a summary, a file name) as LaTeX that prints it: specials escaped,
    the lesson's Unicode maths (∂C₀/∂w⁽ᴸ⁾) set in math mode, anything else named by its code point."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        for table, command in ((_SUP, r"\textsuperscript"), (_SUB, r"\textsubscript")):
            if c in table:
                run = ""
                while i < len(text) and text[i] in table:
                    run += table[text[i]]
                    i += 1
                out.append(f"{command}{{{escape(run)}}}")
                break
        else:
            if c in _SPECIALS:
                out.append(_SPECIALS[c])
            elif c in _MATH:
                out.append(f"\\ensuremath{{{_MATH[c]}}}" if c != "′" else r"\ensuremath{{}^{\prime}}")
            elif c in _TEXT:
                out.append(_TEXT[c])
            elif ord(c) < 128:
                out.append(c if c.isprintable() or c in "\n\t" else " ")
            else:
                out.append(rf"\texttt{{[U+{ord(c):04X}]}}")
            i += 1
    return "".join(out)


def tt(text: str) -> str:
    """Plain text in typewriter type, allowed to break after spaces and commas."""
    return r"\texttt{" + escape(text) + "}"


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _value(x: float) -> str:
    """A full-precision value for the tables (12 significant digits), as math."""
    text = f"{x:.12g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _mark(ok: bool, text: str) -> str:
    return r"\passed{" + escape(text) + "}" if ok else r"\failed{FAILED: " + escape(text) + "}"


def _equation_method(eq) -> str:
    """How an equation was checked, in words (from its own ``check()``)."""
    c = eq.check()
    n = len(eq.instances)
    every = f" for each of its {n} index bindings" if n > 1 else ""
    if not c.ok:
        return _mark(False, f"{'TeX agrees with sympy' if c.agrees else 'TeX does not agree with sympy'}; "
                     f"{'holds' if c.holds else 'not proved'}: {c.detail}")
    plugged = any(inst.numbers for inst in eq.instances)
    how = "derived by sympy: the TeX read back is sympy's expression" + every
    if plugged:
        how += ("; plugged-in numbers honest under the rounding rule (they can stand for the exact value, "
                "the result shown is it correctly rounded, = only where they round to it)")
    else:
        how += "; each side proved equal to the one before (derivatives taken through the definitions)"
    return r"\passed{" + escape("Checked: " + how + ".") + "}"


def _equation_tex(tex: str) -> str:
    return r"\begin{adjustbox}{max width=\linewidth,center}$\displaystyle " + tex + r"$\end{adjustbox}"


def _matrix(a) -> str:
    a = np.atleast_2d(np.asarray(a, dtype=float))
    rows = [" & ".join(_value(float(x)) for x in row) for row in a]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _title_page(facts: Facts, digest: str, date: str, date_source: str) -> list[str]:
    m = facts.model
    n_eq = len(m.equations())
    n_num = sum(len(r) for r in facts.numbers.values())
    versions = f"sympy {sp.__version__}, NumPy {np.__version__}"
    if facts.failed:
        verdict = r"\failed{" + escape(f"FAILED: {len(facts.failed)} of {facts.checks} checks: "
                                       + ", ".join(facts.failed)) + "}"
    else:
        verdict = r"\passed{" + escape(f"All {facts.checks} checks passed.") + "}"
    rendered = (f"chapter times from the {facts.quality} quality build" if facts.quality
                else "not rendered yet: no chapter times")
    return [
        r"\begin{titlepage}\centering",
        r"{\Large Derivation report\par}\vspace{1em}",
        r"{\Huge\bfseries " + escape(m.spec.title) + r"\par}\vspace{2em}",
        r"\begin{tabular}{>{\raggedleft\arraybackslash}p{0.22\linewidth}p{0.68\linewidth}}",
        r"lesson file & " + tt(Path(m.spec.path).name) + r" (lesson name " + tt(m.spec.name) + r") \\",
        r"sha256 & {\small " + tt(digest) + r"} \\",
        r"date of the inputs & " + escape(f"{date} ({date_source})") + r" \\",
        r"computed with & " + escape(versions) + r" \\",
        r"numbers shown to & " + escape(f"{m.spec.decimals} decimal places, cost {m.spec.cost.name}") + r" \\",
        r"video & " + escape(rendered) + r" \\",
        r"\end{tabular}\par\vspace{2em}",
        r"{\large " + escape(f"{n_eq} equations, {n_num} numbers shown, {len(m.beats)} beats.") + r"\par}",
        r"\vspace{1em}{\large " + verdict + r"\par}",
        r"\vfill",
        r"\begin{minipage}{0.85\linewidth}\small " + escape(
            "Every equation is set in the TeX the video typesets and was checked by sympy: its TeX read back "
            "agrees with the derived expression, and each side equals the one before (proved, or with numbers "
            "plugged in, honest under the rounding rule of the appendix). Every number shown is its exact value "
            "correctly rounded, checked here by reading the shown digits back; gradients are also compared "
            "with central finite differences of the cost.") + r"\end{minipage}",
        r"\end{titlepage}",
    ]


def _beat_section(facts: Facts, b: Beat) -> list[str]:
    start = facts.chapters.get(b.number)
    when = f"at {_clock(start)} in the video ({facts.quality})" if start is not None else "not rendered yet"
    out = [r"\section*{" + escape(f"{b.number:02d} {b.title}") + "}",
           r"\addcontentsline{toc}{section}{" + escape(f"{b.number:02d} {b.title}") + "}",
           r"{\small " + escape(f"Part {b.part}, beat key {b.key}, {when}.") + r"}\par",
           escape(b.summary) + r"\par"]
    for eq in b.equations.values():
        out += [r"\medskip", r"{\small\ttfamily " + escape(eq.key) + r"}\par\nopagebreak",
                _equation_tex(eq.tex) + r"\par\nopagebreak", r"{\footnotesize " + _equation_method(eq) + r"}\par"]
    rows = facts.numbers[b.key]
    if rows:
        out += [r"\medskip", r"{\footnotesize",
                r"\begin{longtable}{>{\raggedright\arraybackslash}p{0.22\linewidth}"
                r">{\raggedright\arraybackslash}p{0.15\linewidth}>{\raggedright\arraybackslash}p{0.17\linewidth}"
                r">{\raggedright\arraybackslash}p{0.36\linewidth}}",
                r"\toprule number & as shown & exact value & independent check \\ \midrule \endhead"]
        for r in rows:
            out.append(r"\rule[-1.6ex]{0pt}{4.4ex}\adjustbox{max width=\linewidth}{$\displaystyle " + r.label + r"$} & $" + r.shown + r"$ & $"
                       + _value(r.value) + r"$ & " + _mark(r.ok, r.check) + r" \\")
        out += [r"\bottomrule", r"\end{longtable}}"]
    return out


def _network_section(title: str, ex: Example, learning_rate: float | None = None) -> list[str]:
    L, s = ex.depth, ex.sym
    out = [r"\subsection*{" + escape(f"{title}: sizes {', '.join(map(str, ex.sizes))}, "
                                    f"activation {ex.spec.activation.name}") + "}"]
    small = r"\adjustbox{max width=\linewidth}{$\displaystyle "
    # parameters: W^{(l)}, b^{(l)}
    rows = [rf"{l} & $W^{{({l})}}$ & {small}{_matrix(ex.net.w[l])}$}} & "
            + (rf"{small}{_matrix(np.asarray(ex.net.b[l])[:, None])}$}}" if s.biases else "none") + r" \\"
            for l in range(1, L + 1)]
    out += [r"{\footnotesize\begin{longtable}{p{0.06\linewidth}p{0.1\linewidth}p{0.5\linewidth}p{0.2\linewidth}}",
            r"\toprule layer & & weights (to $j$ from $k$) & biases \\ \midrule \endhead", *rows,
            r"\bottomrule\end{longtable}}"]
    # per training example: inputs, targets, forward values, cost
    out += [r"{\footnotesize\begin{longtable}{p{0.1\linewidth}p{0.06\linewidth}p{0.34\linewidth}"
            r"p{0.34\linewidth}}",
            r"\toprule example $i$ & layer $l$ & weighted input $z^{(l)}$ & activation $a^{(l)}$ \\ \midrule \endhead"]
    for i in range(ex.spec.inputs.shape[0]):
        out.append(rf"{i} & 0 & & {small}{_matrix(ex.fwd.a[0][i][None, :])}$}} (input) \\")
        for l in range(1, L + 1):
            out.append(rf" & {l} & {small}{_matrix(ex.fwd.z[l][i][None, :])}$}} & "
                       rf"{small}{_matrix(ex.fwd.a[l][i][None, :])}$}} \\")
        out.append(rf" & & & target $y = {_matrix(ex.fwd.y[i][None, :])}$, cost $C_{{{i}}} = "
                   rf"{_value(float(ex.fwd.cost[i]))}$ \\ \midrule")
    out += [r"mean & & & $C = " + _value(ex.fwd.mean_cost) + r"$ \\", r"\bottomrule\end{longtable}}"]
    # gradients of the mean cost, each against a central difference
    out += [r"{\footnotesize\begin{longtable}{p{0.2\linewidth}p{0.25\linewidth}p{0.25\linewidth}p{0.18\linewidth}}",
            r"\toprule parameter & $\partial C / \partial p$ (backprop, mean) & finite difference & check \\ "
            r"\midrule \endhead"]
    for l in range(1, L + 1):
        for j in range(ex.sizes[l]):
            params = [("w", (j, k), s.w(l, j, k), ex.bwd.mean_grad_w[l][j, k]) for k in range(ex.sizes[l - 1])]
            if s.biases:
                params.append(("b", (j,), s.b(l, j), ex.bwd.mean_grad_b[l][j]))
            for kind, index, sym, grad in params:
                ok, fd, said = _Gradient(ex, kind, l, index, 0.0, float(grad)).compare(mean=True)
                verdict = "agrees" if ok and said.startswith("central") else said.split(":")[0]
                out.append(rf"layer {l}: ${sym.name}$ & ${_value(float(grad))}$ & ${_value(fd)}$ & "
                           + _mark(ok, verdict) + r" \\")
    out += [r"\bottomrule\end{longtable}}"]
    if learning_rate is not None:
        stepped, after = ex.after_step(learning_rate)
        out.append(escape(f"One gradient-descent step with learning rate {learning_rate:g}: the mean cost goes "
                          f"from {ex.fwd.mean_cost:.12g} to {after:.12g}.") + r"\par")
    return out


def network_failures(model: LessonModel) -> tuple[list[str], int]:
    """The example networks' gradients that disagree with their central differences, and how many
    were compared."""
    out, count = [], 0
    for name, ex in _networks(model):
        for l in range(1, ex.depth + 1):
            for kind, grads in (("w", ex.bwd.mean_grad_w), ("b", ex.bwd.mean_grad_b))[: 2 if ex.sym.biases else 1]:
                for index in np.ndindex(*np.shape(grads[l])):
                    g = float(grads[l][index])
                    ok, _, _ = _Gradient(ex, kind, l, tuple(index), 0.0, g).compare(mean=True)
                    count += 1
                    if not ok:
                        out.append(f"{name}.{kind}{l}{list(index)}")
    return out, count


def _networks(model: LessonModel) -> list[tuple[str, Example]]:
    return [("worked_chain", model.worked), ("sigmoid_chain", model.sigmoid), ("deep_chain", model.deep),
            ("wide_network", model.wide)]


def _notation(model: LessonModel) -> list[str]:
    """Every quantity symbol the equations use, with its role, from :mod:`mathcore.notation`."""
    found: dict[str, str] = {}
    for _, eq in model.equations():
        for inst in eq.instances:
            for side in inst.sides:
                for sym in getattr(side, "free_symbols", ()):
                    if isinstance(sym, sp.Symbol) and (r := nt.role(sym)) is not None:
                        found[sym.name] = r
        for key, r in eq.roles.items():
            found[eq.part(key).strip()] = r
    meaning = {
        "weight": "a weight: to neuron j of a layer from neuron k of the layer before",
        "bias": "a bias of a neuron",
        "activation": "an activation: a neuron's output, a = squish(z); layer 0 is the input",
        "weighted_input": "a weighted input: the weighted sum of the layer before, plus the bias",
        "cost": "a cost: one training example's (subscript i), or C, their average (C is also Part 1's chain)",
        "target": "the desired output",
        "error": "the error of a neuron, the cost's derivative with respect to its weighted input",
    }
    groups: dict[str, list[str]] = {}
    for name, r in found.items():
        groups.setdefault(r, []).append(name)
    rows = [rf"{escape(r.replace('_', ' '))} & " + ", ".join(f"${n}$" for n in sorted(groups[r]))
            + rf" & {escape(meaning[r])} \\" for r in meaning if r in groups]
    conventions = (
        r"A superscript $(l)$ is a layer, never an exponent: $a^{(L-1)}$ is the activation of the layer before "
        r"the last, $L$ the output layer. Neuron indices are subscripts counted from 0: $w^{(L)}_{jk}$ goes to "
        r"neuron $j$ of layer $L$ from neuron $k$ of layer $L-1$. Training examples use $i$ ($C_i$). Part 1's "
        r"worked chain counts its layers from the input, as subscripts ($a_1$, $w_3$), and has no squish and no "
        r"biases. $\frac{\partial C_0}{\partial w^{(L)}}$ is a partial derivative; $\sigma$ is the squish (the "
        r"activation function) and $\sigma'$ its derivative; $\odot$ multiplies vectors entry by entry; "
        r"$\eta$ is the learning rate.")
    return [r"\section*{Appendix A: notation}", r"\addcontentsline{toc}{section}{Appendix A: notation}",
            conventions + r"\par",
            r"{\small\renewcommand{\arraystretch}{1.5}\begin{longtable}{p{0.12\linewidth}p{0.5\linewidth}"
            r"p{0.3\linewidth}}",
            r"\toprule role & symbols in this lesson & meaning \\ \midrule \endhead", *rows,
            r"\bottomrule\end{longtable}}"]


def _rounding(model: LessonModel) -> list[str]:
    """The rule of :mod:`mathcore.formatting`, with examples from this lesson's formatter."""
    f, p = model.fmt, model.spec.decimals

    def ex(x: float) -> str:
        return f"${f.number(x)}$"

    rule = (
        rf"Numbers are shown to {p} decimal places, rounded half away from zero. A value that rounding leaves "
        rf"unchanged is written without trailing zeros ({ex(0.5)}, {ex(3.0)}); a rounded one keeps all its places "
        rf"({ex(0.2 + 1e-9)}, {ex(-0.28 - 1e-9)}), so that a reader can tell them apart. A rounded value that would "
        r"keep fewer than two significant digits is written in scientific form with three "
        rf"({ex(0.0041234)}, {ex(-1.1e-6 - 1e-12)}), and so is a value of a million or more ({ex(2.2222e25)}). "
        r"A number typed in the lesson file (a nudge $h$) is shown as typed."
        r"\par Honest rounding: wherever shown numbers are plugged into a formula and set against a shown "
        r"result, the relation is $=$ only if the shown numbers, evaluated exactly, round to the shown result "
        r"(to its own places); otherwise it is $\approx$. The checks also ask that the plugged-in numbers can "
        r"stand for the line's exact value (interval arithmetic on their digits, each within half a unit of its "
        r"last place) and that a shown result is the exact value correctly rounded.")
    return [r"\section*{Appendix B: the rounding rule}",
            r"\addcontentsline{toc}{section}{Appendix B: the rounding rule}", rule + r"\par"]


def latex(facts: Facts, digest: str, date: str, date_source: str) -> str:
    """The whole report as a LaTeX document."""
    m = facts.model
    body = _title_page(facts, digest, date, date_source)
    body += [r"\tableofcontents", r"\clearpage"]
    for b in m.beats:
        body += _beat_section(facts, b)
    body += [r"\clearpage", r"\section*{The example networks}",
             r"\addcontentsline{toc}{section}{The example networks}",
             escape("As read from the lesson file, with their forward values for every training example, "
                    "costs, and the gradient of the mean cost for every weight and bias, each compared with "
                    f"a central finite difference (h = {FD_STEPS[0]:g}, or {FD_STEPS[1]:g} where the cost is so "
                    "large that rounding spoils the first; at a kink of ReLU, backprop's value must lie between "
                    "the one-sided differences).") + r"\par"]
    names = {"worked_chain": "Worked chain (Part 1)", "sigmoid_chain": "Chain with a squish (Part 2)",
             "deep_chain": "Deep chain (vanishing gradients)", "wide_network": "Wide network (Part 3)"}
    for key, ex in _networks(m):
        body += _network_section(names[key], ex, m.spec.learning_rate if key == "wide_network" else None)
    body += [r"\clearpage", *_notation(m), *_rounding(m)]
    return PREAMBLE + "\\begin{document}\n" + "\n".join(body) + "\n\\end{document}\n"


# -- building the PDF ---------------------------------------------------------------------------------
def find_pdflatex() -> str:
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise ReportError("pdflatex not found (TeX Live, which manim needs too): run `make install`")
    return pdflatex


def compile_pdf(tex: str, out: Path, epoch: int, trailer_id: str, runs: int = 2) -> None:
    """Typeset ``tex`` with pdflatex in a temporary folder; write the PDF to ``out`` atomically.

    The same ``tex``, ``epoch`` and ``trailer_id`` give the same bytes. A LaTeX error raises
    :class:`ReportError` quoting its first ``!`` line; the log is kept next to ``out``.
    """
    pdflatex = find_pdflatex()
    stamp = (r"\pdfinfoomitdate=1 \pdfsuppressptexinfo=-1 \pdftrailerid{" + trailer_id + "}"
             + r"\pdfcompresslevel=9 \pdfobjcompresslevel=2 ")
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch), FORCE_SOURCE_DATE="1", TZ="UTC")
    with tempfile.TemporaryDirectory(prefix="report-") as tmp:
        folder = Path(tmp)
        (folder / "report.tex").write_text(stamp + "\n" + tex, encoding="utf-8")
        for _ in range(runs):  # the second run fills in the table of contents and longtable widths
            done = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                                   "report.tex"], cwd=folder, env=env, capture_output=True, text=True,
                                  errors="replace")
            if done.returncode != 0 or not (folder / "report.pdf").exists():
                log = folder / "report.log"
                text = log.read_text(encoding="latin-1") if log.exists() else done.stdout
                first = next((line for line in text.splitlines() if line.startswith("!")), "no error line in the log")
                kept = out.with_suffix(".log")
                kept.parent.mkdir(parents=True, exist_ok=True)
                kept.write_text(text, encoding="utf-8")
                shutil.copyfile(folder / "report.tex", out.with_suffix(".tex"))
                raise ReportError(f"LaTeX failed: {first.strip()} (log: {kept})")
        _atomic_copy(folder / "report.pdf", out)


def _atomic_copy(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` through a temporary sibling and a rename (as pipeline.fsutil does)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.stem}.tmp-{os.getpid()}{dst.suffix}")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def write_report(model: LessonModel, out: Path | None = None, media: Path = Path("media"),
                 progress: TextIO | None = None) -> tuple[Path, Facts]:
    """Check the lesson and write its report; returns where it went and the facts (``facts.failed``
    empty if every check passed). Raises :class:`ReportError` when it cannot be typeset."""
    lesson = Path(model.spec.path)
    out = Path(out) if out is not None else default_output(lesson, media)
    find_pdflatex()  # before the checks: say at once what is missing
    facts = gather(model, media, progress)
    digest = sha256(lesson.read_bytes()).hexdigest()
    epoch, source = inputs_date(lesson)
    date = datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    compile_pdf(latex(facts, digest, date, source), out, epoch, digest[:32])
    return out, facts
