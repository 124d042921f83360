"""Garbage collection and path deletion, with Nix 2.8's notion of what is alive.

Roots are found where Nix looks (``gcroots/`` searched recursively, and
``profiles/``):

* a symlink whose target is in the store is a root;
* a symlink to something outside the store is an *indirect* root when that
  something is itself a symlink into the store (``gcroots/auto/<hash>`` ->
  ``/home/u/result`` -> store path, which ``pydock build -o`` creates);
  an entry of ``gcroots/auto`` whose link is gone is removed, as Nix does;
* the temporary roots of live processes (``temproots/<pid>``, write-locked by
  their owner; an unlocked file belongs to a dead process and is removed).

A target counts as "in the store" by its logical name (``/nix/store/…``) or
by its physical place under the store root (``ROOT/nix/store/…``, where
``pydock build``'s ``result`` links point, since ``/nix/store`` may not exist
on the host).  Real Nix reading the same store only recognises the logical
form; roots in logical form therefore protect paths from both collectors.

Alive is the closure of the roots (and of ``--keep`` paths) under references,
plus Nix's default ``keep-derivations = true``: the ``.drv`` that built a live
output stays, with its own closure.  Everything else in the store directory is
garbage, including invalid leftovers, except the store's own temporary
directories, ``.links`` and lock files that a running process holds.

The collector holds ``gc.lock`` exclusively from reading the roots until the
last deletion, so a writer registering a temporary root (under the shared
lock, see ``locks.TempRoots``) either finishes first, and is seen, or waits.
Dead paths are invalidated in one transaction before their files go: a crash
in between leaves unregistered files, which the next collection deletes.
"""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .errors import InvalidPath, StoreError
from .fsutil import delete_path
from .local import TEMP_PREFIX, LocalStore
from .locks import lock_fd, open_lock_file

__all__ = ["GCResult", "collect_garbage", "delete_paths", "find_roots", "live_paths", "StillAlive"]

Log = Callable[[str], None]


class StillAlive(StoreError):
    """``delete`` of a path that a root or another valid path still needs."""


@dataclass
class GCResult:
    """What a collection (or a deletion) removed: store paths and bytes freed."""

    deleted: list[str] = field(default_factory=list)
    bytes_freed: int = 0

    def summary(self) -> str:
        """Nix's last line: ``3 store paths deleted, 0.12 MiB freed``."""
        return f"{len(self.deleted)} store paths deleted, {self.bytes_freed / (1024 * 1024):.2f} MiB freed"


def _no_log(_msg: str) -> None:
    pass


def _store_path_of(store: LocalStore, target: str) -> str | None:
    """The logical store path a link target names, by logical or physical location; else None."""
    for prefix in (store.store_dir.path, store.real_store_dir):
        if target.startswith(prefix + "/"):
            name = target[len(prefix) + 1 :].split("/", 1)[0]
            if name and not name.startswith("."):
                return f"{store.store_dir.path}/{name}"
    return None


def find_roots(store: LocalStore, log: Log = _no_log) -> dict[str, set[str]]:
    """Store path -> the root links that keep it (``{temp:PID}`` for temporary roots)."""
    roots: dict[str, set[str]] = {}
    auto_dir = os.path.join(store.state_dir, "gcroots", "auto")

    def found(link: str, target: str) -> None:
        path = _store_path_of(store, target)
        if path is not None:
            roots.setdefault(path, set()).add(link)

    def visit(path: str, depth: int = 0) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            if depth > 64:
                return
            for name in sorted(os.listdir(path)):
                visit(os.path.join(path, name), depth + 1)
            return
        if not stat.S_ISLNK(st.st_mode):
            return
        target = os.readlink(path)
        if _store_path_of(store, target) is not None:
            found(path, target)
            return
        target = os.path.normpath(os.path.join(os.path.dirname(path), target))
        try:
            st2 = os.lstat(target)
        except FileNotFoundError:
            if os.path.dirname(path) == auto_dir:
                log(f"removing stale link from '{path}' to '{target}'")
                os.unlink(path)
            return
        if stat.S_ISLNK(st2.st_mode):
            second = os.path.normpath(os.path.join(os.path.dirname(target), os.readlink(target)))
            found(target, second)

    visit(os.path.join(store.state_dir, "gcroots"))
    visit(os.path.join(store.state_dir, "profiles"))
    for pid, paths in _temp_roots(store, log).items():
        for p in paths:
            roots.setdefault(p, set()).add(f"{{temp:{pid}}}")
    invalid = set(store.invalid_paths(roots))
    return {p: links for p, links in roots.items() if p not in invalid}


