"""The gallery (``index.html``) and the slide deck (``deck.html``) in a real browser, from disk.

Debian's ``chromium`` (``scripts/system-deps`` installs it) is driven through Playwright with
``executable_path``: Playwright downloads no browser of its own. Every request that is not for a
local file is aborted and counted, and the count must stay 0: the pages work with no network.
The export is the tiny lesson's (``tests/pipeline_scenes``, low quality), made once for the module;
its manifest is given notes (with characters HTML must escape) and an extra format per beat (a GIF,
one with an awkward file name) before the gallery is written. It is narrated: every video of the
gallery and the deck must show its beat's narration as captions, read back from the browser's
``textTracks``.

A screenshot of the gallery is written to the test's media folder (its path is printed: run
pytest with ``-s`` to see it) for a person to look at.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image

from pipeline.gallery import write_gallery

from .test_export import narration_of
from .test_narrated_build import words
from .test_pipeline import VIDEO, Build, fork

EXPORT = VIDEO.parent / "export"  # under the media folder
NO_CHROMIUM = "chromium not found: run `make install` (scripts/system-deps installs Debian's chromium)"
# Text HTML must escape, on two lines (the gallery keeps line breaks).
NOTES = "Beat {n}: <b>not bold</b> & <script>window.injected = 1</script> \"quoted\" 'x'\nA second line."
WAIT_MS = 30_000


DEBIAN_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str:
    """Debian's chromium (or a Chromium on PATH); fails the test, never skips it, without one."""
    for candidate in (shutil.which("chromium"), shutil.which("chromium-browser"), DEBIAN_CHROMIUM):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail(NO_CHROMIUM, pytrace=False)


