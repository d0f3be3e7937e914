"""The narration script: every beat's sentences, their numbers, and the spoken form the voice reads.

Checked independently of mathcore's conversions: every number a sentence writes must be one of
*that beat's* shown values or of the numbers plugged into its equations, as the screen writes them
(their TeX, with ``m \\times 10^{e}`` read here as ``m × 10ᵉ``), or a whole number the beat shows in
its title, texts or formulas (sizes, counts). The spoken form must be ASCII with no symbols left and
say the same numbers in the same order, signs and powers of ten in words, read back here with a
table of number words written in this file. Generated lesson files (:mod:`tests.lessongen`) must
pass the same checks.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from mathcore.beats import build_model
from mathcore.beats.common import Context
from mathcore.beats.narration import WRITERS, budget, speech_words
from mathcore.beats.reading import BeatReader
from mathcore.explain import write_json, write_text
from mathcore.model import Beat, LessonModel, Sentence
from mathcore.spoken import spoken

from .lessongen import lesson_text, lesson_texts
from .test_summaries import NUMBER, screen_text, whole_numbers_on_screen

EXAMPLES = int(os.environ.get("GENERATED_NARRATIONS", "8"))
SUPERSCRIPT = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-"))
# A number in the written form, with a sign the voice says: "-0.066", "(3 - 2)" (a minus before it),
# "+0.030", "4.12 × 10⁻³".
SAID_NUMBER = re.compile(r"(?<![0-9A-Za-z.])(?:([-+]) ?)?([0-9]+(?:\.[0-9]+)?)(?: × 10([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))?")
ONES = "zero one two three four five six seven eight nine".split()
TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = dict(zip("twenty thirty forty fifty sixty seventy eighty ninety".split(), range(20, 100, 10)))
VALUE_OF = {w: i for i, w in enumerate(ONES)} | {w: 10 + i for i, w in enumerate(TEENS)} | TENS
_WORD = "|".join(sorted(VALUE_OF, key=len, reverse=True))
# The same numbers as the voice says them: "minus 0.066", "1.10 times ten to the minus six".
SPOKEN_NUMBER = re.compile(rf"(?:(minus|plus) )?([0-9]+(?:\.[0-9]+)?)"
                           rf"(?: times ten to the (minus )?((?:{_WORD})(?: (?:{_WORD}|hundred))*))?")
MATH_SYMBOLS = "∂Σσ′·≈×⊙∇ηδΔ²ᵀ⁽⁾₀₁₂₃ₖⱼ→≤½¼\\{}^_$"


def beat_numbers(beat: Beat) -> set[str]:
    """Every number this beat shows, as the screen shows it: its values and series, and the numbers
    plugged into its equations' lines."""
    shown = list(beat.values.values()) + [s for vs in beat.series.values() for s in vs]
    lines = [n for eq in beat.equations.values() for inst in eq.instances for n in inst.numbers.values()]
    return {screen_text(v.tex) for v in shown} | {screen_text(n.tex) for n in lines}


def _exponent(said: str) -> int:
    words = said.split()
    if "hundred" in words:
        at = words.index("hundred")
        return 100 * VALUE_OF[words[0]] + (_exponent(" ".join(words[at + 1:])) if words[at + 1:] else 0)
    return sum(VALUE_OF[w] for w in words)


def written_numbers(text: str) -> list[tuple[str, str, int | None]]:
    """(sign, digits, power of ten) of every number in a written sentence, in order."""
    out = []
    for sign, digits, power in SAID_NUMBER.findall(text):
        exponent = int("".join(SUPERSCRIPT[ch] for ch in power)) if power else None
        out.append((sign, digits, exponent))
    return out


def spoken_numbers(said: str) -> list[tuple[str, str, int | None]]:
    """The same, read from a spoken sentence."""
    signs = {"minus": "-", "plus": "+", "": ""}
    return [(signs[sign], digits, (-1 if minus else 1) * _exponent(power) if power else None)
            for sign, digits, minus, power in SPOKEN_NUMBER.findall(said)]


def problems(model: LessonModel, strict_budget: bool = True) -> list[str]:
    """Everything wrong with the model's narration (empty if nothing)."""
    spec = model.spec
    found = []
    for beat in model.beats:
        where = f"beat {beat.number} ({beat.key})"
        sentences = beat.narration
        if not 2 <= len(sentences) <= 5:
            found.append(f"{where}: {len(sentences)} sentences")
        keys = [s.key for s in sentences]
        if len(set(keys)) != len(keys) or not all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in keys):
            found.append(f"{where}: keys {keys} are not unique identifiers")
        shown, whole = beat_numbers(beat), whole_numbers_on_screen(beat)
        for s in sentences:
            found += sentence_problems(s, shown, whole, (spec.title, spec.after, spec.before), f"{where} {s.key}")
        if strict_budget:
            words, limit = sum(speech_words(s.spoken) for s in sentences), budget(beat.key)
        else:  # other numbers are longer (4 places, scientific): count each as a word, with some room
            words, limit = sum(len(s.spoken.split()) for s in sentences), 1.3 * budget(beat.key)
        # Over the budget is the writer's best only if no shorter version is left: the last one.
        # (A title's length is its author's.)
        if words > limit and (strict_budget or (beat.key != "title" and not shortest(model, beat))):
            found.append(f"{where}: {words} words, more than {limit:.0f}")
    return found