def _temp_roots(store: LocalStore, log: Log) -> dict[str, list[str]]:
    """The temporary roots of live processes; stale files (their owner died) are removed."""
    out: dict[str, list[str]] = {}
    tdir = os.path.join(store.state_dir, "temproots")
    try:
        names = sorted(os.listdir(tdir))
    except FileNotFoundError:
        return out
    for name in names:
        path = os.path.join(tdir, name)
        if name == str(os.getpid()):
            fd = None  # our own file: locked by us, readable
        else:
            fd = open_lock_file(path, create=False)
            if fd is None:
                continue
            if lock_fd(fd, False, wait=False):
                log(f"removing stale temporary roots file '{path}'")
                os.unlink(path)
                os.write(fd, b"d")
                os.close(fd)
                continue
            os.close(fd)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        out[name] = [p.decode("utf-8", "replace") for p in data.split(b"\0") if p]
    return out


def live_paths(store: LocalStore, roots: Iterable[str]) -> set[str]:
    """The closure of ``roots`` plus, for each live output, the ``.drv`` that built it (``keep-derivations``)."""
    id_of: dict[str, int] = {}
    path_of: dict[int, str] = {}
    deriver_of: dict[int, str] = {}
    for id_, path, deriver in store.db.query("select id, path, deriver from ValidPaths"):
        id_of[path] = id_
        path_of[id_] = path
        if deriver:
            deriver_of[id_] = deriver
    refs: dict[int, list[int]] = {}
    for referrer, reference in store.db.query("select referrer, reference from Refs"):
        refs.setdefault(referrer, []).append(reference)
    outputs_of: dict[int, set[str]] = {}
    for drv, path in store.db.query("select drv, path from DerivationOutputs"):
        outputs_of.setdefault(drv, set()).add(path)
    live: set[int] = set()
    stack = [id_of[p] for p in roots if p in id_of]
    while stack:
        i = stack.pop()
        if i in live:
            continue
        live.add(i)
        stack.extend(r for r in refs.get(i, ()) if r not in live)
        drv = id_of.get(deriver_of.get(i, ""))
        if drv is not None and drv not in live and path_of[i] in outputs_of.get(drv, ()):
            stack.append(drv)
    return {path_of[i] for i in live}


def _gc_lock(store: LocalStore) -> int:
    fd = open_lock_file(os.path.join(store.state_dir, "gc.lock"))
    assert fd is not None
    lock_fd(fd, True)
    return fd


@contextmanager
def _roots_under_lock(store: LocalStore, paths: list[str], log: Log) -> Iterator[dict[str, set[str]]]:
    """Refuse invalid ``paths``, then hold the GC lock while the block runs and give it the roots.

    The start that ``--gc`` and ``--delete`` share, in Nix's order: arguments checked before
    the lock is taken, roots found under it, so no build can add a root unseen.
    """
    bad = store.invalid_paths(paths)
    if bad:
        raise InvalidPath(f"path '{bad[0]}' is not valid")
    fd = _gc_lock(store)
    try:
        log("finding garbage collector roots...")
        yield find_roots(store, log)
    finally:
        os.close(fd)


def _delete(store: LocalStore, paths: Iterable[str], result: GCResult, log: Log) -> None:
    """Delete the (already invalidated) ``paths``, counting what they free into ``result``."""
    for path in paths:
        real = store.real_path(path)
        log(f"deleting '{path}'")
        result.bytes_freed += _bytes_in(real)
        delete_path(real)
        result.deleted.append(path)


def _bytes_in(path: str) -> int:
    """What deleting ``path`` frees, counted like Nix: sizes of files not linked elsewhere."""
    total = 0
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return 0
    if not stat.S_ISDIR(st.st_mode):
        return st.st_size if st.st_nlink == 1 else 0
    for dirpath, dirnames, filenames in os.walk(path):
        for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            try:
                s = os.lstat(os.path.join(dirpath, n))
            except FileNotFoundError:
                continue
            if s.st_nlink == 1:
                total += s.st_size
    return total


