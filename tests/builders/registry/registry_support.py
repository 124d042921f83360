"""Real registries and small misbehaving HTTP front ends for the pull tests.

``docker-registry`` (Debian's distribution/registry 2.8) runs on 127.0.0.1 with
a temporary root; :class:`FrontEnd` is a real HTTP server in the test process
that forwards to it and misbehaves on purpose (500s, truncated or corrupted
bodies, redirects to another host, a huge manifest), because those are the
answers a client must survive or refuse.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pydock(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pydock.cli", *args], capture_output=True, text=True,
                          timeout=TIMEOUT, env=env)  # fmt: skip


@dataclass
class Registry:
    """A running ``docker-registry``; ``host`` is ``127.0.0.1:PORT``."""

    host: str
    process: subprocess.Popen
    creds: tuple[str, str] | None = None

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_registry(root: Path, htpasswd: Path | None = None) -> Registry:
    port = free_port()
    (root / "data").mkdir(parents=True, exist_ok=True)
    auth = f"auth:\n  htpasswd:\n    realm: pydock-test\n    path: {htpasswd}\n" if htpasswd else ""
    config = root / "config.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: error\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n{auth}"
    )
    log = open(root / "registry.log", "wb")  # noqa: SIM115 - the registry writes to it until it stops
    proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1)
            return Registry(f"127.0.0.1:{port}", proc)
        except requests.ConnectionError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"docker-registry did not start: {(root / 'registry.log').read_text()[-2000:]}")


def bcrypt_htpasswd(user: str, password: str) -> str:
    """An htpasswd line with a bcrypt hash (libxcrypt's, via the crypt module; htpasswd -B otherwise)."""
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt

        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
        if hashed and hashed.startswith("$2"):
            return f"{user}:{hashed}\n"
    except ImportError:
        pass
    out = subprocess.run(["htpasswd", "-nbB", "-C", "4", user, password], capture_output=True, text=True, check=True)
    return out.stdout.strip() + "\n"


@dataclass
class FrontEnd:
    """An HTTP server forwarding to ``upstream`` with one misbehaviour; counts what it saw."""

    upstream: str
    misbehave: Callable[[BaseHTTPRequestHandler, FrontEnd], bool] | None = None
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    state: dict = field(default_factory=dict)
    address: str = "127.0.0.1"

    def start(self) -> FrontEnd:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                front.seen.append((self.path, dict(self.headers)))
                if front.misbehave is not None and front.misbehave(self, front):
                    return
                front.forward(self)

            do_HEAD = do_GET  # noqa: N815

        self.server = ThreadingHTTPServer((self.address, 0), Handler)
        self.host = f"{self.address}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fetch(self, handler: BaseHTTPRequestHandler) -> requests.Response:
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
        return requests.request(handler.command, f"http://{self.upstream}{handler.path}", headers=headers,
                                allow_redirects=False, timeout=30)  # fmt: skip

    def forward(self, handler: BaseHTTPRequestHandler, body: bytes | None = None) -> None:
        resp = self.fetch(handler)
        data = resp.content if body is None else body
        send(handler, resp.status_code, data, resp.headers)


def send(handler: BaseHTTPRequestHandler, status: int, data: bytes, headers=None, length: int | None = None) -> None:
    handler.send_response(status)
    for k, v in (headers or {}).items():
        if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding", "date", "server"):
            handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(data) if length is None else length))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)
    handler.wfile.flush()


def skopeo_archive(ref: str, dest: Path, final: str, arch: str = "amd64", creds: tuple[str, str] | None = None) -> Path:
    """What nixpkgs' pullImage runs: ``skopeo copy docker://REF docker-archive:DEST:FINAL``."""
    args = ["skopeo", "--insecure-policy", "--override-os", "linux", "--override-arch", arch, "copy", "-q",
            "--src-tls-verify=false"]  # fmt: skip
    if creds:
        args += ["--src-creds", f"{creds[0]}:{creds[1]}"]
    subprocess.run([*args, f"docker://{ref}", f"docker-archive:{dest}:{final}"], check=True, capture_output=True)
    return dest


def push(archive: Path, registry: str, ref: str, creds: tuple[str, str] | None = None, *flags: str) -> str:
    """Push a docker-archive with skopeo (extra ``flags`` for ``copy``); the manifest digest the registry serves."""
    args = ["skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false", *flags]
    if creds:
        args += ["--dest-creds", f"{creds[0]}:{creds[1]}"]
    subprocess.run([*args, f"docker-archive:{archive}", f"docker://{registry}/{ref}"], check=True,
                   capture_output=True)  # fmt: skip
    inspect = ["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}"]
    if creds:
        inspect += ["--creds", f"{creds[0]}:{creds[1]}"]
    out = subprocess.run([*inspect, f"docker://{registry}/{ref}"], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def push_oci(archive: Path, registry: str, repository: str, compression: str) -> str:
    """Upload ``archive``'s image by hand through the registry API: an OCI manifest, ``gzip`` or ``zstd`` layers.

    (skopeo would reuse the gzip blobs it already pushed for the same layers.)
    """
    import gzip
    import hashlib
    import json
    import tarfile

    import zstandard

    base = f"http://{registry}/v2/{repository}"

    def upload(data: bytes) -> dict:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        start = requests.post(f"{base}/blobs/uploads/", timeout=30)
        start.raise_for_status()
        location = requests.compat.urljoin(base + "/", start.headers["Location"])
        sep = "&" if "?" in location else "?"
        done = requests.put(f"{location}{sep}digest={digest}", data=data, timeout=30,
                            headers={"Content-Type": "application/octet-stream"})  # fmt: skip
        done.raise_for_status()
        return {"digest": digest, "size": len(data)}

    def compress(data: bytes) -> bytes:
        return zstandard.ZstdCompressor().compress(data) if compression == "zstd" else gzip.compress(data, mtime=0)

    with tarfile.open(archive) as tar:
        entry = json.load(tar.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
        config = tar.extractfile(entry["Config"]).read()  # type: ignore[union-attr]
        layers = [tar.extractfile(name).read() for name in entry["Layers"]]  # type: ignore[union-attr]
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json"} | upload(config),
        "layers": [
            {"mediaType": f"application/vnd.oci.image.layer.v1.tar+{compression}"} | upload(compress(layer))
            for layer in layers
        ],  # fmt: skip
    }
    resp = requests.put(f"{base}/manifests/v1", data=json.dumps(manifest).encode(), timeout=30,
                        headers={"Content-Type": manifest["mediaType"]})  # fmt: skip
    resp.raise_for_status()
    return resp.headers["Docker-Content-Digest"]
