"""Session fixtures for the registry tests: a real docker-registry and images pushed into it."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nix_compat_tests.support import require_tools, unavailable

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "docker"))

from registry_support import REPO, Registry, bcrypt_htpasswd, push, push_oci, pydock, start_registry  # noqa: E402

IMAGES_NIX = Path(__file__).with_name("images.nix")


@dataclass
class Pushed:
    registry: Registry
    store: Path  # a pydock store root to build pulls into
    work: Path
    digests: dict[str, str]  # repository -> manifest (or index) digest
    archives: dict[str, Path]


def _build_sources(work: Path) -> dict[str, Path]:
    attrs = ["hello", "amd64", "arm64"]
    args = ["build", "--store", str(work / "src-store"), "--no-out-link", str(IMAGES_NIX)]
    for a in attrs:
        args += ["-A", a]
    proc = pydock(*args)
    if proc.returncode != 0:
        if "namespaces" in proc.stderr:
            unavailable(f"pydock's namespaces are unavailable here: {proc.stderr.strip()[-300:]}")
        raise AssertionError(proc.stderr[-3000:])
    return dict(zip(attrs, map(Path, proc.stdout.split()), strict=True))


@pytest.fixture(scope="session")
def pushed(tmp_path_factory: pytest.TempPathFactory):
    """A registry holding example/hello, a per-arch pair and a hand-written manifest list over them."""
    require_tools("skopeo", "docker-registry", package="skopeo, docker-registry")
    import requests

    work = tmp_path_factory.mktemp("registry")
    registry = start_registry(work / "registry")
    try:
        sources = _build_sources(work)
        digests = {
            "example/hello": push(sources["hello"], registry.host, "example/hello:v1"),
            "multi/amd64": push(sources["amd64"], registry.host, "multi:amd64"),
            "multi/arm64": push(sources["arm64"], registry.host, "multi:arm64"),
            "oci/gzip": push_oci(sources["hello"], registry.host, "oci/gzip", "gzip"),
            "oci/zstd": push_oci(sources["hello"], registry.host, "oci/zstd", "zstd"),
        }
        base = f"http://{registry.host}/v2/multi/manifests/"
        entries = []
        for arch in ("arm64", "amd64"):
            r = requests.get(base + arch, headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
            r.raise_for_status()
            platform = {"architecture": arch, "os": "linux"} | ({"variant": "v8"} if arch == "arm64" else {})
            digest = r.headers["Docker-Content-Digest"]
            entries.append(
                {"mediaType": r.headers["Content-Type"], "size": len(r.content), "digest": digest, "platform": platform}
            )
        for key, media_type in (("multi", "application/vnd.docker.distribution.manifest.list.v2+json"),
                                ("multi/oci-index", "application/vnd.oci.image.index.v1+json")):  # fmt: skip
            index = {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}
            r = requests.put(base + key.replace("/", "-"), data=json.dumps(index).encode(),
                             headers={"Content-Type": media_type})  # fmt: skip
            r.raise_for_status()
            digests[key] = r.headers["Docker-Content-Digest"]
        yield Pushed(registry, work / "store", work, digests, sources)
    finally:
        registry.stop()


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory: pytest.TempPathFactory, pushed: Pushed):
    """An htpasswd-protected registry holding example/hello, with its credentials."""
    work = tmp_path_factory.mktemp("auth-registry")
    htpasswd = work / "htpasswd"
    creds = ("pydock-user", "s3cret-Pa55word")
    htpasswd.write_text(bcrypt_htpasswd(*creds))
    registry = start_registry(work / "registry", htpasswd)
    registry.creds = creds
    try:
        push(pushed.archives["hello"], registry.host, "private/hello:v1", creds)
        yield registry
    finally:
        registry.stop()


__all__ = ["REPO", "Pushed"]
