"""Timing from the voice: how a scene paces a beat when it knows how long each sentence is said.

A hand-made scene of three steps on the default lesson's ``squish`` beat (three sentences) runs
with manim's animations skipped (the scene's clock still advances exactly by each run time and
wait), once silent and once with a timing file. The expected times are worked out by hand from
the rules of :mod:`scenes.base`: a sentence starts when its animation does, but not before the
sentence before it has been said; a pause ends at most ``BREATH`` after the sentence being said;
a beat ends ``END_PAUSE`` after its last sentence.
"""

from __future__ import annotations

import json

import pytest
from manim import FadeIn, FadeOut, Square, tempconfig

from scenes import lesson as lesson_module
from scenes.base import BREATH, END_PAUSE, LessonScene, NarrationError
from scenes.lesson import TIMING_ENV, TimingFileError


class Timed(LessonScene):
    """Three sentences: a 2 s animation; a 0.5 s one and a 5 s pause; a 0.5 s one."""

    beats = ("squish",)

    def squish(self, beat) -> None:
        first, second, third = (s.key for s in beat.narration)
        square = Square()
        self.narrate(first)
        self.play(FadeIn(square), run_time=2.0)
        self.narrate(second)
        self.play(square.animate.scale(0.5), run_time=0.5)
        self.wait(5.0)
        self.narrate(third)
        self.play(FadeOut(square), run_time=0.5)


def run(tmp_path, monkeypatch, timing: dict | None) -> Timed:
    monkeypatch.delenv(TIMING_ENV, raising=False)
    if timing is not None:
        path = tmp_path / "timing.json"
        path.write_text(json.dumps({"beats": timing}), encoding="utf-8")
        monkeypatch.setenv(TIMING_ENV, str(path))
    lesson_module._timing.cache_clear()
    config = {"media_dir": str(tmp_path), "quality": "low_quality", "write_to_movie": False,
              "save_last_frame": True, "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none"}
    with tempconfig(config):
        scene = Timed()
        scene.render()
    return scene


def keys(model) -> list[str]:
    sentences = [s.key for s in model.beat("squish").narration]
    assert len(sentences) == 3, "the test scene says the squish beat's three sentences; update it"
    return sentences


def test_silent_beats_keep_the_scenes_own_pace(tmp_path, monkeypatch, model):
    keys(model)
    scene = run(tmp_path, monkeypatch, None)
    assert [m.time for m in scene.marks] == pytest.approx([0.0, 2.0, 7.5])  # 2; 0.5 + 5
    assert scene.record[0].end == pytest.approx(8.0)


def test_the_voice_sets_the_pace(tmp_path, monkeypatch, model):
    first, second, third = keys(model)
    scene = run(tmp_path, monkeypatch, {"squish": {first: 1.0, second: 3.0, third: 2.0}})
    # First: said in 1 s, its animation takes 2 s: the second starts at 2.0 (the animation's end).
    # Second: said in 3 s (to 5.0); its 0.5 s animation ends at 2.5, the 5 s pause is cut to end
    # BREATH after the sentence: at 5.0 + BREATH = 5.6, where the third starts.
    # Third: said from 5.6 to 7.6; its animation ends at 6.1; the beat ends END_PAUSE after: 8.6.
    third_start = 2.0 + 3.0 + BREATH
    assert [m.time for m in scene.marks] == pytest.approx([0.0, 2.0, third_start])
    assert scene.record[0].end == pytest.approx(third_start + 2.0 + END_PAUSE)
    pauses = [x for pause in scene.record[0].pauses for x in pause]  # (time, length) pairs, flattened
    assert pauses == pytest.approx([2.5, third_start - 2.5, third_start + 0.5, 2.0 + END_PAUSE - 0.5])


def test_a_long_sentence_holds_the_next_animation_back(tmp_path, monkeypatch, model):
    first, second, third = keys(model)
    scene = run(tmp_path, monkeypatch, {"squish": {first: 4.5, second: 0.25, third: 0.25}})
    # The first is said for 4.5 s: the second waits for it (its animation does not start at 2.0).
    # The second's 0.5 s animation outlasts its 0.25 s, then the pause is cut to BREATH after the
    # sentence: 4.75 + BREATH - 5.0 (the animation's end) = 0.35 s.
    assert [m.time for m in scene.marks] == pytest.approx([0.0, 4.5, 4.5 + 0.25 + BREATH])
    assert scene.record[0].end == pytest.approx(4.5 + 0.25 + BREATH + 0.25 + END_PAUSE)


def test_a_timing_without_a_sentence_is_an_error(tmp_path, monkeypatch, model):
    first, second, _ = keys(model)
    with pytest.raises(NarrationError, match="no length for sentence"):
        run(tmp_path, monkeypatch, {"squish": {first: 1.0, second: 1.0}})


@pytest.mark.parametrize("content", ["{not json", '{"beats": {"squish": {"a": -1}}}', '{"other": 1}'])
def test_a_bad_timing_file_is_one_line_naming_it(tmp_path, monkeypatch, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(TIMING_ENV, str(path))
    lesson_module._timing.cache_clear()
    with pytest.raises(TimingFileError) as err:
        lesson_module.lesson_timing()
    message = str(err.value)
    assert str(path) in message and TIMING_ENV in message and "\n" not in message
