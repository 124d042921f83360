"""A real Nix store on disk, in Nix 2.8's own format, that pydock writes and Nix can read.

The logical store directory (``/nix/store``) is what every path, hash and
``.drv`` mentions; the files physically live under a root directory, laid out
as Nix lays out a ``local?root=ROOT`` store: objects in ``ROOT/nix/store`` (even
for a custom logical store directory, as in Nix), the database and locks in
``ROOT/nix/var/nix``, build logs in ``ROOT/nix/var/log/nix``.  So
``nix-store --store local?root=ROOT --verify --check-contents`` accepts what
pydock wrote, and ``-qR``, ``--dump`` or ``-l`` work on it.

Adding an object is crash-safe in the same way everywhere:

1. compute the destination path; if it is already valid, done;
2. take ``<real path>.lock`` (so concurrent writers of the same path, pydock or
   Nix, wait for each other) and re-check validity;
3. write the object into a fresh temporary directory inside the real store
   directory, canonicalise it, delete whatever invalid leftover sits at the
   destination, and ``rename`` it into place.  Objects unpacked from a NAR
   (``add_nar``: substitution, imports) skip the temporary directory, as Nix's
   ``addToStore`` from a NAR does: the leftover is deleted and the NAR unpacked
   straight at the destination, still under the lock;
4. register it (and everything added with it) in one SQLite transaction.

A crash before step 4 leaves nothing valid: at worst a temporary directory
(removed by the next process that opens the store, see ``_remove_stale_temp_dirs``)
or an unregistered object at its final location (deleted by the next writer of
that path in step 3, and never trusted, since only the database says what is
valid).  A failure that Python sees (a bad hash, a broken download) deletes what
was written at once.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from .base32 import encode_base32
from .compute import ComputeOnlyStore
from .db import StoreDB
from .derivation import (
    Derivation,
    DerivationError,
    DrvHashCache,
    OutputKind,
    hash_derivation_modulo,
    read_derivation,
)
from .errors import InvalidPath, StoreError
from .fsutil import canonicalise, delete_path, move_path
from .hashes import Hash, Hasher, hash_bytes, new_hasher
from .locks import PathLocks, TempRoots, lock_fd, open_lock_file
from .nar import dump_string, iter_nar, nar_hash, restore_path
from .paths import DRV_EXTENSION, FileIngestionMethod, StoreDir

__all__ = [
    "ComputeOnlyStore",
    "InvalidPath",
    "LocalStore",
    "StoreError",
    "ValidPathInfo",
    "default_store_root",
    "open_existing_store",
    "render_fixed_ca",
    "store_root_of",
    "render_text_ca",
]

TEMP_PREFIX = ".pydock-tmp-"


def default_store_root() -> str:
    """``$PYDOCK_STORE``, else ``$XDG_DATA_HOME/pydock/store`` (``~/.local/share/pydock/store``)."""
    env = os.environ.get("PYDOCK_STORE")
    if env:
        return env
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data, "pydock", "store")


def store_root_of(spec: str | None) -> str | None:
    """The root directory a ``--store`` value names: ``DIR`` or Nix's ``local?root=DIR``."""
    if spec is not None and spec.startswith("local?root="):
        return spec[len("local?root=") :]
    return spec


def render_text_ca(h: Hash) -> str:
    """The ``ca`` column of a text object (``toFile``, ``.drv``): ``text:sha256:<base32>``."""
    return "text:" + h.to_string("base32", True)


def render_fixed_ca(method: FileIngestionMethod, h: Hash) -> str:
    """The ``ca`` column of a fixed-output object: ``fixed:[r:]<algo>:<base32>``."""
    return f"fixed:{method.prefix}{h.to_string('base32', True)}"


@dataclass(slots=True)
class ValidPathInfo:
    """What the database records about a valid path (Nix's ``ValidPathInfo``)."""

    path: str
    nar_hash: Hash
    nar_size: int
    references: set[str] = field(default_factory=set)
    deriver: str | None = None
    ca: str | None = None
    registration_time: int = 0
    ultimate: bool = False
    sigs: set[str] = field(default_factory=set)


