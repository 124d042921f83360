"""Where nixpkgs' own files live for the tests that run them as oracles.

``../shared/reference/nixpkgs/`` (beside the checkout) holds unmodified files from nixpkgs:
``stream_layered_image.py``, ``auto-layer.py``, ``closure-graph.py`` and a ``lib/`` that Nix 2.8
evaluates.  Tests run them from there and never copy them.  ``PYDOCK_NIXPKGS_REFERENCE`` names
another directory with the same layout.  A missing file skips the test, and fails it under
``CI=true`` like every other missing oracle.
"""

from __future__ import annotations

import os
from pathlib import Path

from nix_compat_tests.support import unavailable

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "reference" / "nixpkgs"

STREAM_LAYERED_IMAGE = "pkgs/build-support/docker/stream_layered_image.py"
AUTO_LAYER = "pkgs/build-support/docker/auto-layer.py"
CLOSURE_GRAPH = "pkgs/build-support/references-by-popularity/closure-graph.py"
LIB = "lib"


def reference_root() -> Path:
    return Path(os.environ.get("PYDOCK_NIXPKGS_REFERENCE") or DEFAULT)


def nixpkgs_file(relative: str) -> Path:
    """The path of one of nixpkgs' files; skips (fails under CI=true) when it is not there."""
    path = reference_root() / relative
    if not path.exists():
        message = f"nixpkgs' {relative} (the oracle) is missing: expected at {path} (set PYDOCK_NIXPKGS_REFERENCE)"
        unavailable(message)
    return path
