"""Errors the command line reports as one line, with an exit code, never as a traceback."""

from __future__ import annotations

# Exit codes of ``python -m pipeline``.
EXIT_OK = 0
EXIT_RENDER_FAILED = 1  # a scene failed to render (its log tail is shown)
EXIT_USAGE = 2  # bad input or setup: unknown scene, bad lesson file, missing LaTeX, ...
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM


class PipelineError(Exception):
    """Something the user has to fix; ``str()`` is the one-line message (what is wrong, and how
    to fix it)."""

    exit_code = EXIT_USAGE


class RenderFailed(PipelineError):
    """One or more scenes failed to render; ``details`` holds the lines to show below the
    message (the end of each failed scene's log, and where the full log is)."""

    exit_code = EXIT_RENDER_FAILED

    def __init__(self, message: str, details: list[str]) -> None:
        super().__init__(message)
        self.details = details


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: the run stops, child processes are ended, nothing half-written stays."""

    exit_code = EXIT_INTERRUPTED
