"""Fixtures for dockerTools tests: the example images built once per session, and the real clients."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from docker_support import ATTRS, EXAMPLE, Built, host_shell, logical_paths, pydock, skip_unless_ci  # noqa: E402


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every image attribute of the example, realised once (skipped where the build sandbox cannot run)."""
    work = tmp_path_factory.mktemp("docker")
    shell = work / "shell"
    runnable = host_shell(shell)
    root = work / "store"
    args = ["build", "--store", str(root), "--no-out-link", str(EXAMPLE)]
    if runnable:
        args += ["--arg", "shell", str(shell)]
    for attr in ATTRS:
        args += ["-A", attr]
    proc = pydock(*args)
    if proc.returncode != 0:
        if "namespaces for the build sandbox" in proc.stderr:
            skip_unless_ci(f"pydock's build sandbox is unavailable here: {proc.stderr.strip()}")
        raise AssertionError(f"pydock build failed:\n{proc.stderr[-4000:]}")
    return Built(root, dict(zip(ATTRS, logical_paths(root, proc.stdout), strict=True)), runnable)


@pytest.fixture(scope="session")
def oci_tools() -> bool:
    """skopeo and umoci must be there under CI; elsewhere their absence skips the client checks."""
    missing = [t for t in ("skopeo", "umoci") if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{', '.join(missing)} required under CI=true (Debian packages skopeo, umoci)")
        skip_unless_ci(f"not installed: {', '.join(missing)}")
    return True
