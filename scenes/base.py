"""The lesson scene: a list of named beats, each a section (for clips) and a slide boundary.

A scene declares the beats it shows, by their keys in the lesson model, and has one method per
beat with the same name, so that ``construct`` reads like the script::

    class BackwardSweep(LessonScene):
        beats = ("backward_sweep",)

        def backward_sweep(self, beat): ...

Each beat starts a manim section named ``"NN Title"`` and, when the scene is rendered as a slide
deck (manim-slides), a new slide. At the end of each beat the scene records what is on screen:
every text-like mobject with the model address it came from and its box, which the tests compare
with the model and check for overlaps and for leaving the frame. Shapes that TeX draws but that
show no text (a matrix's brackets, :mod:`scenes.matrices`) carry ``lesson_decoration`` and are
left out; a number drawn inside a shape (a neuron) carries it as ``lesson_holder``, and the tests
check that it stays inside.

Narration marks: a beat's method calls ``self.narrate("key")`` as the first statement of the
animation step each sentence of the beat's narration (:class:`mathcore.model.Sentence`) describes,
in the narration's order. The scene keeps every mark (:class:`Mark`: beat, sentence, time) and, when
the beat ends, checks that every sentence was marked and adds each sentence as a manim subcaption
shown from its mark to the next one (the last one to the beat's end): manim writes them beside
the scene's movie, ``<Scene>.srt`` (not for a still).
Without a narration timing (a silent video, a still) marking adds no frames.

Timing from the voice: a narrated build gives every sentence's audio length
(:func:`scenes.lesson.lesson_timing`). Then ``narrate`` first waits until the sentence before
has been said to its end, a pause (``self.wait``) ends at most :data:`BREATH` after the sentence
being said, and a beat ends :data:`END_PAUSE` after its last sentence: the voice sets the pace,
each sentence starts with its animation and none is cut off. A scene written to a movie also
writes ``<Scene>.marks.json`` beside it (every mark's time and each beat's start and end), from
which the pipeline lays the sentences' audio and captions on the joined video.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
from manim import DEFAULT_WAIT_TIME, UL, Animation, DecimalNumber, FadeIn, FadeOut, Mobject, ReplacementTransform, Scene, SingleStringMathTex, Text, config
from manim.mobject.text.tex_mobject import MathTexPart

from mathcore.model import Beat, LessonModel, Sentence
from scenes import copies, encoder, family, live, palette, paths, repeats
from scenes.lesson import lesson_model, lesson_timing
from scenes.tex import Caption, font_size_of

TEXT_TYPES = (SingleStringMathTex, MathTexPart, Text, DecimalNumber)
# Narrated beats (:meth:`LessonScene.wait`): a pause ends at most this long after the sentence
# being said, and a beat ends this long after its last sentence.
BREATH = 0.6
END_PAUSE = 1.0
MARKS_SUFFIX = ".marks.json"

paths.install()  # shapes that did not change are drawn from their kept Cairo paths (scenes.paths)
copies.install()  # mobjects copied without copy.deepcopy's generic dispatch (scenes.copies)
live.install()  # live numbers' digits copied from glyphs already scaled (scenes.live)
family.install()  # families listed and updaters run without a recursion per level (scenes.family)
encoder.install()  # x264's preset and tuning for the quality (scenes.encoder)
repeats.install()  # a wait's frame converted for the encoder once (scenes.repeats)


@dataclass
class OnScreen:
    """One text-like mobject at the end of a beat."""

    source: tuple[str, ...] | None  # model address, None if the mobject has none (a bug)
    tex: tuple[str, ...]  # its TeX parts (or words)
    box: tuple[float, float, float, float]  # left, bottom, right, top in scene units
    mobject: Mobject = field(repr=False)
    font_size: float | None = None  # its type size as shown (the smallest of its texts)
    # The shape it is drawn inside (a neuron), as it was then: centre x, y, width, height.
    holder: tuple[float, float, float, float] | None = None
    value: float | None = None  # a live number's value then (its function's value may move on later)


@dataclass
class BeatRecord:
    key: str
    number: int
    shown: list[OnScreen]
    start: float = 0.0  # the scene's time (s) when the beat began
    end: float = 0.0  # and when it ended
    pauses: list[tuple[float, float]] = field(default_factory=list)  # (time, length) of each wait

    @property
    def duration(self) -> float:
        return self.end - self.start

    def longest_run(self, pause: float) -> float:
        """The longest stretch of the beat (s) with no wait of at least ``pause`` seconds: new
        material a viewer takes in without a breath."""
        edges = [self.start]
        for time, length in self.pauses:
            if length >= pause:
                edges += [time, time + length]
        edges.append(self.end)
        return max(b - a for a, b in zip(edges[::2], edges[1::2]))


@dataclass(frozen=True)
class Mark:
    """Where a sentence of a beat's narration starts: the scene's time (s) when it was marked."""

    beat: str
    sentence: Sentence
    time: float

    @property
    def key(self) -> str:
        return self.sentence.key


class NarrationError(RuntimeError):
    """A scene marks its beat's narration wrongly: an unknown key, out of order, twice, or not at all."""


