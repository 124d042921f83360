"""Docker credential helpers (``credHelpers``, ``credsStore``) for pullImage and prefetch-docker.

The helper on the other side is ``credential_helper_program.py``, a small program that
implements docker-credential-helpers' documented protocol (no real helper can run here:
Debian's needs ``pass`` with GnuPG, or a desktop keyring).  Real skopeo checks that it
speaks the protocol: ``skopeo login`` stores the credentials through it and ``skopeo inspect``
reads them back, before pydock uses the same helper against a real htpasswd-protected
``docker-registry``.  Identity tokens (``<token>`` user) go to a token server as an OAuth2
refresh token; the token server is a small real HTTP server in front of a real registry.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydock.builders.images.credential_helpers import CredentialHelperError
from pydock.builders.images.registry_auth import find_credentials
from registry_support import env_with, pydock, send, skopeo_archive

HELPER_PROGRAM = Path(__file__).with_name("credential_helper_program.py")
HELPER = "pydock-test"


class Helper:
    """``docker-credential-pydock-test`` in a directory of its own, with its keychain and request log."""

    def __init__(self, work: Path) -> None:
        self.bin = work / "bin"
        self.bin.mkdir(parents=True)
        program = self.bin / f"docker-credential-{HELPER}"
        program.write_text(f'#!/bin/sh\nexec {sys.executable} {HELPER_PROGRAM} "$@"\n')
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
        self.store = work / "keychain.json"
        self.log = work / "requests.log"
        self.log.touch()

    def env(self, mode: str = "") -> dict[str, str]:
        return {
            "PATH": f"{self.bin}:{os.environ['PATH']}",
            "PYDOCK_TEST_CRED_STORE": str(self.store),
            "PYDOCK_TEST_CRED_LOG": str(self.log),
            "PYDOCK_TEST_CRED_MODE": mode,
        }

    def put(self, server: str, username: str, secret: str) -> None:
        store = json.loads(self.store.read_text()) if self.store.exists() else {}
        store[server] = {"Username": username, "Secret": secret}
        self.store.write_text(json.dumps(store))

    def requests(self) -> list[list[str]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Helper:
    """The helper on PATH, and no credential file of the user's in sight."""
    h = Helper(tmp_path / "helper")
    for var in ("REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "DOCKER_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for k, v in h.env().items():
        monkeypatch.setenv(k, v)
    return h


def write_json(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


# ---------------------------------------------------------------------------------------------
# Looking credentials up


def test_cred_helpers_entry_asks_its_helper_for_the_host(helper: Helper, tmp_path: Path, monkeypatch) -> None:
    helper.put("r.example:5000", "alice", "alice-secret")
    auth = write_json(tmp_path / "auth.json", {"credHelpers": {"r.example:5000": HELPER}})
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(auth))
    creds = find_credentials("r.example:5000", "team/app")
    assert creds is not None and (creds.username, creds.password) == ("alice", "alice-secret")
    assert not creds.identity_token and "alice-secret" not in str(creds) + repr(creds)
    assert helper.requests() == [["get", "r.example:5000"]]
    # Another registry is not the helper's business.
    assert find_credentials("other.example") is None
    assert len(helper.requests()) == 1


def test_creds_store_serves_every_registry_and_docker_hub_by_its_url(helper: Helper, tmp_path: Path) -> None:
    helper.put("https://index.docker.io/v1/", "hubuser", "hub-secret")
    write_json(tmp_path / "home" / ".docker" / "config.json", {"credsStore": HELPER, "auths": {}})
    creds = find_credentials("docker.io", "library/nix")
    assert creds is not None and creds.username == "hubuser"
    assert helper.requests()[-1] == ["get", "https://index.docker.io/v1/"]


def test_helper_without_credentials_falls_back_to_the_file(helper: Helper, tmp_path: Path, monkeypatch) -> None:
    import base64

    auth = write_json(tmp_path / "auth.json", {
        "credsStore": HELPER,
        "auths": {"r.example": {"auth": base64.b64encode(b"inline:inline-secret").decode()}},
    })  # fmt: skip
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(auth))
    creds = find_credentials("r.example")
    assert creds is not None and creds.username == "inline"
    assert helper.requests() == [["get", "r.example"]]
    assert find_credentials("s.example") is None


