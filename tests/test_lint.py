"""Static checks: no unused or undefined names, no syntax errors (ruff's pyflakes rules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_ruff_finds_no_mistakes():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "mathcore", "scenes", "pipeline",
                          "scripts", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
