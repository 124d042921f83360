"""Reading build logs back: what ``pydock log`` (and Nix's ``nix log``) prints.

Builders' logs are written by ``builders/realisation/buildlog.py`` into Nix's
layout, ``<root>/nix/var/log/nix/drvs/<2 chars>/<rest>.bz2``, so a log is found
from the ``.drv`` path alone.  Given an output path instead, the deriver
recorded in the database (or any valid derivation that lists the path as an
output) leads to the log, as ``nix log`` does.
"""

from __future__ import annotations

import bz2
import os

from .errors import StoreError
from .local import LocalStore
from .paths import DRV_EXTENSION

__all__ = ["BuildLogMissing", "read_build_log", "to_store_path"]


class BuildLogMissing(StoreError):
    """No log is kept for a path (substituted, added from a file, or never built here)."""


def to_store_path(store: LocalStore, arg: str) -> str:
    """The logical store path an argument names: a store path, its physical location, or a link to either.

    ``result`` links point at the physical location under the store root, so they
    are followed; a file inside a store path names that store path.
    """
    candidates = [arg]
    if os.path.islink(arg):
        candidates.insert(0, os.path.realpath(arg))
    for c in candidates:
        c = os.path.abspath(c)
        for prefix in (store.real_store_dir, store.store_dir.path):
            if c.startswith(prefix + "/"):
                name = c[len(prefix) + 1 :].split("/", 1)[0]
                if name:
                    return store.store_dir.path + "/" + name
    raise StoreError(f"path '{arg}' is not in the Nix store")


def _derivers(store: LocalStore, path: str) -> list[str]:
    if path.endswith(DRV_EXTENSION):
        return [path]
    found: list[str] = []
    if store.is_valid(path):
        deriver = store.query_path_info(path).deriver
        if deriver:
            found.append(deriver)
    found.extend(sorted(store.query_valid_derivers(path) - set(found)))
    return found


def read_build_log(store: LocalStore, path: str) -> bytes:
    """The full log of the build of ``path`` (a ``.drv`` or an output), decompressed."""
    derivers = _derivers(store, path)
    for drv in derivers:
        compressed = store.build_log_path(drv)
        for candidate, opener in ((compressed, bz2.open), (compressed[: -len(".bz2")], open)):
            try:
                with opener(candidate, "rb") as f:
                    return f.read()
            except FileNotFoundError:
                continue
            except OSError as e:  # a truncated or corrupt .bz2
                raise StoreError(f"cannot read the build log '{candidate}': {e}") from None
    if not derivers and not store.is_valid(path):
        raise StoreError(f"path '{path}' is not valid")
    raise BuildLogMissing(f"build log of '{path}' is not available")
