"""Credential files and image-name normalisation of the registry client."""

from __future__ import annotations

import base64
import json

import pytest
from pydock.builders.images.registry_auth import Credentials, ReferenceError, find_credentials, parse_image_name


def _write(path, host: str, user: str, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    path.write_text(json.dumps({"auths": {host: {"auth": token}}}))


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for var in ("REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "DOCKER_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return monkeypatch


def test_lookup_order(clean_env, tmp_path):
    host = "registry.example:5000"
    _write(tmp_path / "home" / ".docker" / "config.json", host, "docker-user", "d")
    assert find_credentials(host).username == "docker-user"
    _write(tmp_path / "run" / "containers" / "auth.json", host, "runtime-user", "r")
    clean_env.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    assert find_credentials(host).username == "runtime-user"
    _write(tmp_path / "explicit.json", host, "explicit-user", "e")
    clean_env.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "explicit.json"))
    assert find_credentials(host) == Credentials("explicit-user", "e", str(tmp_path / "explicit.json"))
    assert find_credentials("other.example") is None


def test_docker_hub_legacy_key_and_repository_scope(clean_env, tmp_path):
    _write(tmp_path / "home" / ".docker" / "config.json", "https://index.docker.io/v1/", "hub", "h")
    assert find_credentials("docker.io").username == "hub"
    path = tmp_path / "scoped.json"
    path.write_text(json.dumps({"auths": {
        "r.example/team": {"auth": base64.b64encode(b"team:t").decode()},
        "r.example": {"auth": base64.b64encode(b"all:a").decode()},
    }}))  # fmt: skip
    clean_env.setenv("REGISTRY_AUTH_FILE", str(path))
    assert find_credentials("r.example", "team/app").username == "team"
    assert find_credentials("r.example", "other/app").username == "all"


def test_malformed_files_are_ignored(clean_env, tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    clean_env.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "bad.json"))
    assert find_credentials("r.example") is None


def test_secret_stays_out_of_repr_and_str():
    creds = Credentials("user", "hunter2", "/x/auth.json")
    assert "hunter2" not in repr(creds) and "hunter2" not in str(creds) and "user" in str(creds)


@pytest.mark.parametrize(
    ("name", "full", "host"),
    [
        ("nix", "docker.io/library/nix", "registry-1.docker.io"),
        ("nixos/nix", "docker.io/nixos/nix", "registry-1.docker.io"),
        ("index.docker.io/library/nix", "docker.io/library/nix", "registry-1.docker.io"),
        ("127.0.0.1:5000/a/b", "127.0.0.1:5000/a/b", "127.0.0.1:5000"),
        ("localhost/app", "localhost/app", "localhost"),
        ("ghcr.io/o/r", "ghcr.io/o/r", "ghcr.io"),
    ],
)
def test_image_names_normalise_as_docker_does(name, full, host):
    parsed = parse_image_name(name)
    assert (parsed.full, parsed.api_host) == (full, host)


@pytest.mark.parametrize("name", ["", "a/UPPER", "a//b", "-lead", "a:tag"])
def test_invalid_image_names(name):
    with pytest.raises(ReferenceError):
        parse_image_name(name)