def section_name(beat: Beat) -> str:
    """The section (and chapter) name of a beat: ``"05 A product of rates, one per link"``."""
    return f"{beat.number:02d} {beat.title}"


class LessonScene(Scene):
    """Base of every lesson scene."""

    beats: ClassVar[tuple[str, ...]] = ()

    def setup(self) -> None:
        self.model: LessonModel = lesson_model()
        self.fmt = self.model.fmt
        self.record: list[BeatRecord] = []
        self._headline: Caption | None = None
        self.marks: list[Mark] = []  # every narration mark of the scene, in time order
        self._beat: Beat | None = None  # the beat being shown
        self._beat_marks: list[Mark] = []  # its marks so far
        self._pauses: list[tuple[float, float]] = []  # (time, length) of each wait in the beat
        self.timing = lesson_timing()  # seconds of each sentence's audio; empty: silent
        self._speech_end: float | None = None  # when the sentence being said ends (narrated beats)

    def construct(self) -> None:
        for i, key in enumerate(self.beats):
            beat = self.model.beat(key)
            self.start_beat(beat, first=i == 0)
            start, self._pauses = float(self.renderer.time), []
            self.begin_narration(beat)
            getattr(self, key)(beat)
            self.end_narration()
            self.record.append(BeatRecord(key, beat.number, list(self.on_screen()), start,
                                          float(self.renderer.time), self._pauses))

    def wait(self, duration: float = DEFAULT_WAIT_TIME, *args, **kwargs) -> None:
        """A pause, as manim's; noted for the pacing check (:meth:`BeatRecord.longest_run`).

        In a narrated beat a pause lasts at most until :data:`BREATH` after the sentence being
        said has ended: the voice sets the pace, and the screen never sits still in silence."""
        if self._speech_end is not None:
            duration = min(duration, self._speech_end + BREATH - float(self.renderer.time))
            if duration < 1 / config.frame_rate:  # not even a frame left
                return
        self._pause(duration, *args, **kwargs)

    def _pause(self, duration: float, *args, **kwargs) -> None:
        self._pauses.append((float(self.renderer.time), float(duration)))
        super().wait(duration, *args, **kwargs)

    def _wait_for_speech(self, after: float = 0.0) -> None:
        """Wait until the sentence being said has ended, and ``after`` seconds more: in whole
        frames, never fewer than that (manim cuts a still pause down to whole frames)."""
        if self._speech_end is None:
            return
        gap = self._speech_end + after - float(self.renderer.time)
        if gap <= 1e-9:
            return
        if not self.renderer.skip_animations:  # frames are written: end on the first frame after
            gap = (math.ceil(gap * config.frame_rate - 1e-6) + 0.5) / config.frame_rate
        self._pause(gap)

    def tear_down(self) -> None:
        super().tear_down()
        if config.write_to_movie and not config.dry_run:
            self.write_marks(Path(self.renderer.file_writer.movie_file_path).with_suffix(MARKS_SUFFIX))

    def write_marks(self, path: Path) -> None:
        """The scene's narration marks and beats, in seconds from its start, as JSON at ``path``."""
        data = {
            "scene": type(self).__name__,
            "marks": [{"beat": m.beat, "key": m.key, "time": round(m.time, 6)} for m in self.marks],
            "beats": [{"key": r.key, "start": round(r.start, 6), "end": round(r.end, 6)} for r in self.record],
        }
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    # -- narration ---------------------------------------------------------------------------------
    def begin_narration(self, beat: Beat) -> None:
        """The beat ``beat`` starts: its sentences are marked from now on."""
        self._beat, self._beat_marks = beat, []

    def narrate(self, key: str) -> Mark:
        """Mark that the sentence ``key`` of the current beat's narration starts now.

        Sentences must be marked in the narration's order, each once. Nothing is drawn or waited."""
        beat = self._beat
        if beat is None:
            raise NarrationError(f"{type(self).__name__}.narrate({key!r}) outside a beat")
        keys = [s.key for s in beat.narration]
        if key not in keys:
            raise NarrationError(f"beat {beat.key!r} has no narration sentence {key!r} (its keys: {', '.join(keys)})")
        done = [m.key for m in self._beat_marks]
        if key in done:
            raise NarrationError(f"beat {beat.key!r}: sentence {key!r} marked twice")
        expected = keys[len(done)]
        if key != expected:
            raise NarrationError(f"beat {beat.key!r}: sentence {key!r} marked out of order, expected {expected!r} "
                                 f"(order: {', '.join(keys)})")
        self._wait_for_speech()  # the sentence before this one is said to its end
        mark = Mark(beat.key, beat.narration[len(done)], float(self.renderer.time))
        self._beat_marks.append(mark)
        self.marks.append(mark)
        seconds = self.timing.get(beat.key, {}).get(key)
        if self.timing and seconds is None:
            raise NarrationError(f"beat {beat.key!r}: the narration timing has no length for sentence {key!r}; "
                                 "build with make, which times every sentence")
        self._speech_end = None if seconds is None else mark.time + seconds
        return mark

    def end_narration(self) -> None:
        """At the end of the current beat: check all its sentences were marked, and caption them.

        Each sentence's subcaption shows from its mark to the next mark (the last one to now, the
        beat's end). A sentence marked at the same time as the next would have no caption time: an
        error, since each sentence starts with an animation of its own."""
        beat = self._beat
        if beat is None:
            return
        marks, self._beat, self._beat_marks = self._beat_marks, None, []
        missing = [s.key for s in beat.narration[len(marks):]]
        if missing:
            raise NarrationError(f"beat {beat.key!r}: narration sentences never marked: {', '.join(missing)}")
        self._wait_for_speech(after=END_PAUSE)  # the beat ends after its last sentence, and a rest
        self._speech_end = None
        now = float(self.renderer.time)
        # Captions go with a movie (manim writes them beside it, as <movie>.srt); a still or a dry
        # run has no file to put them beside.
        captions = config.write_to_movie and not config.dry_run
        ends = [m.time for m in marks[1:]] + [now]
        for mark, end in zip(marks, ends):
            if end <= mark.time:
                raise NarrationError(f"beat {beat.key!r}: sentence {mark.key!r} has no time of its own "
                                     f"(marked at {mark.time:.2f} s, the next sentence or the beat's end too)")
            if captions:
                self.add_subcaption(mark.sentence.text, duration=end - mark.time, offset=mark.time - now)

    # -- staging helpers ---------------------------------------------------------------------------
    def headline(self, beat: Beat) -> Caption:
        """Show the beat's title small in the top-left corner (replacing the previous one)."""
        new = Caption(beat, font_size=palette.CAPTION_SIZE, color=palette.MUTED)
        new.to_corner(UL, buff=palette.MARGIN + 0.1)
        if self._headline is None:
            self.play(FadeIn(new))
        else:
            self.play(ReplacementTransform(self._headline, new))
        self._headline = new
        return new

    def reveal(self, eq: Mobject, *keys: str, anim: Callable[[Mobject], Animation] = FadeIn,
               also: Sequence[Animation] = (), run_time: float = 1.0) -> None:
        """Show the parts ``keys`` of the equation ``eq``, which stays on stage as one mobject.

        The rest of ``eq`` stays invisible until revealed in turn, so the screen always holds the
        whole tagged equation (which the tests read back), never loose pieces."""
        if eq not in self.mobjects:
            eq.set_opacity(0)
            self.add(eq)
        parts = eq.part(*keys)
        parts.set_opacity(1)
        self.play(anim(parts), *also, run_time=run_time)
        # The animation put the parts on stage by themselves (taking them out of ``eq``): put ``eq`` back.
        self.remove(parts)
        self.add(eq)

    def clear_stage(self, *keep: Mobject, run_time: float = 0.8) -> None:
        """Fade out everything but the headline and ``keep``."""
        kept = set(keep) | ({self._headline} if self._headline else set())
        gone = [m for m in self.mobjects if m not in kept]
        if gone:
            self.play(*(FadeOut(m) for m in gone), run_time=run_time)

    def start_beat(self, beat: Beat, first: bool) -> None:
        """A new section named after the beat; with manim-slides, a new slide as well.

        manim drops the empty section before the first beat, and manim-slides' ``next_slide``
        opens its own section, so each beat is one section either way.
        """
        next_slide = getattr(self, "next_slide", None)
        if callable(next_slide) and not first:
            next_slide(name=section_name(beat))
        else:
            self.next_section(section_name(beat))

    # -- what is on screen ---------------------------------------------------------------------
    def on_screen(self) -> Iterator[OnScreen]:
        """Every visible text-like mobject, taken at the outermost mobject that has a source."""
        for top in self.mobjects:
            yield from _texts(top)


