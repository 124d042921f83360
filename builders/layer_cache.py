"""Remembering layer digests, so that re-streaming an image reads every file once.

A docker-archive member header carries the layer's size and its name carries the
layer's sha256, and both come *before* the layer bytes.  Without knowing the digest,
the layer has to be produced twice (once to hash, once to write) — what nixpkgs does.
Store paths are immutable, so (the ordered store paths of a layer, the ownership
stamped on it) determine the layer bytes, and a digest learnt once can be reused;
the layer is then written in a single pass and hashed on the way to check the claim.

The key also carries a cheap fingerprint of each store path's top-level inode
(device, inode, ctime): a path that was deleted and re-created (garbage-collected and
rebuilt, or a test fixture rebuilt under the same name) gets a new key.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from typing import Protocol

from pydock.builders.store_layer import Ownership, RealPath

__all__ = ["DirectoryDigestCache", "LayerDigestCache", "MemoryDigestCache", "layer_cache_key"]

# Bump when the layer byte layout changes, so old entries stop matching.
_LAYOUT_VERSION = 1


class LayerDigestCache(Protocol):
    """Where :func:`stream_layered_image` looks up and records ``key -> (sha256 hex, size)``."""

    def get(self, key: str) -> tuple[str, int] | None: ...

    def put(self, key: str, digest: str, size: int) -> None: ...

    def discard(self, key: str) -> None: ...


def layer_cache_key(paths: Sequence[str], real_path: RealPath, owner: Ownership) -> str:
    """A hex key naming the layer of ``paths`` stamped with ``owner``, as its bytes would be today."""
    prints = []
    for p in paths:
        st = os.lstat(real_path(p))
        prints.append([p, st.st_dev, st.st_ino, st.st_ctime_ns])
    doc = [_LAYOUT_VERSION, owner.mtime, owner.uid, owner.gid, owner.uname, owner.gname, prints]
    return hashlib.sha256(json.dumps(doc, separators=(",", ":")).encode("utf-8", "surrogateescape")).hexdigest()


class MemoryDigestCache:
    """A cache for one process (tests, or several images streamed by one pydock run)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, int]] = {}

    def get(self, key: str) -> tuple[str, int] | None:
        return self.entries.get(key)

    def put(self, key: str, digest: str, size: int) -> None:
        self.entries[key] = (digest, size)

    def discard(self, key: str) -> None:
        self.entries.pop(key, None)


class DirectoryDigestCache:
    """One small file per key under ``root`` (``<digest> <size>``), written atomically.

    Files rather than one JSON document so that concurrent streams never lose each
    other's entries and no lock is needed; a corrupt or unreadable entry is a miss.
    """

    def __init__(self, root: str) -> None:
        self.root = root

    def _file(self, key: str) -> str:
        return os.path.join(self.root, key[:2], key[2:])

    def get(self, key: str) -> tuple[str, int] | None:
        try:
            with open(self._file(key), encoding="ascii") as f:
                digest, size = f.read().split()
            if len(digest) != 64 or not size.isdigit():
                return None
            return digest, int(size)
        except (OSError, ValueError):
            return None

    def put(self, key: str, digest: str, size: int) -> None:
        path = self._file(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(f"{digest} {size}\n")
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs a second pass next time

    def discard(self, key: str) -> None:
        try:
            os.unlink(self._file(key))
        except OSError:
            pass
