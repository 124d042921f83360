"""The image stream of ``streamLayeredImage``: a docker-archive tar, byte-identical to nixpkgs'.

Input is the ``conf`` JSON object nixpkgs' ``streamLayeredImage`` writes (``architecture``,
``config``, ``os``, ``store_dir``, ``from_image``, ``store_layers``, ``customisation_layer``,
``repo_tag``, ``created``, ``mtime``, ``uid``, ``gid``, ``uname``, ``gname``).  Output is
the uncompressed archive ``stream_layered_image.py`` prints, member by member:

1. the base image's layers (``from_image``), copied with their original headers;
2. one ``<sha256>/layer.tar`` per entry of ``store_layers`` (see :mod:`store_layer`);
3. the customisation layer's ready-made ``layer.tar``, named by its ``checksum`` file;
4. ``<sha256>.json``, the image config (``json.dumps(indent=4)``);
5. ``manifest.json``;

then the archive end.  Store paths in the conf are logical; ``real_path`` says where
their files are.  Memory stays flat: layers are streamed, and each layer's digest is
either recalled from a :class:`LayerDigestCache` or learnt in a first hashing pass, as
nixpkgs does.  A digest recalled under the store's NarHashes is trusted (store paths are
immutable), so the layer is written in one pass and not hashed at all, its file data
copied by the kernel when ``out`` is a plain file or pipe; ``verify`` re-hashes it.

Run as ``python -m pydock.builders.images.stream_layered CONF.json [-t REPO_TAG]`` to write the
image to stdout — what the image's ``streamScript`` executes.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import sys
import tarfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, TextIO

from pydock.builders.images.layer_cache import (
    DirectoryDigestCache,
    LayerDigestCache,
    default_digest_cache,
    layer_key,
    store_nar_hashes,
)
from pydock.builders.images.store_layer import (
    Ownership,
    RealPath,
    digest_pieces,
    member_from_lstat,
    prebuilt_layer,
    store_layer_pieces,
    write_pieces,
)
from pydock.builders.images.tarformat import Member, TarWriter

from pydock import progress

__all__ = [
    "NIX_SANDBOX_OWNER",
    "LayerRecord",
    "NarHashOf",
    "SandboxOwner",
    "StreamResult",
    "main",
    "stream_layered_image",
]

SandboxOwner = tuple[int, int, str, str]  # uid, gid, uname, gname
# How a root-owned store file looks from inside Nix's build sandbox: the unmapped
# id 65534, which the sandbox's /etc/passwd and /etc/group call nobody/nogroup.
NIX_SANDBOX_OWNER: SandboxOwner = (65534, 65534, "nobody", "nogroup")
# The NarHash a store registered for a path (any stable text, e.g. Nix's "sha256:<hex>"), or None.
NarHashOf = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class LayerRecord:
    """One layer as the manifest and image config name it."""

    member: str  # "<hex>/layer.tar" (or the base image's own member name)
    diff_id: str  # hex sha256 of the uncompressed layer tar
    paths: list[str]  # what the history comment lists


@dataclass(frozen=True, slots=True)
class StreamResult:
    """What was written, for callers that want the ids without re-reading the archive."""

    layers: list[LayerRecord]
    config_name: str
    config: bytes
    manifest: bytes


def _identity(path: str) -> str:
    return path


def parse_time(value: str, now: datetime) -> datetime:
    """A conf time: ``"now"`` (one instant shared by ``created`` and ``mtime``) or ISO 8601."""
    return now if value == "now" else datetime.fromisoformat(value)


# -- base image ------------------------------------------------------------------------------


@dataclass
class _BaseImage:
    tar: tarfile.TarFile
    manifest: list[Any]
    config: dict[str, Any]


def _load_base(path: str) -> _BaseImage:
    """Open the base archive (gzip/bzip2/xz detected like ``tarfile.open``) and read its JSON."""
    tar = tarfile.open(path)
    with tar.extractfile(tar.getmember("manifest.json")) as f:  # type: ignore[union-attr]
        manifest = json.load(f)
    with tar.extractfile(tar.getmember(manifest[0]["Config"])) as f:  # type: ignore[union-attr]
        config = json.load(f)
    return _BaseImage(tar, manifest, config)


def _member_from_tarinfo(ti: tarfile.TarInfo) -> Member:
    """The header a base-image member is copied with: its own fields and PAX records."""
    return Member(
        name=ti.name,
        type=ti.type,
        mode=ti.mode,
        uid=ti.uid,
        gid=ti.gid,
        size=ti.size,
        mtime=ti.mtime,
        linkname=ti.linkname,
        uname=ti.uname,
        gname=ti.gname,
        devmajor=ti.devmajor,
        devminor=ti.devminor,
        pax=dict(ti.pax_headers),
    )


def _extracted(tar: tarfile.TarFile, ti: tarfile.TarInfo) -> Iterator[bytes]:
    f = tar.extractfile(ti)
    if f is None:
        return
    with f:
        left = ti.size
        while left:
            data = f.read(min(1 << 20, left))
            if not data:
                raise OSError(f"{ti.name}: unexpected end of data in the base image")
            left -= len(data)
            yield data


def _add_base_layers(tar: TarWriter, base: _BaseImage, log: Callable[[str], None]) -> list[LayerRecord]:
    """Copy the base layers named by ``manifest.json[0].Layers``, diff_ids from the base config."""
    records = []
    pairs = zip(base.manifest[0]["Layers"], base.config["rootfs"]["diff_ids"], strict=False)
    for num, (name, diff_id) in enumerate(pairs, start=1):
        ti = base.tar.getmember(name)
        tar.add(_member_from_tarinfo(ti), _extracted(base.tar, ti))
        log(f"Adding base layer {num} from {ti.name}")
        records.append(LayerRecord(ti.name, re.sub(r"^sha256:", "", diff_id), [ti.name]))
    base.tar.close()
    return records


def merge_env(base_config: Mapping[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with the base image's ``Env`` in front, one entry per variable.

    A name keeps the position of its first occurrence and the value of its last; an
    empty result leaves ``config`` as it was.  Nothing else is inherited from the base.
    """
    env = list(base_config.get("Env", [])) + list(config.get("Env", []))
    if env:
        by_name: dict[str, str] = {}
        for entry in env:
            by_name[entry.split("=", 1)[0]] = entry
        config["Env"] = list(by_name.values())
    return config


