"""A mobject's family listed, and its updaters run, without manim's recursion at every level.

Manim walks the tree of a scene's mobjects several times a frame: the camera lists every family
member with points to draw it, a ``Transform`` lists both families to pair them up, and the scene
runs the updaters of every mobject and, recursively, of every submobject. Its
``Mobject.get_family`` builds a list at every level of the tree and removes repeats from it at
every level (``remove_list_redundancies``), so a formula's glyph is copied and checked once per
ancestor; its ``Mobject.update`` is a method call for every member, most of them glyphs with no
updater and no submobject. Over the lesson's scenes at 720p these walks were a fifth of the scene
work (cProfile).

With :func:`install`:

- ``Mobject.get_family`` walks the tree once, depth first, and removes the repeats once at the end,
  keeping the last of each as manim does. That is the same list: removing repeats (keeping the
  last) from ``A + B`` gives the same as from ``dedup(A) + dedup(B)`` (an element's last place is
  in ``B`` if it is in ``B`` at all, and the order within each part is kept), so manim's removal at
  every level equals one removal from the whole walk. A member whose class has its own
  ``get_family`` is asked for its family, as manim's recursion would. A family so large that it
  can only be a cycle (a mobject among its own submobjects) goes to manim's method, which says so.
- ``Mobject.update`` does what manim's does, in the same order, but does not call ``update`` on a
  submobject that has neither updaters nor submobjects (a call that would do nothing).

``tests/test_family.py`` checks both against manim's on generated trees; ``tests/test_speedups.py``
draws every scene's frames both ways.
"""

from __future__ import annotations

import inspect

from manim import Mobject

from scenes.patch import Patch

_get_family = Mobject.get_family  # manim's, for a family that can only be a cycle
_LIMIT = 1_000_000  # members walked before the family is taken for a cycle (manim's recursion says so)


def get_family(self: Mobject, recurse: bool = True) -> list[Mobject]:
    walked: list[Mobject] = []
    stack = [self]
    pop, push, append = stack.pop, stack.extend, walked.append
    while stack:
        member = pop()
        if type(member).get_family is not get_family and member is not self:
            walked.extend(member.get_family())  # a class with its own family, asked as manim does
            continue
        append(member)
        if member.submobjects:
            push(reversed(member.submobjects))
            if len(walked) > _LIMIT:
                return _get_family(self, recurse)
    if len(set(walked)) == len(walked):
        return walked
    kept: set[Mobject] = set()
    last: list[Mobject] = []
    for member in reversed(walked):
        if member not in kept:
            kept.add(member)
            last.append(member)
    last.reverse()
    return last


def update(self: Mobject, dt: float = 0, recursive: bool = True) -> Mobject:
    if self.updating_suspended:
        return self
    for updater in self.updaters:
        if "dt" in inspect.signature(updater).parameters:
            updater(self, dt)
        else:
            updater(self)
    if recursive:
        for submob in self.submobjects:
            if submob.updaters or submob.submobjects or type(submob).update is not update:
                submob.update(dt, recursive=recursive)
    return self


_PATCHES = (Patch(Mobject, "get_family", get_family), Patch(Mobject, "update", update))


def install() -> None:
    for patch in _PATCHES:
        patch.install()


def uninstall() -> None:
    for patch in _PATCHES:
        patch.uninstall()


def installed() -> bool:
    return all(patch.installed() for patch in _PATCHES)
