"""``Store``: what evaluation needs from a store, as a typed protocol.

Two classes implement it: ``compute.ComputeOnlyStore`` (``pydock eval``: paths are
computed, nothing is written, like ``nix-instantiate --eval`` in read-only mode) and
``local.LocalStore`` (``instantiate``/``build``: a real Nix store with substitution).
``EvalState`` and the builtins are typed with this protocol, so a third store (a
remote one, an in-memory one for tests) only has to provide these members, with these
signatures; ``tests/store/test_store_protocol.py`` holds both classes to it.

The model is tvix's ``EvalIO`` trait: the evaluator names the few operations it
performs on the outside world and leaves how to a pluggable implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

from .derivation import Derivation
from .hashes import Hash
from .paths import FileIngestionMethod, StoreDir

__all__ = ["Store"]


@runtime_checkable
class Store(Protocol):
    """The store operations the evaluator performs (see the module docstring)."""

    store_dir: StoreDir
    """The logical store directory (``/nix/store``) and its path arithmetic."""

    def add_text(self, name: str, contents: str | bytes, references: Iterable[str]) -> str:
        """A text object (``builtins.toFile``, ``.drv`` files); returns its store path."""
        ...

    def add_path(
        self,
        src: str,
        name: str,
        method: FileIngestionMethod = FileIngestionMethod.RECURSIVE,
        algo: str = "sha256",
        filter: Callable[[str], bool] | None = None,
        expected: Hash | None = None,
    ) -> str:
        """A local file or tree imported by content (``./src``, ``builtins.path``, ``filterSource``)."""
        ...

    def add_derivation(self, drv: Derivation, describe: Callable[[str], str | None] | None = None) -> str:
        """Fill in the output paths of a fresh derivation and return its ``.drv`` path."""
        ...

    def read_derivation(self, drv_path: str) -> Derivation:
        """A derivation this store holds (or instantiated in this session)."""
        ...

    def query_references(self, path: str) -> set[str]:
        """The store paths ``path`` refers to."""
        ...

    def query_closure(self, paths: Iterable[str]) -> set[str]:
        """Every path reachable from ``paths`` through references, ``paths`` included."""
        ...

    def is_valid(self, path: str) -> bool:
        """Whether ``path`` exists in this store (may be read)."""
        ...

    def ensure_valid(self, paths: Iterable[str], describe: Callable[[str], str | None] | None = None) -> None:
        """Make ``paths`` valid, substituting what is missing (Nix's ``ensurePath``), or raise a ``StoreError``."""
        ...

    def real_path(self, store_path: str) -> str:
        """Where ``store_path`` (or a file inside it) can be read on this machine."""
        ...
