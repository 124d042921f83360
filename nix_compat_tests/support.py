"""What a test needs from the machine, and what happens when it is missing: one place for every folder.

Tests need real tools as oracles (Nix 2.8's binaries, skopeo, umoci, podman,
docker-registry), files from Debian packages (``/bin/busybox`` of busybox-static) and
kernel features (user and mount namespaces).  Without one, the test is *skipped* through
:func:`unavailable`, which fails instead under ``CI=true`` (as the repo's ``conftest.py``
also does with every other skip), so a developer without Nix can run the rest while CI can
never go green over a missing oracle.  Folders
used to decide that each for itself ("fail under CI, else skip"); they call these instead.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

__all__ = ["oci_bundle", "require_file", "require_tool", "require_tools", "unavailable"]


def unavailable(message: str) -> NoReturn:
    """Stop this test because the machine lacks something: a failure under ``CI=true``, else a skip.

    The root conftest would turn the skip into a failure under CI anyway; failing here too
    keeps that true for a checkout run without that conftest (e.g. one folder copied out).
    """
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: a missing oracle fails)", pytrace=False)
    pytest.skip(message)


def require_tool(tool: str, package: str = "nix-bin") -> str:
    """The absolute path of ``tool`` on ``PATH``; without it the test cannot run."""
    exe = shutil.which(tool)
    if exe is None:
        unavailable(f"{tool} not found on PATH (Debian: {package})")
    return exe


def require_tools(*tools: str, package: str = "nix-bin") -> dict[str, str]:
    """Several tools of one package at once, naming every one that is missing."""
    found = {tool: shutil.which(tool) for tool in tools}
    missing = [tool for tool, exe in found.items() if exe is None]
    if missing:
        unavailable(f"not found on PATH: {', '.join(missing)} (Debian: {package})")
    return {tool: exe for tool, exe in found.items() if exe is not None}


def require_file(path: str, package: str) -> str:
    """A file a Debian package installs (e.g. ``/bin/busybox``); without it the test cannot run."""
    if not os.path.exists(path):
        unavailable(f"{path} not found (Debian: {package})")
    return path


def oci_bundle(archive: str | os.PathLike[str], work: str | os.PathLike[str]) -> str:
    """A docker-archive unpacked as real clients do it: skopeo to an OCI layout, then
    ``umoci unpack --rootless``; returns the runtime bundle (``rootfs/``, ``config.json``).

    skopeo 1.9 reads plain archives only: a gzip'd one is decompressed first (into ``work``).
    """
    import gzip
    import subprocess

    skopeo, umoci = require_tool("skopeo", package="skopeo"), require_tool("umoci", package="umoci")
    archive, work = os.fspath(archive), os.fspath(work)
    with open(archive, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    if gzipped:
        plain = os.path.join(work, "image.tar")
        with gzip.open(archive, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        archive = plain
    layout, bundle = os.path.join(work, "layout"), os.path.join(work, "bundle")
    for cmd in (
        [skopeo, "--insecure-policy", "copy", f"docker-archive:{archive}", f"oci:{layout}:v1"],
        [umoci, "unpack", "--rootless", "--image", f"{layout}:v1", bundle],
    ):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, f"{' '.join(cmd[:3])}: {proc.stderr}"
    return bundle
