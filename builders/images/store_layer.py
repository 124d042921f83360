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
import os
import pwd
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from pydock.builders.images.tarformat import (
    BLKTYPE,
    CHRTYPE,
    DIRTYPE,
    FIFOTYPE,
    REGTYPE,
    SYMTYPE,
    Member,
    archive_end,
    encode_member,
    padding,
)

__all__ = ["Ownership", "RealPath", "member_from_lstat", "store_layer_chunks", "walk_store_path"]

RealPath = Callable[[str], str]

_FLUSH_AT = 1 << 16
_READ_SIZE = 1 << 20


@dataclass(frozen=True, slots=True)
class Ownership:
    """What every entry of a store layer is stamped with (conf ``mtime``, ``uid``, ``gid``, ``uname``, ``gname``)."""

    mtime: int
    uid: int
    gid: int
    uname: str
    gname: str


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


def _store_member(name: str, physical: str, st: os.stat_result, owner: Ownership) -> Member:
    m = member_from_lstat(name, physical, st)
    m.mtime, m.uid, m.gid, m.uname, m.gname = owner.mtime, owner.uid, owner.gid, owner.uname, owner.gname
    return m


def store_layer_chunks(paths: Sequence[str], real_path: RealPath, owner: Ownership) -> Iterator[bytes]:
    """The bytes of the layer tar for ``paths``, in chunks of about 64 KiB (file data may come larger).

    Nothing is kept beyond the current chunk and one directory listing per open
    directory level, so memory does not grow with the layer.
    """
    buf = bytearray()
    offset = 0
    for name in ("/nix", "/nix/store"):
        buf += encode_member(
            Member(name, DIRTYPE, 0o755, owner.uid, owner.gid, 0, owner.mtime, "", owner.uname, owner.gname)
        )
    for store_path in paths:
        store_path = _normalise(store_path)
        for logical, physical, st in walk_store_path(store_path, real_path(store_path)):
            m = _store_member(logical, physical, st, owner)
            buf += encode_member(m)
            if m.size:
                left = m.size
                with open(physical, "rb") as f:
                    while left:
                        data = f.read(min(_READ_SIZE, left))
                        if not data:
                            raise OSError(f"{physical}: file shrank while being archived")
                        left -= len(data)
                        if len(buf) + len(data) > _FLUSH_AT:
                            offset += len(buf)
                            yield bytes(buf)
                            buf.clear()
                        if len(data) >= _FLUSH_AT:
                            offset += len(data)
                            yield data
                        else:
                            buf += data
                buf += padding(m.size)
            if len(buf) >= _FLUSH_AT:
                offset += len(buf)
                yield bytes(buf)
                buf.clear()
    buf += archive_end(offset + len(buf))
    yield bytes(buf)
