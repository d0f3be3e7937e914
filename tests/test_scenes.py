"""The scenes, built from the lesson model and read back from the screen.

Every lesson scene is rendered at low quality to its last frame (animations are skipped, the
logic runs), for the default lesson, for the tests' second lesson and for two generated lessons
(:mod:`tests.lessongen`: other sizes, activations, costs and places). At the end of every beat
the scene records each text-like mobject it shows with its address in the model; these tests
compare what is on screen with the model, check the beats' order, and check the layout: inside
the frame with a margin, no two texts overlapping.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest
from manim import DOWN, ORIGIN, RIGHT, Circle, RoundedRectangle, VGroup, config, tempconfig

from mathcore.beats import build_model
from mathcore.model import LessonModel
from scenes import LESSON_SCENES, palette
from scenes.base import BeatRecord, OnScreen, frame_box, texts_of
from scenes.lesson import LESSON_ENV
from scenes.tex import ShownTex, flow

from .lessongen import lesson_text

SCENES_DIR = Path(__file__).parents[1] / "scenes"
TOOLKIT = {"__init__.py", "base.py", "census.py", "chains.py", "lesson.py", "live.py", "matrices.py", "network.py",
           "palette.py", "tex.py", "tree.py", "widenet.py"}

# Two generated lessons (seed and fixed choices), far from the hand-written ones: a ReLU deep chain
# shown to 1 place (so most numbers below 1 are written in scientific form, the widest labels) and a
# tanh one to 4, with other depths, activations, costs and sizes (the other lesson file has 2 places).
GENERATED = {
    "relu-1-place": (101, dict(decimals=1, deep_activation="relu", deep_layers=7, cost="half_quadratic",
                                worked_layers=5, sigmoid_layers=5, sigmoid_activation="tanh", sigmoid_examples=8,
                                nudges=6, wide_sizes=(4, 2, 3, 2), wide_activation="relu")),
    "tanh-4-places": (202, dict(decimals=4, deep_activation="tanh", deep_layers=12, cost="quadratic",
                                worked_layers=2, sigmoid_layers=4, sigmoid_activation="relu", sigmoid_examples=5,
                                nudges=1, wide_sizes=(5, 5, 5), wide_activation="sigmoid")),
}


def render_all(media: Path, tex: Path | None = None,
               only: tuple[str, ...] | None = None) -> dict[str, tuple[list[BeatRecord], Path | None]]:
    """Render every lesson scene's last frame (or those named in ``only``); return its beat
    records and its still.

    ``tex`` is where compiled TeX goes (shared by the lessons: their symbolic formulas and words
    are mostly the same), by default in ``media``."""
    out = {}
    for module, name in LESSON_SCENES:
        if only is not None and name not in only:
            continue
        cls = getattr(importlib.import_module(module), name)
        config = {
            "media_dir": str(media), "quality": "low_quality", "save_last_frame": True, "write_to_movie": False,
            "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none", "tex_dir": str(tex or media / "Tex"),
        }
        with tempconfig(config):
            scene = cls()
            scene.render()
        stills = sorted(media.rglob(f"{name}_ManimCE_*.png"))
        out[name] = (scene.record, stills[-1] if stills else None)
    return out


@pytest.fixture(scope="module")
def tex_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tex")


# The lessons every scene is rendered for: the default (here) and two generated ones (each in a file
# of its own, tests/test_scenes_relu.py and tests/test_scenes_tanh.py, so that `make test`'s
# workers render them side by side), which between them vary every choice the tests' other lesson
# file does (that file's model is checked by the model's tests, its matrices drawn by
# test_toolkit, its narration marks read by test_marks). Each costs about 3 minutes of CPU, so a
# third hand-written one is not rendered here.
def render_lesson(name: str, tmp_path_factory, tex_dir: Path, model: LessonModel):
    """The default lesson (``"default"``) or a generated one (a key of :data:`GENERATED`),
    every scene rendered to its last frame: its model and its scenes' records and stills."""
    mp = pytest.MonkeyPatch()
    if name == "default":
        mp.delenv(LESSON_ENV, raising=False)
        lesson = model
    else:
        seed, choices = GENERATED[name]
        path = tmp_path_factory.mktemp("lessons") / f"{name}.toml"
        path.write_text(lesson_text(seed, **choices), encoding="utf-8")
        mp.setenv(LESSON_ENV, str(path))
        lesson = build_model(path)
    try:
        records = render_all(tmp_path_factory.mktemp(f"media-{name}"), tex_dir)
    finally:
        mp.undo()
    return lesson, records


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, tex_dir, model):
    return render_lesson("default", tmp_path_factory, tex_dir, model)


