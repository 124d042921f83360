"""A per-file cache of a package index, so a 120,000-entry index costs almost nothing.

Parsing tens of MB of JSON on every ``pydock eval`` would cost a second or more,
while a file typically touches a handful of packages.  The first use of an
index converts it into two files under ``$XDG_CACHE_HOME/pydock/package-index``
(default ``~/.cache``), named after the index file's real path, size, mtime and
inode (so an edited or replaced index is converted again):

* ``KEY.names`` — the top-level attribute names, newline-separated: one read and
  one ``split`` (far faster than unmarshalling 100,000 strings) give the package
  set's keys;
* ``KEY.sqlite`` — one row per attribute path with its entry (marshalled), read
  only for the attributes a file forces, and range-scanned by prefix to build a
  nested set (``python3Packages``) when it is first used.

Both are written under temporary names and renamed, the names file last (it
marks a complete cache), so a crash or a concurrent run never leaves a half
cache in use.  When the cache directory cannot be written, the index is loaded
into an in-memory database instead (slower, still correct).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from typing import Any

from .index_file import PackageIndexError, index_identity, read_index

__all__ = ["IndexCache", "cache_dir", "open_index_cache"]

# Bump when the cache layout changes, so old caches are not misread.
_FORMAT = "pydock-package-index-2"


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pydock", "package-index")


class IndexCache:
    """Read access to one converted index: top-level names, entries, children of a prefix."""

    def __init__(self, conn: sqlite3.Connection, top_names: list[str], location: str = ":memory:") -> None:
        self._conn = conn
        self.top_names = top_names
        self.location = location

    def _query(self, sql: str, args: tuple[str, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise PackageIndexError(
                f"the package index cache '{self.location}' is damaged ({e}); delete it to have it made again"
            ) from None

    def entry(self, attr_path: str) -> dict[str, Any] | None:
        rows = self._query("SELECT data FROM entries WHERE path = ?", (attr_path,))
        return marshal.loads(rows[0][0]) if rows else None

    def child_names(self, prefix: str) -> list[str]:
        """The distinct next components of the attribute paths below ``prefix`` (``a.b`` -> ``c`` of ``a.b.c.d``)."""
        lo = prefix + "."
        hi = prefix + "/"  # '/' sorts right after '.', so [lo, hi) is every path below prefix
        seen: dict[str, None] = {}
        n = len(lo)
        for (path,) in self._query("SELECT path FROM entries WHERE path >= ? AND path < ?", (lo, hi)):
            seen[path[n:].split(".", 1)[0]] = None
        return list(seen)


def _key(path: str, store_dir: str) -> str:
    real, size, mtime_ns, ino = index_identity(path)
    text = f"{_FORMAT}\0{store_dir}\0{real}\0{size}\0{mtime_ns}\0{ino}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _top_names(paths: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(p.split(".", 1)[0] for p in paths))


def _fill(conn: sqlite3.Connection, data: dict[str, dict[str, Any]]) -> None:
    conn.execute("CREATE TABLE entries (path TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID")
    conn.executemany(
        "INSERT INTO entries VALUES (?, ?)", ((p, marshal.dumps(e)) for p, e in sorted(data.items()))
    )
    conn.commit()


def _write_cache(directory: str, key: str, data: dict[str, dict[str, Any]], names: list[str]) -> None:
    os.makedirs(directory, exist_ok=True)
    db_fd, db_tmp = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".sqlite")
    os.close(db_fd)
    names_fd, names_tmp = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".names")
    try:
        conn = sqlite3.connect(db_tmp)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            _fill(conn, data)
        finally:
            conn.close()
        with os.fdopen(names_fd, "wb") as f:
            f.write("\n".join(names).encode("utf-8", "surrogateescape"))
        os.replace(db_tmp, os.path.join(directory, key + ".sqlite"))
        os.replace(names_tmp, os.path.join(directory, key + ".names"))
    except BaseException:
        for tmp in (db_tmp, names_tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise


def open_index_cache(path: str, store_dir: str = "/nix/store") -> IndexCache:
    """The cache of the index at ``path``, converting (and checking) the index on first use."""
    key = _key(path, store_dir)
    directory = cache_dir()
    names_file = os.path.join(directory, key + ".names")
    db_file = os.path.join(directory, key + ".sqlite")
    try:
        with open(names_file, "rb") as f:
            text = f.read().decode("utf-8", "surrogateescape")
        names = text.split("\n") if text else []
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, check_same_thread=False)
        return IndexCache(conn, names, db_file)
    except (OSError, sqlite3.Error):
        pass
    data = read_index(path, store_dir)
    names = _top_names(iter(data))
    try:
        _write_cache(directory, key, data, names)
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, check_same_thread=False)
    except (OSError, sqlite3.Error):
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        _fill(conn, data)
        return IndexCache(conn, names)
    return IndexCache(conn, names, db_file)
