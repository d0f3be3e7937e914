"""The slide decks (``pipeline.decks``): ``deck.pptx`` and ``deck.html`` read back, one slide per beat.

The tiny lesson of ``tests/pipeline_scenes`` is exported once (as ``test_export`` does), notes are
added to its manifest's beats, and the decks are written from it once for the module.
"""

from __future__ import annotations

import base64
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import av
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.opc.constants import RELATIONSHIP_TYPE as RT

from pipeline.decks import REVEAL_FILES, REVEAL_VENDORED, write_decks
from pipeline.errors import PipelineError

from .test_export import EXPORT
from .test_pipeline import Build, fork

# Notes as an educator might write them, with characters HTML and Markdown would take for markup.
NOTES = [
    "Opening: what the lesson is about.",
    "",  # a beat without notes: its slide's notes are its title
    "1. Not a list; *not emphasis* and <b>not bold</b>, a_1 & a_2 stay as typed.",
    "Line one.\n\nA second paragraph.",
    "Costs go down: C < 1 # not a heading",
    "Closing [link](text) `code` \\ backslash.",
]
REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, //host, ftp://...


class Decks:
    def __init__(self, folder: Path, manifest: dict, written: list[str], seconds: float) -> None:
        self.folder, self.manifest, self.written, self.seconds = folder, manifest, written, seconds

    @property
    def beats(self) -> list[dict]:
        return self.manifest["beats"]


def expected_notes(beat: dict) -> str:
    """What the issue asks of a slide's notes: the beat's title, then its notes."""
    title = f"{beat['number']}. {beat['title']}"
    return f"{title}\n\n{beat['notes']}" if beat["notes"] else title


@pytest.fixture(scope="module")
def decks(tiny_export: Build, tmp_path_factory: pytest.TempPathFactory) -> Decks:
    """The tiny lesson exported, notes added to its beats, and its decks written again (do not modify)."""
    build = fork(tiny_export, tmp_path_factory.mktemp("decks"))
    folder = build.media / EXPORT
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len(manifest["beats"]) == len(NOTES)
    for beat, notes in zip(manifest["beats"], NOTES, strict=True):
        beat["notes"] = notes
    started = time.monotonic()
    written = write_decks(folder, manifest)
    return Decks(folder, manifest, written, time.monotonic() - started)


# -- what is written -------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_decks_are_written_whole_and_the_clips_not_copied(decks: Decks):
    assert {"deck.html", "deck.pptx", "slides/deck.json"} <= set(decks.written)
    assert len(decks.written) == len(set(decks.written))
    for name in decks.written:
        assert (decks.folder / name).is_file(), name
    assert not [p for p in decks.folder.rglob(".*")], "temporary files left"
    # The HTML deck plays the export's clips where they are: no assets folder, no second copy.
    on_disk = {str(p.relative_to(decks.folder)) for p in decks.folder.rglob("*") if p.is_file()}
    beat_files = {b[k] for b in decks.beats for k in ("clip", "poster")}
    others = {f["path"] for f in decks.manifest["files"]} - beat_files
    assert on_disk == beat_files | others | {"manifest.json"} | set(decks.written)
    print(f"decks written in {decks.seconds:.1f} s")


# -- deck.pptx -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_pptx_has_a_slide_per_beat_with_its_movie_poster_and_notes(decks: Decks):
    deck = Presentation(str(decks.folder / "deck.pptx"))
    assert len(deck.slides) == len(decks.beats)
    for slide, beat in zip(deck.slides, decks.beats, strict=True):
        movies = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.MEDIA]
        assert len(movies) == 1, f"beat {beat['number']}: {len(movies)} movies"
        (movie,) = movies
        media = [r.target_part for r in slide.part.rels.values() if r.reltype in (RT.MEDIA, RT.VIDEO)]
        assert media and all(part is media[0] for part in media), "the movie's media and video parts differ"
        assert media[0].content_type == "video/mp4"
        assert media[0].blob == (decks.folder / beat["clip"]).read_bytes(), f"beat {beat['number']}: not its clip"
        assert movie.poster_frame is not None
        assert movie.poster_frame.content_type == "image/png"
        assert movie.poster_frame.blob == (decks.folder / beat["poster"]).read_bytes(), \
            f"beat {beat['number']}: not its poster"
        # The movie fills the slide.
        assert (movie.left, movie.top, movie.width, movie.height) == (0, 0, deck.slide_width, deck.slide_height)
        assert slide.has_notes_slide
        assert slide.notes_slide.notes_text_frame.text == expected_notes(beat)
    # Only the posters are images in the deck (manim-slides' placeholder poster is not left behind).
    images = [p.blob for p in deck.part.package.iter_parts() if p.partname.startswith("/ppt/media/")
              and p.content_type.startswith("image/")]
    assert sorted(images) == sorted({(decks.folder / b["poster"]).read_bytes() for b in decks.beats})