def test_every_scene_renders_a_still(rendered):
    _, records = rendered
    for name, (_, still) in records.items():
        assert still is not None and still.stat().st_size > 1000, name


def test_beats_come_in_the_planned_order(rendered):
    model, records = rendered
    shown = [r.key for name in records for r in records[name][0]]
    planned = [b.key for b in model.beats][: len(shown)]
    assert shown == planned
    assert len(shown) >= 9  # Part 1 at least


def expected_tex(model: LessonModel, item: OnScreen) -> set[tuple[str, ...]]:
    """What the mobject at ``item.source`` must show, read from the model."""
    beat_key, where, *rest = item.source
    beat = model.beat(beat_key)
    if where == "equations":
        eq = beat.equations[rest[0]]
        if rest[1:2] == ["part"]:  # one piece of the equation, shown on its own
            return {(eq.part(rest[2]),)}
        return {eq.tex_parts}
    if where in ("values", "series"):
        shown = beat.values[rest[0]] if where == "values" else beat.series[rest[0]][int(rest[1])]
        if rest[-1] == "label":
            return {(shown.label,)}
        forms = {(shown.tex,), (shown.label, "=", shown.tex)}
        if "part" in rest:  # one piece of a number display, shown on its own
            i = int(rest[-1])
            return {(form[i],) for form in forms if i < len(form)}
        return forms
    if where == "texts":
        return {(beat.texts[rest[0]],)}
    if where == "title":
        return {(beat.title,)}
    if where == "data":
        return {(beat.data[rest[0]][int(rest[1])],)}
    if where == "functions":  # a live number: its value when the beat ended
        assert item.value is not None
        return {(live_text(model.fmt, item, item.value),)}
    raise AssertionError(f"unknown source {item.source}")


def live_text(fmt, item, value: float) -> str:
    """What live number ``item`` shows for ``value``: a fixed number of places, at least the
    lesson's; where the value is tiny (shown elsewhere in scientific form, with three significant
    digits: 5.00 x 10^-3), enough places to keep those three digits (0.00500, not 0.0)."""
    places = item.mobject.places
    text = fmt.fixed(value, places)
    assert places >= fmt.places, item.source
    if fmt.is_tiny(value):
        digits = text.lstrip("-").replace(".", "").lstrip("0")
        assert len(digits) >= 3, f"{item.source}: {text} for a value shown as {fmt.number(value)}"
    return text


def test_everything_on_screen_is_what_the_model_holds(rendered):
    model, records = rendered
    checked = 0
    for name, (beats, _) in records.items():
        for record in beats:
            for item in record.shown:
                assert item.source is not None, f"{name}/{record.key}: text with no model source: {item.tex}"
                tex = item.tex if not hasattr(item.mobject, "words") else (item.mobject.words,)
                assert tex in expected_tex(model, item), f"{name}/{record.key}: {item.source} shows {tex}"
                checked += 1
    assert checked > 50


def test_the_links_are_shown_where_their_derivatives_are_taken(rendered):
    """NudgeLastWeight's chain-rule beat gives each link's derivative at the lesson's own point, so
    its number lines' dots are back there by the end of it, not left a nudge away (at a kink of
    ReLU the slope a nudge away differs: a link of 0 beside a moving dot)."""
    model, records = rendered
    beats = {record.key: record for record in records["NudgeLastWeight"][0]}
    start = model.beat("number_lines").values
    lives = {item.source[-1]: item for item in beats["chain_rule_assembled"].shown
             if item.source is not None and item.source[1] == "functions"}
    assert set(lives) == {"w", "z", "a", "C0"}
    for key, item in lives.items():
        assert item.tex == (live_text(model.fmt, item, start[key].value),), key


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0) * max(h, 0)


