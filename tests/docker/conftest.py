"""Fixtures for dockerTools tests: the example images built once per session, and the real clients."""

from __future__ import annotations

import os
import sys

import pytest

from nix_compat_tests.support import require_tools

sys.path.insert(0, os.path.dirname(__file__))

from docker_support import ATTRS, EXAMPLE, Built, build_example, host_shell, logical_paths  # noqa: E402


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every image attribute of the example, realised once (skipped where the build sandbox cannot run)."""
    work = tmp_path_factory.mktemp("docker")
    shell = work / "shell" if host_shell(work / "shell") else None
    root = work / "store"
    paths = build_example(EXAMPLE, ATTRS, root, shell)
    return Built(root, dict(zip(ATTRS, logical_paths(root, paths), strict=True)), shell)


@pytest.fixture(scope="session")
def oci_tools() -> bool:
    """skopeo and umoci must be there under CI; elsewhere their absence skips the client checks."""
    require_tools("skopeo", "umoci", package="skopeo, umoci")
    return True
