"""The README's quick start, run as written in a copy of the checkout: its image must run its own Cmd.

The command block under "## Quick start" makes a virtualenv, installs pydock into it
and builds ``examples/quickstart.nix``.  The archive it leaves must load in podman, and,
unpacked by the real clients (skopeo to an OCI layout, umoci to a runtime bundle), its
``Cmd`` must run chroot-ed into the root file system with the bundle's env and cwd and
nothing of the host bound in: the image's ``/bin/sh`` and everything it loads come
from the image.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from docker_support import REPO, TIMEOUT, Podman

from nix_compat_tests.support import oci_bundle, require_tools, unavailable

# Not copied: history, the benchmark's caches, virtualenvs and tool caches.
_IGNORED = shutil.ignore_patterns(".git", "out", ".venv", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache")


def quick_start_command() -> str:
    """The first ``sh`` block under "## Quick start"."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Quick start") :]
    block = re.search(r"```sh\n(.*?)\n```", section, re.S)
    assert block is not None, "no sh block in the quick start"
    return block.group(1).strip()


def test_quick_start_image_runs_its_cmd(tmp_path: Path) -> None:
    packages = "python3, skopeo, umoci, util-linux, podman"
    tools = require_tools("python3", "skopeo", "umoci", "unshare", "podman", package=packages)
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO, checkout, symlinks=True, ignore=_IGNORED)
    env = dict(os.environ, PYDOCK_STORE=str(tmp_path / "store"))
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run(
        ["bash", "-ec", quick_start_command()], cwd=checkout, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    if proc.returncode != 0 and "namespaces" in proc.stderr:
        unavailable(f"pydock's namespaces are unavailable here: {proc.stderr.strip()[-300:]}")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr
    # The virtualenv's pydock is the copy's, not one installed elsewhere.
    where = subprocess.run(
        [str(checkout / ".venv" / "bin" / "python"), "-c", "import pydock.cli; print(pydock.cli.__file__)"],
        capture_output=True, text=True, check=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert where.stdout.startswith(str(checkout) + os.sep), where.stdout

    archive = (checkout / "image.tar").resolve()
    assert archive.is_file() and str(archive).startswith(str(tmp_path / "store")), archive

    podman = Podman()
    try:
        assert podman.load(archive), "podman loaded no image"
    finally:
        podman.close()

    bundle = Path(oci_bundle(archive, tmp_path))
    rootfs = bundle / "rootfs"
    process = json.loads((bundle / "config.json").read_text())["process"]
    shell = os.readlink(rootfs / "bin" / "sh")
    assert shell.startswith("/nix/store/") and (rootfs / shell.lstrip("/")).is_file(), shell

    run_env = dict(item.split("=", 1) for item in process["env"])
    run = subprocess.run(
        [tools["unshare"], "--user", "--map-root-user", f"--root={rootfs}", f"--wd={process['cwd']}", *process["args"]],
        capture_output=True, text=True, env=run_env, timeout=TIMEOUT,
    )  # fmt: skip
    if run.returncode != 0 and run.stderr.startswith("unshare:") and "execute" not in run.stderr:
        unavailable(f"cannot chroot here: {run.stderr.strip()}")
    assert run.returncode == 0, run.stderr
    greeting = re.search(r'writeText "greeting" "(.*?)\\n"', (REPO / "examples" / "quickstart.nix").read_text())
    assert greeting is not None
    assert run.stdout == f"{greeting.group(1)} (pydock in {process['cwd']})\n", run.stderr
