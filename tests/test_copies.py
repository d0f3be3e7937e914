"""Fast copies (:mod:`scenes.copies`) and sized digits (:mod:`scenes.live`) change nothing but speed.

A copy made the fast way is compared, value by value, with the copy ``copy.deepcopy`` makes through
manim's own ``Mobject.__deepcopy__``: the same types, equal arrays, the same sharing inside the copy
(a glyph that is both a submobject and in the SVG-group map is one object), and nothing mutable
shared with the original. A live number's frames, drawn with both speed-ups and without, are the
same bit for bit while its text changes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from manim import (BLUE, DOWN, RED, Circle, DecimalNumber, MathTex, Scene, Square, Text, ValueTracker, VGroup,
                   tempconfig)
from manim.mobject.text.numbers import string_to_mob_map

from mathcore.formatting import Formatter
import scenes.base  # noqa: F401  (installs the speed-ups, as every lesson scene has them)
from scenes import copies, glyphs, live
from scenes.capture import draw_scene
from scenes.live import LiveNumber

MUTABLE = (list, dict, np.ndarray, set)


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    with tempconfig({"media_dir": str(tmp_path_factory.mktemp("media")), "verbosity": "WARNING"}):
        yield


def both_copies(mobject) -> tuple[Any, Any]:
    """(manim's deep copy, the fast copy) of ``mobject``."""
    copies.uninstall()
    try:
        plain = mobject.copy()
    finally:
        copies.install()
    return plain, mobject.copy()


def sharing(root, value, seen=None) -> dict[int, list[str]]:
    """Where each mutable object appears in ``root``'s tree: id -> the attribute paths reaching it."""
    found: dict[int, list[str]] = {}

    def walk(obj, path):
        if isinstance(obj, MUTABLE) or hasattr(obj, "submobjects"):
            found.setdefault(id(obj), []).append(path)
            if len(found[id(obj)]) > 1:
                return
        if hasattr(obj, "submobjects"):
            for key, item in obj.__dict__.items():
                walk(item, f"{path}.{key}")
        elif isinstance(obj, (list, tuple)):
            for i, item in enumerate(obj):
                walk(item, f"{path}[{i}]")
        elif isinstance(obj, dict):
            for key, item in obj.items():
                walk(item, f"{path}[{key!r}]")

    walk(value, root)
    return found


def assert_same(a, b, path="copy", seen=None) -> None:
    """``a`` and ``b`` (two copies of one mobject) hold equal values of the same types."""
    seen = set() if seen is None else seen
    if (id(a), id(b)) in seen:
        return
    seen.add((id(a), id(b)))
    assert type(a) is type(b), f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b), path
    elif hasattr(a, "submobjects"):
        assert set(a.__dict__) == set(b.__dict__), f"{path}: {set(a.__dict__) ^ set(b.__dict__)}"
        for key in a.__dict__:
            if key != "original_id":
                assert_same(a.__dict__[key], b.__dict__[key], f"{path}.{key}", seen)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]", seen)
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            assert_same(a[key], b[key], f"{path}[{key!r}]", seen)
    elif callable(a) or isinstance(a, enum.Enum):
        assert a == b or getattr(a, "__func__", a) is getattr(b, "__func__", b), path
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def tree_shape(mobject) -> list[tuple[str, ...]]:
    """Which attribute paths of ``mobject``'s tree reach the same mutable object."""
    return sorted(tuple(paths) for paths in sharing("m", mobject).values() if len(paths) > 1)


class Holder(Square):
    """A mobject with the less common things a copy must handle: a bound-method updater, a tuple
    holding arrays, a dict keyed by a tuple, a set."""

    def __init__(self) -> None:
        super().__init__()
        self.pair = (np.arange(3.0), "label")
        self.table = {("a", 1): [np.ones(2)], "same": None}
        self.table["same"] = self.table[("a", 1)]  # one list reached twice
        self.tags = {"x", "y"}
        self.add_updater(self.follow)

    def follow(self, mobject) -> None:
        pass


def shapes_with_an_updater() -> VGroup:
    shapes = VGroup(*(Circle(radius=0.2 * (i + 1)) for i in range(4)), Square().set_fill(BLUE, 0.5))
    shapes.add_updater(lambda m: None)
    return shapes


