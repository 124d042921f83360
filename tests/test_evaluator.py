"""Evaluator internals: laziness, scoping, black-holing, deep programs, printing.

Where Nix defines the answer the test asks real ``nix-instantiate`` (the oracle)
for it and compares; the deep-recursion tests check pydock's own guarantee that
a 100,000-deep program ends in a value or a Nix-style error, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydock.evaluator.builtins.core import force_deep
from pydock.evaluator.errors import NixError
from pydock.evaluator.runner import run_deep
from pydock.evaluator.settings import EvalSettings
from pydock.evaluator.state import EvalState
from pydock.evaluator.values import Thunk, force

from nix_compat_tests.processes import error_report, run_concurrently


def pydock(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pydock.cli", *args], capture_output=True, text=True)


def evaluate(expr: str, settings: EvalSettings | None = None):
    return run_deep(lambda: EvalState(settings=settings).eval_string(expr))


# pydock's big evaluation stack lets a user raise current Nix's max-call-depth (10000) this far
DEEP = EvalSettings(max_call_depth=1_000_000)


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


def both(expr: str, *flags: str) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    """``expr`` through ``pydock eval`` and the oracle ``nix-instantiate --eval``, with the same flags."""
    commands = [
        [sys.executable, "-m", "pydock.cli", "eval", *flags, "-E", expr],
        ["nix-instantiate", "--eval", *flags, "-E", expr],
    ]
    ours, theirs = run_concurrently(commands, Path.cwd(), dict(os.environ), timeout=120)
    return (
        subprocess.CompletedProcess(ours.argv, ours.returncode, ours.stdout, ours.stderr),
        subprocess.CompletedProcess(theirs.argv, theirs.returncode, theirs.stdout, theirs.stderr),
    )


#: Expressions whose error position pydock still gets wrong (the message is compared, and the
#: position must still differ, so a fix forces the entry out).  Same bug as the corpus's
#: KNOWN_DIFFERENCES "infinite recursion" entries: Nix 2.8 names another variable of the cycle.
KNOWN_POSITION_DIFFERENCES = {
    "rec { a = b; b = a; }.a",
}


def assert_same(expr: str, *flags: str) -> None:
    """Same exit code, same stdout, and for a failure the same error message and position."""
    ours, theirs = both(expr, *flags)
    context = (
        f"{expr}\n--- pydock ({ours.returncode}) ---\n{ours.stderr}\n--- nix ({theirs.returncode}) ---\n{theirs.stderr}"
    )
    assert ours.returncode == theirs.returncode, context
    assert ours.stdout == theirs.stdout, context
    if theirs.returncode == 0:
        assert ours.stderr == theirs.stderr, context
        return
    assert "Traceback" not in ours.stderr, context
    mine, nix = error_report(ours.stderr), error_report(theirs.stderr)
    assert mine is not None and nix is not None, context
    assert (mine["before"], mine["message"]) == (nix["before"], nix["message"]), context
    if expr in KNOWN_POSITION_DIFFERENCES:
        assert mine["at"] != nix["at"], f"fixed: remove {expr!r} from KNOWN_POSITION_DIFFERENCES"
    else:
        assert mine["at"] == nix["at"], context


NON_STRICT = [
    "{ a = 1 + 1; b = [ 1 (2 + 1) ]; c = x: x; d = builtins.map; e = 1.5e3; }",
    "let x = { a = 1; }; in { inherit x; y = x; l = [ x x ]; }",
    'let s = "a\\"b\\n\\t$ ${"{"}"; in [ s ]',
    "[ (x: x) builtins.map (builtins.map (x: x)) null true 0.1 (1.0 / 3) ]",
    "rec { a = b; b = 2; }",
]


@pytest.mark.parametrize("expr", NON_STRICT)
def test_printing_matches_nix_instantiate(expr: str, nix_eval) -> None:
    assert_same(expr)


@pytest.mark.parametrize("strict", [True, False])
def test_repeated_marker_matches_nix(strict: bool, nix_eval) -> None:
    assert_same("let x = { a = [ 1 2 3 ]; }; in { p = x; q = x; r = [ x.a x.a ]; }", *(["--strict"] if strict else []))


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



SEMANTICS = {
    "lazy-arguments": [
        '(x: 1) (throw "never")',
        'builtins.length [ (throw "a") (throw "b") ]',
        '{ a = throw "lazy"; b = 2; }.b',
        'let f = { a ? throw "default" }: 1; in f { }',
    ],
    "scoping": [
        "let a = 1; in with { a = 2; }; a",
        "with { a = 1; }; with { a = 2; }; a",
        "with { a = 1; }; with { b = 2; }; a",
        "let a = 1; in let a = 2; in a",
        "rec { a = 1; b = { a = 2; c = a; }; }.b.c",
        "let x = 1; in { x = 2; y = x; }.y",
        "with { x = 1; }; let f = x: x; in f 2",
        "let inherit ({ a = 5; }) a; in a",
        "({ a, b ? a + 1 }: b) { a = 1; }",
        "(args@{ a, ... }: args.b) { a = 1; b = 2; }",
    ],
    "undefined-variable": [
        "if true then 1 else nope",
        "let a = 1; in a + b",
        "with {}; nope",
    ],
    "black-holing": [
        "let x = x + 1; in x",
        "rec { a = b; b = a; }.a",
        "let f = { a ? b, b ? a }: a; in f { }",
        "let xs = [ (builtins.elemAt xs 0) ]; in builtins.head xs",
    ],
    "tryEval": [
        'let x = throw "e"; in [ (builtins.tryEval x).success (builtins.tryEval x).success ]',
        "builtins.tryEval (assert false; 1)",
        'builtins.tryEval (throw "x")',
        "builtins.tryEval 1",
        'builtins.tryEval { a = throw "shallow"; }',
        'builtins.tryEval (builtins.deepSeq { a = throw "deep"; } 1)',
        'let x = throw "e"; in (builtins.tryEval x).success && (builtins.tryEval (x + 1)).success',
        'builtins.tryEval (abort "not caught")',
        "let x = x; in builtins.tryEval x",
    ],
    "error-locations": [
        "let a = 1; in a + b",
        '1 + "a"',
        "{ a = 1; }.b",
        "(x: x.y) { }",
        'assert 1 == 2; "no"',
        "if 1 then 2 else 3",
        '"${{ }}"',
        "[ 1 ] ++ 2",
        "({ a }: a) { b = 1; }",
        "({ a }: a) { }",
    ],
}


@pytest.mark.parametrize("topic", sorted(SEMANTICS))
def test_semantics_match_nix(topic: str, nix_eval) -> None:
    for expr in SEMANTICS[topic]:
        assert_same(expr, "--strict")


def test_arguments_stay_unevaluated_thunks() -> None:
    """pydock's own representation: an unused argument is never forced (no oracle sees inside)."""
    v = evaluate('{ a = throw "lazy"; b = 2; }')
    assert isinstance(v["a"], Thunk) and v["b"] == 2


