"""File-system chores of a store: canonical metadata, deleting and moving read-only trees.

Store objects are canonicalised before they are hashed and registered, as Nix's
``canonicalisePathMetaData`` does: modes become 0444 or 0555 (only the owner's
execute bit survives, widened to everyone), the modification time becomes 1
(one second into the epoch; symlinks included), and extended attributes are
removed, because none of that is recorded in a NAR and a store object must look
the same wherever it was produced.  Ownership is changed to the current user
only when running as root; an unprivileged process could not do it anyway.

Canonical trees are read-only, so deleting one (a stale half-written path, a
temporary build directory) first has to give the owner write permission back,
and moving a read-only directory to another parent needs its write bit for the
``..`` entry, which ``move_path`` restores afterwards like Nix's ``movePath``.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat

from .errors import StoreError

__all__ = ["MTIME_STORE", "UnsupportedFileType", "canonicalise", "delete_path", "move_path"]

MTIME_STORE = 1
"""The modification time of every file in the store."""

_IGNORED_XATTRS = frozenset({"security.selinux", "system.nfs4_acl"})
"""Nix's default ``ignored-acls``: attributes that are left alone (removing them fails or is pointless)."""


class UnsupportedFileType(StoreError, ValueError):
    """A socket, device or FIFO where a store object may only hold files, directories and symlinks."""


def _canonicalise_one(path: str, st: os.stat_result, as_root: bool) -> None:
    mode = st.st_mode
    if not stat.S_ISLNK(mode):
        perm = stat.S_IMODE(mode)
        if perm not in (0o444, 0o555):
            os.chmod(path, 0o444 | (0o111 if mode & stat.S_IXUSR else 0))
    if int(st.st_mtime) != MTIME_STORE or st.st_mtime_ns % 1_000_000_000:
        os.utime(path, ns=(st.st_atime_ns, MTIME_STORE * 1_000_000_000), follow_symlinks=False)
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError as e:
        if e.errno not in (errno.ENOTSUP, errno.ENODATA, errno.EPERM):
            raise
        names = []
    for name in names:
        if name not in _IGNORED_XATTRS:
            os.removexattr(path, name, follow_symlinks=False)
    if as_root and st.st_uid != os.geteuid():
        os.lchown(path, os.geteuid(), os.getegid())


def canonicalise(path: str) -> None:
    """Canonicalise the metadata of the tree at ``path`` in place.

    Only regular files, directories and symlinks may appear; anything else
    (sockets, devices, FIFOs) is an error, as in Nix.  Directories are
    processed before their children; removing a directory's write bit does
    not stop the owner from chmod-ing or timestamping its entries.
    """
    as_root = os.geteuid() == 0
    stack = [path]
    while stack:
        p = stack.pop()
        st = os.lstat(p)
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            raise UnsupportedFileType(f"file '{p}' has an unsupported type")
        if stat.S_ISDIR(st.st_mode):
            stack.extend(os.path.join(p, n) for n in os.listdir(p))
        _canonicalise_one(p, st, as_root)


def _make_tree_writable(path: str) -> None:
    """Give the owner write (and search) permission on every directory under ``path``."""
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        return
    stack = [path]
    while stack:
        d = stack.pop()
        try:
            os.chmod(d, stat.S_IMODE(os.lstat(d).st_mode) | stat.S_IRWXU)
        except FileNotFoundError:
            continue
        with os.scandir(d) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)


def delete_path(path: str) -> None:
    """Remove a file or tree if it exists, whatever its permissions (Nix's ``deletePath``)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        _make_tree_writable(path)
        shutil.rmtree(path)
    else:
        os.unlink(path)


def move_path(src: str, dst: str) -> None:
    """``rename`` a file or tree, even a read-only directory, onto a free ``dst``."""
    st = os.lstat(src)
    change = os.geteuid() != 0 and stat.S_ISDIR(st.st_mode) and not st.st_mode & stat.S_IWUSR
    if change:
        os.chmod(src, stat.S_IMODE(st.st_mode) | stat.S_IWUSR)
    os.rename(src, dst)
    if change:
        os.chmod(dst, stat.S_IMODE(st.st_mode))
