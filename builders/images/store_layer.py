"""The tar of one store-path layer, as nixpkgs' ``stream_layered_image.py`` lays it out.

Layout (every byte matters: the layer's sha256 is its diff_id, and equal store paths
must give equal layers across images so registries and Docker share them):

1. ``/nix/`` and ``/nix/store/`` directories, mode 0755 — always, whatever the store dir;
2. for each store path in the given order: the path itself, then (unless the path is a
   symlink) everything below it, in component-wise sorted order, without descending
   into symlinked directories;
3. every entry carries the conf's mtime/uid/gid/uname/gname and its own permission
   bits; hard links are written as full regular files;
4. two zero blocks and padding to 10240 bytes.

Component-wise sorting of a tree is exactly a depth-first walk that visits each
directory's entries sorted by name, so the walk below needs no list of the whole tree.
Names in the archive are logical (``/nix/store/...``); files are read from
``real_path(store_path)``, which lets the store live under any physical root.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from pydock.builders.errors import BuildError
from pydock.builders.images.tarformat import (
    BLKTYPE,
    CHRTYPE,
    DIRTYPE,
    FIFOTYPE,
    REGTYPE,
    SYMTYPE,
    ByteSink,
    Member,
    archive_end,
    encode_member,
    padding,
)

__all__ = [
    "FileData",
    "LayerPiece",
    "Ownership",
    "PrebuiltLayerError",
    "RealPath",
    "digest_pieces",
    "member_from_lstat",
    "prebuilt_layer",
    "store_layer_chunks",
    "store_layer_pieces",
    "walk_store_path",
    "write_pieces",
]

RealPath = Callable[[str], str]

_FLUSH_AT = 1 << 16
_READ_SIZE = 1 << 20
_SMALL_FILE = 1 << 16  # read into the write batch rather than copied on its own


@dataclass(frozen=True, slots=True)
class Ownership:
    """What every entry of a store layer is stamped with (conf ``mtime``, ``uid``, ``gid``, ``uname``, ``gname``)."""

    mtime: int
    uid: int
    gid: int
    uname: str
    gname: str


class PrebuiltLayerError(BuildError, ValueError):
    """A prebuilt layer (the customisation layer) whose ``checksum`` is not a sha256."""


def prebuilt_layer(store_path: str, real_path: RealPath) -> tuple[str, str]:
    """The sha256 (its ``checksum`` file) and the physical ``layer.tar`` of a prebuilt layer.

    nixpkgs' customisation layer is such a store path; the image stream and the image
    sources (push, OCI output) read it the same way, with nixpkgs' message for a bad checksum.
    """
    physical = real_path(store_path)
    with open(os.path.join(physical, "checksum")) as f:
        checksum = f.read().strip()
    if len(checksum) != 64:
        raise PrebuiltLayerError(f"Invalid sha256 at {os.path.join(store_path, 'checksum')}.")
    return checksum, os.path.join(physical, "layer.tar")


def _type_of(st: os.stat_result, where: str) -> bytes:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return REGTYPE
    if stat.S_ISDIR(mode):
        return DIRTYPE
    if stat.S_ISLNK(mode):
        return SYMTYPE
    if stat.S_ISFIFO(mode):
        return FIFOTYPE
    if stat.S_ISCHR(mode):
        return CHRTYPE
    if stat.S_ISBLK(mode):
        return BLKTYPE
    raise ValueError(f"{where}: cannot be archived (socket or unknown file type)")


def member_from_lstat(name: str, physical: str, st: os.stat_result) -> Member:
    """The member ``tarfile.gettarinfo`` describes for ``physical``, named ``name``.

    Owner names are looked up like ``gettarinfo`` does (empty when unknown); a hard link
    is a regular file here, which is what nixpkgs turns ``tarfile``'s hard links back into.
    """
    kind = _type_of(st, physical)
    try:
        uname = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        uname = ""
    try:
        gname = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        gname = ""
    is_dev = kind in (CHRTYPE, BLKTYPE)
    return Member(
        name=name,
        type=kind,
        mode=st.st_mode & 0o7777,
        uid=st.st_uid,
        gid=st.st_gid,
        size=st.st_size if kind == REGTYPE else 0,
        mtime=st.st_mtime,
        linkname=os.readlink(physical) if kind == SYMTYPE else "",
        uname=uname,
        gname=gname,
        devmajor=os.major(st.st_rdev) if is_dev else 0,
        devminor=os.minor(st.st_rdev) if is_dev else 0,
    )


def _normalise(path: str) -> str:
    """``str(pathlib.Path(path))`` for an absolute path: no empty or ``.`` components."""
    return "/" + "/".join(p for p in path.split("/") if p not in ("", "."))


def walk_store_path(store_path: str, physical: str) -> Iterator[tuple[str, str, os.stat_result]]:
    """``(logical path, physical path, lstat)`` of ``store_path`` and, for a directory, all below it.

    The order is nixpkgs' ``sorted([path, *path.rglob("*")])``: pre-order, siblings by
    name (Python string order of the ``surrogateescape``-decoded names).
    """
    st = os.lstat(physical)
    yield store_path, physical, st
    if not stat.S_ISDIR(st.st_mode):
        return
    stack: list[Iterator[tuple[str, str]]] = [_children(store_path, physical)]
    while stack:
        try:
            logical, phys = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        st = os.lstat(phys)
        yield logical, phys, st
        if stat.S_ISDIR(st.st_mode):
            stack.append(_children(logical, phys))


def _children(logical: str, physical: str) -> Iterator[tuple[str, str]]:
    with os.scandir(physical) as it:
        names = sorted(entry.name for entry in it)
    for name in names:
        yield logical + "/" + name, physical + "/" + name


@dataclass(frozen=True, slots=True)
class FileData:
    """A regular file's bytes inside a layer: the first ``size`` bytes of ``physical``."""

    physical: str
    size: int


