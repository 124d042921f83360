"""The README's quick start, run as written: its image command must produce an archive skopeo reads."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

from docker_support import REPO, TIMEOUT

from nix_compat_tests.support import unavailable


def quick_start_command() -> str:
    """The first ``sh`` block under "## Quick start", without the install step."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Quick start") :]
    block = re.search(r"```sh\n(.*?)\n```", section, re.S)
    assert block is not None, "no sh block in the quick start"
    command = block.group(1).strip()
    install = "pip install -e . && "
    assert command.startswith(install), command
    return command[len(install) :]


def test_quick_start_builds_an_image(tmp_path, oci_tools):
    pydock = shutil.which("pydock") or shutil.which("pydock", path=os.path.dirname(sys.executable))
    if pydock is None:
        unavailable("the pydock command is not installed (pip install -e .)")
    (tmp_path / "examples").symlink_to(REPO / "examples")
    env = dict(os.environ, PYDOCK_STORE=str(tmp_path / "store"))
    env["PATH"] = os.path.dirname(pydock) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        ["bash", "-ec", quick_start_command()], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(
        subprocess.run(
            ["skopeo", "--insecure-policy", "inspect", f"docker-archive:{tmp_path / 'image.tar'}"],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    assert info["Env"] == ["GREETING=pydock", "PATH=/bin"] and len(info["Layers"]) >= 2
