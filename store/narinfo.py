"""Binary-cache metadata: ``<hash>.narinfo`` and ``nix-cache-info``, parsed and written as Nix does.

Both are ``Key: value`` line files.  A narinfo describes one store path (its
NAR's hash and size, references, signatures) and where its possibly compressed
NAR lives in the cache; ``nix-cache-info`` describes the cache (its store
directory, priority, whether mass queries are welcome).  Unknown keys are
ignored, as in Nix, so newer caches stay readable; a missing or unparsable
required field makes the whole file corrupt, because trusting half a narinfo
could register a path with the wrong hash or references.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import StoreError
from .hashes import BadHash, Hash
from .paths import BadStorePath, StoreDir

__all__ = [
    "COMPRESSIONS",
    "CacheInfo",
    "CorruptCacheFile",
    "NarInfo",
    "parse_cache_info",
    "parse_narinfo",
]

COMPRESSIONS = ("none", "xz", "bzip2", "zstd")
"""NAR compressions pydock can read (Nix also knows br/gzip/lz4 for logs, never used for NARs by default)."""


class CorruptCacheFile(StoreError):
    """A narinfo or nix-cache-info that cannot be parsed."""


@dataclass(slots=True)
class NarInfo:
    """One ``.narinfo``: where the NAR of ``store_path`` is and what it must hash to.

    ``references`` and ``deriver`` are full store paths here (the file holds base
    names); ``file_hash``/``file_size`` describe the compressed file and may be
    absent (older caches, ``nix copy`` from some stores).
    """

    store_path: str
    url: str
    nar_hash: Hash
    nar_size: int
    compression: str = "bzip2"
    file_hash: Hash | None = None
    file_size: int | None = None
    references: list[str] = field(default_factory=list)
    deriver: str | None = None
    system: str | None = None
    sigs: list[str] = field(default_factory=list)
    ca: str | None = None

    def to_text(self) -> str:
        """The narinfo file, fields in Nix's order (``NarInfo::to_string``)."""
        base = lambda p: p.rsplit("/", 1)[-1]  # noqa: E731
        lines = [f"StorePath: {self.store_path}", f"URL: {self.url}", f"Compression: {self.compression}"]
        if self.file_hash is not None:
            lines.append(f"FileHash: {self.file_hash.to_string('base32', True)}")
        if self.file_size is not None:
            lines.append(f"FileSize: {self.file_size}")
        lines.append(f"NarHash: {self.nar_hash.to_string('base32', True)}")
        lines.append(f"NarSize: {self.nar_size}")
        lines.append("References: " + " ".join(sorted(base(r) for r in self.references)))
        if self.deriver:
            lines.append(f"Deriver: {base(self.deriver)}")
        if self.system:
            lines.append(f"System: {self.system}")
        lines.extend(f"Sig: {s}" for s in self.sigs)
        if self.ca:
            lines.append(f"CA: {self.ca}")
        return "\n".join(lines) + "\n"


def _fields(text: str, what: str) -> list[tuple[str, str]]:
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep or not key or key != key.strip():
            raise CorruptCacheFile(f"{what} is corrupt: line {n} is not 'Key: value'")
        out.append((key, value.strip()))
    return out


def _int(value: str, key: str, what: str) -> int:
    if not value.isdigit():
        raise CorruptCacheFile(f"{what} is corrupt: {key} '{value}' is not a number")
    return int(value)


def _full(store_dir: StoreDir, base: str) -> str:
    """A base name from a narinfo as a full store path (validated)."""
    if "/" in base:
        raise BadStorePath(f"'{base}' is not a store path base name")
    return store_dir.path + "/" + store_dir.parse_store_path(store_dir.path + "/" + base)


def _decoded(text: str | bytes, what: str) -> str:
    """A cache file's text (``what`` names it); bytes that are not UTF-8 make it corrupt."""
    if isinstance(text, bytes):
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            raise CorruptCacheFile(f"{what} is corrupt: it is not UTF-8 text") from None
    return text


