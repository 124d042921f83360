"""Substituters: places that already have store paths, read-only.

Two kinds, with one interface (``Substituter``):

* ``BinaryCache`` — a Nix binary cache over ``file://``, ``http://`` or
  ``https://``: ``nix-cache-info``, ``<hash>.narinfo`` and compressed NARs.
  HTTP goes through one ``requests`` session per cache (keep-alive, a short
  connect timeout, a read timeout, retries with backoff on 5xx, credentials
  from ``netrc-file``).
* ``LocalStoreSubstituter`` — an existing Nix store on this machine (``local``,
  ``local?root=DIR`` or a bare absolute path): its ``db.sqlite`` is opened
  read-only and paths are streamed as NARs straight from its files.

A substituter answers ``query(path)`` with a ``NarInfo`` (or ``None``) and
``open_nar(info)`` with a reader of the uncompressed NAR plus a final check
(``FileSize``; see ``_CountingSource`` on ``FileHash``).  Verifying signatures and writing into the store is
the caller's job (``substitute.py``), so the rules live in one place.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import lzma
import netrc
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

import requests
import urllib3
import zstandard
from requests.adapters import HTTPAdapter
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.util.retry import Retry

from .errors import StoreError
from .hashes import Hash
from .http_get import FastGet
from .http_get import Response as FastResponse
from .nar import iter_nar
from .narinfo import CacheInfo, CorruptCacheFile, NarInfo, parse_cache_info, parse_narinfo
from .paths import StoreDir, store_path_hash_part
from .settings import Settings

__all__ = [
    "BinaryCache",
    "CacheUnavailable",
    "DownloadError",
    "LocalStoreSubstituter",
    "NarStream",
    "Substituter",
    "TransientError",
    "make_substituters",
    "open_substituter",
]

READ_BUFFER = 1 << 20
"""Largest buffer between the download, the decompressor and the NAR parser: few calls, bounded memory."""

MIN_BUFFER = 1 << 16


def buffer_size(nbytes: int | None) -> int:
    """The buffer for a transfer of about ``nbytes``: the next power of two within [64 KiB, 1 MiB].

    A closure is mostly small paths.  A fresh 1 MiB buffer per path is above glibc's
    mmap threshold, so each one is mapped, faulted in page by page and unmapped again
    (measured: ~200,000 page faults for a 2,000-path closure); a buffer the size of
    the NAR comes from the heap and is reused.
    """
    if not nbytes:
        return READ_BUFFER
    return min(READ_BUFFER, max(MIN_BUFFER, 1 << (nbytes - 1).bit_length()))


class DownloadError(StoreError):
    """A file that a cache should have could not be fetched or was not what its narinfo promised."""


class TransientError(DownloadError):
    """A download that failed in a way a retry may fix (dropped connection, 5xx)."""


class CacheUnavailable(DownloadError):
    """The cache itself cannot be reached; it is skipped for the rest of the run."""


@dataclass
class NarStream:
    """An uncompressed NAR being read, and the check to run once the NAR has been consumed.

    ``digest`` drains the stream and returns the sha256 and size of all it delivered
    (hashed in large chunks below the buffered reader), for ``LocalStore.add_nar``.
    """

    reader: BinaryIO
    finish: Callable[[], None]
    close: Callable[[], None]
    digest: Callable[[], tuple[bytes, int]] | None = None


class _HashingRaw(io.RawIOBase):
    """Hashes everything read from ``inner`` in whole chunks (the uncompressed NAR: NarHash/NarSize)."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.hasher = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001 - a writable buffer
        n = self._inner.readinto(b)  # type: ignore[attr-defined]
        if n:
            self.hasher.update(b[:n])
            self.size += n
        return n or 0


def _hashed(inner: BinaryIO, size: int = READ_BUFFER) -> tuple[BinaryIO, Callable[[], tuple[bytes, int]]]:
    raw = _HashingRaw(inner)
    reader = io.BufferedReader(raw, size)

    def digest() -> tuple[bytes, int]:
        while reader.read(size):
            pass
        return raw.hasher.digest(), raw.size

    return reader, digest  # type: ignore[return-value]


