"""Text encodings of binary digests exactly as Nix prints and parses them.

Nix shows digests in four textual forms: base-16, its own base-32, base-64 and
SRI (``<algo>-<base64>``).  Store path hash parts and most user-visible hashes
use the base-32 form, which is *not* RFC 4648: the alphabet drops the letters
``e o u t`` (to avoid accidental words), and the bits are read starting from the
*end* of the digest, so the first character printed encodes the most significant
bits of the last byte.  Any mismatch here changes every store path, so this
module follows Nix's bit arithmetic literally rather than using a library codec.

Nix's base-64 decoder is also more lenient than Python's strict mode (padding is
optional, newlines are skipped, decoding stops at the first ``=``), and that
leniency is observable through ``builtins.hashString``-style inputs, so it is
reimplemented here too.
"""

from __future__ import annotations

import base64

from .errors import StoreError

__all__ = [
    "BASE32_ALPHABET",
    "EncodingError",
    "base32_len",
    "encode_base32",
    "decode_base32",
    "encode_hex",
    "decode_hex",
    "encode_base64",
    "decode_base64",
    "format_sri",
    "split_sri",
    "compress_hash",
]

BASE32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz"
"""Nix's 32 digits: 0-9 and a-z without e, o, u and t."""


_BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BASE64_VALUES = {c: i for i, c in enumerate(_BASE64_ALPHABET)}

_HEX_VALUES = {c: int(c, 16) for c in "0123456789abcdefABCDEF"}


class EncodingError(StoreError, ValueError):
    """A string is not a valid encoding of a digest.

    Messages only name the problem; ``hashes`` wraps them with Nix's wording
    ("invalid base-32 hash '...'") because only it knows the whole input.
    """


def base32_len(size: int) -> int:
    """Number of base-32 characters Nix uses for ``size`` bytes (ceil(8*size/5))."""
    return (size * 8 - 1) // 5 + 1 if size else 0


def encode_base32(digest: bytes) -> str:
    """Encode ``digest`` in Nix base-32 (as used in store path hash parts).

    Nix's base-32 is the digest read as one little-endian integer, written most
    significant digit first; Python's integers do the bit shuffling.
    """
    value = int.from_bytes(digest, "little")
    alphabet = BASE32_ALPHABET
    return "".join([alphabet[(value >> shift) & 0x1F] for shift in range(5 * base32_len(len(digest)) - 5, -5, -5)])


# Nix's alphabet mapped onto the digits int(..., 32) reads; anything else onto a byte it rejects.
_TO_INT_DIGITS = bytes(
    ord("0123456789abcdefghijklmnopqrstuv"[BASE32_ALPHABET.index(chr(b))]) if chr(b) in BASE32_ALPHABET else ord("!")
    for b in range(256)
)


def decode_base32(text: str, size: int | None = None) -> bytes:
    """Decode Nix base-32 ``text`` into ``size`` bytes.

    When ``size`` is omitted it is derived from the length; the mapping from byte
    count to character count is injective, so ``floor(5*len/8)`` recovers it.
    Like Nix, bits that would fall beyond the last byte must be zero, otherwise
    two different strings would decode to the same digest.
    """
    if size is None:
        size = len(text) * 5 // 8
    if len(text) != base32_len(size):
        raise EncodingError(f"base-32 string has length {len(text)}, expected {base32_len(size)}")
    if not text:
        return b""
    try:
        value = int(text.encode("ascii").translate(_TO_INT_DIGITS), 32)
    except (UnicodeEncodeError, ValueError):
        raise EncodingError("invalid base-32 character") from None
    if value >> (8 * size):
        raise EncodingError("base-32 string has non-zero bits beyond the digest")
    return value.to_bytes(size, "little")


def encode_hex(digest: bytes) -> str:
    """Lower-case base-16, the form Nix uses inside store path fingerprints."""
    return digest.hex()


def decode_hex(text: str) -> bytes:
    """Decode base-16 accepting either case, and nothing else.

    ``bytes.fromhex`` would also accept embedded whitespace, which Nix rejects.
    """
    if len(text) % 2:
        raise EncodingError("base-16 string has odd length")
    out = bytearray(len(text) // 2)
    for k in range(len(out)):
        hi = _HEX_VALUES.get(text[2 * k])
        lo = _HEX_VALUES.get(text[2 * k + 1])
        if hi is None or lo is None:
            raise EncodingError("invalid base-16 character")
        out[k] = hi << 4 | lo
    return bytes(out)


def encode_base64(data: bytes) -> str:
    """Standard padded base-64 (identical to Nix's encoder)."""
    return base64.b64encode(data).decode("ascii")


def decode_base64(text: str) -> bytes:
    """Decode base-64 with Nix's leniency.

    Decoding stops at the first ``=`` (so padding is optional and anything after
    it is ignored), newlines are skipped, and any other character outside the
    alphabet is an error.  Left-over bits that do not fill a byte are dropped.
    """
    out = bytearray()
    acc = 0
    bits = 0
    for c in text:
        if c == "=":
            break
        if c == "\n":
            continue
        digit = _BASE64_VALUES.get(c)
        if digit is None:
            # Nix 2.8 means to quote the character, but its formatter drops a bare
            # char argument, so users actually see '' -- reproduced for parity.
            raise EncodingError("invalid character in Base64 string: ''")
        acc = (acc << 6 | digit) & 0xFFFF
        bits += 6
        if bits >= 8:
            bits -= 8
            out.append(acc >> bits & 0xFF)
    return bytes(out)


def format_sri(algo: str, digest: bytes) -> str:
    """Subresource-integrity form ``<algo>-<base64>``, e.g. ``sha256-47DEQp...=``."""
    return f"{algo}-{encode_base64(digest)}"


def split_sri(text: str) -> tuple[str, str]:
    """Split an SRI string into ``(algo, base64 part)`` at the first ``-``.

    Raises ``EncodingError`` if there is no ``-``; the algorithm name is not
    validated here because that is a hash-level concern.
    """
    algo, sep, rest = text.partition("-")
    if not sep:
        raise EncodingError("not an SRI hash")
    return algo, rest


def compress_hash(digest: bytes, size: int) -> bytes:
    """Fold ``digest`` to ``size`` bytes by XOR-ing byte ``i`` into ``i % size``.

    Nix shortens the SHA-256 fingerprint of a store path to 160 bits this way;
    it is not truncation, so every input byte influences the result.
    """
    out = bytearray(size)
    for i, b in enumerate(digest):
        out[i % size] ^= b
    return bytes(out)
