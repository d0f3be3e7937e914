"""The lesson model for "Backpropagation calculus": sympy derives, NumPy computes.

``mathcore`` never imports manim. Its parts, from the bottom up:

- :mod:`mathcore.notation`: every symbol's TeX and sympy symbol, defined once.
- :mod:`mathcore.functions`: activations and costs, NumPy and sympy side by side.
- :mod:`mathcore.lessonfile`: read and validate a lesson file (TOML).
- :mod:`mathcore.numeric`: batched forward and backward passes.
- :mod:`mathcore.symbolic`: the network as a graph of definitions; derivatives and proofs.
- :mod:`mathcore.texparse`: read the lesson's TeX back into sympy.
- :mod:`mathcore.equations`: formulas as keyed TeX parts with the expressions they stand for.
- :mod:`mathcore.formatting`: the one rule for numbers on screen.
- :mod:`mathcore.model` and :mod:`mathcore.beats`: the lesson model, beat by beat.
- :mod:`mathcore.explain` and :mod:`mathcore.report`: the reviewers' reports, as text and as a PDF.

Typical use::

    from mathcore import build_model
    model = build_model("my_lesson.toml")
"""

from mathcore.lessonfile import LessonFileError, load_lesson
from mathcore.beats import build_model
from mathcore.model import Beat, LessonModel, Sentence, Shown

__all__ = ["Beat", "LessonFileError", "LessonModel", "Sentence", "Shown", "build_model", "load_lesson"]
