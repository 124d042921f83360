"""``pydock index``: write a package index with a real Nix, for machines without one.

It runs ``nix-env -f NIXPKGS -qaP --json --out-path --meta`` (once per ``-A``
attribute, or once for everything) and writes the merged JSON object — the
format ``--packages`` reads — to ``-o FILE`` (``.xz``/``.zst`` compress it) or
stdout.  The file is written under a temporary name and renamed, so a failed
run leaves no half index behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

import click

__all__ = ["index", "query_nix_env"]


class IndexCommandError(Exception):
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


def _encode(data: dict[str, Any], out: str) -> bytes:
    raw = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if out.endswith(".xz"):
        import lzma

        return lzma.compress(raw)
    if out.endswith(".zst"):
        import zstandard

        return zstandard.ZstdCompressor(level=19).compress(raw)
    return raw


def _write_atomically(path: str, data: bytes) -> None:
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


@click.command("index")
@click.option("--nixpkgs", "nixpkgs", required=True, metavar="PATH", help="The nixpkgs to ask (nix-env -f PATH).")
@click.option("-A", "--attr", "attrs", multiple=True, metavar="ATTR", help="Only this attribute (repeatable).")
@click.option("-o", "--output", "output", default="-", show_default=True, metavar="FILE", help="Where to write.")
@click.option("--no-meta", is_flag=True, help="Leave out the packages' meta attributes.")
def index(nixpkgs: str, attrs: tuple[str, ...], output: str, no_meta: bool) -> None:
    """Write a package index of NIXPKGS with a real Nix (nix-env -qaP --json --out-path --meta).

    \b
    Examples:
      pydock index --nixpkgs ~/nixpkgs -o packages.json.zst
      pydock index --nixpkgs ~/nixpkgs -A hello -A bashInteractive -o small.json
      PYDOCK_PACKAGES=packages.json.zst pydock build examples/docker-packages.nix
    """
    from pydock.evaluator.errors import format_error, write_stderr

    try:
        if sys.stderr.isatty():
            click.echo(f"querying {nixpkgs} with nix-env …", err=True)
        data = query_nix_env(nixpkgs, list(attrs), meta=not no_meta)
        encoded = _encode(data, output)
        if output == "-":
            sys.stdout.buffer.write(encoded)
            sys.stdout.flush()
        else:
            _write_atomically(output, encoded)
        if sys.stderr.isatty():
            click.echo(f"{len(data)} packages written to {output}", err=True)
    except (IndexCommandError, OSError) as e:
        msg = str(e) if isinstance(e, IndexCommandError) else f"cannot write '{output}': {e.strerror}"
        write_stderr(format_error(msg, None))
        sys.exit(1)
