"""What a test needs from the machine, and what happens when it is missing: one place for every folder.

Tests need real tools as oracles (Nix 2.8's binaries, skopeo, umoci, podman,
docker-registry), files from Debian packages (``/bin/busybox`` of busybox-static) and
kernel features (user and mount namespaces).  Without one, the test is *skipped* through
:func:`unavailable`, and nothing more: the repo's ``conftest.py`` turns every skip into a
failure under ``CI=true`` (unless ``CI_SKIP_ALLOWLIST`` names the test), so a developer
without Nix can run the rest while CI can never go green over a missing oracle.  Folders
used to decide that each for itself ("fail under CI, else skip"); they call these instead.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

__all__ = ["require_file", "require_tool", "require_tools", "unavailable"]


def unavailable(message: str) -> NoReturn:
    """Stop this test because the machine lacks something; a failure under ``CI=true`` (see above)."""
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
