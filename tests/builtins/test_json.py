"""``builtins.toJSON`` / ``builtins.fromJSON`` against real Nix 2.8."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nixdiff import Nix, check_errors, check_same, nix_str
from pydock.evaluator.builtins.json import parse_json, prim_from_json, prim_to_json, value_to_json
from pydock.evaluator.errors import NixError
from pydock.evaluator.state import EvalState
from pydock.evaluator.values import CStr, Lambda, NixPath, PrimOp, PrimOpApp, Thunk

# the evaluation whose settings the builtins read (they take their EvalState explicitly)
STATE = EvalState()

_id = PrimOp("id", 1, lambda x: x)
_MAP = PrimOp("map", 2, lambda f, xs: xs)


def _const(s: object) -> PrimOp:
    return PrimOp("const", 1, lambda _self: s)


def _thunk(v: object) -> Thunk:
    return Thunk(lambda _env: v, None)


# (Nix expression, Python value) pairs; both sides go through toJSON.
TO_JSON: list[tuple[str, object]] = [
    ("0", 0),
    ("-42", -42),
    ("9223372036854775807", 9223372036854775807),
    ("(-9223372036854775807 - 1)", -9223372036854775808),
    ("1.0", 1.0),
    ("0.1", 0.1),
    ("1.0e20", 1e20),
    ("1.5e-7", 1.5e-7),
    ("123456789.0", 123456789.0),
    ('builtins.fromJSON "-0.0"', -0.0),
    ("(-0.0)", 0.0),
    ("1.0e300", 1e300),
    ("3.14159265358979", 3.14159265358979),
    ("(1.0 / 3.0)", 1.0 / 3.0),
    ("100000.0", 100000.0),
    ("1000000.0", 1000000.0),
    ("0.0001", 0.0001),
    ("0.00001", 0.00001),
    ("true", True),
    ("false", False),
    ("null", None),
    ('"plain"', "plain"),
    ('"é ☃ 😀"', "é ☃ 😀"),
    (
        'builtins.fromJSON "\\"\\\\u0001\\\\b\\\\f\\\\n\\\\r\\\\t\\\\\\"\\\\\\\\\\\\u007f\\\\u001f/\\""',
        '\x01\b\f\n\r\t"\\\x7f\x1f/',
    ),
    ("[]", []),
    ("{}", {}),
    ("[ 1 [ 2 [ ] ] { } ]", [1, [2, []], {}]),
    ('{ b = 1; a = 2; "é" = 3; "A" = 4; "" = 5; "a b" = 6; }', {"b": 1, "a": 2, "é": 3, "A": 4, "": 5, "a b": 6}),
    ('{ "a\\"b" = 1; "\\n" = 2; "\\\\" = 3; }', {'a"b': 1, "\n": 2, "\\": 3}),
    ("{ x = { y = { z = [ null ]; }; }; }", {"x": {"y": {"z": [None]}}}),
    ('{ __toString = self: "hi"; }', {"__toString": _const("hi")}),
    ("{ __toString = self: /tmp; }", {"__toString": _const(NixPath("/tmp"))}),
    ('{ __toString = self: "a"; outPath = "b"; }', {"__toString": _const("a"), "outPath": "b"}),
    ('{ outPath = "x"; }', {"outPath": "x"}),
    ('{ outPath = { outPath = "y"; }; }', {"outPath": {"outPath": "y"}}),
    (
        '{ type = "derivation"; outPath = "/nix/store/x-y"; name = "y"; }',
        {"type": "derivation", "outPath": "/nix/store/x-y", "name": "y"},
    ),
    ("[ { outPath = [ 1 ]; } ]", [{"outPath": [1]}]),
    ("let x = 1 + 1; in [ x x ]", [_thunk(2), _thunk(2)]),
    ('{ a = [ "x" ]; b = { }; }', {"a": ["x"], "b": {}}),
]

TO_JSON_ERRORS: list[tuple[str, object]] = [
    ("x: x", Lambda(None, None)),
    ("[ (x: x) ]", [Lambda(None, None)]),
    ("builtins.map", _MAP),
    ("builtins.map (x: x)", PrimOpApp(_MAP, (_id,))),
    ("{ __toString = self: 1; }", {"__toString": _const(1)}),
    ("{ __toString = self: [ 1 ]; }", {"__toString": _const([1])}),
    ("{ a = { __toString = self: null; }; }", {"a": {"__toString": _const(None)}}),
]


def test_to_json(nix: Nix) -> None:
    check_same(nix, [(f"builtins.toJSON ({expr})", lambda v=v: prim_to_json(STATE, v)) for expr, v in TO_JSON])


def test_to_json_errors(nix: Nix) -> None:
    check_errors(nix, [(f"builtins.toJSON ({expr})", lambda v=v: prim_to_json(STATE, v)) for expr, v in TO_JSON_ERRORS])


def test_to_json_keeps_context(nix: Nix) -> None:
    assert nix.json('builtins.hasContext (builtins.toJSON [ (builtins.toFile "a" "b") ])') == "true"
    s = CStr("/nix/store/aaa-a", frozenset({"/nix/store/aaa-a"}))
    t = CStr("/nix/store/bbb-b", frozenset({"=/nix/store/bbb-b.drv"}))
    out = prim_to_json(STATE, {"x": [s], "y": {"outPath": t}})
    assert out == '{"x":["/nix/store/aaa-a"],"y":"/nix/store/bbb-b"}'
    assert type(out) is CStr and out.ctx == {"/nix/store/aaa-a", "=/nix/store/bbb-b.drv"}
    assert type(prim_to_json(STATE, {"x": "plain"})) is str


def _path_fixture(root: Path) -> Path:
    src = root / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("a\n")
    (src / "sub" / "b.sh").write_text("#!/bin/sh\n")
    (src / "sub" / "b.sh").chmod(0o755)
    (root / "plain.txt").write_text("plain\n")
    return src


def test_paths_are_copied_to_the_store(tmp_path: Path, nix: Nix) -> None:
    """``toJSON`` of paths copies them to the store: the same JSON, context and store objects as real Nix.

    Read-only evaluation computes the store paths (both tools); instantiation into real stores
    (Nix's own in a temporary root, pydock's in another) must give the same ``.drv`` (so the same
    JSON text and the same input sources) and really add the copied paths to each store.
    """
    src = _path_fixture(tmp_path)
    value = f"{{ dir = {src}; file = {tmp_path / 'plain.txt'}; list = [ {src}/sub/b.sh ]; nested.p = {src}; }}"
    expr = f"let j = builtins.toJSON ({value}); in {{ inherit j; ctx = builtins.getContext j; }}"
    ours = subprocess.run([sys.executable, "-m", "pydock.cli", "eval", "--strict", "--json", "-E", expr],
                          capture_output=True, text=True)  # fmt: skip
    theirs = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr],
                            capture_output=True, text=True)  # fmt: skip
    assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
    assert json.loads(ours.stdout) == json.loads(theirs.stdout)
    copied = sorted(json.loads(theirs.stdout)["ctx"])
    assert len(copied) == 3

    drv_expr = (
        f'derivation {{ name = "j"; system = "x86_64-linux"; builder = "/bin/sh"; json = builtins.toJSON ({value}); }}'
    )
    nix_root, pydock_root = tmp_path / "nix-root", tmp_path / "pydock-root"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIX_")}
    env["NIX_REMOTE"] = f"local?root={nix_root}"
    nix_drv = subprocess.run(["nix-instantiate", "-E", drv_expr], capture_output=True, text=True, env=env)
    our_drv = subprocess.run(
        [sys.executable, "-m", "pydock.cli", "instantiate", "--store", str(pydock_root), "-E", drv_expr],
        capture_output=True, text=True,
    )  # fmt: skip
    assert nix_drv.returncode == our_drv.returncode == 0, nix_drv.stderr + our_drv.stderr
    assert our_drv.stdout.split() == nix_drv.stdout.split()
    nar_hashes = []
    for root in (nix_root, pydock_root):
        store = ["nix-store", "--store", f"local?root={root}"]
        sources = subprocess.run([*store, "-q", "--references", nix_drv.stdout.split()[0]],
                                 capture_output=True, text=True, env=env)  # fmt: skip
        assert sources.returncode == 0, sources.stderr
        assert sorted(sources.stdout.split()) == copied  # the copies are the .drv's input sources
        hashes = subprocess.run([*store, "-q", "--hash", *copied], capture_output=True, text=True, env=env)
        assert hashes.returncode == 0, hashes.stderr  # valid in that store
        nar_hashes.append(hashes.stdout)
    assert nar_hashes[0] == nar_hashes[1]


def test_non_strict_output_refuses_thunks() -> None:
    # `nix-instantiate --eval --json` without --strict: unevaluated values cannot be printed
    with pytest.raises(NixError, match="cannot convert a thunk to JSON") as e:
        value_to_json({"a": _thunk(1), "b": 2}, set(), strict=False)
    assert e.value.partial_output == '{"a":'  # type: ignore[attr-defined]
    evaluated = _thunk(1)
    evaluated.force()
    assert value_to_json([evaluated], set(), strict=False) == "[1]"


FROM_JSON_OK = [
    '{"x": [1, 2, 3], "y": null}',
    "[1, 1.0, -0, -0.0, 1E2, 1e-2, -1.5e+3, 0.5, 1e-400]",
    "[9223372036854775807, 18446744073709551616]",
    "[-9223372036854775808, -9223372036854775809, 123456789012345678901234567890]",
    '"\\u00e9 \\ud83d\\ude00 \\u2603 \\/ \\b\\f\\n\\r\\t \\" \\\\"',
    '"é☃😀"',
    '{"a":1,"a":2}',
    '{"b": {"c": [true, false, null]}, "a": []}',
    " \t\n\r[ 1 ,\n 2 ] \n",
    "{}",
    "[]",
    "[[[[]]]]",
    '"top"',
    "true",
    "null",
    "-12",
    "\ufeff[1]",
    '{"": 0, " ": 1}',
]

FROM_JSON_BAD = [
    "",
    " ",
    "x",
    "[1,]",
    '{"a":1,}',
    '{"a" 1}',
    "[1 2]",
    "tru",
    "nul",
    "falsy",
    '"abc',
    '"a\\qb"',
    "01",
    "1.",
    "-",
    "1e",
    "1e+",
    ".5",
    "+1",
    "[1]x",
    "{1:2}",
    '"\\ud800"',
    '"\\udc00"',
    '"\\uD834"x',
    '"\\ud800\\u0041"',
    '"\\u12"',
    "1e400",
    "[-1e400]",
    '"a\nb"',
    '"a\x01"',
    '"\udcff"',
    '"\udce9A"',
    "[\n1,\n]",
    "NaN",
    "1 2",
    "[]]",
    "[1] // c",
    "\udcef\udcbb[1]",
    '{"a":}',
    "[",
    "{",
]


def test_from_json(nix: Nix) -> None:
    check_same(nix, [(f"builtins.fromJSON {nix_str(s)}", lambda s=s: prim_from_json(s)) for s in FROM_JSON_OK])


def test_from_json_errors(nix: Nix) -> None:
    check_errors(nix, [(f"builtins.fromJSON {nix_str(s)}", lambda s=s: prim_from_json(s)) for s in FROM_JSON_BAD])


def test_from_json_types() -> None:
    v = parse_json('{"i": 1, "f": 1.0, "big": 18446744073709551616, "s": "x"}')
    assert type(v["i"]) is int and type(v["f"]) is float and type(v["big"]) is float and type(v["s"]) is str


@pytest.mark.parametrize("text", ['"\\u0000x"', '{"a\\u0000b": 1}'])
def test_from_json_refuses_nul(nix: Nix, text: str) -> None:
    """Nix 2.8 cut the string at the NUL; current Nix refuses it (suite
    eval-fail-fromJSON-{key,value}WithNullByte)."""
    assert nix.json(f"builtins.fromJSON {nix_str(text)}") in ('""', '{"a\\u0000b":1}')
    with pytest.raises(NixError, match="cannot be represented as Nix string because it contains null bytes"):
        prim_from_json(text)


@pytest.mark.parametrize("n", ["9223372036854775808", "18446744073709551615"])
def test_from_json_unsigned_beyond_int64(nix: Nix, n: str) -> None:
    """Current Nix refuses what Nix 2.8 wrapped (intended_differences.toml; suite
    eval-fail-fromJSON-overflowing)."""
    assert nix.json(f'builtins.fromJSON "{n}"') == str(int(n) - 2**64)
    with pytest.raises(NixError, match=f"^unsigned json number {n} outside of Nix integer range$"):
        prim_from_json(n)


def test_from_json_rejects_context() -> None:
    with pytest.raises(NixError, match="is not allowed to refer to a store path"):
        prim_from_json(CStr("[1]", frozenset({"/nix/store/aaa-a"})))


def test_round_trip(nix: Nix) -> None:
    doc = '{"a":[1,2.5,"x\\n",null,true],"b":{"c":{}}}'
    check_same(
        nix, [(f"builtins.toJSON (builtins.fromJSON {nix_str(doc)})", lambda: prim_to_json(STATE, parse_json(doc)))]
    )
