"""Differential testing helpers: run an expression in real Nix 2.8 and in our builtins, compare JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from typing import Any

from pydock.evaluator.builtins.json import value_to_json
from pydock.evaluator.errors import NixError


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
                if not cont.strip() or cont.startswith("(use '--show-trace'"):
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
        return self.run_args("--eval", *flags, "-E", expr)

    def run_args(self, *args: str) -> str:
        """Output of ``nix-instantiate ARGS`` without its final newline; raises NixFailed on error."""
        proc = subprocess.run(
            [self.exe, *args],
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


def find_nix() -> Nix | None:
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


def ours_json(fn: Callable[[], Any]) -> str:
    """Our result as the JSON text Nix's ``toJSON`` would print, or ``error: MSG``."""
    try:
        return value_to_json(fn(), set())
    except NixError as e:
        return f"error: {e.msg}"


def check_same(nix: Nix, cases: list[tuple[str, Callable[[], Any]]]) -> None:
    """Each Nix expression and its Python counterpart must give the same JSON text."""
    expected = nix.json_many([expr for expr, _ in cases])
    mismatches = []
    for (expr, fn), want in zip(cases, expected, strict=True):
        got = ours_json(fn)
        if got != want:
            mismatches.append(f"{expr}\n   nix:  {want}\n   ours: {got}")
    assert not mismatches, "\n".join(mismatches)


def check_errors(nix: Nix, cases: list[tuple[str, Callable[[], Any]]], first_line_only: bool = False) -> None:
    """Each expression must fail in Nix and in Python with the same message."""
    mismatches = []
    for expr, fn in cases:
        want = nix.error(expr)
        try:
            got = f"no error: {value_to_json(fn(), set())}"
        except NixError as e:
            got = e.msg
        if first_line_only:
            want, got = want.split("\n")[0], got.split("\n")[0]
        if got != want:
            mismatches.append(f"{expr}\n   nix:  {want}\n   ours: {got}")
    assert not mismatches, "\n".join(mismatches)
