"""Bad caches and bad transfers, each against a real cache or a real HTTP server.

Every case: ``error: …``, exit status 1, no traceback, the failing path neither
valid nor on disk, ``nix-store --verify --check-contents`` clean; and once the
cause is gone, the same command succeeds.
"""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cache_fixture import (
    BinaryCaches,
    HttpServer,
    assert_nothing_left,
    isolated_env,
    nix_closure,
    nix_verify,
    pydock,
)
from pydock.store.paths import store_path_hash_part
from pydock.store.settings import load_settings
from pydock.store.substitute import SubstituteError, open_store


def _expr(path: str) -> str:
    return f'derivation {{ name = "d"; system = "x"; builder = "/bin/sh"; p = builtins.storePath "{path}"; }}'


def _instantiate(tmp: Path, root: Path, caches: str, key: str, path: str, *extra: str) -> subprocess.CompletedProcess:
    return pydock(
        "instantiate", "--store", str(root), "--substituters", caches, "--trusted-public-keys", key, *extra,
        "-E", _expr(path), env=isolated_env(tmp),
    )  # fmt: skip


def _fails(p: subprocess.CompletedProcess, *wording: str) -> None:
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr, p.stderr
    assert re.search(r"^error: ", p.stderr, re.M), p.stderr
    for w in wording:
        assert w in p.stderr, p.stderr


def _narinfo(cache: Path, path: str) -> Path:
    return cache / (store_path_hash_part(path) + ".narinfo")


def _nar_file(cache: Path, path: str) -> Path:
    url = re.search(r"^URL: (.*)$", _narinfo(cache, path).read_text(), re.M)
    assert url is not None
    return cache / url.group(1)


def _succeeds_afterwards(tmp: Path, root: Path, caches: str, key: str, caches_obj: BinaryCaches, *extra: str) -> None:
    app = caches_obj.paths["app"]
    p = _instantiate(tmp, root, caches, key, app, *extra)
    assert p.returncode == 0, p.stderr
    nix_verify(root)
    assert nix_closure(root, app) == caches_obj.closures["app"]


@pytest.fixture
def cache(binary_caches: BinaryCaches, tmp_path: Path) -> Path:
    """A private, damageable copy of the xz cache."""
    return binary_caches.copy_cache("xz", tmp_path / "cache")


# -- signatures ------------------------------------------------------------------------------


def test_wrong_signature(binary_caches: BinaryCaches, cache: Path, tmp_path: Path) -> None:
    app, tools = binary_caches.paths["app"], binary_caches.paths["tools"]
    info = _narinfo(cache, app)
    good = info.read_text()
    other_sig = re.search(r"^Sig: .*$", _narinfo(cache, tools).read_text(), re.M).group(0)  # type: ignore[union-attr]
    info.write_text(re.sub(r"^Sig: .*$", other_sig, good, flags=re.M))
    root = tmp_path / "store"
    p = _instantiate(tmp_path, root, f"file://{cache}", binary_caches.public_key, app)
    _fails(p, f"path '{app}' does not exist and cannot be created", "signature by trusted key 'pydock-test-1'")
    assert_nothing_left(root, {app})
    info.write_text(good)
    _succeeds_afterwards(tmp_path, root, f"file://{cache}", binary_caches.public_key, binary_caches)


def test_unknown_key(binary_caches: BinaryCaches, tmp_path: Path) -> None:
    app = binary_caches.paths["app"]
    subprocess.run(
        ["nix-store", "--generate-binary-cache-key", "other-1", str(tmp_path / "sk"), str(tmp_path / "pk")], check=True
    )
    other = (tmp_path / "pk").read_text().strip()
    root = tmp_path / "store"
    p = _instantiate(tmp_path, root, binary_caches.file_uri("xz"), other, app)
    _fails(p, "signed only by keys not in trusted-public-keys (pydock-test-1)")
    assert_nothing_left(root, binary_caches.closures["app"])
    _succeeds_afterwards(
        tmp_path, root, binary_caches.file_uri("xz"), f"{other} {binary_caches.public_key}", binary_caches
    )


