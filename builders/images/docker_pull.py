"""``dockerTools.pullImage``: an image from a registry, as the docker-archive skopeo would write.

The ``docker-pull-image`` builtin builder realises pullImage's fixed-output
derivation: it resolves ``imageName@imageDigest`` (a manifest list or OCI
index to the requested ``os``/``arch``/``variant``), downloads the config and
the layers with :class:`~pydock.builders.images.registry_client.RegistryClient`
(each checked against its digest), decompresses the layers as skopeo does for
a docker-archive destination, and writes the archive with
:func:`~pydock.builders.images.docker_archive_writer.write_docker_archive`.  The
archive is checked against the derivation's declared hash before the build
ends, so a mismatch fails with Nix's message and leaves nothing in the store.

:func:`pull_docker_archive` is also what ``pydock prefetch-docker`` runs.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from pydock.builders.images.docker_archive_writer import ArchiveLayer, write_docker_archive
from pydock.builders.images.registry_auth import ReferenceError, check_digest, check_tag, parse_image_name
from pydock.builders.images.registry_client import Platform, RegistryClient, RegistryError, RetryPolicy
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder
from pydock.builders.realisation.environment import BuildError, FixedOutputHashMismatch
from pydock.store.hashes import Hash, hash_file

from pydock import progress

__all__ = ["PullRequest", "docker_pull_image", "pull_docker_archive"]

PARALLEL_LAYERS = 3


@dataclass(frozen=True)
class PullRequest:
    """What to pull and how to name it: pullImage's arguments."""

    image_name: str
    image_digest: str
    final_image_name: str
    final_image_tag: str
    os: str = "linux"
    arch: str = "amd64"
    variant: str = ""
    tls_verify: bool = True


def pull_docker_archive(
    req: PullRequest,
    out_path: str,
    workdir: str,
    log: Callable[[str], None] = lambda _line: None,
    retry: RetryPolicy | None = None,
) -> str:
    """Write the docker-archive of ``req`` to ``out_path``; its sha256 (hex)."""
    try:
        source = parse_image_name(req.image_name)
        check_digest(req.image_digest)
        final = parse_image_name(req.final_image_name)
        check_tag(req.final_image_tag)
    except ReferenceError as e:
        raise BuildError(str(e)) from None
    client = RegistryClient(source, tls_verify=req.tls_verify, retry=retry, log=log)
    platform = Platform(req.os, req.arch, req.variant)
    manifest = client.resolve_image(req.image_digest, platform)
    body = manifest.json()
    config_desc = body.get("config")
    layer_descs = body.get("layers")
    if not isinstance(config_desc, dict) or not isinstance(layer_descs, list):
        raise RegistryError(f"manifest {manifest.digest} of {client} has no config or no layer list")
    config = client.get_small_blob(_descriptor_digest(config_desc, client))
    for i, desc in enumerate(layer_descs):
        if not isinstance(desc, dict):
            raise RegistryError(f"manifest {manifest.digest} of {client}: layer {i} is not a descriptor")
        size = desc.get("size")
        if not isinstance(size, int) or size < 0:
            raise RegistryError(f"manifest {manifest.digest} of {client}: layer {i} has no valid size")

    bar = progress.task("pulling layers", total_bytes=sum(d["size"] for d in layer_descs), total_items=len(layer_descs))

    def fetch_layer(i: int) -> ArchiveLayer:
        desc = layer_descs[i]
        digest = _descriptor_digest(desc, client)
        log(f"copying blob {digest}")
        blob_path = os.path.join(workdir, f"blob-{i}")
        with open(blob_path, "w+b") as blob:
            client.download_blob(digest, desc["size"], _CountingWriter(blob, bar))
        bar.advance(n_items=1)
        layer = _decompressed_layer(blob_path, os.path.join(workdir, f"layer-{i}.tar"), digest)
        if os.path.exists(blob_path):
            os.unlink(blob_path)
        return layer

    # A few layers at a time, as skopeo copies them; the archive still lists them in order.
    with bar, ThreadPoolExecutor(max_workers=PARALLEL_LAYERS) as pool:
        layers = list(pool.map(fetch_layer, range(len(layer_descs))))
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as out:
        sha256 = write_docker_archive(out, layers, config, _descriptor_digest(config_desc, client),
                                      (final.full, req.final_image_tag))  # fmt: skip
    os.replace(tmp, out_path)
    return sha256


