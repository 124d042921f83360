"""Fixtures for the builtins tests: a handle on the real ``nix-instantiate`` (Nix 2.8).

The builtins are checked differentially (see nixdiff.py). Without Nix the tests are skipped,
except in CI (``CI=true``) where a missing Nix is a failure, so a broken CI image cannot pass.
"""

from __future__ import annotations

import pytest
from nixdiff import Nix, find_nix

from nix_compat_tests.support import unavailable

_NIX: list[Nix | None] = []


@pytest.fixture(scope="session")
def nix() -> Nix:
    if not _NIX:
        _NIX.append(find_nix())
    found = _NIX[0]
    if found is None:
        unavailable("nix-instantiate not found on PATH (Debian: nix-bin)")
    return found
