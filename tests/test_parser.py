"""Parser actions (precedence, attribute merging, indentation) against real Nix.

Each expression is printed back with pydock's Nix-style AST printer and compared
with the text Nix itself prints for the same parse tree in its "assertion '…'
failed" message, so precedence and desugaring are checked against real Nix.
"""

from __future__ import annotations

import pytest
from pydock.evaluator.errors import ParseError, Source
from pydock.evaluator.parser import parse
from pydock.evaluator.show import show

EXPRS = [
    "1 + 2 * 3 - 4 / 5",
    "!a + b == c",
    "a - -b",
    "-a ? b",
    "a ? b ? c",
    "a || b && c -> d",
    "a ++ b ++ c",
    "x // y // z",
    "f x y.z or 1",
    "(f x) y",
    "a < b",
    "a >= b",
    "a + !b + c",
    "{ a.b = 1; a.c = 2; }",
    "rec { a = 1; b = a; }",
    "let { body = 1; }",
    "{ a, b ? 1, ... }@x: a",
    "x: y: x",
    "let or = 1; in map or [ 1 ]",
    '"a${b}c"',
    "''\n  a\n    b\n  ''",
    "[ 1 (2) ]",
    "with a; b",
    "if a then b else c",
]


@pytest.mark.parametrize("expr", EXPRS)
def test_ast_matches_nix(expr: str, nix_eval) -> None:
    ours = show(parse(Source("t", expr, "string"), "/"))
    # inside a lambda nothing is evaluated; comparing a function with null fails the
    # assertion, and Nix quotes the whole parsed expression in its message
    names = "a b c d f x y z"
    r = nix_eval(f"let {' '.join(n + ' = 1;' for n in names.split())} in assert (_: {expr}) == null; 1")
    first = r.stderr.splitlines()[0]
    assert first == f"error: assertion '((_: {ours}) == null)' failed"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("{ a = 1; a = 2; }", "attribute 'a' already defined"),
        ("let a = 1 in a", "syntax error, unexpected IN"),
        ("{x, x}: x", "duplicate formal function argument 'x'"),
        ("let ${\"a\" + \"b\"} = 1; in a", "dynamic attributes not allowed in let"),
        ("1 == 2 == 3", "syntax error, unexpected EQ"),
        ("./foo/", "path has a trailing slash"),
    ],
)
def test_parse_errors_match_nix(expr: str, message: str, nix_eval) -> None:
    with pytest.raises(ParseError) as err:
        parse(Source("t", expr, "string"), "/")
    assert message in err.value.msg
    r = nix_eval(expr)
    assert r.returncode != 0 and message in r.stderr
