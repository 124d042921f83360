"""Language behaviour of current Nix that Nix 2.8 lacks (see nix_compat_tests/intended_differences.toml).

Nix 2.8 is still the oracle wherever its answer is the same (the values below); where current Nix
behaves differently the test cites the place in Nix's language suite (NixOS/nix
``tests/functional/lang`` at 88b09c64) or sources that defines the behaviour.
"""

from __future__ import annotations

import os
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


# ------------------------------------------------------------------ `or` as an identifier

CURSED_OR = """let
  cursed0 = builtins.length (let or = 1; in [ (x: x) or ]);
  cursed1 = let or = 1; in (x: x * 2) (x: x + 1) or;
  cursed2 = let or = 1; in { a = 2; }.a or (x:
    x) or;
  allowed0 = let or = (x: x); in map or [];
  allowed1 = let f = (x: x); or = f; in f (f or);
  allowed2 = let or = 1; in [ ((x: x) or) ];
in [ cursed0 cursed1 cursed2 allowed0 allowed1 allowed2 ]
"""


def test_cursed_or_warns_where_its_meaning_will_change(nix_eval, tmp_path: Path) -> None:
    """Suite eval-okay-deprecate-cursed-or: ``f or`` as an argument, list element or ``or``
    default warns while parsing (values unchanged: Nix 2.8's); elsewhere it does not."""
    f = tmp_path / "or.nix"
    f.write_text(CURSED_OR)
    r = pydock("--strict", str(f))
    assert r.returncode == 0, r.stderr
    assert r.stdout == nix_eval(CURSED_OR).stdout

    def warning(line: int, col: int, snippet: str) -> str:
        return (
            f"warning: at {f}:{line}:{col}: This expression uses `or` as an identifier in a way that will change"
            " in a future Nix release.\nWrap this entire expression in parentheses to preserve its current"
            f" meaning:\n    ({snippet})\nGive feedback at https://github.com/NixOS/nix/pull/11121\n"
        )

    assert r.stderr == (
        warning(2, 47, "(x: x) or") + warning(3, 39, "(x: x + 1) or") + warning(4, 44, "(x:\n    x) or")
    )


# ------------------------------------------------------------------ max-call-depth

RECURSE = "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f %d"
NESTED = "builtins.foldl' (acc: i: { inner = acc; }) {} (builtins.genList (i: i) %d)"


@pytest.mark.parametrize(
    "how", [["--max-call-depth", "100"], ["--option", "max-call-depth", "100"]], ids=["flag", "option"]
)
def test_max_call_depth_setting(how: list[str]) -> None:
    """Suite eval-fail-infinite-recursion-lambda (``--max-call-depth 100``): the error and the
    call site it names. Within the limit the value is Nix 2.8's."""
    ok = pydock(*how, "-E", RECURSE % 50)
    assert (ok.returncode, ok.stdout.strip()) == (0, "50")
    r = pydock(*how, "-E", "(x: x x) (x: x x)")
    assert r.returncode == 1
    assert r.stderr.startswith("error: stack overflow; max-call-depth exceeded\n\n       at «string»:1:14:")


@pytest.mark.parametrize(
    "expr",
    [
        RECURSE % 20000,
        f"builtins.deepSeq ({NESTED % 20000}) 1",
        f"builtins.toJSON ({NESTED % 20000})",
        NESTED % 20000,  # printed with --strict
        f'derivation {{ name = "x"; system = "x"; builder = "/x"; __structuredAttrs = true; n = {NESTED % 20000}; }}',
    ],
    ids=["calls", "deepSeq", "toJSON", "strict", "structuredAttrs"],
)
def test_default_max_call_depth_is_current_nixs(nix_eval, expr: str) -> None:
    """Current Nix's default of 10000 (suite eval-fail-{deepseq,toJSON,derivation-structuredAttrs}-
    stack-overflow); a larger setting lets pydock's big stack finish, with Nix 2.8's value."""
    r = pydock("--strict", "-E", expr)
    assert r.returncode == 1
    assert r.stderr.startswith("error: stack overflow; max-call-depth exceeded")
    assert "Traceback" not in r.stderr
    if "derivation" not in expr:
        deep = pydock("--strict", "--max-call-depth", "100000", "-E", expr)
        assert deep.returncode == 0, deep.stderr
        assert deep.stdout == nix_eval(expr).stdout


