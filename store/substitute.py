"""Substitution: make store paths valid by copying them, with their closure, from substituters.

Two phases, both on a bounded set of threads that take their next item themselves
(``workqueue.run_work``; hashing, lzma, bz2 and zstd release the GIL, and most of
the rest is waiting on sockets):

1. *query* — starting from the wanted paths, ask the substituters (in priority
   order) for each path's narinfo, check its signature, and follow its
   references that are not valid locally, until the closure is known.  A cache
   that cannot be reached is warned about once per run and skipped.
2. *fetch* — copy the paths of the closure, each as soon as its references are
   valid (Nix's order, so the store never holds a path whose references are
   missing): stream the file, decompress it, unpack the NAR at the path's final
   location under its lock while hashing it, check FileSize and NarHash/NarSize,
   then register it in one transaction (``LocalStore.add_nar``).

A failed path leaves nothing behind: ``add_nar`` only registers after every
check passed, and whatever was unpacked is deleted.
"""

from __future__ import annotations

import lzma
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import zstandard

from pydock import progress

from .hashes import BadHash, Hash
from .local import StoreError, ValidPathInfo
from .nar import NarError
from .narinfo import CorruptCacheFile, NarInfo
from .paths import FileIngestionMethod, store_path_name
from .settings import Settings
from .signatures import PublicKey, fingerprint, parse_public_keys, verify_any
from .substituters import CacheUnavailable, DownloadError, Substituter, TransientError
from .workqueue import run_work

if TYPE_CHECKING:
    from .local import LocalStore

__all__ = [
    "SubstituteError",
    "Substitution",
    "SubstitutionConfig",
    "default_warn",
    "open_store",
    "substitute",
    "substitution_config",
]

FETCH_ATTEMPTS = 3
"""Tries per NAR when the transfer breaks (dropped connection, 5xx after urllib3's own retries)."""


class SubstituteError(StoreError):
    """A path that no substituter could provide, or whose copy failed a check."""


def default_warn(msg: str) -> None:
    sys.stderr.write(f"warning: {msg}\n")
    sys.stderr.flush()


@dataclass
class _Found:
    sub: Substituter
    info: NarInfo


@dataclass
class _Query:
    """What the query phase learnt: who has which path, and why the others could not provide it."""

    found: dict[str, _Found] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)


