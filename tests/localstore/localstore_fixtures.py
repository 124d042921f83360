"""Fixtures for the LocalStore / realise / ``pydock build`` tests (``tests/localstore/`` and
``tests/builders/realisation/``; each folder's conftest imports them).

Real Nix is the oracle: without ``nix-store`` these tests skip, except under
CI (``CI=true``) where they fail.  Building needs the kernel features of
pydock's sandbox (user and mount namespaces); where they are missing the build
tests are skipped with the sandbox's own error message (failed under CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from localstore_support import NixStore, make_writable, shell_drv
from pydock.store.local import LocalStore

from nix_compat_tests.support import require_tools, unavailable


@pytest.fixture
def oracle() -> None:
    require_tools("nix-store", "nix-instantiate")


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


#: The sandbox's own wording when the kernel refuses the namespaces (builders/realisation/_sandbox_child.py).
NAMESPACES_UNAVAILABLE = "cannot create the namespaces for the build sandbox"

_SANDBOX_OK: list[str | None] = []


@pytest.fixture
def sandbox(store: LocalStore) -> None:
    """Skip build tests only where the kernel refuses pydock's namespaces; fail under CI=true.

    The probe builds one trivial derivation.  Only a ``SandboxError`` carrying the sandbox's
    "cannot create the namespaces" message means "this machine cannot run builds"; any other
    failure (a ``BuildError``, a failed mount, a bug in ``realise``) propagates and fails the
    test, so that a broken builder can never show up as a row of skips.
    """
    if not _SANDBOX_OK:
        from pydock.builders.realisation.realise import realise
        from pydock.builders.realisation.sandbox import SandboxError

        drv = shell_drv("probe", "echo ok > $out")
        try:
            realise(store, store.add_derivation(drv))
            _SANDBOX_OK.append(None)
        except SandboxError as e:
            if NAMESPACES_UNAVAILABLE not in str(e):
                raise
            _SANDBOX_OK.append(str(e))
    if _SANDBOX_OK[0] is not None:
        message = f"pydock's build sandbox is unavailable here: {_SANDBOX_OK[0]}"
        unavailable(message)
