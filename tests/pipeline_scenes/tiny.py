"""The tiny scenes (see ``tests/pipeline_scenes/__init__.py`` for the lists that use them)."""

from __future__ import annotations

import os

from manim import BLUE, RIGHT, Circle, Dot, FadeIn, FadeOut, MathTex, Rotate, Scene, Square

from mathcore.model import Beat
from scenes.base import LessonScene

QUICK = 0.4  # seconds per animation
STEP = 0.2  # seconds for each further sentence of a beat (3 frames at 15 fps)


class Opening(LessonScene):
    """Two beats of the lesson: its section names, "01 ..." and "02 ...", come from the lesson file,
    and so does its narration (every sentence is marked, as lesson scenes must)."""

    beats = ("title", "chain_rule")

    def title(self, beat: Beat) -> None:
        self.narrated(beat, FadeIn(Square()))

    def chain_rule(self, beat: Beat) -> None:
        self.narrated(beat, *(FadeOut(m) for m in self.mobjects))

    def narrated(self, beat: Beat, *animations) -> None:
        """The beat's first sentence with its animations, each further one with a short wait."""
        first, *others = beat.narration
        self.narrate(first.key)
        self.play(*animations, run_time=QUICK)
        for sentence in others:
            self.narrate(sentence.key)
            self.wait(STEP)


class Middle(Scene):
    def construct(self) -> None:
        self.next_section("Middle one")
        formula = MathTex(r"\frac{\partial C}{\partial w}")
        self.play(FadeIn(formula), run_time=QUICK)
        self.next_section("Middle two")
        self.play(FadeOut(formula), run_time=QUICK)
        self.wait(0.2)


class Closing(Scene):
    def construct(self) -> None:
        self.next_section("Closing one")
        self.play(FadeIn(Circle(color=BLUE)), run_time=QUICK)
        self.next_section("Closing two")
        self.wait(QUICK)


class Broken(Scene):
    def construct(self) -> None:
        self.next_section("Broken one")
        self.play(FadeIn(Square()), run_time=QUICK)
        raise RuntimeError("this scene is broken on purpose")


class Slow(Scene):
    def construct(self) -> None:
        self.next_section("Slow one")
        square = Square()
        self.play(Rotate(square, angle=60), run_time=120)
        self.next_section("Slow two")
        self.wait(QUICK)


class Extra(Scene):
    def construct(self) -> None:
        self.next_section("Extra one")
        self.play(FadeIn(Circle()), run_time=QUICK)


class Another(Scene):
    def construct(self) -> None:
        self.next_section("Another one")
        self.play(FadeIn(Square(color=BLUE)), run_time=QUICK)


class Drifting(Scene):
    """A dot moved a little at every update (not by the time between frames): where it is depends
    on how many frames came before, so a split render's fast-forward cannot reach it there, and
    must notice (the scene is then rendered again in one process)."""

    def construct(self) -> None:
        dot = Dot()
        dot.add_updater(lambda m: m.shift(0.05 * RIGHT))
        self.add(dot)
        self.play(FadeIn(Square()), run_time=QUICK)
        self.play(FadeIn(Circle()), run_time=QUICK)
        self.play(FadeOut(dot), run_time=QUICK)


class SplitFails(Scene):
    """Fails in the first part of a split render only (it reads the split's setting, which no
    scene should): how a failing part is reported."""

    def construct(self) -> None:
        self.play(FadeIn(Square()), run_time=QUICK)
        if '"part": "first"' in os.environ.get("LESSON_SPLIT", ""):
            raise RuntimeError("the first part fails on purpose")
        self.play(FadeIn(Circle()), run_time=QUICK)
        self.wait(QUICK)
