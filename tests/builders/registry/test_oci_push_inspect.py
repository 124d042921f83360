"""OCI output, pydock push and pydock inspect against real clients (skopeo, umoci, podman) and docker-registry."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from docker_support import Podman
from registry_support import pydock, start_registry

from nix_compat_tests.support import unavailable

IMAGE_NIX = """
{ pkgs ? import <nixpkgs> { }, greeting ? "hello", cmd ? "/bin/hello" }:
let inherit (pkgs) dockerTools writeTextDir; in
rec {
  layered = dockerTools.buildLayeredImage {
    name = "example/oci"; tag = "v1"; compressor = "none"; maxLayers = 4;
    contents = [ (writeTextDir "share/greeting" "${greeting}\\n") (writeTextDir "etc/motd" "motd\\n") ];
    config = { Cmd = [ cmd ]; Env = [ "A=1" ]; ExposedPorts."80/tcp" = { }; User = "1000"; };
  };
  layeredGz = layered.override { compressor = "gz"; };
  plain = dockerTools.buildImage {
    name = "example/plain"; tag = "v1"; copyToRoot = writeTextDir "share/greeting" "${greeting}\n";
    config.Cmd = [ cmd ];
  };
  stream = dockerTools.streamLayeredImage {
    name = "example/oci"; tag = "v1"; maxLayers = 4;
    contents = [ (writeTextDir "share/greeting" "${greeting}\\n") (writeTextDir "etc/motd" "motd\\n") ];
    config = { Cmd = [ cmd ]; Env = [ "A=1" ]; ExposedPorts."80/tcp" = { }; User = "1000"; };
  };
}
"""


def _require(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        unavailable(f"not installed: {', '.join(missing)}")


class Images:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.nix = work / "image.nix"
        self.nix.write_text(IMAGE_NIX)
        self.store = work / "store"

    def args(self, attr: str, *extra: str) -> list[str]:
        return ["--store", str(self.store), str(self.nix), "-A", attr, *extra]

    def build(self, attr: str, *extra: str) -> Path:
        proc = pydock("build", "--no-out-link", *self.args(attr, *extra))
        if proc.returncode != 0 and "namespaces" in proc.stderr:
            unavailable(f"pydock's namespaces are unavailable here: {proc.stderr.strip()[-300:]}")
        assert proc.returncode == 0, proc.stderr
        return Path(proc.stdout.strip())

    def oci(self, attr: str, fmt: str, compression: str, dest: Path, *extra: str) -> Path:
        proc = pydock("build", *self.args(attr, *extra), "--format", fmt, "--layer-compression", compression,
                      "-o", str(dest))  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == str(dest)
        return dest


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> Images:
    _require("skopeo", "docker-registry")
    return Images(tmp_path_factory.mktemp("oci"))


def manifest_digest(layout: Path) -> str:
    return json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]


def skopeo(*args: str, work: Path) -> subprocess.CompletedProcess:
    """skopeo with a blob-info cache of its own, so blobs it saw in other runs cannot change what it pushes."""
    base = ["skopeo", "--insecure-policy", *args]
    if os.geteuid() == 0 and shutil.which("unshare"):
        cache = "/var/lib/containers/cache"
        script = f'mkdir -p {cache} && mount -t tmpfs tmpfs {cache} && exec "$@"'
        cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *base]
    else:
        cmd = base
    env = dict(os.environ, XDG_DATA_HOME=str(work / "xdg"))
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_oci_layouts_accepted_by_clients_and_reproducible(images: Images, tmp_path: Path, compression: str) -> None:
    _require("umoci", "podman")
    archive = images.build("layered")
    layout = images.oci("stream", "oci-dir", compression, tmp_path / f"dir-{compression}")
    again = images.oci("stream", "oci-dir", compression, tmp_path / f"again-{compression}")
    assert manifest_digest(layout) == manifest_digest(again)
    assert sorted(os.listdir(layout / "blobs/sha256")) == sorted(os.listdir(again / "blobs/sha256"))
    info = skopeo("inspect", f"oci:{layout}", work=tmp_path)
    assert info.returncode == 0, info.stderr
    inspected = json.loads(info.stdout)
    assert inspected["Digest"] == manifest_digest(layout)
    media = {m["mediaType"] for m in json.loads(
        skopeo("inspect", "--raw", f"oci:{layout}", work=tmp_path).stdout)["layers"]}  # fmt: skip
    suffix = {"none": "tar", "gzip": "tar+gzip", "zstd": "tar+zstd"}[compression]
    assert media == {f"application/vnd.oci.image.layer.v1.{suffix}"}
    index = json.loads((layout / "index.json").read_text())
    assert index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == "example/oci:v1"
    if compression != "zstd":  # umoci 0.4.7 (Debian 12) knows no zstd layers
        bundle = tmp_path / f"bundle-{compression}"
        unpack = subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{layout}:example/oci:v1",
                                 str(bundle)], capture_output=True, text=True)  # fmt: skip
        assert unpack.returncode == 0, unpack.stderr
        greeting = list((bundle / "rootfs/nix/store").glob("*-greeting/share/greeting"))
        assert [g.read_text() for g in greeting] == ["hello\n"]
    oci_archive = images.oci("stream", "oci-archive", compression, tmp_path / f"image-{compression}.tar")
    assert skopeo("inspect", f"oci-archive:{oci_archive}", work=tmp_path).returncode == 0
    podman = Podman()
    try:
        assert podman.load(oci_archive) == ["localhost/example/oci:v1"]
        loaded = podman.inspect("localhost/example/oci:v1")
    finally:
        podman.close()
    # The config is kept byte for byte, so the image id is the docker-archive's.
    assert "sha256:" + loaded["Id"] == inspected_config_digest(archive)
    assert loaded["Config"]["Cmd"] == ["/bin/hello"] and loaded["Config"]["User"] == "1000"
    # buildLayeredImage (a file in the store) gives the stream's very manifest: both come from the conf.
    assert manifest_digest(images.oci("layered", "oci-dir", compression, tmp_path / "layered")) == manifest_digest(
        layout
    )
    # buildImage's archive is converted: same config bytes, the same layers compressed.
    converted = images.oci("plain", "oci-dir", compression, tmp_path / "from-archive")
    plain_archive = images.build("plain")
    converted_info = json.loads(skopeo("inspect", f"oci:{converted}", work=tmp_path).stdout)
    assert converted_info["Digest"] == manifest_digest(converted)
    config_blob = converted / "blobs/sha256" / inspected_config_digest(plain_archive)[7:]
    assert config_blob.read_bytes() == archive_config(plain_archive)
    manifest = json.loads((converted / "blobs/sha256" / manifest_digest(converted)[7:]).read_bytes())
    unpacked = [hashlib.sha256(decompress((converted / "blobs/sha256" / d["digest"][7:]).read_bytes())).hexdigest()
                for d in manifest["layers"]]  # fmt: skip
    assert ["sha256:" + h for h in unpacked] == json.loads(archive_config(plain_archive))["rootfs"]["diff_ids"]


def decompress(data: bytes) -> bytes:
    import gzip

    import zstandard

    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data


def archive_config(archive: Path) -> bytes:
    import tarfile

    with tarfile.open(archive) as tar:
        entry = json.load(tar.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
        return tar.extractfile(entry["Config"]).read()  # type: ignore[union-attr]


def inspected_config_digest(archive: Path) -> str:
    return "sha256:" + hashlib.sha256(archive_config(archive)).hexdigest()


class CountingProxy:
    """A real HTTP proxy in front of a registry that records every request (method, path)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.seen: list[tuple[str, str]] = []
        self.on_request = None
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def handle_any(self) -> None:
                proxy.seen.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.on_request is not None and proxy.on_request(self):
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
                try:
                    resp = requests.request(self.command, f"http://{proxy.upstream}{self.path}", headers=headers,
                                            data=body, allow_redirects=False, timeout=30)  # fmt: skip
                except requests.ConnectionError:
                    self.send_response(502)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(resp.status_code)
                for k, v in resp.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(resp.content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(resp.content)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def uploads(self) -> list[str]:
        """Blob uploads started (mount requests excluded)."""
        return [p for m, p in self.seen if m == "POST" and "/blobs/uploads/" in p and "mount=" not in p]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def push(images: Images, source: list[str], dest: str, *extra: str, env: dict | None = None):
    return pydock("push", *source, f"docker://{dest}", "--tls-verify=false", *extra,
                  env=dict(os.environ, XDG_CACHE_HOME=str(images.work / "cache")) | (env or {}))  # fmt: skip


def test_push_digest_skips_and_changed_layers(images: Images, tmp_path: Path) -> None:
    registry = start_registry(tmp_path / "registry")
    proxy = CountingProxy(registry.host)
    try:
        attr = images.args("stream")
        first = push(images, attr, f"{proxy.host}/app:v1")
        assert first.returncode == 0, first.stderr
        digest = first.stdout.strip()
        info = skopeo("inspect", "--tls-verify=false", f"docker://{registry.host}/app:v1", work=tmp_path)
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["Digest"] == digest
        layers = json.loads(info.stdout)["Layers"]
        assert len(proxy.uploads()) == len(set(layers)) + 1  # every layer and the config

        # The same image as an OCI layout: pydock pushes the same digest, and so does skopeo.
        layout = images.oci("stream", "oci-dir", "gzip", tmp_path / "layout")
        assert manifest_digest(layout) == digest
        copied = skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{layout}", f"docker://{registry.host}/sk:v1",
                        work=tmp_path)  # fmt: skip
        assert copied.returncode == 0, copied.stderr
        sk = skopeo("inspect", "--tls-verify=false", f"docker://{registry.host}/sk:v1", work=tmp_path)
        assert json.loads(sk.stdout)["Digest"] == digest
        oci_archive = images.oci("stream", "oci-archive", "gzip", tmp_path / "image.tar")
        copied = skopeo("copy", "-q", "--dest-tls-verify=false", f"oci-archive:{oci_archive}",
                        f"docker://{registry.host}/ska:v1", work=tmp_path)  # fmt: skip
        assert copied.returncode == 0, copied.stderr
        ska = skopeo("inspect", "--tls-verify=false", f"docker://{registry.host}/ska:v1", work=tmp_path)
        assert json.loads(ska.stdout)["Digest"] == digest
        from_archive = push(images, [str(oci_archive)], f"{proxy.host}/pa:v1")
        assert from_archive.returncode == 0 and from_archive.stdout.strip() == digest, from_archive.stderr

        # The archive buildLayeredImage writes (plain and gzip'd), pushed as a file: same digest again,
        # and its blobs are mounted from the repository pydock pushed them to, not uploaded.
        before = len(proxy.uploads())
        for n, attr_name in enumerate(("layered", "layeredGz")):
            from_file = push(images, [str(images.build(attr_name))], f"{proxy.host}/file{n}:v1")
            assert from_file.returncode == 0 and from_file.stdout.strip() == digest, from_file.stderr
        assert len(proxy.uploads()) == before
        assert any(m == "POST" and "mount=" in p and "/file0/" in p for m, p in proxy.seen)

        # inspect reads the registry image without its layers: store paths from the history comments.
        remote = pydock("inspect", "--json", "--tls-verify=false", f"docker://{registry.host}/app:v1")
        assert remote.returncode == 0, remote.stderr
        local = pydock("inspect", "--json", *attr)
        remote_info, local_info = json.loads(remote.stdout), json.loads(local.stdout)
        assert remote_info["digest"] == digest and remote_info["config_digest"] == local_info["config_digest"]
        assert [la["store_paths"] for la in remote_info["layers"][:-1]] == [
            la["store_paths"] for la in local_info["layers"][:-1]
        ]

        # A new tag: nothing uploaded.
        before = len(proxy.uploads())
        second = push(images, attr, f"{proxy.host}/app:v2")
        assert second.returncode == 0 and second.stdout.strip() == digest, second.stderr
        assert len(proxy.uploads()) == before

        # A changed store path: only the changed layers (and the config) are uploaded.
        before = len(proxy.uploads())
        changed = push(images, [*attr, "--argstr", "greeting", "changed"], f"{proxy.host}/app:v3")
        assert changed.returncode == 0, changed.stderr
        new = json.loads(skopeo("inspect", "--tls-verify=false", f"docker://{registry.host}/app:v3",
                                work=tmp_path).stdout)["Layers"]  # fmt: skip
        assert 0 < len(set(new) - set(layers)) < len(new)
        assert len(proxy.uploads()) - before == len(set(new) - set(layers)) + 1

        # Chunked uploads of uncompressed layers (1 KiB chunks) give a complete image too.
        chunked = push(images, [*attr, "--layer-compression", "none"], f"{proxy.host}/chunked:v1",
                       "--chunk-size", "1024")  # fmt: skip
        assert chunked.returncode == 0, chunked.stderr
        assert any(m == "PATCH" for m, _ in proxy.seen)
        assert chunked.stdout.strip() == manifest_digest(images.oci("stream", "oci-dir", "none", tmp_path / "n"))
        check = skopeo("copy", "-q", "--src-tls-verify=false", f"docker://{registry.host}/chunked:v1",
                       f"oci:{tmp_path / 'pulled'}", work=tmp_path)  # fmt: skip
        assert check.returncode == 0, check.stderr
    finally:
        proxy.stop()
        registry.stop()


