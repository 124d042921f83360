"""``pydock push IMAGE docker://HOST/REPO[:TAG]``: an image to a registry, without a Docker daemon.

IMAGE is a Nix file with ``-A ATTR`` (layers stream from the store; no image tar
is written), a docker-archive, an ``oci-archive`` or an OCI layout directory.
Prints the pushed manifest digest on stdout; progress goes to stderr on a terminal.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from pydock.image_args import image_source_options, open_cli_image

__all__ = ["push"]


def parse_destination(dest: str) -> tuple[Any, str]:
    """``docker://NAME[:TAG]`` → (ImageName, tag); the tag defaults to ``latest``."""
    from pydock.builders.images.registry_auth import ReferenceError, check_tag, parse_image_name

    if not dest.startswith("docker://"):
        raise ReferenceError(f"invalid destination '{dest}': expected docker://HOST/REPOSITORY[:TAG]")
    ref = dest[len("docker://") :]
    if "@" in ref:
        raise ReferenceError(f"invalid destination '{dest}': push to a tag, not a digest")
    name, tag = ref, "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = ref.rpartition(":")
    return parse_image_name(name), check_tag(tag)


@click.command("push")
@click.argument("image")
@click.argument("destination")
@image_source_options
@click.option("--tls-verify", type=click.BOOL, default=True, show_default=True,
              help="Verify the registry's TLS certificate (false also allows plain http).")  # fmt: skip
@click.option("--layer-compression", type=click.Choice(["none", "gzip", "zstd"]), default=None,
              help="Compress layers so (default: gzip; an OCI layout's own blobs are pushed as they are).")  # fmt: skip
@click.option("--chunk-size", type=click.IntRange(min=1 << 10), default=16 << 20, show_default=True, hidden=True,
              help="Upload blobs larger than this in chunks of this many bytes.")  # fmt: skip
@click.option("--digestfile", type=click.Path(dir_okay=False), help="Also write the manifest digest to this file.")
@click.option("-q", "--quiet", is_flag=True, help="No progress, even on a terminal.")
def push(image: str, destination: str, tls_verify: bool, layer_compression: str | None, chunk_size: int,
         digestfile: str | None, quiet: bool, **opts: Any) -> None:  # fmt: skip
    """Push IMAGE (FILE -A ATTR, an archive or an OCI layout) to DESTINATION (docker://HOST/REPO:TAG).

    \b
    Examples:
      pydock push examples/docker-layered.nix -A stream docker://127.0.0.1:5000/app:v1 --tls-verify=false
      pydock push image.tar docker://ghcr.io/me/app:latest
    """
    from pydock.error_report import report_error

    interactive = sys.stderr.isatty() and not quiet

    def say(line: str) -> None:
        if interactive:
            click.echo(line, err=True)

    try:
        from pydock.builders.images.layer_cache import default_digest_cache
        from pydock.builders.images.oci_layout import oci_image
        from pydock.builders.images.registry_auth import ReferenceError
        from pydock.builders.images.registry_client import RegistryClient
        from pydock.builders.images.registry_push import PushRecord, push_image
        from pydock.builders.realisation.environment import BuildError

        try:
            name, tag = parse_destination(destination)
        except ReferenceError as e:
            raise BuildError(str(e)) from None
        source, store = open_cli_image(image, opts, say if interactive else None)
        state_dir = store.state_dir if store is not None else None
        with source:
            oci = oci_image(source, layer_compression, default_digest_cache(state_dir), None, say)
            client = RegistryClient(name, tls_verify=tls_verify, log=say)
            digest, stats = push_image(oci, client, tag, chunk_size=chunk_size, record=PushRecord(), log=say)
        say(f"pushed {name.full}:{tag}: {len(stats.uploaded)} blobs uploaded ({stats.bytes_sent} bytes),"
            f" {len(stats.existing)} already there, {len(stats.mounted)} mounted")  # fmt: skip
        if digestfile:
            with open(digestfile, "w", encoding="ascii") as f:
                f.write(digest)
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        if isinstance(e, SystemExit):
            raise
        sys.exit(report_error(e, opts.get("show_trace", False)))
    click.echo(digest)