def test_unsigned_narinfo(binary_caches: BinaryCaches, cache: Path, tmp_path: Path) -> None:
    busybox = binary_caches.paths["busybox"]
    info = _narinfo(cache, busybox)
    good = info.read_text()
    info.write_text(re.sub(r"^Sig: .*\n", "", good, flags=re.M))
    root = tmp_path / "store"
    p = _instantiate(tmp_path, root, f"file://{cache}", binary_caches.public_key, binary_caches.paths["app"])
    _fails(p, f"refers to '{busybox}'", "is not signed")
    assert_nothing_left(root, binary_caches.closures["app"])
    # require-sigs = false is the user's explicit way to accept it
    _succeeds_afterwards(tmp_path, root, f"file://{cache}", "", binary_caches, "--option", "require-sigs", "false")


# -- damaged files ---------------------------------------------------------------------------


@pytest.mark.parametrize("compression", ["none", "xz", "bzip2", "zstd"])
def test_flipped_byte_in_the_nar(binary_caches: BinaryCaches, tmp_path: Path, compression: str) -> None:
    cache = binary_caches.copy_cache(compression, tmp_path / "cache")
    busybox = binary_caches.paths["busybox"]
    nar = _nar_file(cache, busybox)
    good = nar.read_bytes()
    data = bytearray(good)
    data[len(data) // 2] ^= 0x01
    nar.write_bytes(bytes(data))
    root = tmp_path / "store"
    p = _instantiate(tmp_path, root, f"file://{cache}", binary_caches.public_key, binary_caches.paths["app"])
    _fails(p, f"cannot substitute path '{busybox}'")
    # xz and bzip2 check their own CRCs; zstd (no content checksum in Nix's frames) may decode
    # the flip into different bytes, which the NAR hash catches
    expected = {"none": ("hash mismatch",), "zstd": ("hash mismatch", "corrupt")}.get(compression, ("corrupt",))
    assert any(w in p.stderr for w in expected), p.stderr
    assert_nothing_left(root, {busybox, binary_caches.paths["tools"], binary_caches.paths["app"]})
    nar.write_bytes(good)
    _succeeds_afterwards(tmp_path, root, f"file://{cache}", binary_caches.public_key, binary_caches)


@pytest.mark.parametrize("field", ["NarHash", "NarSize"])
def test_wrong_nar_hash_or_size(binary_caches: BinaryCaches, cache: Path, tmp_path: Path, field: str) -> None:
    """With require-sigs off, only the NAR checks stand between a lying narinfo and the store."""
    bash = binary_caches.paths["bash"]
    info = _narinfo(cache, bash)
    good = info.read_text()
    if field == "NarHash":
        other = re.search(r"^NarHash: .*$", _narinfo(cache, binary_caches.paths["busybox"]).read_text(), re.M)
        bad = re.sub(r"^NarHash: .*$", other.group(0), good, flags=re.M)  # type: ignore[union-attr]
    else:
        size = int(re.search(r"^NarSize: (\d+)$", good, re.M).group(1))  # type: ignore[union-attr]
        bad = re.sub(r"^NarSize: .*$", f"NarSize: {size + 8}", good, flags=re.M)
    info.write_text(bad)
    root = tmp_path / "store"
    opts = ("--option", "require-sigs", "false")
    p = _instantiate(tmp_path, root, f"file://{cache}", "", binary_caches.paths["app"], *opts)
    _fails(p, f"cannot substitute path '{bash}'", "hash mismatch" if field == "NarHash" else "size mismatch")
    assert_nothing_left(root, {bash, binary_caches.paths["tools"], binary_caches.paths["app"]})
    info.write_text(good)
    _succeeds_afterwards(tmp_path, root, f"file://{cache}", "", binary_caches, *opts)


def test_truncated_download_over_http(binary_caches: BinaryCaches, cache: Path, tmp_path: Path) -> None:
    busybox = binary_caches.paths["busybox"]
    nar = _nar_file(cache, busybox)
    good = nar.read_bytes()
    nar.write_bytes(good[: len(good) // 2])
    server = HttpServer(cache)
    try:
        root = tmp_path / "store"
        p = _instantiate(tmp_path, root, server.url, binary_caches.public_key, binary_caches.paths["app"])
        _fails(p, f"cannot substitute path '{busybox}'")
        assert_nothing_left(root, {busybox, binary_caches.paths["tools"], binary_caches.paths["app"]})
        nar.write_bytes(good)
        _succeeds_afterwards(tmp_path, root, server.url, binary_caches.public_key, binary_caches)
    finally:
        server.stop()


def test_404_for_a_reference(binary_caches: BinaryCaches, cache: Path, tmp_path: Path) -> None:
    busybox, app = binary_caches.paths["busybox"], binary_caches.paths["app"]
    info = _narinfo(cache, busybox)
    good = info.read_text()
    info.unlink()
    server = HttpServer(cache)
    try:
        root = tmp_path / "store"
        p = _instantiate(tmp_path, root, server.url, binary_caches.public_key, app)
        _fails(p, f"path '{app}' cannot be substituted: it refers to '{busybox}'", "the cache does not have it")
        # nothing of app's closure was fetched: the closure is known to be incomplete before any download
        assert_nothing_left(root, binary_caches.closures["app"])
        info.write_text(good)
        _succeeds_afterwards(tmp_path, root, server.url, binary_caches.public_key, binary_caches)
    finally:
        server.stop()


def test_malformed_narinfo(binary_caches: BinaryCaches, cache: Path, tmp_path: Path) -> None:
    app = binary_caches.paths["app"]
    info = _narinfo(cache, app)
    good = info.read_text()
    info.write_text(good.replace("NarSize: ", "NarSize: x"))
    root = tmp_path / "store"
    p = _instantiate(tmp_path, root, f"file://{cache}", binary_caches.public_key, app)
    _fails(p, "is corrupt: NarSize", f"{store_path_hash_part(app)}.narinfo")
    assert_nothing_left(root, binary_caches.closures["app"])
    info.write_text("this is not a narinfo\n")
    _fails(_instantiate(tmp_path, root, f"file://{cache}", binary_caches.public_key, app), "is corrupt")
    info.write_text(good)
    _succeeds_afterwards(tmp_path, root, f"file://{cache}", binary_caches.public_key, binary_caches)


@pytest.mark.parametrize("content", ["StoreDir /nix/store\n", "StoreDir: /other/store\n", "Priority: high\n"])
def test_malformed_nix_cache_info(binary_caches: BinaryCaches, cache: Path, tmp_path: Path, content: str) -> None:
    ci = cache / "nix-cache-info"
    good = ci.read_text()
    ci.write_text(content)
    root = tmp_path / "store"
    p = _instantiate(tmp_path, root, f"file://{cache}", binary_caches.public_key, binary_caches.paths["app"])
    _fails(p, "other/store" if "other" in content else "nix-cache-info")
    assert_nothing_left(root, binary_caches.closures["app"])
    ci.write_text(good)
    _succeeds_afterwards(tmp_path, root, f"file://{cache}", binary_caches.public_key, binary_caches)


def test_a_path_no_cache_has(binary_caches: BinaryCaches, cache_server: HttpServer, tmp_path: Path) -> None:
    missing = "/nix/store/" + "0" * 32 + "-not-in-any-cache"
    caches = f"{binary_caches.file_uri('xz')} {cache_server.url}/zstd"
    root = tmp_path / "store"
    p = _instantiate(tmp_path, root, caches, binary_caches.public_key, missing)
    _fails(
        p,
        f"path '{missing}' does not exist and cannot be created",
        f"{binary_caches.file_uri('xz')}: the cache does not have it",
        f"{cache_server.url}/zstd: the cache does not have it",
    )
    # the library call names what the path was for
    settings = load_settings(substituters=caches, trusted_public_keys=binary_caches.public_key, read_files=False)
    store = open_store(str(root), settings)
    with pytest.raises(SubstituteError) as e:
        store.ensure_valid([missing], describe=lambda p: "attribute 'redis' of the package index")
    assert f"path '{missing}' (attribute 'redis' of the package index) does not exist" in str(e.value)
    assert valid_paths_count(root) == 0


def valid_paths_count(root: Path) -> int:
    from cache_fixture import valid_paths

    return len(valid_paths(root))


# -- misbehaving servers ---------------------------------------------------------------------


class _FaultyServer:
    """A real HTTP server over a cache directory that injects one fault into NAR downloads.

    ``die``: the first NAR request gets its headers and half its body, then the server shuts down.
    ``503``: the first ``n`` requests for narinfos answer 503 (a transient error), then all is served.
    """

    def __init__(self, directory: Path, fault: str, n: int = 2) -> None:
        state = {"left": n}
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw) -> None:  # noqa: ANN002, ANN003
                super().__init__(*a, directory=str(directory), **kw)

            def log_message(self, *a) -> None:  # noqa: ANN002
                pass

            def do_GET(self) -> None:
                if fault == "503" and self.path.endswith(".narinfo") and state["left"] > 0:
                    state["left"] -= 1
                    self.send_error(503)
                    return
                if fault == "die" and self.path.startswith("/nar/"):
                    data = (directory / self.path.lstrip("/")).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    threading.Thread(target=outer.server.shutdown).start()
                    outer.server.socket.close()  # later connections are refused, like a crashed server
                    return
                super().do_GET()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def faulty() -> Iterator[list[_FaultyServer]]:
    servers: list[_FaultyServer] = []
    yield servers
    for s in servers:
        try:
            s.stop()
        except OSError:
            pass


def test_server_dies_mid_transfer(
    binary_caches: BinaryCaches, cache: Path, tmp_path: Path, faulty: list[_FaultyServer]
) -> None:
    server = _FaultyServer(cache, "die")
    faulty.append(server)
    bash = binary_caches.paths["bash"]
    root = tmp_path / "store"
    p = _instantiate(tmp_path, root, server.url, binary_caches.public_key, bash)
    _fails(p, f"cannot substitute path '{bash}' from '{server.url}'", "unable to download")
    assert_nothing_left(root, {bash})
    healthy = HttpServer(cache)
    try:
        p = _instantiate(tmp_path, root, healthy.url, binary_caches.public_key, bash)
        assert p.returncode == 0, p.stderr
        nix_verify(root)
        assert nix_closure(root, bash) == {bash}
    finally:
        healthy.stop()


def test_5xx_is_retried(binary_caches: BinaryCaches, cache: Path, tmp_path: Path, faulty: list[_FaultyServer]) -> None:
    server = _FaultyServer(cache, "503", n=2)
    faulty.append(server)
    _succeeds_afterwards(tmp_path, tmp_path / "store", server.url, binary_caches.public_key, binary_caches)


def test_private_cache_with_netrc(binary_caches: BinaryCaches, cache: Path, tmp_path: Path) -> None:
    """A cache behind HTTP basic auth: refused without credentials, served with ``netrc-file``."""
    import base64

    token = "Basic " + base64.b64encode(b"alice:s3cret").decode()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw) -> None:  # noqa: ANN002, ANN003
            super().__init__(*a, directory=str(cache), **kw)

        def log_message(self, *a) -> None:  # noqa: ANN002
            pass

        def do_GET(self) -> None:
            if self.headers.get("Authorization") != token:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="cache"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        root = tmp_path / "store"
        p = _instantiate(tmp_path, root, url, binary_caches.public_key, binary_caches.paths["app"])
        _fails(p, "HTTP error 401")
        assert_nothing_left(root, binary_caches.closures["app"])
        netrc = tmp_path / "netrc"
        netrc.write_text("machine 127.0.0.1\nlogin alice\npassword s3cret\n")
        _succeeds_afterwards(
            tmp_path, root, url, binary_caches.public_key, binary_caches, "--option", "netrc-file", str(netrc)
        )
    finally:
        server.shutdown()
        server.server_close()
