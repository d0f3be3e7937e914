"""The educators' export: every beat as a clip, a poster and other formats; slide decks; a gallery
page; a contact sheet and a manifest.

``python -m pipeline export`` (``make export``) first builds the lesson as ``make`` does (what is
not cached renders), then writes under ``<output folder>/export/``::

    beats/NN-<slug>.mp4     the beat, cut from its scene's cached video at the section
                            boundaries without re-encoding (H.264, yuv420p, +faststart); in a
                            narrated export with the lesson video's sound over the beat (AAC,
                            silence where nothing is said) and its captions (mov_text)
    beats/NN-<slug>.vtt     ... and .srt: the beat's captions, timed from the clip's start
                            (a narrated export)
    beats/NN-<slug>.png     the beat's last frame (a slide's poster)
    beats/NN-<slug>.gif     ... and .webp, .webm: the formats asked for (pipeline.formats)
    <lesson>.mp4            the whole lesson video, hard-linked: the folder travels whole
    <lesson>.vtt, .srt      ... and its captions (a narrated export)
    contact-sheet.png       every poster in a grid, with its beat number
    deck.html, reveal.js/   a reveal.js slide show, a slide per beat (pipeline.decks)
    deck.pptx               a PowerPoint deck: a movie, its poster and notes per slide
    index.html              a gallery page: a card per beat (pipeline.gallery)
    manifest.json           the lesson, every beat (number, title, slug, start, duration, frames,
                            files, notes, audio, captions) and every file written, with its size

Each beat's speaker notes are its narration, and the gallery's text its summary, from the lesson
model. A beat's sound is cut from the lesson video's (:func:`pipeline.build.lesson_track`, the
track the join lays out) at the beat's start and end, so a clip sounds exactly as the lesson video
does there. Incremental: each beat is made from one section of one scene render, named by the
scene's cache key (a hash of everything the scene is made from) and the section's place in the
scene, and from what its sound is made of (the text, audio and length of each sentence of its
beat, :meth:`pipeline.narration.Narration.sound_digest`: a new take re-cuts its beat's clip); each
of its other formats also from the settings it is made with. The manifest records that, and
each file's size and modification time; a file whose record matches and which is as recorded is
left alone. What is made of the whole lesson (the decks, the gallery, the sheet) is written again
only when what it is made from changes: the beats' files and records, and the code that writes it.
So a second export with nothing changed writes nothing, and after one scene changes only its
beats' files and the whole-lesson files are written again. Every file is written under a
temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import re
import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO
from collections.abc import Callable, Sequence

from pipeline.audio import AAC_BIT_RATE
from pipeline.build import Options, Result, build_lesson, lesson_track
from pipeline.cache import CacheEntry
from pipeline.captions import Cue, check_cues, to_srt, to_webvtt
from pipeline.cachekey import MODEL, file_digest, tree_digest
from pipeline.errors import PipelineError
from pipeline.join import Sound, stream_duration
from pipeline.lesson import LessonInput
from pipeline.memo import Memo
from pipeline.narration import Narration
from pipeline.formats import DEFAULT_FORMATS, FORMATS, derived
from pipeline.fsutil import atomic_write, atomic_write_text, publish_file, show_path, temp_sibling
from pipeline.progress import Progress, count, span
from pipeline.scenelist import package_dir
from pipeline.storage import SpaceNeed, storage_errors
from pipeline.takes import slug

EXPORT_FOLDER = "export"
BEATS_FOLDER = "beats"
MANIFEST = "manifest.json"
CONTACT_SHEET = "contact-sheet.png"
DECK_HTML = "deck.html"
DECK_PPTX = "deck.pptx"
GALLERY = "index.html"
# Bump when what the export writes changes: every file is then written again.
EXPORT_FORMAT = 5
CLIP_FILES = ("mp4", "vtt", "srt")  # a beat's clip and its captions (a narrated export's), written together
THUMB_WIDTH = 320
SHEET_COLUMNS = 4


@dataclass(frozen=True)
class Beat:
    """One beat: one section of one scene."""

    number: int  # 1-based, in the lesson
    title: str  # without the leading number manim's section name may carry
    slug: str
    scene: str
    key: str  # the scene's cache key
    section: int  # 0-based, in the scene
    first_frame: int  # in the scene's video
    frames: int
    fps: Fraction
    sound: str | None = None  # what its narration is made of (a digest); None: a silent export

    @property
    def stem(self) -> str:
        return f"{self.number:02d}-{self.slug}"

    @property
    def clip(self) -> str:
        return f"{BEATS_FOLDER}/{self.stem}.mp4"

    @property
    def poster(self) -> str:
        return f"{BEATS_FOLDER}/{self.stem}.png"

    def file(self, extension: str) -> str:
        """``extension`` with its dot."""
        return f"{BEATS_FOLDER}/{self.stem}{extension}"

    @property
    def identity(self) -> list[Any]:
        """What the beat's files are made from (not where it is in the lesson)."""
        return [self.scene, self.key, self.section, self.frames, EXPORT_FORMAT, self.sound]


