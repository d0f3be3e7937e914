"""Lesson files nobody wrote by hand: the model holds for any file that validation accepts.

Hypothesis generates complete lesson files across the limits (:mod:`tests.lessongen`: every
activation, both costs, 1-4 places, sizes up to 5-5-5-5-5, values from 1e-4 to 10). For each:
the model builds; ``python -m mathcore explain`` exits 0 (every equation's TeX reads back as the
derived expression and every equation holds); every plugged-in relation is honest and every
number is its value correctly rounded, read back from the TeX with fractions, independently of
mathcore (:func:`tests.test_shown_numbers.check_lesson`).
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from mathcore.__main__ import main as mathcore_main
from mathcore.beats import build_model

from .conftest import DATA
from .lessongen import lesson_text, lesson_texts
from .test_shown_numbers import check_lesson

# Each takes a fraction of a second (new sizes prove new statements once; the proof cache lives
# for the test session). GENERATED_LESSONS=500 runs a longer search.
EXAMPLES = int(os.environ.get("GENERATED_LESSONS", "60"))


def _explain(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = mathcore_main(["explain", str(path)])
    return code, err.getvalue()


def _write(text: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="generated-lesson-"))
    path = folder / "lesson.toml"
    path.write_text(text, encoding="utf-8")
    return path


def check_generated(text: str) -> None:
    path = _write(text)
    model = build_model(path)
    check_lesson(model)
    code, err = _explain(path)
    assert code == 0, f"explain exited {code} on {path}:\n{err}\n{text}"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=lesson_texts())
def test_any_valid_lesson_builds_checks_and_shows_honest_numbers(text: str):
    check_generated(text)


def test_the_corners_of_the_limits():
    """The extremes, fixed: largest sizes and places, every activation deep and wide."""
    for seed, choices in [
        (1, dict(wide_sizes=(5, 5, 5, 5, 5), wide_activation="relu", decimals=4, deep_layers=12)),
        (2, dict(wide_sizes=(4, 2, 3, 2), wide_activation="tanh", decimals=1, cost="half_quadratic")),
        (3, dict(wide_sizes=(1, 5, 1), wide_activation="identity", sigmoid_activation="relu", sigmoid_layers=5)),
        (4, dict(deep_activation="relu", deep_layers=12, sigmoid_activation="identity", decimals=2)),
    ]:
        check_generated(lesson_text(seed, **choices))


@pytest.mark.parametrize("name", ["generated_relu_kink", "generated_tiny_slope", "generated_exact_borderline"])
def test_lessons_the_search_once_found_wrong(name: str):
    """Kept as files: a ReLU slope at its kink (sympy's 1/2 against NumPy's 0), a slope too
    small to show (5.7e-13, shown as 0) in a product line, and a cost 1.0e-12 relative from its
    rounding (9999.98000001, shown as the exact 9999.98)."""
    check_generated((DATA / f"{name}.toml").read_text(encoding="utf-8"))
