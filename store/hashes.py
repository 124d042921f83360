"""Typed digests and the many textual forms Nix accepts and prints for them.

Nix code passes hashes around as strings in half a dozen shapes: bare base-16,
base-32 or base-64 (the encoding is told apart purely by length for the
expected algorithm), ``<algo>:<digest>`` and SRI ``<algo>-<base64>``.  Which
shapes are legal depends on the call site (a ``.drv`` file only allows bare
base-16 for a known algorithm, ``outputHash`` allows anything, ``nix-hash
--to-base32`` needs the type from outside), so the parsers below mirror Nix's
``parseAny`` / ``parseSRI`` / ``parseAnyPrefixed`` / ``parseNonSRIUnprefixed``
entry points one to one, including their error messages, which tests and users
compare against real Nix.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .base32 import (
    EncodingError,
    base32_len,
    decode_base32,
    decode_base64,
    decode_hex,
    encode_base32,
    encode_base64,
)
from .blake3 import Blake3
from .errors import StoreError

__all__ = [
    "EXPERIMENTAL_HASH_SIZES",
    "HASH_SIZES",
    "Base",
    "BadHash",
    "Hash",
    "Hasher",
    "parse_hash_type",
    "parse_hash_type_opt",
    "new_hasher",
    "hash_bytes",
    "hash_file",
    "print_hash16or32",
]

HASH_SIZES: dict[str, int] = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}
"""Digest length in bytes of each algorithm Nix 2.8 supports, nothing more."""

EXPERIMENTAL_HASH_SIZES: dict[str, int] = {"blake3": 32}
"""Algorithms current Nix has behind an experimental feature (``blake3-hashes``): a parser
accepts them only when its caller passes them in ``extra`` (the evaluator, with the feature on)."""

_READ_CHUNK = 65536


class BadHash(StoreError, ValueError):
    """A hash string or algorithm name that Nix would reject, worded as Nix does."""


class Base(StrEnum):
    """The four ways Nix can print a digest."""

    BASE16 = "base16"
    BASE32 = "base32"
    BASE64 = "base64"
    SRI = "sri"


class Hasher(Protocol):
    """The slice of the ``hashlib`` object interface that NAR streaming relies on."""

    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


def parse_hash_type_opt(name: str) -> str | None:
    """Return ``name`` if it is one of md5/sha1/sha256/sha512, else ``None``.

    Names are case-sensitive in Nix ("SHA256" is not accepted).
    """
    return name if name in HASH_SIZES else None


def parse_hash_type(name: str, extra: Collection[str] = ()) -> str:
    """Validate an algorithm name, raising Nix's "unknown hash algorithm" error; ``extra``
    names experimental algorithms (of ``EXPERIMENTAL_HASH_SIZES``) the caller allows."""
    if name not in HASH_SIZES and not (name in extra and name in EXPERIMENTAL_HASH_SIZES):
        raise BadHash(f"unknown hash algorithm '{name}'")
    return name


def _size(algo: str) -> int:
    return HASH_SIZES.get(algo) or EXPERIMENTAL_HASH_SIZES[algo]


def new_hasher(algo: str, extra: Collection[str] = ()) -> Hasher:
    """A fresh incremental hasher for ``algo`` (validated)."""
    if parse_hash_type(algo, extra) == "blake3":
        return Blake3()
    return hashlib.new(algo)


def _split_type_prefix(text: str, extra: Collection[str] = ()) -> tuple[str | None, bool, str]:
    """Peel an ``algo:`` or SRI ``algo-`` prefix off ``text``.

    Returns ``(algo or None, is_sri, rest)``.  A colon wins over a dash, and the
    text before either must be a known algorithm, as in Nix, so "foo:..." is an
    "unknown hash algorithm" error rather than a malformed digest.
    """
    head, sep, rest = text.partition(":")
    if sep:
        return parse_hash_type(head, extra), False, rest
    head, sep, rest = text.partition("-")
    if sep:
        return parse_hash_type(head, extra), True, rest
    return None, False, text


@dataclass(frozen=True, slots=True)
class Hash:
    """A digest together with its algorithm; immutable and hashable."""

    algo: str
    digest: bytes

    def __post_init__(self) -> None:
        size = HASH_SIZES.get(self.algo) or EXPERIMENTAL_HASH_SIZES.get(self.algo)
        if size is None:
            raise BadHash(f"unknown hash algorithm '{self.algo}'")
        if len(self.digest) != size:
            raise ValueError(f"{self.algo} digest must be {size} bytes, got {len(self.digest)}")

    # -- printing -------------------------------------------------------------------------

    @property
    def hex(self) -> str:
        """Lower-case base-16 digest without a type prefix."""
        return self.digest.hex()

    @property
    def base32(self) -> str:
        """Nix base-32 digest without a type prefix."""
        return encode_base32(self.digest)

    @property
    def base64(self) -> str:
        """Padded base-64 digest without a type prefix."""
        return encode_base64(self.digest)

    @property
    def sri(self) -> str:
        """``<algo>-<base64>``, the form newer Nix prints by default."""
        return f"{self.algo}-{self.base64}"

    def to_string(self, base: Base | str = Base.BASE32, include_type: bool = False) -> str:
        """Print like Nix's ``Hash::to_string``.

        SRI always carries its type; the other forms get an ``<algo>:`` prefix only
        when ``include_type`` is set (e.g. the ``sha256:<hex>`` inside store path
        fingerprints).
        """
        base = Base(base)
        if base is Base.SRI:
            return self.sri
        body = {Base.BASE16: self.hex, Base.BASE32: self.base32, Base.BASE64: self.base64}[base]
        return f"{self.algo}:{body}" if include_type else body

    def __str__(self) -> str:
        return self.to_string(Base.BASE32, include_type=True)

    # -- parsing --------------------------------------------------------------------------

    @classmethod
    def zero(cls, algo: str) -> Hash:
        """The all-zero digest, which Nix substitutes for an empty ``outputHash``."""
        return cls(parse_hash_type(algo), bytes(HASH_SIZES[algo]))

    @classmethod
    def _decode(cls, rest: str, algo: str, is_sri: bool) -> Hash:
        """Decode an unprefixed digest, choosing the encoding by length like Nix.

        Base-16 is tried before base-32 (md5 hex and sha1 base-32 are both 32
        characters long, but the algorithm is already fixed, so the lengths never
        collide for the same algorithm).
        """
        size = _size(algo)
        try:
            if not is_sri and len(rest) == 2 * size:
                try:
                    return cls(algo, decode_hex(rest))
                except EncodingError:
                    raise BadHash(f"invalid base-16 hash '{rest}'") from None
            if not is_sri and len(rest) == base32_len(size):
                try:
                    return cls(algo, decode_base32(rest, size))
                except EncodingError:
                    raise BadHash(f"invalid base-32 hash '{rest}'") from None
            if is_sri or len(rest) == ((4 * size // 3) + 3) & ~3:
                data = decode_base64(rest)
                if len(data) != size:
                    raise BadHash(f"invalid {'SRI' if is_sri else 'base-64'} hash '{rest}'")
                return cls(algo, data)
        except EncodingError as e:
            # Only the base-64 decoder lets its own message through, as Nix does.
            raise BadHash(str(e)) from None
        raise BadHash(f"hash '{rest}' has wrong length for hash type '{algo}'")

    @classmethod
    def parse_any(cls, text: str, algo: str | None = None, extra: Collection[str] = ()) -> Hash:
        """Parse any form; ``algo`` is the type expected from context, if any.

        This is what ``outputHash``, ``builtins.fetchurl``'s ``sha256`` and
        ``nix-hash --to-*`` use: a prefix in the string and ``algo`` must agree,
        and at least one of them must be present. ``extra``: see ``parse_hash_type``.
        """
        parsed, is_sri, rest = _split_type_prefix(text, extra)
        if parsed is None and algo is None:
            raise BadHash(f"hash '{rest}' does not include a type, nor is the type otherwise known from context")
        if parsed is not None and algo is not None and parsed != algo:
            raise BadHash(f"hash '{text}' should have type '{algo}'")
        if parsed is None:
            assert algo is not None
            parsed = parse_hash_type(algo, extra)
        return cls._decode(rest, parsed, is_sri)

    @classmethod
    def parse_any_prefixed(cls, text: str) -> Hash:
        """Parse a string that must carry its own type (``algo:...`` or SRI)."""
        parsed, is_sri, rest = _split_type_prefix(text)
        if parsed is None:
            raise BadHash(f"hash '{rest}' does not include a type")
        return cls._decode(rest, parsed, is_sri)

    @classmethod
    def parse_sri(cls, text: str) -> Hash:
        """Parse strictly SRI ``algo-base64`` (only a dash separator is accepted)."""
        head, sep, rest = text.partition("-")
        if not sep:
            raise BadHash(f"hash '{text}' is not SRI")
        return cls._decode(rest, parse_hash_type(head), True)

    @classmethod
    def parse_non_sri_unprefixed(cls, text: str, algo: str) -> Hash:
        """Parse a bare base-16/32/64 digest of known type (as in ``.drv`` files)."""
        return cls._decode(text, parse_hash_type(algo), False)

    @classmethod
    def parse_allow_empty(cls, text: str, algo: str | None) -> Hash:
        """Like ``parse_any`` but an empty string means the all-zero digest.

        Nix accepts ``outputHash = ""`` (warning "found empty hash, assuming
        '<sri>'") so that users can discover the real hash from the mismatch
        error; emitting that warning is left to the caller.
        """
        if text == "":
            if algo is None:
                raise BadHash("empty hash requires explicit hash type")
            return cls.zero(algo)
        return cls.parse_any(text, algo)


def hash_bytes(algo: str, data: bytes | str, extra: Collection[str] = ()) -> Hash:
    """Digest an in-memory string (``builtins.hashString``); str is UTF-8 encoded."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    hasher = new_hasher(algo, extra)
    hasher.update(data)
    return Hash(algo, hasher.digest())


def hash_file(algo: str, path: str | os.PathLike[str], extra: Collection[str] = ()) -> Hash:
    """Digest a file's contents in bounded memory (flat hashing, ``builtins.hashFile``)."""
    hasher = new_hasher(algo, extra)
    with open(path, "rb") as f:
        while chunk := f.read(_READ_CHUNK):
            hasher.update(chunk)
    return Hash(algo, hasher.digest())


def print_hash16or32(h: Hash) -> str:
    """Nix's legacy display rule: md5 in base-16, everything else in base-32."""
    return h.to_string(Base.BASE16 if h.algo == "md5" else Base.BASE32)
