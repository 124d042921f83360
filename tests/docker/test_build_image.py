"""dockerTools.buildImage: examples/docker-image.nix built with pydock, checked with skopeo/umoci and tarfile."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from docker_support import REPO, pydock, skip_unless_ci
from docker_support import host_shell as _host_shell

EXAMPLE = REPO / "examples" / "docker-image.nix"
ATTRS = ["base", "child", "gz", "zstd"]


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    work = tmp_path_factory.mktemp("build-image")
    # chown to uid 1000 needs pydock to run as root (no user namespace then); the example skips it without chown.
    tools = ("rm", "mkdir", "chown") if os.geteuid() == 0 else ("rm", "mkdir")
    if not _host_shell(work / "shell", tools=tools):
        skip_unless_ci("no host dash to put in the images (runAsRoot needs a shell)")
    root = work / "store"
    args = ["build", "--store", str(root), "--no-out-link", str(EXAMPLE), "--arg", "shell", str(work / "shell")]
    for attr in ATTRS:
        args += ["-A", attr]
    proc = pydock(*args)
    if proc.returncode != 0:
        if "namespaces" in proc.stderr:
            skip_unless_ci(f"namespaces unavailable: {proc.stderr.strip()[-300:]}")
        raise AssertionError(proc.stderr[-4000:])
    built = {a: Path(p) for a, p in zip(ATTRS, proc.stdout.split(), strict=True)}
    assert all(p.is_relative_to(root) for p in built.values())
    built["shell"] = work / "shell"
    return built


def _manifest(path):
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))[0]  # type: ignore[arg-type]


def _config(path):
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile(_manifest(path)["Config"]))  # type: ignore[arg-type]


def test_layout_and_layers(images):
    with tarfile.open(images["base"]) as tar:
        names = tar.getnames()
        m = _manifest(images["base"])
        layer_id = m["Layers"][0].split("/")[0]
        assert names[0] == "." and {f"{layer_id}/VERSION", f"{layer_id}/json", "repositories"} <= set(names)
        layer_json = json.load(tar.extractfile(f"{layer_id}/json"))  # type: ignore[arg-type]
        assert layer_json["checksum"].startswith("tarsum.v1+sha256:") and layer_json["id"] == layer_id
    assert m["RepoTags"] == ["example/base:v1"]
    child = _manifest(images["child"])
    assert len(child["Layers"]) == 2 and child["Layers"][0] == m["Layers"][0]
    env = _config(images["child"])["config"]["Env"]
    assert env == ["FROM_PARENT=true", "LAST_LAYER=parent", "FROM_CHILD=true", "LAST_LAYER=child"]


def test_run_as_root_layer(images):
    path = images["child"]
    with tarfile.open(path) as tar:
        layer = tar.extractfile(_manifest(path)["Layers"][-1])
        with tarfile.open(fileobj=layer) as inner:  # type: ignore[arg-type]
            owned = inner.getmember("./root-owned")
            assert (owned.uid, owned.gid) == (0, 0)
            assert inner.extractfile(owned).read() == b"root\n"  # type: ignore[union-attr]
            assert "./example-file" in inner.getnames() and "./bin/hello" not in inner.getnames()
            if os.geteuid() == 0:
                alice = inner.getmember("./home/alice")
                assert alice.isdir() and (alice.uid, alice.gid) == (1000, 1000)
                whiteout = inner.getmember("./etc/.wh.obsolete")
                assert whiteout.isreg() and whiteout.size == 0
                assert inner.getmember("./etc").isdir()  # the parent of a change is copied up


def test_run_as_root_deletion_hides_the_base_file(images, oci_tools, tmp_path):
    """umoci applies the child's whiteout: /etc/obsolete from the base is gone, /etc stays."""
    if os.geteuid() != 0:
        pytest.skip("the example deletes /etc/obsolete only where chown can run (pydock as root)")
    archive = f"docker-archive:{images['child']}"
    subprocess.run(["skopeo", "--insecure-policy", "copy", archive, f"oci:{tmp_path}/layout:v1"], check=True)
    bundle = tmp_path / "bundle"
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{tmp_path}/layout:v1", str(bundle)], check=True)
    rootfs = bundle / "rootfs"
    assert (rootfs / "etc").is_dir() and not (rootfs / "etc/obsolete").exists()
    assert (rootfs / "root-owned").read_text() == "root\n" and (rootfs / "home/alice").is_dir()


def test_untagged_image_tag(images):
    tag = _manifest(images["child"])["RepoTags"][0].split(":")[1]
    assert images["child"].name.startswith(tag)
    proc = pydock("eval", "--json", str(EXAMPLE), "--arg", "shell", str(images["shell"]), "-A", "child.imageTag")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == tag


def test_compressor_magic(images):
    assert images["gz"].read_bytes()[:3] == b"\x1f\x8b\x08"
    assert images["zstd"].read_bytes()[:4] == b"\x28\xb5\x2f\xfd"


def test_skopeo_and_umoci(images, oci_tools, tmp_path):
    out = subprocess.run(
        ["skopeo", "--insecure-policy", "inspect", f"docker-archive:{images['child']}"],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(out.stdout)
    assert len(info["Layers"]) == 2 and "FROM_CHILD=true" in info["Env"]
    subprocess.run(
        ["skopeo", "--insecure-policy", "copy", f"docker-archive:{images['child']}", f"oci:{tmp_path}/l:v1"], check=True
    )
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{tmp_path}/l:v1", str(tmp_path / "b")], check=True)
    rootfs = tmp_path / "b" / "rootfs"
    assert (rootfs / "root-owned").read_text() == "root\n"
    assert os.readlink(rootfs / "bin" / "hello").endswith("-hello/bin/hello")
    assert (rootfs / "tmp").stat().st_mode & 0o1777 == 0o1777