@dataclass
class ExportResult:
    folder: Path
    written: list[str]  # beat file stems written
    unchanged: list[str]
    removed: list[str]  # files of an earlier export that no beat has now
    manifest_written: bool
    seconds: float


def beat_title(title: str, number: int) -> str:
    """The section name without its leading beat number, when it carries this beat's number."""
    match = re.match(r"^(\d+)\s+(.+)$", title.strip())
    return match.group(2) if match and int(match.group(1)) == number else title


def beats_of(entries: list[CacheEntry], keys: dict[str, str], narration: Narration | None = None) -> list[Beat]:
    """Every section of every scene, in lesson order, as beats; with ``narration``, each knows
    what its sound is made of: the sentences of the lesson beat its section shows (a lesson
    scene's sections are its beats, in order; if they do not match, the sentences of every beat
    the scene shows)."""
    beats = []
    for entry in entries:
        first = 0
        shown = entry.marked_beats() if narration is not None else []
        for index, section in enumerate(entry.sections):
            number = len(beats) + 1
            title = beat_title(section.title, number)
            said = [shown[index]] if len(shown) == len(entry.sections) else shown
            sound = narration.sound_digest(said) if narration is not None else None
            beats.append(Beat(number, title, slug(title), entry.scene, keys[entry.scene], index, first,
                              section.frames, entry.fps, sound))
            first += section.frames
    return beats


