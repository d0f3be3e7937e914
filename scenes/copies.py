"""Copying a mobject without Python's generic deep copy: the same copy, made several times faster.

``Mobject.copy`` is ``copy.deepcopy``, and manim copies all the time: every ``Transform``,
``FadeIn`` and ``Write`` copies its mobject, every TeX string after the first is a copy from
manim's SVG cache, and a live number (:mod:`scenes.live`) copies one cached glyph per character
each time its text changes. The generic deep copy goes through ``copy.deepcopy``'s dispatch for
every attribute of every mobject of the tree: a digit is a ``MathTex`` of 3 mobjects plus the 8
groups of its SVG-group map, about 300 values, and took 0.6 ms to copy; in the lesson's
ChainRule, copying and scaling digits was a fifth of the time spent on each frame.

With :func:`install`, ``Mobject.__deepcopy__`` copies the attributes itself: NumPy arrays with
``ndarray.copy``, lists, tuples and dicts element by element, mobjects by recursion, and values
that cannot change (numbers, strings, enums, paths, functions, manim colours) are shared, as
``copy.deepcopy`` shares the immutable ones; anything else goes to ``copy.deepcopy`` with the same
memo. The memo is ``copy.deepcopy``'s own, so an object reached twice (a glyph that is both a
submobject and in the SVG-group map) is copied once, as before, and a bound method still gets
rebound to the copy. ``tests/test_copies.py`` compares copies made both ways, value by value,
and ``tests/test_speedups.py`` compares frames.

A manim colour is shared rather than copied: ``ManimColor`` sets its value only when made, and
every colour operation returns a new colour.
"""

from __future__ import annotations

import copy
import enum
import types
from pathlib import PurePath
from typing import Any

import numpy as np
from manim.mobject.mobject import Mobject
from manim.utils.color import ManimColor

from scenes.patch import Patch

# Values a copy may share with the original: nothing can change them in place.
_SHARED: tuple[type, ...] = (
    int, float, complex, str, bytes, bool, type(None), type, enum.Enum, PurePath, ManimColor, np.generic,
    types.FunctionType, types.BuiltinFunctionType, range, slice,
)


_shared_kinds: dict[type, bool] = {}  # type -> whether its values are shared (see _SHARED)


def _learn(kind: type) -> bool:
    shared = _shared_kinds[kind] = issubclass(kind, _SHARED)
    return shared


def _copied(value: Any, memo: dict[int, Any]) -> Any:
    kind = type(value)
    if kind is np.ndarray:
        if value.dtype.hasobject:
            return copy.deepcopy(value, memo)
        done = memo.get(id(value))
        if done is None:
            done = memo[id(value)] = value.copy()
            _keep_alive(value, memo)
        return done
    shared = _shared_kinds.get(kind)
    if shared or (shared is None and _learn(kind)):
        return value
    done = memo.get(id(value), memo)  # the memo itself as the "missing" marker, as copy.deepcopy does
    if done is not memo:
        return done
    if isinstance(value, Mobject):
        return _mobject_copy(value, memo)
    if kind is list:
        result: Any = []
        memo[id(value)] = result
        result.extend([_copied(item, memo) for item in value])
    elif kind is dict:
        result = {}
        memo[id(value)] = result
        for key, item in value.items():
            result[_copied(key, memo)] = _copied(item, memo)
    elif kind is tuple:
        items = tuple([_copied(item, memo) for item in value])
        done = memo.get(id(value), memo)  # a tuple holding itself (through a list): as copy.deepcopy
        if done is not memo:
            return done
        if all(a is b for a, b in zip(items, value)):
            return value
        result = memo[id(value)] = items
    else:
        return copy.deepcopy(value, memo)
    _keep_alive(value, memo)
    return result


def _keep_alive(value: Any, memo: dict[int, Any]) -> None:
    """As ``copy.deepcopy`` does: the original stays alive while the memo is in use, so that no
    other object can take its id and be mistaken for it."""
    try:
        memo[id(memo)].append(value)
    except KeyError:
        memo[id(memo)] = [value]


def _mobject_copy(self: Mobject, memo: dict[int, Any]) -> Mobject:
    cls = self.__class__
    result = cls.__new__(cls)
    memo[id(self)] = result
    _keep_alive(self, memo)
    state = self.__dict__.copy()  # no mobject class has a __setattr__ of its own: as setattr would
    kinds = _shared_kinds
    for key, value in state.items():
        shared = kinds.get(type(value))
        if not shared and (shared is not None or not _learn(type(value))):
            state[key] = _copied(value, memo)
    state["original_id"] = str(id(self))
    result.__dict__.update(state)
    return result


# Copy mobjects the fast way (scenes.base installs it).
_PATCH = Patch(Mobject, "__deepcopy__", _mobject_copy)
install, uninstall, installed = _PATCH.install, _PATCH.uninstall, _PATCH.installed
