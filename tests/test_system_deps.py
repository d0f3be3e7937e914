"""scripts/system-deps: installs missing Debian packages, or says exactly what to run.

The script is exercised with stand-ins for dpkg-query, id, sudo and apt-get on PATH, and a
made-up os-release file, so the test never touches the machine's packages. A system without
apt-get is a PATH that holds only the stand-ins' folder, without apt-get among them.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "scripts" / "system-deps"
BASH = shutil.which("bash") or "/bin/bash"

DEBIAN_13 = 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n'
FEDORA = 'NAME="Fedora Linux"\nPRETTY_NAME="Fedora Linux 41 (Workstation Edition)"\nID=fedora\nVERSION_ID=41\n'


def stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


# dpkg-query -W -f='${Package} ${Status}\n' NAME...: a line for each package it knows (here, those
# in $INSTALLED, installed; "removed" in $REMOVED, with their configuration files left), an error
# for the others, and exit status 1 if there were any.
DPKG_QUERY = """status=0
for arg in "$@"; do
    case "$arg" in -*) continue ;; esac
    case " $INSTALLED " in *" $arg "*) printf '%s install ok installed\\n' "$arg"; continue ;; esac
    case " $REMOVED " in *" $arg "*) printf '%s deinstall ok config-files\\n' "$arg"; continue ;; esac
    echo "dpkg-query: no packages found matching $arg" >&2
    status=1
done
exit $status"""
PACKAGES = ("libcairo2-dev", "libpango1.0-dev", "pkg-config", "texlive-latex-base", "texlive-latex-recommended",
            "texlive-latex-extra", "dvisvgm", "chromium", "espeak-ng", "fonts-dejavu-core")


def run(tmp_path: Path, *, installed: bool | tuple[str, ...], uid: int, sudo_ok: bool, apt: bool = True,
        os_release: str | None = DEBIAN_13, removed: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``installed``: every package (True), none (False) or those named."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    have = PACKAGES if installed is True else () if installed is False else installed
    stub(bin_dir, "id", f"echo {uid}")
    stub(bin_dir, "sudo", "exit 0" if sudo_ok else "exit 1")
    if apt:
        stub(bin_dir, "dpkg-query", DPKG_QUERY)
        stub(bin_dir, "apt-get", f'echo "apt-get $*" >> {tmp_path}/apt.log')
        path = f"{bin_dir}:/usr/bin:/bin"
    else:
        path = str(bin_dir)  # no apt-get, no dpkg-query: nothing of the host's on PATH
    release = tmp_path / "os-release"
    if os_release is not None:
        release.write_text(os_release)
    env = {**os.environ, "PATH": path, "SYSTEM_DEPS_OS_RELEASE": str(release), "INSTALLED": " ".join(have),
           "REMOVED": " ".join(removed)}
    return subprocess.run([BASH, str(SCRIPT)], capture_output=True, text=True, env=env)


def test_nothing_to_do_when_everything_is_installed(tmp_path):
    out = run(tmp_path, installed=True, uid=1000, sudo_ok=False)
    assert out.returncode == 0 and out.stdout == "" and out.stderr == ""
    assert not (tmp_path / "apt.log").exists()


def test_only_what_is_missing_is_installed(tmp_path):
    """Packages not installed, removed (configuration files left) or unknown to dpkg are missing;
    the others are not installed again."""
    out = run(tmp_path, installed=("pkg-config", "dvisvgm", "chromium"), removed=("espeak-ng",), uid=0, sudo_ok=False)
    assert out.returncode == 0, out.stderr
    installed = (tmp_path / "apt.log").read_text().splitlines()[-1].split()
    assert sorted(p for p in PACKAGES if p in installed) == sorted(set(PACKAGES) - {"pkg-config", "dvisvgm",
                                                                                     "chromium"})


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


def test_root_installs_the_same_packages_on_debian_12_and_13(tmp_path):
    logs = []
    for release in (DEBIAN_13, 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n'):
        (tmp_path / "apt.log").unlink(missing_ok=True)
        out = run(tmp_path, installed=False, uid=0, sudo_ok=False, os_release=release)
        assert out.returncode == 0, out.stderr
        logs.append((tmp_path / "apt.log").read_text().splitlines()[-1])
    assert logs[0] == logs[1]
    for package in ("libcairo2-dev", "libpango1.0-dev", "pkg-config", "texlive-latex-extra", "dvisvgm", "chromium",
                    "espeak-ng", "fonts-dejavu-core"):
        assert package in logs[0].split()


def test_without_apt_get_it_lists_what_is_needed_and_fails(tmp_path):
    out = run(tmp_path, installed=False, uid=0, sudo_ok=True, apt=False, os_release=FEDORA)
    assert out.returncode == 2
    assert out.stdout == ""
    assert "Fedora Linux 41 (Workstation Edition) has no apt-get" in out.stderr
    for need in ("cairo", "pango", "pkg-config", "LaTeX", "amsmath", "standalone", "preview", "dvisvgm",
                 "libcairo2-dev", "texlive-latex-extra", "a C compiler", "Chromium", "espeak-ng"):
        assert need in out.stderr, need
    assert not (tmp_path / "apt.log").exists()


def test_without_apt_get_or_os_release_it_still_says_what_is_needed(tmp_path):
    out = run(tmp_path, installed=False, uid=1000, sudo_ok=False, apt=False, os_release=None)
    assert out.returncode == 2
    assert "this system has no apt-get" in out.stderr and "dvisvgm" in out.stderr
