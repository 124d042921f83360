"""Fixtures of the realisation tests: the same real-Nix stores and sandbox probe as ``tests/localstore/``."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "localstore"))

from localstore_fixtures import nix_store, nix_view, oracle, sandbox, store, store_root  # noqa: E402, F401
