"""File locks that interoperate with a real Nix 2.8 working on the same store.

Nix serialises writers of one store path with ``<real path>.lock`` files and
guards the store as a whole with ``db/big-lock`` (shared while a store is open,
exclusive for schema upgrades) and ``gc.lock`` (exclusive while collecting
garbage).  All of them are BSD ``flock`` locks, not POSIX ``fcntl`` record
locks, so the same call is used here: the two kinds do not see each other, and
``flock`` locks also conflict between two descriptors of one process, which
lets threads of one process exclude each other just like separate processes.

A path lock file is "stale" when the holder deleted it after finishing (Nix
writes one byte into it before unlinking); whoever then wins the lock on the
old inode must retry on a fresh file, exactly as ``PathLocks::lockPaths`` does.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from collections.abc import Callable, Iterable

__all__ = ["PathLocks", "open_lock_file", "lock_fd", "TempRoots"]


def open_lock_file(path: str, create: bool = True) -> int | None:
    """Open (and optionally create, mode 0600) a lock file; ``None`` if absent and not creating."""
    flags = os.O_RDWR | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    try:
        return os.open(path, flags, 0o600)
    except FileNotFoundError:
        if create:
            raise
        return None


def lock_fd(fd: int, exclusive: bool, wait: bool = True) -> bool:
    """``flock`` the descriptor; returns False only when ``wait`` is off and the lock is busy."""
    op = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    if not wait:
        op |= fcntl.LOCK_NB
    while True:
        try:
            fcntl.flock(fd, op)
            return True
        except InterruptedError:
            continue
        except OSError as e:
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN) and not wait:
                return False
            raise


class PathLocks:
    """Exclusive locks on a set of store paths (by real path), taken in sorted order.

    Sorting gives every process the same acquisition order, so two builders
    wanting overlapping output sets cannot deadlock.  ``unlock(delete=True)``
    removes the lock files once the paths are valid, as Nix does after a
    successful build or addition.
    """

    def __init__(self, on_wait: Callable[[str], None] | None = None) -> None:
        self._held: list[tuple[int, str]] = []
        self._on_wait = on_wait

    def lock(self, real_paths: Iterable[str]) -> None:
        if self._held:
            raise RuntimeError("PathLocks already holds locks")
        try:
            for path in sorted(set(real_paths)):
                self._held.append((self._lock_one(path + ".lock"), path + ".lock"))
        except BaseException:
            self.unlock()
            raise

    def _lock_one(self, lock_path: str) -> int:
        while True:
            fd = open_lock_file(lock_path)
            assert fd is not None
            try:
                if not lock_fd(fd, True, wait=False):
                    if self._on_wait is not None:
                        self._on_wait(lock_path[: -len(".lock")])
                    lock_fd(fd, True)
                if os.fstat(fd).st_size == 0:
                    return fd
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # the previous holder deleted this file: lock the new one instead

    def unlock(self, delete: bool = False) -> None:
        for fd, lock_path in self._held:
            if delete:
                try:
                    os.unlink(lock_path)
                except FileNotFoundError:
                    pass
                try:
                    os.write(fd, b"d")
                except OSError:
                    pass
            os.close(fd)
        self._held.clear()

    def __enter__(self) -> PathLocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unlock()


class TempRoots:
    """This process's ``temproots/<pid>`` file, which keeps paths alive against Nix's GC.

    The file is write-locked for the life of the process (Nix's GC treats an
    unlocked file as left over by a dead process), and each root is appended
    NUL-terminated while holding ``gc.lock`` shared, so a collector that is
    running (and holds it exclusively) is waited for rather than raced.  One
    instance per state directory and process: two descriptors of the same
    file would lock each other out.
    """

    _instances: dict[tuple[int, str], TempRoots] = {}
    _guard = threading.Lock()

    def __init__(self, state_dir: str) -> None:
        self.state_dir = state_dir
        self._fd: int | None = None
        self._gc_fd: int | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_state_dir(cls, state_dir: str) -> TempRoots:
        key = (os.getpid(), state_dir)
        with cls._guard:
            inst = cls._instances.get(key)
            if inst is None:
                inst = cls._instances[key] = cls(state_dir)
            return inst

    def _open(self) -> int:
        path = os.path.join(self.state_dir, "temproots", str(os.getpid()))
        while True:
            try:
                os.unlink(path)  # a file with our pid can only be stale
            except FileNotFoundError:
                pass
            fd = open_lock_file(path)
            assert fd is not None
            lock_fd(fd, True)
            if os.fstat(fd).st_size == 0:
                return fd
            os.close(fd)  # the GC removed it between open and lock

    def add(self, store_path: str) -> None:
        self.add_many([store_path])

    def add_many(self, store_paths: Iterable[str]) -> None:
        """Append several roots under one acquisition of ``gc.lock`` (a build's whole input closure)."""
        data = b"".join(p.encode() + b"\0" for p in store_paths)
        if not data:
            return
        with self._lock:
            if self._fd is None:
                self._fd = self._open()
            if self._gc_fd is None:
                # Opened once, like Nix's fdGCLock: gc.lock is never deleted, and a substitution
                # adding thousands of paths would otherwise open it thousands of times.
                self._gc_fd = open_lock_file(os.path.join(self.state_dir, "gc.lock"))
                assert self._gc_fd is not None
            lock_fd(self._gc_fd, False)
            try:
                os.write(self._fd, data)
            finally:
                fcntl.flock(self._gc_fd, fcntl.LOCK_UN)