class Substituter(Protocol):
    """What ``substitute.py`` needs from a place that has store paths."""

    uri: str
    trusted: bool
    """Paths from here need no signature (``?trusted=1``; local stores by default)."""

    def init(self) -> None:
        """Connect/read the cache description; raises ``CacheUnavailable`` or ``CorruptCacheFile``."""

    @property
    def priority(self) -> int: ...

    def query(self, path: str) -> NarInfo | None:
        """The narinfo of ``path``, or None if this substituter does not have it."""

    def open_nar(self, info: NarInfo, on_bytes: Callable[[int], None] | None = None) -> NarStream:
        """Start reading the NAR described by ``info``; ``on_bytes(n)`` counts transferred bytes."""


def _split_uri(uri: str) -> tuple[str, dict[str, str]]:
    base, _, query = uri.partition("?")
    return base, dict(urllib.parse.parse_qsl(query, keep_blank_values=True))


def _bool_param(params: dict[str, str], name: str, default: bool) -> bool:
    v = params.get(name)
    return default if v is None else v in ("1", "true")


# ---------------------------------------------------------------------------------------------
# Binary caches


class _CountingSource(io.RawIOBase):
    """The compressed file as it arrives, counted on the way (FileSize).

    Its ``FileHash`` is not computed: like Nix, which never checks it when substituting,
    pydock relies on the NAR hash, which the narinfo's signature covers (``FileHash`` is
    not signed, so it proves nothing the NAR hash does not) and which ``add_nar`` checks
    before the path becomes valid.  A corrupt file either fails to decompress, yields a
    NAR with the wrong hash, or decompresses to the right NAR and harms nothing.  Hashing
    the compressed bytes too cost as much CPU as hashing the NARs (no SHA extensions on
    the 2-core bench machine), ~8% of a substitution.
    """

    def __init__(self, read: Callable[[int], bytes], on_bytes: Callable[[int], None] | None) -> None:
        self._read = read
        self.size = 0
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001 - a writable buffer
        data = self._read(len(b))
        n = len(data)
        b[:n] = data
        self.size += n
        if self._on_bytes is not None and n:
            self._on_bytes(n)
        return n

    def drain(self) -> None:
        buf = bytearray(MIN_BUFFER)  # normally only the end of the file is left
        while self.readinto(buf):
            pass


class _Decompressor(io.RawIOBase):
    """Decompresses ``source`` (xz or bzip2) a megabyte of input at a time, never more than asked for out.

    ``lzma.LZMAFile``/``bz2.BZ2File`` feed their decompressor 8 KiB per call;
    larger input blocks mean far fewer calls for the same work.
    """

    def __init__(
        self,
        source: io.RawIOBase,
        make: Callable[[], lzma.LZMADecompressor | bz2.BZ2Decompressor],
        size: int = READ_BUFFER,
    ) -> None:
        self._source = source
        self._make = make
        self._dec = make()
        self._buf = bytearray(size)
        self._view = memoryview(self._buf)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001 - a writable buffer
        while True:
            if self._dec.eof:
                rest = self._dec.unused_data
                if not rest:
                    n = self._source.readinto(self._view)
                    if not n:
                        return 0  # end of the file after a complete stream
                    rest = bytes(self._view[:n])
                self._dec = self._make()  # concatenated streams, as xz and bzip2 allow
                data = rest
            elif self._dec.needs_input:
                n = self._source.readinto(self._view)
                if not n:
                    raise EOFError("compressed file ended before the end-of-stream marker was reached")
                data = bytes(self._view[:n])
            else:
                data = b""
            out = self._dec.decompress(data, len(b))
            if out:
                b[: len(out)] = out
                return len(out)