class ProgressLine:
    """``[3/10 paths, 12.0/40.1 MiB, 5.6 MB/s]`` rewritten in place on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO | None, total_paths: int, total_bytes: int) -> None:
        self.stream = stream if stream is not None and progress.enabled(stream) else None  # not with --quiet
        self.total_paths = total_paths
        self.total_bytes = total_bytes
        self.done_paths = 0
        self.bytes = 0
        self.start = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()

    def add_bytes(self, n: int) -> None:
        self.bytes += n  # one int add under the GIL; exactness does not matter for a display
        if self.stream is not None and time.monotonic() - self._last > 0.2:
            self.render()

    def path_done(self) -> None:
        with self._lock:
            self.done_paths += 1
        self.render()

    def render(self) -> None:
        if self.stream is None:
            return
        with self._lock:
            self._last = now = time.monotonic()
            rate = self.bytes / max(now - self.start, 1e-6) / 1e6
            self.stream.write(
                f"\r\033[K[{self.done_paths}/{self.total_paths} paths, {self.bytes / 2**20:.1f}"
                f"/{self.total_bytes / 2**20:.1f} MiB, {rate:.1f} MB/s]"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.write("\r\033[K")
            self.stream.flush()


class Substitution:
    """One substitution run against a store and its substituters."""

    def __init__(
        self,
        store: LocalStore,
        substituters: Sequence[Substituter],
        trusted_keys: Iterable[str] = (),
        require_sigs: bool = True,
        jobs: int = 8,
        warn: Callable[[str], None] = default_warn,
        log: Callable[[str], None] | None = None,
        progress_stream: TextIO | None = None,
    ) -> None:
        self.store = store
        self.substituters = list(substituters)
        self.keys: dict[str, PublicKey] = parse_public_keys(trusted_keys)
        self.require_sigs = require_sigs
        self.jobs = max(1, jobs)
        self.warn = warn
        self.log = log
        self.progress_stream = progress_stream

    # -- which substituters are usable -----------------------------------------------------

    def _disable(self, sub: Substituter, e: BaseException) -> None:
        """Skip ``sub`` for the rest of the process, warning once (Nix's "unable to download")."""
        if getattr(sub, "disabled", None) is None:
            sub.disabled = str(e)  # type: ignore[attr-defined]
            self.warn(str(e))

    def _active(self) -> list[Substituter]:
        for sub in self.substituters:
            if getattr(sub, "disabled", None) is not None:
                continue
            try:
                sub.init()
            except CacheUnavailable as e:
                self._disable(sub, e)
        usable = [s for s in self.substituters if getattr(s, "disabled", None) is None]
        return sorted(usable, key=lambda s: s.priority)  # stable: configured order among equals

    # -- query -------------------------------------------------------------------------------

    def _signature_problem(self, sub: Substituter, info: NarInfo) -> str | None:
        """Why ``info`` may not be trusted, or None if it may."""
        if not self.require_sigs or sub.trusted or self._content_addressed(info):
            return None
        fp = fingerprint(info.store_path, info.nar_hash, info.nar_size, info.references)
        if verify_any(fp, info.sigs, self.keys):
            return None
        if not info.sigs:
            return "its narinfo is not signed (and require-sigs is on)"
        names = sorted({s.partition(":")[0] for s in info.sigs})
        trusted = [n for n in names if n in self.keys]
        if not trusted:
            return f"its narinfo is signed only by keys not in trusted-public-keys ({', '.join(names)})"
        return f"its signature by trusted key '{trusted[0]}' does not match the narinfo"

    def _content_addressed(self, info: NarInfo) -> bool:
        """A ``fixed:r:sha256`` path proves itself: its name is computed from the NAR hash we verify."""
        if not info.ca or not info.ca.startswith("fixed:r:sha256:"):
            return False
        try:
            h = Hash.parse_any(info.ca[len("fixed:r:") :])
        except BadHash:
            return False
        if h != info.nar_hash:
            return False
        sd = self.store.store_dir
        refs = [r for r in info.references if r != info.store_path]
        want = sd.make_fixed_output_path(
            FileIngestionMethod.RECURSIVE, h, store_path_name(info.store_path), refs, info.store_path in info.references
        )
        return want == info.store_path

    def _lookup(self, path: str, active: list[Substituter]) -> tuple[_Found | None, list[str]]:
        reasons: list[str] = []
        for sub in active:
            if getattr(sub, "disabled", None) is not None:
                reasons.append(f"{sub.uri}: {sub.disabled}")  # type: ignore[attr-defined]
                continue
            try:
                info = sub.query(path)
            except CacheUnavailable as e:
                self._disable(sub, e)
                reasons.append(f"{sub.uri}: {e}")
                continue
            except (DownloadError, CorruptCacheFile) as e:
                reasons.append(f"{sub.uri}: {e}")
                continue
            if info is None:
                reasons.append(f"{sub.uri}: the cache does not have it")
                continue
            problem = self._signature_problem(sub, info)
            if problem is not None:
                self.warn(f"substituter '{sub.uri}' does not have a valid signature for path '{path}'")
                reasons.append(f"{sub.uri}: {problem}")
                continue
            return _Found(sub, info), reasons
        for sub in self.substituters:
            if sub not in active and getattr(sub, "disabled", None) is not None:
                reasons.append(f"{sub.uri}: {sub.disabled}")  # type: ignore[attr-defined]
        return None, reasons

    def query(self, paths: Iterable[str]) -> _Query:
        """Narinfos for ``paths`` and, through references, their whole invalid closure.

        Each answer queues the references it names straight away (no barrier per
        level of the closure), like Nix's asynchronous ``computeFSClosure``.
        """
        q = _Query()
        active = self._active()
        start = sorted({p for p in paths if not self.store.is_valid(p)})
        seen: set[str] = set(start)
        seen_lock = threading.Lock()

        def one(p: str) -> list[str]:
            found, reasons = self._lookup(p, active)
            if found is None:
                q.reasons[p] = reasons
                return []
            q.found[p] = found
            with seen_lock:
                new = [r for r in found.info.references if r not in seen]
                seen.update(new)
            return [r for r in new if not self.store.is_valid(r)]

        run_work(self.jobs, start, one, "pydock-query")
        return q

    # -- fetch -------------------------------------------------------------------------------

    def _fetch_one(self, found: _Found, progress: ProgressLine) -> None:
        info, sub = found.info, found.sub
        vpi = ValidPathInfo(
            path=info.store_path,
            nar_hash=info.nar_hash,
            nar_size=info.nar_size,
            references=set(info.references),
            deriver=info.deriver,
            ca=info.ca,
            sigs=set(info.sigs),
        )
        delay = 0.5
        for attempt in range(1, FETCH_ATTEMPTS + 1):
            received = 0

            def on_bytes(n: int) -> None:
                nonlocal received
                received += n
                progress.add_bytes(n)

            try:
                stream = sub.open_nar(info, on_bytes)
                try:
                    self.store.add_nar(
                        vpi,
                        stream.reader,
                        after_restore=stream.finish,
                        stream_digest=stream.digest,
                    )
                finally:
                    stream.close()
                return
            except TransientError as e:
                progress.bytes -= received
                if attempt == FETCH_ATTEMPTS:
                    raise SubstituteError(f"cannot substitute path '{info.store_path}' from '{sub.uri}': {e}") from None
                time.sleep(delay)
                delay *= 2
            except (NarError, EOFError, lzma.LZMAError, OSError, zstandard.ZstdError, ValueError) as e:
                if isinstance(e, OSError) and (e.errno is not None or e.filename is not None):
                    # the local side failed (disk full, permissions), not the download
                    raise SubstituteError(
                        f"cannot substitute path '{info.store_path}': {e.strerror or e}"
                        + (f" ('{e.filename}')" if e.filename else "")
                    ) from None
                # bz2 reports a corrupt stream as an OSError without errno
                raise SubstituteError(
                    f"cannot substitute path '{info.store_path}' from '{sub.uri}': "
                    f"the downloaded file is corrupt: {e or type(e).__name__}"
                ) from None
            except StoreError as e:
                raise SubstituteError(f"cannot substitute path '{info.store_path}' from '{sub.uri}': {e}") from None

    def fetch(self, plan: dict[str, _Found]) -> None:
        """Copy ``plan``'s paths, each once its references in ``plan`` are valid."""
        if not plan:
            return
        total = sum(f.info.file_size or f.info.nar_size for f in plan.values())
        if self.log is not None:
            n = len(plan)
            unpacked = sum(f.info.nar_size for f in plan.values()) / 2**20
            sizes = f"({total / 2**20:.2f} MiB download, {unpacked:.2f} MiB unpacked)"
            self.log(f"these {n} paths will be fetched {sizes}:" if n > 1 else f"this path will be fetched {sizes}:")
            for p in sorted(plan):
                self.log(f"  {p}")
        waiting: dict[str, set[str]] = {
            p: {r for r in f.info.references if r in plan and r != p} for p, f in plan.items()
        }
        referrers: dict[str, list[str]] = {p: [] for p in plan}
        for p, deps in waiting.items():
            for d in deps:
                referrers[d].append(p)
        ready = sorted(p for p, deps in waiting.items() if not deps)
        progress = ProgressLine(self.progress_stream, len(plan), total)
        lock = threading.Lock()

        def one(p: str) -> list[str]:
            """Kahn's algorithm: copy ``p``, then hand on the referrers whose references are now all valid."""
            self._fetch_one(plan[p], progress)
            progress.path_done()
            now_ready = []
            with lock:
                for r in referrers[p]:
                    deps = waiting[r]
                    deps.discard(p)
                    if not deps:
                        now_ready.append(r)
            return now_ready

        try:
            run_work(self.jobs, ready, one, "pydock-substitute")  # stops at the first error
        finally:
            progress.close()

    # -- the whole run -----------------------------------------------------------------------

    def run(
        self, paths: Iterable[str], required: bool = True, describe: Callable[[str], str | None] | None = None
    ) -> set[str]:
        """Substitute ``paths`` with their closures; returns the paths made valid.

        With ``required``, a path that cannot be provided (itself or anything it
        refers to) is an error naming it, each cache tried and why; otherwise such
        paths are skipped and the rest is still copied.
        """
        wanted = sorted({p for p in paths if not self.store.is_valid(p)})
        if not wanted:
            return set()
        q = self.query(wanted)
        plan: dict[str, _Found] = {}
        for root in wanted:
            missing = self._closure_into(root, q, plan)
            if missing is not None and required:
                raise self._not_found(root, missing, q, describe)
        self.fetch(plan)
        return set(plan)

    def _closure_into(self, root: str, q: _Query, plan: dict[str, _Found]) -> tuple[str, str | None] | None:
        """Add ``root``'s invalid closure to ``plan`` if all of it was found; else (missing path, its referrer)."""
        part: dict[str, _Found] = {}
        todo: list[tuple[str, str | None]] = [(root, None)]
        while todo:
            p, parent = todo.pop()
            if p in part or p in plan or self.store.is_valid(p):
                continue
            f = q.found.get(p)
            if f is None:
                return p, parent
            part[p] = f
            todo.extend((r, p) for r in f.info.references if r != p)
        plan.update(part)
        return None

    def _not_found(
        self, root: str, missing: tuple[str, str | None], q: _Query, describe: Callable[[str], str | None] | None
    ) -> SubstituteError:
        path, parent = missing
        what = describe(root) if describe is not None else None
        head = f"path '{root}'" + (f" ({what})" if what else "")
        if path == root:
            msg = f"{head} does not exist and cannot be created"
        else:
            msg = (
                f"{head} cannot be substituted: it refers to '{path}'"
                + (f" (through '{parent}')" if parent and parent != root else "")
                + ", which no substituter has"
            )
        reasons = q.reasons.get(path) or []
        if not self.substituters:
            # Nix's first line stays exact; pydock's explanation follows on its own lines.
            msg += "\nno substituters are configured (see --substituters)"
        elif reasons:
            msg += "\ncaches tried for '" + path + "':" + "".join(f"\n  {r}" for r in reasons)
        return SubstituteError(msg)


def substitute(
    store: LocalStore,
    paths: Iterable[str],
    required: bool = True,
    describe: Callable[[str], str | None] | None = None,
) -> set[str]:
    """Substitute ``paths`` into ``store`` with the store's substituters and settings (see ``Substitution.run``)."""
    cfg = store.substitution
    sub = Substitution(
        store,
        store.substituters,
        trusted_keys=cfg.trusted_public_keys,
        require_sigs=cfg.require_sigs,
        jobs=cfg.jobs,
        warn=cfg.warn,
        log=cfg.log,
        progress_stream=cfg.progress_stream,
    )
    return sub.run(paths, required, describe)


@dataclass
class SubstitutionConfig:
    """How a store substitutes, besides its substituter list: keys, signature policy, parallelism, output."""

    trusted_public_keys: list[str] = field(default_factory=list)
    require_sigs: bool = True
    jobs: int = max(3, min(16, (os.cpu_count() or 1) + 1))
    """Parallel transfers.  Decompression and hashing run outside the GIL, so one per core (plus one
    waiting on the network) keeps the CPUs busy; measured on 2 cores (bench/substitute_bench.py),
    more jobs only add GIL contention, and overflow small servers' listen queues (http.server: 5)."""
    warn: Callable[[str], None] = default_warn
    log: Callable[[str], None] | None = None
    progress_stream: TextIO | None = None


def substitution_config(
    settings: Settings,
    warn: Callable[[str], None] = default_warn,
    log: Callable[[str], None] | None = None,
    progress_stream: TextIO | None = None,
) -> SubstitutionConfig:
    """The ``SubstitutionConfig`` that ``settings`` describes (keys, ``require-sigs``, ``http-connections``)."""
    return SubstitutionConfig(
        trusted_public_keys=list(settings.trusted_public_keys),
        require_sigs=settings.require_sigs,
        jobs=max(1, min(settings.http_connections or 25, SubstitutionConfig.jobs)),
        warn=warn,
        log=log,
        progress_stream=progress_stream,
    )


def open_store(
    root: str | None,
    settings: Settings | None = None,
    warn: Callable[[str], None] = default_warn,
    log: Callable[[str], None] | None = None,
    progress_stream: TextIO | None = None,
) -> LocalStore:
    """A ``LocalStore`` at ``root`` substituting as ``settings`` say (none when ``settings`` is None).

    ``warn`` receives substitution warnings (a cache that cannot be reached).
    ``settings.warnings`` (unknown settings) are left to whoever loaded the settings:
    the CLI prints them once, with those of every other subsystem.
    """
    from .local import LocalStore
    from .substituters import make_substituters

    if settings is None:
        return LocalStore(root)
    return LocalStore(
        root,
        substituters=make_substituters(settings),
        substitution=substitution_config(settings, warn, log, progress_stream),
    )
