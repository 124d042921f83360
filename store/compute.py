"""A store that only computes paths: what evaluation uses when nothing is built.

``nix-instantiate --eval`` runs in read-only mode: ``toFile``, source imports and
``derivation`` compute their store paths without writing anything. pydock's
``eval`` does the same through this class, one of the two implementations of
``protocol.Store`` (``LocalStore`` is the other, for real writes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from .derivation import Derivation, DrvHashCache
from .errors import StoreError
from .hashes import Hash
from .paths import FileIngestionMethod, StoreDir


class ComputeOnlyStore:
    """Computes store paths exactly as Nix would, remembering only what it computed."""

    def __init__(self, store_dir: str = "/nix/store") -> None:
        self.store_dir = StoreDir(store_dir)
        self._refs: dict[str, set[str]] = {}
        self._drvs: dict[str, Derivation] = {}
        self.drv_hashes = DrvHashCache(self.store_dir, load=self.read_derivation)

    def add_text(self, name: str, contents: str | bytes, references: Iterable[str]) -> str:
        refs = set(references)
        path = self.store_dir.text_path(name, contents, refs)
        self._refs[path] = refs
        return path

    def add_path(
        self,
        src: str,
        name: str,
        method: FileIngestionMethod = FileIngestionMethod.RECURSIVE,
        algo: str = "sha256",
        filter: Callable[[str], bool] | None = None,
        expected: Hash | None = None,
    ) -> str:
        path, _ = self.store_dir.compute_path_for_path(name, src, method, algo, filter)
        self._refs.setdefault(path, set())
        return path

    def add_derivation(self, drv: Derivation, describe: Callable[[str], str | None] | None = None) -> str:
        """Fill in the outputs of a fresh derivation and return its ``.drv`` path (inputs are not checked)."""
        drv_path = self.drv_hashes.instantiate(drv)
        self._drvs[drv_path] = drv
        self._refs[drv_path] = set(drv.input_srcs) | set(drv.input_drvs)
        return drv_path

    def read_derivation(self, drv_path: str) -> Derivation:
        drv = self._drvs.get(drv_path)
        if drv is None:
            raise KeyError(f"derivation '{drv_path}' is not known to this evaluation")
        return drv

    def query_references(self, path: str) -> set[str]:
        return set(self._refs.get(path, ()))

    def query_closure(self, paths: Iterable[str]) -> set[str]:
        out: set[str] = set()
        todo = list(paths)
        while todo:
            p = todo.pop()
            if p in out:
                continue
            out.add(p)
            todo.extend(self._refs.get(p, ()))
        return out

    def is_valid(self, path: str) -> bool:
        """Whether the host's store has ``path``: read-only evaluation reads the real ``/nix/store``."""
        return os.path.lexists(path)

    def ensure_valid(self, paths: Iterable[str], describe: Callable[[str], str | None] | None = None) -> None:
        """Nothing to do: in read-only mode Nix's ``storePath`` does not ensure the path either."""

    def real_path(self, store_path: str) -> str:
        """Store paths are read where they are named: evaluation reads the host's store directly."""
        if not self.store_dir.is_in_store(store_path):
            raise StoreError(f"path '{store_path}' is not in the Nix store")
        return store_path