def export_lesson(options: Options, out: TextIO | None = None, formats: Sequence[str] | None = None) -> ExportResult:
    """Build the lesson (rendering what is missing), then write what has changed of the export.

    ``formats``: the beats' formats, as :func:`pipeline.formats.parse_formats` gives them; the clip
    and the poster are always written (the decks and the gallery use them); ``None``: the default."""
    started = time.monotonic()
    extras = tuple(f.name for f in derived(tuple(DEFAULT_FORMATS if formats is None else formats)))
    build = build_lesson(options, out)
    assert build.outputs is not None and build.lesson is not None
    folder = build.outputs.folder / EXPORT_FOLDER
    beats = beats_of(build.entries, build.keys, build.narration)
    narrated = build.narration is not None
    entries = {e.scene: e for e in build.entries}
    old = _read_manifest(folder / MANIFEST)
    old_files = {f["path"]: f for f in old.get("files", [])} if old else {}
    old_beats = {json.dumps(b.get("made_from")): b for b in old.get("beats", [])} if old else {}

    progress = Progress([b.stem for b in beats], out)
    progress.say(f"export: {len(beats)} beats into {show_path(folder)}/"
                 + (f" (also {', '.join(extras)})" if extras else ""))
    files: dict[str, dict[str, Any]] = {}
    durations: list[Fraction] = []  # each clip's, exactly: they add up to the full video's
    beat_files: list[dict[str, str]] = []  # each beat's files by format
    sounds: list[dict[str, Any] | None] = []  # each clip's audio (None: silent)
    written, unchanged = [], []
    # Clips as large as the scenes, posters, the slide show's copy of the clips, the other formats;
    # in a narrated export the clips' sound too (twice: the slide show's copy).
    media = Path(options.media).resolve()
    scenes = SpaceNeed.join(media, [e.video for e in build.entries]).bytes
    audio = 2 * AAC_BIT_RATE // 8 * math.ceil(sum(e.duration for e in build.entries)) if narrated else 0
    need = SpaceNeed(media, (3 + len(extras)) * scenes + audio, "exporting the beats")
    with storage_errors(need):
        for beat in beats:
            previous = old_beats.get(json.dumps(beat.identity))
            names = ({"mp4": beat.clip, "png": beat.poster} | _caption_files(beat, narrated)
                     | {f: beat.file(FORMATS[f].extension) for f in extras})
            beat_files.append(names)
            kept = {f: _kept(folder, old_files, previous, name) for f, name in names.items()}
            made_with = (previous or {}).get("made_with") or {}
            for f in extras:  # made with other settings: stale
                if made_with.get(f) != FORMATS[f].made_with:
                    kept[f] = None
            duration = _exact_duration(previous)
            sound = (previous or {}).get("audio")
            clip = [f for f in names if f in CLIP_FILES]  # the clip and its captions: cut together
            if any(kept[f] is None for f in clip) or duration is None or narrated != bool(sound):
                t = time.monotonic()  # the clip, the others from it
                duration, sound = write_clip(build, entries[beat.scene].video, beat, folder,
                                             sum(durations, Fraction(0)))
                kept = {f: None for f in names}
            else:
                t = None
            durations.append(duration)
            sounds.append(sound)
            todo = [f for f, record in kept.items() if record is None and f not in CLIP_FILES]
            if t is None and todo:
                t = time.monotonic()
            for f in todo:
                if f == "png":
                    write_poster(folder / beat.clip, folder / beat.poster)
                else:
                    FORMATS[f].encode(folder / beat.clip, folder / names[f])
            for f, name in names.items():
                files[name] = kept[f] or _file_record(folder, name)
            if t is None:
                unchanged.append(beat.stem)
                progress.scene(beat.stem, "unchanged")
                continue
            written.append(beat.stem)
            made = "" if set(todo) >= set(names) - set(CLIP_FILES) else f"; {', '.join(todo)}"
            progress.scene(beat.stem, f"written in {span(time.monotonic() - t)} "
                                      f"({float(duration):.1f} s, {beat.frames} frames{made})")
        notes = _notes(build.lesson, beats, old, written, build.memo)
        draft = _manifest(build.lesson.name, build.lesson.title, build.outputs, beats, durations, beat_files,
                          sounds, notes, files)
        products: dict[str, Any] = {}
        for product in PRODUCTS:
            products[product.name] = _product(product, folder, draft, old, old_files, files, progress)
        removed = _remove_stale(folder, old_files, files)
        manifest = {**draft, "products": products, "files": [files[path] for path in sorted(files)]}
        manifest_written = manifest != old
        if manifest_written:
            atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    result = ExportResult(folder, written, unchanged, removed, manifest_written, time.monotonic() - started)
    state = "exported" if written or removed or manifest_written else "export up to date"
    extra = f", {count(len(removed), 'old file')} removed" if removed else ""
    progress.say(f"{state}: {count(len(written), 'beat')} written, {len(unchanged)} unchanged{extra} "
                 f"in {span(result.seconds)}")
    kinds = ", ".join(FORMATS[f].extension for f in extras)
    kinds = ".vtt, .srt" + (", " + kinds if kinds else "") if narrated else kinds
    progress.say(f"  beats:    {show_path(folder / BEATS_FOLDER)}/NN-<title>.mp4, .png{', ' + kinds if kinds else ''}"
                 + ("" if narrated else " (silent)"))
    for product in PRODUCTS:
        first, *others = product.main or (manifest["video"],)
        progress.say(f"  {product.label + ':':<9} {show_path(folder / first)}{''.join(f' and {o}' for o in others)}")
    progress.say(f"  manifest: {show_path(folder / MANIFEST)}")
    return result


