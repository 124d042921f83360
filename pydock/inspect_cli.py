"""``pydock inspect IMAGE``: layers (sizes, store paths), run configuration and tags of an image.

IMAGE is ``FILE -A ATTR``, a docker-archive, an ``oci-archive``, an OCI layout
directory or ``docker://HOST/REPO[:TAG]``.  A table on a terminal, ``--json`` for scripts.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from pydock.image_args import image_source_options, open_cli_image

__all__ = ["inspect"]


@click.command("inspect")
@click.argument("image")
@image_source_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--tls-verify", type=click.BOOL, default=True, show_default=True,
              help="For docker:// images: verify the registry's TLS (false also allows plain http).")  # fmt: skip
def inspect(image: str, as_json: bool, tls_verify: bool, **opts: Any) -> None:
    """Show what is in IMAGE: layers with sizes and store paths, Cmd/Entrypoint/Env/ports/user, tags.

    \b
    Examples:
      pydock inspect examples/docker-layered.nix -A stream
      pydock inspect image.tar --json | jq '.layers[].store_paths'
      pydock inspect docker://127.0.0.1:5000/app:v1 --tls-verify=false
    """
    from pydock.error_report import report_error

    progress = (lambda line: click.echo(line, err=True)) if sys.stderr.isatty() else None
    try:
        from pydock.builders.images.image_inspect import describe_image, format_table, open_registry_image

        if image.startswith("docker://"):
            source = open_registry_image(image[len("docker://") :], tls_verify)
            read_layers = False
        else:
            source, _store = open_cli_image(image, opts, progress)
            read_layers = True
        with source:
            info = describe_image(source, read_layers=read_layers)
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        if isinstance(e, SystemExit):
            raise
        sys.exit(report_error(e, opts.get("show_trace", False)))
    click.echo(json.dumps(info, indent=2) if as_json else format_table(info))
