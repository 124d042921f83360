"""dockerTools.pullImage and pydock prefetch-docker against a real docker-registry, with skopeo as the oracle."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from docker_support import Podman
from registry_support import FrontEnd, env_with, pydock, send, skopeo_archive

from nix_compat_tests.support import require_tool, unavailable


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pull_expr(image: str, digest: str, hash_: str, final: str = "pulled", **extra: str) -> str:
    args = "".join(f" {k} = {v};" for k, v in extra.items())
    return (
        f'(import <nixpkgs> {{ }}).dockerTools.pullImage {{ imageName = "{image}"; imageDigest = "{digest}";'
        f' hash = "{hash_}"; finalImageName = "{final}"; finalImageTag = "t1"; tlsVerify = false;{args} }}'
    )


def build(store: Path, expr: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return pydock("build", "--store", str(store), "--no-out-link", "-E", expr, env=env)


def prefetch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return pydock("prefetch-docker", "--tls-verify=false", "--quiet", "--json", *args, env=env)


def sri(hex_digest: str) -> str:
    import base64

    return "sha256-" + base64.b64encode(bytes.fromhex(hex_digest)).decode()


def test_pull_equals_skopeo_and_prefetch(pushed, tmp_path, nix_eval):
    image = f"{pushed.registry.host}/example/hello"
    digest = pushed.digests["example/hello"]
    oracle = skopeo_archive(f"{image}@{digest}", tmp_path / "skopeo.tar", "pulled:t1")
    fetched = prefetch(image, digest, "--final-image-name", "pulled", "--final-image-tag", "t1",
                       "--store", str(tmp_path / "prefetch-store"))  # fmt: skip
    assert fetched.returncode == 0, fetched.stderr
    printed = json.loads(fetched.stdout)
    assert printed["hash"] == sri(sha256(oracle)) and printed["imageDigest"] == digest

    proc = build(pushed.store, pull_expr(image, digest, printed["hash"]))
    assert proc.returncode == 0, proc.stderr
    out = Path(proc.stdout.strip())
    assert sha256(out) == sha256(oracle)
    # The out path follows from name and hash alone, as real Nix computes it for a fixed output.
    nix = nix_eval(f'(derivation {{ name = "docker-image-pulled-t1.tar"; builder = "x"; system = "x";'
                   f' outputHash = "{printed["hash"]}"; outputHashMode = "flat"; }}).outPath')  # fmt: skip
    assert nix.returncode == 0, nix.stderr
    assert "/" + str(out.relative_to(pushed.store)) == json.loads(nix.stdout)

    # podman loads the pulled archive with the image's configuration.
    if shutil.which("podman") is None:
        unavailable("podman is not installed (Debian package podman)")
    podman = Podman()
    try:
        assert podman.load(out) == ["docker.io/library/pulled:t1"]
        info = podman.inspect("docker.io/library/pulled:t1")
    finally:
        podman.close()
    assert info["Config"]["Cmd"] == ["/bin/hello"] and info["Config"]["Env"] == ["GREETING=pydock"]
    with tarfile.open(pushed.archives["hello"]) as tar:
        source_layers = json.load(tar.extractfile("manifest.json"))[0]["Layers"]  # type: ignore[arg-type]
    assert len(info["RootFS"]["Layers"]) == len(source_layers)


def test_oci_manifest_equals_skopeo(pushed, tmp_path):
    image = f"{pushed.registry.host}/oci/gzip"
    digest = pushed.digests["oci/gzip"]
    oracle = skopeo_archive(f"{image}@{digest}", tmp_path / "skopeo.tar", "pulled:t1")
    proc = build(tmp_path / "store", pull_expr(image, digest, sri(sha256(oracle))))
    assert proc.returncode == 0, proc.stderr
    assert sha256(Path(proc.stdout.strip())) == sha256(oracle)


def test_zstd_layers_are_decompressed(pushed, tmp_path):
    """skopeo 1.9 refuses zstd layers for a docker-archive; pydock writes them decompressed, as newer skopeo does."""
    proc = prefetch(f"{pushed.registry.host}/oci/zstd", pushed.digests["oci/zstd"], "--store", str(tmp_path / "s"))
    assert proc.returncode == 0, proc.stderr
    archive = next((tmp_path / "s" / "nix" / "store").glob("*-docker-image-*oci-zstd-latest.tar"))
    with tarfile.open(archive) as tar:
        entry = json.load(tar.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
        diff_ids = json.load(tar.extractfile(entry["Config"]))["rootfs"]["diff_ids"]  # type: ignore[arg-type]
        digests = ["sha256:" + hashlib.sha256(tar.extractfile(n).read()).hexdigest() for n in entry["Layers"]]  # type: ignore[union-attr]
    assert digests == diff_ids


def test_prefetch_resolves_a_tag_and_prints_nix(pushed):
    proc = pydock("prefetch-docker", "--tls-verify=false", f"{pushed.registry.host}/example/hello:v1",
                  "--store", f"local?root={pushed.work / 'prefetch-tag'}")  # fmt: skip (Nix's spelling, as build takes)
    assert proc.returncode == 0, proc.stderr
    assert list((pushed.work / "prefetch-tag" / "nix" / "store").glob("*-docker-image-*hello-v1.tar"))
    assert f'imageDigest = "{pushed.digests["example/hello"]}";' in proc.stdout
    assert 'finalImageTag = "v1";' in proc.stdout and re.search(r'hash = "sha256-[A-Za-z0-9+/]{43}=";', proc.stdout)


def test_wrong_hash_fails_cleanly(pushed, tmp_path):
    image = f"{pushed.registry.host}/example/hello"
    digest = pushed.digests["example/hello"]
    oracle = skopeo_archive(f"{image}@{digest}", tmp_path / "skopeo.tar", "wrong:t1")
    wrong = sri("00" * 32)
    store = tmp_path / "store"
    proc = build(store, pull_expr(image, digest, wrong, final="wrong"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert re.search(r"error: hash mismatch in fixed-output derivation '/nix/store/[a-z0-9]{32}-docker-image-wrong-t1"
                     r"\.tar\.drv':", proc.stderr), proc.stderr  # fmt: skip
    assert f"specified: {wrong}" in proc.stderr and f"got:    {sri(sha256(oracle))}" in proc.stderr
    assert not [p for p in (store / "nix" / "store").iterdir() if p.name.endswith("-docker-image-wrong-t1.tar")]


@pytest.mark.parametrize(("index", "arch"), [("multi", "arm64"), ("multi", "amd64"), ("multi/oci-index", "arm64")])
def test_manifest_list_picks_the_platform(pushed, tmp_path, index, arch):
    image = f"{pushed.registry.host}/multi"
    digest = pushed.digests[index]
    oracle = skopeo_archive(f"{image}@{digest}", tmp_path / "skopeo.tar", "pulled:t1", arch=arch)
    proc = build(tmp_path / "store", pull_expr(image, digest, sri(sha256(oracle)), arch=f'"{arch}"'))
    assert proc.returncode == 0, proc.stderr
    out = Path(proc.stdout.strip())
    with tarfile.open(out) as tar:
        config_name = json.load(tar.extractfile("manifest.json"))[0]["Config"]  # type: ignore[arg-type]
        assert json.load(tar.extractfile(config_name))["architecture"] == arch  # type: ignore[arg-type]


def test_missing_platform_is_a_clear_error(pushed):
    proc = prefetch(f"{pushed.registry.host}/multi", pushed.digests["multi"], "--arch", "s390x",
                    "--store", str(pushed.work / "s390x"))  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "no image for linux/s390x in the manifest list" in proc.stderr
    assert "linux/amd64" in proc.stderr and "linux/arm64/v8" in proc.stderr


def _through(front: FrontEnd, pushed, tmp_path, *extra: str) -> subprocess.CompletedProcess:
    front.start()
    try:
        return prefetch(f"{front.host}/example/hello", pushed.digests["example/hello"], "--final-image-name",
                        "pulled", "--final-image-tag", "t1", "--store", str(tmp_path / "store"), *extra)  # fmt: skip
    finally:
        front.stop()


@pytest.mark.parametrize("status", [500, 429])
def test_two_server_errors_then_success(pushed, tmp_path, status):
    def fail_twice(handler, front):
        front.state["n"] = front.state.get("n", 0) + 1
        if front.state["n"] <= 2:
            send(handler, status, b'{"errors":[{"message":"try again"}]}', {"Retry-After": "0"})
            return True
        return False

    front = FrontEnd(pushed.registry.host, fail_twice)
    proc = _through(front, pushed, tmp_path)
    assert proc.returncode == 0, proc.stderr
    oracle = skopeo_archive(f"{pushed.registry.host}/example/hello@{pushed.digests['example/hello']}",
                            tmp_path / "skopeo.tar", "pulled:t1")  # fmt: skip
    assert json.loads(proc.stdout)["hash"] == sri(sha256(oracle))
    assert front.state["n"] > 2


def test_persistent_server_errors_give_up_clearly(pushed, tmp_path):
    def always(handler, front):
        send(handler, 503, b'{"errors":[{"message":"down for maintenance"}]}', {"Retry-After": "0"})
        return True

    proc = _through(FrontEnd(pushed.registry.host, always), pushed, tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "the registry answered HTTP 503: down for maintenance (gave up after 5 attempts)" in proc.stderr


def _blob_misbehaviour(kind: str):
    def misbehave(handler, front):
        if "/blobs/" not in handler.path or "config" in front.state.get("skip", ""):
            return False
        resp = front.fetch(handler)
        data = resp.content
        if len(data) < 200:  # the config blob: let it through
            return False
        if kind == "truncate":
            send(handler, 200, data[: len(data) // 2], resp.headers, length=len(data))
            handler.close_connection = True
        else:
            send(handler, 200, data[:100] + bytes([data[100] ^ 0xFF]) + data[101:], resp.headers)
        return True

    return misbehave


def test_truncated_blob_fails_clearly(pushed, tmp_path):
    proc = _through(FrontEnd(pushed.registry.host, _blob_misbehaviour("truncate")), pushed, tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert re.search(r"error: blob sha256:[0-9a-f]{64} of 'example/hello' .*truncated", proc.stderr), proc.stderr
    assert "gave up after" in proc.stderr


def test_wrong_digest_fails_clearly(pushed, tmp_path):
    proc = _through(FrontEnd(pushed.registry.host, _blob_misbehaviour("corrupt")), pushed, tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert re.search(r"blob sha256:[0-9a-f]{64} of .* does not match its digest", proc.stderr), proc.stderr


def test_oversized_manifest_is_refused(pushed, tmp_path):
    def huge(handler, front):
        if "/manifests/" not in handler.path:
            return False
        body = b'{"schemaVersion":2,"pad":"' + b"x" * (5 << 20) + b'"}'
        send(handler, 200, body, {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"})
        return True

    proc = _through(FrontEnd(pushed.registry.host, huge), pushed, tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "is too large" in proc.stderr and "4194304" in proc.stderr


def _auth_file(tmp_path: Path, host: str, creds: tuple[str, str]) -> Path:
    import base64

    path = tmp_path / "auth.json"
    token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
    path.write_text(json.dumps({"auths": {host: {"auth": token}}}))
    return path


def test_htpasswd_registry_with_and_without_credentials(auth_registry, tmp_path):
    image = f"{auth_registry.host}/private/hello"
    creds = auth_registry.creds
    digest_proc = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--creds", ":".join(creds),
                                  "--format", "{{.Digest}}", f"docker://{image}:v1"],
                                 capture_output=True, text=True, check=True)  # fmt: skip
    digest = digest_proc.stdout.strip()
    oracle = skopeo_archive(f"{image}@{digest}", tmp_path / "skopeo.tar", "pulled:t1", creds=creds)
    store = tmp_path / "store"
    anonymous = env_with(REGISTRY_AUTH_FILE=str(tmp_path / "none.json"), HOME=str(tmp_path / "home"),
                         XDG_RUNTIME_DIR=str(tmp_path / "run"))  # fmt: skip
    proc = build(store, pull_expr(image, digest, sri(sha256(oracle))), env=anonymous)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "requires authentication, and no credentials were found" in proc.stderr

    with_creds = anonymous | {"REGISTRY_AUTH_FILE": str(_auth_file(tmp_path, auth_registry.host, creds))}
    proc = build(store, pull_expr(image, digest, sri(sha256(oracle))), env=with_creds)
    assert proc.returncode == 0, proc.stderr
    out = Path(proc.stdout.strip())
    assert sha256(out) == sha256(oracle)
    # The secret is nowhere: not in output, logs, derivations or the image.
    secret = creds[1].encode()
    assert secret not in out.read_bytes() and creds[1] not in proc.stderr
    for path in (store / "nix").rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert secret not in path.read_bytes(), path

    wrong = anonymous | {"REGISTRY_AUTH_FILE": str(_auth_file(tmp_path, auth_registry.host, (creds[0], "nope")))}
    proc = prefetch(image, digest, "--store", str(tmp_path / "store2"), env=wrong)
    assert proc.returncode == 1 and "rejected the credentials of 'pydock-user'" in proc.stderr
    assert "nope" not in proc.stderr


def test_redirect_to_another_host_that_asks_for_credentials(auth_registry, tmp_path):
    """Blobs redirected to another host answering 401: a clear error, and the credentials stay home."""

    def ask_for_credentials(handler, front):
        send(handler, 401, b"", {"WWW-Authenticate": 'Basic realm="elsewhere"'})
        return True

    other = FrontEnd("unused", ask_for_credentials, address="127.0.0.2").start()
    other_host = other.host

    def redirect(handler, front):
        if "/blobs/" in handler.path:
            send(handler, 307, b"", {"Location": f"http://{other_host}{handler.path}"})
            return True
        return False

    front = FrontEnd(auth_registry.host, redirect).start()
    try:
        creds = auth_registry.creds
        env = env_with(REGISTRY_AUTH_FILE=str(_auth_file(tmp_path, front.host, creds)))
        proc = prefetch(f"{front.host}/private/hello", "--image-digest", _digest(auth_registry), "--store",
                        str(tmp_path / "store"), env=env)  # fmt: skip
    finally:
        front.stop()
        other.stop()
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"redirected to '{other_host}', which asks for credentials" in proc.stderr
    assert other.seen and all("Authorization" not in headers for _, headers in other.seen)
    assert any("Authorization" in headers for _, headers in front.seen)


def _digest(registry) -> str:
    out = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--creds", ":".join(registry.creds),
                          "--format", "{{.Digest}}", f"docker://{registry.host}/private/hello:v1"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout.strip()


def test_tls_verify_true_refuses_a_plain_http_registry(pushed, tmp_path):
    require_tool("skopeo", package="skopeo")
    proc = pydock("prefetch-docker", "--quiet", f"{pushed.registry.host}/example/hello",
                  pushed.digests["example/hello"], "--store", str(tmp_path / "s"))  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "TLS error" in proc.stderr and "tlsVerify = false" in proc.stderr


def test_export_of_a_pulled_image_equals_umoci_unpack(pushed, tmp_path):
    """exportImage reads skopeo's archive layout (legacy symlinked layer directories) and flattens it like umoci."""
    from archive_factory import tree_of_dir, tree_of_tar

    image = f"{pushed.registry.host}/example/hello"
    digest = pushed.digests["example/hello"]
    oracle = skopeo_archive(f"{image}@{digest}", tmp_path / "skopeo.tar", "pulled:t1")
    pull = pull_expr(image, digest, sri(sha256(oracle)))
    proc = build(pushed.store, f"(import <nixpkgs> {{ }}).dockerTools.exportImage {{ fromImage = {pull}; }}")
    assert proc.returncode == 0, proc.stderr
    exported = Path(proc.stdout.strip())
    assert exported.name.endswith("-docker-image-pulled-t1.tar")
    subprocess.run(["skopeo", "copy", "-q", f"docker-archive:{oracle}", f"oci:{tmp_path}/oci:latest"], check=True,
                   capture_output=True)  # fmt: skip
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{tmp_path}/oci:latest", str(tmp_path / "bundle")],
                   check=True, capture_output=True)  # fmt: skip
    assert tree_of_tar(exported) == tree_of_dir(tmp_path / "bundle" / "rootfs")
