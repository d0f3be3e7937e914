"""The educators' gallery: ``index.html`` in the export folder, one card per beat.

The page is self-contained so that it works opened from disk (``file://``) with no network: its
style is inline, it has no script, no web font and no remote URL; every link and source is a path
relative to the export folder, URL-quoted (a file name may hold spaces, ``#``, ``%`` or accents),
but the captions: browsers do not load a ``<track>``'s ``.vtt`` file over ``file://``, so each
clip's captions (``beat["captions"]["vtt"]``, a narrated export's) are in the page, a ``data:`` URL.

The header gives the lesson's title, total length and number of beats, and links the full video,
the contact sheet, the slide decks (``manifest["decks"]``, when the export made them) and
``manifest.json``. Each card shows the beat's number and title, its clip (``<video controls
preload="metadata">``, its poster as the video's poster), where it starts in the full video
(linked, with a media fragment, to that moment) and how long it lasts, a download link for every
file of the beat (clip, poster, captions and any ``beat["formats"]``) and the beat's text
(``beat["summary"]``, else ``beat["notes"]``). Written only when its text changes, under a temporary name then renamed.
"""

from __future__ import annotations

from html import escape
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from pipeline.captions import data_url
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write_text
from pipeline.progress import clock, count

GALLERY = "index.html"

# Links in the header, in this order, for the keys of ``manifest["decks"]``; other keys follow.
DECK_LABELS = {"html": "Slides (reveal.js)", "pptx": "Slides (PowerPoint)", "pdf": "Slides (PDF)"}

# manim's look: its black background and its own colours (manim.utils.color: BLUE_C, YELLOW_C,
# GREY_B), copied here because the pipeline does not import manim.
STYLE = """
:root { color-scheme: dark; --bg: #000000; --card: #111417; --line: #2b3036; --text: #ffffff;
        --muted: #bbbbbb; --link: #58c4dd; --number: #ffff00; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
a { color: var(--link); }
a:hover, a:focus { color: var(--text); }
header { padding: 1.5rem clamp(1rem, 4vw, 3rem) 1rem; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 .25rem; font-size: clamp(1.6rem, 4vw, 2.4rem); font-weight: 600; }
.facts { margin: 0 0 .75rem; color: var(--muted); }
nav ul, .downloads { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; margin: 0; padding: 0; list-style: none; }
main { display: grid; gap: 1.25rem; padding: 1.25rem clamp(1rem, 4vw, 3rem) 2rem;
       grid-template-columns: repeat(auto-fill, minmax(min(100%, 22rem), 1fr)); }
article { display: flex; flex-direction: column; gap: .6rem; min-width: 0; padding: .9rem;
          background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
h2 { margin: 0; font-size: 1.15rem; font-weight: 600; overflow-wrap: anywhere; }
.number { color: var(--number); font-variant-numeric: tabular-nums; }
video { display: block; width: 100%; height: auto; background: #000; border-radius: 6px; }
.when { margin: 0; color: var(--muted); font-size: .9rem; font-variant-numeric: tabular-nums; }
.downloads { font-size: .9rem; }
.downloads .size { color: var(--muted); }
.notes { margin: 0; white-space: pre-line; overflow-wrap: anywhere; }
footer { padding: 0 clamp(1rem, 4vw, 3rem) 2rem; color: var(--muted); font-size: .85rem; }
"""