class _IterReader:
    """A read-only binary stream over an iterator of byte chunks, feeding a hasher as it goes."""

    def __init__(self, chunks: Iterator[bytes], hasher: Hasher) -> None:
        self._chunks = chunks
        self._buf = b""
        self._hasher = hasher
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buf) < n:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                break
            self._hasher.update(chunk)
            self.size += len(chunk)
            self._buf += chunk
        if n < 0:
            n = len(self._buf)
        out, self._buf = self._buf[:n], self._buf[n:]
        return out


class LocalStore:
    """A Nix 2.8 local store rooted at ``root`` with logical store directory ``store_dir``.

    Safe to share between threads; several processes (pydock or Nix) may use
    the same root concurrently.
    """

    def __init__(
        self,
        root: str | None = None,
        store_dir: str = "/nix/store",
        substituters: Sequence[Any] | None = None,
        substitution: Any | None = None,
    ) -> None:
        """``substituters`` (``store.substituters.Substituter`` objects, see ``make_substituters``) and
        ``substitution`` (a ``store.substitute.SubstitutionConfig``) enable ``ensure_valid``; without
        them a store never touches the network, which is what a library user gets by default."""
        from .substitute import SubstitutionConfig

        self.substituters: list[Any] = list(substituters or [])
        self.substitution = substitution if substitution is not None else SubstitutionConfig()
        root = os.path.realpath(root if root is not None else default_store_root())
        self.root = root
        self.store_dir = StoreDir(store_dir)
        self.real_store_dir = store_dir if root == "/" else root + "/nix/store"
        self.state_dir = (root if root != "/" else "") + "/nix/var/nix"
        self.log_dir = (root if root != "/" else "") + "/nix/var/log/nix"
        self._init_layout()
        # Held shared for the life of the store, like Nix, so a schema upgrade (which
        # takes it exclusively) never runs under our feet.
        big_lock = open_lock_file(os.path.join(self.state_dir, "db", "big-lock"))
        assert big_lock is not None
        lock_fd(big_lock, False)
        self._big_lock_fd = big_lock
        self.db = StoreDB(os.path.join(self.state_dir, "db"))
        self.temp_roots = TempRoots.for_state_dir(self.state_dir)
        self.drv_hashes = DrvHashCache(self.store_dir, load=self.read_derivation)
        self._drvs: dict[str, Derivation] = {}
        self._remove_stale_temp_dirs()

    def _init_layout(self) -> None:
        for d in (
            self.real_store_dir,
            os.path.join(self.real_store_dir, ".links"),
            os.path.join(self.state_dir, "db"),
            os.path.join(self.state_dir, "temproots"),
            os.path.join(self.state_dir, "profiles"),
            os.path.join(self.state_dir, "gcroots"),
            os.path.join(self.log_dir, "drvs"),
        ):
            os.makedirs(d, exist_ok=True)
        link = os.path.join(self.state_dir, "gcroots", "profiles")
        if not os.path.lexists(link):
            try:
                os.symlink(os.path.join(self.state_dir, "profiles"), link)
            except FileExistsError:
                pass

    def close(self) -> None:
        """Release the database and the big lock (also done at process exit)."""
        self.db.close()
        os.close(self._big_lock_fd)

    def __repr__(self) -> str:
        return f"LocalStore(root={self.root!r}, store_dir={self.store_dir.path!r})"

    # -- paths ---------------------------------------------------------------------------

    def real_path(self, store_path: str) -> str:
        """Where ``store_path`` (or a file inside it) physically lives."""
        if not self.store_dir.is_in_store(store_path):
            raise StoreError(f"path '{store_path}' is not in the Nix store")
        return self.real_store_dir + store_path[len(self.store_dir.path) :]

    def build_log_path(self, drv_path: str) -> str:
        """Where Nix keeps (and ``nix-store -l`` reads) the bzip2'd build log of ``drv_path``."""
        base = os.path.basename(drv_path)
        return os.path.join(self.log_dir, "drvs", base[:2], base[2:] + ".bz2")

    # -- queries -------------------------------------------------------------------------

    def is_valid(self, path: str) -> bool:
        return bool(self.db.query("select 1 from ValidPaths where path = ?", (path,)))

    def query_path_info(self, path: str) -> ValidPathInfo:
        rows = self.db.query(
            "select id, hash, registrationTime, deriver, narSize, ultimate, sigs, ca from ValidPaths where path = ?",
            (path,),
        )
        if not rows:
            raise InvalidPath(f"path '{path}' is not valid")
        id_, h, reg, deriver, nar_size, ultimate, sigs, ca = rows[0]
        refs = self.db.query("select path from Refs join ValidPaths on reference = id where referrer = ?", (id_,))
        return ValidPathInfo(
            path=path,
            nar_hash=Hash.parse_any_prefixed(h),
            nar_size=nar_size or 0,
            references={r[0] for r in refs},
            deriver=deriver,
            ca=ca,
            registration_time=reg,
            ultimate=ultimate == 1,
            sigs=set(sigs.split(" ")) if sigs else set(),
        )

    def query_references(self, path: str) -> set[str]:
        return self.query_path_info(path).references

    def query_referrers(self, path: str) -> set[str]:
        rows = self.db.query(
            "select path from Refs join ValidPaths on referrer = id"
            " where reference = (select id from ValidPaths where path = ?)",
            (path,),
        )
        return {r[0] for r in rows}

    def query_closure(self, paths: Iterable[str]) -> set[str]:
        """All paths reachable from ``paths`` through references, the paths included."""
        start = sorted(set(paths))
        if not start:
            return set()
        found = self.db.query(f"select path from ValidPaths where path in ({','.join('?' * len(start))})", start)
        missing = set(start) - {r[0] for r in found}
        if missing:
            raise InvalidPath(f"path '{min(missing)}' is not valid")
        rows = self.db.query(
            "with recursive closure(id) as ("
            f" select id from ValidPaths where path in ({','.join('?' * len(start))})"
            " union select reference from Refs join closure on referrer = closure.id)"
            " select path from ValidPaths join closure using (id)",
            start,
        )
        return {r[0] for r in rows}

    def query_derivation_outputs(self, drv_path: str) -> dict[str, str]:
        """The ``DerivationOutputs`` rows of a valid ``.drv``: output name -> path."""
        rows = self.db.query(
            "select d.id, d.path from DerivationOutputs d join ValidPaths v on d.drv = v.id where v.path = ?",
            (drv_path,),
        )
        return dict(rows)

    def query_valid_derivers(self, path: str) -> set[str]:
        """The valid ``.drv`` files that list ``path`` as an output (``pydock log`` of an output)."""
        rows = self.db.query(
            "select v.path from DerivationOutputs d join ValidPaths v on d.drv = v.id where d.path = ?", (path,)
        )
        return {r[0] for r in rows}

    def query_all_valid_paths(self) -> set[str]:
        return {r[0] for r in self.db.query("select path from ValidPaths")}

    def invalid_paths(self, paths: Iterable[str]) -> list[str]:
        """The paths among ``paths`` that are not valid, in one query per 500."""
        todo = sorted(set(paths))
        valid: set[str] = set()
        for i in range(0, len(todo), 500):
            part = todo[i : i + 500]
            rows = self.db.query(f"select path from ValidPaths where path in ({','.join('?' * len(part))})", part)
            valid.update(r[0] for r in rows)
        return [p for p in todo if p not in valid]

    # -- substitution --------------------------------------------------------------------

    def ensure_valid(self, paths: Iterable[str], describe: Callable[[str], str | None] | None = None) -> None:
        """Make ``paths`` valid by substituting them and their closures (Nix's ``ensurePath``).

        Paths already valid cost one query.  For the others, each substituter is
        asked in priority order; if none can provide a path (or something it
        refers to), ``SubstituteError`` names it, ``describe(path)`` when given
        (e.g. "attribute 'redis' of the package index"), and every cache tried.
        """
        missing = self.invalid_paths(paths)
        if missing:
            from .substitute import substitute

            substitute(self, missing, required=True, describe=describe)

    def substitute_available(self, paths: Iterable[str]) -> set[str]:
        """Substitute those of ``paths`` whose whole closure some substituter has; returns them.

        For ``realise``: outputs a cache has are fetched instead of built, the
        rest are left to the builder.  Broken downloads are still errors.
        """
        missing = self.invalid_paths(paths)
        if not missing or not self.substituters:
            return set()
        from .substitute import substitute

        return substitute(self, missing, required=False)

    # -- derivations ---------------------------------------------------------------------

    def read_derivation(self, drv_path: str) -> Derivation:
        """Load a ``.drv`` from the store (memoised per store object)."""
        drv = self._drvs.get(drv_path)
        if drv is None:
            try:
                drv = read_derivation(drv_path, self.real_path(drv_path))
            except FileNotFoundError:
                raise InvalidPath(f"path '{drv_path}' is not valid") from None
            self._drvs[drv_path] = drv
        return drv

    def add_derivation(self, drv: Derivation, describe: Callable[[str], str | None] | None = None) -> str:
        """Fill in the output paths of ``drv``, write its ``.drv`` and register it; returns the ``.drv`` path.

        The ``.drv`` is a text object whose references are its input sources and
        input derivations, which must already be valid (or be substituted now).
        Registration records the ``DerivationOutputs`` rows and checks the output
        paths, as Nix does.  ``describe(path)`` says where an input came from
        (e.g. "attribute 'redis' of the package index") in the error about it.
        """
        drv_path = self.drv_hashes.instantiate(drv)
        self._drvs[drv_path] = drv
        data = drv.to_aterm().encode("utf-8", "surrogateescape")
        self._add_text(drv.name + DRV_EXTENSION, data, drv.references, describe)
        return drv_path

    def derivation_output_paths(self, drv: Derivation) -> dict[str, str]:
        """Output paths known before building (``outputsAndOptPaths`` minus the unknown ones)."""
        out: dict[str, str] = {}
        for name, o in drv.outputs.items():
            kind = o.kind
            if kind is OutputKind.INPUT_ADDRESSED:
                out[name] = o.path
            elif kind is OutputKind.FIXED:
                out[name] = o.fixed_path(self.store_dir, drv.name, name)
        return out

    def _check_derivation_outputs(self, drv_path: str, drv: Derivation) -> None:
        """Nix's ``checkDerivationOutputs``: recorded output paths must be the ones the drv implies."""
        drv.kinds()
        modulo = None
        for name, o in drv.outputs.items():
            kind = o.kind
            if kind is OutputKind.INPUT_ADDRESSED:
                if modulo is None:
                    modulo = hash_derivation_modulo(drv, self.drv_hashes, True, self.store_dir)
                want = self.store_dir.make_output_path(name, modulo.hashes[name], drv.name)
                if o.path != want:
                    raise StoreError(f"derivation '{drv_path}' has incorrect output '{o.path}', should be '{want}'")
            elif kind is OutputKind.FIXED:
                want = o.fixed_path(self.store_dir, drv.name, name)
            else:
                continue
            if drv.env.get(name) != want:
                raise StoreError(
                    f"derivation '{drv_path}' has incorrect environment variable '{name}', should be '{want}'"
                )

    # -- adding objects ------------------------------------------------------------------

    def add_text(self, name: str, contents: str | bytes, references: Iterable[str]) -> str:
        """Add a text object (``builtins.toFile``): a regular file at a path fixed by its sha256 and references."""
        data = contents.encode("utf-8", "surrogateescape") if isinstance(contents, str) else bytes(contents)
        return self._add_text(name, data, set(references))

    def _add_text(
        self, name: str, data: bytes, references: Iterable[str], describe: Callable[[str], str | None] | None = None
    ) -> str:
        refs = set(references)
        path = self.store_dir.text_path(name, data, refs)
        self.temp_roots.add(path)
        if self.is_valid(path):
            return path
        # A text object (a .drv, a toFile) may only be registered once what it refers to is valid;
        # prebuilt inputs (package index paths, storePath) are substituted here.
        if self.substituters:
            self.ensure_valid(refs - {path}, describe)
        else:
            for missing in self.invalid_paths(refs - {path}):
                what = describe(missing) if describe is not None else None
                raise InvalidPath(f"path '{missing}'" + (f" ({what})" if what else "") + " is not valid")
        nar = dump_string(data)
        info = ValidPathInfo(
            path=path,
            nar_hash=hash_bytes("sha256", nar),
            nar_size=len(nar),
            references=refs,
            ca=render_text_ca(hash_bytes("sha256", data)),
        )

        def write(dest: str) -> None:
            with open(dest, "wb") as f:
                f.write(data)

        self._add_object(info, write)
        return path

    def add_path(
        self,
        src: str,
        name: str,
        method: FileIngestionMethod = FileIngestionMethod.RECURSIVE,
        algo: str = "sha256",
        filter: Callable[[str], bool] | None = None,
        expected: Hash | None = None,
    ) -> str:
        """Copy a local file or tree into the store (source imports, ``builtins.path``, ``filterSource``).

        The path is content-addressed by ``algo`` over the NAR (recursive) or the
        file's bytes (flat).  With ``expected``, an already valid path with that
        hash is returned without reading ``src`` at all, as ``builtins.path``
        does when given ``sha256``.  The copy is re-hashed, so a source that
        changes while being copied is an error rather than a corrupt object.
        """
        src = os.path.abspath(src)
        if expected is not None:
            want = self.store_dir.make_fixed_output_path(method, expected, name)
            if self.is_valid(want):
                self.temp_roots.add(want)
                return want
        if method is FileIngestionMethod.FLAT and not stat.S_ISREG(os.stat(src).st_mode):
            raise StoreError(f"file '{src}' is not a regular file, so it cannot be added with flat hashing")
        path, h = self.store_dir.compute_path_for_path(name, src, method, algo, filter)
        self.temp_roots.add(path)
        if self.is_valid(path):
            return path
        info = ValidPathInfo(path=path, nar_hash=h, nar_size=0, ca=render_fixed_ca(method, h))

        def write(dest: str) -> None:
            hasher = new_hasher(algo)
            if method is FileIngestionMethod.RECURSIVE:
                reader = _IterReader(iter_nar(src, filter), hasher)
                restore_path(dest, reader)  # type: ignore[arg-type]
                reader.read()
                size = reader.size
            else:
                size = 0
                with open(src, "rb") as fin, open(dest, "wb") as fout:
                    while chunk := fin.read(65536):
                        hasher.update(chunk)
                        fout.write(chunk)
            if hasher.digest() != h.digest:
                raise StoreError(f"path '{src}' changed while it was being added to the store")
            if method is FileIngestionMethod.RECURSIVE and algo == "sha256":
                info.nar_size = size
            else:
                info.nar_hash, info.nar_size = nar_hash(dest)

        self._add_object(info, write)
        return path

    def add_nar(
        self,
        info: ValidPathInfo,
        source: BinaryIO | bytes,
        after_restore: Callable[[], None] | None = None,
        stream_digest: Callable[[], tuple[bytes, int]] | None = None,
    ) -> None:
        """Add an object from its NAR (substitution, import), checking the NAR hash and size.

        ``after_restore`` runs once the NAR is unpacked and before anything is
        registered, so a check that raises there (a download's FileSize) leaves
        nothing behind either.  ``stream_digest``, when the source hashes what it
        delivers itself (in large chunks, far cheaper than hashing each small read
        of the parser), returns the sha256 and size of the *whole* stream after
        draining it: a stream longer than its NAR then fails the hash check.
        The NAR is unpacked at the object's final location under its lock (module
        docstring, step 3): no temporary directory, no rename.
        """
        self.temp_roots.add(info.path)
        if self.is_valid(info.path):
            return

        def write(dest: str) -> None:
            hasher = hashlib.sha256()
            data = source if isinstance(source, bytes) else None
            if data is not None:
                hasher.update(data)
                size = restore_path(dest, data)
            elif stream_digest is not None:
                size = restore_path(dest, source)
                digest, total = stream_digest()
                hasher = _Digest(digest)  # type: ignore[assignment]
                if total != size:
                    raise StoreError(f"NAR of path '{info.path}' has {total - size} bytes of trailing garbage")
            else:
                tee = _TeeReader(source, hasher)
                size = restore_path(dest, tee)  # type: ignore[arg-type]
            got = Hash("sha256", hasher.digest())
            if got != info.nar_hash:
                raise StoreError(
                    f"hash mismatch importing path '{info.path}';\n  specified: "
                    f"{info.nar_hash.to_string('base32', True)}\n  got:       {got.to_string('base32', True)}"
                )
            if info.nar_size and size != info.nar_size:
                raise StoreError(
                    f"size mismatch importing path '{info.path}';\n  specified: {info.nar_size}\n  got:       {size}"
                )
            info.nar_size = size
            if after_restore is not None:
                after_restore()

        self._add_object(info, write, in_place=True)

    def _add_object(self, info: ValidPathInfo, write: Callable[[str], None], in_place: bool = False) -> None:
        """Steps 2-4 of the module docstring for one object produced by ``write(path)``.

        ``write`` gets a path in a temporary directory, or with ``in_place`` the final
        real path (emptied of any invalid leftover first).
        """
        real = self.real_path(info.path)
        locks = PathLocks()
        locks.lock([real])
        try:
            if self.is_valid(info.path):
                locks.unlock(delete=True)
                return
            delete_path(real)  # an invalid leftover: a crashed writer's, never trusted
            if in_place:
                try:
                    write(real)
                    canonicalise(real)
                except BaseException:
                    delete_path(real)
                    raise
            else:
                with self.temp_dir() as tmp:
                    staged = os.path.join(tmp, "x")
                    write(staged)
                    canonicalise(staged)
                    move_path(staged, real)
            try:
                self.register_valid([info])
            except BaseException:
                delete_path(real)
                raise
            locks.unlock(delete=True)
        finally:
            locks.unlock()

    # -- registration --------------------------------------------------------------------

    def register_valid(self, infos: Iterable[ValidPathInfo]) -> None:
        """Mark objects already in place as valid, all in one transaction (Nix's ``registerValidPaths``).

        References must be valid or among ``infos``.  ``.drv`` objects get their
        ``DerivationOutputs`` rows and have their output paths checked; a
        reference cycle between the new objects rolls everything back.
        """
        infos = list(infos)
        drvs: dict[str, Derivation] = {}
        for info in infos:
            if info.nar_hash.algo != "sha256":
                raise StoreError(f"NAR hash of '{info.path}' must be sha256")
            if info.path.endswith(DRV_EXTENSION):
                drvs[info.path] = self.read_derivation(info.path)
        now = int(time.time())

        def body(conn) -> None:  # noqa: ANN001 - sqlite3.Connection
            ids: dict[str, int] = {}
            for info in infos:
                row = conn.execute("select id from ValidPaths where path = ?", (info.path,)).fetchone()
                sigs = " ".join(sorted(info.sigs)) if info.sigs else None
                if row is not None:
                    conn.execute(
                        "update ValidPaths set narSize = ?, hash = ?, ultimate = ?, sigs = ?, ca = ? where path = ?",
                        (
                            info.nar_size or None,
                            "sha256:" + info.nar_hash.hex,
                            1 if info.ultimate else None,
                            sigs,
                            info.ca,
                            info.path,
                        ),
                    )
                    ids[info.path] = row[0]
                    continue
                cur = conn.execute(
                    "insert into ValidPaths (path, hash, registrationTime, deriver, narSize, ultimate, sigs, ca)"
                    " values (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        info.path,
                        "sha256:" + info.nar_hash.hex,
                        info.registration_time or now,
                        info.deriver,
                        info.nar_size or None,
                        1 if info.ultimate else None,
                        sigs,
                        info.ca,
                    ),
                )
                ids[info.path] = cur.lastrowid
                drv = drvs.get(info.path)
                if drv is not None:
                    for oname, opath in sorted(self.derivation_output_paths(drv).items()):
                        conn.execute(
                            "insert or replace into DerivationOutputs (drv, id, path) values (?, ?, ?)",
                            (ids[info.path], oname, opath),
                        )
            for info in infos:
                for ref in sorted(info.references):
                    ref_id = ids.get(ref)
                    if ref_id is None:
                        row = conn.execute("select id from ValidPaths where path = ?", (ref,)).fetchone()
                        if row is None:
                            raise InvalidPath(f"path '{ref}' is not valid")
                        ref_id = ids[ref] = row[0]
                    conn.execute(
                        "insert or replace into Refs (referrer, reference) values (?, ?)", (ids[info.path], ref_id)
                    )
            for drv_path, drv in drvs.items():
                try:
                    self._check_derivation_outputs(drv_path, drv)
                except DerivationError as e:
                    raise StoreError(str(e)) from None
            _check_acyclic({i.path: i.references for i in infos})

        self.db.transaction(body)

    # -- temporary directories and leftovers ---------------------------------------------

    @contextmanager
    def temp_dir(self, suffix: str = "") -> Iterator[str]:
        """A private directory inside the real store directory, deleted afterwards.

        Being on the store's file system, anything staged in it can be renamed
        into place atomically.  A lock file taken before the directory exists
        tells other processes it is in use; once its owner is gone (even killed
        with SIGKILL) the lock is free and the directory is garbage.
        """
        while True:
            base = os.path.join(self.real_store_dir, TEMP_PREFIX + secrets.token_hex(8) + suffix)
            fd = open_lock_file(base + ".lock")
            assert fd is not None
            lock_fd(fd, True)
            if os.fstat(fd).st_size == 0:
                break
            os.close(fd)  # a cleaner took this lock file for a leftover in between: pick another name
        try:
            os.mkdir(base, 0o700)
            try:
                yield base
            finally:
                delete_path(base)
                try:
                    os.unlink(base + ".lock")
                except FileNotFoundError:
                    pass
        finally:
            os.close(fd)

    def _remove_stale_temp_dirs(self) -> None:
        """Delete temporary directories whose owner died (a crash or ``kill -9`` mid-way)."""
        try:
            names = [n for n in os.listdir(self.real_store_dir) if n.startswith(TEMP_PREFIX)]
        except FileNotFoundError:
            return
        for name in names:
            if name.endswith(".lock"):
                if name[: -len(".lock")] not in names:
                    self._remove_if_unlocked(os.path.join(self.real_store_dir, name[: -len(".lock")]))
                continue
            self._remove_if_unlocked(os.path.join(self.real_store_dir, name))

    @staticmethod
    def _remove_if_unlocked(path: str) -> None:
        fd = open_lock_file(path + ".lock")
        assert fd is not None
        try:
            if not lock_fd(fd, True, wait=False):
                return
            delete_path(path)
            os.write(fd, b"d")  # marks the lock file stale for anyone who opened it before the unlink
            try:
                os.unlink(path + ".lock")
            except FileNotFoundError:
                pass
        finally:
            os.close(fd)

    def delete_if_invalid(self, path: str) -> None:
        """Remove an unregistered leftover at ``path``'s real location (caller holds the path lock)."""
        if not self.is_valid(path):
            delete_path(self.real_path(path))

    # -- GC roots ------------------------------------------------------------------------

    def add_indirect_root(self, link: str) -> None:
        """Record ``link`` (e.g. a ``result`` symlink) in ``gcroots/auto`` as ``nix-build`` does."""
        link = os.path.abspath(link)
        name = encode_base32(hashlib.sha1(link.encode()).digest())
        auto = os.path.join(self.state_dir, "gcroots", "auto")
        os.makedirs(auto, exist_ok=True)
        replace_symlink(link, os.path.join(auto, name))


