"""Fixtures of the package-index tests: the fake nixpkgs, built and indexed once per session."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from packages_support import FakeIndex, build_fake_index  # noqa: E402


@pytest.fixture(scope="session")
def fake(tmp_path_factory: pytest.TempPathFactory) -> FakeIndex:
    return build_fake_index(tmp_path_factory.mktemp("fake-nixpkgs"))
