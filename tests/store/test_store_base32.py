"""Nix base-32/base-16/base-64 encodings and compressHash, checked against nix-hash and nix."""

from __future__ import annotations

import hashlib
import random

import pytest
from pydock.store import base32
from pydock.store.hashes import HASH_SIZES
from store_nixtools import Nix, NixFailed


def _digests(algo: str, count: int = 12) -> list[bytes]:
    """Deterministic digests including the all-zero/all-one edge cases."""
    rng = random.Random(f"pydock-{algo}")
    size = HASH_SIZES[algo]
    return [bytes(size), b"\xff" * size] + [rng.randbytes(size) for _ in range(count)]


@pytest.mark.parametrize("algo", sorted(HASH_SIZES))
def test_encode_base32_matches_nix_hash(nix: Nix, algo: str) -> None:
    digests = _digests(algo)
    expected = nix.lines("nix-hash", "--type", algo, "--to-base32", *(d.hex() for d in digests))
    assert [base32.encode_base32(d) for d in digests] == expected
    assert all(len(e) == base32.base32_len(HASH_SIZES[algo]) for e in expected)


@pytest.mark.parametrize("algo", sorted(HASH_SIZES))
def test_decode_base32_matches_nix_hash(nix: Nix, algo: str) -> None:
    encoded = [base32.encode_base32(d) for d in _digests(algo)]
    expected = nix.lines("nix-hash", "--type", algo, "--to-base16", *encoded)
    assert [base32.decode_base32(e).hex() for e in encoded] == expected
    assert [base32.decode_base32(e, HASH_SIZES[algo]).hex() for e in encoded] == expected


@pytest.mark.parametrize("algo", sorted(HASH_SIZES))
def test_base64_matches_nix(nix: Nix, algo: str) -> None:
    digests = _digests(algo, 4)
    hexes = [d.hex() for d in digests]
    expected = nix.nix3("hash", "to-base64", "--type", algo, *hexes)
    assert [base32.encode_base64(d) for d in digests] == expected
    assert [base32.decode_base64(e) for e in expected] == digests
    sri = nix.nix3("hash", "to-sri", "--type", algo, *hexes)
    assert [base32.format_sri(algo, d) for d in digests] == sri
    assert [base32.split_sri(s) for s in sri] == [(algo, e) for e in expected]


def test_base64_leniency_matches_nix(nix: Nix) -> None:
    """Nix's base-64 decoder takes unpadded input; ours must accept what Nix accepts."""
    digest = hashlib.sha256(b"lenient").digest()
    unpadded = base32.encode_base64(digest).rstrip("=")
    (expected,) = nix.nix3("hash", "to-base16", f"sha256-{unpadded}")
    assert base32.decode_base64(unpadded).hex() == expected == digest.hex()


def test_hex_accepts_upper_case_like_nix(nix: Nix) -> None:
    digest = hashlib.sha1(b"x").digest()
    (expected,) = nix.lines("nix-hash", "--type", "sha1", "--to-base32", digest.hex().upper())
    assert base32.encode_base32(base32.decode_hex(digest.hex().upper())) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "e" * 52,  # 'e' is not in the alphabet
        "z" + "0" * 51,  # top bits overflow a 256-bit digest
        "0" * 51 + "u",
    ],
)
def test_invalid_base32_rejected_by_both(nix: Nix, bad: str) -> None:
    with pytest.raises(NixFailed) as nix_err:
        nix.run("nix-hash", "--type", "sha256", "--to-base16", bad)
    assert nix_err.value.error == f"invalid base-32 hash '{bad}'"
    with pytest.raises(base32.EncodingError):
        base32.decode_base32(bad, 32)


@pytest.mark.parametrize("algo", ["md5", "sha1", "sha256", "sha512"])
def test_compress_hash_matches_nix_hash_truncate(nix: Nix, algo: str, tmp_path) -> None:
    """``nix-hash --truncate`` folds the digest to 160 bits with compressHash."""
    f = tmp_path / "data"
    f.write_bytes(b"compress me\n" * 7)
    (full,) = nix.lines("nix-hash", "--flat", "--type", algo, str(f))
    (folded,) = nix.lines("nix-hash", "--flat", "--truncate", "--type", algo, str(f))
    if HASH_SIZES[algo] <= 20:
        # Nix only folds digests longer than 20 bytes and prints md5/sha1 unchanged: the same as
        # folding them onto their own size, which must then be the identity for pydock too.
        assert base32.compress_hash(bytes.fromhex(full), HASH_SIZES[algo]).hex() == folded
    else:
        assert base32.compress_hash(bytes.fromhex(full), 20).hex() == folded
    assert len(bytes.fromhex(folded)) == min(HASH_SIZES[algo], 20)