def test_push_survives_killed_registry(images: Images, tmp_path: Path) -> None:
    registry = start_registry(tmp_path / "registry")
    proxy = CountingProxy(registry.host)
    killed = []

    def kill_on_first_blob_put(handler: BaseHTTPRequestHandler) -> bool:
        if handler.command == "PUT" and "/blobs/uploads/" in handler.path and not killed:
            registry.process.kill()
            registry.process.wait()
            killed.append(True)
            handler.close_connection = True
            handler.connection.shutdown(2)  # the connection drops mid-upload
            return True
        return False

    proxy.on_request = kill_on_first_blob_put
    attr = images.args("stream")
    try:
        failed = push(images, attr, f"{proxy.host}/app:v1")
        assert killed and failed.returncode == 1
        assert failed.stderr.startswith("error: ") and "Traceback" not in failed.stderr
        assert "gave up after" in failed.stderr
        assert failed.stdout == ""
        # No tag was created; the registry comes back and the next push completes.
        config = tmp_path / "registry" / "config.yml"
        log = open(tmp_path / "registry" / "registry2.log", "wb")  # noqa: SIM115
        registry.process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log,
                                            stderr=subprocess.STDOUT)  # fmt: skip
        for _ in range(100):
            try:
                requests.get(f"http://{registry.host}/v2/", timeout=1)
                break
            except requests.ConnectionError:
                threading.Event().wait(0.1)
        assert requests.get(f"http://{registry.host}/v2/app/tags/list", timeout=5).status_code == 404
        proxy.on_request = None
        again = push(images, attr, f"{proxy.host}/app:v1")
        assert again.returncode == 0, again.stderr
        info = skopeo("inspect", "--tls-verify=false", f"docker://{registry.host}/app:v1", work=tmp_path)
        assert json.loads(info.stdout)["Digest"] == again.stdout.strip()
    finally:
        proxy.stop()
        registry.stop()


