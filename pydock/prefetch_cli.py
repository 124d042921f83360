"""``pydock prefetch-docker``: nix-prefetch-docker's job, for pasting a ``pullImage`` call into a file.

The work is :func:`pydock.builders.images.prefetch.prefetch_image` (resolve the tag,
pull as the ``pullImage`` builder will, add the archive to the store); this command
prints the attribute set — or JSON with ``--json``.
"""

from __future__ import annotations

import json
import sys

import click

from pydock.cli_options import store_option
from pydock.error_report import errors_reported

__all__ = ["prefetch_docker"]


def nix_attrs(values: dict[str, str]) -> str:
    """The arguments as a Nix attribute set, ready to paste into a ``pullImage`` call."""
    return "{\n" + "".join(f"  {k} = {json.dumps(v)};\n" for k, v in values.items()) + "}"


@click.command("prefetch-docker")
@click.argument("image")
@click.argument("tag_or_digest", required=False)
@click.option("--image-digest", metavar="DIGEST", help="Pull this digest instead of resolving the tag.")
@click.option("--os", "os_", default="linux", show_default=True, help="OS to pick from a multi-platform image.")
@click.option("--arch", default=None, help="Architecture to pick (default: this machine's, as pullImage).")
@click.option("--variant", default="", help="Architecture variant to pick (e.g. v7).")
@click.option("--final-image-name", metavar="NAME", help="Name the archive gives the image (default: IMAGE).")
@click.option("--final-image-tag", metavar="TAG", help="Tag the archive gives the image (default: the tag, or latest).")
@click.option("--tls-verify", type=click.BOOL, default=True, show_default=True, help="Verify the registry's TLS.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a Nix attribute set.")
@click.option("--quiet", is_flag=True, help="Print only the result.")
@store_option
@click.option("--show-trace", is_flag=True, help="Show Python tracebacks on errors.")
def prefetch_docker(
    image: str,
    tag_or_digest: str | None,
    image_digest: str | None,
    os_: str,
    arch: str | None,
    variant: str,
    final_image_name: str | None,
    final_image_tag: str | None,
    tls_verify: bool,
    as_json: bool,
    quiet: bool,
    store_root: str | None,
    show_trace: bool,
) -> None:
    """Pull IMAGE[:TAG] (or IMAGE TAG|DIGEST) and print the pullImage arguments with its hash.

    \b
    Examples:
      pydock prefetch-docker docker.io/library/alpine 3.19
      pydock prefetch-docker --json --quiet localhost:5000/base:1 --tls-verify false
    """

    def say(line: str) -> None:
        if not quiet and sys.stderr.isatty():
            click.echo(line, err=True)

    with errors_reported(show_trace):
        from pydock.builders.images.prefetch import prefetch_image
        from pydock.store.local import LocalStore, store_root_of

        store = LocalStore(store_root_of(store_root))  # DIR or Nix's local?root=DIR, as `pydock build`
        result = prefetch_image(
            store, image, tag_or_digest, image_digest, os_, arch, variant, final_image_name, final_image_tag,
            tls_verify, log=say,
        )  # fmt: skip
        say(f"-> ImagePath: {store.real_path(result.store_path)}")
    values = result.arguments
    click.echo(json.dumps(values, indent=2) if as_json else nix_attrs(values))
