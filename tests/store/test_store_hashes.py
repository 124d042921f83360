"""Hash parsing/printing and content hashing, checked against nix, nix-hash and builtins."""

from __future__ import annotations

import random

import pytest
from pydock.store.hashes import HASH_SIZES, BadHash, Base, Hash, hash_bytes, hash_file
from store_nixtools import Nix, NixFailed, nix_str

ALGOS = sorted(HASH_SIZES)


def _sample(algo: str) -> Hash:
    return Hash(algo, random.Random(f"h-{algo}").randbytes(HASH_SIZES[algo]))


def _forms(h: Hash) -> list[str]:
    """Every textual form Nix's parseAny accepts for ``h``."""
    return [
        h.hex,
        h.hex.upper(),
        h.base32,
        h.base64,
        h.sri,
        f"{h.algo}:{h.hex}",
        f"{h.algo}:{h.base32}",
        f"{h.algo}:{h.base64}",
    ]


@pytest.mark.parametrize("algo", ALGOS)
def test_parse_any_all_forms_matches_nix(nix: Nix, algo: str) -> None:
    forms = _forms(_sample(algo))
    expected = nix.nix3("hash", "to-base16", "--type", algo, *forms)
    assert [Hash.parse_any(f, algo).hex for f in forms] == expected
    prefixed = [f for f in forms if f.startswith(algo)]
    expected_prefixed = nix.nix3("hash", "to-base16", *prefixed)
    assert [Hash.parse_any_prefixed(f).hex for f in prefixed] == expected_prefixed
    assert [Hash.parse_any(f).hex for f in prefixed] == expected_prefixed


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("base", ["base16", "base32", "base64", "sri"])
def test_printing_matches_nix(nix: Nix, algo: str, base: str) -> None:
    h = _sample(algo)
    (expected,) = nix.nix3("hash", f"to-{base}", "--type", algo, h.hex)
    assert h.to_string(base) == expected
    assert Hash.parse_any(expected, algo) == h


def test_sri_parser_matches_nix(nix: Nix) -> None:
    h = _sample("sha512")
    (expected,) = nix.nix3("hash", "to-base16", h.sri)
    assert Hash.parse_sri(h.sri).hex == expected
    assert Hash.parse_non_sri_unprefixed(h.base32, "sha512").hex == expected


@pytest.mark.parametrize(
    ("text", "algo"),
    [
        ("zz", "sha256"),
        ("e" * 52, "sha256"),
        ("g" * 64, "sha256"),
        ("sha1:" + "0" * 40, "sha256"),
        ("foo:abc", "sha256"),
        ("sha256-abc", "sha256"),
        ("sha256-", "sha256"),
        ("sha1-2jmj7l5rSw0yVb/vlWAYkK/YBw", "sha1"),
        ("!" * 43 + "=", "sha256"),
        ("abc", None),
        ("0" * 40, "md5"),
    ],
)
def test_parse_errors_worded_as_nix(nix: Nix, text: str, algo: str | None) -> None:
    args = ["--type", algo] if algo else []
    with pytest.raises(NixFailed) as nix_err:
        nix.nix3("hash", "to-base16", *args, text)
    with pytest.raises(BadHash) as ours:
        Hash.parse_any(text, algo)
    assert str(ours.value) == nix_err.value.error


STRINGS = ["", "hello", "with\nnewline\tand tab", "ünïcödé ✓", "x" * 1000]


def test_hash_bytes_matches_builtins_hash_string(nix: Nix) -> None:
    expr = "[" + " ".join(
        f"(builtins.hashString {nix_str(a)} {nix_str(s)})" for a in ALGOS for s in STRINGS
    ) + "]"  # fmt: skip
    expected = nix.eval_json(expr)
    ours = [hash_bytes(a, s).hex for a in ALGOS for s in STRINGS]
    assert ours == expected


def test_hash_file_matches_builtins_and_nix_hash(nix: Nix, tmp_path) -> None:
    f = tmp_path / "blob"
    f.write_bytes(random.Random(7).randbytes(200_003))
    expr = "[" + " ".join(f'(builtins.hashFile "{a}" {f})' for a in ALGOS) + "]"
    assert [hash_file(a, f).hex for a in ALGOS] == nix.eval_json(expr)
    for a in ALGOS:
        (flat,) = nix.lines("nix-hash", "--flat", "--base32", "--type", a, str(f))
        assert hash_file(a, f).to_string(Base.BASE32) == flat


def test_unknown_algorithm_worded_as_nix(nix: Nix) -> None:
    with pytest.raises(NixFailed) as nix_err:
        nix.eval_json('builtins.hashString "sha3" "x"')
    with pytest.raises(BadHash) as ours:
        hash_bytes("sha3", "x")
    assert str(ours.value) == nix_err.value.error