def test_push_with_credentials_never_prints_them(images: Images, auth_registry, tmp_path: Path) -> None:
    import base64

    user, password = auth_registry.creds
    auth = tmp_path / "auth.json"
    good = base64.b64encode(f"{user}:{password}".encode()).decode()
    auth.write_text(json.dumps({"auths": {auth_registry.host: {"auth": good}}}))
    attr = images.args("stream")
    ok = push(images, attr, f"{auth_registry.host}/private/pushed:v1", env={"REGISTRY_AUTH_FILE": str(auth)})
    assert ok.returncode == 0, ok.stderr
    info = skopeo("inspect", "--tls-verify=false", "--creds", f"{user}:{password}",
                  f"docker://{auth_registry.host}/private/pushed:v1", work=tmp_path)  # fmt: skip
    assert json.loads(info.stdout)["Digest"] == ok.stdout.strip()
    wrong = "wrong-Secret-123"
    auth.write_text(json.dumps({"auths": {auth_registry.host: {"username": user, "password": wrong}}}))
    bad = push(images, attr, f"{auth_registry.host}/private/pushed:v2", env={"REGISTRY_AUTH_FILE": str(auth)})
    assert bad.returncode == 1 and bad.stderr.startswith("error: ")
    assert wrong not in bad.stderr + bad.stdout and password not in bad.stderr + bad.stdout


