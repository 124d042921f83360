"""Helpers for the dockerTools tests: running pydock, a runnable shell for the images, the built images.

``examples/docker-layered.nix`` is built with ``pydock build`` into a private store; the
images carry the host's ``dash`` (and the libraries it loads, at their absolute paths) so
that their ``Cmd`` can run in a chroot.  skopeo and umoci are the oracles that must accept
the archives.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "docker-layered.nix"
ATTRS = [
    "stream", "layered", "layeredUncompressed", "layeredZstd", "twoLayers", "noStorePaths", "fakeRoot", "onTop",
    "viaFakechroot",
]  # fmt: skip
TIMEOUT = 300


def pydock(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pydock.cli", *args], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def host_shell(dest: Path, tools: tuple[str, ...] = ()) -> bool:
    """Copy ``dash`` to ``dest/bin/sh`` (and ``tools`` to ``dest/bin``) with what they load; False if impossible."""
    programs = {"sh": shutil.which("dash")} | {t: shutil.which(t) for t in tools}
    if None in programs.values():
        return False
    (dest / "bin").mkdir(parents=True)
    for name, program in programs.items():
        assert program is not None
        ldd = subprocess.run(["ldd", program], capture_output=True, text=True).stdout
        libs = re.findall(r"(/\S+) \(0x", ldd)
        if not libs:
            return False
        shutil.copy(os.path.realpath(program), dest / "bin" / name)
        for lib in libs:
            target = dest / lib.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(os.path.realpath(lib), target)
    return True


def logical_paths(root: Path, stdout: str) -> list[str]:
    """``pydock build`` prints physical paths under the store root: their logical ``/nix/store`` names."""
    paths = stdout.split()
    for p in paths:
        assert p.startswith(f"{root}/nix/store/"), f"not a physical path under {root}: {p}"
    return ["/" + os.path.relpath(p, root) for p in paths]


@dataclass
class Built:
    root: Path  # physical store root
    paths: dict[str, str]  # attribute -> logical out path
    runnable: bool  # the images hold a shell

    def real(self, attr: str) -> Path:
        return self.root / self.paths[attr].lstrip("/")


def skip_unless_ci(message: str) -> None:
    """Skip on a developer machine; under CI=true a missing capability is a failure."""
    import os

    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: this check must run in CI)", pytrace=False)
    pytest.skip(message)
