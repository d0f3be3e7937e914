"""Command line: ``python -m pipeline render|export|preview|narration-script``; what ``make``,
``make export``, ``make preview``, ``make narration-script`` run.

::

    python -m pipeline render [--quality low|medium|high|4k] [--lesson FILE] [--jobs N] [--narration voice|none]
    python -m pipeline export [--quality ...] [--lesson FILE] [--jobs N] [--narration ...] [--formats gif,webp,...]
    python -m pipeline preview SCENE [--lesson FILE] [--quality ...]
    python -m pipeline narration-script [--lesson FILE]

All take ``--media DIR`` (default ``media``) and ``--scenes module:ATTRIBUTE`` (default
``scenes:LESSON_SCENES``). Exit codes: 0 done, 1 a scene failed to render, 2 bad input or
setup (one line says what and how to fix it: a bad lesson file, a missing tool, a media folder
that cannot be written or whose disk is full), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

from pipeline.errors import EXIT_OK, EXIT_USAGE, Interrupted, PipelineError, RenderFailed
from pipeline.quality import QUALITIES
from pipeline.scenelist import DEFAULT_REGISTRY


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        raise PipelineError(f"{message} (see {self.prog} --help)")


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="python -m pipeline", description="Render the lesson's scenes and join them into one video.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    render = commands.add_parser("render", help="render every scene (what is not cached) and join them")
    export = commands.add_parser("export", help="render what is missing, then write a clip, a poster and other "
                                                "formats per beat, slide decks, a gallery page, a contact sheet "
                                                "and a manifest (for slides)")
    preview = commands.add_parser("preview", help="render one scene fast (low quality) and say where it is")
    script = commands.add_parser("narration-script", help="write the narration as a document to record from "
                                                          "(media/lesson/narration-script.md): each beat's "
                                                          "sentences, their takes' file names and lengths")
    export.add_argument("--formats", metavar="LIST",
                        help="the beats' formats, comma-separated: mp4 and png always, and any of gif, webp, "
                             "webm (default: mp4,png,gif)")
    preview.add_argument("scene", nargs="?", help="the scene's class name, e.g. ChainRule")
    for sub in (render, export, preview):
        sub.add_argument("--quality", help=f"{', '.join(QUALITIES)} (default: medium; low for preview)")
        sub.add_argument("--jobs", type=int, help="scenes rendered at once (default: one per core)")
        sub.add_argument("--narration", metavar="MODE",
                         help="voice (default: your takes in narration/<lesson name>/, the scratch voice for the "
                              "rest) or none (a silent video, paced by the scenes alone)")
    script.set_defaults(quality=None, jobs=None, narration=None)
    for sub in (render, export, preview, script):
        sub.add_argument("--lesson", help="lesson file (default: the lesson that ships with the project)")
        sub.add_argument("--media", type=Path, default=Path("media"), help="media folder (default: media)")
        sub.add_argument("--scenes", default=DEFAULT_REGISTRY, metavar="MODULE:ATTRIBUTE",
                         help=f"the scene list (default: {DEFAULT_REGISTRY})")
    return top


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        args = parser().parse_args(argv)
        if args.jobs is not None and args.jobs < 1:
            raise PipelineError(f"--jobs must be at least 1, got {args.jobs}")
        from pipeline.warm import idle_seconds

        idle_seconds(os.environ)  # LESSON_WARM_MINUTES, checked before any work
        from pipeline.build import Options, build_lesson, preview_scene

        options = Options(lesson=args.lesson, quality=args.quality, jobs=args.jobs, media=args.media,
                          registry=args.scenes, narration=args.narration)
        if args.command == "render":
            build_lesson(options)
        elif args.command == "narration-script":
            from pipeline.script import write_narration_script

            write_narration_script(options)
        elif args.command == "export":
            from pipeline.export import export_lesson
            from pipeline.formats import parse_formats

            export_lesson(options, formats=None if args.formats is None else parse_formats(args.formats))
        else:
            preview_scene(args.scene, options)
    except RenderFailed as e:
        print(f"error: {e}", file=sys.stderr)
        for line in e.details:
            print(line, file=sys.stderr)
        return e.exit_code
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:  # not about space or permission (those are PipelineErrors): still one line
        where = f"{e.filename}: " if e.filename else ""
        print(f"error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    except (KeyboardInterrupt, Interrupted):
        print("interrupted: nothing half-written was kept; the previous video, if any, is unchanged", file=sys.stderr)
        return Interrupted.exit_code
    return EXIT_OK


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)
