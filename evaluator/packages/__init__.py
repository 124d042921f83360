"""Packages from a package index (``nix-env -qaP --json --out-path`` output) for pydock's ``<nixpkgs>``.

Modules: ``index_file`` (read and check the JSON), ``index_cache`` (the per-file
SQLite/marshal cache that keeps a big index cheap), ``package_values`` (index
entries as derivation-like values), ``package_set`` (lazy sets and the fill into
the prelude's package set), ``locate`` (which index a run uses), ``index_writer``
(``pydock index``: an index made by real ``nix-env``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .locate import resolve_index_path

if TYPE_CHECKING:
    from .index_file import PackageIndexError
    from .package_set import PackageIndex
    from .package_values import IndexPackage

# The index machinery (SQLite, marshal, lzma) loads only when a run has an index: an
# evaluation without one imports just ``locate``.
_LAZY = {
    "PackageIndexError": ".index_file",
    "PackageIndex": ".package_set",
    "IndexPackage": ".package_values",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = ["IndexPackage", "PackageIndex", "PackageIndexError", "resolve_index_path"]
