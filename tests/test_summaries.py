"""Beat summaries (plain text for exports): present, free of TeX, short, and with the screen's numbers.

The numbers are checked independently of mathcore's plain-text conversion: every number in a
summary must be one of the model's shown values or of the numbers plugged into its equations,
written as the screen writes them (their TeX, with ``m \\times 10^{e}`` read here as ``m × 10ᵉ``),
or a whole number that the beat shows in its title, texts or formulas (sizes, counts, the cost's
``2``). Two beats are checked against a
calculation by hand, and generated lesson files (:mod:`tests.lessongen`) must pass the same checks.
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from mathcore.beats import build_model
from mathcore.beats.summaries import LIMIT
from mathcore.explain import write_text
from mathcore.model import Beat, LessonModel
from mathcore.plaintext import plain

from .lessongen import lesson_text, lesson_texts

SUPERSCRIPT_DIGITS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
# A number as written in a summary: 3, -0.066, +0.030, 4.12 × 10⁻³ (not the 3 of "a3": letters before it).
NUMBER = re.compile(r"(?<![0-9A-Za-z.])[-+]?[0-9]+(?:\.[0-9]+)?(?: × 10⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)?")
TEX_LEFTOVERS = ("\\", "{", "}", "^{", "_{", "$")
EXAMPLES = int(os.environ.get("GENERATED_LESSONS", "25"))


def screen_text(tex: str) -> str:
    """A shown number's TeX as a summary writes it (written here, not taken from mathcore)."""
    return re.sub(r"\s*\\times\s*10\^\{(-?[0-9]+)\}", lambda m: " × 10" + m.group(1).translate(SUPERSCRIPT_DIGITS),
                  tex)


def shown_numbers(model: LessonModel) -> set[str]:
    """Every number the model shows, as the screen shows it: the beats' values and series, and the
    numbers plugged into their equations' lines (a line's result, such as a weighted input, may be
    shown only there)."""
    values = {screen_text(v.tex) for b in model.beats
              for v in list(b.values.values()) + [s for vs in b.series.values() for s in vs]}
    lines = {screen_text(n.tex) for b in model.beats for eq in b.equations.values() for inst in eq.instances
             for n in inst.numbers.values()}
    return values | lines


def whole_numbers_on_screen(beat: Beat) -> set[str]:
    """Whole numbers in the beat's title, texts and formulas; TeX sub- and superscripts (a_{3}, 10^{-3})
    are indices, not numbers, and are left out."""
    tex = " ".join([beat.title, *beat.texts.values(), *(eq.tex for eq in beat.equations.values())])
    tex = re.sub(r"[_^](\{[^{}]*\}|.)", " ", tex)
    return set(re.findall(r"(?<![0-9.])[0-9]+(?![0-9.])", tex))


def problems(model: LessonModel) -> list[str]:
    """Everything wrong with the model's summaries (empty if nothing)."""
    shown = shown_numbers(model)
    spec = model.spec
    found = []
    for beat in model.beats:
        text = beat.summary
        where = f"beat {beat.number} ({beat.key}): {text!r}"
        if not text.strip():
            found.append(f"{where}: empty")
            continue
        if len(text) > LIMIT:
            found.append(f"{where}: {len(text)} characters, more than {LIMIT}")
        words = text
        for own in (spec.title, spec.after, spec.before):  # the author's own words, quoted as typed
            words = words.replace(own, "")
        found += [f"{where}: TeX left over ({bad!r})" for bad in TEX_LEFTOVERS if bad in words]
        whole = whole_numbers_on_screen(beat)
        for number in NUMBER.findall(words):
            if number not in shown and number.lstrip("+-") not in whole:
                found.append(f"{where}: {number!r} is not a number the lesson shows")
    return found


def test_every_beat_has_a_clean_summary(any_model: LessonModel):
    assert len(any_model.beats) == 28
    assert problems(any_model) == []


def test_the_check_finds_a_number_the_lesson_does_not_show(model: LessonModel):
    """The checker itself can fail: a made-up number, a TeX leftover, an over-long summary."""
    beat = model.beat("product_of_rates")
    wrong = [beat.summary.replace("= 3.", "= 3.5."), beat.summary + r" \cdot", "x" * (LIMIT + 1)]
    for text in wrong:
        broken = LessonModel(model.spec, model.fmt, model.worked, model.sigmoid, model.deep, model.wide,
                             tuple(b if b is not beat else _with_summary(b, text) for b in model.beats))
        assert problems(broken), text


def _with_summary(beat: Beat, text: str) -> Beat:
    from dataclasses import replace
    return replace(beat, summary=text)


def test_product_of_rates_by_hand(model: LessonModel):
    # Default lesson, worked chain: a0 = 1, w1 = 2, w2 = 3, w3 = 0.5, y = 2, cost (a3 - y)^2.
    # a1 = 2, a2 = 6, a3 = 3; dC/da3 = 2(3 - 2) = 2, da3/da2 = w3 = 0.5, da2/da1 = w2 = 3, da1/dw1 = a0 = 1,
    # so dC/dw1 = 2 * 0.5 * 3 * 1 = 3, every factor exact (shown with "=").
    assert "= 2 · 0.5 · 3 · 1 = 3." in model.beat("product_of_rates").summary
    assert "∂C/∂w₁ = ∂C/∂a₃ · ∂a₃/∂a₂ · ∂a₂/∂a₁ · ∂a₁/∂w₁" in model.beat("product_of_rates").summary


