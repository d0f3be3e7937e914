"""``pipeline.gallery.write_gallery`` on a made-up export folder (no render, no browser): links
to awkward file names, the decks and extra formats, escaping, and writing only what changed.
``tests/test_browser.py`` opens the gallery of a real export in a browser."""

from __future__ import annotations

import base64
import os
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from pipeline.errors import PipelineError
from pipeline.gallery import write_gallery

ODD = "beats/02 a#b?c%d é & <x>.mp4"
# Beat 1's captions: text that HTML must escape, and a non-ASCII character.
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nC &lt; 1 & \"quoted\" → done\n"


class Page(HTMLParser):
    """The links (``href``), sources (``src``, ``poster``) and text of a page; each ``<track>``
    apart (its attributes, and the ``src`` of the video it is in)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tracks: list[tuple[str, dict[str, str | None]]] = []
        self.link_text: dict[str, str] = {}
        self.text: list[str] = []
        self._href: str | None = None
        self._video: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "video":
            self._video = dict(attrs).get("src")
        if tag == "track":
            self.tracks.append((self._video or "", dict(attrs)))
            return
        for name, value in attrs:
            if name in ("href", "src", "poster") and value is not None:
                self.refs.append((tag, name, value))
                if tag == "a":
                    self._href = value

    def handle_endtag(self, tag: str) -> None:
        self._href = None if tag == "a" else self._href
        self._video = None if tag == "video" else self._video

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._href is not None:
            self.link_text[self._href] = self.link_text.get(self._href, "") + data

    def files(self, folder: Path) -> list[Path]:
        return [folder / unquote(urlsplit(value).path) for _, _, value in self.refs]


def export_folder(folder: Path) -> dict:
    """Files as an export leaves them, and their manifest: two beats, the second with awkward
    names, a GIF of each and both decks; the first beat has captions, the second none."""
    (folder / "beats").mkdir(parents=True)
    beats = []
    for number, clip in ((1, "beats/01-first.mp4"), (2, ODD)):
        poster = clip.replace(".mp4", ".png")
        (folder / clip).write_bytes(b"\0" * 1500)
        Image.new("RGB", (64, 36)).save(folder / poster)
        (folder / clip.replace(".mp4", ".gif")).write_bytes(b"GIF89a")
        beats.append({"number": number, "title": f"Beat <{number}> & co", "start": 75.25 * (number - 1),
                      "duration": 75.25, "clip": clip, "poster": poster,
                      "formats": {"mp4": clip, "png": poster, "gif": clip.replace(".mp4", ".gif")}})
    captions = {"vtt": "beats/01-first.vtt", "srt": "beats/01-first.srt"}
    (folder / captions["vtt"]).write_text(VTT, encoding="utf-8")
    (folder / captions["srt"]).write_text("1\n00:00:00,000 --> 00:00:02,500\nC < 1\n", encoding="utf-8")
    beats[0]["captions"] = captions
    beats[0]["formats"] |= captions
    for name in ("lesson.mp4", "lesson.vtt", "lesson.srt", "contact-sheet.png", "deck.html", "deck.pptx",
                 "manifest.json"):
        (folder / name).write_bytes(b"x")
    return {"title": "A <lesson> & more", "lesson": "a-lesson", "quality": "low", "video": "lesson.mp4",
            "captions": {"vtt": "lesson.vtt", "srt": "lesson.srt"},
            "duration": 150.5, "beats": beats, "contact_sheet": "contact-sheet.png",
            "decks": {"pptx": "deck.pptx", "html": "deck.html"}}


def test_every_reference_is_relative_and_names_a_file_that_exists(tmp_path):
    manifest = export_folder(tmp_path)
    assert write_gallery(tmp_path, manifest) == ["index.html"]
    page = Page((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert page.refs
    for (tag, name, value), path in zip(page.refs, page.files(tmp_path), strict=True):
        assert not urlsplit(value).scheme and not urlsplit(value).netloc, value
        assert path.is_file(), (tag, name, value)
    wanted = {"lesson.mp4", "lesson.vtt", "lesson.srt", "contact-sheet.png", "deck.html", "deck.pptx",
              "manifest.json", ODD, ODD.replace(".mp4", ".png"), ODD.replace(".mp4", ".gif"), "beats/01-first.gif",
              "beats/01-first.vtt", "beats/01-first.srt"}
    assert wanted <= {str(p.relative_to(tmp_path)) for p in page.files(tmp_path)}


def test_a_clip_with_captions_shows_them_from_a_data_url(tmp_path):
    """Browsers load no .vtt beside a page opened from disk: the track holds the file's text."""
    manifest = export_folder(tmp_path)
    write_gallery(tmp_path, manifest)
    page = Page((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert len(page.tracks) == 1  # beat 2 has no captions: no track
    video, track = page.tracks[0]
    assert video == "beats/01-first.mp4"
    assert {k: track[k] for k in ("kind", "srclang", "label")} == {"kind": "captions", "srclang": "en",
                                                                  "label": "English"}
    assert "default" in track
    prefix = "data:text/vtt;base64,"
    assert track["src"].startswith(prefix)
    assert base64.b64decode(track["src"][len(prefix):]).decode("utf-8") == VTT
    links = {unquote(href): label for href, label in page.link_text.items()}
    assert links["lesson.vtt"] == "Captions (WebVTT)" and links["lesson.srt"] == "Captions (SRT)"
    assert links["beats/01-first.vtt"] == "VTT captions" and links["beats/01-first.srt"] == "SRT captions"


def test_missing_captions_are_one_error_naming_the_file(tmp_path):
    manifest = export_folder(tmp_path)
    (tmp_path / "beats" / "01-first.vtt").unlink()
    with pytest.raises(PipelineError, match=r"01-first\.vtt.*beat 1's captions.*export again"):
        write_gallery(tmp_path, manifest)
    assert not (tmp_path / "index.html").exists()


def test_the_header_and_cards_say_what_the_manifest_does(tmp_path):
    manifest = export_folder(tmp_path)
    manifest["beats"][0]["notes"] = "First <em>line</em>\nsecond & last"
    write_gallery(tmp_path, manifest)
    page = Page((tmp_path / "index.html").read_text(encoding="utf-8"))
    text = "".join(page.text)
    assert "A <lesson> & more" in text and "2 beats" in text and "2:30" in text  # 150.5 s, rounded down as players do
    assert "01 Beat <1> & co" in text and "02 Beat <2> & co" in text
    assert "First <em>line</em>\nsecond & last" in text  # text, not markup
    assert "1:15.3" in text  # the second beat starts at 75.25 s
    links = {unquote(href.split("#")[0]): label for href, label in page.link_text.items()}
    assert links["deck.html"] == "Slides (reveal.js)" and links["deck.pptx"] == "Slides (PowerPoint)"
    order = [unquote(href) for _, _, href in page.refs]
    assert order.index("deck.html") < order.index("deck.pptx")
    # Each file is offered for download once, though the formats list the clip and poster again.
    links = [unquote(value) for tag, name, value in page.refs if tag == "a"]
    for beat in manifest["beats"]:
        for path in (beat["clip"], beat["poster"], beat["formats"]["gif"]):
            assert links.count(path) == 1, (path, links)


def test_written_again_only_when_the_page_changes(tmp_path):
    manifest = export_folder(tmp_path)
    write_gallery(tmp_path, manifest)
    index = tmp_path / "index.html"
    os.utime(index, ns=(1, 1))
    assert write_gallery(tmp_path, manifest) == []
    assert index.stat().st_mtime_ns == 1
    manifest["beats"][1]["notes"] = "New text."
    assert write_gallery(tmp_path, manifest) == ["index.html"]
    assert "New text." in index.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


@pytest.mark.parametrize("path", ["/etc/passwd", "https://example.org/x.mp4", "C:\\clips\\x.mp4", ""])
def test_a_path_that_is_not_relative_is_refused(tmp_path, path):
    manifest = export_folder(tmp_path)
    manifest["beats"][0]["clip"] = path
    with pytest.raises(PipelineError, match="manifest.json"):
        write_gallery(tmp_path, manifest)
    assert not (tmp_path / "index.html").exists()
