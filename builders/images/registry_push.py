"""Pushing an :class:`~pydock.builders.images.oci_layout.OciImage` to a registry (Registry HTTP API v2).

Layers stream from where they are (the store, an archive, a layout) through
:class:`~pydock.builders.images.registry_client.RegistryClient`, which brings
the authentication, TLS rules and error wording of pulls.

Up to three blobs travel at once (each one streamed, so memory stays at a few
chunks).  Per blob:

1. ``HEAD blobs/<digest>``: a blob the repository already has is not sent;
2. a cross-repository mount (``POST blobs/uploads/?mount=<digest>&from=<repo>``)
   from a repository of the same registry that pydock pushed the blob to before;
3. otherwise an upload: one ``PUT`` for a small blob, else ``PATCH`` chunks
   (``Content-Range``) and a closing ``PUT ?digest=``.  A dropped connection or
   a 5xx answer starts that blob's upload over (with backoff); the registry's
   ``Docker-Content-Digest`` must be the digest sent.

The manifest goes last, so a registry never holds a tag for an image whose
blobs did not all arrive, and its digest (checked against the registry's
answer) is the push's result.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pydock.builders.images.image_source import Blob
from pydock.builders.images.oci_layout import OciImage
from pydock.builders.images.registry_client import RegistryClient, RegistryError, _Retryable

__all__ = ["DEFAULT_CHUNK_SIZE", "PushRecord", "PushStats", "push_image"]

DEFAULT_CHUNK_SIZE = 16 << 20
PARALLEL_BLOBS = 3


@dataclass
class PushStats:
    """What a push did, for the summary line and for tests."""

    uploaded: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    mounted: list[str] = field(default_factory=list)
    bytes_sent: int = 0


class PushRecord:
    """Which repositories of which registry pydock pushed a blob to: the sources of cross-repository mounts.

    A small SQLite file in the user's cache; losing it only costs an upload.
    """

    def __init__(self, path: str | None = None) -> None:
        if path is None:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            path = os.path.join(base, "pydock", "pushed-blobs.sqlite")
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # blobs are pushed from several threads

    def _db(self) -> sqlite3.Connection | None:
        if self._conn is None:
            try:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
                conn.execute(
                    "create table if not exists Pushed (host text not null, digest text not null,"
                    " repository text not null, primary key (host, digest, repository))"
                )
                self._conn = conn
            except (OSError, sqlite3.Error):
                return None
        return self._conn

    def repositories(self, host: str, digest: str) -> list[str]:
        with self._lock:
            return self._repositories(host, digest)

    def _repositories(self, host: str, digest: str) -> list[str]:
        db = self._db()
        if db is None:
            return []
        try:
            rows = db.execute("select repository from Pushed where host = ? and digest = ?", (host, digest))
            return [r[0] for r in rows]
        except sqlite3.Error:
            return []

    def add(self, host: str, digest: str, repository: str) -> None:
        with self._lock:
            db = self._db()
            if db is None:
                return
            try:
                db.execute("insert or ignore into Pushed values (?, ?, ?)", (host, digest, repository))
            except sqlite3.Error:
                pass

    def forget(self, host: str, digest: str, repository: str) -> None:
        with self._lock:
            db = self._db()
            if db is None:
                return
            try:
                db.execute("delete from Pushed where host = ? and digest = ? and repository = ?",
                           (host, digest, repository))  # fmt: skip
            except sqlite3.Error:
                pass


def _rechunk(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Pieces of exactly ``size`` bytes (the last one shorter)."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk
        while len(buf) >= size:
            yield bytes(buf[:size])
            del buf[:size]
    if buf:
        yield bytes(buf)


def _with_digest(location: str, digest: str) -> str:
    sep = "&" if "?" in location else "?"
    return f"{location}{sep}digest={urllib.parse.quote(digest)}"


class _Pusher:
    def __init__(self, client: RegistryClient, chunk_size: int, record: PushRecord | None,
                 log: Callable[[str], None], stats: PushStats) -> None:  # fmt: skip
        self.client, self.chunk_size, self.record, self.log, self.stats = client, chunk_size, record, log, stats
        self.repo = client.name.path

    def exists(self, blob: Blob) -> bool:
        what = f"blob {blob.digest} of {self.client}"
        with self.client._request("HEAD", f"blobs/{blob.digest}", what, allow=(404,)) as resp:
            return resp.status_code == 200

    def mount(self, blob: Blob) -> bool:
        if self.record is None:
            return False
        for source in self.record.repositories(self.client.host, blob.digest):
            if source == self.repo:
                continue
            query = urllib.parse.urlencode({"mount": blob.digest, "from": source})
            what = f"mount of blob {blob.digest} from '{source}' into {self.client}"
            with self.client._request("POST", f"blobs/uploads/?{query}", what) as resp:
                if resp.status_code == 201:
                    return True
                self._cancel(resp.headers.get("Location"))
            self.record.forget(self.client.host, blob.digest, source)
        return False

    def _cancel(self, location: str | None) -> None:
        if not location:
            return
        try:
            self.client._request("DELETE", location, "cancel upload", allow=(404, 405), retry=False).close()
        except (RegistryError, _Retryable):
            pass  # an abandoned upload session expires on its own

    def upload_once(self, blob: Blob) -> None:
        what = f"upload of blob {blob.digest} to {self.client}"
        with self.client._request("POST", "blobs/uploads/", what) as resp:
            location = resp.headers.get("Location")
        if not location:
            raise RegistryError(f"{what}: the registry started an upload without a Location")
        sent = 0
        try:
            if blob.size <= self.chunk_size:
                data = b"".join(blob.chunks())
                if len(data) != blob.size:
                    raise RegistryError(f"{what}: the blob has {len(data)} bytes, not {blob.size}")
                headers = {"Content-Type": "application/octet-stream"}
                final = self.client._request("PUT", _with_digest(location, blob.digest), what, headers, data,
                                             retry=False)  # fmt: skip
                sent = len(data)
            else:
                for piece in _rechunk(blob.chunks(), self.chunk_size):
                    headers = {"Content-Type": "application/octet-stream",
                               "Content-Range": f"{sent}-{sent + len(piece) - 1}"}  # fmt: skip
                    with self.client._request("PATCH", location, what, headers, piece, retry=False) as resp:
                        location = resp.headers.get("Location") or location
                    sent += len(piece)
                    self.log(f"  {blob.digest[7:19]}: {sent >> 20}/{blob.size >> 20} MiB")
                if sent != blob.size:
                    raise RegistryError(f"{what}: the blob has {sent} bytes, not {blob.size}")
                final = self.client._request("PUT", _with_digest(location, blob.digest), what, retry=False)
        except BaseException:
            self._cancel(location)
            raise
        with final:
            stored = final.headers.get("Docker-Content-Digest")
        if stored and stored != blob.digest:
            raise RegistryError(f"{what}: the registry stored it as {stored}, not {blob.digest}")
        self.stats.bytes_sent += sent

    def push_blob(self, blob: Blob, kind: str) -> None:
        short = blob.digest[7:19]
        if self.exists(blob):
            self.log(f"{kind} {short}: already in the repository")
            self.stats.existing.append(blob.digest)
        elif self.mount(blob):
            self.log(f"{kind} {short}: mounted from another repository")
            self.stats.mounted.append(blob.digest)
        else:
            start = time.monotonic()
            policy = self.client.retry
            for attempt in range(policy.attempts):
                try:
                    self.upload_once(blob)
                    break
                except _Retryable as e:
                    if attempt + 1 >= policy.attempts:
                        raise RegistryError(f"{e} (gave up after {policy.attempts} attempts)") from None
                    delay = policy.delay(attempt, e.retry_after)
                    self.log(f"{e}; starting the upload of {short} over in {delay:.1f}s")
                    time.sleep(delay)
            took = max(time.monotonic() - start, 1e-6)
            self.log(f"{kind} {short}: uploaded {blob.size} bytes ({blob.size / took / 1e6:.1f} MB/s)")
            self.stats.uploaded.append(blob.digest)
        if self.record is not None:
            self.record.add(self.client.host, blob.digest, self.repo)


def push_image(
    oci: OciImage,
    client: RegistryClient,
    tag: str,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    record: PushRecord | None = None,
    log: Callable[[str], None] | None = None,
    parallel: int = PARALLEL_BLOBS,
) -> tuple[str, PushStats]:
    """Push ``oci`` as ``tag`` of ``client``'s repository; the manifest digest and what was sent."""
    say = log or (lambda _line: None)
    stats = PushStats()
    pusher = _Pusher(client, chunk_size, record, say, stats)
    unique: dict[str, tuple[str, Blob]] = {}
    for kind, blob in [("layer", b) for b in oci.layers] + [("config", oci.config)]:
        unique.setdefault(blob.digest, (kind, blob))
    client._base()  # settle http/https once, before the threads start
    # A few blobs at a time, as skopeo does; the first failure cancels what has not started.
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = [pool.submit(pusher.push_blob, blob, kind) for kind, blob in unique.values()]
        try:
            for future in futures:
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    what = f"manifest {tag} of {client}"
    with client._request("PUT", f"manifests/{tag}", what, {"Content-Type": oci.media_type}, oci.manifest) as resp:
        stored = resp.headers.get("Docker-Content-Digest")
    if stored and stored != oci.digest:
        raise RegistryError(f"{what}: the registry stored it as {stored}, not {oci.digest}")
    return oci.digest, stats