def test_last_link_cost_by_hand(model: LessonModel):
    # Default lesson, sigmoid chain, first example: a0 = 1; (w, b) = (1.5, 0.5), (-2, 1), (2.5, -0.5); y = 1.
    # z1 = 2, a1 = sigma(2) = 0.8808; z2 = -2 * 0.8808 + 1 = -0.7616, a2 = 0.3183;
    # z3 = 2.5 * 0.3183 - 0.5 = 0.2958, a3 = 0.5734; C0 = (0.5734 - 1)^2 = 0.1820: "(0.573 - 1)² = 0.182".
    # (0.573 - 1)^2 = 0.182329 rounds to the shown 0.182, so the line says "=".
    def sigma(z: float) -> float:
        return 1 / (1 + math.exp(-z))

    a = 1.0
    for w, b in ((1.5, 0.5), (-2.0, 1.0), (2.5, -0.5)):
        a = sigma(w * a + b)
    cost = (a - 1) ** 2
    assert f"{a:.3f}" == "0.573" and f"{cost:.3f}" == "0.182"
    assert f"= ({a:.3f} - 1)² = {cost:.3f}." in model.beat("last_link").summary


def test_another_lesson_file_gives_its_own_summaries(model: LessonModel, other_model: LessonModel):
    """Every beat with a number in its summary reads differently for the other lesson's numbers."""
    for mine, other in zip(model.beats, other_model.beats):
        if NUMBER.search(mine.summary) or NUMBER.search(other.summary):
            assert mine.summary != other.summary, mine.key
    assert "3-3-2" in model.beat("indices").summary
    assert "2-4-3" in other_model.beat("indices").summary
    assert f"learning rate η = {other_model.beat('descent_step').values['eta'].tex}" in \
        other_model.beat("descent_step").summary


def test_explain_prints_one_summary_line_per_beat(model: LessonModel):
    out = io.StringIO()
    write_text(model, out)
    lines = out.getvalue().splitlines()
    summaries = [line for line in lines if line.startswith("  summary   ")]
    assert summaries == [f"  summary   {b.summary}" for b in model.beats]


@pytest.mark.parametrize("tex, text", [
    (r"\frac{\partial C_{0}}{\partial w^{(L)}_{jk}}", "∂C₀/∂w⁽ᴸ⁾ⱼₖ"),
    (r"\frac{d f}{d x}", "df/dx"),
    (r"2.5 \cdot 0.318 + \left(-0.5\right) \approx 0.296", "2.5 · 0.318 + (-0.5) ≈ 0.296"),
    (r"-4.12 \times 10^{-3}", "-4.12 × 10⁻³"),
    (r"\frac{1}{2}\left(a^{(L)} - y\right)^2", "½(a⁽ᴸ⁾ - y)²"),
    (r"C_{0} = \sum_{j=0}^{n_L - 1} \left(a^{(L)}_{j} - y_{j}\right)^2", "C₀ = Σⱼ (a⁽ᴸ⁾ⱼ - yⱼ)²"),
    (r"\Delta w_{1}", "Δw₁"),
    (r"\Delta C_{0} / \Delta w^{(L)}", "ΔC₀/Δw⁽ᴸ⁾"),
    (r"\left(W^{(l+1)}\right)^T", "(W⁽ˡ⁺¹⁾)ᵀ"),
])
def test_plain_text_of_the_lessons_tex(tex: str, text: str):
    assert plain(tex) == text


def test_plain_text_refuses_tex_it_does_not_know():
    with pytest.raises(ValueError, match=r"\\begin"):
        plain(r"\begin{bmatrix} 1 \end{bmatrix}")
    with pytest.raises(ValueError, match="unbalanced"):
        plain(r"a_{1")


def _model_of(text: str) -> LessonModel:
    path = Path(tempfile.mkdtemp(prefix="summary-lesson-")) / "lesson.toml"
    path.write_text(text, encoding="utf-8")
    return build_model(path)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=lesson_texts())
def test_generated_lessons_have_clean_summaries(text: str):
    assert problems(_model_of(text)) == []


def test_the_longest_lessons_stay_within_the_limit():
    """The largest networks at the most places make the longest lists of numbers."""
    for seed, choices in [
        (1, dict(wide_sizes=(5, 5, 5, 5, 5), wide_activation="relu", decimals=4, deep_layers=12, sigmoid_layers=5,
                 worked_layers=5, sigmoid_examples=8)),
        (2, dict(wide_sizes=(5, 5, 5), decimals=4, cost="half_quadratic", sigmoid_layers=5, worked_layers=5)),
        (3, dict(wide_sizes=(1, 5, 1), wide_activation="identity", sigmoid_activation="relu", decimals=1)),
    ]:
        assert problems(_model_of(lesson_text(seed, **choices))) == []
