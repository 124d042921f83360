"""Fixtures: real binary caches (``cache_fixture.py``) served over file:// and http://."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from cache_fixture import BinaryCaches, HttpServer, make_binary_caches  # noqa: E402


@pytest.fixture(scope="session")
def binary_caches(tmp_path_factory: pytest.TempPathFactory) -> BinaryCaches:
    return make_binary_caches(tmp_path_factory.mktemp("binary-caches"))


@pytest.fixture(scope="session")
def cache_server(binary_caches: BinaryCaches) -> Iterator[HttpServer]:
    """All caches over HTTP: ``{server.url}/<compression>``."""
    server = HttpServer(binary_caches.workdir / "caches")
    yield server
    server.stop()


@pytest.fixture
def fresh_root(tmp_path: Path) -> Path:
    return tmp_path / "store"
