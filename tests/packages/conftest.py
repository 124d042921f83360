"""Fixtures of the package-index tests: the fake nixpkgs, built and indexed once per session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from packages_support import FakeIndex, ServedCache, build_fake_index, serve_cache  # noqa: E402


@pytest.fixture(scope="session")
def fake(tmp_path_factory: pytest.TempPathFactory) -> FakeIndex:
    return build_fake_index(tmp_path_factory.mktemp("fake-nixpkgs"))


@pytest.fixture(scope="session")
def served_cache(fake: FakeIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedCache]:
    """A signed zstd binary cache of the fake packages that images use, made by real Nix, served over HTTP."""
    yield from serve_cache(fake, tmp_path_factory.mktemp("index-cache"))