# -- new layers ------------------------------------------------------------------------------


def _add_store_layer(
    tar: TarWriter,
    paths: Sequence[str],
    real_path: RealPath,
    owner: Ownership,
    cache: LayerDigestCache | None,
    nar_hash: NarHashOf | None = None,
    verify: bool = False,
) -> LayerRecord:
    """One store-path layer: digest from the cache (one pass) or from a hashing pass (two).

    A digest recalled under the paths' NarHashes is trusted and the bytes go out unhashed
    (unless ``verify``); one recalled under inode fingerprints is checked on the way.  A
    mismatch means the archive just written is wrong: the entry is dropped and the
    stream fails loudly.
    """
    key: str | None = None
    trusted = False
    if cache is not None:
        key, trusted = layer_key(paths, real_path, owner, nar_hash)
    known = cache.get(key) if cache is not None and key is not None else None
    if known is None:
        with progress.task(f"hashing layer ({len(paths)} paths)") as bar:  # drawn on a terminal only
            digest, size = digest_pieces(store_layer_pieces(paths, real_path, owner), bar.advance)
    else:
        digest, size = known

    def forget() -> None:
        if cache is not None and key is not None:
            cache.discard(key)

    name = f"{digest}/layer.tar"
    sha = hashlib.sha256() if verify or (known is not None and not trusted) else None
    tar.add_header(Member(name, size=size, mtime=owner.mtime))
    try:
        written = write_pieces(store_layer_pieces(paths, real_path, owner), tar.sink, sha)
    except OSError:
        forget()
        raise
    if written != size or (sha is not None and sha.hexdigest() != digest):
        forget()
        got = f"sha256 {sha.hexdigest()}" if sha is not None else f"{written} bytes"
        want = digest if sha is not None else f"{size} bytes"
        raise OSError(f"layer of {list(paths)} changed while being written ({got}, not {want})")
    tar.advance(size)
    if cache is not None and key is not None and known is None:
        cache.put(key, digest, size)
    return LayerRecord(name, digest, list(paths))


