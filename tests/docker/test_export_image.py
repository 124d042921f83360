"""dockerTools.exportImage: the flattened root equals umoci's unpack; hostile archives stay in their directory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from archive_factory import Entry, image_archive, layer_tar, tree_of_dir, tree_of_tar
from docker_support import pydock
from pydock.builders.images.image_unpack import flatten_image
from pydock.builders.realisation.environment import BuildError

from nix_compat_tests.support import unavailable

THREE_LAYERS = [
    [
        Entry("etc", "dir", mode=0o755), Entry("etc/keep", data=b"keep v1\n"), Entry("etc/gone", data=b"bye\n"),
        Entry("opt", "dir", mode=0o755), Entry("opt/old", data=b"old\n"), Entry("opt/sub", "dir", mode=0o750),
        Entry("opt/sub/deep", data=b"deep\n", mode=0o600), Entry("usr", "dir", mode=0o755),
        Entry("usr/bin", "dir", mode=0o755), Entry("usr/bin/tool", data=b"#!/bin/sh\n", mode=0o755),
        Entry("link", "symlink", link="etc/keep", mode=0o777), Entry("hard", "hardlink", link="etc/keep"),
        Entry("abs", "symlink", link="/usr/bin/tool", mode=0o777), Entry("gone-dir", "dir", mode=0o755),
        Entry("gone-dir/x", data=b"x\n"),
    ],
    [
        Entry("etc", "dir", mode=0o755), Entry("etc/.wh.gone"), Entry("opt", "dir", mode=0o711),
        Entry("opt/.wh..wh..opq"), Entry("opt/new", data=b"new\n", mode=0o640), Entry(".wh.gone-dir"),
        Entry("var", "dir", mode=0o700), Entry("var/log", data=b"log\n"),
    ],
    [
        Entry("etc", "dir", mode=0o755), Entry("etc/keep", data=b"keep v3\n", mode=0o600),
        Entry("link", data=b"now a file\n"), Entry("usr", "dir", mode=0o755), Entry("usr/bin", "dir", mode=0o755),
        Entry("usr/bin/.wh.tool"), Entry("usr/bin/tool2", data=b"two\n", mode=0o4755),
    ],
]  # fmt: skip


@pytest.fixture(scope="module")
def three_layer_image(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("export")
    return image_archive(work / "three-layers.tar", [layer_tar(layer) for layer in THREE_LAYERS])


def test_export_equals_umoci_unpack(three_layer_image, tmp_path):
    missing = [t for t in ("skopeo", "umoci") if shutil.which(t) is None]
    if missing:
        unavailable(f"not installed: {', '.join(missing)}")
    expr = (f"(import <nixpkgs> {{ }}).dockerTools.exportImage {{ fromImage = {three_layer_image};"
            ' name = "exported.tar"; diskSize = 2048; }')  # fmt: skip
    proc = pydock("build", "--store", str(tmp_path / "store"), "--no-out-link", "-E", expr)
    if proc.returncode != 0 and "namespaces" in proc.stderr:
        unavailable(proc.stderr[-300:])
    assert proc.returncode == 0, proc.stderr
    exported = Path(proc.stdout.strip())
    assert exported.name.endswith("-exported.tar")

    subprocess.run(["skopeo", "copy", "-q", f"docker-archive:{three_layer_image}", f"oci:{tmp_path}/oci:latest"],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{tmp_path}/oci:latest", str(tmp_path / "bundle")],
                   check=True, capture_output=True)  # fmt: skip
    expected = tree_of_dir(tmp_path / "bundle" / "rootfs")
    got = tree_of_tar(exported)
    assert got == expected
    # The layers really did something: deletions, the opaque directory and replacements are visible.
    assert "etc/gone" not in got and "opt/old" not in got and "opt/new" in got and "usr/bin/tool" not in got
    assert got["link"][0] == "file" and "gone-dir" not in got


def _flatten(tmp_path: Path, layers: list[list[Entry]], **kw) -> tuple[Path, list[str]]:
    archive = image_archive(tmp_path / "in.tar", [layer_tar(x) for x in layers], **kw)
    work = tmp_path / "work"
    root = work / "root"
    root.mkdir(parents=True)
    lines: list[str] = []
    flatten_image(str(archive), str(root), str(work), "image 'in.tar'", None, None, lines.append)
    return root, lines


def _refused(tmp_path: Path, layers: list[list[Entry]], pattern: str, **kw) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    with pytest.raises(BuildError, match=pattern):
        _flatten(tmp_path, layers, **kw)
    assert list(outside.iterdir()) == [] and not Path("/tmp/pydock-escape").exists()


def test_parent_path_is_refused(tmp_path):
    _refused(tmp_path, [[Entry("../../outside/evil", data=b"x")]], r"entry '../../outside/evil' points outside")


def test_absolute_path_stays_in_the_root(tmp_path):
    root, _ = _flatten(tmp_path, [[Entry("/tmp/pydock-escape", data=b"x"), Entry("/../../etc/x", data=b"y")]])
    assert (root / "tmp" / "pydock-escape").read_bytes() == b"x" and (root / "etc" / "x").read_bytes() == b"y"
    assert not Path("/tmp/pydock-escape").exists()


def test_write_through_symlink_pointing_outside_is_refused(tmp_path):
    layers = [[Entry("esc", "symlink", link="../../outside")], [Entry("esc/evil", data=b"x")]]
    _refused(tmp_path, layers, r"entry 'esc/evil' would be written through the symbolic link 'esc'")


def test_absolute_symlink_is_resolved_inside_the_root(tmp_path):
    layers = [[Entry("tmp", "dir"), Entry("esc", "symlink", link="/tmp")], [Entry("esc/inside", data=b"x")]]
    root, _ = _flatten(tmp_path, layers)
    assert (root / "tmp" / "inside").read_bytes() == b"x" and os.readlink(root / "esc") == "/tmp"


def test_hard_link_outside_is_refused(tmp_path):
    _refused(tmp_path, [[Entry("hl", "hardlink", link="../../../etc/passwd")]], r"entry '../../../etc/passwd'")


def test_hard_link_to_missing_entry_is_refused(tmp_path):
    _refused(tmp_path, [[Entry("hl", "hardlink", link="nothing")]], r"hard link 'hl' points to 'nothing'")


def test_device_nodes_are_skipped(tmp_path):
    root, lines = _flatten(tmp_path, [[Entry("dev", "dir"), Entry("dev/null", "chr"), Entry("ok", data=b"1")]])
    assert not (root / "dev" / "null").exists() and (root / "ok").exists()
    assert any("skipping device node or FIFO 'dev/null'" in line for line in lines)


def test_duplicate_entries_are_skipped(tmp_path):
    root, lines = _flatten(tmp_path, [[Entry("f", data=b"first"), Entry("f", data=b"second")]])
    assert (root / "f").read_bytes() == b"first"
    assert any("skipping duplicate entry 'f'" in line for line in lines)


def test_huge_declared_size_is_refused(tmp_path):
    _refused(tmp_path, [[Entry("big", data=b"tiny", size=1 << 32)]], r"'big' declares 4294967296 bytes")


def test_malformed_header_is_refused(tmp_path):
    layer = bytearray(layer_tar([Entry("a", data=b"a"), Entry("b", data=b"b")]))
    layer[1024 + 148 : 1024 + 156] = b"9999999\0"  # the second header's checksum
    archive = image_archive(tmp_path / "in.tar", [bytes(layer)])
    (tmp_path / "work" / "root").mkdir(parents=True)
    with pytest.raises(BuildError, match=r"malformed tar header after entry 'a'"):
        flatten_image(str(archive), str(tmp_path / "work" / "root"), str(tmp_path / "work"), "x", None, None, print)


def test_manifest_naming_missing_layer_is_refused(tmp_path):
    _refused(tmp_path, [[Entry("a", data=b"a")]], r"names the layer 'missing.tar', which is not in the archive",
             manifest_layers=["missing.tar"])  # fmt: skip


def test_hostile_image_through_pydock_build(tmp_path):
    archive = image_archive(tmp_path / "evil.tar", [layer_tar([Entry("../../../../x", data=b"x")])])
    expr = f'(import <nixpkgs> {{ }}).dockerTools.exportImage {{ fromImage = {archive}; name = "evil-export"; }}'
    proc = pydock("build", "--store", str(tmp_path / "store"), "--no-out-link", "-E", expr)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert re.search(r"entry '../../../../x' points outside the archive root", proc.stderr), proc.stderr
    assert not [p for p in (tmp_path / "store" / "nix" / "store").iterdir() if p.name.endswith("-evil-export")]


def test_hostile_from_image_of_build_image(tmp_path):
    """buildImage unpacks fromImage too: an outer-archive entry climbing out is refused by name."""
    import io

    archive = tmp_path / "evil-base.tar"
    with tarfile.open(archive, "w") as tar:
        ti = tarfile.TarInfo("../../../../pydock-escape-base")
        ti.size = 1
        tar.addfile(ti, io.BytesIO(b"x"))
    expr = f'(import <nixpkgs> {{ }}).dockerTools.buildImage {{ name = "child"; fromImage = {archive}; }}'
    proc = pydock("build", "--store", str(tmp_path / "store"), "--no-out-link", "-E", expr)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "entry '../../../../pydock-escape-base' points outside the archive root" in proc.stderr, proc.stderr
    assert not list(tmp_path.rglob("pydock-escape-base"))


def test_hostile_from_image_of_run_as_root(tmp_path):
    """runAsRoot's base layers are applied by the safe unpacker before any shell runs as root."""
    layers = [[Entry("esc", "symlink", link="../../../../..")], [Entry("esc/pydock-escape-root", data=b"x")]]
    archive = image_archive(tmp_path / "evil-root-base.tar", [layer_tar(x) for x in layers])
    expr = (f'(import <nixpkgs> {{ }}).dockerTools.buildImage {{ name = "child"; fromImage = {archive};'
            ' runAsRoot = "true"; }')  # fmt: skip
    proc = pydock("build", "--store", str(tmp_path / "store"), "--no-out-link", "-E", expr)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "entry 'esc/pydock-escape-root' would be written through the symbolic link 'esc'" in proc.stderr
    assert not list(Path("/").glob("pydock-escape-root")) and not list(tmp_path.rglob("pydock-escape-root"))
