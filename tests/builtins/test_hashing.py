"""``hashString`` / ``hashFile`` against real Nix 2.8."""

from __future__ import annotations

from pathlib import Path

import pytest
from nixdiff import Nix, check_errors, check_same, nix_str
from pydock.evaluator.builtins.hashing import UnknownHashAlgorithm, prim_hash_file, prim_hash_string
from pydock.evaluator.state import EvalState
from pydock.evaluator.values import CStr, NixPath

# the evaluation whose settings the builtins read (they take their EvalState explicitly)
STATE = EvalState()

ALGOS = ["md5", "sha1", "sha256", "sha512"]
STRINGS = ["", "abc", "é☃\n", "x" * 1000]


def test_hash_string(nix: Nix) -> None:
    check_same(
        nix,
        [
            (f"builtins.hashString {nix_str(a)} {nix_str(s)}", lambda a=a, s=s: prim_hash_string(STATE, a, s))
            for a in ALGOS
            for s in STRINGS
        ],
    )


def test_hash_string_ignores_context() -> None:
    s = CStr("abc", frozenset({"/nix/store/aaa-a"}))
    assert type(prim_hash_string(STATE, "md5", s)) is str
    assert prim_hash_string(STATE, "md5", s) == prim_hash_string(STATE, "md5", "abc")


def test_hash_file(nix: Nix, tmp_path: Path) -> None:
    f = tmp_path / "data.bin"
    f.write_bytes(bytes(range(256)) * 300)
    cases = []
    for a in ALGOS:
        cases.append((f"builtins.hashFile {nix_str(a)} {f}", lambda a=a: prim_hash_file(STATE, a, NixPath(str(f)))))
        cases.append(
            (f"builtins.hashFile {nix_str(a)} {nix_str(str(f))}", lambda a=a: prim_hash_file(STATE, a, str(f)))
        )
    check_same(nix, cases)


def test_hash_file_errors(nix: Nix, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    check_errors(
        nix,
        [
            (f'builtins.hashFile "sha256" {nix_str(missing)}', lambda: prim_hash_file(STATE, "sha256", missing)),
            ('builtins.hashFile "sha256" "rel"', lambda: prim_hash_file(STATE, "sha256", "rel")),
            (f'builtins.hashFile "sha256" {tmp_path}', lambda: prim_hash_file(STATE, "sha256", NixPath(str(tmp_path)))),
            ('builtins.hashFile "sha256" 1', lambda: prim_hash_file(STATE, "sha256", 1)),
            ('builtins.hashString "sha256" 1', lambda: prim_hash_string(STATE, "sha256", 1)),
            ('builtins.hashString 1 "x"', lambda: prim_hash_string(STATE, 1, "x")),
        ],
    )


def test_unknown_algorithm(nix: Nix) -> None:
    """A usage error in Nix: checked before the second argument is even looked at."""
    check_errors(
        nix,
        [
            ('builtins.hashString "sha384" "x"', lambda: prim_hash_string(STATE, "sha384", "x")),
            ('builtins.hashString "SHA256" 1', lambda: prim_hash_string(STATE, "SHA256", 1)),
            ('builtins.hashFile "crc32" 1', lambda: prim_hash_file(STATE, "crc32", 1)),
        ],
        first_line_only=True,  # the CLI adds "Try '... --help'" to usage errors
    )
    with pytest.raises(UnknownHashAlgorithm):
        prim_hash_string(STATE, "sha384", "x")
