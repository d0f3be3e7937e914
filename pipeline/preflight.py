"""Before rendering: is everything manim needs installed? One line on what is missing, and how
to get it, rather than a traceback from the first scene."""

from __future__ import annotations

import importlib.util
import shutil

from pipeline.errors import PipelineError

INSTALL_HINT = (
    "run `make install` (scripts/system-deps installs the Debian packages, or prints the apt-get line to run as root)"
)


def check_render_tools() -> None:
    """Raise :class:`PipelineError` if LaTeX, dvisvgm, cairo or manim is missing."""
    missing = [tool for tool in ("latex", "dvisvgm") if shutil.which(tool) is None]
    if missing:
        raise PipelineError(f"LaTeX is not installed ({' and '.join(missing)} not on PATH); {INSTALL_HINT}")
    if importlib.util.find_spec("manim") is None:
        raise PipelineError("manim is not installed in this Python; run `make install`")
    try:
        import cairo  # noqa: F401  (pycairo: fails if the cairo library is missing)
    except ImportError as e:
        raise PipelineError(f"cairo is not usable ({e}); {INSTALL_HINT}") from None
