"""Checking a store against its database, as ``nix-store --verify [--check-contents]`` does.

Two checks, in Nix's order and with Nix's messages:

* existence: every valid path must exist under the store root.  A missing path
  that nothing refers to is dropped from the database ("disappeared, removing
  from database..."); one with valid referrers is an error, since removing it
  would leave them dangling;
* contents (``check_contents``): the files of ``.links`` must hash to their
  names, and the NAR of every valid path is hashed again
  and compared with the recorded ``narHash`` (and size), which finds a file
  altered after the path was registered.

``verify_store`` returns True when errors remain, the condition on which
``nix-store --verify`` warns "not all store errors were fixed" and exits 1.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

from .hashes import Hash
from .local import LocalStore
from .nar import dump_path, nar_hash

__all__ = ["verify_store"]

Log = Callable[[str], None]


def _no_log(_msg: str) -> None:
    pass


def verify_store(
    store: LocalStore,
    check_contents: bool = False,
    log: Log = _no_log,
    error: Log = _no_log,
    on_bytes: Callable[[int], None] | None = None,
) -> bool:
    """Run the checks; ``log`` gets progress lines, ``error`` the problems; True if any problem remains.

    ``on_bytes`` is told how many NAR bytes were hashed (for a progress display).
    """
    errors = False
    log("reading the Nix store...")
    valid = sorted(store.query_all_valid_paths())
    log("checking path existence...")
    missing = [p for p in valid if not os.path.lexists(store.real_path(p))]
    for path in missing:
        referrers = store.query_referrers(path) - {path} - set(missing)
        if referrers:
            error(f"path '{path}' disappeared, but it still has valid referrers!")
            errors = True
        else:
            error(f"path '{path}' disappeared, removing from database...")
            _invalidate_one(store, path)
    if check_contents:
        log("checking link hashes...")
        errors |= _check_links(store, error)
        log("checking store hashes...")
        gone = set(missing)
        for path in valid:
            if path in gone:
                continue
            info = store.query_path_info(path)
            hasher = hashlib.new(info.nar_hash.algo)

            def sink(data: bytes, hasher=hasher) -> None:  # noqa: ANN001 - hashlib object
                hasher.update(data)
                if on_bytes is not None:
                    on_bytes(len(data))

            size = dump_path(store.real_path(path), sink)
            current = Hash(info.nar_hash.algo, hasher.digest())
            if current.digest != info.nar_hash.digest:
                error(
                    f"path '{path}' was modified! expected hash '{info.nar_hash.to_string('base32', True)}', "
                    f"got '{current.to_string('base32', True)}'"
                )
                errors = True
            elif info.nar_size and info.nar_size != size:
                error(f"path '{path}' was modified! expected size {info.nar_size}, got {size}")
                errors = True
    return errors


def _check_links(store: LocalStore, error: Log) -> bool:
    """``.links/<base32 NAR hash>`` files (hard-link deduplication) must still hash to their name."""
    links = os.path.join(store.real_store_dir, ".links")
    try:
        names = sorted(os.listdir(links))
    except FileNotFoundError:
        return False
    bad = False
    for name in names:
        current = nar_hash(os.path.join(links, name))[0].to_string("base32")
        if current != name:
            error(f"link '{os.path.join(links, name)}' was modified! expected hash '{name}', got '{current}'")
            bad = True
    return bad


def _invalidate_one(store: LocalStore, path: str) -> None:
    def body(conn) -> None:  # noqa: ANN001 - sqlite3.Connection
        conn.execute("delete from Refs where referrer = (select id from ValidPaths where path = ?)", (path,))
        conn.execute("delete from ValidPaths where path = ?", (path,))

    store.db.transaction(body)
