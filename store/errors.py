"""The store's error family, in a module of its own.

``StoreError`` is the base of every error raised under ``store/`` (paths, hashes,
NAR, ``.drv`` files, settings, substitution). Light modules (base32, hashes,
settings, narinfo, signatures) raise them too; importing them from here keeps
those modules from pulling in ``local.py`` and its database code, so ``pydock
eval`` (which reads the settings for ``packages``) starts without loading the
local store.
"""

from __future__ import annotations

from pydock.errors import PydockError

__all__ = ["InvalidPath", "StoreError"]


class StoreError(PydockError):
    """A store operation that failed in a way Nix reports as ``error: …``."""


class InvalidPath(StoreError):
    """A path that is not (or no longer) valid in the store."""
