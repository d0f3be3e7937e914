"""Where everything goes under the media folder (``media/`` unless told otherwise)::

    media/
      lesson/                           one folder per lesson file (:attr:`LessonInput.folder`)
        narration-script.md             ``make narration-script``: the narration, to record from
        report.pdf                      ``make report`` (:mod:`mathcore.report`)
      lesson/<quality>/                 ... and in it one folder per quality
        <lesson name>.mp4               the joined video
        <lesson name>.chapters.txt      "0:00 Title" lines
        <lesson name>.chapters.json     chapters and scenes with start times in seconds
        <lesson name>.vtt, .srt         the narration's captions (a narrated build)
        logs/<Scene>.log                manim's output for each scene rendered
        scenes/<Scene>.mp4              a previewed scene (``make preview SCENE=...``)
        export/                         ``make export``: beats/NN-<slug>.mp4, .png (and .vtt,
                                        .srt: narrated), contact-sheet.png, manifest.json
                                        (:mod:`pipeline.export`)
      lesson-<file stem>/<quality>/     the same for another lesson file
      cache/scenes/<key>/               one rendered scene: its video and section index
      cache/tex/                        compiled TeX (SVG) shared by all renders
      cache/voice/                      the scratch voice's sentences (WAV, by content)
      cache/sound/                      the last few lessons' narration tracks, encoded (AAC, by content)
      cache/narration/                  narration plans and timings, pieces of takes
      cache/digests.json                what was read of the sources for the cache keys (:mod:`pipeline.memo`)
      cache/work/                       manim's working folders while a render runs
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.lesson import LessonInput
from pipeline.memo import MEMO_FILE
from pipeline.quality import Quality


@dataclass(frozen=True)
class Outputs:
    """What one build of one lesson file at one quality writes."""

    folder: Path
    lesson_name: str

    @property
    def video(self) -> Path:
        return self.folder / f"{self.lesson_name}.mp4"

    @property
    def chapters_txt(self) -> Path:
        return self.folder / f"{self.lesson_name}.chapters.txt"

    @property
    def chapters_json(self) -> Path:
        return self.folder / f"{self.lesson_name}.chapters.json"

    @property
    def captions_vtt(self) -> Path:
        return self.folder / f"{self.lesson_name}.vtt"

    @property
    def captions_srt(self) -> Path:
        return self.folder / f"{self.lesson_name}.srt"

    def log(self, scene: str) -> Path:
        return self.folder / "logs" / f"{scene}.log"

    def preview(self, scene: str) -> Path:
        return self.folder / "scenes" / f"{scene}.mp4"


@dataclass(frozen=True)
class Layout:
    """The media folder's layout."""

    media: Path

    @property
    def scene_cache(self) -> Path:
        return self.media / "cache" / "scenes"

    @property
    def tex_store(self) -> Path:
        return self.media / "cache" / "tex"

    @property
    def svg_store(self) -> Path:
        """Parsed SVGs of formulas and captions (scenes.svgstore)."""
        return self.media / "cache" / "svg"

    @property
    def sound_store(self) -> Path:
        return self.media / "cache" / "sound"

    @property
    def work(self) -> Path:
        return self.media / "cache" / "work"

    @property
    def memo_file(self) -> Path:
        return self.media / "cache" / MEMO_FILE

    def entry(self, key: str) -> Path:
        return self.scene_cache / key

    def lesson_folder(self, lesson: LessonInput) -> Path:
        """``media/lesson/`` for the default lesson file, ``media/lesson-<file stem>/`` for another."""
        return self.media / lesson.folder

    def outputs(self, lesson: LessonInput, quality: Quality) -> Outputs:
        return Outputs(self.lesson_folder(lesson) / quality.name, lesson.name)

    def narration_script(self, lesson: LessonInput) -> Path:
        return self.lesson_folder(lesson) / "narration-script.md"
