"""The educators' export: a clip and a poster per beat, a contact sheet and a manifest.

``python -m pipeline export`` (``make export``) first builds the lesson as ``make`` does (what is
not cached renders), then writes under ``<output folder>/export/``::

    beats/NN-<slug>.mp4     the beat, cut from its scene's cached video at the section
                            boundaries without re-encoding (H.264, yuv420p, +faststart)
    beats/NN-<slug>.png     the beat's last frame (a slide's poster)
    contact-sheet.png       every poster in a grid, with its beat number
    manifest.json           the lesson, every beat (number, title, slug, start, duration, frames)
                            and every file written, with its size

Incremental: each beat is made from one section of one scene render, named by the scene's cache
key (a hash of everything the scene is made from) and the section's place in the scene. The
manifest records that, and each file's size and modification time; a beat whose record matches
and whose files are as recorded is left alone. So a second export with nothing changed writes
nothing, and after one scene changes only its beats' files (and the contact sheet and manifest)
are written again. Every file is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

from pipeline.build import Options, build_lesson
from pipeline.cache import CacheEntry
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write, atomic_write_text, show_path, temp_sibling
from pipeline.progress import Progress, span
from pipeline.storage import SpaceNeed, storage_errors

EXPORT_FOLDER = "export"
BEATS_FOLDER = "beats"
MANIFEST = "manifest.json"
CONTACT_SHEET = "contact-sheet.png"
# Bump when what the export writes changes: every file is then written again.
EXPORT_FORMAT = 3
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

    @property
    def stem(self) -> str:
        return f"{self.number:02d}-{self.slug}"

    @property
    def clip(self) -> str:
        return f"{BEATS_FOLDER}/{self.stem}.mp4"

    @property
    def poster(self) -> str:
        return f"{BEATS_FOLDER}/{self.stem}.png"

    @property
    def identity(self) -> list[Any]:
        """What the beat's files are made from (not where it is in the lesson)."""
        return [self.scene, self.key, self.section, self.frames, EXPORT_FORMAT]


@dataclass
class ExportResult:
    folder: Path
    written: list[str]  # beat file stems written
    unchanged: list[str]
    removed: list[str]  # files of an earlier export that no beat has now
    manifest_written: bool
    seconds: float


def slug(title: str) -> str:
    """``"02 The chain rule, in one line!"`` -> ``"the-chain-rule-in-one-line"``: ASCII letters and
    digits in lowercase, words joined by hyphens; a leading beat number is dropped."""
    text = re.sub(r"^\d+[\s.:-]+", "", title.strip())
    text = re.sub(r"(?<=\w)['’](?=\w)", "", text)  # "output's" -> "outputs", not "output-s"
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "beat"


def beat_title(title: str, number: int) -> str:
    """The section name without its leading beat number, when it carries this beat's number."""
    match = re.match(r"^(\d+)\s+(.+)$", title.strip())
    return match.group(2) if match and int(match.group(1)) == number else title


def beats_of(entries: list[CacheEntry], keys: dict[str, str]) -> list[Beat]:
    """Every section of every scene, in lesson order, as beats."""
    beats = []
    for entry in entries:
        first = 0
        for index, section in enumerate(entry.sections):
            number = len(beats) + 1
            title = beat_title(section.title, number)
            beats.append(Beat(number, title, slug(title), entry.scene, keys[entry.scene], index, first,
                              section.frames, entry.fps))
            first += section.frames
    return beats


