"""``make narration-script``: the narration as a document to record from, on the tiny scenes.

The tiny lesson (``tests/pipeline_scenes``) shows beats 1 and 2 of the default lesson (scene
``Opening``) and two plain scenes. The document is read back with a CommonMark parser
(markdown-it), not with the pipeline's code; its take names are checked by recording WAVs (tones,
as in ``tests/test_narrated_build.py``) under them and seeing the narration use them, and its
lengths against the WAV files' headers, read here byte by byte.
"""

from __future__ import annotations

import ast
import json
import math
import re
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from mathcore.beats import build_model
from pipeline import takes
from pipeline.scenelist import SceneRef, load_registry, shown_beats

from .conftest import OTHER_LESSON
from .test_narrated_build import LESSON_BEATS, TAKES, tones
from .test_pipeline import LOW, Build, _one_line_error, fork, fresh_build, pipeline

ROOT = Path(__file__).parents[1]
SCRIPT = Path("lesson/narration-script.md")  # under the media folder


@dataclass
class Line:
    """A numbered sentence of the document."""

    number: int
    text: str
    spoken: str | None
    take: str
    seconds: float
    source: str


@dataclass
class Section:
    """A beat's section of the document."""

    number: int
    title: str
    take: str
    seconds: float
    source: str
    sentences: list[Line]


def document(build: Build) -> str:
    return (build.media / SCRIPT).read_text(encoding="utf-8")


def again(build: Build) -> subprocess.CompletedProcess[str]:
    return pipeline("narration-script", media=build.media, src=build.src)


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The tiny lesson's script, written once from an empty media folder (shared: do not modify;
    ``fork`` it to change it)."""
    return fresh_build(tmp_path_factory, "narration-script", options=())


@pytest.fixture(scope="module")
def model():
    return build_model()


# -- reading the document -----------------------------------------------------------------------------
def inline_text(node: SyntaxTreeNode) -> str:
    """The text of a paragraph or heading as a reader sees it: escapes undone, code without backquotes."""
    inline = node.children[0]
    return "".join(child.content for child in inline.children)


def item_lines(bullets: SyntaxTreeNode) -> dict[str, str]:
    """``- name: value`` items of a bullet list, by name."""
    items = [inline_text(item.children[0]) for item in bullets.children]
    return dict(item.split(": ", 1) for item in items)


def now(value: str) -> tuple[float, str]:
    """``"1.99 s, the scratch voice"`` -> ``(1.99, "the scratch voice")``."""
    match = re.fullmatch(r"(\d+\.\d\d) s, (.+)", value)
    assert match, value
    return float(match[1]), match[2]


def parse(text: str) -> tuple[list[SyntaxTreeNode], list[Section]]:
    """The header's blocks and the beats' sections, from the document's syntax tree."""
    blocks = SyntaxTreeNode(MarkdownIt("commonmark").parse(text)).children
    starts = [i for i, b in enumerate(blocks) if b.type == "heading" and b.tag == "h2"
              and re.match(r"\d\d ", inline_text(b))]
    sections = []
    for a, b in zip(starts, starts[1:] + [len(blocks)]):
        heading, summary, numbered, *rest = blocks[a:b]
        assert (summary.type, numbered.type, rest) == ("bullet_list", "ordered_list", []), blocks[a:b]
        number, title = inline_text(heading).split(" ", 1)
        beat = item_lines(summary)
        lines = []
        for k, item in enumerate(numbered.children, 1):
            paragraph, details = item.children
            fields = item_lines(details)
            assert set(fields) <= {"spoken", "take", "now"}, fields
            lines.append(Line(k, inline_text(paragraph), fields.get("spoken"), fields["take"], *now(fields["now"])))
        assert numbered.attrs.get("start", 1) == 1
        sections.append(Section(int(number), title, beat["whole-beat take"], *now(beat["now"]), lines))
    return blocks[:starts[0]], sections


def wav_seconds(path: Path) -> float:
    """A PCM WAV's length from its RIFF header, read here: data bytes / (bytes per frame) / rate."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    at, rate, frame, size = 12, None, None, None
    while at + 8 <= len(data):
        chunk, length = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
        if chunk == b"fmt ":
            _, _, rate, _, frame = struct.unpack("<HHIIH", data[at + 8:at + 22])
        elif chunk == b"data":
            size = length
        at += 8 + length + (length & 1)
    assert rate and frame and size is not None
    return size / frame / rate


def summary_numbers(out: str) -> tuple[int, int, float, int]:
    """Beats, sentences, seconds and sentences from takes, from the command's summary line."""
    match = re.search(r"narration script: (\d+) beats?, (\d+) sentences?, (?:\d+:\d\d \()?([\d.]+) s\)? of speech, "
                      r"(\d+) from takes", out)
    assert match, out
    return int(match[1]), int(match[2]), float(match[3]), int(match[4])


