"""dockerTools.buildImage: examples/docker-image.nix built with pydock, checked with skopeo/umoci and tarfile."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from docker_support import REPO, build_example, example_expr, pydock
from docker_support import host_shell as _host_shell

from nix_compat_tests.support import unavailable

EXAMPLE = REPO / "examples" / "docker-image.nix"
ATTRS = ["base", "child", "gz", "zstd"]


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    work = tmp_path_factory.mktemp("build-image")
    # chown to uid 1000 needs pydock to run as root (no user namespace then); the example skips it without chown.
    tools = ("rm", "mkdir", "chown") if os.geteuid() == 0 else ("rm", "mkdir")
    if not _host_shell(work / "shell", tools=tools):
        unavailable("no host dash to put in the images (runAsRoot needs a shell)")
    root = work / "store"
    built = {a: Path(p) for a, p in zip(ATTRS, build_example(EXAMPLE, ATTRS, root, work / "shell"), strict=True)}
    assert all(p.is_relative_to(root) for p in built.values())
    built["shell"] = work / "shell"
    built["root"] = root
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
        unavailable("the example deletes /etc/obsolete only where chown can run (pydock as root)")
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


def _build(images, expr: str) -> subprocess.CompletedProcess:
    """Build ``expr`` over the example (same store as the fixture, so shared inputs are already valid)."""
    full = example_expr(EXAMPLE, images["shell"], expr)
    return pydock("build", "--store", str(images["root"]), "--no-out-link", "-E", full)


def test_uid_gid_own_the_copied_files(images):
    proc = _build(images, 'e.base.override { uid = 1000; gid = 100; name = "owned"; }')
    assert proc.returncode == 0, proc.stderr
    path = proc.stdout.strip()
    with tarfile.open(path) as tar:
        layer = tar.extractfile(_manifest(path)["Layers"][-1])
        with tarfile.open(fileobj=layer) as inner:  # type: ignore[arg-type]
            owners = {(m.name.startswith("nix/") or m.name.startswith("./nix"), m.uid, m.gid) for m in inner}
    # copyToRoot and extraCommands files belong to uid/gid; the appended store paths to root.
    assert owners == {(False, 1000, 100), (True, 0, 0)}


def test_deprecated_contents_warns_and_still_copies(images, oci_tools):
    expr = 'e.base.override (old: { contents = old.copyToRoot; copyToRoot = null; name = "legacy"; })'
    proc = _build(images, expr)
    assert proc.returncode == 0, proc.stderr
    assert "warning: in docker image legacy: The contents parameter is deprecated." in proc.stderr
    info = json.loads(
        subprocess.run(
            ["skopeo", "--insecure-policy", "inspect", f"docker-archive:{proc.stdout.strip()}"],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    assert len(info["Layers"]) == 1 and _manifest(proc.stdout.strip())["RepoTags"] == ["legacy:v1"]
    with tarfile.open(proc.stdout.strip()) as tar:
        layer = tar.extractfile(_manifest(proc.stdout.strip())["Layers"][-1])
        with tarfile.open(fileobj=layer) as inner:  # type: ignore[arg-type]
            assert "./bin/hello" in inner.getnames()
    both = _build(images, 'e.base.override { contents = [ ]; name = "both"; }')
    assert both.returncode == 1 and "in docker image both: You can not specify both contents and copyToRoot." in (
        both.stderr
    )


def test_vm_sizes_are_accepted_and_do_not_change_the_image(images):
    """diskSize / buildVMMemorySize size nixpkgs' VM; pydock has none, so the image is the same derivation."""
    expr = "[ (e.base.override { diskSize = 4096; buildVMMemorySize = 2048; }).drvPath e.base.drvPath ]"
    proc = pydock("eval", "--json", "-E", example_expr(EXAMPLE, images["shell"], expr))
    assert proc.returncode == 0, proc.stderr
    with_sizes, plain = json.loads(proc.stdout)
    assert with_sizes == plain
    built = _build(images, "e.child.override { diskSize = 4096; buildVMMemorySize = 2048; }")
    assert built.returncode == 0 and built.stdout.strip() == str(images["child"]), built.stderr


def test_from_image_name_and_tag_pick_the_parent(images, oci_tools, tmp_path):
    """A base archive written by skopeo with two tags: fromImageName/fromImageTag choose the entry whose
    config id becomes the new layer's parent; the base layers stay first."""
    multi = tmp_path / "multi.tar"
    subprocess.run(
        ["skopeo", "--insecure-policy", "copy", "--additional-tag", "example/base:other",
         f"docker-archive:{images['base']}", f"docker-archive:{multi}:example/base:v1"],
        check=True, capture_output=True,
    )  # fmt: skip
    base_manifest = json.load(tarfile.open(multi).extractfile("manifest.json"))  # type: ignore[arg-type]
    # skopeo writes fully qualified references (docker.io/…), which is what must be asked for.
    tagged = [e for e in base_manifest if "docker.io/example/base:other" in e["RepoTags"]]
    assert len(tagged) == 1
    expr = f"""e.base.override {{ name = "picked"; copyToRoot = [ ];
      fromImage = builtins.path {{ path = {multi}; name = "multi.tar"; }};
      fromImageName = "docker.io/example/base"; fromImageTag = "other"; }}"""
    proc = _build(images, expr)
    assert proc.returncode == 0, proc.stderr
    path = proc.stdout.strip()
    m = _manifest(path)
    assert m["Layers"][:-1] == tagged[0]["Layers"] and len(m["Layers"]) == len(tagged[0]["Layers"]) + 1
    with tarfile.open(path) as tar:
        layer_json = json.load(tar.extractfile(m["Layers"][-1].replace("layer.tar", "json")))  # type: ignore[arg-type]
    assert layer_json["parent"] == tagged[0]["Config"].removesuffix(".json")
    info = json.loads(
        subprocess.run(["skopeo", "--insecure-policy", "inspect", f"docker-archive:{path}"],
                       capture_output=True, text=True, check=True).stdout
    )  # fmt: skip
    assert len(info["Layers"]) == len(m["Layers"])
    # runAsRoot assembles its root from the chosen image's layers (its /bin/sh runs the script).
    with_root = _build(images, expr.replace("e.base.override", "e.child.override").replace('"picked"', '"picked-root"'))
    assert with_root.returncode == 0, with_root.stderr
    with tarfile.open(with_root.stdout.strip()) as tar:
        layer = tar.extractfile(_manifest(with_root.stdout.strip())["Layers"][-1])
        with tarfile.open(fileobj=layer) as inner:  # type: ignore[arg-type]
            assert inner.extractfile("./root-owned").read() == b"root\n"  # type: ignore[union-attr]
    # No such tag: like nixpkgs, the layer simply has no parent.
    missing = _build(images, expr.replace('"other"', '"missing"').replace('"picked"', '"unparented"'))
    assert missing.returncode == 0, missing.stderr
    with tarfile.open(missing.stdout.strip()) as tar:
        last = _manifest(missing.stdout.strip())["Layers"][-1].replace("layer.tar", "json")
        assert "parent" not in json.load(tar.extractfile(last))  # type: ignore[arg-type]