def export_lesson(options: Options, out: TextIO | None = None) -> ExportResult:
    """Build the lesson (rendering what is missing), then write what has changed of the export."""
    started = time.monotonic()
    build = build_lesson(options, out)
    assert build.outputs is not None and build.lesson is not None
    folder = build.outputs.folder / EXPORT_FOLDER
    beats = beats_of(build.entries, build.keys)
    entries = {e.scene: e for e in build.entries}
    old = _read_manifest(folder / MANIFEST)
    old_files = {f["path"]: f for f in old.get("files", [])} if old else {}
    old_beats = {json.dumps(b.get("made_from")): b for b in old.get("beats", [])} if old else {}

    progress = Progress([b.stem for b in beats], out)
    progress.say(f"export: {len(beats)} beats into {show_path(folder)}/")
    files: dict[str, dict[str, Any]] = {}
    durations: list[Fraction] = []  # each clip's, exactly: they add up to the full video's
    written, unchanged = [], []
    # Clips as large as the scenes, and posters: roughly twice the scenes' videos.
    media = Path(options.media).resolve()
    need = SpaceNeed(media, 2 * SpaceNeed.join(media, [e.video for e in build.entries]).bytes, "exporting the beats")
    with storage_errors(need):
        for beat in beats:
            previous = old_beats.get(json.dumps(beat.identity))
            kept = [_kept(folder, old_files, previous, name) for name in (beat.clip, beat.poster)]
            duration = _exact_duration(previous)
            if all(kept) and duration is not None:
                for record in kept:
                    assert record is not None
                    files[record["path"]] = record
                durations.append(duration)
                unchanged.append(beat.stem)
                progress.scene(beat.stem, "unchanged")
                continue
            t = time.monotonic()
            duration = cut_clip(entries[beat.scene].video, beat, folder / beat.clip)
            durations.append(duration)
            write_poster(folder / beat.clip, folder / beat.poster)
            for name in (beat.clip, beat.poster):
                files[name] = _file_record(folder, name)
            written.append(beat.stem)
            progress.scene(beat.stem, f"written in {span(time.monotonic() - t)} "
                                      f"({float(duration):.1f} s, {beat.frames} frames)")
        sheet_of = [[b.number, b.title, *b.identity] for b in beats]
        sheet = _kept(folder, old_files, {"files": [CONTACT_SHEET]}, CONTACT_SHEET) if old else None
        if sheet is None or old.get("contact_sheet_of") != sheet_of or written:
            write_contact_sheet([(b.number, b.title, folder / b.poster) for b in beats], folder / CONTACT_SHEET)
            sheet = _file_record(folder, CONTACT_SHEET)
        files[CONTACT_SHEET] = sheet
        removed = _remove_stale(folder, old_files, files)
        manifest = _manifest(build.lesson.name, build.lesson.title, build.outputs, beats, durations, files, sheet_of)
        manifest_written = manifest != old
        if manifest_written:
            atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    result = ExportResult(folder, written, unchanged, removed, manifest_written, time.monotonic() - started)
    state = "exported" if written or removed or manifest_written else "export up to date"
    extra = f", {_count(len(removed), 'old file')} removed" if removed else ""
    progress.say(f"{state}: {_count(len(written), 'beat')} written, {len(unchanged)} unchanged{extra} "
                 f"in {span(result.seconds)}")
    progress.say(f"  beats:    {show_path(folder / BEATS_FOLDER)}/NN-<title>.mp4 and .png")
    progress.say(f"  sheet:    {show_path(folder / CONTACT_SHEET)}")
    progress.say(f"  manifest: {show_path(folder / MANIFEST)}")
    return result


# -- the clip ----------------------------------------------------------------------------------
def cut_clip(video: Path, beat: Beat, out: Path) -> Fraction:
    """Copy the packets of ``beat``'s frames from the scene's ``video`` into ``out``, their times
    shifted so the clip starts at 0: no re-encoding. The first packet must be a keyframe and the
    clip must have the section's frame count, or nothing is written. Returns the clip's duration
    in seconds: from its first frame to where the next beat starts (or the scene ends), exactly,
    so that the clips add up to the scene (manim's frame times are not always evenly spaced)."""
    import av

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
            # The movie's time scale the stream's: the edit list, hence the clip's duration, exact
            # (at the default 1/1000 s it would be rounded to a millisecond).
            options = {"movflags": "+faststart", "movie_timescale": str(time_base.denominator)}
            with av.open(str(tmp), "w", options=options) as output:
                out_stream = output.add_stream_from_template(stream)
                for packet in mine:
                    packet.pts -= begin
                    packet.dts -= begin
                    packet.stream = out_stream
                    output.mux(packet)
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
    from PIL import Image, ImageDraw, ImageFont

    thumbs = []
    for number, title, path in posters:
        with Image.open(path) as image:
            height = round(image.height * THUMB_WIDTH / image.width)
            thumbs.append((number, title, image.convert("RGB").resize((THUMB_WIDTH, height), Image.LANCZOS)))
    try:
        font = ImageFont.load_default(size=16)
    except TypeError:  # Pillow without FreeType: the bitmap font
        font = ImageFont.load_default()
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


# -- the manifest ------------------------------------------------------------------------------
def _manifest(name: str, title: str, outputs: Any, beats: list[Beat], durations: list[Fraction],
              files: dict[str, dict[str, Any]], sheet_of: list[Any]) -> dict[str, Any]:
    starts = [sum(durations[:i], Fraction(0)) for i in range(len(durations))]
    total = sum(durations, Fraction(0))
    return {
        "format": EXPORT_FORMAT,
        "lesson": name,
        "title": title or name,
        "quality": outputs.folder.name,
        "video": os.path.relpath(outputs.video, outputs.folder / EXPORT_FOLDER),
        "duration": _seconds(total),
        "beats": [{
            "number": b.number, "title": b.title, "slug": b.slug, "scene": b.scene,
            "start": _seconds(start), "duration": _seconds(duration), "frames": b.frames,
            "clip": b.clip, "poster": b.poster, "made_from": b.identity, "exact_duration": str(duration),
        } for b, start, duration in zip(beats, starts, durations, strict=True)],
        "contact_sheet": CONTACT_SHEET,
        "contact_sheet_of": sheet_of,
        "files": [files[path] for path in sorted(files)],
    }


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


def _file_record(folder: Path, name: str) -> dict[str, Any]:
    stat = (folder / name).stat()
    return {"path": name, "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _kept(folder: Path, old_files: dict[str, dict[str, Any]], previous: dict[str, Any] | None,
          name: str) -> dict[str, Any] | None:
    """The record of file ``name`` if an earlier export wrote it for the same beat and it is still
    as written then (size and modification time); otherwise ``None``."""
    if previous is None or name not in (previous.get("files") or [previous.get("clip"), previous.get("poster")]):
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


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _seconds(t: Fraction) -> float:
    return round(float(t), 6)
