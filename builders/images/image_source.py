"""Images as a list of layers that can be read again, whatever they were stored as.

OCI output, ``pydock push`` and ``pydock inspect`` all need the same thing: an
image config and, per layer, its diff id and a way to produce the layer's
uncompressed tar bytes (again, when a first pass only hashed them).  This module
opens the places images live in as a :class:`SourceImage`:

* :func:`open_docker_archive`: a docker-archive (nixpkgs' and skopeo's; plain,
  gzip, zstd, bzip2 or xz; a compressed archive is decompressed once into a
  temporary file, as tar members cannot be found in a compressed stream);
* :func:`open_oci_layout`: an OCI image layout directory, or an ``oci-archive``
  tar of one; its manifest and blobs are kept, so a push sends them unchanged;
* :func:`image_from_conf`: a ``streamLayeredImage`` conf, whose layers are
  produced straight from the store (no image tar is written anywhere); the
  config is the one :func:`~pydock.builders.images.stream_layered.stream_layered_image`
  writes for the same conf, byte for byte;
* registry images are opened by :mod:`pydock.builders.images.image_inspect`.

Everything read from an archive or layout is untrusted: missing members, bad
JSON and digests that do not match raise :class:`ImageFormatError` naming the
file and what is wrong.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO

from pydock.builders.images.layer_cache import LayerDigestCache, layer_key
from pydock.builders.images.store_layer import (
    Ownership,
    RealPath,
    digest_pieces,
    prebuilt_layer,
    store_layer_chunks,
    store_layer_pieces,
)
from pydock.builders.images.stream_layered import merge_env, parse_time
from pydock.builders.realisation.environment import BuildError

__all__ = [
    "Blob",
    "ImageFormatError",
    "SourceImage",
    "SourceLayer",
    "image_from_conf",
    "open_docker_archive",
    "open_image_file",
    "open_oci_layout",
]

CHUNK = 1 << 20
OCI_LAYOUT_VERSION = "1.0.0"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"

Chunks = Callable[[], Iterator[bytes]]


class ImageFormatError(BuildError):
    """An image archive or layout that is not what it claims to be."""


@dataclass
class Blob:
    """A stored blob (an OCI layout's or a registry's): media type, digest, size and its bytes on demand."""

    media_type: str
    digest: str
    size: int
    chunks: Chunks
    annotations: dict[str, str] | None = None


@dataclass
class SourceLayer:
    """One layer: diff id (``sha256:…`` of the uncompressed tar) and its uncompressed bytes on demand.

    ``blob`` is the stored (possibly compressed) form when the source has one;
    ``store_paths`` is set when the source knows them without reading the layer.
    """

    diff_id: str
    tar_chunks: Chunks
    blob: Blob | None = None
    store_paths: list[str] | None = None
    size: int | None = None  # uncompressed size, when known without reading


@dataclass
class SourceImage:
    """An image: config bytes (kept exactly), layers bottom to top, the names it carries."""

    description: str
    config: bytes
    layers: list[SourceLayer]
    repo_tags: list[str] = field(default_factory=list)
    manifest: bytes | None = None  # the stored manifest, when the source has one (OCI, registry)
    manifest_media_type: str | None = None
    _cleanup: list[Callable[[], None]] = field(default_factory=list)

    def config_json(self) -> dict[str, Any]:
        return json.loads(self.config)

    @property
    def config_digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.config).hexdigest()

    def close(self) -> None:
        while self._cleanup:
            self._cleanup.pop()()

    def __enter__(self) -> SourceImage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- helpers ---------------------------------------------------------------------------------


def _decompressor(head: bytes) -> Callable[[BinaryIO], BinaryIO] | None:
    import bz2
    import gzip
    import lzma

    if head.startswith(b"\x1f\x8b"):
        return lambda f: gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        import zstandard

        return lambda f: zstandard.ZstdDecompressor().stream_reader(f)  # type: ignore[return-value]
    if head.startswith(b"BZh"):
        return lambda f: bz2.BZ2File(f)  # type: ignore[return-value]
    if head.startswith(b"\xfd7zXZ\x00"):
        return lambda f: lzma.LZMAFile(f)  # type: ignore[return-value]
    return None


def decompressed_chunks(chunks: Iterator[bytes], what: str) -> Iterator[bytes]:
    """The bytes of ``chunks`` decompressed by their magic (gzip/zstd/bzip2/xz), or as they are."""

    first = b""
    for first in chunks:
        if first:
            break
    if first.startswith(b"\x1f\x8b"):
        feed, finish = _gzip_members()
    elif first.startswith(b"\x28\xb5\x2f\xfd"):
        import zstandard

        z = zstandard.ZstdDecompressor().decompressobj()
        feed, finish = z.decompress, lambda: b""
    else:
        if first:
            yield first
        yield from chunks
        return
    try:
        yield feed(first)
        for chunk in chunks:
            yield feed(chunk)
        yield finish()
    except ImageFormatError:
        raise
    except Exception as e:  # zlib.error, zstandard.ZstdError
        raise ImageFormatError(f"{what} cannot be decompressed: {e}") from None


def _gzip_members() -> tuple[Callable[[bytes], bytes], Callable[[], bytes]]:
    """Feed/finish functions that decompress concatenated gzip members (what ``gzip -d`` reads)."""
    import zlib

    state = {"d": zlib.decompressobj(31)}

    def feed(data: bytes) -> bytes:
        out = []
        while data:
            d = state["d"]
            out.append(d.decompress(data))
            if not d.eof:
                break
            data = d.unused_data
            state["d"] = zlib.decompressobj(31)
        return b"".join(out)

    return feed, lambda: state["d"].flush()


def _checked(chunks: Iterator[bytes], digest: str, what: str, size: int | None = None) -> Iterator[bytes]:
    """Pass ``chunks`` through, failing at the end when their sha256 (or size) is not the expected one."""
    h = hashlib.sha256()
    n = 0
    for chunk in chunks:
        h.update(chunk)
        n += len(chunk)
        yield chunk
    got = "sha256:" + h.hexdigest()
    if got != digest or (size is not None and n != size):
        raise ImageFormatError(f"{what} does not match its digest {digest}: its content has digest {got} ({n} bytes)")


def _load_json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise ImageFormatError(f"{what} is not valid JSON: {e}") from None


def _temp_dir(image: SourceImage, prefix: str) -> str:
    path = tempfile.mkdtemp(prefix=prefix)
    image._cleanup.append(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


# -- docker-archive --------------------------------------------------------------------------


def open_image_file(path: str) -> SourceImage:
    """A docker-archive, an ``oci-archive`` or an OCI layout directory, told apart by content."""
    if os.path.isdir(path):
        return open_oci_layout(path)
    if not os.path.exists(path):
        raise ImageFormatError(f"'{path}' does not exist")
    plain, cleanup = _plain_tar(path)
    try:
        try:
            with tarfile.open(plain, "r:") as tar:
                names = set(tar.getnames())
        except (tarfile.TarError, OSError, EOFError) as e:
            raise ImageFormatError(f"'{path}' is not an image archive (a tar): {e}") from None
        if "oci-layout" in names or "./oci-layout" in names:
            image = _open_oci_archive(path, plain)
        else:
            image = open_docker_archive(path, plain)
    except BaseException:
        if cleanup:
            cleanup()
        raise
    if cleanup:
        image._cleanup.append(cleanup)
    return image


def _plain_tar(path: str) -> tuple[str, Callable[[], None] | None]:
    """``path`` itself when it is an uncompressed tar, else a decompressed temporary copy."""
    with open(path, "rb") as f:
        opener = _decompressor(f.read(8))
    if opener is None:
        return path, None
    fd, tmp = tempfile.mkstemp(prefix="pydock-image-", suffix=".tar")
    try:
        with open(path, "rb") as src, opener(src) as plain, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(plain, out, CHUNK)
    except Exception as e:
        os.unlink(tmp)
        if isinstance(e, OSError | EOFError | ValueError) or type(e).__name__ in ("ZstdError", "LZMAError"):
            raise ImageFormatError(f"'{path}' cannot be decompressed: {e}") from None
        raise
    return tmp, lambda: os.unlink(tmp)


class _TarMembers:
    """Random access to the members of an uncompressed tar by name (``./`` prefixes ignored)."""

    def __init__(self, path: str, label: str) -> None:
        self.path = path
        self.label = label
        try:
            with tarfile.open(path, "r:") as tar:
                self.members = {m.name.removeprefix("./"): m for m in tar.getmembers()}
        except (tarfile.TarError, OSError, EOFError) as e:
            raise ImageFormatError(f"{label} is not a valid tar archive: {e}") from None

    def _resolve(self, name: str) -> tarfile.TarInfo:
        seen = 0
        name = name.removeprefix("./")
        while True:
            m = self.members.get(name)
            if m is None:
                raise ImageFormatError(f"{self.label} has no member '{name}'")
            if not (m.issym() or m.islnk()) or seen > 8:
                break
            seen += 1
            target = m.linkname if m.islnk() else os.path.normpath(os.path.join(os.path.dirname(name), m.linkname))
            name = target.removeprefix("./")
        if not m.isfile():
            raise ImageFormatError(f"{self.label}: member '{name}' is not a regular file")
        return m

    def has(self, name: str) -> bool:
        return name.removeprefix("./") in self.members

    def size(self, name: str) -> int:
        return self._resolve(name).size

    def read(self, name: str, limit: int = 64 << 20) -> bytes:
        m = self._resolve(name)
        if m.size > limit:
            raise ImageFormatError(f"{self.label}: member '{name}' is too large ({m.size} bytes)")
        return b"".join(self.chunks(name)())

    def chunks(self, name: str) -> Chunks:
        m = self._resolve(name)

        def gen() -> Iterator[bytes]:
            with open(self.path, "rb") as f:
                f.seek(m.offset_data)
                left = m.size
                while left:
                    data = f.read(min(CHUNK, left))
                    if not data:
                        raise ImageFormatError(f"{self.label}: member '{m.name}' is truncated")
                    left -= len(data)
                    yield data

        return gen


def open_docker_archive(path: str, plain: str | None = None) -> SourceImage:
    """The first image of a docker-archive (``manifest.json``, config, one tar per layer)."""
    label = f"image archive '{path}'"
    tar = _TarMembers(plain or path, label)
    if not tar.has("manifest.json"):
        raise ImageFormatError(f"{label} is not a docker-archive: it has no manifest.json")
    manifest = _load_json(tar.read("manifest.json"), f"manifest.json of {label}")
    if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
        raise ImageFormatError(f"manifest.json of {label} does not list an image")
    entry = manifest[0]
    config_name = entry.get("Config")
    layer_names = entry.get("Layers")
    if not isinstance(config_name, str) or not isinstance(layer_names, list):
        raise ImageFormatError(f"manifest.json of {label} has no Config or no Layers")
    config = tar.read(config_name)
    config_doc = _load_json(config, f"config '{config_name}' of {label}")
    diff_ids = (config_doc.get("rootfs") or {}).get("diff_ids") if isinstance(config_doc, dict) else None
    if not isinstance(diff_ids, list) or len(diff_ids) != len(layer_names):
        raise ImageFormatError(
            f"config '{config_name}' of {label} lists {len(diff_ids) if isinstance(diff_ids, list) else 'no'}"
            f" diff_ids for {len(layer_names)} layers"
        )
    layers = []
    for name, diff_id in zip(layer_names, diff_ids, strict=True):
        if not isinstance(name, str) or not isinstance(diff_id, str):
            raise ImageFormatError(f"manifest.json of {label} has a malformed layer entry")
        raw = tar.chunks(name)
        what = f"layer '{name}' of {label}"

        def tar_chunks(raw: Chunks = raw, diff_id: str = diff_id, what: str = what) -> Iterator[bytes]:
            return _checked(decompressed_chunks(raw(), what), diff_id, what)

        layers.append(SourceLayer(diff_id, tar_chunks))
    tags = entry.get("RepoTags") or []
    return SourceImage(label, config, layers, [t for t in tags if isinstance(t, str)])


# -- OCI layout ------------------------------------------------------------------------------


class _LayoutFiles:
    """Blob and file access for a layout directory or an ``oci-archive``'s members."""

    def __init__(self, label: str, read: Callable[[str], bytes], chunks: Callable[[str], Chunks],
                 size: Callable[[str], int], exists: Callable[[str], bool]) -> None:  # fmt: skip
        self.label, self.read, self.chunks, self.size, self.exists = label, read, chunks, size, exists


