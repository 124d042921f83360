"""Fixtures for the LocalStore / realise / ``pydock build`` tests.

Real Nix is the oracle: without ``nix-store`` these tests skip, except under
CI (``CI=true``) where they fail.  Building needs the kernel features of
pydock's sandbox (user and mount namespaces); where they are missing the build
tests are skipped with the sandbox's own error message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from localstore_support import NixStore, make_writable, require_nix, shell_drv
from pydock.store.local import LocalStore


@pytest.fixture
def oracle() -> None:
    require_nix()


@pytest.fixture
def store_root(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "pydock-store"
    yield root
    make_writable(tmp_path)


@pytest.fixture
def store(store_root: Path) -> Iterator[LocalStore]:
    s = LocalStore(str(store_root))
    yield s
    s.close()


@pytest.fixture
def nix_view(oracle: None, store_root: Path) -> NixStore:
    """Real Nix pointed at pydock's store."""
    return NixStore(store_root)


@pytest.fixture
def nix_store(oracle: None, tmp_path: Path) -> NixStore:
    """A separate, Nix-owned store for building the same derivations with Nix."""
    return NixStore(tmp_path / "nix-store")


_SANDBOX_OK: list[str | None] = []


@pytest.fixture
def sandbox(store: LocalStore) -> None:
    """Skip build tests where pydock's sandbox cannot be created (no user/mount namespaces)."""
    if not _SANDBOX_OK:
        from pydock.builders.realise import BuildError, realise
        from pydock.builders.sandbox import SandboxError

        drv = shell_drv("probe", "echo ok > $out")
        try:
            realise(store, store.add_derivation(drv))
            _SANDBOX_OK.append(None)
        except (SandboxError, BuildError) as e:
            _SANDBOX_OK.append(str(e))
    if _SANDBOX_OK[0] is not None:
        pytest.skip(f"pydock's build sandbox is unavailable here: {_SANDBOX_OK[0]}")
