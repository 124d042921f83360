"""nix-prefetch-docker's job: pull an image once and say which ``pullImage`` arguments fetch it.

A tag is resolved to the digest the registry reports (as ``skopeo inspect`` does); the
image is pulled exactly as the ``pullImage`` builder will pull it
(:func:`~pydock.builders.images.docker_pull.pull_docker_archive`); the archive is added to
the store under pullImage's output name, so that a later build of that ``pullImage`` is
already done; and the arguments, ``hash`` included, come back for printing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from pydock.builders.images.docker_pull import PullRequest, pull_docker_archive
from pydock.builders.images.registry_auth import parse_image_name
from pydock.builders.images.registry_client import RegistryClient
from pydock.builders.realisation.environment import host_system
from pydock.store.hashes import Hash
from pydock.store.local import LocalStore
from pydock.store.paths import FileIngestionMethod

__all__ = ["Prefetched", "prefetch_image", "split_image"]

# Nix's CPU names -> the architectures of the OCI image spec, as pullImage's `arch` default.
_OCI_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"}


@dataclass(frozen=True)
class Prefetched:
    """The ``pullImage`` arguments for the image, and where its archive now is in the store."""

    arguments: dict[str, str]
    store_path: str


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``name[:tag][@digest]`` → (name, tag, digest); a port colon is not a tag."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        name, _, tag = name.rpartition(":")
    return name, tag, digest or None


def prefetch_image(
    store: LocalStore,
    image: str,
    tag_or_digest: str | None = None,
    image_digest: str | None = None,
    os_name: str = "linux",
    arch: str | None = None,
    variant: str = "",
    final_image_name: str | None = None,
    final_image_tag: str | None = None,
    tls_verify: bool = True,
    log: Callable[[str], None] = lambda _line: None,
) -> Prefetched:
    """Pull ``image`` (``NAME[:TAG][@DIGEST]``, or a separate tag or digest) into ``store``."""
    name, tag, digest = split_image(image)
    if tag_or_digest:
        if tag_or_digest.startswith("sha256:"):
            digest = tag_or_digest
        else:
            tag = tag_or_digest
    digest = image_digest or digest
    if digest is None:
        client = RegistryClient(parse_image_name(name), tls_verify=tls_verify, log=log)
        digest = client.get_manifest(tag or "latest").digest
    if arch is None:
        cpu = host_system().split("-")[0]
        arch = _OCI_ARCH.get(cpu, cpu)
    final_name = final_image_name or name
    final_tag = final_image_tag or tag or "latest"
    req = PullRequest(name, digest, final_name, final_tag, os_name, arch, variant, tls_verify)
    out_name = "docker-image-" + f"{final_name}-{final_tag}".replace("/", "-").replace(":", "-") + ".tar"
    with tempfile.TemporaryDirectory(prefix="pydock-prefetch-") as work:
        archive = os.path.join(work, out_name)
        sha = pull_docker_archive(req, archive, work, log=log)
        path = store.add_path(archive, out_name, FileIngestionMethod.FLAT, "sha256")
    arguments = {
        "imageName": name,
        "imageDigest": digest,
        "hash": Hash("sha256", bytes.fromhex(sha)).sri,
        "finalImageName": final_name,
        "finalImageTag": final_tag,
    }
    return Prefetched(arguments, path)
