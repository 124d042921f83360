"""ed25519 signatures on store paths, in Nix's ``name:base64`` formats.

A binary cache signs each path's *fingerprint*, ``1;<path>;<narhash>;<narsize>;<refs>``
(NarHash as ``sha256:<base32>``, references as full paths joined by commas), with
a secret key; the narinfo carries ``Sig: <key name>:<base64 signature>``.  A
client trusts a path when one of its signatures verifies under a key of the
same name in ``trusted-public-keys``: names only pick the key, the math decides.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from .errors import StoreError
from .hashes import Hash

__all__ = [
    "BadKey",
    "PublicKey",
    "SecretKey",
    "fingerprint",
    "parse_public_keys",
    "verify_any",
]


class BadKey(StoreError):
    """A key in ``trusted-public-keys`` (or a secret key file) that is not ``name:base64`` of the right size."""


def _split(text: str, size: int, what: str) -> tuple[str, bytes]:
    name, sep, data = text.strip().partition(":")
    if not sep or not name or not data:
        raise BadKey(f"{what} '{text}' is corrupt (expected 'name:base64')")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadKey(f"{what} '{text}' is corrupt (invalid base-64)") from None
    if len(raw) != size:
        raise BadKey(f"{what} '{name}' has {len(raw)} bytes, expected {size}")
    return name, raw


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A trusted ed25519 verify key and the name signatures refer to it by."""

    name: str
    key: bytes

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        name, raw = _split(text, 32, "public key")
        return cls(name, raw)

    def verify(self, message: str, sig: bytes) -> bool:
        try:
            nacl.signing.VerifyKey(self.key).verify(message.encode(), sig)
        except (nacl.exceptions.BadSignatureError, ValueError):
            return False
        return True

    def __str__(self) -> str:
        return f"{self.name}:{base64.b64encode(self.key).decode()}"


@dataclass(frozen=True, slots=True)
class SecretKey:
    """A signing key as ``nix-store --generate-binary-cache-key`` writes it (64 bytes: seed + public key)."""

    name: str
    key: bytes

    @classmethod
    def parse(cls, text: str) -> SecretKey:
        name, raw = _split(text, 64, "secret key")
        return cls(name, raw)

    def sign(self, message: str) -> str:
        """``name:base64(signature)``, the value of a narinfo ``Sig:`` line."""
        sig = nacl.signing.SigningKey(self.key[:32]).sign(message.encode()).signature
        return f"{self.name}:{base64.b64encode(sig).decode()}"

    def public(self) -> PublicKey:
        return PublicKey(self.name, self.key[32:])


def parse_public_keys(texts: Iterable[str]) -> dict[str, PublicKey]:
    """``trusted-public-keys`` entries keyed by name (a later key of the same name wins, as in Nix's map)."""
    keys: dict[str, PublicKey] = {}
    for t in texts:
        k = PublicKey.parse(t)
        keys[k.name] = k
    return keys


def fingerprint(path: str, nar_hash: Hash, nar_size: int, references: Iterable[str]) -> str:
    """Nix's ``ValidPathInfo::fingerprint``: the exact string a cache signs."""
    if nar_hash.algo != "sha256":
        raise StoreError(f"cannot calculate fingerprint of path '{path}' because its hash is not SHA-256")
    return f"1;{path};{nar_hash.to_string('base32', True)};{nar_size};{','.join(sorted(references))}"


def verify_any(message: str, sigs: Iterable[str], keys: dict[str, PublicKey]) -> bool:
    """True if any of ``sigs`` (``name:base64``) verifies ``message`` under the trusted key of that name."""
    for s in sigs:
        name, sep, data = s.partition(":")
        key = keys.get(name)
        if not sep or key is None:
            continue
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(raw) == 64 and key.verify(message, raw):
            return True
    return False
