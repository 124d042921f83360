"""Language behaviour of current Nix that Nix 2.8 lacks (see nix_compat_tests/intended_differences.toml).

Nix 2.8 is still the oracle wherever its answer is the same (the values below); where current Nix
behaves differently the test cites the place in Nix's language suite (NixOS/nix
``tests/functional/lang`` at 88b09c64) or sources that defines the behaviour.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def pydock(*args: str, cwd: str | Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pydock.cli", "eval", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


# ------------------------------------------------------------------ inherit (e) a b;

INHERIT_FROM = """
let
  src = tag: builtins.trace tag { a = 1; b = 2; c = 3; };
  plain = { inherit (src "plain") a b c; };
  recursive = rec { inherit (src "rec") a b; sum = a + b; inherit (other) c; other = src "other"; };
  bound = let inherit (src "let") a b c; in a + b + c;
  nested = { inherit (builtins.trace "outer" { o = { inherit (src "inner") a b; }; }) o; };
in [ (plain.a + plain.b + plain.c) recursive.sum recursive.c bound (nested.o.a + nested.o.b)
     (builtins.attrNames recursive) ]
"""


def test_inherit_from_evaluates_its_source_once(nix_eval, tmp_path: Path) -> None:
    """Current Nix evaluates ``e`` of ``inherit (e) a b;`` once per set or ``let`` (suite
    eval-okay-inherit-from.err.exp: one "trace: used" for two names); Nix 2.8 once per name.
    The values are Nix 2.8's."""
    f = tmp_path / "inherit.nix"
    f.write_text(INHERIT_FROM)
    r = pydock("--strict", str(f))
    assert r.returncode == 0, r.stderr
    nix = nix_eval(INHERIT_FROM)
    assert r.stdout == nix.stdout
    assert nix.stderr.count("trace: plain") == 3, "Nix 2.8 evaluates the source per name"
    traces = [line.removeprefix("trace: ") for line in r.stderr.splitlines()]
    assert sorted(traces) == ["inner", "let", "other", "outer", "plain", "rec"]


def test_inherit_from_source_errors_name_the_source(tmp_path: Path) -> None:
    f = tmp_path / "bad.nix"
    f.write_text('{ inherit (throw "no source") a b; }.b\n')
    r = pydock(str(f))
    assert r.returncode == 1
    assert r.stderr.startswith("error: no source")
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("kind", ["{ %s }", "rec { %s }", "let %s in { inherit a b; }"])
def test_inherit_from_names_missing_from_the_source(kind: str) -> None:
    r = pydock("-E", "(" + kind % "inherit ({ a = 1; }) a b;" + ").b")
    assert r.returncode == 1
    assert r.stderr.startswith("error: attribute 'b' missing")
