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

from nix_compat_tests.support import unavailable

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


def logical_paths(root: Path, paths: list[str]) -> list[str]:
    """``pydock build`` prints physical paths under the store root: their logical ``/nix/store`` names."""
    for p in paths:
        assert p.startswith(f"{root}/nix/store/"), f"not a physical path under {root}: {p}"
    return ["/" + os.path.relpath(p, root) for p in paths]


def build_example(example: Path, attrs: list[str], root: Path, shell: Path | None) -> list[str]:
    """One ``pydock build`` of every attribute of ``example`` into ``root``: physical out paths, in order.

    ``shell`` (a :func:`host_shell` directory) is passed as ``--arg shell``.  Where pydock's
    namespaces are unavailable the caller is skipped, or failed under CI=true.
    """
    args = ["build", "--store", str(root), "--no-out-link", str(example)]
    if shell is not None:
        args += ["--arg", "shell", str(shell)]
    for attr in attrs:
        args += ["-A", attr]
    proc = pydock(*args)
    if proc.returncode != 0:
        if "namespaces" in proc.stderr:
            unavailable(f"pydock's namespaces are unavailable here: {proc.stderr.strip()[-300:]}")
        raise AssertionError(f"pydock build failed:\n{proc.stderr[-4000:]}")
    paths = proc.stdout.split()
    assert len(paths) == len(attrs), proc.stdout
    return paths


def example_expr(example: Path, shell: Path | None, expr: str) -> str:
    """``expr`` with ``e`` bound to the example's attribute set (called with ``shell``, or null)."""
    return f"let e = import {example} {{ shell = {shell if shell is not None else 'null'}; }}; in {expr}"


@dataclass
class Built:
    root: Path  # physical store root
    paths: dict[str, str]  # attribute -> logical out path
    shell: Path | None  # the host_shell directory the images hold, if any

    @property
    def runnable(self) -> bool:
        """Whether the images hold a shell to run their Cmd with."""
        return self.shell is not None

    def real(self, attr: str) -> Path:
        return self.root / self.paths[attr].lstrip("/")


class Podman:
    """podman as an image client in a private root (vfs, no daemon, no cgroups): ``load`` then ``inspect``.

    podman wants a short run root (at most 50 characters), so both roots live in a
    fresh directory under /tmp, removed by :meth:`close`.
    """

    def __init__(self) -> None:
        import tempfile

        self.work = Path(tempfile.mkdtemp(prefix="pdk-", dir="/tmp"))
        self.base = ["podman", "--root", str(self.work / "r"), "--runroot", str(self.work / "rr"),
                     "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none"]  # fmt: skip

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=TIMEOUT)

    def load(self, archive: Path) -> list[str]:
        """Load an archive (podman 4.3 reads plain tars only: gzip/zstd are decompressed first); loaded names."""
        with open(archive, "rb") as f:
            magic = f.read(4)
        if magic[:2] == b"\x1f\x8b" or magic == b"\x28\xb5\x2f\xfd":
            plain = self.work / "image.tar"
            tool = ["gzip", "-dc"] if magic[:2] == b"\x1f\x8b" else ["zstd", "-dcq"]
            with open(plain, "wb") as out:
                subprocess.run([*tool, str(archive)], stdout=out, check=True)
            archive = plain
        proc = self.run("load", "-i", str(archive))
        assert proc.returncode == 0, proc.stderr
        return re.findall(r"Loaded image(?:\(s\))?: (.+)", proc.stdout)

    def inspect(self, name: str) -> dict:
        import json

        proc = self.run("image", "inspect", name)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)[0]

    def close(self) -> None:
        # vfs layers may hold read-only directories.
        subprocess.run(["chmod", "-R", "u+w", str(self.work)], capture_output=True)
        shutil.rmtree(self.work, ignore_errors=True)


def podman_name(tag: str) -> str:
    """How podman names an image whose archive says ``tag``: names without a registry get ``localhost/``."""
    first = tag.split("/", 1)[0]
    return tag if "/" in tag and ("." in first or ":" in first or first == "localhost") else f"localhost/{tag}"