# -- the document ---------------------------------------------------------------------------------------
def test_every_shown_beat_has_a_section_in_order_with_every_sentence(script: Build, model):
    _, sections = parse(document(script))
    beats = [model.beat(key) for key in LESSON_BEATS]  # what Opening shows, in its order
    assert [(s.number, s.title) for s in sections] == [(b.number, b.title) for b in beats]
    for section, beat in zip(sections, beats):
        assert [line.number for line in section.sentences] == list(range(1, len(beat.narration) + 1))
        for line, sentence in zip(section.sentences, beat.narration):
            assert line.text == sentence.text
            if " ".join(sentence.spoken.split()) == " ".join(sentence.text.split()):
                assert line.spoken is None
            else:
                assert line.spoken == sentence.spoken
            assert line.source == "the scratch voice"
        assert section.source == "the scratch voice"
    spoken = [line.spoken for s in sections for line in s.sentences if line.spoken]
    assert "So dee f by dee x equals dee f by dee g times dee g by dee x." in spoken  # beat 2, as the voice says it


def test_the_header_says_where_takes_go_how_they_are_named_and_the_limits(script: Build, model):
    header, _ = parse(document(script))
    text = " ".join(inline_text(b) if b.type in ("heading", "paragraph") else
                    " ".join(inline_text(i.children[0]) for i in b.children) for b in header)
    assert text.startswith(f"Narration script: {model.spec.title} (backpropagation-calculus)")
    assert f"{TAKES.as_posix()}/" in text
    assert "NN-<slug>.wav, e.g. 01-backpropagation-calculus.wav" in text
    assert "NN-<slug>.K.wav, sentence K counted from 1, e.g. 01-backpropagation-calculus.2.wav" in text
    for limit in (takes.MIN_SECONDS, takes.MAX_SENTENCE_SECONDS, takes.MAX_BEAT_SECONDS):
        assert f"{limit:g} s" in text
    assert f"{100 * takes.MAX_CLIPPED:g}%" in text and f"{20 * math.log10(takes.MIN_PEAK):.0f} dB" in text
    assert "make picks the takes up" in text and "Delete a take to go back to the scratch voice" in text


def test_lengths_add_up_and_the_command_sums_them_up(script: Build):
    _, sections = parse(document(script))
    for section in sections:
        assert section.seconds == pytest.approx(sum(line.seconds for line in section.sentences), abs=0.01)
        assert all(0.3 < line.seconds < 30 for line in section.sentences)  # said, by a voice
    sentences = sum(len(s.sentences) for s in sections)
    total = sum(line.seconds for s in sections for line in s.sentences)
    beats, said, seconds, from_takes = summary_numbers(script.run.stdout)
    assert (beats, said, from_takes) == (len(sections), sentences, 0)
    assert seconds == pytest.approx(total, abs=0.05)
    assert f"script: {(script.media / SCRIPT).resolve()}" in script.run.stdout
    assert "narration: planning 2 beats" in script.run.stdout and "[2/2] 02 " in script.run.stdout  # progress


def test_the_video_is_timed_by_the_same_plan(script: Build, tmp_path: Path):
    """A build after the script plans nothing again (it reads the plan the script made), and the
    rendered scene gives each sentence at least the length the document says before the next."""
    build = fork(script, tmp_path)
    run = pipeline("preview", "Opening", *LOW, media=build.media, src=build.src)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "planning" not in run.stdout and "narration: 6 sentences (the scratch voice)" in run.stdout
    marks_file, = build.media.glob("cache/scenes/*/Opening.marks.json")
    marks = json.loads(marks_file.read_text())
    _, sections = parse(document(script))
    lines = [line for s in sections for line in s.sentences]
    times = [m["time"] for m in marks["marks"]] + [marks["beats"][-1]["end"]]
    assert len(times) == len(lines) + 1
    for line, start, end in zip(lines, times, times[1:]):
        assert end - start >= line.seconds - 0.01, line.text


# -- takes ----------------------------------------------------------------------------------------------
def test_takes_named_as_the_document_says_are_used_and_their_lengths_shown(script: Build, tmp_path: Path, model):
    mine = fork(script, tmp_path)
    _, sections = parse(document(script))
    title, chain = sections
    folder = mine.src / TAKES
    whole = tones(folder / title.take, len(title.sentences), 660.0)  # beat 1 in one take
    part = tones(folder / chain.sentences[1].take, 1, 330.0, seconds=1.3)  # sentence 2 of beat 2
    run = again(mine)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(title.sentences) + 1} from takes" in run.stdout  # the narration plan's own line
    _, after = parse(document(mine))
    title2, chain2 = after
    # The whole take starts with sound and runs to its end: its parts add up to all of it.
    assert title2.seconds == pytest.approx(wav_seconds(whole), abs=0.01)
    assert title2.source == f"the whole-beat take {title.take}"
    assert all(line.source == f"its part of the whole-beat take {title.take}" for line in title2.sentences)
    assert chain2.sentences[1].seconds == pytest.approx(wav_seconds(part), abs=0.005)
    assert chain2.sentences[1].source == f"the take {chain.sentences[1].take}"
    assert chain2.source == "the takes of sentence 2 (the scratch voice for the others)"
    others = [(a.seconds, b.seconds) for i, (a, b) in enumerate(zip(chain.sentences, chain2.sentences)) if i != 1]
    assert all(a == b for a, b in others)  # still the voice
    assert chain2.seconds == pytest.approx(sum(line.seconds for line in chain2.sentences), abs=0.01)
    beats, said, seconds, from_takes = summary_numbers(run.stdout)
    assert from_takes == len(title.sentences) + 1
    assert seconds == pytest.approx(sum(line.seconds for s in after for line in s.sentences), abs=0.05)
    # Deleted, the takes give way to the scratch voice again: the first document's lengths.
    whole.unlink()
    part.unlink()
    assert again(mine).returncode == 0
    assert parse(document(mine))[1] == sections