# -------------------------------------------------------------- deep programs


@pytest.mark.slow
def test_deep_fold_builds_100k_nested_sets() -> None:
    expr = (
        "let deep = builtins.foldl' (acc: i: { inner = acc; }) {} (builtins.genList (i: i) 100000);"
        " in builtins.deepSeq deep 1"
    )
    assert evaluate(expr, DEEP) == 1
    with pytest.raises(NixError, match="^stack overflow; max-call-depth exceeded$"):
        evaluate(expr)  # current Nix's default limit (suite eval-fail-deepseq-stack-overflow)


def test_deep_non_tail_recursion() -> None:
    expr = "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000"
    assert evaluate(expr, DEEP) == 100000
    with pytest.raises(NixError, match="^stack overflow; max-call-depth exceeded$"):
        evaluate(expr)


@pytest.mark.slow
def test_runaway_recursion_is_a_nix_error_not_a_crash() -> None:
    r = pydock("eval", "-E", "let f = n: f (n + 1) + 1; in f 0")
    assert r.returncode == 1
    assert r.stderr.startswith("error: ")
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_deep_list_prints_without_recursion_error() -> None:
    expr = "builtins.foldl' (acc: i: [ acc ]) [ ] (builtins.genList (i: i) 100000)"
    r = pydock("eval", "--strict", "--max-call-depth", "1000000", "-E", expr)
    assert r.returncode == 0
    assert r.stdout.count("[") == 100001


# -------------------------------------------------------------- CLI errors


def test_error_has_location_and_frame_and_no_traceback(nix_eval) -> None:
    expr = "let a = 1; in a + b"
    assert_same(expr)
    lines = pydock("eval", "-E", expr).stderr.splitlines()
    assert lines[-1].strip().endswith("^")  # the code frame under the position
