"""Builtin builders that turn a ``streamLayeredImage`` conf into something runnable or a file.

* ``docker-stream-script``: the shared ``stream`` program (nixpkgs' ``writePython3
  "stream"``): a shell script running pydock's ``stream_layered`` module with the
  host's Python.  That interpreter is an impurity nixpkgs does not have; pydock ships
  no Python in its store, so the program records the one that built it, and the
  physical root of the store, so that logical ``/nix/store`` paths in confs resolve.
* ``docker-stream``: the image's ``$out`` (nixpkgs' ``makeWrapper $streamScript $out
  --add-flags $conf``): running it writes the image tar to stdout.
* ``docker-stream-to-file``: ``buildLayeredImage``'s ``$out``: the stream, compressed
  with ``none``/``gz``/``zstd`` as nixpkgs' compressor table says.  It streams in
  process rather than through the wrapper, so no sandbox or second Python is involved;
  the one header that nixpkgs' sandboxed run shows differently (the customisation
  layer's owner, 65534 ``nobody``/``nogroup``) is written as the sandbox would see it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from typing import BinaryIO

from pydock.builders.images.layer_cache import default_digest_cache, store_nar_hashes
from pydock.builders.images.stream_layered import NIX_SANDBOX_OWNER, stream_layered_image
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder

__all__ = ["compress_command", "docker_stream", "docker_stream_script", "docker_stream_to_file"]


def _write_script(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o755)


@builtin_builder("docker-stream-script")
def docker_stream_script(drv, ctx: BuildContext) -> None:
    root = ctx.store.root or "/"
    _write_script(
        ctx.outputs["out"],
        "#!/bin/sh\n"
        "# streamLayeredImage's program: pydock's stream_layered module run by the host Python that built it.\n"
        f"PYDOCK_STREAM_STORE_ROOT=${{PYDOCK_STREAM_STORE_ROOT:-{shlex.quote(root)}}}\n"
        "export PYDOCK_STREAM_STORE_ROOT\n"
        f'exec {shlex.quote(sys.executable)} -m pydock.builders.images.stream_layered "$@"\n',
    )


@builtin_builder("docker-stream")
def docker_stream(drv, ctx: BuildContext) -> None:
    script = ctx.real_path(ctx.env["streamScript"])
    conf = ctx.real_path(ctx.env["conf"])
    _write_script(ctx.outputs["out"], f'#!/bin/sh\nexec {shlex.quote(script)} {shlex.quote(conf)} "$@"\n')


def compress_command(compressor: str, cores: int) -> list[str] | None:
    """The host program nixpkgs' table names (``pigz -nTR``, ``zstd -T``), a fallback, or None for Python."""
    if compressor == "gz":
        if shutil.which("pigz"):
            return ["pigz", f"-p{cores}", "-nTR"]
        return ["gzip", "-n"] if shutil.which("gzip") else None
    if compressor == "zstd":
        return ["zstd", f"-T{cores}", "-q", "-c"] if shutil.which("zstd") else None
    raise ValueError(f"unknown compressor '{compressor}'")


def _stream_into(conf: dict, out: BinaryIO, ctx: BuildContext) -> None:
    """The stream as nixpkgs' buildLayeredImage writes it: inside the build sandbox, so the
    customisation layer's member shows the store's owner as the sandbox sees it."""
    stream_layered_image(
        conf,
        out,
        real_path=ctx.real_path,
        cache=default_digest_cache(ctx.store.state_dir),
        log=ctx.log,
        customisation_owner=NIX_SANDBOX_OWNER,
        nar_hash=store_nar_hashes(ctx.store.state_dir),
        verify=os.environ.get("PYDOCK_VERIFY_LAYERS") == "1",
    )


@builtin_builder("docker-stream-to-file")
def docker_stream_to_file(drv, ctx: BuildContext) -> None:
    with open(ctx.real_path(ctx.env["conf"]), encoding="utf-8") as f:
        conf = json.load(f)
    compressor = ctx.env.get("compressor", "gz")
    with open(ctx.outputs["out"], "wb") as out:
        if compressor == "none":
            _stream_into(conf, out, ctx)
            return
        cmd = compress_command(compressor, int(ctx.env.get("NIX_BUILD_CORES") or os.cpu_count() or 1))
        if cmd is None:
            _compress_in_python(compressor, conf, out, ctx)
            return
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out)
        assert proc.stdin is not None
        try:
            _stream_into(conf, proc.stdin, ctx)
        finally:
            proc.stdin.close()
            status = proc.wait()
        if status != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed with exit status {status}")


def _compress_in_python(compressor: str, conf: dict, out: BinaryIO, ctx: BuildContext) -> None:
    """No host program: gzip with mtime 0 and no name, or zstandard at zstd's default level 3."""
    if compressor == "gz":
        import gzip

        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
            _stream_into(conf, gz, ctx)  # type: ignore[arg-type]
        return
    import zstandard

    with zstandard.ZstdCompressor(level=3).stream_writer(out, closefd=False) as zw:
        _stream_into(conf, zw, ctx)  # type: ignore[arg-type]
