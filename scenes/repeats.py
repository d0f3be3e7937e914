"""A frame shown for several frames (a wait, a pause between beats) is converted for the encoder once.

Manim draws a wait's frame once and hands it to the encoder with the number of frames it lasts
(``CairoRenderer.freeze_current_frame``); the encoder thread then makes a new ``VideoFrame`` from
the RGBA array and the codec converts it to ``yuv420p`` for every one of those frames
(``_PartialMovieEncodeJob._encode_and_write_frame``): 2-3.5 ms per 720p frame of copying and
colour conversion, for the same picture again. About a third of the lesson's frames are such
repeats (15,620 frames at 720p30, 10,767 of them drawn).

With :func:`install`, the frame is converted once, to the codec's own size and pixel format with
the conversion the codec itself would make (PyAV's ``VideoReformatter`` with the same arguments
and defaults), and that frame is handed to the codec for each repeat, its timestamp cleared each
time so the codec numbers it as it numbers the others. The codec takes a reference to the
frame's buffers, whose content never changes, so each repeat is the same picture: the encoded
packets are the same bytes (``tests/test_repeats.py`` encodes frames both ways and compares them).
Manim's comment there warns that a reused frame "renders weird-looking frames": that was the
timestamp, which the codec sets on the frame at the first encode and would then see again.
"""

from __future__ import annotations

from typing import Any

import av
from manim.scene.scene_file_writer import _PartialMovieEncodeJob

from scenes.patch import Patch

_encode_and_write = _PartialMovieEncodeJob._encode_and_write_frame


def _encode_repeats_once(self: Any, frame: Any, num_frames: int) -> None:
    if num_frames < 2:
        return _encode_and_write(self, frame, num_frames)
    codec = self.stream.codec_context
    converted = av.VideoFrame.from_ndarray(frame, format="rgba")
    if (converted.format.name, converted.width, converted.height) != (codec.format.name, codec.width, codec.height):
        converted = converted.reformat(codec.width, codec.height, codec.format)  # as the codec would
    for _ in range(num_frames):
        converted.pts = None  # numbered by the codec, as a new frame would be
        for packet in self.stream.encode(converted):
            self.container.mux(packet)
    return None


# Waits converted once for the encoder (scenes.base installs it).
_PATCH = Patch(_PartialMovieEncodeJob, "_encode_and_write_frame", _encode_repeats_once)
install, uninstall, installed = _PATCH.install, _PATCH.uninstall, _PATCH.installed
