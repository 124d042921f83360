"""Evaluator internals: laziness, scoping, black-holing, deep programs, printing.

Where Nix defines the answer the test asks real ``nix-instantiate`` (the oracle)
for it and compares; the deep-recursion tests check pydock's own guarantee that
a 100,000-deep program ends in a value or a Nix-style error, never a traceback.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydock.evaluator.builtins.core import force_deep
from pydock.evaluator.errors import NixError
from pydock.evaluator.runner import run_deep
from pydock.evaluator.state import EvalState
from pydock.evaluator.values import Thunk, force


def pydock(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pydock.cli", *args], capture_output=True, text=True)


def evaluate(expr: str):
    return run_deep(lambda: EvalState().eval_string(expr))


def evaluate_strict(expr: str):
    def work():
        v = EvalState().eval_string(expr)
        force_deep(v)
        return _plain(v)

    return run_deep(work)


def _plain(v):
    v = force(v)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


# -------------------------------------------------------------- compared with Nix

NON_STRICT = [
    "{ a = 1 + 1; b = [ 1 (2 + 1) ]; c = x: x; d = builtins.map; e = 1.5e3; }",
    "let x = { a = 1; }; in { inherit x; y = x; l = [ x x ]; }",
    'let s = "a\\"b\\n\\t$ ${"{"}"; in [ s ]',
    "[ (x: x) builtins.map (builtins.map (x: x)) null true 0.1 (1.0 / 3) ]",
    "rec { a = b; b = 2; }",
]


@pytest.mark.parametrize("expr", NON_STRICT)
def test_printing_matches_nix_instantiate(expr: str, nix_eval) -> None:
    ours = pydock("eval", "-E", expr)
    theirs = subprocess.run(["nix-instantiate", "--eval", "-E", expr], capture_output=True, text=True)
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout == theirs.stdout


@pytest.mark.parametrize("strict", [True, False])
def test_repeated_marker_matches_nix(strict: bool, nix_eval) -> None:
    expr = "let x = { a = [ 1 2 3 ]; }; in { p = x; q = x; r = [ x.a x.a ]; }"
    flags = ["--strict"] if strict else []
    ours = pydock("eval", *flags, "-E", expr)
    theirs = subprocess.run(["nix-instantiate", "--eval", *flags, "-E", expr], capture_output=True, text=True)
    assert ours.stdout == theirs.stdout


SELF_REFERENCES = [
    # suite eval-okay-print: a one-element list that contains itself, inside another list
    "[ (let x = [ x ]; in x) ]",
    "let x = [ x ]; in x",
    "let x = [ x x x ]; in x",
    "let x = [ 1 2 ]; y = x; in [ x y x ]",
    "let x = [ 1 2 3 ]; y = x; in [ x y x ]",
    "let x = { a = [ 1 2 ]; }; in { p = x; q = x; r = [ x.a x.a ]; }",
    "let x = [ 1 2 ]; in { a = x; b = x; c = [ x ]; }",
]


@pytest.mark.parametrize("expr", SELF_REFERENCES)
def test_repeated_lists_match_nix(expr: str, nix_eval) -> None:
    """Short lists are tracked per holding value, longer ones per element array, as in Nix."""
    ours = pydock("eval", "--strict", "-E", expr)
    assert ours.stdout == nix_eval(expr).stdout


# -------------------------------------------------------------- semantics


def test_arguments_are_lazy() -> None:
    assert evaluate('(x: 1) (throw "never")') == 1
    assert evaluate('builtins.length [ (throw "a") (throw "b") ]') == 2
    v = evaluate('{ a = throw "lazy"; b = 2; }')
    assert isinstance(v["a"], Thunk) and v["b"] == 2


def test_let_beats_with_and_inner_with_beats_outer() -> None:
    assert evaluate("let a = 1; in with { a = 2; }; a") == 1
    assert evaluate("with { a = 1; }; with { a = 2; }; a") == 2
    assert evaluate("with { a = 1; }; with { b = 2; }; a") == 1


def test_undefined_variable_is_a_static_error() -> None:
    with pytest.raises(NixError, match="undefined variable 'nope'"):
        evaluate("if true then 1 else nope")


def test_black_hole_reports_infinite_recursion() -> None:
    with pytest.raises(NixError, match="infinite recursion encountered"):
        evaluate("let x = x + 1; in x")
    with pytest.raises(NixError, match="infinite recursion encountered"):
        evaluate("rec { a = b; b = a; }.a")


def test_thunk_is_reusable_after_a_caught_error() -> None:
    # tryEval must leave the thunk re-evaluable (not stuck as a black hole)
    assert evaluate_strict('let x = throw "e"; in [ (builtins.tryEval x).success (builtins.tryEval x).success ]') == [
        False,
        False,
    ]


# -------------------------------------------------------------- deep programs


def test_deep_fold_builds_100k_nested_sets() -> None:
    expr = (
        "let deep = builtins.foldl' (acc: i: { inner = acc; }) {} (builtins.genList (i: i) 100000);"
        " in builtins.deepSeq deep 1"
    )
    assert evaluate(expr) == 1


def test_deep_non_tail_recursion() -> None:
    assert evaluate("let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000") == 100000


def test_runaway_recursion_is_a_nix_error_not_a_crash() -> None:
    r = pydock("eval", "-E", "let f = n: f (n + 1) + 1; in f 0")
    assert r.returncode == 1
    assert r.stderr.startswith("error: ")
    assert "Traceback" not in r.stderr


def test_deep_list_prints_without_recursion_error() -> None:
    r = pydock("eval", "--strict", "-E", "builtins.foldl' (acc: i: [ acc ]) [ ] (builtins.genList (i: i) 100000)")
    assert r.returncode == 0
    assert r.stdout.count("[") == 100001


# -------------------------------------------------------------- CLI errors


def test_error_has_location_and_frame_and_no_traceback() -> None:
    r = pydock("eval", "-E", "let a = 1; in a + b")
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert lines[0] == "error: undefined variable 'b'"
    assert lines[2].strip() == "at «string»:1:19:"
    assert lines[-1].strip().endswith("^")
    assert "Traceback" not in r.stderr
