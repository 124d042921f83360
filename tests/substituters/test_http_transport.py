"""The plain-http fast path (store/http_get.py) against real HTTP servers that are not ``http.server``'s default.

Each server serves a copy of the real xz cache, in a way the fast path hands back to
urllib3 (a redirect to another server, gzip-encoded or chunked bodies) or uses in its
own way (HTTP/1.1 keep-alive).  In every case the substitution must succeed and
real Nix must find the store sound.
"""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cache_fixture import BinaryCaches, HttpServer, isolated_env, nix_closure, nix_verify, pydock


class _Server:
    """A threaded HTTP server over ``directory`` in one of several manners (see ``mode``)."""

    def __init__(self, directory: Path, mode: str, target: str = "") -> None:
        self.connections = 0
        self.requests = 0
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if mode in ("keepalive", "chunked") else "HTTP/1.0"

            def __init__(self, *a, **kw) -> None:  # noqa: ANN002, ANN003
                super().__init__(*a, directory=str(directory), **kw)

            def setup(self) -> None:
                outer.connections += 1
                super().setup()

            def log_message(self, *a) -> None:  # noqa: ANN002
                pass

            def do_GET(self) -> None:
                outer.requests += 1
                if mode == "redirect":
                    self.send_response(302)
                    self.send_header("Location", target + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                file = directory / self.path.lstrip("/")
                if mode in ("gzip", "chunked") and file.is_file():
                    data = file.read_bytes()
                    self.send_response(200)
                    if mode == "gzip":
                        data = gzip.compress(data)
                        self.send_header("Content-Encoding", "gzip")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                    else:
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        for i in range(0, len(data), 4000):
                            piece = data[i : i + 4000]
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.write(b"0\r\n\r\n")
                    return
                super().do_GET()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers() -> Iterator[list[_Server]]:
    made: list[_Server] = []
    yield made
    for s in made:
        s.stop()


def _substitute(tmp: Path, url: str, caches: BinaryCaches) -> Path:
    app = caches.paths["app"]
    root = tmp / "store"
    expr = f'derivation {{ name = "d"; system = "x"; builder = "/bin/sh"; p = builtins.storePath "{app}"; }}'
    p = pydock(
        "instantiate", "--store", str(root), "--substituters", url, "--trusted-public-keys", caches.public_key,
        "-E", expr, env=isolated_env(tmp),
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    nix_verify(root)
    assert nix_closure(root, app) == caches.closures["app"]
    return root


@pytest.mark.parametrize("mode", ["gzip", "chunked", "keepalive"])
def test_served_differently(binary_caches: BinaryCaches, tmp_path: Path, servers: list[_Server], mode: str) -> None:
    cache = binary_caches.copy_cache("xz", tmp_path / "cache")
    server = _Server(cache, mode)
    servers.append(server)
    _substitute(tmp_path, server.url, binary_caches)
    n = len(binary_caches.closures["app"])
    assert server.requests >= 2 * n + 1  # nix-cache-info, a narinfo and a NAR per path
    if mode == "keepalive":
        assert server.connections < server.requests  # connections were reused


def test_redirect_to_another_server(binary_caches: BinaryCaches, tmp_path: Path, servers: list[_Server]) -> None:
    cache = binary_caches.copy_cache("xz", tmp_path / "cache")
    real = HttpServer(cache)
    try:
        front = _Server(cache, "redirect", target=real.url)
        servers.append(front)
        _substitute(tmp_path, front.url, binary_caches)
        assert front.requests >= 2 * len(binary_caches.closures["app"]) + 1
    finally:
        real.stop()