def _dir_files(root: str, label: str) -> _LayoutFiles:
    def full(name: str) -> str:
        return os.path.join(root, name)

    def read(name: str) -> bytes:
        try:
            with open(full(name), "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise ImageFormatError(f"{label} has no '{name}'") from None

    def chunks(name: str) -> Chunks:
        def gen() -> Iterator[bytes]:
            with open(full(name), "rb") as f:
                yield from iter(lambda: f.read(CHUNK), b"")

        return gen

    return _LayoutFiles(label, read, chunks, lambda n: os.path.getsize(full(n)), lambda n: os.path.isfile(full(n)))


def open_oci_layout(root: str) -> SourceImage:
    label = f"OCI layout '{root}'"
    return _open_layout(_dir_files(root, label), label)


def _open_oci_archive(path: str, plain: str) -> SourceImage:
    label = f"OCI archive '{path}'"
    tar = _TarMembers(plain, label)
    return _open_layout(_LayoutFiles(label, tar.read, tar.chunks, tar.size, tar.has), label)


def _blob_name(digest: Any, label: str) -> str:
    """``blobs/sha256/<hex>``; anything but a sha256 digest is refused (it could name a path outside ``blobs/``)."""
    if not isinstance(digest, str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        raise ImageFormatError(f"{label} names an invalid digest '{digest}'")
    return "blobs/sha256/" + digest[7:]


def _open_layout(files: _LayoutFiles, label: str) -> SourceImage:
    if not files.exists("oci-layout"):
        raise ImageFormatError(f"{label} is not an OCI image layout: it has no 'oci-layout' file")
    layout = _load_json(files.read("oci-layout"), f"'oci-layout' of {label}")
    if not isinstance(layout, dict) or layout.get("imageLayoutVersion") != OCI_LAYOUT_VERSION:
        raise ImageFormatError(f"'oci-layout' of {label} does not declare imageLayoutVersion {OCI_LAYOUT_VERSION}")
    index = _load_json(files.read("index.json"), f"index.json of {label}")
    entries = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ImageFormatError(f"index.json of {label} lists no manifest")
    desc = entries[0]
    if not isinstance(desc, dict):
        raise ImageFormatError(f"index.json of {label} has a malformed manifest descriptor")

    def blob_bytes(d: dict, what: str) -> bytes:
        name = _blob_name(d.get("digest"), label)
        if not files.exists(name):
            raise ImageFormatError(f"{what} {d.get('digest')} is missing from {label}")
        data = files.read(name)
        got = "sha256:" + hashlib.sha256(data).hexdigest()
        if got != d["digest"] or (isinstance(d.get("size"), int) and d["size"] != len(data)):
            raise ImageFormatError(f"{what} {d['digest']} of {label} does not match its digest (content has {got})")
        return data

    manifest = blob_bytes(desc, "manifest")
    doc = _load_json(manifest, f"manifest {desc['digest']} of {label}")
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict) or not isinstance(doc.get("layers"), list):
        raise ImageFormatError(f"manifest {desc['digest']} of {label} has no config or no layer list")
    config = blob_bytes(doc["config"], "config")
    config_doc = _load_json(config, f"config of {label}")
    diff_ids = (config_doc.get("rootfs") or {}).get("diff_ids") if isinstance(config_doc, dict) else None
    if not isinstance(diff_ids, list) or len(diff_ids) != len(doc["layers"]):
        raise ImageFormatError(f"config of {label} does not list one diff_id per layer")
    layers = []
    for ld, diff_id in zip(doc["layers"], diff_ids, strict=True):
        if not isinstance(ld, dict) or not isinstance(ld.get("size"), int):
            raise ImageFormatError(f"manifest of {label} has a malformed layer descriptor")
        name = _blob_name(ld.get("digest"), label)
        if not files.exists(name):
            raise ImageFormatError(f"layer {ld['digest']} is missing from {label}")
        what = f"layer {ld['digest']} of {label}"

        def raw(name: str = name, d: dict = ld, what: str = what) -> Iterator[bytes]:
            return _checked(files.chunks(name)(), d["digest"], what, d["size"])

        def tar_chunks(raw: Chunks = raw, diff_id: str = diff_id, what: str = what) -> Iterator[bytes]:
            return _checked(decompressed_chunks(raw(), what), diff_id, f"uncompressed {what}")

        blob = Blob(str(ld.get("mediaType", "")), ld["digest"], ld["size"], raw, ld.get("annotations"))
        layers.append(SourceLayer(diff_id, tar_chunks, blob))
    ref = (desc.get("annotations") or {}).get("org.opencontainers.image.ref.name")
    return SourceImage(label, config, layers, [ref] if isinstance(ref, str) else [], manifest,
                       str(doc.get("mediaType") or desc.get("mediaType") or OCI_MANIFEST))  # fmt: skip


# -- streamLayeredImage conf -----------------------------------------------------------------


def image_from_conf(
    conf: Mapping[str, Any],
    real_path: RealPath,
    *,
    cache: LayerDigestCache | None = None,
    now: datetime | None = None,
    log: Callable[[str], None] | None = None,
    nar_hash: Callable[[str], str | None] | None = None,
) -> SourceImage:
    """The image ``stream_layered_image(conf)`` would write, with layers produced from the store on demand.

    Diff ids come from ``cache`` where it knows them (under the stream's keys, see
    ``layer_cache.layer_key``; ``nar_hash`` gives the store's registered NarHashes), else
    from one hashing pass per layer; every later read is hashed again and checked.  The config bytes
    are ``stream_layered_image``'s (same fields, order and ``indent=4``).
    """
    say = log or (lambda _line: None)
    now = now or datetime.now(tz=UTC)
    created = parse_time(conf["created"], now)
    mtime = int(parse_time(conf["mtime"], now).timestamp())
    owner = Ownership(mtime, int(conf["uid"]), int(conf["gid"]), conf["uname"], conf["gname"])
    layers: list[SourceLayer] = []
    history_paths: list[list[str]] = []
    image = SourceImage(f"image of {conf.get('repo_tag', '?')}", b"", layers, [str(conf["repo_tag"])])
    base_config: dict[str, Any] | None = None
    if conf.get("from_image") is not None:
        base = open_image_file(real_path(conf["from_image"]))
        image._cleanup.append(base.close)
        base_config = base.config_json()
        for num, layer in enumerate(base.layers, start=1):
            say(f"Adding base layer {num}")
            layers.append(layer)
            history_paths.append([f"base layer {num}"])
    store_dir = conf["store_dir"]
    for paths in conf["store_layers"]:
        invalid = [p for p in paths if not p.startswith(store_dir)]
        if invalid:
            raise ImageFormatError(f"Expecting absolute paths from {store_dir}, but got: {invalid}")
        # the stream's keys: a digest the stream (or an earlier push) recorded is found again
        key = layer_key(paths, real_path, owner, nar_hash)[0] if cache is not None else None
        known = cache.get(key) if cache is not None and key is not None else None
        if known is None:
            say(f"hashing layer of {paths}")
            digest, size = digest_pieces(store_layer_pieces(paths, real_path, owner))
            if cache is not None and key is not None:
                cache.put(key, digest, size)
        else:
            digest, size = known

        def chunks(paths: tuple[str, ...] = tuple(paths), diff_id: str = "sha256:" + digest) -> Iterator[bytes]:
            return _checked(store_layer_chunks(paths, real_path, owner), diff_id, f"layer of {list(paths)}")

        layers.append(SourceLayer("sha256:" + digest, chunks, store_paths=list(paths), size=size))
        history_paths.append(list(paths))
    custom = conf["customisation_layer"]
    checksum, layer_tar = prebuilt_layer(custom, real_path)

    def custom_chunks() -> Iterator[bytes]:
        with open(layer_tar, "rb") as f:
            yield from _checked(iter(lambda: f.read(CHUNK), b""), "sha256:" + checksum, f"{custom}/layer.tar")

    layers.append(SourceLayer("sha256:" + checksum, custom_chunks, store_paths=[], size=os.path.getsize(layer_tar)))
    history_paths.append([custom])

    config = copy.deepcopy(conf["config"])
    if base_config is not None:
        config = merge_env(base_config.get("config") or {}, config)
    stamp = created.isoformat()
    # The base layers' history names their archive members in stream_layered_image; the
    # archive's member names are what it records, so take them from the base manifest.
    if base_config is not None:
        names = _base_member_names(real_path(conf["from_image"]))
        for i, name in enumerate(names[: len(history_paths)]):
            history_paths[i] = [name]
    doc = {
        "created": stamp,
        "architecture": conf["architecture"],
        "os": "linux",
        "config": config,
        "rootfs": {"diff_ids": [layer.diff_id for layer in layers], "type": "layers"},
        "history": [{"created": stamp, "comment": f"store paths: {paths}"} for paths in history_paths],
    }
    image.config = json.dumps(doc, indent=4).encode("utf-8")
    return image


def _base_member_names(path: str) -> list[str]:
    """The ``Layers`` member names of a base archive, as tarfile reports them (for the history comments)."""
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile(tar.getmember("manifest.json")))  # type: ignore[arg-type]
        return [tar.getmember(name).name for name in manifest[0]["Layers"]]