# -- what is made of the whole lesson ------------------------------------------------------------
@dataclass(frozen=True)
class Product:
    """Files made from the whole export (every beat's files and the manifest's beats): written
    again when what they are made from changes, or when one of them is not as written."""

    name: str  # its key in the manifest's "products"
    label: str  # for the progress lines
    main: tuple[str, ...]  # the files a person opens (none: the manifest's video)
    write: Callable[[Path, dict[str, Any]], list[str]]  # (export folder, manifest) -> files written
    module: str  # the module whose code makes it: its code is part of what it is made from

    def made_from(self, draft: dict[str, Any]) -> list[Any]:
        path = importlib.util.find_spec(self.module).origin  # type: ignore[union-attr]
        made_from = [EXPORT_FORMAT, file_digest(Path(path)),
                     {k: v for k, v in draft.items() if k not in ("files", "products")},
                     sorted([f["path"], f["bytes"]] for f in draft["files"].values())]
        # A digest: the manifest stays small (the beats' records are in it once).
        return hashlib.sha256(json.dumps(made_from, sort_keys=True).encode()).hexdigest()


def _write_video(folder: Path, draft: dict[str, Any]) -> list[str]:
    """The whole lesson video and its captions, hard-linked (or copied) beside the beats: the
    gallery's start links play it, and the export folder can be moved or zipped on its own."""
    names = [draft["video"], *(draft.get("captions") or {}).values()]
    for name in names:
        publish_file(folder.parent / name, folder / name)
    return names


def _write_sheet(folder: Path, draft: dict[str, Any]) -> list[str]:
    write_contact_sheet([(b["number"], b["title"], folder / b["poster"]) for b in draft["beats"]],
                        folder / CONTACT_SHEET)
    return [CONTACT_SHEET]


def _write_decks(folder: Path, draft: dict[str, Any]) -> list[str]:
    from pipeline.decks import write_decks

    return write_decks(folder, draft)


def _write_gallery(folder: Path, draft: dict[str, Any]) -> list[str]:
    from pipeline.gallery import write_gallery

    write_gallery(folder, draft)  # leaves the page alone if it would not change
    return [GALLERY]


PRODUCTS = (
    Product("video", "video", (), _write_video, "pipeline.export"),
    Product("contact_sheet", "sheet", (CONTACT_SHEET,), _write_sheet, "pipeline.export"),
    Product("decks", "decks", (DECK_HTML, DECK_PPTX), _write_decks, "pipeline.decks"),
    Product("gallery", "gallery", (GALLERY,), _write_gallery, "pipeline.gallery"),
)


def _product(product: Product, folder: Path, draft: dict[str, Any], old: dict[str, Any],
             old_files: dict[str, dict[str, Any]], files: dict[str, dict[str, Any]], progress: Progress) -> dict:
    """Keep ``product``'s files if an earlier export made them from the same and they are intact;
    otherwise write them. Adds their records to ``files``; returns the manifest's record of it."""
    made_from = product.made_from({**draft, "files": files})
    previous = (old.get("products") or {}).get(product.name) if old else None
    if previous and previous.get("made_from") == made_from:
        kept = [_kept(folder, old_files, previous, name) for name in previous.get("files", [])]
        if kept and all(kept):
            for record in kept:
                assert record is not None
                files[record["path"]] = record
            return previous
    t = time.monotonic()
    written = product.write(folder, {**draft, "files": dict(files)})
    for name in written:
        files[name] = _file_record(folder, name)
    progress.say(f"  {product.label} written in {span(time.monotonic() - t)}")
    return {"made_from": made_from, "files": written}


# -- the clip ----------------------------------------------------------------------------------
def _caption_files(beat: Beat, narrated: bool) -> dict[str, str]:
    return {"vtt": beat.file(".vtt"), "srt": beat.file(".srt")} if narrated else {}


