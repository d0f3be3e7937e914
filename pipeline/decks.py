"""Slide decks from the educators' export: ``deck.html`` (reveal.js) and ``deck.pptx``, one slide per beat.

:func:`write_decks` writes, into the export folder, from its manifest's beats::

    slides/deck.json    the deck description in manim-slides' format (one slide per beat, its clip
                        and notes), so ``manim-slides present --folder <export>/slides deck`` plays it
    deck.html           a reveal.js deck: each beat's clip as its slide's background video, with
                        its sound and captions (a narrated export's), the beat's title and notes
                        as speaker notes (``S`` opens the speaker view)
    reveal.js/...       the reveal.js files the deck loads, by a relative path: it works offline
    deck.pptx           a PowerPoint deck: each slide one movie (the clip, autoplaying), its poster
                        (the beat's poster, the clip's last frame) and the title and notes as notes

Nothing is rendered or encoded again: manim-slides 5.7.0's converters (``RevealJS``,
``PowerPoint``, as ``manim-slides convert`` runs them) are given a deck description pointing at
the export's clips. ``deck.html`` references the clips where they are (``beats/``, the converter's
assets folder, where it finds them already present and copies nothing); ``deck.pptx`` embeds them,
so it is as large as the clips together.

What manim-slides does not do is done here: reveal.js comes from the copy vendored in
``pipeline/vendor/reveal.js`` (its README says where from and why), not from a CDN; the notes
are escaped for the HTML template (which inserts them as they are, and renders them as Markdown);
each PowerPoint slide gets its beat's poster (manim-slides puts one image, or each clip's first
frame, on every slide). For a narrated export, each slide of the HTML deck carries its beat's
captions (``data-captions``: the WebVTT file as a ``data:`` URL, since browsers load no ``.vtt``
file over ``file://``), which a small script in the page adds as a shown ``<track>`` to the video
reveal.js makes for the slide; and the first slide is no longer muted (manim-slides mutes it so
that it may autoplay: reveal.js mutes it for the moment and offers a button to unmute if the browser
refuses to play sound before the viewer has interacted). The PowerPoint movies are the clips, with
their sound and their subtitle track (which PowerPoint does not show).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

from pipeline.captions import data_url
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write, atomic_write_text

DECK_HTML = "deck.html"
DECK_PPTX = "deck.pptx"
DECK_DESCRIPTION = "slides/deck.json"  # manim-slides reads <folder>/<name>.json, paths relative to its parent's parent
REVEAL_FOLDER = "reveal.js"  # in the export folder, next to deck.html: the template's ``cdn_url``
REVEAL_VENDORED = Path(__file__).parent / "vendor" / "reveal.js"
# What manim-slides 5.7.0's revealjs.html loads from ``cdn_url`` (with the default theme, black,
# whose fonts are embedded: other themes import Google Fonts), and the licence.
REVEAL_FILES = ("LICENSE", "dist/reveal.css", "dist/theme/black.css", "dist/plugin/highlight/zenburn.css",
                "dist/reveal.js", "dist/plugin/notes.js", "dist/plugin/markdown.js")
PPTX_WIDTH = 1280  # px (at 96 dpi: 13.33 in, PowerPoint's 16:9 width); the height follows the video
BACKGROUND = "black"


def write_decks(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Write the decks of the export in ``folder`` (see the module docstring) from ``manifest``
    (the export's manifest, its beats with an optional ``"notes"`` string each). Every file is
    written under a temporary name and renamed into place. Returns the paths written, relative to
    ``folder``, in the order written."""
    slides = _slides(folder, manifest)
    written = [_copy_reveal(folder, name) for name in REVEAL_FILES]
    atomic_write_text(folder / DECK_DESCRIPTION, json.dumps(_description(folder, slides), indent=2,
                                                            ensure_ascii=False) + "\n")
    written.append(DECK_DESCRIPTION)
    atomic_write(folder / DECK_HTML, lambda tmp: _write_html(tmp, slides, manifest.get("title") or "Lesson"))
    written.append(DECK_HTML)
    atomic_write(folder / DECK_PPTX, lambda tmp: _write_pptx(tmp, slides))
    written.append(DECK_PPTX)
    return written


