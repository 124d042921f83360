"""The LocalStore and ``pydock build`` tests' fixtures, shared with ``tests/builders/realisation/``."""

from __future__ import annotations

from localstore_fixtures import nix_store, nix_view, oracle, sandbox, store, store_root  # noqa: F401