def _invalidate(store: LocalStore, paths: list[str]) -> None:
    """Remove ``paths`` from the database in one transaction (their own references first)."""

    def body(conn) -> None:  # noqa: ANN001 - sqlite3.Connection
        for i in range(0, len(paths), 500):
            part = paths[i : i + 500]
            marks = ",".join("?" * len(part))
            conn.execute(
                f"delete from Refs where referrer in (select id from ValidPaths where path in ({marks}))", part
            )
        for i in range(0, len(paths), 500):
            part = paths[i : i + 500]
            conn.execute(f"delete from ValidPaths where path in ({','.join('?' * len(part))})", part)

    store.db.transaction(body)


def _held_lock(real: str) -> bool:
    """True if a process holds ``real`` (a lock file) or ``real.lock``: a build or addition in progress."""
    for lock in (real, real + ".lock") if not real.endswith(".lock") else (real,):
        fd = open_lock_file(lock, create=False)
        if fd is None:
            continue
        try:
            if not lock_fd(fd, True, wait=False):
                return True
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    return False


def collect_garbage(
    store: LocalStore,
    keep: Iterable[str] = (),
    dry_run: bool = False,
    log: Log = _no_log,
) -> tuple[GCResult, set[str]]:
    """Delete everything no root (nor ``keep``) reaches; returns the result and the live set.

    With ``dry_run`` nothing is deleted and ``GCResult.deleted`` lists what would be.
    """
    keep = list(keep)
    with _roots_under_lock(store, keep, log) as roots:
        live = live_paths(store, list(roots) + keep)
        protected = {os.path.basename(p) for p in live}
        dead_valid = sorted(store.query_all_valid_paths() - live)
        dead_valid_set = set(dead_valid)
        result = GCResult()
        dead_other: list[str] = []
        for name in sorted(os.listdir(store.real_store_dir)):
            if name in protected or name == ".links" or name.startswith(TEMP_PREFIX):
                continue
            path = f"{store.store_dir.path}/{name}"
            if path in dead_valid_set:
                continue
            if _held_lock(os.path.join(store.real_store_dir, name)):
                continue
            dead_other.append(path)
        if dry_run:
            result.deleted = dead_valid + dead_other
            return result, live
        log("deleting garbage...")
        if dead_valid:
            _invalidate(store, dead_valid)
        _delete(store, sorted(dead_valid + dead_other), result, log)
        _delete_unused_links(store, log)
        return result, live


def _delete_unused_links(store: LocalStore, log: Log) -> None:
    links = os.path.join(store.real_store_dir, ".links")
    try:
        names = os.listdir(links)
    except FileNotFoundError:
        return
    log("deleting unused links...")
    for name in names:
        p = os.path.join(links, name)
        try:
            if os.lstat(p).st_nlink == 1:
                os.unlink(p)
        except FileNotFoundError:
            pass


def delete_paths(store: LocalStore, paths: Iterable[str], log: Log = _no_log) -> GCResult:
    """``nix-store --delete``: remove ``paths`` unless a root or a path outside the set still needs one.

    Nothing is deleted if any path is refused.
    """
    wanted = sorted(set(paths))
    with _roots_under_lock(store, wanted, log) as roots:
        live = live_paths(store, roots)
        wanted_set = set(wanted)
        for path in wanted:
            if path in live:
                why = _why_alive(store, path, roots)
                raise StillAlive(f"cannot delete path '{path}' since it is still alive ({why})")
            others = store.query_referrers(path) - wanted_set - {path}
            if others:
                raise StillAlive(f"cannot delete path '{path}' since it is still alive (referenced by '{min(others)}')")
        result = GCResult()
        _invalidate(store, wanted)
        _delete(store, wanted, result, log)
        return result


def _why_alive(store: LocalStore, path: str, roots: dict[str, set[str]]) -> str:
    """Name a root that reaches ``path`` (directly or through a referrer), for the refusal message."""
    for root in sorted(roots):
        if path in live_paths(store, [root]):
            link = min(roots[root])
            if root == path:
                return f"it is a garbage collector root: '{link}'"
            return f"reachable from the garbage collector root '{link}' -> '{root}'"
    return "reachable from a garbage collector root"  # pragma: no cover - live implies a root
