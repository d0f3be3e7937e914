"""The whole build (every scene, joined into one video with chapters) and a one-scene preview.

Both look every scene up in the cache first and render only what is missing, so a build with
nothing changed renders nothing, re-joins nothing and never imports manim, nor sympy, NumPy or
PyAV: what it reads of the sources to make the cache keys comes from the memo
(:mod:`pipeline.memo`) where the files are unchanged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pipeline.cache import CacheEntry, load_entry, remove_tree
from pipeline.cachekey import scene_keys
from pipeline.captions import to_srt, to_webvtt
from pipeline.chapters import Part, chapters_of, manifest, recorded_keys, recorded_narration, write_chapters
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write_text, publish_file, show_path
from pipeline.join import Sound, join_videos, video_duration
from pipeline.layout import Layout, Outputs
from pipeline.lesson import LessonInput, read_lesson
from pipeline.memo import Memo
from pipeline.narration import Narration, check_mode, lesson_sound, narrate, scene_sound
from pipeline.preflight import check_render_tools
from pipeline.progress import Progress, span
from pipeline.quality import DEFAULT_QUALITY, PREVIEW_QUALITY, Quality, quality
from pipeline.render import Renderer, RenderRequest, default_jobs, early_zygote, render_args
from pipeline.scenelist import DEFAULT_REGISTRY, Registry, SceneRef, load_registry, shown_beats
from pipeline.storage import SpaceNeed, storage_errors
from pipeline.zygote import Zygote

if TYPE_CHECKING:
    from pipeline.audio import SamplesAhead


@dataclass(frozen=True)
class Options:
    """What to build, and how."""

    lesson: Path | str | None = None  # None: the default lesson
    quality: str | None = None  # None: medium for a build, low for a preview
    jobs: int | None = None  # None: one per core
    media: Path = Path("media")
    registry: str = DEFAULT_REGISTRY  # the scene list, "module:ATTRIBUTE"
    narration: str | None = None  # "voice" (None: the default) or "none" (silent)


@dataclass
class Result:
    """What a build or preview did."""

    video: Path
    duration: float  # seconds of video
    seconds: float  # wall time of the whole run
    rendered: dict[str, float] = field(default_factory=dict)  # scene -> render time (s)
    cached: list[str] = field(default_factory=list)
    joined: bool = False
    entries: list[CacheEntry] = field(default_factory=list)  # the scenes' cache entries, in lesson order
    keys: dict[str, str] = field(default_factory=dict)  # scene -> cache key
    lesson: LessonInput | None = None
    outputs: Outputs | None = None
    narration: Narration | None = None  # what is said (None: a silent build)
    memo: Memo | None = None  # what the build read of the sources (for the export's digests)
    sound: Sound | None = None  # the lesson video's narration track and captions, once laid out


def lesson_track(result: Result) -> Sound | None:
    """The narration track and captions of the lesson video ``result`` built (``None`` if silent):
    as the join laid them out, or laid out again the same way (from the scenes' marks and the
    sentences' audio) when this run joined nothing."""
    if result.sound is None and result.narration is not None:
        result.sound = _sound(result.entries, _parts(result.entries, result.keys), result.narration)
    return result.sound


def build_lesson(options: Options, out: TextIO | None = None) -> Result:
    """Render what is missing, join every scene in lesson order, write the chapter lists."""
    started = time.monotonic()
    session = _Session(options, quality(options.quality or DEFAULT_QUALITY), out)
    entries, rendered = session.entries(list(session.registry.scenes))
    outputs = session.outputs
    ordered = [entries[ref.name] for ref in session.registry.scenes]
    record = [(e.scene, session.keys[e.scene]) for e in ordered]
    narration = session.narration
    sound_of = narration.digest if narration else None
    joined = bool(rendered) or not _up_to_date(outputs, record, sound_of)
    sound = None
    if joined:
        parts = _parts(ordered, session.keys)
        chapters = chapters_of(parts, ordered)
        end = parts[-1].start + parts[-1].duration
        sound = _sound(ordered, parts, narration, session.samples_ahead)
        with storage_errors(SpaceNeed.join(session.layout.media, [e.video for e in ordered])):
            join_videos([e.video for e in ordered], [p.start for p in parts], outputs.video, chapters, end, sound,
                        session.layout.sound_store)
            _write_captions(outputs, sound)
            data = manifest(session.lesson.name, session.quality.name, outputs.video, parts, chapters)
            write_chapters(outputs.chapters_txt, outputs.chapters_json, data | {"narration": sound_of}, chapters)
        duration = float(end)
    else:
        duration = sum(e.duration for e in ordered)
    session.memo.save()  # the sources too recent to memoise when read may have settled meanwhile
    result = Result(outputs.video, duration, time.monotonic() - started, rendered,
                    [ref.name for ref in session.registry.scenes if ref.name not in rendered], joined,
                    ordered, dict(session.keys), session.lesson, outputs, narration, session.memo, sound)
    _summary(session.progress, result, outputs, narration is not None)
    return result


def preview_scene(name: str | None, options: Options, out: TextIO | None = None) -> Result:
    """Render one scene (at low quality unless ``options`` say otherwise) and copy it to
    ``<output folder>/scenes/<name>.mp4``."""
    started = time.monotonic()
    memo = Memo(_layout(options).memo_file)
    registry = load_registry(options.registry, memo)
    if not name:
        raise PipelineError(f"name the scene to preview: make preview SCENE=<name>; the scenes are "
                            f"{', '.join(registry.names())}")
    ref = registry.find(name)
    q = quality(options.quality or PREVIEW_QUALITY)
    session = _Session(options, q, out, registry=registry, scenes=[ref], memo=memo)
    entries, rendered = session.entries([ref])
    entry = entries[name]
    target = session.outputs.preview(name)
    with storage_errors(SpaceNeed.join(session.layout.media, [entry.video])):
        if session.narration is None:
            publish_file(entry.video, target)
        else:  # with its narration, to hear the timing
            from pipeline.audio import lay_out, mux_samples, read_samples  # NumPy: only for a narrated preview

            placements, cues = scene_sound(entry, session.narration)
            read = session.samples_ahead.read if session.samples_ahead else read_samples  # read while it rendered
            mux_samples(entry.video, lay_out(placements, entry.duration, read=read), cues, target)
    session.memo.save()  # (as at the end of build_lesson)
    result = Result(target, entry.duration, time.monotonic() - started, rendered, [] if rendered else [name])
    session.progress.say(f"preview of {name}: {show_path(target)}")
    return result


class _Session:
    """One run: the scene list, lesson, quality, cache keys, output folder and progress lines."""

    def __init__(self, options: Options, q: Quality, out: TextIO | None, *, registry: Registry | None = None,
                 scenes: list[SceneRef] | None = None, memo: Memo | None = None) -> None:
        self.options = options
        self.layout = _layout(options)
        self.memo = memo or Memo(self.layout.memo_file)
        self.registry = registry or load_registry(options.registry, self.memo)
        self.lesson: LessonInput = read_lesson(options.lesson, self.memo)
        self.quality = q
        self.outputs: Outputs = self.layout.outputs(self.lesson, q)
        self.samples_ahead: SamplesAhead | None = None  # the sentences' samples, read while scenes render
        names = [ref.name for ref in (scenes or self.registry.scenes)]
        self.progress = Progress(names, out)
        what = f"{len(names)} scenes" if len(names) > 1 else f"scene {names[0]}"
        self.progress.say(f"{self.lesson.name}: {what} at {q.describe()}, lesson file {show_path(self.lesson.path)}")
        # Warming up while the cache is checked: used if a scene needs rendering, else stopped.
        self.zygote: Zygote | None = early_zygote(self.layout, self.lesson, scenes or self.registry.scenes,
                                                  options.jobs or default_jobs(), self.outputs.log("<Scene>").parent)
        try:
            self.narration: Narration | None = None
            if check_mode(options.narration) == "voice":
                beats = shown_beats(scenes or self.registry.scenes)
                self.narration = narrate(self.lesson, self.layout, beats, self.progress.say, memo=self.memo)
            else:
                self.progress.say("narration: none (a silent video)")
            self.keys = scene_keys(self.registry, self.lesson, q, render_args(q), scenes, self.narration, self.memo)
            self.memo.save()
        except BaseException:
            self._stop_zygote()
            raise

    def _stop_zygote(self) -> None:
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None

    def entries(self, scenes: list[SceneRef]) -> tuple[dict[str, CacheEntry], dict[str, float]]:
        """Every scene's cache entry, rendering those not cached; and the render time of each
        scene rendered."""
        try:
            return self._entries(scenes)
        finally:
            self._stop_zygote()  # (the renderer took it if it rendered)

    def _entries(self, scenes: list[SceneRef]) -> tuple[dict[str, CacheEntry], dict[str, float]]:
        found = {ref.name: self._usable(ref, load_entry(self.layout.entry(self.keys[ref.name]))) for ref in scenes}
        entries: dict[str, CacheEntry] = {}
        for ref in scenes:
            entry = found[ref.name]
            if entry is not None:
                entries[ref.name] = entry
                self.progress.cached(ref.name, entry.duration)
        missing = [ref for ref in scenes if found[ref.name] is None]
        if not missing:
            return entries, {}
        check_render_tools()
        jobs = min(self.options.jobs or default_jobs(), len(missing))
        self.progress.say(f"rendering {len(missing)} of {len(scenes)}, {jobs} at a time; manim's output goes to "
                          f"{show_path(self.outputs.log('<Scene>').parent)}/")
        if self.narration is not None:  # the join that follows lays them out
            from pipeline.audio import SamplesAhead

            self.samples_ahead = SamplesAhead(s.audio for s in self.narration.said)
        # All the cores: a scene with one to spare renders in two processes (pipeline.split).
        cores = self.options.jobs or default_jobs()
        renderer = Renderer(self.layout, self.lesson, self.quality, self.progress, cores, self.narration, self.zygote)
        self.zygote = None  # the renderer's now: it closes it
        rendered = renderer.render([RenderRequest(ref, self.keys[ref.name], self.outputs.log(ref.name))
                                    for ref in missing])
        entries.update(rendered)
        return entries, {name: e.render_seconds for name, e in rendered.items()}


    def _usable(self, ref: SceneRef, entry: CacheEntry | None) -> CacheEntry | None:
        """``entry``, unless a narrated build needs the scene's marks and it has none (a render
        interrupted between its files, or made by other code): then it is rendered again."""
        if entry is not None and self.narration is not None and ref.beats() and not entry.marks_file.is_file():
            remove_tree(entry.folder)  # so that the new render takes its place
            return None
        return entry


def _layout(options: Options) -> Layout:
    return Layout(Path(options.media).resolve())  # absolute: manim runs in another folder


def _parts(entries: list[CacheEntry], keys: dict[str, str]) -> list[Part]:
    """Each scene's place in the joined video, from the length of its video."""
    parts, start = [], Fraction(0)
    for entry in entries:
        duration = video_duration(entry.video)
        parts.append(Part(entry.scene, keys[entry.scene], start, duration))
        start += duration
    return parts


def _sound(entries: list[CacheEntry], parts: list[Part], narration: Narration | None,
           ahead: SamplesAhead | None = None) -> Sound | None:
    """The joined video's narration, every scene's sentences from where its part starts."""
    if narration is None:
        return None
    end = parts[-1].start + parts[-1].duration
    return lesson_sound(entries, [float(p.start) for p in parts], float(end), narration, ahead)


def _up_to_date(outputs: Outputs, record: list[tuple[str, str]], narration: str | None) -> bool:
    """Is the joined video there, made of exactly these scene renders (scene, key) and this
    narration (its plan's digest, ``None`` for silence)?"""
    captions = [outputs.captions_vtt, outputs.captions_srt]
    return (outputs.video.is_file() and outputs.chapters_txt.is_file()
            and recorded_keys(outputs.chapters_json) == record
            and recorded_narration(outputs.chapters_json) == narration
            and all(p.is_file() == (narration is not None) for p in captions))


def _write_captions(outputs: Outputs, sound: Sound | None) -> None:
    """The captions beside the video (WebVTT, SRT); a silent video has none (old ones go)."""
    if sound is None:
        for path in (outputs.captions_vtt, outputs.captions_srt):
            path.unlink(missing_ok=True)
        return
    atomic_write_text(outputs.captions_vtt, to_webvtt(sound.cues))
    atomic_write_text(outputs.captions_srt, to_srt(sound.cues))


def _summary(progress: Progress, result: Result, outputs: Outputs, narrated: bool) -> None:
    counts = f"{len(result.rendered)} rendered, {len(result.cached)} cached"
    state = "joined" if result.joined else "up to date"
    progress.say(f"{state}: {counts} in {span(result.seconds)}; video {span(result.duration)}"
                 + ("" if narrated else ", silent"))
    progress.say(f"  video:    {show_path(outputs.video)}")
    progress.say(f"  chapters: {show_path(outputs.chapters_txt)} and .json")
    if narrated:
        progress.say(f"  captions: {show_path(outputs.captions_vtt)} and .srt")

