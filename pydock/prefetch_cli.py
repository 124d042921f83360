"""``pydock prefetch-docker``: nix-prefetch-docker's job, for pasting a ``pullImage`` call into a file.

It resolves a tag to the digest the registry reports (as ``skopeo inspect``
does), pulls the image exactly as the ``pullImage`` builder will
(:func:`pydock.builders.images.docker_pull.pull_docker_archive`), adds the archive to
the store under pullImage's output name (so a later build of that pullImage is
already done), and prints the attribute set — or JSON with ``--json``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import click

__all__ = ["prefetch_docker"]


def _split_image(image: str) -> tuple[str, str | None, str | None]:
    """``name[:tag][@digest]`` → (name, tag, digest); a port colon is not a tag."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        name, _, tag = name.rpartition(":")
    return name, tag, digest or None


def nix_attrs(values: dict[str, str]) -> str:
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
@click.option("--store", "store_root", metavar="DIR", help="Store to add the archive to (default: $PYDOCK_STORE).")
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
    from pydock.build_cli import _report

    def say(line: str) -> None:
        if not quiet and sys.stderr.isatty():
            click.echo(line, err=True)

    try:
        from pydock.builders.images.docker_pull import PullRequest, pull_docker_archive
        from pydock.builders.images.registry_auth import parse_image_name
        from pydock.builders.images.registry_client import RegistryClient
        from pydock.store.hashes import Hash
        from pydock.store.local import LocalStore
        from pydock.store.paths import FileIngestionMethod

        name, tag, digest = _split_image(image)
        if tag_or_digest:
            if tag_or_digest.startswith("sha256:"):
                digest = tag_or_digest
            else:
                tag = tag_or_digest
        digest = image_digest or digest
        if digest is None:
            client = RegistryClient(parse_image_name(name), tls_verify=tls_verify, log=say)
            digest = client.get_manifest(tag or "latest").digest
        if arch is None:
            from pydock.builders.realisation.environment import host_system

            cpu = host_system().split("-")[0]
            arch = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"}.get(cpu, cpu)
        final_name = final_image_name or name
        final_tag = final_image_tag or tag or "latest"
        req = PullRequest(name, digest, final_name, final_tag, os_, arch, variant, tls_verify)
        out_name = "docker-image-" + f"{final_name}-{final_tag}".replace("/", "-").replace(":", "-") + ".tar"
        store = LocalStore(store_root)
        with tempfile.TemporaryDirectory(prefix="pydock-prefetch-") as work:
            archive = os.path.join(work, out_name)
            sha = pull_docker_archive(req, archive, work, log=say)
            path = store.add_path(archive, out_name, FileIngestionMethod.FLAT, "sha256")
        sri = Hash("sha256", bytes.fromhex(sha)).sri
        say(f"-> ImagePath: {store.real_path(path)}")
    except BaseException as e:  # noqa: BLE001 - every failure becomes "error: …"
        if isinstance(e, SystemExit):
            raise
        _report(e, show_trace)
        sys.exit(1)
    values = {"imageName": name, "imageDigest": digest, "hash": sri, "finalImageName": final_name,
              "finalImageTag": final_tag}  # fmt: skip
    click.echo(json.dumps(values, indent=2) if as_json else nix_attrs(values))
