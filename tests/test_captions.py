"""Captions: WebVTT and SRT files parse back (with a small parser written here, independent of
the writers) into ordered, non-overlapping cues inside the video, with the text they were given."""

from __future__ import annotations

import re

import pytest

from pipeline.captions import LINE_WIDTH, MAX_LINES, Cue, check_cues, sentence_cues, to_srt, to_webvtt, window

VTT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"
SRT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})"

LONG = ("Nudging the weight w L changes the weighted sum z L, which changes the activation a L, which in "
        "turn changes the cost C zero; the chain rule multiplies these three sensitivities together.")


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_vtt(text: str) -> list[tuple[float, float, list[str]]]:
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in text[len("WEBVTT\n\n"):].strip("\n").split("\n\n"):
        timing, *lines = block.split("\n")
        m = re.fullmatch(VTT_TIME + " --> " + VTT_TIME, timing)
        assert m, timing
        assert lines and all(line.strip() and "-->" not in line for line in lines)
        assert not any(re.search(r"<|&(?!amp;|lt;|gt;)", line) for line in lines)  # escaped
        unescaped = [line.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") for line in lines]
        cues.append((seconds(*m.groups()[:4]), seconds(*m.groups()[4:]), unescaped))
    return cues


def parse_srt(text: str) -> list[tuple[float, float, list[str]]]:
    cues = []
    for i, block in enumerate(text.strip("\n").split("\n\n"), 1):
        index, timing, *lines = block.split("\n")
        assert index == str(i)
        m = re.fullmatch(SRT_TIME + " --> " + SRT_TIME, timing)
        assert m, timing
        assert lines and all(line.strip() and "-->" not in line for line in lines)
        cues.append((seconds(*m.groups()[:4]), seconds(*m.groups()[4:]), lines))
    return cues


def words(text: str) -> list[str]:
    return text.split()


def test_a_short_sentence_is_one_cue_over_its_whole_time():
    assert sentence_cues(1.5, 3.25, "The cost is  0.066.") == [Cue(1.5, 3.25, "The cost is 0.066.")]


def test_a_long_sentence_splits_at_words_into_cues_of_at_most_two_short_lines():
    cues = sentence_cues(10.0, 22.0, LONG)
    assert len(cues) > 1
    assert [w for c in cues for w in words(c.text)] == words(LONG)
    for cue in cues:
        lines = cue.text.split("\n")
        assert 1 <= len(lines) <= MAX_LINES and all(len(line) <= LINE_WIDTH for line in lines)
    assert cues[0].start == 10.0 and cues[-1].end == 22.0
    assert all(a.end == pytest.approx(b.start) for a, b in zip(cues, cues[1:]))
    # Each cue's share of the time follows its share of the characters.
    total = sum(len(c.text.replace("\n", "")) for c in cues)
    for cue in cues:
        assert cue.end - cue.start == pytest.approx(12.0 * len(cue.text.replace("\n", "")) / total)


def test_a_word_longer_than_a_line_stays_whole():
    word = "x" * 60
    cues = sentence_cues(0, 1, f"see {word} here")
    assert word in [w for c in cues for w in words(c.text)]


def lesson_cues() -> list[Cue]:
    sentences = [(0.4, 2.9, "Here is a network: one neuron per layer."),
                 (3.0, 14.5, LONG),
                 (15.0, 18.0, "If a < b & b > c, then --> is just an arrow.")]
    return [cue for start, end, text in sentences for cue in sentence_cues(start, end, text)]


@pytest.mark.parametrize("write,parse", [(to_webvtt, parse_vtt), (to_srt, parse_srt)])
def test_caption_files_parse_back_ordered_inside_the_video_with_the_text(write, parse):
    cues = lesson_cues()
    duration = 20.0
    parsed = parse(write(cues))
    assert len(parsed) == len(cues)
    for (start, end, lines), cue in zip(parsed, cues, strict=True):
        assert 0 <= start < end <= duration
        assert start == pytest.approx(cue.start, abs=0.0005) and end == pytest.approx(cue.end, abs=0.0005)
    assert all(a[1] <= b[0] for a, b in zip(parsed, parsed[1:]))
    said = " ".join(" ".join(lines) for _, _, lines in parsed)
    if write is to_webvtt:
        assert said == " ".join(" ".join(c.text.split()) for c in cues)  # exactly the text, unescaped
    else:  # SRT has no escapes: the arrow is shortened, a tag-like "<" spaced; the words stay
        assert said.replace("->", "-->") == " ".join(" ".join(c.text.split()) for c in cues)


def test_timestamps_carry_hours_and_round_to_milliseconds():
    cue = Cue(3725.0004, 3725.9996, "late")
    assert "01:02:05.000 --> 01:02:06.000" in to_webvtt([cue])
    assert "01:02:05,000 --> 01:02:06,000" in to_srt([cue])


def test_escaping_in_webvtt():
    text = to_webvtt([Cue(0, 1, "a < b & c --> d <i>")])
    assert "a &lt; b &amp; c --&gt; d &lt;i&gt;" in text


def test_escaping_in_srt():
    text = to_srt([Cue(0, 1, "a <b & c --> d")])
    body = text.split("\n")[2]
    assert "-->" not in body and "<b" not in body and "&" in body


def test_blank_lines_in_a_cue_never_end_it_early():
    for write, parse in ((to_webvtt, parse_vtt), (to_srt, parse_srt)):
        assert parse(write([Cue(0, 1, "one\n\n two"), Cue(1, 2, "three")]))[0][2] == ["one", "two"]


@pytest.mark.parametrize("cues", [
    [Cue(-0.1, 1, "before the start")],
    [Cue(0, 10.5, "after the end")],
    [Cue(2, 1, "backwards")],
    [Cue(0, 2, "one"), Cue(1.5, 3, "overlaps")],
    [Cue(2, 3, "out of"), Cue(0, 1, "order")],
    [Cue(0, 1, "  ")],
])
def test_bad_cues_are_refused(cues):
    with pytest.raises(ValueError):
        check_cues(cues, 10.0)


def test_good_cues_pass():
    check_cues(lesson_cues(), 18.0)


def test_a_beats_window_times_its_cues_from_its_start():
    cues = [Cue(0.5, 2.0, "before"), Cue(2.5, 4.5, "across the start"), Cue(5.0, 6.0, "inside"),
            Cue(7.0, 9.0, "across the end"), Cue(9.0, 9.5, "after")]
    clip = window(cues, 4.0, 8.0)
    assert [(c.text, c.start, c.end) for c in clip] == [
        ("across the start", 0.0, 0.5), ("inside", 1.0, 2.0), ("across the end", 3.0, 4.0)]
    check_cues(clip, 4.0)
    assert window(cues, 2.0, 2.5) == []  # cues that only touch the window