def _outside_holder(box, holder, slack: float = 0.01) -> float:
    """How far a corner of ``box`` reaches outside ``holder`` (centre x, y, width, height), a
    circle or a pill (a rectangle with half-circle ends): 0 if the box is inside."""
    cx, cy, width, height = holder
    r = height / 2
    straight = max(0.0, width / 2 - r)  # half the straight part; 0 for a circle
    worst = 0.0
    for x in (box[0], box[2]):
        for y in (box[1], box[3]):
            dx = max(0.0, abs(x - cx) - straight)
            worst = max(worst, float(np.hypot(dx, y - cy)) - r - slack)
    return worst


def layout_problems(records) -> list[str]:
    """Every text that leaves the frame (with half a margin), overlaps another, is too small to
    read, or reaches out of the neuron it is drawn in."""
    left, bottom, right, top = frame_box(palette.MARGIN * 0.5)
    problems = []
    for name, (beats, _) in records.items():
        for record in beats:
            boxes = [(item, item.box) for item in record.shown]
            for item, (l, b, r, t) in boxes:
                if l < left or b < bottom or r > right or t > top:
                    problems.append(f"{name}/{record.key}: {item.source} leaves the frame: {np.round((l, b, r, t), 2)}")
                if item.font_size is not None and item.font_size < palette.MIN_FONT_SIZE - 0.5:
                    problems.append(f"{name}/{record.key}: {item.source} is too small to read: "
                                    f"size {item.font_size:.1f}")
                if item.holder is not None and (out := _outside_holder((l, b, r, t), item.holder)) > 0:
                    problems.append(f"{name}/{record.key}: {item.source} reaches {out:.2f} out of its neuron")
            for i, (a, box_a) in enumerate(boxes):
                for c, box_c in boxes[i + 1:]:
                    if _overlap(box_a, box_c) > 1e-3:
                        problems.append(f"{name}/{record.key}: {a.source} overlaps {c.source}")
    return problems


def test_layout_inside_the_frame_without_overlaps_and_readable(rendered):
    _, records = rendered
    problems = layout_problems(records)
    assert not problems, "\n".join(problems)


# Pacing (issue 8): a beat is long enough to take in, about 8 s at least, and shows no more than
# about 35 s of new material before a pause of a second or more lets the viewer catch up.
SHORTEST_BEAT = 7.5
LONGEST_RUN = 35.0
PAUSE = 1.0


def pacing_problems(records) -> list[str]:
    problems = []
    for name, (beats, _) in records.items():
        for record in beats:
            if record.duration < SHORTEST_BEAT:
                problems.append(f"{name}/{record.key}: {record.duration:.1f} s, shorter than {SHORTEST_BEAT} s")
            if (run := record.longest_run(PAUSE)) > LONGEST_RUN:
                problems.append(f"{name}/{record.key}: {run:.1f} s without a pause of {PAUSE} s")
    return problems


def test_beats_are_paced_for_a_viewer(rendered):
    _, records = rendered
    problems = pacing_problems(records)
    assert not problems, "\n".join(problems)
    assert sum(len(beats) for beats, _ in records.values()) == 28


def test_pacing_check_catches_a_short_beat_and_a_long_run():
    """The pacing check can fail (hand-made records: 0-5 s is too short; 10 s, then 40 s with only
    a 0.5 s wait, is a 40 s run)."""
    short = BeatRecord("short", 1, [], 0.0, 5.0, [(2.0, 3.0)])
    dense = BeatRecord("dense", 2, [], 5.0, 56.0, [(15.0, 1.0), (30.0, 0.5)])
    fine = BeatRecord("fine", 3, [], 56.0, 90.0, [(60.0, 1.5), (75.0, 2.0)])
    problems = pacing_problems({"S": ([short, dense, fine], None)})
    assert problems == ["S/short: 5.0 s, shorter than 7.5 s", "S/dense: 40.0 s without a pause of 1.0 s"]
    assert fine.longest_run(PAUSE) == 13.5  # 56-60 s: 4 s; 61.5-75 s: 13.5 s; 77-90 s: 13 s


