"""Manim scenes of the lesson, and the order in which they make the video.

Every scene reads the lesson model (:mod:`scenes.lesson`) and nothing else. The toolkit:
:mod:`scenes.palette` (colours by role, sizes), :mod:`scenes.tex` (equations, numbers and
captions tagged with their model address), :mod:`scenes.live` (live numbers and nudges),
:mod:`scenes.network` (network diagrams), :mod:`scenes.chains` (the worked chain and Part 2's
chain of single neurons), :mod:`scenes.widenet` (Part 3's network with indexed labels, paths to
the cost, and the Part 3 scene base), :mod:`scenes.tree` (the dependency tree), :mod:`scenes.matrices`
(matrices and column vectors of the model's numbers) and :mod:`scenes.base` (the lesson scene with
named beats). The part files (``part1.py``, ...) hold lesson scenes only; their helpers live here.

Speed, with the same pixels, each a :class:`scenes.patch.Patch` installed by the toolkit:
:mod:`scenes.glyphs` (formulas copy cheaply: glyphs drop their SVG source paths), :mod:`scenes.paths`
(an unchanged shape is drawn from its kept Cairo path, a changed one's path built from Python
floats), :mod:`scenes.copies` (mobjects copied without ``copy.deepcopy``'s generic dispatch),
:mod:`scenes.live` (live numbers' digits copied from glyphs already scaled) and
:mod:`scenes.svgstore` (a formula's or caption's parsed SVG kept on disk, so each is parsed once a
build); :mod:`scenes.census` lists the TeX strings the scenes will ask for, so that the pipeline
compiles them all at once before rendering (:mod:`pipeline.zygote`).
:mod:`scenes.encoder` sets x264's preset and tuning for each quality (``make bench-encoder``).
"""

from __future__ import annotations

# The lesson in order: (module, scene class).
LESSON_SCENES: tuple[tuple[str, str], ...] = (
    ("scenes.part1", "Title"),
    ("scenes.part1", "ChainRule"),
    ("scenes.part1", "NestedCost"),
    ("scenes.part1", "ProductOfRates"),
    ("scenes.part1", "BackwardSweep"),
    ("scenes.part1", "Squish"),
    ("scenes.part1", "VanishingGradients"),
    ("scenes.part2", "FourNeurons"),
    ("scenes.part2", "DependencyTree"),
    ("scenes.part2", "NudgeLastWeight"),
    ("scenes.part2", "LocalDerivatives"),
    ("scenes.part2", "AverageOverExamples"),
    ("scenes.part2", "OneLayerBack"),
    ("scenes.part3", "ManyNeurons"),
    ("scenes.part3", "SumOverPaths"),
    ("scenes.part3", "Recursion"),
    ("scenes.part3", "VectorForm"),
    ("scenes.part3", "DescentStep"),
)