def _decompressing_reader(compression: str, source: _CountingSource, whence: str, size: int) -> BinaryIO:
    """The uncompressed NAR as a raw (unbuffered) stream, reading ``size`` bytes of input at a time."""
    if compression == "none":
        return source  # type: ignore[return-value]
    if compression == "xz":
        return _Decompressor(source, lzma.LZMADecompressor, size)  # type: ignore[return-value]
    if compression == "bzip2":
        return _Decompressor(source, bz2.BZ2Decompressor, size)  # type: ignore[return-value]
    if compression == "zstd":
        return _zstd().stream_reader(source, read_size=size, read_across_frames=True)  # type: ignore[return-value]
    raise DownloadError(f"unknown compression method '{compression}' in '{whence}'")


_PER_THREAD = threading.local()


def _zstd() -> zstandard.ZstdDecompressor:
    """This thread's decompressor: its readers share its context (so no two threads may), and a thread
    unpacks one NAR at a time, so reusing it spares a context allocation per path."""
    dctx = getattr(_PER_THREAD, "zstd", None)
    if dctx is None:
        dctx = _PER_THREAD.zstd = zstandard.ZstdDecompressor()
    return dctx


class BinaryCache:
    """A Nix binary cache at a ``file://``, ``http://`` or ``https://`` URI."""

    def __init__(self, uri: str, settings: Settings, store_dir: StoreDir) -> None:
        self.uri = uri
        base, params = _split_uri(uri)
        self.base = base.rstrip("/")
        self.store_dir = store_dir
        self.trusted = _bool_param(params, "trusted", False)
        self._priority_override = int(params["priority"]) if params.get("priority", "").isdigit() else None
        self.info: CacheInfo | None = None
        self._init_lock = threading.Lock()
        self._init_error: BaseException | None = None
        self.is_file = self.base.startswith("file://")
        self.connect_timeout = settings.connect_timeout or 5.0
        self.read_timeout = settings.stalled_download_timeout or 300.0
        self._session: requests.Session | None = None
        if not self.is_file:
            self._session = self._make_session(settings)
            # Prepared once: per request only the URL changes, and requests' preparation (URL
            # parsing, header/auth/cookie merging) would otherwise cost as much as the transfer
            # of a small NAR.
            self._template = self._session.prepare_request(requests.Request("GET", self.base + "/"))
            # Requests go straight to the session's transport adapter (its urllib3 pool manager,
            # retry policy and the headers the session prepared, credentials included): requests'
            # own per-request layer (hooks, cookie jar, response wrapping) cost a third of the CPU
            # of a small transfer (measured: 0.44 ms against 0.32 ms per narinfo).
            adapter = self._session.get_adapter(self.base)
            assert isinstance(adapter, HTTPAdapter)
            self._pool = adapter.poolmanager
            self._retry = adapter.max_retries
            self._headers = dict(self._template.headers)
            self._timeout = urllib3.Timeout(connect=self.connect_timeout, read=self.read_timeout)
            if self.base.startswith("https://"):  # verify as requests does: its CA bundle
                self._pool.connection_pool_kw.update(cert_reqs="CERT_REQUIRED", ca_certs=DEFAULT_CA_BUNDLE_PATH)
            # The pool manager's pool for the cache's host, asked directly with the path: the
            # manager itself re-parses and re-normalises the full URL for every request (~8% of
            # the CPU of a narinfo).  A redirect is still followed by the manager (``_get``).
            self._prefix = urllib.parse.urlsplit(self._template.url).path  # type: ignore[arg-type]
            self._host_pool = self._pool.connection_from_url(self._template.url)  # type: ignore[arg-type]
            # Plain http: the hot path skips urllib3 (store/http_get.py, which hands anything unusual back).
            self._fast: FastGet | None = None
            if self.base.startswith("http://"):
                parts = urllib.parse.urlsplit(self.base)
                self._fast = FastGet(
                    parts.hostname or "", parts.port or 80, self._headers, self.connect_timeout, self.read_timeout
                )

    # -- transport -------------------------------------------------------------------------

    def _make_session(self, settings: Settings) -> requests.Session:
        s = requests.Session()
        retry = Retry(
            total=None,
            connect=0,  # refused/unresolvable: the cache is down, retrying only wastes the user's time
            read=2,
            status=3,
            other=0,
            backoff_factor=0.25,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=None,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=max(4, settings.http_connections))
        s.mount("http://", adapter)
        s.mount("https://", adapter)
        s.headers["User-Agent"] = "pydock (Nix-compatible)"
        host = urllib.parse.urlsplit(self.base).hostname or ""
        if settings.netrc_file and os.path.exists(settings.netrc_file):
            try:
                auth = netrc.netrc(settings.netrc_file).authenticators(host)
            except (netrc.NetrcParseError, OSError) as e:
                raise StoreError(f"cannot read netrc file '{settings.netrc_file}': {e}") from None
            if auth is not None:
                s.auth = (auth[0], auth[2] or "")
        s.trust_env = False  # netrc-file is the only credential source, as in Nix
        return s

    def _get(self, rel: str, stream: bool) -> urllib3.BaseHTTPResponse:
        """GET ``rel``; raises urllib3's errors (``MaxRetryError`` once the retry policy gives up)."""
        quoted = urllib.parse.quote(rel)
        if self._fast is not None:
            fast = self._fast.get(self._prefix + quoted, preload=not stream)
            if fast is not None:
                return fast  # type: ignore[return-value]
        try:
            r = self._urlopen(self._host_pool, self._prefix + quoted, stream, redirect=False, assert_same_host=False)
        except urllib3.exceptions.ClosedPoolError:  # dropped by the manager (redirects to other hosts)
            self._host_pool = self._pool.connection_from_url(self._template.url)  # type: ignore[arg-type]
            return self._get(rel, stream)
        if not (r.status in urllib3.HTTPResponse.REDIRECT_STATUSES and r.get_redirect_location()):
            return r
        r.drain_conn()
        r.release_conn()
        return self._urlopen(self._pool, self._template.url + quoted, stream, redirect=True)  # type: ignore[operator]

    def _urlopen(
        self, pool: urllib3.HTTPConnectionPool | urllib3.PoolManager, url: str, stream: bool, **how: Any
    ) -> urllib3.BaseHTTPResponse:
        """One GET through ``pool`` (the host's connection pool or the manager) with this cache's
        headers, retry policy and timeouts."""
        return pool.urlopen(
            "GET",
            url,
            headers=self._headers,
            retries=self._retry,
            timeout=self._timeout,
            preload_content=not stream,
            decode_content=True,
            **how,
        )

    def _file_path(self, rel: str) -> str:
        return urllib.parse.unquote(self.base[len("file://") :]) + "/" + rel

    def url(self, rel: str) -> str:
        return f"{self.base}/{rel}"

    def get_file(self, rel: str) -> bytes | None:
        """A small file of the cache, or None if it does not exist (404/403, as Nix treats them)."""
        url = self.url(rel)
        if self.is_file:
            try:
                with open(self._file_path(rel), "rb") as f:
                    return f.read()
            except (FileNotFoundError, NotADirectoryError):
                return None
            except OSError as e:
                raise CacheUnavailable(f"unable to download '{url}': {e.strerror}") from None
        try:
            r = self._get(rel, stream=False)
        except urllib3.exceptions.MaxRetryError as e:
            if isinstance(e.reason, urllib3.exceptions.ResponseError):  # the server kept failing
                raise TransientError(f"unable to download '{url}': {_reason(e)}") from None
            raise CacheUnavailable(f"unable to download '{url}': {_reason(e)}") from None
        except (urllib3.exceptions.HTTPError, OSError) as e:  # unreachable, dropped, timed out
            raise CacheUnavailable(f"unable to download '{url}': {_reason(e)}") from None
        if r.status in (403, 404):
            return None
        if r.status >= 400:
            raise TransientError(f"unable to download '{url}': HTTP error {r.status}")
        return r.data

    def _open(self, rel: str) -> tuple[Callable[[int], bytes], Callable[[], None]]:
        url = self.url(rel)
        if self.is_file:
            try:
                f = open(self._file_path(rel), "rb")  # noqa: SIM115 - closed by the NarStream
            except FileNotFoundError:
                raise DownloadError(f"file '{url}' does not exist in binary cache '{self.uri}'") from None
            except OSError as e:
                raise DownloadError(f"unable to download '{url}': {e.strerror}") from None
            return f.read, f.close
        try:
            r = self._get(rel, stream=True)
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise TransientError(f"unable to download '{url}': {_reason(e)}") from None

        def close() -> None:
            if isinstance(r, FastResponse):
                r.release_conn()  # kept for the next request only if the body was read to its end
                return
            r.close()  # a connection left mid-body cannot be reused
            r.release_conn()

        if r.status in (403, 404):
            close()
            raise DownloadError(f"file '{url}' does not exist in binary cache '{self.uri}'")
        if r.status >= 400:
            close()
            raise TransientError(f"unable to download '{url}': HTTP error {r.status}")

        def read(n: int) -> bytes:
            try:
                return r.read(n)
            except Exception as e:  # noqa: BLE001 - urllib3 raises several kinds for a broken transfer
                raise TransientError(f"unable to download '{url}': {_reason(e)}") from None

        return read, close

    # -- the Substituter interface ---------------------------------------------------------

    def init(self) -> None:
        with self._init_lock:
            if self.info is not None:
                return
            if self._init_error is not None:
                raise self._init_error
            try:
                text = self.get_file("nix-cache-info")
                info = CacheInfo() if text is None else parse_cache_info(text, self.url("nix-cache-info"))
                if info.store_dir != self.store_dir.path:
                    raise CorruptCacheFile(
                        f"binary cache '{self.uri}' is for Nix stores with prefix '{info.store_dir}', "
                        f"not '{self.store_dir.path}'"
                    )
            except (DownloadError, CorruptCacheFile) as e:
                self._init_error = e if isinstance(e, CacheUnavailable | CorruptCacheFile) else CacheUnavailable(str(e))
                raise self._init_error from None
            self.info = info

    @property
    def priority(self) -> int:
        if self._priority_override is not None:
            return self._priority_override
        return self.info.priority if self.info is not None else 50

    def query(self, path: str) -> NarInfo | None:
        rel = store_path_hash_part(path) + ".narinfo"
        text = self.get_file(rel)
        if text is None:
            return None
        info = parse_narinfo(text, self.url(rel), self.store_dir)
        if info.store_path != path:
            raise CorruptCacheFile(f"NAR info file '{self.url(rel)}' is corrupt: it describes '{info.store_path}'")
        return info

    def open_nar(self, info: NarInfo, on_bytes: Callable[[int], None] | None = None) -> NarStream:
        url = self.url(info.url)
        read, close = self._open(info.url)
        source = _CountingSource(read, on_bytes)
        try:
            in_size = buffer_size(info.file_size or info.nar_size)
            compressed = _decompressing_reader(info.compression, source, url, in_size)
            reader, digest = _hashed(compressed, buffer_size(info.nar_size))
        except BaseException:
            close()
            raise

        def finish() -> None:
            source.drain()
            if info.file_size is not None and source.size != info.file_size:
                raise DownloadError(
                    f"size mismatch in file '{url}' of path '{info.store_path}';\n"
                    f"  specified: {info.file_size}\n  got:       {source.size}"
                )

        return NarStream(reader, finish, close, digest)