def test_bad_max_call_depth() -> None:
    r = pydock("--max-call-depth", "many", "-E", "1")
    assert r.returncode == 1
    assert r.stderr.startswith("error: option 'max-call-depth' has invalid value 'many'")


# ------------------------------------------------------------------ pure evaluation mode

PURE = [
    "<nixpkgs>",
    "builtins.currentTime",
    "builtins ? currentSystem",
    "__currentTime",
    'builtins.getEnv "HOME"',
    "builtins.pathExists /etc/hostname",
    "builtins.storePath /nix/store/00000000000000000000000000000000-x",
    "builtins.typeOf (import <nix/fetchurl.nix>)",
    "builtins.nixPath",
    "builtins.readFile /etc/hostname",
    'builtins.hashFile "sha256" /etc/hostname',
    "builtins.readDir /etc",
    "import /etc/hostname",
    '"${/etc/hostname}"',
    "builtins.path { path = /etc/hostname; }",
]


@pytest.mark.parametrize("how", [["--pure-eval"], ["--option", "pure-eval", "true"]], ids=["flag", "option"])
@pytest.mark.parametrize("expr", PURE)
def test_pure_eval_matches_nix(nix_eval, expr: str, how: list[str]) -> None:
    """Nix 2.8's pure mode is the oracle (values, errors and their layout); current Nix words
    the file-access error "pure evaluation mode" where Nix 2.8 says "pure eval mode"."""
    nix = nix_eval(expr, *how)
    r = pydock("--strict", *how, "-E", expr, env={**os.environ, "NIX_PATH": "nixpkgs=/etc"})
    assert "Traceback" not in r.stderr
    assert (r.returncode, r.stdout) == (nix.returncode, nix.stdout)
    assert r.stderr == nix.stderr.replace("in pure eval mode", "in pure evaluation mode")


def test_pure_eval_refuses_files_outside_the_store(tmp_path: Path) -> None:
    f = tmp_path / "one.nix"
    f.write_text("1")
    r = pydock("--pure-eval", str(f))
    assert r.returncode == 1
    assert r.stderr == (
        f"error: access to absolute path '{f}' is forbidden in pure evaluation mode (use '--impure' to override)\n"
    )
    assert pydock("--pure-eval", "--impure", str(f)).stdout == "1\n"
    home = pydock("--pure-eval", "-E", "~/x")
    assert home.stderr.startswith("error: the path '~/x' can not be resolved in pure mode")


# ------------------------------------------------------------------ NUL bytes in string literals


@pytest.mark.parametrize(
    ("text", "line", "col", "shown"),
    [(b'"foo\0bar"\n', 1, 2, "foo\u2400bar"), (b"''\n  foo\n  \0\n  bar\n''\n", 2, 1, "  foo\n  \u2400\n  bar\n")],
)
def test_nul_in_a_string_literal(nix_eval, tmp_path: Path, text: bytes, line: int, col: int, shown: str) -> None:
    """Suite eval-fail-string-nul-{1,2}: current Nix refuses the literal where its token starts;
    Nix 2.8 cut the string at the NUL."""
    f = tmp_path / "nul.nix"
    f.write_bytes(text)
    assert subprocess.run(["nix-instantiate", "--eval", str(f)], capture_output=True).returncode == 0
    r = pydock(str(f))
    assert r.returncode == 1
    shown = shown.replace("\n", "\n       ")  # continuation lines indented under "error: ", as Nix does
    head = f"error: input string '{shown}' cannot be represented as Nix string because it contains null bytes"
    assert r.stderr.startswith(head)
    assert f"at {f}:{line}:{col}:" in r.stderr
