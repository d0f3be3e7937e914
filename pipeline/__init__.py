"""The render pipeline: every lesson scene rendered once, cached, and joined into one video.

``python -m pipeline render`` (what ``make`` runs) renders the scenes of
:data:`scenes.LESSON_SCENES` with manim, in parallel, one process per scene, and joins them
in lesson order, without re-encoding, into ``media/<lesson folder>/<quality>/<lesson name>.mp4``
with a chapter list (one chapter per beat). ``python -m pipeline export`` (``make export``) does
the same, then cuts a clip and a poster per beat for educators' slides. ``python -m pipeline
preview SCENE`` renders one scene fast.

Each scene's video is cached under a key of everything it is made from (its own code, the scene
toolkit, the lesson model's code, the lesson file, the quality and manim's version), so a second
run with nothing changed renders nothing, and editing one scene re-renders only that scene.

Modules, from the bottom up:

- :mod:`pipeline.errors`: the one-line errors the command line prints, and exit codes.
- :mod:`pipeline.fsutil`: atomic writes and links.
- :mod:`pipeline.quality`: the quality presets and their manim flags.
- :mod:`pipeline.lesson`: the lesson file: validated, hashed, and its output folder.
- :mod:`pipeline.scenelist`: the scene list (registry) and where each scene's code lives.
- :mod:`pipeline.memo`: what was read of the sources, kept for the next run (by ``stat``).
- :mod:`pipeline.cachekey`: what each scene is made from, hashed.
- :mod:`pipeline.layout`: where everything goes under the media folder.
- :mod:`pipeline.cache`: cache entries (committed in one rename) and the shared TeX store.
- :mod:`pipeline.texbatch`: many TeX strings compiled in a few LaTeX runs, into the TeX store.
- :mod:`pipeline.preflight`: LaTeX, dvisvgm, cairo and manim present?
- :mod:`pipeline.progress`: the lines printed while it works.
- :mod:`pipeline.storage`: the media folder's disk: writable? full? how much a render needs.
- :mod:`pipeline.zygote`: one warm process per build (manim, the scenes and the model imported, the
  lesson's TeX compiled) from which each scene's render is forked.
- :mod:`pipeline.warm`: the base the zygote is forked from, kept between builds with manim,
  sympy and NumPy imported (none of the project's code), and retired when they change on disk.
- :mod:`pipeline.render`: one manim process per scene, several at a time, into the cache.
- :mod:`pipeline.chapters`: chapter lists from manim's section index.
- :mod:`pipeline.join`: remux the scene videos into one (PyAV, no re-encoding).
- :mod:`pipeline.narration`, :mod:`pipeline.audio`: the narration's plan and its sound: the
  sentences laid out on one track (their samples read while the scenes render), encoded as AAC
  once per track and kept in ``cache/sound/``, muxed with the captions.
- :mod:`pipeline.build`: the whole build, and a one-scene preview.
- :mod:`pipeline.export`: per-beat clips (remuxed) and posters, a contact sheet, a manifest.
- :mod:`pipeline.cli`: ``python -m pipeline``.

The parent process never imports manim; it only starts the zygote and asks it for renders. A run with nothing
to render imports no sympy, NumPy or PyAV either (the memo knows the sources' digests and that
the lesson file is valid), so it finishes in a fifth of a second.
"""