def shortest(model: LessonModel, beat: Beat) -> bool:
    """Whether ``beat``'s narration is the last, shortest version its writer offers."""
    versions = WRITERS[beat.key](BeatReader(beat), Context.of(model.spec))
    return [(s.key, s.text) for s in beat.narration] == list(versions[-1])


def sentence_problems(s: Sentence, shown: set[str], whole: set[str], own: tuple[str, ...], where: str) -> list[str]:
    found = []
    where = f"{where}: {s.text!r}"
    if not s.text.strip() or not s.spoken.strip():
        return [f"{where}: empty"]
    words = s.text
    for quoted in own:  # the author's own words, quoted as typed
        words = words.replace(quoted, "")
    found += [f"{where}: TeX left over ({bad!r})" for bad in ("\\", "{", "}", "$") if bad in words]
    for number in NUMBER.findall(words):
        if number not in shown and number.lstrip("+-") not in whole:
            found.append(f"{where}: {number!r} is not a number this beat shows")
    if not s.spoken.isascii():
        found.append(f"{where}: spoken form {s.spoken!r} is not ASCII")
    found += [f"{where}: spoken form keeps {ch!r}" for ch in MATH_SYMBOLS if ch in s.spoken]
    if written_numbers(s.text) != spoken_numbers(s.spoken):
        found.append(f"{where}: spoken {s.spoken!r} says {spoken_numbers(s.spoken)}, "
                     f"the text {written_numbers(s.text)}")
    return found


def test_every_beat_has_a_clean_narration(any_model: LessonModel):
    assert len(any_model.beats) == 28
    assert problems(any_model, strict_budget=any_model.spec.path.name == "default.toml") == []


def test_the_check_finds_what_is_wrong(model: LessonModel):
    """The checker itself can fail: a number of another beat, a number the voice does not say, a
    repeated key, one sentence only, too many words."""
    beat = model.beat("local_derivatives")
    first = beat.narration[0]
    other_beat_number = model.beat("four_neurons").values["C0"].tex  # 0.182, not shown in beat 16
    wrong = [
        (first, replace(first, text=first.text + f" {other_beat_number}.", spoken=first.spoken + f" {other_beat_number}.")),
        (first, replace(first, spoken=first.spoken.replace("minus ", ""))),
        (first, replace(first, spoken=first.spoken + " ∂")),
        (beat.narration[1], replace(beat.narration[1], key=first.key)),
    ]
    for old, new in wrong:
        sentences = tuple(new if s is old else s for s in beat.narration)
        assert problems(_with_narration(model, beat, sentences)), new
    assert problems(_with_narration(model, beat, beat.narration[:1]))
    assert problems(_with_narration(model, beat, beat.narration * 2))


def _with_narration(model: LessonModel, beat: Beat, sentences: tuple[Sentence, ...]) -> LessonModel:
    beats = tuple(replace(b, narration=sentences) if b is beat else b for b in model.beats)
    return LessonModel(model.spec, model.fmt, model.worked, model.sigmoid, model.deep, model.wide, beats)


@pytest.mark.parametrize("text, said", [
    ("4.12 × 10⁻³", "4.12 times ten to the minus three"),
    ("-1.10 × 10⁻⁶", "minus 1.10 times ten to the minus six"),
    ("2.22 × 10²⁵", "2.22 times ten to the twenty five"),
    ("9.54 × 10⁻¹¹⁷", "9.54 times ten to the minus one hundred seventeen"),
    ("ΔC = +0.030", "delta C equals plus 0.030"),
    ("∂C₀/∂w⁽ᴸ⁾ = -0.066", "dee C zero by dee w L equals minus 0.066"),
    ("from a⁽ᴸ⁻¹⁾ to a⁽ᴸ⁾", "from a L minus one to a L"),
    ("σ′(z⁽ᴸ⁾) = 0.245", "sigma prime of z L equals 0.245"),
    ("C₀ = Σⱼ (a⁽ᴸ⁾ⱼ - yⱼ)²", "C zero equals the sum over j of a L j minus y j, squared"),
    ("df/dx = df/dg · dg/dx", "dee f by dee x equals dee f by dee g times dee g by dee x"),
    ("2.5 · 0.318 + (-0.5) ≈ 0.296", "2.5 times 0.318 plus, minus 0.5, is about 0.296"),
    ("W⁽ᴸ⁾, 2 × 3", "W L, 2 by 3"),
    ("ΔC₀/Δw⁽ᴸ⁾ and a/b", "delta C zero by delta w L and a over b"),
])
def test_spoken_form_by_hand(text: str, said: str):
    assert spoken(text) == said