def test_layout_check_catches_a_row_too_wide_overlaps_and_small_text(model, tmp_path):
    """The check above can fail: a row of the model's numbers wider than the frame, two texts on
    top of each other, a text shrunk too far and a number wider than its neuron are each reported
    (a mutation check, no render)."""
    beat = model.beat("desire")
    with tempconfig({"media_dir": str(tmp_path), "tex_dir": str(tmp_path / "Tex"), "verbosity": "WARNING"}):
        row = VGroup(*(ShownTex(beat, "values", key, labelled=True) for key in ("nudge", "delta_cost", "predicted")))
        row.arrange(RIGHT, buff=5.0)
        assert row.width > config.frame_width
        on_top = [ShownTex(beat, "values", "desire"), ShownTex(beat, "values", "input")]
        tiny = ShownTex(beat, "values", "cost_before").scale(0.3).to_edge(DOWN)
        fitted = flow([m.copy() for m in row], buff=5.0).move_to(ORIGIN)
        spilled, held = ShownTex(beat, "values", "predicted"), ShownTex(beat, "values", "predicted")
        spilled.lesson_holder = Circle(radius=0.8 * spilled.width / 2).move_to(spilled)  # narrower than it
        held.lesson_holder = RoundedRectangle(corner_radius=held.height, width=held.width + 2 * held.height,
                                              height=2 * held.height).move_to(held)  # a pill around it

    def problems(*mobjects) -> list[str]:
        return layout_problems({"Mutant": ([BeatRecord("desire", beat.number, texts_of(*mobjects))], None)})

    wide = problems(row)
    assert any("leaves the frame" in p and "'nudge'" in p for p in wide), wide
    assert any("leaves the frame" in p and "'predicted'" in p for p in wide), wide
    assert any("overlaps" in p for p in problems(*on_top))
    assert any("too small to read" in p and "cost_before" in p for p in problems(tiny))
    assert problems(fitted) == []  # wrapped onto lines, the same row fits
    assert any("out of its neuron" in p and "predicted" in p for p in problems(spilled))
    assert problems(held) == []


def test_scene_parts_type_no_numbers_or_formulas():
    """Scene files build text only through the toolkit, which takes it from the model."""
    forbidden_calls = {"MathTex", "Tex", "Text", "MarkupText", "DecimalNumber", "Integer", "Paragraph"}
    offenders = []
    for path in sorted(SCENES_DIR.glob("*.py")):
        if path.name in TOOLKIT:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in forbidden_calls:
                offenders.append(f"{path.name}:{node.lineno} builds text directly")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\\" in node.value:
                offenders.append(f"{path.name}:{node.lineno} has a TeX literal {node.value!r}")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {"startswith", "endswith", "split",
                                                                                "partition", "rsplit"}:
                offenders.append(f"{path.name}:{node.lineno} decodes a string ({node.func.attr}); the model says "
                                 "what a part is (equation factors, roles)")
    assert not offenders, "\n".join(offenders)
    assert any(p.name not in TOOLKIT for p in SCENES_DIR.glob("*.py"))


@pytest.mark.slow
def test_each_beat_is_a_slide_when_rendered_as_a_deck(tmp_path, monkeypatch):
    import json

    from manim_slides import Slide

    from scenes.part1 import NestedCost

    monkeypatch.chdir(tmp_path)  # manim-slides writes ./slides
    monkeypatch.delenv(LESSON_ENV, raising=False)
    deck = type("NestedCostSlides", (Slide, NestedCost), {"skip_reversing": True})
    config = {"media_dir": str(tmp_path / "media"), "quality": "low_quality", "disable_caching": True,
              "verbosity": "WARNING", "progress_bar": "none", "frame_rate": 5}
    with tempconfig(config):
        deck().render()
    slides = json.loads((tmp_path / "slides" / "NestedCostSlides.json").read_text())["slides"]
    assert len(slides) == len(NestedCost.beats) == 2