LayerPiece = bytes | FileData


class _HeaderMaker:
    """Store-layer headers, with ``encode_member``'s bytes, built fast for the common case.

    Every entry of a store layer carries the same owner and mtime, so those fields are
    encoded once; an entry whose name or link target needs a PAX record (long or not
    ASCII), or a device, goes through :func:`encode_member` instead.
    """

    def __init__(self, owner: Ownership) -> None:
        self.owner = owner
        simple = (
            owner.uname.isascii()
            and owner.gname.isascii()
            and len(owner.uname) <= 32
            and len(owner.gname) <= 32
            and 0 <= owner.uid < 8**7
            and 0 <= owner.gid < 8**7
            and 0 <= owner.mtime < 8**11
            and isinstance(owner.mtime, int)
        )
        self._fast = simple
        if simple:
            self._ids = b"%07o\0%07o\0" % (owner.uid, owner.gid)
            self._mtime = b"%011o\0" % owner.mtime
            self._tail = (
                b"ustar\x0000"
                + owner.uname.encode().ljust(32, b"\0")
                + owner.gname.encode().ljust(32, b"\0")
                + b"\0" * (16 + 155 + 12)
            )

    def header(self, name: str, physical: str, st: os.stat_result) -> tuple[bytes, int]:
        """The header block(s) of one entry and the size of the data that follows."""
        mode = st.st_mode
        if stat.S_ISREG(mode):
            kind, size, link = REGTYPE, st.st_size, ""
        elif stat.S_ISDIR(mode):
            kind, size, link = DIRTYPE, 0, ""
            name += "/"
        elif stat.S_ISLNK(mode):
            kind, size, link = SYMTYPE, 0, os.readlink(physical)
        else:
            kind = None
        if (
            kind is None
            or not self._fast
            or len(name) > 100
            or len(link) > 100
            or not name.isascii()
            or not link.isascii()
            or size >= 8**11
        ):
            return self._slow(name.rstrip("/") if kind == DIRTYPE else name, physical, st)
        block = b"".join(
            (
                name.encode().ljust(100, b"\0"),
                b"%07o\0" % (mode & 0o7777),
                self._ids,
                b"%011o\0" % size,
                self._mtime,
                b"        ",
                kind,
                link.encode().ljust(100, b"\0"),
                self._tail,
            )
        )
        return block[:148] + b"%06o\0" % sum(block) + block[155:], size

    def _slow(self, name: str, physical: str, st: os.stat_result) -> tuple[bytes, int]:
        m = member_from_lstat(name, physical, st)
        o = self.owner
        m.mtime, m.uid, m.gid, m.uname, m.gname = o.mtime, o.uid, o.gid, o.uname, o.gname
        return encode_member(m), m.size