def deck_notes(beat: dict[str, Any]) -> str:
    """A beat's speaker notes: its number and title, then (after a blank line) its notes, if any."""
    heading = f"{beat['number']}. {beat['title']}"
    notes = (beat.get("notes") or "").strip()
    return f"{heading}\n\n{notes}" if notes else heading


def html_notes(text: str) -> str:
    """``text`` as manim-slides' template must receive it to show it as it is: the template puts
    it unescaped into ``<aside class="notes" data-markdown>``, and reveal.js renders that
    element's text as Markdown. So every ASCII punctuation mark is backslash-escaped (Markdown
    then shows it literally: no ``1.`` list, no ``*emphasis*``, no raw ``<tag>``), and the result
    HTML-escaped. Paragraphs (blank lines) stay paragraphs."""
    return html.escape(re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text), quote=False)


# -- what the decks are made of ----------------------------------------------------------------
def _slides(folder: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """One slide per beat: its clip and poster (checked to exist) and its notes."""
    beats = manifest.get("beats") or []
    if not beats:
        raise PipelineError(f"decks: the manifest in {folder} has no beats; run `python -m pipeline export` again")
    slides = []
    for beat in beats:
        for key in ("clip", "poster"):
            if not (folder / beat[key]).is_file():
                raise PipelineError(f"decks: {folder / beat[key]} (beat {beat['number']}'s {key}) is missing; "
                                    "run `python -m pipeline export` again")
        slides.append({"clip": beat["clip"], "poster": beat["poster"], "notes": deck_notes(beat),
                       "captions": _captions(folder, beat)})
    clip_folders = {Path(s["clip"]).parent for s in slides}
    if len(clip_folders) != 1:  # manim-slides' HTML takes every video from one assets folder
        raise PipelineError(f"decks: the clips in {folder} are in several folders "
                            f"({', '.join(sorted(map(str, clip_folders)))}); the HTML deck needs them in one")
    return slides


def _captions(folder: Path, beat: dict[str, Any]) -> str | None:
    """The beat's captions (its WebVTT file) as a ``data:`` URL; ``None`` for a silent beat."""
    vtt = (beat.get("captions") or {}).get("vtt")
    if not vtt:
        return None
    try:
        return data_url((folder / vtt).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise PipelineError(f"decks: cannot read {folder / vtt} (beat {beat['number']}'s captions: {err}); "
                            "run `python -m pipeline export` again") from None


def _presentation(folder: Path, slides: list[dict[str, Any]], html_escaped: bool = False):
    """The deck as manim-slides' ``PresentationConfig``: a video slide per beat, its clip as both
    the video and the reversed video (which no deck uses; manim-slides' player plays it backwards
    on ``V``), the size of the posters (the clips' frames)."""
    from manim_slides.config import PresentationConfig, SlideConfig
    from PIL import Image

    with Image.open(folder / slides[0]["poster"]) as image:
        resolution = image.size
    return PresentationConfig(
        slides=[SlideConfig(file=folder / s["clip"], rev_file=folder / s["clip"], dedent_notes=False,
                            notes=html_notes(s["notes"]) if html_escaped else s["notes"]) for s in slides],
        resolution=resolution, background_color=BACKGROUND)


def _description(folder: Path, slides: list[dict[str, Any]]) -> dict[str, Any]:
    """The deck description as manim-slides writes it, with the clips' paths relative to
    ``folder`` (``PresentationConfig.from_file`` resolves them against the file's parent's parent)."""
    description = _presentation(folder, slides).model_dump(mode="json")
    for record, slide in zip(description["slides"], slides):
        record["file"] = record["rev_file"] = slide["clip"]
    return description


@contextlib.contextmanager
def _converting():
    """Around a manim-slides converter: its tqdm progress bars (on stderr) hidden, as the pipeline
    prints its own progress; its refusal of an option (a pydantic ``ValidationError``, as when a
    new manim-slides renames one) as a one-line error."""
    from pydantic import ValidationError

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    except ValidationError as e:
        raise PipelineError(f"decks: manim-slides refused the deck's options ({e.error_count()} error(s), first: "
                            f"{e.errors()[0]['msg']}); check its pin in pyproject.toml (5.7.0)") from e


# -- the files ---------------------------------------------------------------------------------
def _copy_reveal(folder: Path, name: str) -> str:
    """Copy one vendored reveal.js file (a copy, not a link: editing the export's must not change
    the source tree's)."""
    source = REVEAL_VENDORED / name
    if not source.is_file():
        raise PipelineError(f"decks: {source} is missing from the source tree; restore pipeline/vendor/reveal.js "
                            "(see its README)")
    atomic_write(folder / REVEAL_FOLDER / name, lambda tmp: shutil.copyfile(source, tmp))
    return f"{REVEAL_FOLDER}/{name}"


def _write_html(out: Path, slides: list[dict[str, Any]], title: str) -> None:
    """``manim-slides convert --to html -ccdn_url=reveal.js -cassets_dir=beats``, in-process. ``out``
    must be in the export folder: the converter finds the clips in ``<out's folder>/beats`` and,
    as they are there already, copies nothing."""
    from manim_slides.convert import RevealJS

    folder = out.parent
    assets = Path(slides[0]["clip"]).parent.as_posix()
    with _converting():
        converter = RevealJS(presentation_configs=[_presentation(folder, slides, html_escaped=True)],
                             cdn_url=REVEAL_FOLDER, assets_dir=assets, title=html.escape(title),
                             background_color=BACKGROUND)
        converter.convert_to(out)
    if any(s["captions"] for s in slides):
        out.write_text(_with_captions(out.read_text(encoding="utf-8"), slides), encoding="utf-8")


# Adds each slide's captions (``data-captions``) to the background video reveal.js makes for it, as
# a track shown at once; reveal.js makes the videos of the slides near the current one, and again
# after they were unloaded, so every change to the page is looked at.
CAPTIONS_SCRIPT = """<script>
(function () {
  function caption() {
    document.querySelectorAll('.reveal .slides section[data-captions]').forEach(function (slide) {
      var background = slide.slideBackgroundElement;
      var video = background && background.querySelector('video');
      if (!video || video.querySelector('track')) return;
      var track = document.createElement('track');
      track.kind = 'captions';
      track.srclang = 'en';
      track.label = 'English';
      track.default = true;
      track.src = slide.getAttribute('data-captions');
      video.appendChild(track);
      track.track.mode = 'showing';
    });
  }
  new MutationObserver(caption).observe(document.querySelector('.reveal'), {childList: true, subtree: true});
  Reveal.on('ready', caption);
})();
</script>
"""


def _with_captions(page: str, slides: list[dict[str, Any]]) -> str:
    """manim-slides' page with each slide's captions as its ``data-captions``, the script that
    shows them, and the first slide's video not muted (it has something to say)."""
    for slide in slides:
        if not slide["captions"]:
            continue
        video = f'data-background-video="{slide["clip"]}"'
        if page.count(video) != 1:
            raise PipelineError(f"decks: manim-slides' HTML has {page.count(video)} slides for {slide['clip']}, not "
                                "one; check its pin in pyproject.toml (5.7.0)")
        page = page.replace(video, f'{video}\n          data-captions="{slide["captions"]}"')
    if page.count("</body>") != 1:
        raise PipelineError("decks: manim-slides' HTML has no single </body>; check its pin in pyproject.toml (5.7.0)")
    page = re.sub(r"\n\s*data-background-video-muted\b", "", page)
    return page.replace("</body>", CAPTIONS_SCRIPT + "</body>")


def _write_pptx(out: Path, slides: list[dict[str, Any]]) -> None:
    """``manim-slides convert --to pptx``, in-process, then each movie's poster set to its beat's."""
    from manim_slides.convert import PowerPoint
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    from pptx.oxml.ns import qn

    folder = out.parent
    config = _presentation(folder, slides)
    width, height = config.resolution
    with _converting():
        # One poster for every slide (so no clip is decoded for its first frame), replaced below.
        PowerPoint(presentation_configs=[config], width=PPTX_WIDTH, height=round(PPTX_WIDTH * height / width),
                   poster_frame_image=folder / slides[0]["poster"]).convert_to(out)
        deck = Presentation(str(out))
        for slide, spec in zip(deck.slides, slides, strict=True):
            (movie,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.MEDIA]
            (blip,) = movie._element.xpath("./p:blipFill/a:blip")
            old = blip.get(qn("r:embed"))
            _, new = slide.part.get_or_add_image_part(str(folder / spec["poster"]))
            if new != old:
                blip.set(qn("r:embed"), new)
                slide.part.drop_rel(old)  # the slide no longer refers to it: the image is not saved
        deck.save(str(out))
