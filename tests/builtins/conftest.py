"""Shared fixtures for the builtins tests: a handle on the real ``nix-instantiate`` (Nix 2.8).

The builtins are checked differentially: the same expression is evaluated by real Nix and by our
Python implementation, and the JSON texts are compared. Without Nix the tests are skipped, except
in CI (``CI=true``) where a missing Nix is a failure, so a broken CI image cannot pass silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def nix_str(s: str) -> str:
    """A Nix string literal denoting exactly ``s`` (``$`` is escaped so nothing interpolates)."""
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "$":
            out.append("\\$")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class NixFailed(Exception):
    """Nix reported an error; ``message`` is its text without the ``error:`` prefix and location."""

    def __init__(self, message: str, stderr: str) -> None:
        super().__init__(message)
        self.message = message
        self.stderr = stderr


def _error_message(stderr: str) -> str:
    lines = stderr.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("error: "):
            msg = [line[len("error: ") :]]
            for cont in lines[i + 1 :]:
                if not cont.strip():
                    break
                msg.append(cont[len("       ") :] if cont.startswith("       ") else cont)
            return "\n".join(msg)
    return stderr.strip()


class Nix:
    """Runs ``nix-instantiate --eval`` on expressions and returns the raw JSON text it prints."""

    def __init__(self, exe: str, env: dict[str, str]) -> None:
        self.exe = exe
        self.env = env

    def run(self, expr: str, *flags: str) -> str:
        proc = subprocess.run(
            [self.exe, "--eval", *flags, "-E", expr],
            capture_output=True,
            env=self.env,
            cwd=tempfile.gettempdir(),
            timeout=120,
        )
        out = proc.stdout.decode("utf-8", "surrogateescape")
        err = proc.stderr.decode("utf-8", "surrogateescape")
        if proc.returncode != 0:
            raise NixFailed(_error_message(err), err)
        return out[:-1] if out.endswith("\n") else out

    def json(self, expr: str) -> str:
        """The ``--strict --json`` output of one expression."""
        return self.run(expr, "--strict", "--json")

    def json_many(self, exprs: list[str]) -> list[str]:
        """The ``toJSON`` text of each expression, in one Nix run (falls back to one run each)."""
        if not exprs:
            return []
        batch = "map builtins.toJSON [ " + " ".join(f"({e})" for e in exprs) + " ]"
        try:
            return json.loads(self.json(batch))
        except NixFailed:
            return [self.json(e) for e in exprs]

    def error(self, expr: str) -> str:
        """The error message Nix prints for ``expr`` (which must fail)."""
        try:
            out = self.json(expr)
        except NixFailed as e:
            return e.message
        raise AssertionError(f"nix evaluated {expr!r} without error: {out}")


def _find_nix() -> Nix | None:
    exe = shutil.which("nix-instantiate")
    if exe is None:
        return None
    env = dict(os.environ)
    nix = Nix(exe, env)
    try:  # some tests need a writable store; fall back to a private one like the lead's setup
        nix.json('builtins.toFile "pydock-probe" "x"')
    except NixFailed:
        env["NIX_REMOTE"] = "local?root=" + os.path.join(tempfile.gettempdir(), "pydock-nixroot")
        nix = Nix(exe, env)
    return nix


_NIX: list[Nix | None] = []


@pytest.fixture(scope="session")
def nix() -> Nix:
    if not _NIX:
        _NIX.append(_find_nix())
    found = _NIX[0]
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nix-instantiate is required in CI for the differential builtins tests")
        pytest.skip("nix-instantiate not found")
    return found
