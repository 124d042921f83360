"""Packages from a package index (``nix-env -qaP --json --out-path`` output) for pydock's ``<nixpkgs>``.

Modules: ``index_file`` (read and check the JSON), ``index_cache`` (the per-file
SQLite/marshal cache that keeps a big index cheap), ``package_values`` (index
entries as derivation-like values), ``package_set`` (lazy sets and the fill into
the prelude's package set), ``locate`` (which index a run uses), ``index_writer``
(``pydock index``: an index made by real ``nix-env``).
"""

from .index_file import PackageIndexError
from .locate import resolve_index_path
from .package_set import PackageIndex
from .package_values import IndexPackage

__all__ = ["IndexPackage", "PackageIndex", "PackageIndexError", "resolve_index_path"]
