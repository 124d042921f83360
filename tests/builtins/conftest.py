"""Fixtures for the builtins tests: a handle on the real ``nix-instantiate`` (Nix 2.8).

The builtins are checked differentially (see nixdiff.py). Without Nix the tests are skipped,
except in CI (``CI=true``) where a missing Nix is a failure, so a broken CI image cannot pass.
"""

from __future__ import annotations

import os

import pytest
from nixdiff import Nix, find_nix

_NIX: list[Nix | None] = []


@pytest.fixture(scope="session")
def nix() -> Nix:
    if not _NIX:
        _NIX.append(find_nix())
    found = _NIX[0]
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nix-instantiate is required in CI for the differential builtins tests")
        pytest.skip("nix-instantiate not found")
    return found
