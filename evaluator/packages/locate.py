"""Which package index a run uses: ``--packages FILE``, else ``$PYDOCK_PACKAGES``.

One function, so that later sources (pydock's configuration file) slot in here
in one place, after the flag and the environment.
"""

from __future__ import annotations

import os

__all__ = ["resolve_index_path"]

ENV_VAR = "PYDOCK_PACKAGES"


def resolve_index_path(flag: str | None, configured: str | None = None) -> str | None:
    """The index file for this run: the flag, else ``$PYDOCK_PACKAGES``, else ``configured`` (config file)."""
    for candidate in (flag, os.environ.get(ENV_VAR), configured):
        if candidate:
            return os.path.abspath(os.path.expanduser(candidate))
    return None
