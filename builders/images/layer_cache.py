"""Remembering layer digests, so that re-streaming an image reads every file once, and hashes none.

A docker-archive member header carries the layer's size and its name carries the
layer's sha256, and both come *before* the layer bytes.  Without knowing the digest,
the layer has to be produced twice (once to hash, once to write) — what nixpkgs does.

Two kinds of key name a layer:

* :func:`layer_content_key` — what makes the layer's bytes: its store paths in order,
  each with the NarHash the store registered for it, and the ownership and mtime
  stamped on every entry.  A store path's contents are fixed by its NarHash (store
  files are canonical: modes 0444/0555, no owners or times of their own), so a digest
  found under this key is trusted and the layer is written without being hashed again
  (``--verify-layers`` re-hashes it anyway).  :class:`NarHashes` reads the hashes from
  the store's database (Nix's own, or pydock's in Nix's schema).
* :func:`layer_cache_key` — for paths no database vouches for (a bare directory tree):
  the paths with a cheap fingerprint of their top-level inode (device, inode, ctime),
  so a path deleted and re-created gets a new key.  A digest found under it is checked
  by hashing the bytes on their way out.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from typing import Protocol

from pydock.builders.images.store_layer import Ownership, RealPath

__all__ = [
    "DirectoryDigestCache",
    "LayerDigestCache",
    "MemoryDigestCache",
    "SqliteDigestCache",
    "NarHashes",
    "default_digest_cache",
    "layer_cache_key",
    "layer_content_key",
    "layer_key",
    "store_digest_db",
    "store_nar_hashes",
]

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


def layer_content_key(paths: Sequence[str], nar_hashes: Sequence[str], owner: Ownership) -> str:
    """A hex key for the layer of ``paths`` (their registered NarHashes are ``nar_hashes``) stamped with ``owner``."""
    doc = [
        _LAYOUT_VERSION,
        "nar",
        owner.mtime,
        owner.uid,
        owner.gid,
        owner.uname,
        owner.gname,
        [[p, h] for p, h in zip(paths, nar_hashes, strict=True)],
    ]
    return hashlib.sha256(json.dumps(doc, separators=(",", ":")).encode("utf-8", "surrogateescape")).hexdigest()


def layer_key(
    paths: Sequence[str], real_path: RealPath, owner: Ownership, nar_hash: Callable[[str], str | None] | None = None
) -> tuple[str, bool]:
    """The digest-cache key of the layer of ``paths``, and whether a digest found under it is trusted.

    With every path's registered NarHash known (``nar_hash``) the key names the layer's
    contents and its digest needs no re-hash; otherwise it is the inode fingerprint,
    whose digest is checked as the layer is read.
    """
    hashes = [nar_hash(p) for p in paths] if nar_hash is not None else None
    if hashes is not None and all(hashes):
        return layer_content_key(paths, hashes, owner), True  # type: ignore[arg-type]
    return layer_cache_key(paths, real_path, owner), False


class NarHashes:
    """``path -> NarHash`` from a store database in Nix's schema, opened read-only; ``None`` when unknown.

    A database that is missing, unreadable or not Nix's answers ``None`` for every
    path (the caller then falls back to checked inode keys); it is never created.
    """

    def __init__(self, db_file: str) -> None:
        self.db_file = db_file
        self._conn: sqlite3.Connection | None = None
        self._broken = False

    def __call__(self, path: str) -> str | None:
        if self._broken:
            return None
        try:
            if self._conn is None:
                if not os.path.exists(self.db_file):
                    self._broken = True
                    return None
                uri = pathlib.Path(self.db_file).absolute().as_uri() + "?mode=ro"
                self._conn = sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)
            row = self._conn.execute("select hash from ValidPaths where path = ?", (path,)).fetchone()
        except sqlite3.Error:
            self._broken = True
            return None
        return row[0] if row is not None and isinstance(row[0], str) and row[0] else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def store_nar_hashes(state_dir: str) -> NarHashes:
    """The NarHashes of the store whose Nix state lives in ``state_dir`` (``db/db.sqlite`` there)."""
    return NarHashes(os.path.join(state_dir, "db", "db.sqlite"))


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


class SqliteDigestCache:
    """The digests kept with the store: one SQLite table beside Nix's database.

    The store's paths are what the digests describe, so their record lives in
    the store's state directory (``nix/var/nix/pydock/layer-digests.sqlite``),
    shared by every user and process of that store and gone with it.  It is a
    separate file, not a table in ``db.sqlite``, so that Nix's own database stays
    exactly what Nix creates.  WAL mode and a busy timeout let concurrent streams
    share it; any SQLite error counts as a miss (or a lost entry), never a failure.
    """

    _SCHEMA = (
        "create table if not exists LayerDigests ("
        "key text primary key not null, sha256 text not null, size integer not null)"
    )

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None:
            try:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                conn.execute("pragma journal_mode = wal")
                conn.execute(self._SCHEMA)
                self._conn = conn
            except (OSError, sqlite3.Error):
                return None
        return self._conn

    def get(self, key: str) -> tuple[str, int] | None:
        conn = self._connect()
        if conn is None:
            return None
        try:
            row = conn.execute("select sha256, size from LayerDigests where key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        if row is None or not isinstance(row[0], str) or len(row[0]) != 64 or not isinstance(row[1], int):
            return None
        return row[0], row[1]

    def put(self, key: str, digest: str, size: int) -> None:
        conn = self._connect()
        if conn is None:
            return
        try:
            sql = "insert or replace into LayerDigests (key, sha256, size) values (?, ?, ?)"
            conn.execute(sql, (key, digest, size))
        except sqlite3.Error:
            pass  # a cache that cannot be written only costs a second pass next time

    def discard(self, key: str) -> None:
        conn = self._connect()
        if conn is None:
            return
        try:
            conn.execute("delete from LayerDigests where key = ?", (key,))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def store_digest_db(state_dir: str) -> str:
    """Where a store whose Nix state lives in ``state_dir`` keeps its layer digests."""
    return os.path.join(state_dir, "pydock", "layer-digests.sqlite")


def _user_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pydock", "layer-digests")


def default_digest_cache(state_dir: str | None) -> LayerDigestCache:
    """``$PYDOCK_DIGEST_CACHE`` (a directory) if set; else the store's table if it can be written; else ~/.cache."""
    explicit = os.environ.get("PYDOCK_DIGEST_CACHE")
    if explicit:
        return DirectoryDigestCache(explicit)
    if state_dir is not None:
        path = store_digest_db(state_dir)
        probe = path if os.path.exists(path) else os.path.dirname(path)
        while not os.path.exists(probe):
            probe = os.path.dirname(probe)
        if os.access(probe, os.W_OK):
            return SqliteDigestCache(path)
    return DirectoryDigestCache(_user_cache_dir())