def test_token_user_means_identity_token(helper: Helper, tmp_path: Path, monkeypatch) -> None:
    helper.put("r.example", "<token>", "refresh-me")
    monkeypatch.setenv(
        "REGISTRY_AUTH_FILE", str(write_json(tmp_path / "a.json", {"credHelpers": {"r.example": HELPER}}))
    )
    creds = find_credentials("r.example")
    assert creds is not None and creds.identity_token and creds.password == "refresh-me"
    assert "refresh-me" not in str(creds) and "identity token" in str(creds)


@pytest.mark.parametrize(
    ("helper_name", "mode", "message"),
    [
        ("absent", "", "credential helper 'docker-credential-absent' (named in {auth}) was not found on PATH"),
        (HELPER, "fail", "failed for 'r.example' with exit status 2: the keychain is locked"),
        (HELPER, "badjson", "answered for 'r.example' with something that is not JSON"),
        (HELPER, "secret-and-fail", "failed for 'r.example' with exit status 1"),
        ("../evil", "", "a helper name must be a plain name"),
    ],
)
def test_helper_failures_are_clear_and_keep_secrets(
    helper: Helper, tmp_path: Path, monkeypatch, helper_name: str, mode: str, message: str
) -> None:
    helper.put("r.example", "bob", "bob-secret")
    auth = write_json(tmp_path / "auth.json", {"credHelpers": {"r.example": helper_name}})
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(auth))
    monkeypatch.setenv("PYDOCK_TEST_CRED_MODE", mode)
    with pytest.raises(CredentialHelperError) as err:
        find_credentials("r.example")
    assert message.format(auth=auth) in str(err.value)
    assert "bob-secret" not in str(err.value)


# ---------------------------------------------------------------------------------------------
# Against a real registry, with skopeo as the protocol's oracle


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _digest(registry) -> str:
    out = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--creds", ":".join(registry.creds),
                          "--format", "{{.Digest}}", f"docker://{registry.host}/private/hello:v1"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout.strip()