class _Digest:
    """A finished digest in the shape of a hasher."""

    def __init__(self, digest: bytes) -> None:
        self._digest = digest

    def digest(self) -> bytes:
        return self._digest


class _TeeReader:
    """Wraps a binary stream, feeding everything read through a hasher."""

    def __init__(self, stream: BinaryIO, hasher: Hasher) -> None:
        self._stream = stream
        self._hasher = hasher

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self._hasher.update(data)
        return data


def replace_symlink(target: str, link: str) -> None:
    """Atomically create or replace the symlink ``link`` -> ``target``."""
    tmp = f"{link}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        os.unlink(tmp)
        raise


def _check_acyclic(refs: Mapping[str, set[str]]) -> None:
    """Refuse a reference cycle among newly registered paths (self-references are fine)."""
    state: dict[str, int] = {}
    for root in sorted(refs):
        if state.get(root):
            continue
        stack = [(root, iter(sorted(refs[root])))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            for ref in it:
                if ref == node or ref not in refs:
                    continue
                if state.get(ref) == 1:
                    raise StoreError(f"cycle detected in the references of '{ref}' from '{node}'")
                if not state.get(ref):
                    state[ref] = 1
                    stack.append((ref, iter(sorted(refs[ref]))))
                    break
            else:
                state[node] = 2
                stack.pop()


def open_existing_store(spec: str | None) -> LocalStore:
    """The store ``spec`` names (``DIR``, ``local?root=DIR``, else the default root), without
    substituters; a missing root is an error, so a mistyped ``--store`` does not quietly create
    an empty store and report on it (``pydock store``, ``pydock log``)."""
    root = store_root_of(spec)
    if root is None:
        root = default_store_root()
    if not os.path.isdir(root):
        raise StoreError(f"there is no store at '{root}' (pydock build creates one)")
    return LocalStore(root)
