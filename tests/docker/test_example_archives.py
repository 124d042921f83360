"""examples/docker-archives.nix works as its header says: exportImage and mergeImages offline.

The exported root must hold what a client shows for the top image (umoci's unpack of the
same image is the oracle), and podman (a real client) loads both images of the merged archive
with one ``podman load``.  The ``pulled`` attribute is built against a real registry in
``tests/builders/registry/test_example_pull.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from docker_support import REPO, Podman, pydock

from nix_compat_tests.support import unavailable

EXAMPLE = REPO / "examples" / "docker-archives.nix"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("archives-example") / "store"
    attrs = ("exported", "merged", "v2")
    proc = pydock("build", "--store", str(root), "--no-out-link", str(EXAMPLE), *[a for x in attrs for a in ("-A", x)])
    if proc.returncode != 0 and "namespaces" in proc.stderr:
        unavailable(f"pydock's namespaces are unavailable here: {proc.stderr.strip()[-300:]}")
    assert proc.returncode == 0, proc.stderr
    return dict(zip(attrs, map(Path, proc.stdout.split()), strict=True))


def test_exported_root_is_what_umoci_unpacks(built: dict[str, Path], tmp_path: Path) -> None:
    for tool in ("skopeo", "umoci"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed")
    plain = tmp_path / "v2.tar"
    subprocess.run(["gzip", "-dc", str(built["v2"])], stdout=plain.open("wb"), check=True)
    layout = tmp_path / "layout"
    subprocess.run(["skopeo", "--insecure-policy", "copy", f"docker-archive:{plain}", f"oci:{layout}:v2"],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{layout}:v2", str(tmp_path / "bundle")],
                   check=True, capture_output=True)  # fmt: skip
    rootfs = tmp_path / "bundle" / "rootfs"
    expected = {str(p.relative_to(rootfs)): p.read_bytes() for p in rootfs.rglob("*") if p.is_file()}
    with tarfile.open(built["exported"]) as tar:
        got = {m.name.removeprefix("./"): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    assert got == expected
    assert got["etc/version"] == b"2\n" and got["etc/motd"] == b"welcome\n"


def test_merged_archive_loads_both_images(built: dict[str, Path]) -> None:
    if shutil.which("podman") is None:
        unavailable("podman is not installed (Debian package podman)")
    podman = Podman()
    try:
        names = podman.load(built["merged"])
        assert sorted(names) == ["localhost/example/app:v1", "localhost/example/app:v2"]
        assert podman.inspect("localhost/example/app:v1")["Config"]["Cmd"] == ["/bin/app"]
        assert len(podman.inspect("localhost/example/app:v2")["RootFS"]["Layers"]) == 2
    finally:
        podman.close()


def test_pulled_without_digest_says_how_to_get_it() -> None:
    proc = pydock("eval", str(EXAMPLE), "-A", "pulled.drvPath")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "pydock prefetch-docker prints them" in proc.stderr