def store_layer_pieces(paths: Sequence[str], real_path: RealPath, owner: Ownership) -> Iterator[LayerPiece]:
    """The layer tar for ``paths`` as header bytes (batched to about 64 KiB) and :class:`FileData` references.

    Consumers decide how file data travels (hashed, copied by the kernel, read in
    chunks); nothing is kept beyond the current batch and one directory listing per
    open directory level, so memory does not grow with the layer.
    """
    make = _HeaderMaker(owner)
    buf = bytearray()
    offset = 0
    for name in ("/nix", "/nix/store"):
        buf += encode_member(
            Member(name, DIRTYPE, 0o755, owner.uid, owner.gid, 0, owner.mtime, "", owner.uname, owner.gname)
        )
    for store_path in paths:
        store_path = _normalise(store_path)
        for logical, physical, st in walk_store_path(store_path, real_path(store_path)):
            header, size = make.header(logical, physical, st)
            buf += header
            if size:
                offset += len(buf) + size
                yield bytes(buf)
                buf.clear()
                yield FileData(physical, size)
                buf += padding(size)
            elif len(buf) >= _FLUSH_AT:
                offset += len(buf)
                yield bytes(buf)
                buf.clear()
    buf += archive_end(offset + len(buf))
    yield bytes(buf)


def _read_exactly(f: BinaryIO, data: FileData, view: memoryview) -> Iterator[memoryview]:
    """``data.size`` bytes of ``f`` through ``view`` (reused: consume each slice before the next)."""
    left = data.size
    while left:
        n = f.readinto(view[: min(left, len(view))])
        if not n:
            raise OSError(f"{data.physical}: file shrank while being archived")
        left -= n
        yield view[:n]


def store_layer_chunks(paths: Sequence[str], real_path: RealPath, owner: Ownership) -> Iterator[bytes]:
    """The bytes of the layer tar for ``paths``, in chunks of at most about 1 MiB."""
    for piece in store_layer_pieces(paths, real_path, owner):
        if isinstance(piece, bytes):
            yield piece
            continue
        with open(piece.physical, "rb", buffering=0) as f:
            buf = memoryview(bytearray(min(piece.size, _READ_SIZE)))
            for chunk in _read_exactly(f, piece, buf):
                yield bytes(chunk)


def digest_pieces(pieces: Iterable[LayerPiece], advance: Callable[[int], None] | None = None) -> tuple[str, int]:
    """sha256 (hex) and size of a layer, reading each file once through one reused buffer.

    ``advance`` (a progress line's) hears the bytes of each piece once it is hashed.
    """
    sha = hashlib.sha256()
    size = 0
    view = memoryview(bytearray(_READ_SIZE))
    for piece in pieces:
        if isinstance(piece, bytes):
            sha.update(piece)
            size += len(piece)
            if advance is not None:
                advance(len(piece))
            continue
        with open(piece.physical, "rb", buffering=0) as f:
            for chunk in _read_exactly(f, piece, view):
                sha.update(chunk)
        size += piece.size
        if advance is not None:
            advance(piece.size)
    return sha.hexdigest(), size


def write_pieces(pieces: Iterable[LayerPiece], sink: ByteSink, sha: Any = None) -> int:
    """Write a layer to ``sink``; returns its size.  With ``sha`` (a hashlib object) every byte is hashed too.

    Headers and small files are gathered into writes of about 1 MiB; without ``sha``,
    larger files are copied by the kernel when the sink allows it.
    """
    size = 0
    pending = bytearray()
    view = memoryview(bytearray(_READ_SIZE))
    direct = sha is None and sink.direct

    def flush() -> None:
        if pending:
            if sha is not None:
                sha.update(pending)
            sink.write(pending)
            pending.clear()

    for piece in pieces:
        if isinstance(piece, bytes):
            pending += piece
            size += len(piece)
            if len(pending) >= _READ_SIZE:
                flush()
            continue
        size += piece.size
        with open(piece.physical, "rb", buffering=0) as f:
            if piece.size <= _SMALL_FILE:
                for chunk in _read_exactly(f, piece, view):
                    pending += chunk
                if len(pending) >= _READ_SIZE:
                    flush()
                continue
            flush()
            if direct:
                sink.copy_from(f.fileno(), piece.size, piece.physical)
                continue
            for chunk in _read_exactly(f, piece, view):
                if sha is not None:
                    sha.update(chunk)
                sink.write(chunk)
    flush()
    return size
