"""Fixtures for differential tests of ``pydock.store`` against the real Nix 2.8 binaries.

Every expectation in these tests comes from running Nix itself on the same
input, so the binaries are required.  Without them the tests are skipped on a
developer machine but fail under CI (``CI=true``), where a silent skip would
hide a broken environment.  Nix is always pointed at a private store under a
temporary directory (``--store local?root=DIR``), never at the machine's own.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nix_compat_tests.support import require_tools

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _ensure_importable() -> None:
    """Make ``pydock.store`` importable from a plain checkout.

    pyproject maps ``pydock.<sub>`` to the top-level ``<sub>/`` directories; when
    the project is not installed, adding the repository root to ``pydock``'s
    package path reproduces exactly that mapping.
    """
    try:
        importlib.import_module("pydock.store")
        return
    except ModuleNotFoundError:
        pass
    if str(_REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(_REPO_ROOT))
    pydock = importlib.import_module("pydock")
    if str(_REPO_ROOT) not in pydock.__path__:
        pydock.__path__.append(str(_REPO_ROOT))
    importlib.import_module("pydock.store")


_ensure_importable()

from store_nixtools import Nix, make_writable  # noqa: E402  (after the path set-up above)

NIX_BINARIES = ("nix-store", "nix-hash", "nix-instantiate", "nix")


@pytest.fixture(scope="session")
def nix_bins() -> dict[str, str]:
    """Absolute paths of the Nix binaries (the oracles of these tests)."""
    return require_tools(*NIX_BINARIES)


@pytest.fixture(scope="module")
def nix(nix_bins: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nix]:
    """A Nix runner with a fresh private store shared by one test module."""
    root = tmp_path_factory.mktemp("nixroot")
    yield Nix(nix_bins, root)
    make_writable(root)