# Made one at a time, in the test that needs it (a formula or words cost a TeX or Pango run).
EXAMPLES: dict[str, Callable[[], Any]] = {
    "formula": lambda: MathTex(r"\frac{\partial C_0}{\partial w^{(L)}}", "=", r"\sigma'(z^{(L)})"),
    "words": lambda: Text("how the cost changes"),
    "number": lambda: DecimalNumber(-1.25, num_decimal_places=2).set_color(RED),
    "live": lambda: LiveNumber(Formatter(3), lambda: -0.0625, ("test",)),
    "shapes": shapes_with_an_updater,
    "tracker": lambda: ValueTracker(0.5),
    "holder": lambda: Holder(),
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_a_fast_copy_equals_manims_copy(config, name):
    original = EXAMPLES[name]()
    plain, fast = both_copies(original)
    assert_same(plain, fast)
    # The same sharing inside the copy as inside manim's copy (and as in the original).
    assert tree_shape(fast) == tree_shape(plain) == tree_shape(original)
    # Nothing mutable is shared with the original.
    theirs = sharing("original", original)
    shared = [paths for key, paths in sharing("copy", fast).items() if key in theirs]
    assert shared == []


def test_the_svg_group_map_of_a_copy_holds_the_copys_glyphs(config):
    formula = MathTex("a", "=", "b")
    fast = formula.copy()
    family = {id(m) for m in fast.get_family()}
    grouped = [glyph for group in fast.id_to_vgroup_dict.values() for glyph in group.submobjects]
    assert grouped and all(id(glyph) in family for glyph in grouped)
    fast.set_color_by_tex("b", RED)  # reaches the copy's glyphs through the map, not the original's
    assert fast[2][0].get_fill_color() == RED and formula[2][0].get_fill_color() != RED


def test_a_bound_method_updater_is_bound_to_the_copy(config):
    holder = Holder()
    fast = holder.copy()
    assert fast.updaters[0].__self__ is fast and holder.updaters[0].__self__ is holder


def test_changing_a_copy_leaves_the_original(config):
    original = shapes_with_an_updater()
    before = [m.points.copy() for m in original.get_family()]
    fast = original.copy()
    fast.shift(DOWN).set_fill(RED, 1)
    fast.submobjects.pop()
    assert len(original.submobjects) == 5
    assert all(np.array_equal(m.points, p) for m, p in zip(original.get_family(), before))
    assert original[0].get_fill_opacity() == 0 and fast[0].get_fill_opacity() == 1


def test_fast_copies_are_faster(config):
    """Not a timing assert (machines are shared): the fast copy makes far fewer Python calls, counted
    by the profiler, which does not depend on the machine's load."""
    import cProfile
    import pstats

    formula = EXAMPLES["formula"]()

    def calls(install: bool) -> int:
        (copies.install if install else copies.uninstall)()
        try:
            profile = cProfile.Profile()
            profile.runcall(formula.copy)
            return pstats.Stats(profile).total_calls
        finally:
            copies.install()

    assert calls(True) * 2 < calls(False)


# -- live numbers ---------------------------------------------------------------------------------------
class NudgedNumbers(Scene):
    """Live numbers of several sizes and colours, one negative, following a tracker for a second."""

    def construct(self):
        tracker = ValueTracker(0.25)
        numbers = VGroup(
            LiveNumber(Formatter(3), lambda: tracker.get_value() - 0.5, ("test",)),
            LiveNumber(Formatter(4), lambda: 3 * tracker.get_value() ** 2, ("test",), font_size=24).set_color(RED),
            LiveNumber(Formatter(2), lambda: -12.5 * tracker.get_value(), ("test",), font_size=60),
        ).arrange(DOWN)
        self.add(numbers)
        self.play(tracker.animate.set_value(0.75), run_time=1)
        self.play(numbers.animate.scale(0.5), tracker.animate.set_value(0.5), run_time=0.5)


def test_live_numbers_draw_the_same_frames_with_the_speedups(tmp_path):
    import sys

    module = sys.modules[__name__]
    setattr(module, "NudgedNumbers", NudgedNumbers)

    def frames(sped_up: bool) -> tuple[list[np.ndarray], int]:
        glyphs.forget_svgs()
        for speedup in (copies, live):
            (speedup.install if sped_up else speedup.uninstall)()
        drawn: list[np.ndarray] = []
        settings = {"media_dir": str(tmp_path), "quality": "low_quality", "frame_rate": 15, "write_to_movie": False,
                    "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none"}
        try:
            draw_scene(__name__, "NudgedNumbers", settings, lambda frame: drawn.append(frame.copy()))
        finally:
            copies.install()
            live.install()
        return drawn, len(live._SIZED)

    (fast, sized), (plain, unsized) = frames(True), frames(False)
    assert sized >= 10 and unsized == 0  # the fast frames did use sized glyphs; manim's did not
    assert len(fast) == len(plain) >= 20
    assert len({frame.tobytes() for frame in plain}) > 10  # the numbers changed from frame to frame
    different = [i for i, (a, b) in enumerate(zip(fast, plain)) if not np.array_equal(a, b)]
    assert different == []


def test_a_sized_glyph_is_made_again_when_manims_digit_cache_changes(config):
    """The TeX census (scenes.census) fills manim's digit cache with placeholders and then restores
    it: a glyph sized from a placeholder must not be used after."""
    number = LiveNumber(Formatter(2), lambda: 0.5, ("test",))
    first = number._string_to_mob("7")
    saved = dict(string_to_mob_map)
    string_to_mob_map["7"] = Square()  # a placeholder, as the census's
    try:
        assert type(number._string_to_mob("7")) is Square
    finally:
        string_to_mob_map.clear()
        string_to_mob_map.update(saved)
    again = number._string_to_mob("7")
    assert type(again) is type(first) and np.array_equal(again.get_all_points(), first.get_all_points())
    assert again is not first