def write_clip(build: Result, video: Path, beat: Beat, folder: Path, start: Fraction
               ) -> tuple[Fraction, dict[str, Any] | None]:
    """Cut ``beat``'s clip from the scene's ``video``; in a narrated export with the lesson video's
    sound and captions from ``start`` (the beat's start in it, seconds) for the clip's length, and
    the captions beside it as WebVTT and SRT. Returns the clip's duration and its audio's record
    for the manifest (``None``: silent)."""
    track = lesson_track(build)
    if track is None:
        return cut_clip(video, beat, folder / beat.clip), None
    cues: list[Cue] = []

    def sound(duration: Fraction) -> Sound:
        part = track.window(float(start), float(start + duration))
        cues.extend(part.cues)
        return part

    duration = cut_clip(video, beat, folder / beat.clip, sound)
    atomic_write_text(folder / beat.file(".vtt"), to_webvtt(cues))
    atomic_write_text(folder / beat.file(".srt"), to_srt(cues))
    return duration, {"codec": "aac", "seconds": _seconds(stream_duration(folder / beat.clip, "audio"))}


def cut_clip(video: Path, beat: Beat, out: Path, sound: Callable[[Fraction], Sound] | None = None) -> Fraction:
    """Copy the packets of ``beat``'s frames from the scene's ``video`` into ``out``, their times
    shifted so the clip starts at 0: no re-encoding. The first packet must be a keyframe and the
    clip must have the section's frame count, or nothing is written. Returns the clip's duration
    in seconds: from its first frame to where the next beat starts (or the scene ends), exactly,
    so that the clips add up to the scene (manim's frame times are not always evenly spaced).

    ``sound``, if given, is asked for the clip's sound given its duration: its samples go in as
    AAC and its cues as a ``mov_text`` subtitle track, interleaved with the video's packets
    (:func:`pipeline.audio.add_sound`)."""
    import av

    from pipeline.audio import add_sound, interleave, packets_of

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(out)
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            packets = [p for p in container.demux(stream) if p.pts is not None and p.dts is not None]
            order = sorted(p.pts for p in packets)  # presentation order: the n-th frame's time
            last = beat.first_frame + beat.frames
            if last > len(order):
                raise PipelineError(f"{show_path(video)} has {len(order)} frames; section {beat.section + 1} "
                                    f"of {beat.scene} ends at frame {last}: render the scene again (make clean)")
            begin = order[beat.first_frame]
            if last < len(order):
                end = order[last]
            elif stream.duration:
                end = (stream.start_time or 0) + stream.duration
            else:
                end = order[-1] + max(packets, key=lambda p: p.pts).duration
            mine = [p for p in packets if begin <= p.pts < end]
            if len(mine) != beat.frames:
                raise PipelineError(f"{show_path(video)}: beat {beat.number} has {len(mine)} frames, its section "
                                    f"{beat.frames}")
            if not mine[0].is_keyframe:
                raise PipelineError(f"{show_path(video)}: beat {beat.number} ({beat.title}) does not start on a "
                                    f"keyframe, so it cannot be cut without re-encoding")
            shown_last = max(mine, key=lambda p: p.pts)
            shown_last.duration = end - shown_last.pts  # the clip lasts until the next beat
            time_base = stream.time_base
            assert time_base is not None
            clip_sound = sound((end - begin) * time_base) if sound else None
            if clip_sound is not None:
                check_cues(clip_sound.cues, float((end - begin) * time_base))
            # The movie's time scale the stream's: the edit list, hence the clip's duration, exact
            # (at the default 1/1000 s it would be rounded to a millisecond).
            options = {"movflags": "+faststart", "movie_timescale": str(time_base.denominator)}
            with av.open(str(tmp), "w", options=options) as output:
                out_stream = output.add_stream_from_template(stream)
                others = add_sound(output, clip_sound.samples, clip_sound.cues) if clip_sound else deque()
                for packet in mine:
                    packet.pts -= begin
                    packet.dts -= begin
                    packet.stream = out_stream
                    interleave(output, packet, others, time_base)
                output.mux(packets_of(others))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return (end - begin) * time_base


