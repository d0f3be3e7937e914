"""Beat 9, vanishing gradients, for every activation a deep chain may have.

Each lesson here is the default lesson with its ``[deep_chain]`` replaced: a chain whose gradient
shrinks, one where a ReLU layer has ``z < 0`` (the gradient dies: exactly 0 from there on, for
ReLU; the other activations pass it on) and one whose weights make the gradient grow. The bound
is checked against the textbook facts written here, not read from the code: ``sigma' <= 1/4``
for the sigmoid, ``<= 1`` for tanh and ReLU (whose slope is 0 or 1), ``= 1`` for the identity.

The scene test renders only VanishingGradients, last frame, for a dead ReLU chain, the tests'
tanh lesson and a growing identity chain, and reads the screen back as tests/test_scenes.py does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from manim import tempconfig

from mathcore import build_model
from mathcore.lessonfile import DEFAULT_LESSON, LessonFileError
from mathcore.numeric import Network, first_weight_gradient_by_depth
from mathcore.symbolic import SymbolicNetwork
from mathcore.texparse import parse

from .conftest import OTHER_LESSON

# The largest slope of each activation, as textbooks state it.
MAX_SLOPE = {"identity": sp.Integer(1), "sigmoid": sp.Rational(1, 4), "tanh": sp.Integer(1), "relu": sp.Integer(1)}
# Whether sigma' <= max everywhere with equality somewhere ("\le"), or sigma' = max everywhere ("=").
RELATION = {"identity": "=", "sigmoid": r"\le", "tanh": r"\le", "relu": r"\le"}
# Where the slope peaks at z = 0 (so sigma'(0) = max is shown).
PEAKS_AT_ZERO = {"sigmoid", "tanh"}

CHAINS = {
    # name: (weights, biases, inputs, targets)
    "shrinking": ([1.2, 1.6, 0.9, 1.4, 1.1, 1.8], [0.1, -0.3, 0.2, 0.0, -0.1, 0.3], 1.0, 0.0),
    # z3 = -0.8 a2 + 0.2 < 0 for a2 > 0.25: a ReLU's slope there is 0, and so is every deeper gradient.
    "dead": ([1.2, 1.5, -0.8, 1.3, 0.9, 1.1, 1.4, 1.0], [0.1, -0.3, 0.2, 0.0, -0.1, 0.3, -0.2, 0.1], 1.0, 0.0),
    # Weights of 2 and more: with the identity each layer doubles the gradient at least.
    "growing": ([1.5, 2.0, 1.8, 2.5, 1.6, 2.2, 1.9, 2.4], [0.0] * 8, 1.0, 0.0),
}
ACTIVATIONS = tuple(MAX_SLOPE)


def deep_chain_lesson(directory: Path, activation: str, chain: str) -> Path:
    """The default lesson with its ``[deep_chain]`` replaced by ``CHAINS[chain]``."""
    weights, biases, x, y = CHAINS[chain]
    text = DEFAULT_LESSON.read_text(encoding="utf-8")
    start = text.index("[deep_chain]")
    end = text.index("\n[", start + 1)
    end = text.rfind("\n\n", start, end)  # keep the next section's comment
    section = "\n".join([
        "[deep_chain]",
        f'activation = "{activation}"',
        f"weights = [{', '.join(f'[[{w}]]' for w in weights)}]",
        f"biases = [{', '.join(f'[{b}]' for b in biases)}]",
        f"inputs = [[{x}]]",
        f"targets = [[{y}]]",
    ])
    path = directory / f"deep-{activation}-{chain}.toml"
    path.write_text(text[:start] + section + text[end:], encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lessons(tmp_path_factory):
    directory = tmp_path_factory.mktemp("deep-chains")
    return {(a, c): deep_chain_lesson(directory, a, c) for a in ACTIVATIONS for c in CHAINS}


@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_bound_belongs_to_the_activation(lessons, activation, chain):
    model = build_model(lessons[activation, chain])
    assert model.deep.spec.activation.name == activation
    beat = model.beat("vanishing")
    bound = beat.series["bound_by_depth"]
    depth = len(CHAINS[chain][0])
    assert len(bound) == depth == len(beat.series["gradient_by_depth"])
    slope = MAX_SLOPE[activation]
    for n, b in enumerate(bound, start=1):
        assert b.value == pytest.approx(float(slope) ** n, rel=1e-15)
    # The label says what is bounded, how, and by what: read its right side back as sympy.
    label = bound[0].label
    assert all(b.label == label for b in bound)
    product, relation, power = label.partition(f" {RELATION[activation]} ")
    assert relation and product == r"\prod_{l=1}^{L} \sigma'\left(z^{(l)}\right)", label
    (read,) = parse(power, SymbolicNetwork((1, 1)).scope()).sides
    for n in range(1, depth + 1):
        assert read.subs({s: n for s in read.free_symbols}) == slope**n, (power, n)
    assert [s.name for s in read.free_symbols] == (["L"] if activation == "sigmoid" else [])  # 1^L is written 1


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_shows_its_slope_and_the_equations_hold(lessons, activation):
    beat = build_model(lessons[activation, "shrinking"]).beat("vanishing")
    assert "textbook" in beat.equations  # ReLU's cases too
    assert ("peak" in beat.equations) == (activation in PEAKS_AT_ZERO)
    for key, eq in beat.equations.items():
        assert eq.check().ok, (activation, key, eq.check().detail)
    if activation in PEAKS_AT_ZERO:
        (read,) = parse(beat.equations["peak"].part("rhs"), SymbolicNetwork((1, 1)).scope()).sides
        assert read == MAX_SLOPE[activation]
    assert beat.values["max_slope"].value == float(MAX_SLOPE[activation])


@pytest.mark.parametrize("chain", CHAINS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_gradients_and_their_axis(lessons, activation, chain):
    model = build_model(lessons[activation, chain])
    beat = model.beat("vanishing")
    ex = model.deep
    expected = np.abs(first_weight_gradient_by_depth(Network.from_spec(ex.spec, model.spec.cost), ex.spec.inputs,
                                                     ex.spec.targets))
    grads = beat.series["gradient_by_depth"]
    assert [g.value for g in grads] == pytest.approx(expected.tolist(), rel=1e-12, abs=0)
    for g in grads:
        assert (g.tex == "0") == (g.value == 0), g  # a tiny gradient is never shown as 0
        assert len(g.tex) < 24, g  # a huge one is not written out in full
    # The log axis covers every value above 0 and every bound, one tick per decade or per few.
    decades = beat.data["decade_exponents"]
    steps = set(np.diff(decades))
    assert len(steps) == 1 and min(steps) >= 1 and 2 <= len(decades) <= 9
    positive = [g.value for g in grads if g.value > 0] + [b.value for b in beat.series["bound_by_depth"]]
    assert 10.0 ** decades[0] <= min(positive) and max(positive) <= 10.0 ** decades[-1]
    assert beat.data["decades"] == tuple("1" if k == 0 else f"10^{{{k}}}" for k in decades)
    assert beat.data["zero"] == (("0",) if any(g.value == 0 for g in grads) else ())
    assert beat.data["depths"] == tuple(str(n) for n in range(1, len(grads) + 1))


def test_a_relu_chain_with_a_negative_z_kills_the_gradient(lessons):
    grads = [g.value for g in build_model(lessons["relu", "dead"]).beat("vanishing").series["gradient_by_depth"]]
    # By hand: z1 = 1.2 + 0.1 = 1.3, z2 = 1.5 * 1.3 - 0.3 = 1.65, z3 = -0.8 * 1.65 + 0.2 = -1.12 < 0.
    assert grads[0] > 0 and grads[1] > 0
    assert grads[2:] == [0.0] * 6


def test_an_identity_chain_with_large_weights_grows(lessons):
    beat = build_model(lessons["identity", "growing"]).beat("vanishing")
    grads = [g.value for g in beat.series["gradient_by_depth"]]
    # By hand at depth 1: a1 = 1.5, dC/dw1 = 2 (a1 - 0) a0 = 3.
    assert grads[0] == pytest.approx(3.0)
    assert all(b > 2 * a for a, b in zip(grads, grads[1:]))
    assert beat.data["decade_exponents"][0] == 0 and 10.0 ** beat.data["decade_exponents"][-1] >= grads[-1]
    assert "times 10^{4}" in beat.series["gradient_by_depth"][-1].tex


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_a_gradient_too_large_to_show_is_one_line_naming_the_field(tmp_path):
    # Size limits on weights (|w| <= 10) make this unreachable; the beat still refuses to show inf.
    text = DEFAULT_LESSON.read_text(encoding="utf-8")
    start = text.index("[deep_chain]")
    lesson = tmp_path / "huge.toml"
    deep = text[start:].replace('"sigmoid"', '"identity"', 1).replace("[[1.2]], [[1.6]]", "[[1e200]], [[1e200]]", 1)
    lesson.write_text(text[:start] + deep)
    with pytest.raises(LessonFileError, match=r"huge\.toml: deep_chain\.weights") as error:
        build_model(lesson)
    assert "\n" not in str(error.value)


# -- the scene -------------------------------------------------------------------------------------
SCENE_LESSONS = {"relu-dead": ("relu", "dead"), "tanh": None, "identity-growing": ("identity", "growing")}


@pytest.fixture(scope="module", params=list(SCENE_LESSONS))
def rendered(request, lessons, tmp_path_factory):
    from scenes.lesson import LESSON_ENV, lesson_model
    from scenes.part1 import VanishingGradients

    which = SCENE_LESSONS[request.param]
    path = OTHER_LESSON if which is None else lessons[which]
    media = tmp_path_factory.mktemp(f"vanishing-{request.param}")
    config = {
        "media_dir": str(media), "quality": "low_quality", "save_last_frame": True, "write_to_movie": False,
        "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none", "tex_dir": str(media / "Tex"),
    }
    mp = pytest.MonkeyPatch()
    mp.setenv(LESSON_ENV, str(path))
    try:
        with tempconfig(config):
            scene = VanishingGradients()
            scene.render()
        model = lesson_model()
    finally:
        mp.undo()
    stills = sorted(media.rglob("VanishingGradients_ManimCE_*.png"))
    return request.param, model, scene.record, stills


def test_the_scene_renders_for_any_activation(rendered):
    name, model, records, stills = rendered
    assert stills and stills[-1].stat().st_size > 1000, name
    assert [r.key for r in records] == ["vanishing"]


def test_the_scene_shows_what_the_model_holds(rendered):
    from .test_scenes import expected_tex

    name, model, records, _ = rendered
    (record,) = records
    sources = set()
    for item in record.shown:
        assert item.source is not None, f"{name}: text with no model source: {item.tex}"
        tex = item.tex if not hasattr(item.mobject, "words") else (item.mobject.words,)  # Text drops spaces
        assert tex in expected_tex(model, item), f"{name}: {item.source} shows {tex}"
        sources.add(item.source[:3])
    beat = model.beat("vanishing")
    assert ("vanishing", "series", "bound_by_depth") in sources  # the activation's own bound label
    assert ("vanishing", "equations", "textbook") in sources
    assert (("vanishing", "data", "zero") in sources) == bool(beat.data["zero"])
    shown_decades = {item.source[3] for item in record.shown if item.source[:3] == ("vanishing", "data", "decades")}
    assert shown_decades == {str(i) for i in range(len(beat.data["decades"]))}


def test_the_scene_layout_stays_inside_the_frame_without_overlaps(rendered):
    from scenes import palette
    from scenes.base import frame_box

    from .test_scenes import _overlap

    name, _, records, _ = rendered
    left, bottom, right, top = frame_box(palette.MARGIN * 0.5)
    (record,) = records
    problems = []
    for i, a in enumerate(record.shown):
        l, b, r, t = a.box
        if l < left or b < bottom or r > right or t > top:
            problems.append(f"{name}: {a.source} leaves the frame: {np.round(a.box, 2)}")
        for c in record.shown[i + 1:]:
            if _overlap(a.box, c.box) > 1e-3:
                problems.append(f"{name}: {a.source} overlaps {c.source}")
    assert not problems, "\n".join(problems)
