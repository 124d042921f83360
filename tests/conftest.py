"""Shared fixtures for unit tests: the real Nix oracle when a test needs one."""

from __future__ import annotations

import os
import subprocess

import pytest

from nix_compat_tests.support import require_tool


def pytest_configure(config: pytest.Config) -> None:
    """Tests run offline: switch off Nix's default cache (cache.nixos.org) for pydock and Nix alike.

    Otherwise every ``pydock build`` would print Nix's one "unable to download" warning, and
    every ``nix-build`` would spend seconds retrying.  Tests of substitution bring their own
    caches (``tests/substituters``) and their own environment.
    """
    os.environ.setdefault("NIX_CONFIG", "substituters =")


@pytest.fixture(scope="session")
def nix_eval():
    """Evaluate an expression with real ``nix-instantiate --eval --strict`` (the oracle)."""
    exe = require_tool("nix-instantiate")

    def run(expr: str, *flags: str) -> subprocess.CompletedProcess:
        return subprocess.run([exe, "--eval", "--strict", *flags, "-E", expr], capture_output=True, text=True)

    return run