def write_gallery(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Write ``folder/index.html`` for the export described by ``manifest`` (as ``manifest.json``
    holds it: paths relative to ``folder``). Returns the files written: ``["index.html"]``, or
    ``[]`` when the page already on disk is the same."""
    text = gallery_html(folder, manifest)
    path = folder / GALLERY
    try:
        if path.read_text(encoding="utf-8") == text:
            return []
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(path, text)
    return [GALLERY]


def gallery_html(folder: Path, manifest: dict[str, Any]) -> str:
    """The page's text."""
    title = str(manifest.get("title") or manifest.get("lesson") or "Lesson")
    beats = manifest.get("beats") or []
    captions = manifest.get("captions") or {}
    links = [("Full video", manifest.get("video")), ("Captions (WebVTT)", captions.get("vtt")),
             ("Captions (SRT)", captions.get("srt")), ("Contact sheet", manifest.get("contact_sheet"))]
    decks = manifest.get("decks") or {}
    for key in sorted(decks, key=lambda k: (list(DECK_LABELS).index(k) if k in DECK_LABELS else len(DECK_LABELS), k)):
        links.append((DECK_LABELS.get(key, f"Slides ({key})"), decks[key]))
    links.append(("manifest.json", "manifest.json"))
    nav = "".join(f"<li>{_link(path, label)}</li>" for label, path in links if path)
    facts = f"{count(len(beats), 'beat')} · {clock(float(manifest.get('duration') or 0))}"
    if manifest.get("quality"):
        facts += f" · {escape(str(manifest['quality']))} quality"
    cards = "\n".join(_card(folder, beat, manifest.get("video")) for beat in beats)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>{escape(title)}</h1>
<p class="facts">{facts}</p>
<nav><ul>{nav}</ul></nav>
</header>
<main>
{cards}
</main>
<footer>Every file here is local: this page works opened from disk, with no network.</footer>
</body>
</html>
"""


def _card(folder: Path, beat: dict[str, Any], video: str | None) -> str:
    number = int(beat["number"])
    start, duration = float(beat.get("start") or 0), float(beat.get("duration") or 0)
    captions = beat.get("captions") or {}
    files = [(beat.get("clip"), "clip"), (beat.get("poster"), "poster"),
             *((captions.get(kind), "captions") for kind in ("vtt", "srt"))]
    for value in (beat.get("formats") or {}).values():
        files += [(path, "") for path in (value if isinstance(value, list) else [value])]
    listed: dict[str, str] = {}  # each file once (the formats repeat the clip and the poster)
    for path, role in files:
        if path and path not in listed:
            listed[path] = role
    downloads = "".join(f"<li>{_download(folder, path, role)}</li>" for path, role in listed.items())
    poster = f' poster="{_href(beat["poster"])}"' if beat.get("poster") else ""
    size = _image_size(folder / beat["poster"]) if beat.get("poster") else None
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    when = _clock_tenths(start)
    if video:  # the moment in the full video (a media fragment: players open it there)
        when = f'<a href="{_href(video)}#t={start:.3f}">{when}</a>'
    notes = str(beat.get("summary") or beat.get("notes") or "").strip()  # what it shows, else what is said
    return f"""<article id="beat-{number:02d}">
<h2><span class="number">{number:02d}</span> {escape(str(beat.get("title", "")))}</h2>
<video controls preload="metadata" playsinline src="{_href(beat["clip"])}"{poster}{dimensions}>{_track(folder, beat)}</video>
<p class="when">starts at {when} · lasts {duration:.1f} s</p>
<ul class="downloads">{downloads}</ul>
{f'<p class="notes">{escape(notes)}</p>' if notes else ""}
</article>"""


def _track(folder: Path, beat: dict[str, Any]) -> str:
    """The clip's captions, shown by default: its WebVTT file's text in a ``data:`` URL."""
    vtt = (beat.get("captions") or {}).get("vtt")
    if not vtt:
        return ""
    _href(vtt)  # a path in the export folder, or an error
    try:
        text = (folder / vtt).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PipelineError(f"gallery: cannot read {folder / vtt} (beat {beat['number']}'s captions: {err}); "
                            "run the export again") from None
    return f'<track kind="captions" srclang="en" label="English" default src="{data_url(text)}">'


def _href(path: str) -> str:
    """A manifest path as an attribute value: relative, URL-quoted, HTML-escaped."""
    text = str(path)
    pure = PurePosixPath(text)
    if not pure.parts or pure.is_absolute() or "\\" in text or ":" in pure.parts[0]:
        raise PipelineError(f"manifest.json: {path!r} is not a path relative to the export folder: "
                            f"run the export again")
    return escape(quote(text, safe="/"), quote=True)


def _link(path: str, label: str) -> str:
    return f'<a href="{_href(path)}">{escape(label)}</a>'


def _download(folder: Path, path: str, role: str) -> str:
    """``MP4 clip (1.2 MB)``, linked to the file, with the file name as a tooltip."""
    kind = PurePosixPath(path).suffix.lstrip(".").upper() or PurePosixPath(path).name
    kind = f"{kind} {role}" if role else kind
    size = _file_size(folder / path)
    extra = f' <span class="size">({size})</span>' if size else ""
    name = escape(PurePosixPath(path).name, quote=True)
    return f'<a href="{_href(path)}" download title="{name}">{escape(kind)}</a>{extra}'


def _file_size(path: Path) -> str | None:
    try:
        n = path.stat().st_size
    except OSError:
        return None
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return None


def _image_size(path: Path) -> tuple[int, int] | None:
    """A poster's width and height (the video's too: it is one of its frames), or ``None``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError):
        return None




def _clock_tenths(seconds: float) -> str:
    """``83.44`` -> ``"1:23.4"``."""
    tenths = int(seconds * 10 + 0.5)
    return f"{tenths // 600}:{tenths % 600 // 10:02d}.{tenths % 10}"


