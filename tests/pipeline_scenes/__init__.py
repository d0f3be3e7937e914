"""Tiny scenes for the pipeline's tests: a fraction of a second of video each, two sections each.

The scene lists name their module through ``__name__``, so a copy of this package under another
name (the tests copy it to edit a scene) lists its own scenes.
"""

_TINY = f"{__name__}.tiny"

# The lesson of the tests: a LessonScene (reads the lesson file) and two plain scenes.
SCENES: tuple[tuple[str, str], ...] = ((_TINY, "Opening"), (_TINY, "Middle"), (_TINY, "Closing"))
# The same, then a scene that fails after its first animation.
WITH_BROKEN: tuple[tuple[str, str], ...] = SCENES + ((_TINY, "Broken"),)
# One scene that takes several seconds to render: time to interrupt it.
SLOW: tuple[tuple[str, str], ...] = ((_TINY, "Slow"),)
# A failing scene first, in the middle and last, among scenes no other list renders (so that
# nothing is cached for them and a run has scenes still to start when the failure comes).
FAIL_FIRST: tuple[tuple[str, str], ...] = ((_TINY, "Broken"), (_TINY, "Extra"), (_TINY, "Another"))
FAIL_MIDDLE: tuple[tuple[str, str], ...] = ((_TINY, "Extra"), (_TINY, "Broken"), (_TINY, "Another"))
FAIL_LAST: tuple[tuple[str, str], ...] = ((_TINY, "Extra"), (_TINY, "Another"), (_TINY, "Broken"))
# A scene whose state depends on every frame before (a split render of it does not add up).
DRIFTING: tuple[tuple[str, str], ...] = ((_TINY, "Drifting"),)
# A scene that fails in the first part of a split render, not otherwise.
SPLIT_FAILS: tuple[tuple[str, str], ...] = ((_TINY, "SplitFails"),)
