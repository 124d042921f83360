"""OCI images from any :class:`~pydock.builders.images.image_source.SourceImage`: layout dirs, archives, manifests.

The same manifest serves ``pydock build --format oci-dir|oci-archive`` and
``pydock push``, so a pushed image's digest is the digest of the manifest in the
layout pydock writes for the same image and compression.

Reproducible bytes: layers are compressed in one thread with fixed settings
(gzip: zlib level 6 with a zero mtime and no file name; zstd: level 3, no
checksum, no content size), the config is kept exactly as the image has it (so
the image id is the docker-archive's), JSON documents are compact with a fixed
member order, and an ``oci-archive`` is a tar whose members carry no time,
owner or order that depends on the machine.  The same input gives the same
manifest digest everywhere the same zlib/zstd libraries run.

Compressed digests are remembered per (diff id, compression) next to the layer
digests (:mod:`~pydock.builders.images.layer_cache`), so a push knows whether a
registry already has a layer before compressing it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydock.builders.images.image_source import (
    OCI_INDEX,
    OCI_LAYOUT_VERSION,
    OCI_MANIFEST,
    Blob,
    ImageFormatError,
    SourceImage,
    SourceLayer,
)
from pydock.builders.images.layer_cache import LayerDigestCache
from pydock.builders.images.tarformat import DIRTYPE, Member, TarWriter, file_chunks

__all__ = [
    "COMPRESSIONS",
    "OciImage",
    "layer_blob",
    "oci_image",
    "ref_name",
    "write_oci_archive",
    "write_oci_layout",
]

COMPRESSIONS = ("none", "gzip", "zstd")
LAYER_MEDIA_TYPES = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"
CREATED = "org.opencontainers.image.created"
PARALLEL_COMPRESSION = 3
GZIP_LEVEL = 6
ZSTD_LEVEL = 3
_OUT_CHUNK = 1 << 20


def _compressor_id(compression: str) -> str:
    """What the compressed bytes depend on besides the input: the library and its settings."""
    if compression == "gzip":
        return f"zlib-{zlib.ZLIB_RUNTIME_VERSION}-{GZIP_LEVEL}"
    if compression == "zstd":
        import zstandard

        return f"zstd-{'.'.join(map(str, zstandard.ZSTD_VERSION))}-{ZSTD_LEVEL}"
    return "none"


def compress_chunks(chunks: Iterator[bytes], compression: str) -> Iterator[bytes]:
    """``chunks`` compressed as ``compression`` says, deterministically, in pieces of about 1 MiB."""
    if compression == "none":
        yield from chunks
        return
    if compression == "gzip":
        c = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # gzip wrapper: mtime 0, no name
        feed, finish = c.compress, c.flush
    elif compression == "zstd":
        import zstandard

        z = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=False, write_content_size=False).compressobj()
        feed, finish = z.compress, z.flush
    else:
        raise ValueError(f"unknown layer compression '{compression}'")
    pending = bytearray()
    for chunk in chunks:
        pending += feed(chunk)
        if len(pending) >= _OUT_CHUNK:
            yield bytes(pending)
            pending.clear()
    pending += finish()
    if pending:
        yield bytes(pending)


def _cache_key(diff_id: str, compression: str) -> str:
    return hashlib.sha256(f"oci-blob\0{diff_id}\0{_compressor_id(compression)}".encode()).hexdigest()


class _Hashed:
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.sha, self.size = chunks, hashlib.sha256(), 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.sha.update(chunk)
            self.size += len(chunk)
            yield chunk

    @property
    def digest(self) -> str:
        return "sha256:" + self.sha.hexdigest()


def layer_blob(
    layer: SourceLayer,
    compression: str,
    cache: LayerDigestCache | None = None,
    spool_dir: str | None = None,
) -> tuple[Blob, str | None]:
    """The blob of ``layer`` compressed as ``compression``; and a spooled file holding it, if any.

    The digest must be known before a registry is asked whether it has the blob:
    it comes from ``cache``, else from compressing into ``spool_dir`` (one pass,
    the file is the blob), else from a compressing pass that only hashes.  Reading
    the blob later compresses again (unless spooled) and fails if the bytes differ.
    """
    if compression not in COMPRESSIONS:
        raise ValueError(f"unknown layer compression '{compression}'")
    media_type = LAYER_MEDIA_TYPES[compression]
    if compression == "none":
        size = layer.size
        if size is None:
            size = sum(len(c) for c in layer.tar_chunks())
        return Blob(media_type, layer.diff_id, size, layer.tar_chunks), None
    key = _cache_key(layer.diff_id, compression)
    known = cache.get(key) if cache is not None else None
    spooled: str | None = None
    if known is not None:
        digest, size = "sha256:" + known[0], known[1]
    elif spool_dir is not None:
        fd, spooled = tempfile.mkstemp(dir=spool_dir, prefix=".blob-")
        hashed = _Hashed(compress_chunks(layer.tar_chunks(), compression))
        with os.fdopen(fd, "wb") as out:
            for chunk in hashed:
                out.write(chunk)
        digest, size = hashed.digest, hashed.size
    else:
        hashed = _Hashed(compress_chunks(layer.tar_chunks(), compression))
        for _ in hashed:
            pass
        digest, size = hashed.digest, hashed.size
    if cache is not None and known is None:
        cache.put(key, digest[7:], size)

    def chunks() -> Iterator[bytes]:
        if spooled is not None:
            yield from file_chunks(spooled, size)
            return
        hashed = _Hashed(compress_chunks(layer.tar_chunks(), compression))
        yield from hashed
        if hashed.digest != digest:
            if cache is not None:
                cache.discard(key)
            raise ImageFormatError(
                f"the {compression} blob of layer {layer.diff_id} came out as {hashed.digest}, not {digest}"
                " (a stale digest cache entry; it was dropped, run again)"
            )

    return Blob(media_type, digest, size, chunks), spooled


def _cached_blob(layer: SourceLayer, compression: str, cache: LayerDigestCache | None) -> tuple[Blob, None] | None:
    """The blob of ``layer`` when its compressed digest is already known (no compression pass)."""
    if cache is None or compression == "none" or cache.get(_cache_key(layer.diff_id, compression)) is None:
        return None
    return layer_blob(layer, compression, cache)[0], None


def _descriptor(media_type: str, digest: str, size: int, annotations: dict[str, str] | None = None) -> dict:
    d: dict[str, Any] = {"mediaType": media_type, "digest": digest, "size": size}
    if annotations:
        d["annotations"] = annotations
    return d


def _json(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class OciImage:
    """An OCI image ready to be written or pushed: manifest bytes, config and layer blobs."""

    manifest: bytes
    config: Blob
    layers: list[Blob]
    media_type: str = OCI_MANIFEST
    spooled: list[str | None] | None = None

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.manifest).hexdigest()

    def cleanup(self) -> None:
        for path in self.spooled or []:
            if path is not None and os.path.exists(path):
                os.unlink(path)


def oci_image(
    image: SourceImage,
    compression: str | None,
    cache: LayerDigestCache | None = None,
    spool_dir: str | None = None,
    log: Callable[[str], None] | None = None,
) -> OciImage:
    """``image`` as an OCI image; ``compression=None`` keeps a stored manifest and blobs unchanged."""
    config = Blob(OCI_CONFIG, image.config_digest, len(image.config), lambda: iter([image.config]))
    if compression is None and image.manifest is not None and all(layer.blob for layer in image.layers):
        doc = json.loads(image.manifest)
        config.media_type = str(doc["config"].get("mediaType") or OCI_CONFIG)
        blobs = [layer.blob for layer in image.layers if layer.blob is not None]
        return OciImage(image.manifest, config, blobs, image.manifest_media_type or OCI_MANIFEST, [])
    compression = compression or "gzip"
    say = log or (lambda _line: None)
    blobs: list[Blob] = []
    spooled: list[str | None] = []

    def one(num: int) -> tuple[Blob, str | None]:
        layer = image.layers[num]
        say(f"layer {num + 1}/{len(image.layers)}: {layer.diff_id} ({compression})")
        return layer_blob(layer, compression, cache if not threaded else None, spool_dir)

    # zlib and zstd release the GIL, so layers compress side by side; the digest cache (an
    # SQLite connection of the calling thread) is consulted and filled here, not in the workers.
    threaded = len(image.layers) > 1
    known = [_cached_blob(layer, compression, cache) for layer in image.layers]
    results: list[tuple[Blob, str | None] | None] = list(known)
    todo = [i for i, k in enumerate(known) if k is None]
    with ThreadPoolExecutor(max_workers=min(PARALLEL_COMPRESSION, max(len(todo), 1))) as pool:
        futures = {i: pool.submit(one, i) for i in todo}
    failure = next((f.exception() for f in futures.values() if f.exception() is not None), None)
    if failure is not None:  # every worker has finished: remove what the others spooled
        done = [f.result()[1] for f in futures.values() if f.exception() is None]
        OciImage(b"", config, [], spooled=done).cleanup()
        raise failure
    for i, future in futures.items():
        results[i] = result = future.result()
        if cache is not None and compression != "none":
            cache.put(_cache_key(image.layers[i].diff_id, compression), result[0].digest[7:], result[0].size)
    for result in results:
        assert result is not None
        blobs.append(result[0])
        spooled.append(result[1])
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": _descriptor(OCI_CONFIG, config.digest, config.size),
        "layers": [_descriptor(b.media_type, b.digest, b.size) for b in blobs],
    }
    created = image.config_json().get("created")
    if isinstance(created, str) and created:
        manifest["annotations"] = {CREATED: created}
    return OciImage(_json(manifest), config, blobs, OCI_MANIFEST, spooled)


def ref_name(repo_tag: str | None) -> str | None:
    """The ``ref.name`` annotation for an image named ``name:tag``: the whole ``name:tag``.

    The OCI grammar allows it, ``podman load`` then names the image as its
    docker-archive would be named, and ``skopeo … oci:DIR:name:tag`` selects it.
    A name without a tag gets ``latest``.
    """
    if not repo_tag:
        return None
    name, sep, tag = repo_tag.rpartition(":")
    return repo_tag if sep and "/" not in tag else f"{repo_tag}:latest"


def _index(oci: OciImage, ref: str | None) -> bytes:
    annotations = {REF_NAME: ref} if ref else None
    desc = _descriptor(oci.media_type, oci.digest, len(oci.manifest), annotations)
    return _json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [desc]})


def _layout_files(oci: OciImage, ref: str | None) -> list[tuple[str, Blob | bytes, str | None]]:
    """(name, content, spooled file) of every file of the layout, in the order an archive lists them."""
    files: list[tuple[str, Blob | bytes, str | None]] = [
        ("oci-layout", _json({"imageLayoutVersion": OCI_LAYOUT_VERSION}), None),
        ("index.json", _index(oci, ref), None),
    ]
    blobs: dict[str, tuple[Blob | bytes, str | None]] = {oci.digest: (oci.manifest, None)}
    blobs[oci.config.digest] = (b"".join(oci.config.chunks()), None)
    for blob, spool in zip(oci.layers, oci.spooled or [None] * len(oci.layers), strict=True):
        blobs.setdefault(blob.digest, (blob, spool))
    for digest in sorted(blobs):
        content, spool = blobs[digest]
        files.append((f"blobs/sha256/{digest[7:]}", content, spool))
    return files


def write_oci_layout(oci: OciImage, dest: str, ref: str | None) -> None:
    """Write the layout directory ``dest`` atomically (a temporary sibling renamed into place).

    An existing ``dest`` is replaced only if it is an OCI layout itself (a previous result).
    """
    _check_replaceable(dest, is_dir=True)
    parent = os.path.dirname(os.path.abspath(dest))
    tmp = tempfile.mkdtemp(prefix=".oci-", dir=parent)
    try:
        os.makedirs(os.path.join(tmp, "blobs", "sha256"))
        for name, content, spool in _layout_files(oci, ref):
            path = os.path.join(tmp, name)
            if spool is not None:
                os.replace(spool, path)
                continue
            with open(path, "wb") as f:
                if isinstance(content, bytes):
                    f.write(content)
                else:
                    for chunk in content.chunks():
                        f.write(chunk)
        for root, dirs, files in os.walk(tmp):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)
        os.chmod(tmp, 0o755)
        if os.path.isdir(dest) and not os.path.islink(dest):
            old = dest + ".old-" + os.path.basename(tmp)
            os.rename(dest, old)
            os.rename(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        oci.cleanup()


def write_oci_archive(oci: OciImage, dest: str, ref: str | None) -> None:
    """Write an ``oci-archive`` (a tar of the layout) to ``dest`` atomically, with fixed headers."""
    _check_replaceable(dest, is_dir=False)
    parent = os.path.dirname(os.path.abspath(dest))
    fd, tmp = tempfile.mkstemp(prefix=".oci-archive-", dir=parent)
    try:
        with os.fdopen(fd, "wb") as out:
            tar = TarWriter(out)
            files = _layout_files(oci, ref)
            dirs_done = False
            for name, content, spool in files:
                if name.startswith("blobs/") and not dirs_done:
                    for d in ("blobs", "blobs/sha256"):
                        tar.add(Member(d + "/", DIRTYPE, 0o755))
                    dirs_done = True
                if isinstance(content, bytes):
                    tar.add(Member(name, mode=0o644, size=len(content)), [content])
                elif spool is not None:
                    tar.add(Member(name, mode=0o644, size=content.size), file_chunks(spool, content.size))
                else:
                    tar.add(Member(name, mode=0o644, size=content.size), content.chunks())
            tar.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        oci.cleanup()


def _check_replaceable(dest: str, is_dir: bool) -> None:
    """Refuse to overwrite anything but an OCI image pydock wrote or a result link into a store."""
    if not os.path.lexists(dest):
        return
    if os.path.islink(dest) and "/nix/store/" in os.readlink(dest):
        os.unlink(dest)  # a result link of an earlier docker-archive build
        return
    if is_dir and os.path.isdir(dest) and not os.path.islink(dest) and os.path.isfile(os.path.join(dest, "oci-layout")):
        return
    if not is_dir and os.path.isfile(dest) and not os.path.islink(dest):
        with open(dest, "rb") as f:
            head = f.read(512)
        if head[:100].rstrip(b"\0") == b"oci-layout":
            return
    raise ImageFormatError(f"'{dest}' already exists and is not an OCI image pydock wrote; not replacing it")