def test_without_chromium_the_test_fails_saying_how_to_install_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(f"{__name__}.DEBIAN_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.fail.Exception, match="chromium not found: run `make install`"):
        chromium_path()


# -- the export and its gallery ------------------------------------------------------------------
@dataclass
class Gallery:
    folder: Path  # the export folder
    manifest: dict
    media: Path  # the test's media folder


@pytest.fixture(scope="module")
def gallery(tiny_export: Build, tmp_path_factory: pytest.TempPathFactory) -> Gallery:
    """The tiny lesson as exported (its gallery, decks and GIFs), with notes that try to run a
    script put on every other beat and its gallery written again (shared: do not modify)."""
    build = fork(tiny_export, tmp_path_factory.mktemp("gallery"))
    folder = build.media / EXPORT
    manifest = json.loads((folder / "manifest.json").read_text())
    for beat in manifest["beats"]:
        assert (folder / beat["formats"]["gif"]).is_file()  # the export's own other format
        beat["summary"] = NOTES.format(n=beat["number"]) if beat["number"] % 2 else ""
    assert write_gallery(folder, manifest) == ["index.html"]
    return Gallery(folder, manifest, build.media)


# -- the browser ---------------------------------------------------------------------------------
@dataclass
class Network:
    """Requests the page tried that were not for local files (every one aborted)."""

    blocked: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright not installed: run `make install` (it installs the test extras)", pytrace=False)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def offline(browser) -> Iterator[tuple[object, Network]]:
    """A page in a fresh context in which every request not for a ``file:`` URL is aborted."""
    network = Network()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

    def route(route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            network.blocked.append(url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        yield page, network
    finally:
        context.close()


# -- what the page holds, seen from the browser ----------------------------------------------------
VIDEO_STATE = """videos => videos.map(v => ({
    src: v.currentSrc, poster: v.poster, readyState: v.readyState, duration: v.duration,
    error: v.error && `${v.error.code} ${v.error.message}`, width: v.videoWidth, height: v.videoHeight}))"""

# Each video's first text track, once its <track> has loaded (or failed): its cues as the browser has them.
TRACKS_LOADED = """selector => [...document.querySelectorAll(selector)].every(
    v => { const t = v.querySelector('track'); return t && t.readyState >= 2; })"""

TRACK_STATE = """videos => videos.map(v => {
    const element = v.querySelector('track'), track = v.textTracks[0];
    return {src: v.currentSrc, tracks: v.textTracks.length, loaded: element && element.readyState,
            kind: track && track.kind, language: track && track.language, label: track && track.label,
            mode: track && track.mode,
            cues: track && track.cues && [...track.cues].map(c => [c.startTime, c.endTime, c.text])};
})"""

METADATA_OR_ERROR = """selector => [...document.querySelectorAll(selector)].every(
    v => v.error || (v.readyState >= 1 && v.duration > 0))"""

LOAD_IMAGES = """urls => Promise.all(urls.map(url => new Promise(done => {
    const image = new Image();
    image.onload = () => done({url: image.src, width: image.naturalWidth, height: image.naturalHeight});
    image.onerror = () => done({url: image.src, width: 0, height: 0});
    image.src = new URL(url, document.baseURI).href;
})))"""

PLAY_ALL = """() => Promise.all([...document.querySelectorAll('video')].map(v => new Promise(done => {
    const report = extra => done({src: v.currentSrc, ended: v.ended, time: v.currentTime,
                                  decoded: v.webkitDecodedFrameCount, error: v.error && v.error.code, ...extra});
    v.muted = true;
    v.addEventListener('ended', () => report({}), {once: true});
    v.addEventListener('error', () => report({}), {once: true});
    setTimeout(() => report({timedOut: true}), 20000);
    v.play().catch(e => report({playError: String(e)}));
})))"""

LAYOUT = """() => {
    const box = e => e.getBoundingClientRect();
    const cards = [...document.querySelectorAll('article')];
    return {
        viewport: window.innerWidth, page: document.documentElement.scrollWidth,
        cards: cards.map(c => { const b = box(c); return [b.left, b.top, b.right, b.bottom]; }),
        sticking_out: cards.flatMap(c => [...c.querySelectorAll('*')]
            .filter(e => box(e).width > 0 && (box(e).left < box(c).left - 0.5 || box(e).right > box(c).right + 0.5))
            .map(e => `${c.id} ${e.tagName}`)),
    };
}"""


def slide_video(page) -> dict:
    """The state of the current slide's video, once it has its metadata (or an error)."""
    found = page.evaluate("""() => {
        document.querySelectorAll('#slide-video').forEach(v => v.removeAttribute('id'));
        const {h, v} = Reveal.getIndices();
        const background = Reveal.getSlideBackground(h, v);
        const video = background?.querySelector('video') ?? Reveal.getCurrentSlide().querySelector('video');
        if (video) video.id = 'slide-video';
        return !!video;
    }""")
    assert found, f"slide {page.evaluate('() => Reveal.getIndices()')} has no video"
    (video,) = wait_for_videos(page, "#slide-video")
    return video


def captions_of(page, selector: str = "video") -> list[dict]:
    """Each matching video's caption track as the browser loaded it (see TRACK_STATE)."""
    return states_when(page, TRACKS_LOADED, selector, TRACK_STATE)


def assert_captions(tracks: list[dict], beats: list[dict], model) -> None:
    """Each video shows one English caption track, loaded (readyState 2), whose cues are in order,
    inside the clip, and say its beat's narration; beats the lesson does not narrate have none."""
    assert len(tracks) == len(beats)
    spoken = 0
    for track, beat in zip(tracks, beats, strict=True):
        assert (track["tracks"], track["loaded"]) == (1, 2), (beat["clip"], track)
        assert (track["kind"], track["language"], track["label"], track["mode"]) == (
            "captions", "en", "English", "showing"), track
        cues = track["cues"]
        assert all(0 <= a < b <= beat["duration"] + 1e-3 for a, b, _ in cues), (beat["clip"], cues)
        assert all(b <= c + 1e-3 for (_, b, _), (c, _, _) in zip(cues, cues[1:])), cues
        assert words(" ".join(text for _, _, text in cues)) == narration_of(model, beat), beat["clip"]
        spoken += bool(cues)
    assert spoken == 2  # the tiny lesson's two beats of the lesson


def wait_for_videos(page, selector: str = "video") -> list[dict]:
    """Every matching video's state once each has its metadata or an error (or the wait ran out)."""
    return states_when(page, METADATA_OR_ERROR, selector, VIDEO_STATE)


def states_when(page, ready: str, selector: str, state: str) -> list[dict]:
    """``state`` of the elements matching ``selector``, once ``ready`` holds for them or the wait
    ran out (the states then say which one did not load)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(ready, arg=selector, timeout=WAIT_MS)
    except PlaywrightTimeout:
        pass
    return page.eval_on_selector_all(selector, state)


def assert_loaded(videos: list[dict]) -> None:
    for video in videos:
        assert video["error"] is None and video["readyState"] >= 1 and video["duration"] > 0, video


def local_file(base: Path, reference: str) -> Path:
    """The file a relative URL in a page in ``base`` names."""
    return base / unquote(urlsplit(reference).path)


def file_url_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def clock(seconds: float) -> str:
    """``m:ss``, whole seconds rounded down (as video players show a length)."""
    s = math.floor(seconds)
    return f"{s // 60}:{s % 60:02d}"


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


# -- the page, parsed ----------------------------------------------------------------------------
class References(HTMLParser):
    """Every URL the page refers to (``src``, ``href``, ``poster``), with its tag, and the text of
    its ``<style>`` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href", "poster", "srcset", "data", "action") and value is not None:
                self.urls.append((tag, name, value))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


@pytest.mark.slow
def test_the_gallery_refers_to_no_remote_url_and_every_local_file_exists(gallery: Gallery):
    page = References()
    page.feed((gallery.folder / "index.html").read_text(encoding="utf-8"))
    assert page.urls, "the gallery refers to no file"
    # The captions are in the page (a data URL: browsers load no .vtt over file://); nothing else is.
    tracks = [value for tag, name, value in page.urls if tag == "track"]
    assert len(tracks) == len(gallery.manifest["beats"])
    assert all(value.startswith("data:text/vtt;base64,") for value in tracks)
    for tag, name, value in [u for u in page.urls if u[0] != "track"]:
        parts = urlsplit(value)
        assert not parts.scheme and not parts.netloc and not value.startswith("//"), (tag, name, value)
        assert local_file(gallery.folder, value).is_file(), (tag, name, value)
    style = "".join(page.styles)
    assert "@import" not in style and "url(" not in style and "@font-face" not in style
    # Every file of every beat is linked, and the lesson's own files too.
    linked = {local_file(gallery.folder, v).resolve() for tag, name, v in page.urls if tag == "a"}
    for beat in gallery.manifest["beats"]:
        for path in (beat["clip"], beat["poster"], *beat["formats"].values()):
            assert (gallery.folder / path).resolve() in linked, path
    for path in (gallery.manifest["video"], gallery.manifest["contact_sheet"], "manifest.json"):
        assert (gallery.folder / path).resolve() in linked, path


def test_blocked_requests_are_counted(offline):
    """The network block this module relies on sees a page's request to the network."""
    page, network = offline
    page.set_content('<img src="http://192.0.2.1/picture.png">')
    page.wait_for_load_state("load")
    assert network.blocked == ["http://192.0.2.1/picture.png"]


@pytest.mark.slow
def test_the_gallery_works_from_disk_with_no_network(gallery: Gallery, offline):
    page, network = offline
    page.goto((gallery.folder / "index.html").as_uri())
    beats = gallery.manifest["beats"]

    videos = wait_for_videos(page)
    assert len(videos) == len(beats)
    assert_loaded(videos)
    for video, beat in zip(videos, beats, strict=True):
        assert file_url_path(video["src"]) == (gallery.folder / beat["clip"]).resolve()
        assert file_url_path(video["poster"]) == (gallery.folder / beat["poster"]).resolve()
        assert math.isclose(video["duration"], beat["duration"], abs_tol=1e-3), (video, beat["duration"])

    # Posters, the contact sheet and every other image the page links load, at the size written.
    links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    images = [v["poster"] for v in videos] + [h for h in links if h.lower().endswith((".png", ".gif"))]
    for image in page.evaluate(LOAD_IMAGES, images):
        assert image["width"] > 0, f"did not load: {image['url']}"
        path = file_url_path(image["url"])
        with Image.open(path) as written:
            assert (image["width"], image["height"]) == written.size, image
    for video in videos:  # a poster is one of its clip's frames
        with Image.open(file_url_path(video["poster"])) as poster:
            assert poster.size == (video["width"], video["height"])
    assert page.eval_on_selector_all("img", "images => images.every(i => i.complete && i.naturalWidth > 0)")

    # What the cards and the header say, against what the browser measured and the manifest.
    cards = page.eval_on_selector_all("article", """cards => cards.map(c => ({
        title: c.querySelector('h2').textContent, notes: c.querySelector('.notes')?.textContent ?? '',
        start: c.querySelector('.when a').getAttribute('href')}))""")
    start = 0.0
    for card, beat, video in zip(cards, beats, videos, strict=True):
        assert card["title"] == f"{beat['number']:02d} {beat['title']}"
        assert card["notes"] == (beat["summary"] or beat["notes"])  # summary, else narration: as text
        href, fragment = card["start"].split("#t=")
        assert local_file(gallery.folder, href).resolve() == (gallery.folder / gallery.manifest["video"]).resolve()
        assert math.isclose(float(fragment), start, abs_tol=2e-3), (beat["number"], fragment, start)
        start += video["duration"]
    assert page.evaluate("() => window.injected") is None
    assert page.text_content("h1") == gallery.manifest["title"]
    facts = page.text_content(".facts")
    assert f"{len(beats)} beats" in facts and clock(start) in facts, (facts, start)

    # The full video the header links loads too, as long as its beats.
    full = page.evaluate("""href => { const v = document.createElement('video'); v.id = 'full';
        v.preload = 'metadata'; v.src = href; document.body.append(v); return v.src; }""",
                         page.get_by_role("link", name="Full video").get_attribute("href"))
    assert file_url_path(full) == (gallery.folder / gallery.manifest["video"]).resolve()
    (whole,) = wait_for_videos(page, "#full")
    assert_loaded([whole])
    assert math.isclose(whole["duration"], start, abs_tol=0.05), (whole["duration"], start)
    page.evaluate("() => document.getElementById('full').remove()")

    # Cards side by side on a wide window and one above the other on a phone, never overlapping,
    # nothing wider than its card or the window.
    columns = {}
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        layout = page.evaluate(LAYOUT)
        assert layout["page"] <= layout["viewport"], layout
        assert not layout["sticking_out"], layout["sticking_out"]
        boxes = layout["cards"]
        assert not [(i, j) for i in range(len(boxes)) for j in range(i) if overlaps(boxes[i], boxes[j])]
        columns[width] = len({round(box[0]) for box in boxes})
        if width == 1280:
            shot = gallery.media / "gallery.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"\ngallery screenshot ({page.context.browser.version}): {shot}")
    assert columns[390] == 1 and columns[1280] > 1, columns

    # Every clip plays to its end in this browser (H.264 decodes).
    for played in page.evaluate(PLAY_ALL):
        assert played.get("ended") and played["decoded"] > 0 and not played.get("error"), played
    assert network.blocked == []


@pytest.mark.slow
def test_each_gallery_video_shows_its_beats_narration_as_captions(gallery: Gallery, offline, model):
    page, network = offline
    page.goto((gallery.folder / "index.html").as_uri())
    assert_captions(captions_of(page), gallery.manifest["beats"], model)
    assert network.blocked == []


# -- the deck --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_deck_works_from_disk_and_advances_from_the_first_slide_to_the_last(gallery: Gallery, offline, model):
    """``pipeline.decks.write_decks`` writes ``deck.html`` (reveal.js, vendored): it opens from
    disk with no network, has one slide per beat, each slide's clip loads (the first's before
    anything else happens) and shows its beat's narration as captions, and ``Reveal.next()``
    walks them in order to the last. The deck is the export's own."""
    deck = gallery.folder / "deck.html"
    assert deck.is_file()
    page, network = offline
    page.goto(deck.as_uri())
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    except PlaywrightTimeout:
        pytest.fail(f"{deck}: reveal.js did not start (no Reveal.isReady() within {WAIT_MS / 1000:.0f} s)")
    assert page.evaluate("() => Reveal.isFirstSlide()")

    # Every slide shows its beat's clip (reveal.js's background video, or a video on the slide
    # itself) and it loads; Reveal.next() goes forward until the last slide.
    beats = gallery.manifest["beats"]
    assert page.evaluate("() => Reveal.getTotalSlides()") == len(beats)
    steps = [page.evaluate("() => Reveal.getIndices()")]
    shown = [slide_video(page)]
    tracks = captions_of(page, "#slide-video")
    while not page.evaluate("() => Reveal.isLastSlide()"):
        assert len(steps) <= 10 * len(beats), f"Reveal.next() did not reach the last slide: {steps[-3:]}"
        page.evaluate("() => Reveal.next()")
        steps.append(page.evaluate("() => Reveal.getIndices()"))
        order = [(s["h"], s.get("v") or 0, -1 if s.get("f") is None else s["f"]) for s in steps[-2:]]
        assert order[1] > order[0], f"Reveal.next() did not advance: {steps[-2:]}"
        if order[1][:2] != order[0][:2]:
            shown.append(slide_video(page))
            tracks += captions_of(page, "#slide-video")
    assert len({(s["h"], s.get("v") or 0) for s in steps}) == len(beats), steps
    assert len(shown) == len(beats)
    for video, beat in zip(shown, beats, strict=True):
        assert_loaded([video])
        assert file_url_path(video["src"]) == (gallery.folder / beat["clip"]).resolve(), (video, beat["clip"])
    assert_captions(tracks, beats, model)
    assert network.blocked == []
