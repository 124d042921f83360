"""Store path computation, exactly as Nix 2.8 derives ``/nix/store/<hash>-<name>``.

Every store path is ``<store dir>/<h>-<name>`` where ``h`` is the Nix base-32 of
a 160-bit XOR-fold of ``sha256("<type>:sha256:<hex>:<store dir>:<name>")``.  The
*type* string says what the inner hash describes and carries the references
(``text:/nix/store/a:/nix/store/b``, ``source``, ``output:out``), so two objects
with equal contents but different dependencies, kinds or store directories
never collide.  Because the logical store directory is part of the fingerprint,
it is a parameter (:class:`StoreDir`) rather than a constant.

The fixed-output rule has a historical wrinkle that must be reproduced: a
recursive sha256 hash is fingerprinted directly as a ``source`` path (the same
thing ``builtins.path`` produces), while every other algorithm/method pair is
first wrapped as ``fixed:out:<method><algo>:<hex>:`` and hashed again.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from .base32 import BASE32_ALPHABET, compress_hash, encode_base32
from .errors import StoreError
from .hashes import Hash, hash_bytes, hash_file
from .nar import PathFilter, hash_path

__all__ = [
    "DEFAULT_STORE_DIR",
    "HASH_PART_LEN",
    "DRV_EXTENSION",
    "BadStorePath",
    "FileIngestionMethod",
    "StoreDir",
    "check_name",
    "output_path_name",
    "store_path_hash_part",
    "store_path_name",
]

DEFAULT_STORE_DIR = "/nix/store"
HASH_PART_LEN = 32
"""Length of the base-32 hash part: 160 bits in 5-bit digits."""
DRV_EXTENSION = ".drv"
MAX_NAME_LEN = 211
"""Nix's limit, chosen so that ``<hash>-<name>`` fits the 255-byte file name limit with room to spare."""

_NAME_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-._?=")
_HASH_CHARS = frozenset(BASE32_ALPHABET)


class BadStorePath(StoreError, ValueError):
    """A store path or name Nix would reject; messages use Nix's wording."""


class FileIngestionMethod(Enum):
    """How a content-addressed path's contents were hashed.

    ``FLAT`` hashes the bytes of a single regular file; ``RECURSIVE`` hashes the
    NAR of an arbitrary tree.  The value is the prefix Nix writes in front of the
    algorithm (``r:sha256``) in derivations and fingerprints.
    """

    FLAT = ""
    RECURSIVE = "r:"

    @property
    def prefix(self) -> str:
        return self.value


def check_name(name: str, path: str | None = None) -> None:
    """Validate a store path name as Nix's ``checkName`` does.

    ``path`` is what the error message quotes (Nix quotes the full
    ``<hash>-<name>`` base name); it defaults to ``name``.  The length limit is
    in bytes, like Nix's.  For a non-ASCII name the first raw byte is quoted, as
    Nix does.
    """
    shown = name if path is None else path
    if not name:
        raise BadStorePath(f"store path '{shown}' has an empty name")
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_LEN:
        raise BadStorePath(f"store path '{shown}' has a name longer than {MAX_NAME_LEN} characters")
    for c in name:
        if c not in _NAME_CHARS:
            if not c.isascii():
                # Nix checks bytes and quotes the first byte of the character; keep it a raw
                # byte (a surrogate escape) so the message prints exactly as Nix's does
                c = c.encode("utf-8", "surrogateescape")[:1].decode("utf-8", "surrogateescape")
            raise BadStorePath(f"store path '{shown}' contains illegal character '{c}'")


def output_path_name(drv_name: str, output_name: str) -> str:
    """The name of a derivation output's path: ``<drv>`` for ``out``, else ``<drv>-<output>``."""
    return drv_name if output_name == "out" else f"{drv_name}-{output_name}"


def store_path_hash_part(path: str) -> str:
    """The 32-character hash part of a store path (or of a bare ``<hash>-<name>``).

    Only the base name is looked at, so this works for any store directory.
    """
    base = os.path.basename(path.rstrip("/"))
    _check_base_name(base)
    return base[:HASH_PART_LEN]


def store_path_name(path: str) -> str:
    """The ``<name>`` part of a store path (everything after ``<hash>-``)."""
    base = os.path.basename(path.rstrip("/"))
    _check_base_name(base)
    return base[HASH_PART_LEN + 1 :]


def _check_base_name(base: str) -> None:
    """Validate ``<hash>-<name>`` the way Nix's ``StorePath`` constructor does."""
    if len(base) < HASH_PART_LEN + 1:
        raise BadStorePath(f"'{base}' is too short to be a valid store path")
    for c in base[:HASH_PART_LEN]:
        if c not in _HASH_CHARS:
            raise BadStorePath(f"store path '{base}' contains illegal base-32 character '{c}'")
    check_name(base[HASH_PART_LEN + 1 :], base)


def _sorted_refs(references: Iterable[str]) -> list[str]:
    """References are a set in Nix, printed in byte order; dedupe and sort likewise."""
    return sorted(set(references))