def test_pull_with_credentials_skopeo_stored_through_the_helper(auth_registry, tmp_path: Path) -> None:
    helper = Helper(tmp_path / "helper")
    user, secret = auth_registry.creds
    auth = write_json(tmp_path / "auth.json", {"credHelpers": {auth_registry.host: HELPER}})
    env = env_with(**helper.env(), REGISTRY_AUTH_FILE=str(auth), HOME=str(tmp_path / "home"),
                   XDG_RUNTIME_DIR=str(tmp_path / "run"))  # fmt: skip
    login = subprocess.run(["skopeo", "login", "--tls-verify=false", "--authfile", str(auth), "-u", user,
                            "--password-stdin", auth_registry.host],
                           input=secret, capture_output=True, text=True, env=env)  # fmt: skip
    assert login.returncode == 0, login.stderr
    assert ["store", auth_registry.host] in [
        [a, json.loads(d)["ServerURL"]] for a, d in helper.requests() if a == "store"
    ]
    # skopeo itself reads them back through the helper: the helper speaks the protocol.
    inspect = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--authfile", str(auth), "--format",
                              "{{.Digest}}", f"docker://{auth_registry.host}/private/hello:v1"],
                             capture_output=True, text=True, env=env)  # fmt: skip
    assert inspect.returncode == 0, inspect.stderr
    digest = inspect.stdout.strip()

    image = f"{auth_registry.host}/private/hello"
    oracle = skopeo_archive(f"{image}@{digest}", tmp_path / "skopeo.tar", "pulled:t1", creds=auth_registry.creds)
    before = len(helper.requests())
    proc = pydock("prefetch-docker", "--tls-verify=false", "--quiet", "--json", image, digest,
                  "--final-image-name", "pulled", "--final-image-tag", "t1", "--store", str(tmp_path / "store"),
                  env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["hash"].startswith("sha256-")
    import base64

    assert base64.b64decode(json.loads(proc.stdout)["hash"][7:]).hex() == _sha256(oracle)
    assert ["get", auth_registry.host] in helper.requests()[before:]
    assert secret not in proc.stderr + proc.stdout

    # dockerTools.pullImage (a build, into another store) asks the helper too; the secret stays out of the store.
    before = len(helper.requests())
    store = tmp_path / "build-store"
    expr = (f'(import <nixpkgs> {{ }}).dockerTools.pullImage {{ imageName = "{image}"; imageDigest = "{digest}";'
            f' hash = "{json.loads(proc.stdout)["hash"]}"; finalImageName = "pulled"; finalImageTag = "t1";'
            " tlsVerify = false; }")  # fmt: skip
    built = pydock("build", "--store", str(store), "--no-out-link", "-E", expr, env=env)
    assert built.returncode == 0, built.stderr
    assert _sha256(Path(built.stdout.strip())) == _sha256(oracle)
    assert ["get", auth_registry.host] in helper.requests()[before:]
    for path in (store / "nix").rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert secret.encode() not in path.read_bytes(), path


def test_failing_helper_is_an_error_line(auth_registry, tmp_path: Path) -> None:
    helper = Helper(tmp_path / "helper")
    helper.put(auth_registry.host, *auth_registry.creds)
    auth = write_json(tmp_path / "auth.json", {"credHelpers": {auth_registry.host: HELPER}})
    env = env_with(**helper.env("fail"), REGISTRY_AUTH_FILE=str(auth), HOME=str(tmp_path / "home"))
    proc = pydock("prefetch-docker", "--tls-verify=false", "--quiet", f"{auth_registry.host}/private/hello",
                  _digest(auth_registry), "--store", str(tmp_path / "store"), env=env)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert f"credential helper 'docker-credential-{HELPER}'" in proc.stderr and "exit status 2" in proc.stderr
    assert auth_registry.creds[1] not in proc.stderr


def test_identity_token_against_basic_auth_is_refused(auth_registry, tmp_path: Path) -> None:
    helper = Helper(tmp_path / "helper")
    helper.put(auth_registry.host, "<token>", "some-refresh-token")
    auth = write_json(tmp_path / "auth.json", {"credHelpers": {auth_registry.host: HELPER}})
    env = env_with(**helper.env(), REGISTRY_AUTH_FILE=str(auth), HOME=str(tmp_path / "home"))
    proc = pydock("prefetch-docker", "--tls-verify=false", "--quiet", f"{auth_registry.host}/private/hello",
                  _digest(auth_registry), "--store", str(tmp_path / "store"), env=env)  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "asks for a password (Basic authentication)" in proc.stderr
    assert "identity token" in proc.stderr and "some-refresh-token" not in proc.stderr


class TokenFrontEnd:
    """A registry that wants bearer tokens: a token server (``POST /token``, OAuth2 refresh-token grant)
    in front of a real anonymous ``docker-registry``, whose answers it forwards."""

    def __init__(self, upstream: str, refresh_token: str) -> None:
        self.upstream = upstream
        self.refresh_token = refresh_token
        self.access_token = "access-" + hashlib.sha256(refresh_token.encode()).hexdigest()[:16]
        self.token_requests: list[dict[str, str]] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = dict(urllib.parse.parse_qsl(body))
                front.token_requests.append(form)
                if self.path == "/token" and form.get("grant_type") == "refresh_token" \
                        and form.get("refresh_token") == front.refresh_token:  # fmt: skip
                    send(self, 200, json.dumps({"access_token": front.access_token}).encode(),
                         {"Content-Type": "application/json"})  # fmt: skip
                else:
                    send(self, 401, b'{"error":"invalid_grant"}')

            def do_GET(self) -> None:  # noqa: N802
                if self.headers.get("Authorization") != f"Bearer {front.access_token}":
                    challenge = f'Bearer realm="http://{front.host}/token",service="pydock-test"'
                    send(self, 401, b"", {"WWW-Authenticate": challenge})
                    return
                import requests

                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "authorization")}  # fmt: skip
                resp = requests.get(f"http://{front.upstream}{self.path}", headers=headers, timeout=30,
                                    allow_redirects=False)  # fmt: skip
                send(self, resp.status_code, resp.content, resp.headers)

            do_HEAD = do_GET  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_identity_token_is_exchanged_at_the_token_server(pushed, tmp_path: Path) -> None:
    front = TokenFrontEnd(pushed.registry.host, "identity-token-xyz")
    try:
        helper = Helper(tmp_path / "helper")
        helper.put(front.host, "<token>", "identity-token-xyz")
        auth = write_json(tmp_path / "auth.json", {"credHelpers": {front.host: HELPER}})
        env = env_with(**helper.env(), REGISTRY_AUTH_FILE=str(auth), HOME=str(tmp_path / "home"))
        proc = pydock("prefetch-docker", "--tls-verify=false", "--quiet", "--json", f"{front.host}/example/hello",
                      pushed.digests["example/hello"], "--store", str(tmp_path / "store"), env=env)  # fmt: skip
    finally:
        front.stop()
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["imageDigest"] == pushed.digests["example/hello"]
    assert front.token_requests and front.token_requests[0]["grant_type"] == "refresh_token"
    assert front.token_requests[0]["scope"] == "repository:example/hello:pull"
    assert front.token_requests[0]["service"] == "pydock-test"
    assert "identity-token-xyz" not in proc.stderr