# Wide networks of long numbers, to 1 place, most numbers in scientific form: the network at its
# narrowest readable width leaves a third of the frame, and its last weight matrix needs more
# (lesson_text's seed and choices; the test checks that each lesson is still such a one).
CRAMPED = {"5-4-5-5-4": (282, {}),
           "5-5-5-5-5": (5, dict(decimals=1, wide_sizes=(5, 5, 5, 5, 5), wide_activation="relu", deep_layers=12,
                                 worked_layers=5, sigmoid_examples=8, nudges=6))}


@pytest.mark.slow
@pytest.mark.parametrize("sizes", CRAMPED)
def test_a_matrix_with_no_room_beside_the_network_goes_under_it_readable(tmp_path_factory, tex_dir, sizes: str):
    """ManyNeurons' indices beat shows the network and, beside it, W^{(L)}. Where that does not fit
    readably, the network goes across the top and the matrix under it: inside the frame, no
    overlaps, readable, and clear of the frame's margin, not only half of it (before, the matrix
    ran off the frame's right edge and over the cost; then, on the 5-5-5-5-5 lesson, the row
    under the network reached 0.1 from the frame's left edge)."""
    seed, choices = CRAMPED[sizes]
    path = tmp_path_factory.mktemp("lessons") / "cramped.toml"
    path.write_text(lesson_text(seed, **choices), encoding="utf-8")
    assert "-".join(map(str, build_model(path).wide.sizes)) == sizes
    mp = pytest.MonkeyPatch()
    mp.setenv(LESSON_ENV, str(path))
    try:
        records = render_all(tmp_path_factory.mktemp("media-cramped"), tex_dir, only=("ManyNeurons",))
    finally:
        mp.undo()
    problems = layout_problems(records)
    assert not problems, "\n".join(problems)
    indices = next(r for r in records["ManyNeurons"][0] if r.key == "indices")
    last = f"w{len(build_model(path).wide.sizes) - 1}"  # W^{(L)}'s entries (the neurons' are a0...)
    matrix = [item.box for item in indices.shown if item.source and item.source[1:3] == ("series", last)]
    network = [item.box for item in indices.shown if item.holder is not None]
    assert matrix and network
    assert max(t for _, _, _, t in matrix) < min(b for _, b, _, _ in network)  # under it
    left, bottom, right, top = frame_box(palette.MARGIN)
    assert all(left <= l and r <= right and bottom <= b and t <= top for l, b, r, t in (i.box for i in indices.shown))


def test_each_generated_lesson_runs_every_rendered_test():
    """The generated lessons' files (test_scenes_relu.py, test_scenes_tanh.py) run every test here
    that reads a rendered lesson, each on its own lesson: a new such test cannot be left out."""
    takes = {name for name, f in globals().items()
             if name.startswith("test_") and "rendered" in inspect.signature(f).parameters}
    lessons = {}
    for short in ("relu", "tanh"):
        module = importlib.import_module(f"tests.test_scenes_{short}")
        assert takes <= set(vars(module)), f"{module.__name__} lacks {sorted(takes - set(vars(module)))}"
        lessons[short] = inspect.getsource(module.rendered)
    assert all(f'"{name}"' in " ".join(lessons.values()) for name in GENERATED)


# What the generated lessons' files take with ``from .test_scenes import *``: the rendered tests.
__all__ = ["render_lesson", "tex_dir", "test_every_scene_renders_a_still", "test_beats_come_in_the_planned_order",
           "test_everything_on_screen_is_what_the_model_holds", "test_the_links_are_shown_where_their_derivatives_are_taken",
           "test_layout_inside_the_frame_without_overlaps_and_readable", "test_beats_are_paced_for_a_viewer"]
