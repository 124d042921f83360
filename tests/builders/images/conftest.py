"""Fixtures for image tests: fake stores, confs, and the real container tools as oracles."""

from __future__ import annotations

import os
import sys

import pytest

from nix_compat_tests.support import require_tools

sys.path.insert(0, os.path.dirname(__file__))

from fakestore import STORE_DIR, sample_store  # noqa: E402


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """A pydock-layout store (logical /nix/store under a temp root) with every entry kind and 120 tiny paths."""
    root = str(tmp_path_factory.mktemp("store-root"))
    return sample_store(STORE_DIR, root, many=120)


@pytest.fixture(scope="session")
def oci_tools():
    """skopeo and umoci, the real clients that must accept the archives; missing under CI is a failure."""
    require_tools("skopeo", "umoci", package="skopeo, umoci")
    return True