@pytest.mark.slow
def test_the_pptx_slides_have_the_clips_shape(decks: Decks):
    deck = Presentation(str(decks.folder / "deck.pptx"))
    with av.open(str(decks.folder / decks.beats[0]["clip"])) as container:
        stream = container.streams.video[0]
        width, height = stream.width, stream.height
    assert deck.slide_width / deck.slide_height == pytest.approx(width / height, rel=2e-3)


# -- deck.html -----------------------------------------------------------------------------------
class Page(HTMLParser):
    """Every tag's attributes, and each slide's notes text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.notes: list[str] = []
        self._in_notes = False
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "aside" and "notes" in (attributes.get("class") or "").split():
            self._in_notes = True
            self.notes.append("")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "aside":
            self._in_notes = False
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_notes:
            self.notes[-1] += data
        if self._in_script and data.strip():
            self.scripts.append(data)


def page(decks: Decks) -> Page:
    parser = Page()
    parser.feed((decks.folder / "deck.html").read_text(encoding="utf-8"))
    parser.close()
    return parser


@pytest.mark.slow
def test_the_html_references_only_local_files_that_exist(decks: Decks):
    parsed = page(decks)
    references = [(tag, name, value) for tag, attributes in parsed.tags for name, value in attributes.items()
                  if value and (name in ("src", "href", "poster", "srcset", "action", "data")
                                or name.startswith("data-background") and name not in (
                                    "data-background-size", "data-background-color"))]
    assert references, "the deck references nothing"
    for tag, name, value in references:
        assert not REMOTE.match(value), f"<{tag} {name}={value!r}> is remote"
        assert not value.startswith(("data:", "javascript:")), f"<{tag} {name}> inlines {value[:30]!r}"
        assert (decks.folder / value).is_file(), f"<{tag} {name}={value!r}>: no such file"
    # reveal.js itself, from the copy next to the deck: the global `Reveal` the browser test drives.
    scripts = [a["src"] for t, a in parsed.tags if t == "script" and a.get("src")]
    assert "reveal.js/dist/reveal.js" in scripts
    assert any("Reveal.initialize(" in s for s in parsed.scripts)
    # No inline script or style fetches anything either.
    for text in parsed.scripts:
        assert not re.search(r"(import|fetch|XMLHttpRequest|url)\s*\(\s*['\"`]?(https?:)?//", text)


@pytest.mark.slow
def test_the_html_has_a_slide_per_beat_playing_its_clip_with_its_notes(decks: Decks):
    parsed = page(decks)
    slides = [a for t, a in parsed.tags if t == "section" and "data-background-video" in a]
    assert [s["data-background-video"] for s in slides] == [b["clip"] for b in decks.beats]
    assert len([t for t, _ in parsed.tags if t == "section"]) == len(decks.beats)  # no other slide
    # The notes reach reveal.js as Markdown whose every punctuation mark is escaped, so that it
    # shows them as typed: undo that escaping and they are the beat's notes.
    assert len(parsed.notes) == len(decks.beats)
    for text, beat in zip(parsed.notes, decks.beats, strict=True):
        assert re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text) == expected_notes(beat)
        assert not re.search(r"(?<!\\)[*_<>#\[\]`]", text), f"unescaped Markdown in {text!r}"


@pytest.mark.slow
def test_each_html_slide_carries_its_beats_captions_and_sound(decks: Decks):
    """The export is narrated: every slide has its beat's WebVTT as a data URL (browsers load no
    .vtt file over file://), which the page's script adds to the video reveal.js makes (the
    browser test checks the cues); no slide is muted."""
    parsed = page(decks)
    slides = [a for t, a in parsed.tags if t == "section" and "data-background-video" in a]
    assert len(slides) == len(decks.beats)
    prefix = "data:text/vtt;base64,"
    for slide, beat in zip(slides, decks.beats, strict=True):
        assert slide["data-captions"].startswith(prefix), beat["clip"]
        vtt = (decks.folder / beat["captions"]["vtt"]).read_bytes()
        assert base64.b64decode(slide["data-captions"][len(prefix):]) == vtt
        assert "data-background-video-muted" not in slide
    (script,) = [s for s in parsed.scripts if "data-captions" in s]
    for needed in ("createElement('track')", "'captions'", "'showing'", "MutationObserver"):
        assert needed in script
    # The PowerPoint movies are the clips, sound included.
    with av.open(str(decks.folder / decks.beats[0]["clip"])) as clip:
        assert [s.type for s in clip.streams] == ["video", "audio", "subtitle"]


@pytest.mark.slow
def test_manim_slides_reads_the_deck_description(decks: Decks):
    from manim_slides.config import PresentationConfig

    config = PresentationConfig.from_file(decks.folder / "slides" / "deck.json")
    assert [s.file.resolve() for s in config.slides] == [(decks.folder / b["clip"]).resolve() for b in decks.beats]
    assert [s.notes for s in config.slides] == [expected_notes(b) for b in decks.beats]


# -- the vendored reveal.js ------------------------------------------------------------------------
# The only http(s) addresses the vendored scripts may contain: comments and error messages.
KNOWN_TEXTS = {"https://revealjs.com", "https://hakim.se", "https://github.com/markedjs/marked"}


def test_the_vendored_reveal_js_is_what_the_deck_loads_and_nothing_else():
    files = {str(p.relative_to(REVEAL_VENDORED)) for p in REVEAL_VENDORED.rglob("*") if p.is_file()}
    assert files == set(REVEAL_FILES) | {"README.md"}
    assert "MIT" in (REVEAL_VENDORED / "README.md").read_text()
    assert "Permission is hereby granted" in (REVEAL_VENDORED / "LICENSE").read_text()


@pytest.mark.parametrize("name", [n for n in REVEAL_FILES if n.endswith(".css")])
def test_the_vendored_stylesheets_load_nothing_remote(name: str):
    css = (REVEAL_VENDORED / name).read_text(encoding="utf-8")
    assert "@import" not in css, f"{name} imports a stylesheet (Google Fonts?)"
    for target in re.findall(r"url\(\s*(['\"]?)([^'\")]*)\1\s*\)", css):
        assert target[1].startswith("data:"), f"{name} loads {target[1][:80]!r}"
    assert not re.search(r"https?://", css), f"{name} names a remote address"


@pytest.mark.parametrize("name", [n for n in REVEAL_FILES if n.endswith(".js")])
def test_the_vendored_scripts_name_no_remote_address_but_known_texts(name: str):
    js = (REVEAL_VENDORED / name).read_text(encoding="utf-8")
    found = set(re.findall(r"https?://[\w.-]+(?:/[\w.-]+)*", js))
    found = {f.rstrip(".") for f in found}
    assert found <= KNOWN_TEXTS, f"{name}: {sorted(found - KNOWN_TEXTS)}"


# -- errors ----------------------------------------------------------------------------------------
def test_a_missing_clip_is_one_line_naming_it(tmp_path: Path):
    manifest = {"title": "T", "beats": [{"number": 1, "title": "One", "clip": "beats/01-one.mp4",
                                          "poster": "beats/01-one.png", "notes": ""}]}
    with pytest.raises(PipelineError, match=r"01-one\.mp4.*missing.*export"):
        write_decks(tmp_path, manifest)
    assert not list(tmp_path.rglob("*")), "wrote something for an export it cannot make decks of"


def test_no_beats_is_an_error(tmp_path: Path):
    with pytest.raises(PipelineError, match="no beats"):
        write_decks(tmp_path, {"title": "T", "beats": []})
