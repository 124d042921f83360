"""podman as a real client: every archive-writing dockerTools builder loads, with the configured Cmd, Env, tags."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from docker_support import REPO, Podman, build_example, podman_name

from nix_compat_tests.support import unavailable

EXAMPLE = REPO / "tests" / "docker" / "podman-images.nix"
ATTRS = ["stream", "layeredNone", "layeredGz", "layeredZstd", "buildImage", "merged"]
CMD = ["/bin/hello", "--loud"]
ENV = ["A=1", "B=two words"]


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    if shutil.which("podman") is None:
        unavailable("podman is not installed (Debian package podman)")
    work = tmp_path_factory.mktemp("podman")
    paths = dict(zip(ATTRS, map(Path, build_example(EXAMPLE, ATTRS, work / "store", None)), strict=True))
    stream = work / "stream.tar"
    with open(stream, "wb") as out:
        subprocess.run([str(paths["stream"])], stdout=out, check=True)
    paths["stream"] = stream
    return paths


@pytest.fixture
def podman():
    client = Podman()
    yield client
    client.close()


def _plain_manifest(archive: Path) -> list[dict]:
    """The archive's manifest.json (decompressing as podman's loader needs)."""
    import gzip

    import zstandard

    with open(archive, "rb") as f:
        magic = f.read(4)
    opener = {b"\x1f\x8b": lambda: gzip.open(archive), b"\x28\xb5": lambda: zstandard.open(archive, "rb")}
    fileobj = opener.get(magic[:2], lambda: open(archive, "rb"))()
    with fileobj, tarfile.open(fileobj=fileobj, mode="r|") as tar:
        for m in tar:
            if m.name.lstrip("./") == "manifest.json":
                return json.load(tar.extractfile(m))  # type: ignore[arg-type]
    raise AssertionError(f"no manifest.json in {archive}")


@pytest.mark.parametrize("attr", ["stream", "layeredNone", "layeredGz", "layeredZstd", "buildImage"])
def test_podman_loads(archives, podman, attr):
    manifest = _plain_manifest(archives[attr])[0]
    loaded = podman.load(archives[attr])
    assert loaded == [podman_name(t) for t in manifest["RepoTags"]]
    info = podman.inspect(loaded[0])
    assert info["RepoTags"] == loaded
    assert len(info["RootFS"]["Layers"]) == len(manifest["Layers"]) > 0
    if attr == "buildImage":
        assert info["Config"]["Cmd"] == ["/bin/sh", "-c", "true"] and "C=3" in info["Config"]["Env"]
    else:
        assert info["Config"]["Cmd"] == CMD and info["Config"]["Env"] == ENV


def test_merged_images_load_together(archives, podman):
    loaded = podman.load(archives["merged"])
    assert sorted(loaded) == sorted(["localhost/podman/build-image:v1", "localhost/podman/layered-zstd:v1"])
    assert podman.inspect("localhost/podman/layered-zstd:v1")["Config"]["Cmd"] == CMD
    assert podman.inspect("localhost/podman/build-image:v1")["Config"]["Env"][-1] == "C=3"
    with open(archives["merged"], "rb") as f:
        assert f.read(4) == b"\x28\xb5\x2f\xfd"  # compressed as the last input was (zstd)