def _reason(e: BaseException) -> str:
    """A one-line cause for a requests/urllib3 failure, without the nested reprs."""
    inner: BaseException = e
    seen = set()
    while inner.__context__ is not None and id(inner) not in seen and not isinstance(inner, OSError):
        seen.add(id(inner))
        inner = inner.__context__
    for arg in (e, *e.args):
        r = getattr(arg, "reason", None)
        if r is not None:
            inner = r
    text = str(inner) or type(inner).__name__
    if "Connection refused" in text:
        return "Connection refused"
    if "Name or service not known" in text or "Temporary failure in name resolution" in text:
        return "Couldn't resolve host name"
    if "timed out" in text.lower():
        return "Timeout was reached"
    return text.split(": ", 1)[-1] if text.startswith("<") else text


# ---------------------------------------------------------------------------------------------
# A local Nix store


class LocalStoreSubstituter:
    """An existing Nix store on this machine, read through its database without ever writing to it."""

    def __init__(self, uri: str, root: str, store_dir: StoreDir, trusted: bool = True) -> None:
        self.uri = uri
        self.root = os.path.abspath(root)
        self.store_dir = store_dir
        self.trusted = trusted
        self.real_store_dir = store_dir.path if self.root == "/" else self.root + "/nix/store"
        state = ("" if self.root == "/" else self.root) + "/nix/var/nix"
        self.db_path = os.path.join(state, "db", "db.sqlite")
        self._local = threading.local()
        self._ok = False

    def init(self) -> None:
        if self._ok:
            return
        if not os.path.exists(self.db_path):
            raise CacheUnavailable(f"unable to open store '{self.uri}': '{self.db_path}' does not exist")
        self._conn()
        self._ok = True

    @property
    def priority(self) -> int:
        return 0

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            uri = "file:" + urllib.parse.quote(self.db_path) + "?mode=ro"
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=60, check_same_thread=False)
                conn.execute("select 1 from ValidPaths limit 1").fetchall()
            except sqlite3.Error as e:
                raise CacheUnavailable(f"unable to open store '{self.uri}': {e}") from None
            self._local.conn = conn
        return conn

    def query(self, path: str) -> NarInfo | None:
        conn = self._conn()
        row = conn.execute(
            "select id, hash, deriver, narSize, sigs, ca from ValidPaths where path = ?", (path,)
        ).fetchone()
        if row is None:
            return None
        id_, h, deriver, nar_size, sigs, ca = row
        refs = [
            r[0]
            for r in conn.execute("select path from Refs join ValidPaths on reference = id where referrer = ?", (id_,))
        ]
        return NarInfo(
            store_path=path,
            url="",
            nar_hash=Hash.parse_any_prefixed(h),
            nar_size=nar_size or 0,
            compression="none",
            references=sorted(refs),
            deriver=deriver,
            sigs=sigs.split() if sigs else [],
            ca=ca,
        )

    def open_nar(self, info: NarInfo, on_bytes: Callable[[int], None] | None = None) -> NarStream:
        real = self.real_store_dir + info.store_path[len(self.store_dir.path) :]
        if not os.path.lexists(real):
            raise DownloadError(f"path '{info.store_path}' is registered in '{self.uri}' but '{real}' is missing")
        chunks = iter_nar(real)

        def counted() -> Iterator[bytes]:
            for c in chunks:
                if on_bytes is not None:
                    on_bytes(len(c))
                yield c

        reader, digest = _hashed(_ChunkRaw(counted()))  # type: ignore[arg-type]
        return NarStream(reader, lambda: None, lambda: None, digest)


class _ChunkRaw(io.RawIOBase):
    """A raw stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001 - a writable buffer
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


# ---------------------------------------------------------------------------------------------
# From settings


def open_substituter(uri: str, settings: Settings, store_dir: StoreDir) -> Substituter:
    """A substituter for one entry of ``substituters`` (Nix's store URI syntax)."""
    base, params = _split_uri(uri)
    if base.startswith(("file://", "http://", "https://")):
        return BinaryCache(uri, settings, store_dir)
    if base == "local" or base.startswith("/"):
        root = params.get("root", "/") if base == "local" else base
        return LocalStoreSubstituter(uri, root, store_dir, _bool_param(params, "trusted", True))
    raise StoreError(f"don't know how to open Nix store '{uri}' as a substituter")


def make_substituters(settings: Settings, store_dir: StoreDir | None = None) -> list[Substituter]:
    """The substituters ``settings`` asks for, in the configured order (empty with ``substitute = false``)."""
    if not settings.substitute:
        return []
    sd = store_dir or StoreDir()
    seen: set[str] = set()
    out: list[Substituter] = []
    for uri in settings.substituters:
        if uri not in seen:
            seen.add(uri)
            out.append(open_substituter(uri, settings, sd))
    return out