def last_frame(clip: Path):
    """The last decoded frame of a video (decoding from its last keyframe on)."""
    import av

    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        keys = [p.pts for p in container.demux(stream) if p.pts is not None and p.is_keyframe]
        container.seek(keys[-1] if keys else 0, stream=stream, backward=True, any_frame=False)
        frame = None
        for frame in container.decode(stream):
            pass
        if frame is None:
            raise PipelineError(f"{show_path(clip)} has no frames")
        return frame


def write_poster(clip: Path, out: Path) -> None:
    """The clip's last frame as a PNG."""
    image = last_frame(clip).to_image()
    atomic_write(out, lambda tmp: image.save(tmp, format="PNG"))


def write_contact_sheet(posters: list[tuple[int, str, Path]], out: Path) -> None:
    """Every poster, small, in a grid of ``SHEET_COLUMNS`` columns, each under ``NN title``."""
    from PIL import Image, ImageDraw

    thumbs = []
    for number, title, path in posters:
        with Image.open(path) as image:
            height = round(image.height * THUMB_WIDTH / image.width)
            thumbs.append((number, title, image.convert("RGB").resize((THUMB_WIDTH, height), Image.LANCZOS)))
    font = label_font([title for _, title, _ in posters], 16)
    label, gap = 26, 8
    cell_h = max(t.height for _, _, t in thumbs) + label
    columns = min(SHEET_COLUMNS, len(thumbs))
    rows = -(-len(thumbs) // columns)
    sheet = Image.new("RGB", (gap + columns * (THUMB_WIDTH + gap), gap + rows * (cell_h + gap)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (number, title, thumb) in enumerate(thumbs):
        x = gap + (i % columns) * (THUMB_WIDTH + gap)
        y = gap + (i // columns) * (cell_h + gap)
        text = f"{number:02d} {title}"
        if draw.textlength(text, font=font) > THUMB_WIDTH:  # too long: cut, with an ellipsis
            while len(text) > 3 and draw.textlength(text + "…", font=font) > THUMB_WIDTH:
                text = text[:-1]
            text = text.rstrip() + "…"
        draw.text((x, y + 4), text, fill="black", font=font)
        sheet.paste(thumb, (x, y + label))
    atomic_write(out, lambda tmp: sheet.save(tmp, format="PNG"))


LABEL_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # fonts-dejavu-core (scripts/system-deps)


def label_font(texts: Sequence[str], size: int) -> Any:
    """A Pillow font of ``size`` pixels for the contact sheet's labels, with glyphs for the characters
    of ``texts`` as far as the system's fonts go (a lesson's titles may be German, Greek, ...):
    fontconfig's sans-serif for those characters, else DejaVu Sans, else Pillow's own font, whose
    glyphs stop at ASCII and Latin-1's letters are boxes."""
    import shutil
    import subprocess

    from PIL import ImageFont

    candidates = []
    if shutil.which("fc-match"):
        charset = " ".join(f"{c:x}" for c in sorted({ord(ch) for text in texts for ch in text if ch.isprintable()}))
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", f"sans-serif:charset={charset}"],
                                   capture_output=True, text=True, timeout=10)
            candidates += [found.stdout.strip()] if found.returncode == 0 and found.stdout.strip() else []
        except (OSError, subprocess.SubprocessError):
            pass
    for path in (*candidates, LABEL_FONT):
        try:
            return ImageFont.truetype(path, size)
        except OSError:  # not there, or not a font FreeType reads
            continue
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


# -- the manifest ------------------------------------------------------------------------------
def _manifest(name: str, title: str, outputs: Any, beats: list[Beat], durations: list[Fraction],
              beat_files: list[dict[str, str]], sounds: list[dict[str, Any] | None], notes: dict[str, Any],
              files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    starts = [sum(durations[:i], Fraction(0)) for i in range(len(durations))]
    total = sum(durations, Fraction(0))
    narrated = any(sound is not None for sound in sounds)
    captions = [outputs.captions_vtt, outputs.captions_srt] if narrated else []
    return {
        "format": EXPORT_FORMAT,
        "lesson": name,
        "title": title or name,
        "quality": outputs.folder.name,
        "video": outputs.video.name,  # the lesson video, linked into the export: it travels with it
        "video_made_from": [_stat(path) for path in [outputs.video, *captions]],
        "duration": _seconds(total),
        "narrated": narrated,
        # The lesson video's captions, linked in beside it (none for a silent export).
        "captions": {path.suffix[1:]: path.name for path in captions} or None,
        "beats": [{
            "number": b.number, "title": b.title, "slug": b.slug, "scene": b.scene,
            "start": _seconds(start), "duration": _seconds(duration), "frames": b.frames,
            "clip": b.clip, "poster": b.poster, "formats": names, "notes": text["notes"], "summary": text["summary"],
            "audio": sound, "captions": {f: names[f] for f in ("vtt", "srt") if f in names} or None,
            "made_with": {f: FORMATS[f].made_with for f in names if f in FORMATS},
            "made_from": b.identity, "exact_duration": str(duration),
        } for b, start, duration, names, sound, text in zip(beats, starts, durations, beat_files, sounds,
                                                            notes["texts"], strict=True)],
        "notes_of": notes["of"],
        "contact_sheet": CONTACT_SHEET,
        "decks": {"html": DECK_HTML, "pptx": DECK_PPTX},
        "gallery": GALLERY,
        "files": files,
    }


def _notes(lesson: LessonInput, beats: list[Beat], old: dict[str, Any], written: list[str],
           memo: Memo | None) -> dict[str, Any]:
    """Each beat's texts: its narration, the decks' speaker notes, and its summary, the gallery's
    text, from the lesson model's beat with the same number and title (none for a scene list that
    is not the lesson's). The
    model is built only when the lesson file or the model's code changed since the last export
    (``memo``: the build's, which has read the model's code already)."""
    of = [tree_digest(package_dir(MODEL), memo), lesson.digest, [[b.number, b.title] for b in beats]]
    if old.get("notes_of") == of and not written and len(old.get("beats", [])) == len(beats):
        return {"of": of, "texts": [{"summary": b.get("summary", ""), "notes": b.get("notes", "")} for b in old["beats"]]}
    from mathcore import build_model

    model = build_model(lesson.path)
    by_number = {b.number: b for b in model.beats}
    texts = []
    for beat in beats:
        shown = by_number.get(beat.number)
        same = shown is not None and shown.title.casefold() == beat.title.casefold()
        texts.append({"summary": shown.summary, "notes": " ".join(s.text for s in shown.narration) or shown.summary}
                     if same else {"summary": "", "notes": ""})
    return {"of": of, "texts": texts}


def _exact_duration(record: dict[str, Any] | None) -> Fraction | None:
    """A clip's duration as an earlier export recorded it (seconds, as a fraction)."""
    try:
        return Fraction(record["exact_duration"]) if record else None
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == EXPORT_FORMAT else {}


def _stat(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _file_record(folder: Path, name: str) -> dict[str, Any]:
    stat = (folder / name).stat()
    return {"path": name, "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _kept(folder: Path, old_files: dict[str, dict[str, Any]], previous: dict[str, Any] | None,
          name: str) -> dict[str, Any] | None:
    """The record of file ``name`` if an earlier export wrote it for the same beat and it is still
    as written then (size and modification time); otherwise ``None``."""
    listed = previous.get("files") or previous.get("formats") or {} if previous else {}
    if name not in (listed.values() if isinstance(listed, dict) else listed):
        return None
    record = old_files.get(name)
    if record is None:
        return None
    try:
        current = _file_record(folder, name)
    except OSError:
        return None
    return record if current == record else None


def _remove_stale(folder: Path, old_files: dict[str, dict[str, Any]], files: dict[str, dict[str, Any]]) -> list[str]:
    """Remove what an earlier export wrote that this one did not (beats renamed or gone)."""
    removed = []
    for name in sorted(set(old_files) - set(files)):
        path = folder / name
        if path.parent.resolve().is_relative_to(folder.resolve()) and path.is_file():
            path.unlink()
            removed.append(name)
    return removed




def _seconds(t: Fraction) -> float:
    return round(float(t), 6)