def _add_customisation_layer(
    tar: TarWriter, store_path: str, real_path: RealPath, mtime: int, owner: SandboxOwner | None
) -> LayerRecord:
    """The prebuilt ``layer.tar``; its header fields (but mtime) come from ``lstat``, as with ``gettarinfo``.

    ``owner`` replaces the file's owner when the stream stands for one written
    inside Nix's build sandbox, where the store's owner shows as an unmapped id.
    """
    checksum, layer = prebuilt_layer(store_path, real_path)
    name = f"{checksum}/layer.tar"
    member = member_from_lstat(name, layer, os.lstat(layer))
    member.mtime = mtime
    if owner is not None:
        member.uid, member.gid, member.uname, member.gname = owner
    tar.add_header(member)
    if member.size:
        with open(layer, "rb", buffering=0) as f:
            tar.sink.copy_from(f.fileno(), member.size, layer)
    tar.advance(member.size)
    return LayerRecord(name, checksum, [store_path])


# -- the whole image -------------------------------------------------------------------------


def _bytes_member(tar: TarWriter, name: str, data: bytes, mtime: int) -> None:
    tar.add(Member(name, size=len(data), mtime=mtime), [data])


def stream_layered_image(
    conf: Mapping[str, Any],
    out: BinaryIO,
    *,
    real_path: RealPath = _identity,
    repo_tag: str | None = None,
    cache: LayerDigestCache | None = None,
    log: Callable[[str], None] | None = None,
    now: datetime | None = None,
    customisation_owner: SandboxOwner | None = None,
    nar_hash: NarHashOf | None = None,
    verify: bool = False,
) -> StreamResult:
    """Write the image described by ``conf`` to ``out``; return the layer ids and JSON written.

    ``repo_tag`` overrides ``conf["repo_tag"]`` (the script's ``--repo_tag``).  ``now`` is
    the instant ``"now"`` stands for (default: the current time).  ``conf["config"]`` is
    not modified.  ``customisation_owner`` (e.g. :data:`NIX_SANDBOX_OWNER`) overrides the
    owner ``lstat`` gives the customisation layer's member.  ``nar_hash`` gives the
    NarHash the store registered for a path (see :class:`layer_cache.NarHashes`): with it,
    cached digests are trusted and layers are not re-hashed; ``verify`` re-hashes anyway.
    """
    say = log or (lambda _line: None)
    now = now or datetime.now(tz=UTC)
    created = parse_time(conf["created"], now)
    mtime = int(parse_time(conf["mtime"], now).timestamp())
    owner = Ownership(mtime, int(conf["uid"]), int(conf["gid"]), conf["uname"], conf["gname"])
    store_dir = conf["store_dir"]
    base = _load_base(real_path(conf["from_image"])) if conf.get("from_image") is not None else None

    tar = TarWriter(out)
    layers: list[LayerRecord] = []
    if base is None:
        say("No 'fromImage' provided")
    else:
        layers += _add_base_layers(tar, base, say)
    for num, paths in enumerate(conf["store_layers"], start=len(layers) + 1):
        say(f"Creating layer {num} from paths: {paths}")
        invalid = [p for p in paths if not p.startswith(store_dir)]
        if invalid:
            raise ValueError(f"Expecting absolute paths from {store_dir}, but got: {invalid}")
        layers.append(_add_store_layer(tar, paths, real_path, owner, cache, nar_hash, verify))
    say(f"Creating layer {len(layers) + 1} with customisation...")
    layers.append(_add_customisation_layer(tar, conf["customisation_layer"], real_path, mtime, customisation_owner))

    say("Adding manifests...")
    config = copy.deepcopy(conf["config"])  # merge_env edits it
    if base is not None:
        config = merge_env(base.config["config"], config)
    stamp = created.isoformat()
    image = {
        "created": stamp,
        "architecture": conf["architecture"],
        "os": "linux",
        "config": config,
        "rootfs": {"diff_ids": [f"sha256:{layer.diff_id}" for layer in layers], "type": "layers"},
        "history": [{"created": stamp, "comment": f"store paths: {layer.paths}"} for layer in layers],
    }
    config_bytes = json.dumps(image, indent=4).encode("utf-8")
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    _bytes_member(tar, config_name, config_bytes, mtime)
    manifest = [
        {
            "Config": config_name,
            "RepoTags": [repo_tag or conf["repo_tag"]],
            "Layers": [layer.member for layer in layers],
        }
    ]
    manifest_bytes = json.dumps(manifest, indent=4).encode("utf-8")
    _bytes_member(tar, "manifest.json", manifest_bytes, mtime)
    tar.close()
    say("Done.")
    return StreamResult(layers, config_name, config_bytes, manifest_bytes)