def test_inspect_lists_conf_store_layers(images: Images, tmp_path: Path) -> None:
    archive = images.build("layered")
    conf_drv = pydock("eval", "--json", str(images.nix), "-A", "stream.conf.outPath")
    assert conf_drv.returncode == 0, conf_drv.stderr
    conf_path = images.store / json.loads(conf_drv.stdout).lstrip("/")
    conf = json.loads(conf_path.read_text())
    layout = images.oci("stream", "oci-dir", "zstd", tmp_path / "layout")
    for source in ([str(archive)], [str(layout)], images.args("stream")):
        proc = pydock("inspect", "--json", *source)
        assert proc.returncode == 0, proc.stderr
        info = json.loads(proc.stdout)
        per_layer = [layer["store_paths"] for layer in info["layers"]]
        assert per_layer[: len(conf["store_layers"])] == conf["store_layers"]
        assert len(per_layer) == len(conf["store_layers"]) + 1  # and the customisation layer
        assert info["config"]["Cmd"] == ["/bin/hello"] and info["config"]["User"] == "1000"
        assert info["config"]["ExposedPorts"] == {"80/tcp": {}} and info["config"]["Env"] == ["A=1"]
    table = pydock("inspect", str(archive))
    assert table.returncode == 0 and conf["store_layers"][0][0] in table.stdout and "example/oci:v1" in table.stdout


