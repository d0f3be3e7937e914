"""Command line: ``python -m mathcore explain [LESSON_FILE] [--json]`` and
``python -m mathcore report [LESSON_FILE] [-o PATH] [--media DIR]`` (the PDF, :mod:`mathcore.report`).

Exit codes: 0 all checks passed, 1 some check failed (the report is written all the same), 2 bad
input, or the report could not be typeset (no pdflatex, a LaTeX error).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mathcore.explain import check_all, write_json, write_text
from mathcore.lessonfile import LessonFileError
from mathcore.beats import build_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mathcore", description="Check and list the lesson's maths.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    explain = sub.add_parser("explain", help="every equation and number the video shows, by beat")
    explain.add_argument("lesson", nargs="?", help="lesson file (default: the lesson that ships with the project)")
    explain.add_argument("--json", action="store_true", help="machine-readable output")
    report = sub.add_parser("report", help="the reviewers' derivation report (PDF): every formula and number, checked")
    report.add_argument("lesson", nargs="?", help="lesson file (default: the lesson that ships with the project)")
    report.add_argument("-o", "--output", type=Path,
                        help="the PDF (default: media/lesson/report.pdf, media/lesson-<file stem>/ for another file)")
    report.add_argument("--media", type=Path, default=Path("media"),
                        help="media folder: where the report goes and the video's chapters are read (default: media)")
    args = parser.parse_args(argv)

    try:
        model = build_model(args.lesson)
    except LessonFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.command == "report":
        return _report(model, args.output, args.media)
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


def _report(model, output: Path | None, media: Path) -> int:
    from mathcore.report import ReportError, write_report

    start = time.monotonic()
    try:
        out, facts = write_report(model, output, media, progress=sys.stderr)
    except ReportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # the report's folder cannot be written
        print(f"error: cannot write the report: {e.strerror or e}: {e.filename or output or media}; "
              "pass -o with a writable path", file=sys.stderr)
        return 2
    print(f"wrote {out} in {time.monotonic() - start:.1f} s: {facts.checks} checks, "
          + (f"{len(facts.failed)} FAILED: {', '.join(facts.failed)}" if facts.failed else "all passed"))
    return 1 if facts.failed else 0


if __name__ == "__main__":
    sys.exit(main())
