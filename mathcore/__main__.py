"""Command line: ``python -m mathcore explain [LESSON_FILE] [--json]``.

Exit codes: 0 all equations proved, 1 some equation failed its check, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys

from mathcore.explain import check_all, write_json, write_text
from mathcore.lessonfile import LessonFileError
from mathcore.beats import build_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mathcore", description="Check and list the lesson's maths.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    explain = sub.add_parser("explain", help="every equation and number the video shows, by beat")
    explain.add_argument("lesson", nargs="?", help="lesson file (default: the lesson that ships with the project)")
    explain.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)

    try:
        model = build_model(args.lesson)
    except LessonFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    failed = check_all(model, progress=sys.stderr)
    try:
        (write_json if args.json else write_text)(model, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader (head, less) stopped early: not an error
        sys.stdout = None  # type: ignore[assignment]
        return 0
    if failed:
        print(f"error: {len(failed)} equation(s) failed their sympy check: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