def test_inspect_and_push_refuse_corrupt_images(images: Images, tmp_path: Path) -> None:
    layout = images.oci("stream", "oci-dir", "gzip", tmp_path / "layout")
    manifest = json.loads((layout / "blobs/sha256" / manifest_digest(layout)[7:]).read_text())
    layer = layout / "blobs/sha256" / manifest["layers"][0]["digest"][7:]
    layer.write_bytes(layer.read_bytes() + b"x")
    proc = pydock("inspect", str(layout))
    assert proc.returncode == 1 and "does not match its digest" in proc.stderr and "Traceback" not in proc.stderr
    layer.unlink()
    proc = pydock("inspect", str(layout))
    assert proc.returncode == 1 and proc.stderr.startswith("error: layer sha256:") and "is missing from" in proc.stderr
    # A digest that would name a file outside blobs/ is refused before anything is opened.
    index = json.loads((layout / "index.json").read_text())
    index["manifests"][0]["digest"] = "sha256:" + "../" * 18 + "etc/passwd"  # 64 characters, like a hex digest
    (layout / "index.json").write_text(json.dumps(index))
    proc = pydock("inspect", str(layout))
    assert proc.returncode == 1 and "names an invalid digest" in proc.stderr
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(images.build("layered").read_bytes()[:15000])
    proc = pydock("inspect", str(truncated))
    assert proc.returncode == 1 and proc.stderr.startswith(f"error: '{truncated}' is not an image archive")
    not_image = tmp_path / "plain.tar"
    subprocess.run(["tar", "cf", str(not_image), "-C", str(tmp_path), "truncated.tar"], check=True)
    proc = pydock("inspect", str(not_image))
    assert proc.returncode == 1 and "has no manifest.json" in proc.stderr
    out = tmp_path / "never"
    proc = pydock("push", str(not_image), "docker://127.0.0.1:1/x:y", "--tls-verify=false")
    assert proc.returncode == 1 and "has no manifest.json" in proc.stderr and not out.exists()


def _error_json(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message}]}).encode()


def _answer(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: dict | None = None) -> None:
    handler.send_response(status)
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_push_bad_registry_answers(images: Images, tmp_path: Path) -> None:
    """5xx answers are retried; a refused blob or a registry storing another digest fails with no tag made."""
    registry = start_registry(tmp_path / "registry")
    proxy = CountingProxy(registry.host)
    attr = images.args("stream")
    state = {"errors": 0}

    def blob_put(handler: BaseHTTPRequestHandler) -> bool:
        return handler.command == "PUT" and "/blobs/uploads/" in handler.path

    def two_503s(handler: BaseHTTPRequestHandler) -> bool:
        if blob_put(handler) and state["errors"] < 2:
            state["errors"] += 1
            _answer(handler, 503, _error_json("UNAVAILABLE", "try later"))
            return True
        return False

    def refuse(handler: BaseHTTPRequestHandler) -> bool:
        if blob_put(handler):
            _answer(handler, 403, _error_json("DENIED", "quota exceeded"), {"Content-Type": "application/json"})
            return True
        return False

    def other_digest(handler: BaseHTTPRequestHandler) -> bool:
        if blob_put(handler):
            _answer(handler, 201, b"", {"Docker-Content-Digest": "sha256:" + "0" * 64})
            return True
        return False

    try:
        proxy.on_request = two_503s
        ok = push(images, attr, f"{proxy.host}/retried:v1", "--layer-compression", "zstd")
        assert ok.returncode == 0, ok.stderr
        assert state["errors"] == 2
        info = skopeo("inspect", "--tls-verify=false", f"docker://{registry.host}/retried:v1", work=tmp_path)
        assert json.loads(info.stdout)["Digest"] == ok.stdout.strip()
        for behaviour, wanted in ((refuse, "HTTP 403: quota exceeded"), (other_digest, "the registry stored it as")):
            proxy.on_request = behaviour
            failed = push(images, attr, f"{proxy.host}/bad:v1", "--layer-compression", "none")
            assert failed.returncode == 1 and failed.stdout == ""
            assert failed.stderr.startswith("error: ") and wanted in failed.stderr, failed.stderr
            assert "Traceback" not in failed.stderr
            assert requests.get(f"http://{registry.host}/v2/bad/manifests/v1", timeout=5).status_code == 404
    finally:
        proxy.stop()
        registry.stop()