# -- command line ----------------------------------------------------------------------------


def store_root_mapper(root: str, store_dir: str) -> RealPath:
    """``real_path`` for a pydock store rooted at ``root``: ``<store_dir>/x`` lives at ``<root>/nix/store/x``.

    Paths outside ``store_dir`` are used as they are.
    """
    physical_store = os.path.join(root, "nix", "store")
    prefix = store_dir.rstrip("/") + "/"

    def real_path(path: str) -> str:
        if path.startswith(prefix):
            return physical_store + "/" + path[len(prefix) :]
        return path

    return real_path


def main(argv: list[str] | None = None, stdout: BinaryIO | None = None, stderr: TextIO | None = None) -> int:
    """``stream CONF.json [--repo_tag TAG]``, plus pydock's store and cache options."""
    parser = argparse.ArgumentParser(
        prog="python -m pydock.builders.images.stream_layered",
        description="Write the docker-archive image described by a streamLayeredImage conf to stdout.",
    )
    parser.add_argument("conf", help="JSON file written by streamLayeredImage")
    parser.add_argument("--repo_tag", "-t", help="Override the RepoTags from the configuration")
    parser.add_argument(
        "--store-root",
        default=os.environ.get("PYDOCK_STREAM_STORE_ROOT"),
        help="physical root of the store the conf's paths live in (default: $PYDOCK_STREAM_STORE_ROOT, else as given)",
    )
    parser.add_argument(
        "--digest-cache",
        help="directory remembering layer digests (default: $PYDOCK_DIGEST_CACHE, else the store's"
        " nix/var/nix/pydock/layer-digests.sqlite when writable, else ~/.cache/pydock/layer-digests)",
    )
    parser.add_argument("--no-digest-cache", action="store_true", help="hash every layer in a separate pass")
    parser.add_argument(
        "--verify-layers",
        action="store_true",
        default=os.environ.get("PYDOCK_VERIFY_LAYERS") == "1",
        help="re-hash layers whose digest is cached, failing if a store path no longer matches"
        " (default: $PYDOCK_VERIFY_LAYERS=1)",
    )
    args = parser.parse_args(argv)
    err = stderr or sys.stderr
    with open(args.conf, encoding="utf-8") as f:
        conf = json.load(f)
    real_path = store_root_mapper(args.store_root, conf["store_dir"]) if args.store_root else _identity
    cache: LayerDigestCache | None = None
    if args.digest_cache:
        cache = DirectoryDigestCache(args.digest_cache)
    elif not args.no_digest_cache:
        cache = default_digest_cache(os.path.join(args.store_root, "nix/var/nix") if args.store_root else None)
    out = stdout or sys.stdout.buffer
    state_dir = os.path.join(args.store_root, "nix/var/nix") if args.store_root else "/nix/var/nix"
    stream_layered_image(
        conf,
        out,
        real_path=real_path,
        repo_tag=args.repo_tag,
        cache=cache,
        log=lambda line: print(line, file=err),
        nar_hash=store_nar_hashes(state_dir),
        verify=args.verify_layers,
    )
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
