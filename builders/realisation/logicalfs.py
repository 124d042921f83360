"""Looking at store files by their logical paths from inside a builtin builder.

A builtin builder runs in pydock's own process, where ``/nix/store/…`` may not
exist (the store's files live under its root directory) or may even be another
store.  Symlinks inside store paths hold logical targets, so following them
with the host's ``os.stat`` would go astray.  :class:`LogicalFS` resolves
paths component by component in the logical namespace and touches the disk
only through the store's physical location, so ``is_dir``, ``exists``,
``realpath`` & co answer what they would inside the build sandbox.  Paths
outside the store directory are the host's own.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

__all__ = ["LogicalFS"]

_MAX_SYMLINKS = 40  # as Linux's path resolution


class LogicalFS:
    """Path queries on logical paths; ``to_physical`` maps a logical path to where its bytes are."""

    def __init__(self, store_dir: str, to_physical: Callable[[str], str]) -> None:
        self.store_dir = store_dir.rstrip("/") or "/"
        self._to_physical = to_physical

    @classmethod
    def for_store(cls, store) -> LogicalFS:
        """The view a builder of ``store`` (a ``LocalStore``) has."""
        logical, real = store.store_dir.path, store.real_store_dir

        def to_physical(path: str) -> str:
            if path == logical or path.startswith(logical + "/"):
                return real + path[len(logical) :]
            return path

        return cls(logical, to_physical)

    def physical(self, path: str) -> str:
        """Where the bytes of ``path`` are, its symlinks resolved logically (for reading files)."""
        return self._to_physical(self.realpath(path, strict=False) or path)

    def realpath(self, path: str, strict: bool = True) -> str | None:
        """The canonical logical path (no ``.``, ``..`` or symlinks); None if it does not exist.

        With ``strict=False`` a missing tail is kept as written (like ``os.path.realpath``).
        Symlink loops count as missing.
        """
        pending = [c for c in path.split("/") if c][::-1]
        result = ""
        hops = 0
        while pending:
            part = pending.pop()
            if part == ".":
                continue
            if part == "..":
                result = result.rpartition("/")[0]
                continue
            candidate = f"{result}/{part}"
            try:
                st = os.lstat(self._to_physical(candidate))
            except OSError:
                if strict:
                    return None
                return "/".join([candidate, *pending[::-1]])
            if not stat.S_ISLNK(st.st_mode):
                result = candidate
                continue
            hops += 1
            if hops > _MAX_SYMLINKS:
                return None
            target = os.readlink(self._to_physical(candidate))
            if target.startswith("/"):
                result = ""
            pending.extend(c for c in target.split("/")[::-1] if c)
        return result or "/"

    def stat(self, path: str) -> os.stat_result | None:
        """``stat`` (symlinks followed), or None if the path does not resolve."""
        real = self.realpath(path)
        if real is None:
            return None
        try:
            return os.lstat(self._to_physical(real))
        except OSError:
            return None

    def lstat(self, path: str) -> os.stat_result | None:
        """``lstat``: the entry itself, its parent directories resolved."""
        parent, _, name = path.rstrip("/").rpartition("/")
        real_parent = self.realpath(parent or "/")
        if real_parent is None:
            return None
        try:
            return os.lstat(self._to_physical(real_parent.rstrip("/") + "/" + name))
        except OSError:
            return None

    def exists(self, path: str) -> bool:
        return self.stat(path) is not None

    def is_dir(self, path: str) -> bool:
        st = self.stat(path)
        return st is not None and stat.S_ISDIR(st.st_mode)

    def is_file(self, path: str) -> bool:
        st = self.stat(path)
        return st is not None and stat.S_ISREG(st.st_mode)

    def is_link(self, path: str) -> bool:
        st = self.lstat(path)
        return st is not None and stat.S_ISLNK(st.st_mode)

    def readlink(self, path: str) -> str:
        parent, _, name = path.rstrip("/").rpartition("/")
        real_parent = self.realpath(parent or "/") or parent
        return os.readlink(self._to_physical(real_parent.rstrip("/") + "/" + name))

    def listdir(self, path: str) -> list[str]:
        return os.listdir(self.physical(path))

    def read_bytes(self, path: str) -> bytes:
        with open(self.physical(path), "rb") as f:
            return f.read()

    def same_contents(self, a: str, b: str) -> bool:
        """Whether two regular files hold the same bytes (compared in chunks)."""
        with open(self.physical(a), "rb") as fa, open(self.physical(b), "rb") as fb:
            while True:
                ca, cb = fa.read(65536), fb.read(65536)
                if ca != cb:
                    return False
                if not ca:
                    return True
