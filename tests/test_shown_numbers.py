"""Every number and every plugged-in relation on screen, read back from the TeX and checked.

The reading is independent of mathcore (:mod:`tests.texnumbers`: fractions.Fraction from the
TeX). For every line with shown numbers: ``=`` before a result exactly when the shown numbers,
evaluated exactly, round to the shown result (to its own places), ``\\approx`` otherwise; a shown
result is the line's exact value correctly rounded; plugged-in numbers can stand for that value
(interval arithmetic on their digits). And every number the model shows is its value correctly
rounded. ``check_lesson`` is reused on generated lesson files.
"""

from __future__ import annotations

from fractions import Fraction

from mathcore.model import LessonModel

from .texnumbers import Reader, is_numeric, read_number, round_half_away, split_sides

SLACK = 1e-9  # relative: floating-point values of the model against exact fractions


def _activation(model: LessonModel, part: int) -> str:
    return {1: "identity", 2: model.sigmoid.spec.activation.name, 3: model.wide.spec.activation.name}[part]


def _close_enough(x: float | Fraction, low: Fraction | float, high: Fraction | float) -> bool:
    slack = SLACK * max(1.0, abs(float(x)))
    return float(low) - slack <= float(x) <= float(high) + slack


def _lone_number(tex: str) -> bool:
    try:
        read_number(tex, 1)
    except ValueError:
        return False
    return True


def check_lines(model: LessonModel) -> list[str]:
    """Problems with the plugged-in lines of every equation (empty if none); counts lines read."""
    places = model.fmt.places
    problems = []
    for beat, eq in model.equations():
        sides, relations = split_sides(eq.tex)
        if not any(is_numeric(s) for s in sides[1:]):
            continue
        (inst,) = eq.instances  # lines with numbers are about one example
        exact_by_tex = {n.tex: n.value for n in inst.numbers.values()}
        where = f"beat {beat.number} {eq.key}: {eq.tex}"
        if not exact_by_tex:  # exact constants only (sigma'(0) = 1/4), proved by sympy: no rounding
            if any("." in side for side in sides if is_numeric(side)):
                problems.append(f"{where}: shows decimals that are not the model's shown numbers")
            continue
        for left, relation, right in zip(sides, relations, sides[1:]):
            if not is_numeric(right):
                continue
            if _lone_number(right):
                shown, half = read_number(right, places)
                exact = exact_by_tex[right]
                if not _close_enough(exact, shown - half, shown + half):
                    problems.append(f"{where}: {right} is not {exact!r} rounded")
                if is_numeric(left):
                    value = Reader(left, places, _activation(model, beat.part)).value()
                    quantum = 2 * half if half else Fraction(1, 10**places)
                    rounds = round_half_away(value.exact, quantum) == shown
                    if relation != ("=" if rounds else r"\approx"):
                        problems.append(f"{where}: says {relation} but {left} evaluates to {float(value.exact)!r}")
                    if not _close_enough(exact, value.low, value.high):
                        problems.append(f"{where}: {left} cannot stand for {exact!r}")
            else:
                value = Reader(right, places, _activation(model, beat.part)).value()
                exact = exact_by_tex[sides[-1]]
                if not _close_enough(exact, value.low, value.high):
                    problems.append(f"{where}: {right} cannot stand for {exact!r}")
    return problems


def check_numbers(model: LessonModel) -> list[str]:
    """Problems with the numbers the beats show (values and series): each its value rounded."""
    places = model.fmt.places
    problems = []
    for beat in model.beats:
        shown = list(beat.values.values()) + [s for series in beat.series.values() for s in series]
        for s in shown:
            x, half = read_number(s.tex, places)
            if s.tex.lstrip("+-").count(".") and "times" not in s.tex:
                decimals = len(s.tex.split(".")[1])
                half = Fraction(1, 2 * 10**decimals)  # fixed width (live numbers, ratios): rounded there
            if not _close_enough(s.value, x - half, x + half):
                problems.append(f"beat {beat.number} {s.key}: {s.tex} is not {s.value!r} rounded")
    return problems


def check_lesson(model: LessonModel) -> None:
    problems = check_lines(model) + check_numbers(model)
    assert not problems, "\n".join(problems)


def test_every_line_and_number_on_screen_is_honest(any_model: LessonModel):
    check_lesson(any_model)


def test_the_reader_reads_what_the_lines_show(model: LessonModel):
    # By hand: 2.5 * 0.318 + (-0.5) = 0.295 exactly, and 0.318 stands for [0.3175, 0.3185].
    value = Reader(r"2.5 \cdot 0.318 + \left(-0.5\right)", 3).value()
    assert value.exact == Fraction(295, 1000)
    assert (value.low, value.high) == (Fraction(29375, 100000), Fraction(29625, 100000))
    # (0.573 - 1)^2 = 0.182329; 1/2 (0.23 - 0.3)^2 = 0.00245; 2.20 x 10^-3 stands for [2.195, 2.205] x 10^-3.
    assert Reader(r"\left(0.573 - 1\right)^2", 3).value().exact == Fraction(182329, 10**6)
    assert Reader(r"\frac{1}{2}\left(0.23 - 0.3\right)^2", 2).value().exact == Fraction(245, 10**5)
    assert read_number(r"2.20 \times 10^{-3}", 2) == (Fraction(22, 10**4), Fraction(5, 10**6))


def test_the_check_catches_a_wrong_relation(model: LessonModel):
    """Mutation: the default lesson's beat 12 line with "=" in place of its honest approx."""
    import dataclasses

    beat = model.beat("weighted_input")
    eq = beat.equations["z"]
    wrong = dataclasses.replace(eq, parts=tuple((k, "=" if k == "eq3" else t) for k, t in eq.parts), _cache={})
    mutated = dataclasses.replace(beat, equations={**beat.equations, "z": wrong})
    lesson = dataclasses.replace(model, beats=tuple(mutated if b is beat else b for b in model.beats))
    problems = check_lines(lesson)
    assert len(problems) == 1 and "says = but" in problems[0]
