"""scripts/system-deps: installs missing Debian packages, or says exactly what to run.

The script is exercised with stand-ins for dpkg-query, id, sudo and apt-get on PATH, so the
test never touches the machine's packages.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "scripts" / "system-deps"


def stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def run(tmp_path: Path, *, installed: bool, uid: int, sudo_ok: bool) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    status = "install ok installed" if installed else ""
    stub(bin_dir, "dpkg-query", f"printf '{status}'")
    stub(bin_dir, "id", f"echo {uid}")
    stub(bin_dir, "sudo", "exit 0" if sudo_ok else "exit 1")
    stub(bin_dir, "apt-get", f'echo "apt-get $*" >> {tmp_path}/apt.log')
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env)


def test_nothing_to_do_when_everything_is_installed(tmp_path):
    out = run(tmp_path, installed=True, uid=1000, sudo_ok=False)
    assert out.returncode == 0 and out.stdout == "" and out.stderr == ""
    assert not (tmp_path / "apt.log").exists()


def test_root_installs_what_is_missing(tmp_path):
    out = run(tmp_path, installed=False, uid=0, sudo_ok=False)
    assert out.returncode == 0, out.stderr
    log = (tmp_path / "apt.log").read_text()
    assert "update" in log and "install -y -qq --no-install-recommends" in log and "dvisvgm" in log


def test_without_root_or_sudo_it_prints_the_command_and_fails(tmp_path):
    out = run(tmp_path, installed=False, uid=1000, sudo_ok=False)
    assert out.returncode == 1
    assert "apt-get install -y --no-install-recommends" in out.stderr and "libcairo2-dev" in out.stderr
    assert not (tmp_path / "apt.log").exists()