def test_spoken_form_of_an_authors_other_characters():
    """A title may hold any character; the voice gets ASCII words or nothing."""
    assert spoken("Rückwärts: die Kettenregel – δ und σ′") == "Ruckwarts: die Kettenregel, delta und sigma prime"
    assert spoken("Backprop with α ∫ ✨ 反向") == "Backprop with alpha integral"


def test_scientific_numbers_are_said_in_words(model: LessonModel):
    # Default lesson, beat 9: the deep chain's first-weight gradient at depth 10 is shown as
    # 1.10 \times 10^{-6} (test_vanishing); the voice says its power of ten in words.
    beat = model.beat("vanishing")
    assert beat.series["gradient_by_depth"][-1].tex == r"1.10 \times 10^{-6}"
    said = " ".join(s.spoken for s in beat.narration)
    assert "1.10 times ten to the minus six" in said


def test_default_lesson_by_hand(model: LessonModel):
    # Worked chain: a0 = 1, w = (2, 3, 0.5), y = 2: dC/dw1 = 2 * 0.5 * 3 * 1 = 3, every factor exact.
    numbers = dict((s.key, s) for s in model.beat("product_of_rates").narration)["numbers"]
    assert "2 · 0.5 · 3 · 1 = 3" in numbers.text
    assert "2 times 0.5 times 3 times 1 equals 3" in numbers.spoken
    # Sigmoid chain, last link: 0.318 * 0.245 * (-0.853) = -0.0665 -> -0.066 (beat 16).
    product = dict((s.key, s) for s in model.beat("local_derivatives").narration)["product"]
    assert "0.318 · 0.245 · (-0.853) = -0.066" in product.text
    assert product.spoken.endswith("equals minus 0.066.")


def test_another_lesson_file_gives_its_own_narration(model: LessonModel, other_model: LessonModel):
    """Every beat whose narration says a number reads differently for the other lesson's numbers."""
    for mine, other in zip(model.beats, other_model.beats):
        assert [s.key for s in mine.narration] == [s.key for s in other.narration], mine.key
        texts = [" ".join(s.text for s in b.narration) for b in (mine, other)]
        if any(NUMBER.search(t) for t in texts):
            assert texts[0] != texts[1], mine.key


def test_explain_prints_the_narration(model: LessonModel):
    out = io.StringIO()
    write_text(model, out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("  narration ")]
    assert lines == [f"  narration {s.key}: {s.text}" for b in model.beats for s in b.narration]
    out = io.StringIO()
    write_json(model, out)
    beats = json.loads(out.getvalue())["beats"]
    assert [b["narration"] for b in beats] == [
        [{"key": s.key, "text": s.text, "spoken": s.spoken} for s in b.narration] for b in model.beats]


def test_speech_words_count_digits_as_said():
    # "minus zero point zero six six": six words; "twelve": one; "one two three four": four.
    assert speech_words("minus 0.066") == 6
    assert speech_words("12 1234 words.") == 1 + 4 + 1


def _model_of(text: str) -> LessonModel:
    path = Path(tempfile.mkdtemp(prefix="narration-lesson-")) / "lesson.toml"
    path.write_text(text, encoding="utf-8")
    return build_model(path)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking: a lesson builds in ~1 s
@given(text=lesson_texts())
def test_generated_lessons_have_clean_narration(text: str):
    assert problems(_model_of(text), strict_budget=False) == []


def test_numbers_read_back_by_hand():
    """The test's own reading of numbers, against a hand-written expectation."""
    assert written_numbers("C = (3 - 2)² = 1, 4.12 × 10⁻³, +0.03") == [
        ("", "3", None), ("-", "2", None), ("", "1", None), ("", "4.12", -3), ("+", "0.03", None)]
    assert spoken_numbers("3 minus 2 squared equals 1, 4.12 times ten to the minus three, plus 0.03") == [
        ("", "3", None), ("-", "2", None), ("", "1", None), ("", "4.12", -3), ("+", "0.03", None)]


def test_the_longest_lessons_stay_clean():
    """The largest networks at the most places make the longest numbers."""
    for seed, choices in [
        (1, dict(wide_sizes=(5, 5, 5, 5, 5), wide_activation="relu", decimals=4, deep_layers=12, sigmoid_layers=5,
                 worked_layers=5, sigmoid_examples=8)),
        (3, dict(wide_sizes=(1, 5, 1), wide_activation="identity", sigmoid_activation="relu", decimals=1)),
    ]:
        assert problems(_model_of(lesson_text(seed, **choices)), strict_budget=False) == []


def test_a_beat_over_its_budget_says_its_writers_shortest_version():
    """Kept as a file: a half-quadratic cost and long numbers make beat 11's only version 62 words."""
    model = _model_of((Path(__file__).parent / "data" / "generated_long_narration.toml").read_text(encoding="utf-8"))
    beat = model.beat("last_link")
    words = sum(len(s.spoken.split()) for s in beat.narration)
    assert words > 1.3 * budget("last_link") and shortest(model, beat)
    assert problems(model, strict_budget=False) == []
