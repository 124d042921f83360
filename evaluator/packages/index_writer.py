"""Writing a package index with a real Nix: what ``pydock index`` does, for machines without one.

:func:`query_nix_env` runs ``nix-env -f NIXPKGS -qaP --json --out-path --meta`` (once per
attribute, or once for everything) and merges the JSON objects — the format ``--packages``
reads (``index_file.py``).  :func:`write_index` writes it to a file (``.xz``/``.zst``
compress it) under a temporary name and renames it, so a failed run leaves no half index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from typing import Any

from pydock.errors import PydockError

__all__ = ["IndexCommandError", "encode_index", "query_nix_env", "write_index"]


class IndexCommandError(PydockError):
    """nix-env is missing or failed, or the output cannot be written."""


def query_nix_env(nixpkgs: str, attrs: list[str], meta: bool = True) -> dict[str, Any]:
    """What ``nix-env -qaP --json --out-path`` says about ``attrs`` (all packages when empty)."""
    exe = shutil.which("nix-env")
    if exe is None:
        raise IndexCommandError(
            "'nix-env' was not found on PATH; 'pydock index' asks a real Nix (e.g. Debian's nix-bin) for the index"
        )
    base = [exe, "-f", nixpkgs, "-qaP", "--json", "--out-path"] + (["--meta"] if meta else [])
    result: dict[str, Any] = {}
    for attr in attrs or [None]:
        cmd = base + (["-A", attr] if attr is not None else [])
        proc = subprocess.run(cmd, capture_output=True)
        if proc.returncode != 0:
            detail = proc.stderr.decode("utf-8", "replace").strip()
            what = f"attribute '{attr}'" if attr is not None else "all packages"
            raise IndexCommandError(f"nix-env failed on {what} of '{nixpkgs}' (exit {proc.returncode}):\n{detail}")
        try:
            part = json.loads(proc.stdout)
        except json.JSONDecodeError as e:
            raise IndexCommandError(f"nix-env printed something that is not JSON: {e}") from None
        result.update(part)
    return result


def encode_index(data: dict[str, Any], out: str) -> bytes:
    """The index as bytes for ``out``: JSON, compressed when the name ends in ``.xz`` or ``.zst``."""
    raw = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if out.endswith(".xz"):
        import lzma

        return lzma.compress(raw)
    if out.endswith(".zst"):
        import zstandard

        return zstandard.ZstdCompressor(level=19).compress(raw)
    return raw


def write_index(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file in the same directory, then a rename)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".pydock-index-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