class _CountingWriter:
    """A blob file that tells the progress line how many bytes arrived (a restarted transfer counts twice)."""

    def __init__(self, f: BinaryIO, bar: progress.Task) -> None:
        self._f = f
        self._bar = bar

    def write(self, data: bytes) -> int:
        self._bar.advance(len(data))
        return self._f.write(data)

    def seek(self, *args: int) -> int:
        return self._f.seek(*args)

    def truncate(self, *args: int) -> int:
        return self._f.truncate(*args)

    def flush(self) -> None:
        self._f.flush()


def _descriptor_digest(desc: dict, client: RegistryClient) -> str:
    digest = desc.get("digest")
    try:
        return check_digest(digest if isinstance(digest, str) else "")
    except ReferenceError:
        raise RegistryError(f"a descriptor in the manifest of {client} has the invalid digest '{digest}'") from None


_MAGIC: list[tuple[bytes, Callable[[BinaryIO], BinaryIO]]] = [
    (b"\x1f\x8b", lambda f: gzip.GzipFile(fileobj=f, mode="rb")),  # type: ignore[list-item]
    (b"\x28\xb5\x2f\xfd", lambda f: _zstd_reader(f)),
    (b"BZh", lambda f: bz2.BZ2File(f)),  # type: ignore[list-item]
    (b"\xfd7zXZ\x00", lambda f: lzma.LZMAFile(f)),  # type: ignore[list-item]
]


def _zstd_reader(f: BinaryIO) -> BinaryIO:
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(f)  # type: ignore[return-value]


def _decompressed_layer(blob_path: str, dest: str, digest: str) -> ArchiveLayer:
    """The layer as a plain tar (decompressed by its magic bytes, as skopeo detects it) and its sha256."""
    with open(blob_path, "rb") as blob:
        head = blob.read(8)
        blob.seek(0)
        opener = next((open_ for magic, open_ in _MAGIC if head.startswith(magic)), None)
        if opener is None:
            os.replace(blob_path, dest)
            return ArchiveLayer(dest, digest, os.path.getsize(dest))
        h = hashlib.sha256()
        size = 0
        try:
            with opener(blob) as src, open(dest, "wb") as out:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    h.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except (OSError, EOFError, lzma.LZMAError, ValueError) as e:
            raise RegistryError(f"layer {digest} cannot be decompressed: {e}") from None
        except Exception as e:  # zstandard.ZstdError has no common base with the above
            if type(e).__name__ == "ZstdError":
                raise RegistryError(f"layer {digest} cannot be decompressed: {e}") from None
            raise
    return ArchiveLayer(dest, "sha256:" + h.hexdigest(), size)


def _flag(value: str) -> bool:
    return value not in ("", "0", "false")


@builtin_builder("docker-pull-image")
def docker_pull_image(drv, ctx: BuildContext) -> None:
    env = ctx.env
    source = env.get("sourceURL", "")
    if not source.startswith("docker://") or "@" not in source:
        raise BuildError(f"pullImage: unexpected sourceURL '{source}'")
    image_name, _, image_digest = source[len("docker://") :].rpartition("@")
    final_name, _, final_tag = env.get("destNameTag", "").rpartition(":")
    req = PullRequest(
        image_name=image_name,
        image_digest=image_digest,
        final_image_name=final_name,
        final_image_tag=final_tag,
        os=env.get("os", "linux"),
        arch=env.get("arch", "amd64"),
        variant=env.get("variant", ""),
        tls_verify=_flag(env.get("tlsVerify", "1")),
    )
    out = ctx.outputs["out"]
    work = tempfile.mkdtemp(prefix="pull-", dir=ctx.build_dir)
    try:
        sha256 = pull_docker_archive(req, out, work, log=ctx.log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wanted = drv.outputs["out"].fixed_hash()
    # The archive was hashed while it was written; another algorithm needs a pass over the file.
    got = Hash("sha256", bytes.fromhex(sha256)) if wanted.algo == "sha256" else hash_file(wanted.algo, out)
    if got != wanted:
        os.unlink(out)
        raise FixedOutputHashMismatch(ctx.drv_path, wanted, got)
