"""A plain-HTTP GET for the substituter's hot path: narinfos and NARs from ``http://`` caches.

A closure of 2,000 paths is 4,000 small GETs.  Through urllib3 (requests' transport)
each one builds a ``Retry``, copies header dicts, and parses the response headers
with the ``email`` package: ~0.2 ms of Python per request, a tenth of a whole
substitution's CPU on 2 cores (bench/substitute_bench.py).  Here a request is one
``sendall`` of pre-built bytes and the response head is parsed with two splits.

Only the plain case is handled: ``200``, ``403`` or ``404`` with a ``Content-Length``
(or an ``HTTP/1.0``-style body that ends with the connection) and no
``Content-Encoding``.  Anything else (redirects, 5xx, chunked or compressed bodies,
a connection that breaks before the response head) is answered with ``None`` so
that the caller repeats the request through urllib3, whose redirect, retry and
decoding rules then apply unchanged; the request is a GET, so repeating it is
harmless.  HTTPS stays on urllib3 altogether (TLS, not Python, is the cost there).
"""

from __future__ import annotations

import socket
import threading

__all__ = ["FastGet", "Response"]

_HEAD_LIMIT = 64 * 1024
"""A response head larger than this is not the simple case."""


class Response:
    """A response whose body is read straight from the socket (the subset of urllib3's interface used)."""

    data: bytes = b""
    """The body, when the request asked for it preloaded (``FastGet.get(..., preload=True)``)."""

    def __init__(self, owner: FastGet, sock: socket.socket, status: int, rest: bytes, length: int | None, keep: bool):
        self.status = status
        self._owner = owner
        self._sock: socket.socket | None = sock
        self._rest = rest  # body bytes that arrived with the head
        self._left = length  # body bytes still to come, ``rest`` included; None: until the connection closes
        self._keep = keep and length is not None

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes of the body (fewer only at its end); raises ``OSError`` if it is cut short."""
        if self._rest:
            data, self._rest = self._rest[:n], self._rest[n:]
        elif self._left == 0 or self._sock is None:
            return b""
        else:
            data = self._sock.recv(n if self._left is None else min(n, self._left))
            if not data:
                if self._left is None:
                    self._left = 0
                    return b""
                raise ConnectionResetError(f"connection closed with {self._left} bytes of the body missing")
        if self._left is not None:
            if len(data) > self._left:
                raise OSError("the server sent more than its Content-Length")
            self._left -= len(data)
        return data

    def read_all(self) -> bytes:
        """The whole (rest of the) body; the connection is released after it."""
        parts = []
        while chunk := self.read(1 << 20):
            parts.append(chunk)
        self.release_conn()
        return b"".join(parts)

    def close(self) -> None:
        """Drop the connection (the body may be unread)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def release_conn(self) -> None:
        """Keep the connection for the next request if the body was read to its end and the server allows it."""
        if self._sock is None:
            return
        if self._keep and self._left == 0 and not self._rest:
            self._owner.idle.append(self._sock)
            self._sock = None
        else:
            self.close()


class FastGet:
    """GETs to one ``http://host:port`` with fixed request headers; keep-alive connections are reused."""

    def __init__(self, host: str, port: int, headers: dict[str, str], connect_timeout: float, read_timeout: float):
        self.address = (host, port)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        head = {k: v for k, v in headers.items() if k.lower() not in ("host", "accept-encoding", "connection")}
        host_header = host if port == 80 else f"{host}:{port}"
        lines = [f"Host: {host_header}", *(f"{k}: {v}" for k, v in head.items()), "Accept-Encoding: identity"]
        self._head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.idle: list[socket.socket] = []
        self._addr_lock = threading.Lock()
        self._addrs: list[tuple] | None = None

    def _connect(self) -> socket.socket:
        with self._addr_lock:
            if self._addrs is None:  # resolved once per run, as curl caches its DNS answers
                self._addrs = socket.getaddrinfo(*self.address, type=socket.SOCK_STREAM)
            addrs = self._addrs
        err: OSError | None = None
        for family, kind, proto, _, addr in addrs:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self.connect_timeout)
                sock.connect(addr)
                sock.settimeout(self.read_timeout)
                return sock
            except OSError as e:
                sock.close()
                err = e
        assert err is not None
        raise err

    def get(self, path: str, preload: bool) -> Response | None:
        """GET ``path`` (already quoted); None when the answer is not the simple case (see the module docstring).

        With ``preload`` the body is read into ``data`` (None if that breaks: urllib3 retries).
        Failing to connect raises the ``OSError`` (the cache is down: repeating would not help).
        """
        request = b"GET " + path.encode("ascii") + b" HTTP/1.1\r\n" + self._head
        while True:
            reused = bool(self.idle)
            try:
                sock = self.idle.pop() if reused else self._connect()
            except IndexError:  # another thread took the last idle connection
                continue
            try:
                sock.sendall(request)
                head, rest = _read_head(sock)
            except OSError:
                sock.close()
                if reused:
                    continue  # the server closed the idle connection: once more on a fresh one
                return None
            if head is None:
                sock.close()
                if reused:
                    continue
                return None
            response = _parse_head(self, sock, head, rest)
            if response is None:
                sock.close()
            elif preload:
                try:
                    response.data = response.read_all()
                except OSError:
                    response.close()
                    return None
            return response


def _read_head(sock: socket.socket) -> tuple[bytes | None, bytes]:
    buf = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buf += chunk
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            return buf[:end], buf[end + 4 :]
        if len(buf) > _HEAD_LIMIT:
            return None, b""


def _parse_head(owner: FastGet, sock: socket.socket, head: bytes, rest: bytes) -> Response | None:
    lines = head.split(b"\r\n")
    parts = lines[0].split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        return None
    status = int(parts[1])
    if status not in (200, 403, 404):
        return None
    fields: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            return None
        fields[name.strip().lower()] = value.strip()
    if fields.get(b"transfer-encoding", b"identity").lower() != b"identity":
        return None
    if fields.get(b"content-encoding", b"identity").lower() != b"identity":
        return None
    length: int | None = None
    if b"content-length" in fields:
        if not fields[b"content-length"].isdigit():
            return None
        length = int(fields[b"content-length"])
    connection = fields.get(b"connection", b"").lower()
    keep = parts[0] != b"HTTP/1.0" and connection != b"close" or connection == b"keep-alive"
    if length is not None and len(rest) > length:
        return None
    return Response(owner, sock, status, rest, length, keep)