def texts_of(*mobjects: Mobject) -> list[OnScreen]:
    """What :meth:`LessonScene.on_screen` would record for a stage holding ``mobjects``."""
    return [item for mob in mobjects for item in _texts(mob)]


def _texts(mob: Mobject) -> Iterator[OnScreen]:
    if getattr(mob, "lesson_decoration", False):  # drawn with TeX but no text: a matrix's brackets
        return
    source = getattr(mob, "lesson_source", None)
    if source is not None or isinstance(mob, TEXT_TYPES):
        if _visible(mob):
            value_fn = getattr(mob, "value_fn", None)
            yield OnScreen(source, _tex_of(mob), _box(mob), mob, font_size_of(mob), _holder(mob),
                           float(value_fn()) if callable(value_fn) else None)
        return
    for sub in mob.submobjects:
        yield from _texts(sub)


def _holder(mob: Mobject) -> tuple[float, float, float, float] | None:
    holder = getattr(mob, "lesson_holder", None)
    if holder is None:
        return None
    x, y = holder.get_center()[:2]
    return float(x), float(y), float(holder.width), float(holder.height)


def _visible(mob: Mobject) -> bool:
    family = [m for m in mob.get_family() if len(getattr(m, "points", ())) > 0]
    if not family:
        return False
    return any(m.get_fill_opacity() > 0.01 or m.get_stroke_opacity() > 0.01 for m in family)


def _tex_of(mob: Mobject) -> tuple[str, ...]:
    if hasattr(mob, "tex_strings"):
        return tuple(mob.tex_strings)
    if isinstance(mob, DecimalNumber):
        return (getattr(mob, "text", ""),)
    if isinstance(mob, Text):
        return (mob.text,)
    return (getattr(mob, "tex_string", ""),)


def _box(mob: Mobject) -> tuple[float, float, float, float]:
    points = np.concatenate([m.points for m in mob.get_family() if len(m.points)])
    left, bottom = points[:, 0].min(), points[:, 1].min()
    right, top = points[:, 0].max(), points[:, 1].max()
    return float(left), float(bottom), float(right), float(top)


def frame_box(margin: float) -> tuple[float, float, float, float]:
    w, h = config.frame_width / 2 - margin, config.frame_height / 2 - margin
    return -w, -h, w, h
