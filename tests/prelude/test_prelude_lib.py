"""The prelude's ``lib`` has nixpkgs' semantics: each case's lib expression, evaluated by pydock,
equals a plain-builtins statement of the expected result evaluated by real Nix.

The lib side is also evaluated by real Nix (``-I nixpkgs=<prelude>``), which must agree with
pydock: the prelude is ordinary Nix, so any difference is an evaluator difference.
All cases go through each tool in one batch (one process per tool), which keeps this fast.
"""

from __future__ import annotations

import pytest
from lib_cases import CASES, SHARED
from prelude_support import eval_json

NAMES = [name for name, _, _ in CASES]
assert len(NAMES) == len(set(NAMES)), "duplicate case names"


def _batch(exprs: list[tuple[str, str]], with_lib: bool) -> str:
    lib = "lib = (import <nixpkgs> { }).lib;" if with_lib else ""
    body = "\n".join(f'  "{name}" = check ({expr});' for name, expr in exprs)
    return f"let {lib}\n{SHARED}\n  check = v: builtins.tryEval (builtins.deepSeq v v);\nin {{\n{body}\n}}"


_RESULTS: dict[str, dict] = {}


def _results(kind: str) -> dict:
    """One tool's values for every case: "pydock" and "nix-lib" run the lib side, "nix-plain" the oracle."""
    if kind not in _RESULTS:
        if kind == "nix-plain":
            _RESULTS[kind] = eval_json("nix", _batch([(n, plain) for n, _, plain in CASES], False), prelude=False)
        else:
            expr = _batch([(n, lib) for n, lib, _ in CASES], True)
            _RESULTS[kind] = eval_json("pydock" if kind == "pydock" else "nix", expr, prelude=True)
    return _RESULTS[kind]


@pytest.mark.parametrize("name", NAMES)
def test_lib_matches_plain_builtins(name: str) -> None:
    expected = _results("nix-plain")[name]
    assert _results("pydock")[name] == expected
    assert _results("nix-lib")[name] == expected


def test_whole_lib_prints_alike() -> None:
    """Forcing every attribute of lib (as `--strict` printing does) gives the same in both evaluators."""
    expr = "builtins.mapAttrs (n: v: builtins.typeOf v) (import <nixpkgs> { }).lib"
    assert eval_json("pydock", expr, prelude=True) == eval_json("nix", expr, prelude=True)