@dataclass(frozen=True, slots=True)
class StoreDir:
    """A logical store directory and the path arithmetic that depends on it.

    The default is ``/nix/store``; ``from_env`` honours ``NIX_STORE_DIR`` like
    Nix does.  References passed to the methods are full store paths.
    """

    path: str = DEFAULT_STORE_DIR

    @classmethod
    def from_env(cls) -> StoreDir:
        """The store directory Nix would use given the environment (``NIX_STORE_DIR``)."""
        return cls(os.environ.get("NIX_STORE_DIR") or DEFAULT_STORE_DIR)

    # -- recognising paths ------------------------------------------------------------

    def parse_store_path(self, path: str) -> str:
        """Validate that ``path`` is directly inside this store; return its base name.

        The path is normalised first (``//`` and ``/./`` collapsed, a trailing
        slash dropped) as Nix's ``canonPath`` would.
        """
        canon = os.path.normpath(path) if path else path
        if canon.startswith("//"):
            canon = "/" + canon.lstrip("/")
        if os.path.dirname(canon) != self.path:
            raise BadStorePath(f"path '{canon}' is not in the Nix store")
        base = os.path.basename(canon)
        _check_base_name(base)
        return base

    def is_store_path(self, path: str) -> bool:
        """True if ``path`` is exactly a valid ``<store>/<hash>-<name>``."""
        try:
            self.parse_store_path(path)
        except BadStorePath:
            return False
        return True

    def is_in_store(self, path: str) -> bool:
        """True if ``path`` lies inside the store directory (possibly deeper down)."""
        return path.startswith(self.path + "/") and len(path) > len(self.path) + 1

    def to_store_path(self, path: str) -> str:
        """The top-level store path containing ``path`` (``/nix/store/h-x/bin/sh`` -> ``/nix/store/h-x``)."""
        if not self.is_in_store(path):
            raise BadStorePath(f"path '{path}' is not in the Nix store")
        first = path[len(self.path) + 1 :].split("/", 1)[0]
        return f"{self.path}/{first}"

    # -- computing paths --------------------------------------------------------------

    def make_store_path(self, type: str, hash: Hash | str, name: str) -> str:
        """Nix's ``makeStorePath``: fingerprint ``type:hash:storedir:name`` into a path.

        ``hash`` is a :class:`Hash` (printed as ``<algo>:<hex>``) or an already
        formatted string used verbatim.
        """
        inner = hash.to_string("base16", include_type=True) if isinstance(hash, Hash) else hash
        fingerprint = f"{type}:{inner}:{self.path}:{name}"
        digest = compress_hash(hash_bytes("sha256", fingerprint).digest, 20)
        base = f"{encode_base32(digest)}-{name}"
        check_name(name, base)
        return f"{self.path}/{base}"

    @staticmethod
    def make_type(type: str, references: Iterable[str] = (), has_self_reference: bool = False) -> str:
        """Append ``:<ref>`` for each sorted reference and ``:self`` if self-referencing."""
        parts = [type, *_sorted_refs(references)]
        if has_self_reference:
            parts.append("self")
        return ":".join(parts)

    def make_text_path(self, name: str, hash: Hash, references: Iterable[str] = ()) -> str:
        """Path of a text object (``builtins.toFile``, ``.drv`` files) given its sha256."""
        if hash.algo != "sha256":
            raise ValueError("text paths are always addressed by sha256")
        return self.make_store_path(self.make_type("text", references), hash, name)

    def text_path(self, name: str, contents: bytes | str, references: Iterable[str] = ()) -> str:
        """Nix's ``computeStorePathForText``: hash ``contents`` and make a text path."""
        return self.make_text_path(name, hash_bytes("sha256", contents), references)

    def make_fixed_output_path(
        self,
        method: FileIngestionMethod,
        hash: Hash,
        name: str,
        references: Iterable[str] = (),
        has_self_reference: bool = False,
    ) -> str:
        """Path of content-addressed data with a known hash (fixed outputs, ``--add-fixed``).

        Recursive sha256 is the ``source`` type (references allowed); anything
        else goes through the ``fixed:out:`` indirection and cannot have
        references.
        """
        refs = _sorted_refs(references)
        if hash.algo == "sha256" and method is FileIngestionMethod.RECURSIVE:
            return self.make_store_path(self.make_type("source", refs, has_self_reference), hash, name)
        if refs or has_self_reference:
            raise ValueError("only recursive sha256 fixed-output paths can have references")
        inner = hash_bytes("sha256", f"fixed:out:{method.prefix}{hash.to_string('base16', True)}:")
        return self.make_store_path("output:out", inner, name)

    def make_output_path(self, output_name: str, hash: Hash, drv_name: str) -> str:
        """Path of an input-addressed derivation output, from its hash modulo."""
        return self.make_store_path(f"output:{output_name}", hash, output_path_name(drv_name, output_name))

    def compute_path_for_path(
        self,
        name: str,
        src: str | os.PathLike[str],
        method: FileIngestionMethod = FileIngestionMethod.RECURSIVE,
        algo: str = "sha256",
        filter: PathFilter | None = None,
    ) -> tuple[str, Hash]:
        """Where ``addToStore`` would put ``src`` under ``name``, and the content hash.

        This is the path of ``builtins.path``, of ``"${./file}"`` interpolation
        (name = base name, recursive sha256) and of ``nix-store --add`` /
        ``--add-fixed``.  ``filter`` only makes sense for recursive ingestion.
        """
        if method is FileIngestionMethod.RECURSIVE:
            h, _ = hash_path(src, algo, filter)
        else:
            h = hash_file(algo, src)
        return self.make_fixed_output_path(method, h, name), h

    def source_path(
        self, src: str | os.PathLike[str], name: str | None = None, filter: PathFilter | None = None
    ) -> str:
        """The store path a local file or tree is imported to (recursive sha256).

        ``name`` defaults to the source's base name, which must then be a valid
        store path name, exactly as when Nix copies ``./foo`` to the store.
        """
        if name is None:
            name = os.path.basename(os.path.normpath(os.fspath(src)))
        return self.compute_path_for_path(name, src, FileIngestionMethod.RECURSIVE, "sha256", filter)[0]
