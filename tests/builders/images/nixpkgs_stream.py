"""nixpkgs' own ``stream_layered_image.py``, run as the oracle on a fake store.

The script reads store paths at their logical place (``/nix/store/…``), while a test's fake
store lives under a temporary root.  So the script runs in a private mount namespace
(``unshare --mount``; with ``--map-current-user`` when not root, so file owners stay as they
are) in which the fake store's directory is bind-mounted on ``/nix/store``.  Nothing outside
that namespace sees the mount.  The script is run from ``../shared/reference/nixpkgs`` and
never copied.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from fakestore import FakeStore

from nix_compat_tests.nixpkgs_reference import STREAM_LAYERED_IMAGE, nixpkgs_file
from nix_compat_tests.support import unavailable


@dataclass(frozen=True)
class Streamed:
    archive: bytes
    stderr: str


_CACHE: dict[str, Streamed] = {}


def _unshare_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    message = None
    if unshare is None:
        message = "unshare (util-linux) is needed to show nixpkgs' streamer the fake store at /nix/store"
    elif not os.path.isdir(STORE_DIR_ON_HOST):
        message = f"{STORE_DIR_ON_HOST} does not exist to bind the fake store on (Debian package nix-bin creates it)"
    if message is not None:
        unavailable(message)
    user = [] if os.geteuid() == 0 else ["--map-current-user"]
    return [unshare, *user, "--mount", "--propagation", "private"]


STORE_DIR_ON_HOST = "/nix/store"


def nixpkgs_stream(conf: dict, store: FakeStore, repo_tag: str | None = None) -> Streamed:
    """The archive (and stderr) nixpkgs' script writes for ``conf`` over ``store`` (cached per input)."""
    assert store.store_dir == STORE_DIR_ON_HOST and store.root is not None
    key = json.dumps([conf, store.root, repo_tag], sort_keys=True)
    if key in _CACHE:
        return _CACHE[key]
    script = nixpkgs_file(STREAM_LAYERED_IMAGE)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(conf, f)
    try:
        args = [sys.executable, str(script), f.name, *(["--repo_tag", repo_tag] if repo_tag else [])]
        physical = os.path.join(store.root, "nix", "store")
        shell = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
        cmd = [*_unshare_prefix(), "sh", "-c", shell, "sh", physical, STORE_DIR_ON_HOST, *args]
        proc = subprocess.run(cmd, capture_output=True, check=False)
    finally:
        os.unlink(f.name)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        if "unshare" in stderr and ("Operation not permitted" in stderr or "Permission denied" in stderr):
            message = f"cannot make a mount namespace here: {stderr.strip()[-300:]}"
            unavailable(message)
        raise AssertionError(f"nixpkgs' stream_layered_image.py failed ({proc.returncode}):\n{stderr[-4000:]}")
    result = Streamed(proc.stdout, stderr)
    _CACHE[key] = result
    return result
