"""The family speed-up (scenes/family.py) lists the same family and runs the same updaters, in the
same order, as manim's own methods, on trees hypothesis makes: shared submobjects (a member in
two places), deep chains, empty groups, suspended updating, updaters with and without ``dt``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from manim import Mobject

from scenes import family

# manim's own methods, as the speed-up's Patch keeps them
ORIGINAL_FAMILY, ORIGINAL_UPDATE = family.get_family.__wrapped__, family.update.__wrapped__


@st.composite
def trees(draw) -> tuple[Mobject, list[Mobject]]:
    """A root and every mobject made: each new mobject takes some earlier ones (not itself or its
    ancestors-to-be, so no cycle) as submobjects, some of them taken twice."""
    made: list[Mobject] = []
    for _ in range(draw(st.integers(1, 25))):
        node = Mobject()
        if made:
            picks = draw(st.lists(st.integers(0, len(made) - 1), max_size=5))
            node.submobjects = [made[i] for i in picks]
        made.append(node)
    return made[-1], made


@settings(max_examples=100, deadline=None)
@given(trees())
def test_the_family_is_manims(tree):
    root, made = tree
    for mobject in made:  # every subtree, the root's included
        assert family.get_family(mobject) == ORIGINAL_FAMILY(mobject)
        assert family.get_family(mobject) is not mobject.submobjects


def test_a_deep_chain_and_a_class_of_its_own():
    chain = [Mobject() for _ in range(300)]
    for parent, child in zip(chain, chain[1:]):
        parent.submobjects = [child]
    assert family.get_family(chain[0]) == ORIGINAL_FAMILY(chain[0]) == chain

    class Lonely(Mobject):  # a class listing its own family: asked, as manim's recursion asks it
        def get_family(self, recurse=True):
            return [self]

    lonely, hidden = Lonely(), Mobject()
    lonely.submobjects = [hidden]
    root = Mobject()
    root.submobjects = [lonely, Mobject()]
    assert family.get_family(root) == ORIGINAL_FAMILY(root)
    assert hidden not in family.get_family(root)


def test_a_cycle_is_left_to_manim(monkeypatch):
    a, b = Mobject(), Mobject()
    a.submobjects, b.submobjects = [b], [a]
    monkeypatch.setattr(family, "_LIMIT", 1000)
    with pytest.raises(RecursionError):  # manim's own recursion, not a walk that never ends
        family.get_family(a)


@settings(max_examples=100, deadline=None)
@given(trees(), st.data())
def test_the_updaters_run_as_manims_do(tree, data):
    root, made = tree
    calls: list[tuple[int, str, float | None]] = []
    for index, mobject in enumerate(made):
        for kind in data.draw(st.lists(st.sampled_from(["dt", "plain"]), max_size=2)):
            if kind == "dt":
                mobject.add_updater(lambda m, dt, i=index: calls.append((i, "dt", dt)), call_updater=False)
            else:
                mobject.add_updater(lambda m, i=index: calls.append((i, "plain", None)), call_updater=False)
        if data.draw(st.booleans()) and data.draw(st.booleans()):
            mobject.suspend_updating(recursive=False)
    runs = []
    before = Mobject.update
    for method in (ORIGINAL_UPDATE, family.update):
        calls.clear()
        Mobject.update = method  # manim's recursion calls submob.update: the method being checked
        try:
            method(root, 0.25)
            method(root, 0.5, recursive=False)
        finally:
            Mobject.update = before
        runs.append(list(calls))
    assert runs[0] == runs[1]