def parse_narinfo(text: str | bytes, whence: str, store_dir: StoreDir) -> NarInfo:
    """Parse a narinfo; ``whence`` (its URL) names it in errors.

    Like Nix 2.8, a missing ``Compression`` means bzip2 and ``Deriver:
    unknown-deriver`` means none; ``StorePath``, ``URL``, ``NarHash`` and a
    non-zero ``NarSize`` are required.
    """
    what = f"NAR info file '{whence}'"
    text = _decoded(text, what)
    values: dict[str, str] = {}
    sigs: list[str] = []
    for key, value in _fields(text, what):
        if key == "Sig":
            sigs.append(value)
        elif key in values:
            raise CorruptCacheFile(f"{what} is corrupt: field '{key}' appears twice")
        else:
            values[key] = value
    for key in ("StorePath", "URL", "NarHash", "NarSize"):
        if not values.get(key):
            raise CorruptCacheFile(f"{what} is corrupt: field '{key}' is missing")
    try:
        store_path = store_dir.path + "/" + store_dir.parse_store_path(values["StorePath"])
        refs = [_full(store_dir, r) for r in values.get("References", "").split()]
        deriver_base = values.get("Deriver", "")
        deriver = _full(store_dir, deriver_base) if deriver_base and deriver_base != "unknown-deriver" else None
    except BadStorePath as e:
        raise CorruptCacheFile(f"{what} is corrupt: {e}") from None
    try:
        nar_hash = Hash.parse_any_prefixed(values["NarHash"])
        file_hash = Hash.parse_any_prefixed(values["FileHash"]) if values.get("FileHash") else None
    except BadHash as e:
        raise CorruptCacheFile(f"{what} is corrupt: {e}") from None
    if nar_hash.algo != "sha256":
        raise CorruptCacheFile(f"{what} is corrupt: NarHash must be sha256")
    nar_size = _int(values["NarSize"], "NarSize", what)
    if nar_size == 0:
        raise CorruptCacheFile(f"{what} is corrupt: NarSize is 0")
    compression = values.get("Compression") or "bzip2"
    return NarInfo(
        store_path=store_path,
        url=values["URL"],
        nar_hash=nar_hash,
        nar_size=nar_size,
        compression=compression,
        file_hash=file_hash,
        file_size=_int(values["FileSize"], "FileSize", what) if values.get("FileSize") else None,
        references=refs,
        deriver=deriver,
        system=values.get("System") or None,
        sigs=sigs,
        ca=values.get("CA") or None,
    )


@dataclass(slots=True)
class CacheInfo:
    """``nix-cache-info``: the cache's store directory, priority (lower is preferred) and mass-query hint."""

    store_dir: str = "/nix/store"
    priority: int = 50
    want_mass_query: bool = False

    def to_text(self) -> str:
        return (
            f"StoreDir: {self.store_dir}\n"
            f"WantMassQuery: {1 if self.want_mass_query else 0}\n"
            f"Priority: {self.priority}\n"
        )


def parse_cache_info(text: str | bytes, whence: str) -> CacheInfo:
    """Parse ``nix-cache-info``; every field is optional (Nix defaults: priority 50, no mass query)."""
    what = f"binary cache info file '{whence}'"
    text = _decoded(text, what)
    info = CacheInfo()
    for key, value in _fields(text, what):
        if key == "StoreDir":
            if not value.startswith("/"):
                raise CorruptCacheFile(f"{what} is corrupt: StoreDir '{value}' is not an absolute path")
            info.store_dir = value.rstrip("/") or "/"
        elif key == "Priority":
            info.priority = _int(value, "Priority", what)
        elif key == "WantMassQuery":
            if value not in ("0", "1"):
                raise CorruptCacheFile(f"{what} is corrupt: WantMassQuery '{value}' is not 0 or 1")
            info.want_mass_query = value == "1"
    return info
