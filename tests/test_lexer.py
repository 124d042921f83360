"""The mode-stack lexer reproduces Nix's flex rules (longest match, string modes)."""

from __future__ import annotations

import pytest
from pydock.evaluator.errors import ParseError, Source
from pydock.evaluator.lexer import tokenize


def kinds(text: str) -> list[str]:
    return [t.type for t in tokenize(Source("t", text, "string"))][:-1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a/b", ["PATH", "PATH_END"]),  # a path, not a division
        ("a / b", ["ID", "SLASH", "ID"]),
        ("x:y", ["URI"]),  # a URI literal, not a lambda
        ("x: y", ["ID", "COLON", "ID"]),
        ("1.5/2", ["PATH", "PATH_END"]),
        ("01.5", ["INT", "FLOAT"]),
        ("ifx", ["ID"]),
        ("if", ["IF"]),
        ("a'-b", ["ID"]),
        ("<nixpkgs/lib>", ["SPATH"]),
        ("a<b", ["ID", "LT", "ID"]),
        ("a//b", ["ID", "UPDATE", "ID"]),
        ("~/x", ["HPATH", "PATH_END"]),
        ("...", ["ELLIPSIS"]),
        ("/* c */ 1 # d", ["INT"]),
    ],
)
def test_default_mode_tokens(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


def test_nested_interpolation_mode_stack() -> None:
    ks = kinds('"a${ "b${ {x=1;}.x }c" }d"')
    assert ks[0] == "DQUOTE" and ks[-1] == "DQUOTE"
    assert ks.count("DOLLAR_CURLY") == 2
    assert ks.count("DQUOTE") == 4
    # the braces of the inner set do not close the interpolation early
    assert ks.count("LBRACE") == 1 and ks.count("RBRACE") == 3


def test_dollar_dollar_is_literal_text() -> None:
    toks = tokenize(Source("t", '"$${x}"', "string"))
    assert [t.type for t in toks][:-1] == ["DQUOTE", "STR", "DQUOTE"]
    assert str(toks[1]) == "$${x}"


def test_indented_string_escapes() -> None:
    toks = tokenize(Source("t", "''a'''b''${c}''\\n''", "string"))
    values = [(t.type, str(t)) for t in toks][:-1]
    assert ("IND_STR_LIT", "''") in values
    assert ("IND_STR_LIT", "$") in values
    assert ("IND_STR_LIT", "\n") in values


def test_formals_brace_is_retyped() -> None:
    assert kinds("{ a, b }: a")[0] == "FORMALS_LBRACE"
    assert kinds("{ }: 1")[0] == "FORMALS_LBRACE"
    assert kinds("{ a = 1; }")[0] == "LBRACE"
    assert kinds("{ }")[0] == "LBRACE"
    assert kinds("x@{ ... }: x")[2] == "FORMALS_LBRACE"


def test_path_interpolation_and_trailing_slash() -> None:
    assert kinds("./a/${b}/c") == ["PATH", "DOLLAR_CURLY", "ID", "RBRACE", "STR", "PATH_END"]
    with pytest.raises(ParseError, match="path has a trailing slash"):
        tokenize(Source("t", "./a/ ", "string"))


def test_positions_are_one_based_lines_and_columns() -> None:
    toks = tokenize(Source("t", "let\n  a = 1;\nin a", "string"))
    a = [t for t in toks if t.type == "ID"][0]
    assert (a.line, a.column) == (2, 3)
