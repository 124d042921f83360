"""The store's error classes, in a module of their own.

Light modules (settings, narinfo, signatures) raise them too; importing them
from here keeps those modules from pulling in ``local.py`` and its database
code, so ``pydock eval`` (which reads the settings for ``packages``) starts
without loading the local store.
"""

from __future__ import annotations

__all__ = ["InvalidPath", "StoreError"]


class StoreError(Exception):
    """A store operation that failed in a way Nix reports as ``error: …``."""


class InvalidPath(StoreError):
    """A path that is not (or no longer) valid in the store."""
