"""Captions: timed cues of the narration's written form, as WebVTT and SRT files.

A cue shows at most :data:`MAX_LINES` lines of at most :data:`LINE_WIDTH` characters (the usual
subtitle limits, readable on a phone); :func:`sentence_cues` splits a longer sentence into
several cues at word boundaries, each on screen for a share of the sentence's time in proportion
to its length. :func:`check_cues` is what every caption file must satisfy: cues ordered, not
overlapping, inside the video.

Escaping: WebVTT text is HTML-like, so ``&``, ``<`` and ``>`` are written ``&amp;``, ``&lt;``,
``&gt;`` (which also keeps ``-->`` out of a cue). SRT has no escapes; its players read ``<i>``-like
tags, so a ``<`` before a letter or ``/`` gets a space after it, and ``-->`` (the timing
separator) is written ``->``.
"""

from __future__ import annotations

import base64
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LINE_WIDTH = 42
MAX_LINES = 2


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # one or more lines joined by "\n"


def wrap(text: str, width: int = LINE_WIDTH) -> list[str]:
    """``text``'s words in lines of at most ``width`` characters (a longer word stays whole)."""
    return textwrap.wrap(" ".join(text.split()), width, break_long_words=False, break_on_hyphens=False)


def sentence_cues(start: float, end: float, text: str, width: int = LINE_WIDTH,
                  max_lines: int = MAX_LINES) -> list[Cue]:
    """The cues of one sentence said from ``start`` to ``end``: its wrapped lines in groups of
    ``max_lines``, each group's time in proportion to its number of characters."""
    if not end > start:
        raise ValueError(f"a sentence must end after it starts: {start} to {end} for {text!r}")
    lines = wrap(text, width)
    if not lines:
        return []
    groups = [lines[i:i + max_lines] for i in range(0, len(lines), max_lines)]
    weights = [sum(len(line) for line in group) for group in groups]
    total = sum(weights)
    cues, done = [], 0
    for group, weight in zip(groups, weights, strict=True):
        a = start + (end - start) * done / total
        done += weight
        b = end if done == total else start + (end - start) * done / total
        cues.append(Cue(a, b, "\n".join(group)))
    return cues


def window(cues: Sequence[Cue], start: float, end: float) -> list[Cue]:
    """The cues shown between ``start`` and ``end`` (a beat's clip), timed from ``start`` and cut
    to the window; a cue only touching it is left out."""
    inside = []
    for cue in cues:
        a, b = max(cue.start, start), min(cue.end, end)
        if b > a:
            inside.append(Cue(a - start, b - start, cue.text))
    return inside


def check_cues(cues: Sequence[Cue], duration: float) -> None:
    """Raise :class:`ValueError` unless every cue lies in ``[0, duration]``, ends after it
    starts, and starts no earlier than the one before it ends."""
    for i, cue in enumerate(cues):
        if not 0 <= cue.start < cue.end <= duration + 1e-6:
            raise ValueError(f"cue {i + 1} ({cue.start:.3f} to {cue.end:.3f} s) is not inside the "
                             f"{duration:.3f} s video or ends before it starts")
        if i and cue.start < cues[i - 1].end - 1e-6:
            raise ValueError(f"cue {i + 1} starts at {cue.start:.3f} s, before cue {i} ends ({cues[i - 1].end:.3f} s)")
        if not cue.text.strip():
            raise ValueError(f"cue {i + 1} has no text")


def _milliseconds(seconds: float) -> tuple[int, int, int, int]:
    ms = round(seconds * 1000)
    return ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000


def vtt_time(seconds: float) -> str:
    h, m, s, ms = _milliseconds(seconds)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def srt_time(seconds: float) -> str:
    h, m, s, ms = _milliseconds(seconds)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def _lines(text: str) -> list[str]:
    """A cue's lines, none blank (a blank line would end the cue in both formats)."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def srt_escape(text: str) -> str:
    return re.sub(r"<(?=[A-Za-z/])", "< ", text.replace("-->", "->"))


def to_webvtt(cues: Iterable[Cue]) -> str:
    blocks = ["WEBVTT"]
    for cue in cues:
        body = "\n".join(vtt_escape(line) for line in _lines(cue.text))
        blocks.append(f"{vtt_time(cue.start)} --> {vtt_time(cue.end)}\n{body}")
    return "\n\n".join(blocks) + "\n"


def data_url(vtt: str) -> str:
    """A WebVTT file's text as a ``data:`` URL: what a ``<track>`` of a page opened from disk can
    load (browsers refuse a ``.vtt`` file beside the page over ``file://``)."""
    return "data:text/vtt;base64," + base64.b64encode(vtt.encode("utf-8")).decode("ascii")


def to_srt(cues: Iterable[Cue]) -> str:
    blocks = []
    for i, cue in enumerate(cues, 1):
        body = "\n".join(srt_escape(line) for line in _lines(cue.text))
        blocks.append(f"{i}\n{srt_time(cue.start)} --> {srt_time(cue.end)}\n{body}")
    return "\n\n".join(blocks) + "\n"