@pytest.mark.parametrize("kind", ["empty", "misnamed", "clipped"])
def test_a_bad_take_is_the_builds_one_line_and_the_old_document_stays(script: Build, tmp_path: Path, kind: str):
    mine = fork(script, tmp_path)
    old = document(mine)
    name = "01-backprop.wav" if kind == "misnamed" else parse(old)[1][0].take
    path = mine.src / TAKES / name
    if kind == "empty":
        tones(path, 1, 440.0, seconds=0.0, gap=0.0)
    else:
        tones(path, 1, 440.0)
    if kind == "clipped":  # every sample at full scale
        data = bytearray(path.read_bytes())
        data[44:] = b"\xff\x7f" * ((len(data) - 44) // 2)
        path.write_bytes(bytes(data))
    run = again(mine)
    fragment = {"empty": "empty", "misnamed": "matches no beat", "clipped": "clipped"}[kind]
    _one_line_error(run, name, fragment)
    build = pipeline("render", *LOW, media=mine.media, src=mine.src)  # the build says the same, before rendering
    assert build.stderr == run.stderr
    assert document(mine) == old
    assert [p.name for p in (mine.media / SCRIPT).parent.iterdir() if p.name.startswith(".")] == []  # no temporary file


# -- the command ----------------------------------------------------------------------------------------
def test_another_lesson_file_gets_its_own_folder(script: Build, tmp_path: Path):
    run = pipeline("narration-script", "--lesson", str(OTHER_LESSON), media=tmp_path / "media", src=script.src)
    assert run.returncode == 0, run.stdout + run.stderr
    written = tmp_path / "media" / "lesson-other_lesson" / "narration-script.md"
    other = build_model(OTHER_LESSON)
    _, sections = parse(written.read_text(encoding="utf-8"))
    assert [s.title for s in sections] == [other.beat(key).title for key in LESSON_BEATS]
    assert [line.text for line in sections[1].sentences] == [s.text for s in other.beat("chain_rule").narration]
    assert not (tmp_path / "media" / "lesson").exists()


def test_bad_input_is_one_line_and_exit_2(script: Build, tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text(OTHER_LESSON.read_text(encoding="utf-8").replace('cost = "quadratic"', 'cost = "cubic"'))
    _one_line_error(pipeline("narration-script", "--lesson", str(bad), media=tmp_path / "m", src=script.src),
                    "bad.toml", "cubic")
    plain = pipeline("narration-script", media=tmp_path / "m", src=script.src, scenes="FAIL_FIRST")
    _one_line_error(plain, "tinyscenes:FAIL_FIRST shows no beat of the lesson")
    _one_line_error(pipeline("narration-script", "--quality", "low", media=tmp_path / "m", src=script.src),
                    "unrecognized arguments: --quality")
    assert not (tmp_path / "m").exists()


def test_help_lists_the_command(script: Build, tmp_path: Path):
    run = pipeline("--help", media=tmp_path, src=script.src)
    assert run.returncode == 0 and "narration-script" in run.stdout
    run = pipeline("narration-script", "--help", media=tmp_path, src=script.src)
    assert run.returncode == 0 and "--lesson" in run.stdout and "--media" in run.stdout


def test_the_make_target_passes_the_lesson_file():
    out = subprocess.run(["make", "-n", "narration-script", "LESSON=some/mine.toml"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert re.search(r"(?m)^\S*python -m pipeline narration-script --lesson some/mine\.toml$", out), out
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"(?m)^#\s+make narration-script\s", makefile)  # in the header's list
    assert "narration-script" in re.search(r"(?m)^\.PHONY:.*$", makefile)[0]


# -- which beats the scenes show -----------------------------------------------------------------------
def _ref(name: str, beats: str) -> SceneRef:
    return SceneRef("m", name, Path("m.py"), Path("."), ast.parse(f"class {name}:\n    beats = {beats}\n"))


def test_shown_beats_are_in_scene_order_each_once():
    refs = [_ref("A", '("b", "a")'), _ref("P", "None"), _ref("B", '("a", "c")'), _ref("C", '("d",)')]
    assert shown_beats(refs) == ["b", "a", "c", "d"]
    lesson = load_registry().scenes  # the lesson's scenes show all 28 beats, in the model's order
    assert shown_beats(lesson) == [b.key for b in build_model().beats]
