"""``includeNixDB`` / ``buildLayeredImageWithNixDb`` and the small dockerTools helpers.

Oracles: ``skopeo copy`` + ``umoci unpack --rootless`` give the filesystem a runtime sees;
the real ``nix-store`` (Debian ``nix-bin``) must accept the image's database
(``--verify --check-contents``, ``-qR``), and its rows must equal what
``nix-store --load-db`` writes from ``closureInfo``'s registration, as nixpkgs does.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

import pytest
from docker_support import REPO, build_example, logical_paths, pydock

from nix_compat_tests.support import unavailable

EXAMPLE = REPO / "examples" / "docker-nixdb.nix"
ATTRS = [
    "withNixDb", "streamWithNixDb", "registration", "fakeNss", "fakeNssAlice", "withFakeNss", "popularity",
    "imageWithNixDb",
]  # fmt: skip


@pytest.fixture(scope="module")
def nixdb(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("nixdb") / "store"
    return root, dict(zip(ATTRS, logical_paths(root, build_example(EXAMPLE, ATTRS, root, None)), strict=True))


def real(nixdb, attr: str) -> Path:
    root, paths = nixdb
    return root / paths[attr].lstrip("/")


def in_root(root: Path | str, path: str) -> Path:
    """``path`` resolved inside ``root`` (absolute symlinks taken relative to it)."""
    current = Path(root)
    parts = [p for p in path.split("/") if p]
    for _ in range(100):
        if not parts:
            return current
        candidate = current / parts.pop(0)
        if candidate.is_symlink():
            target = os.readlink(candidate)
            if target.startswith("/"):
                current = Path(root)
            parts = [p for p in target.split("/") if p] + parts
            continue
        current = candidate
    raise AssertionError(f"too many symlinks resolving {path}")


@pytest.fixture(scope="module")
def nix_store() -> str:
    exe = shutil.which("nix-store")
    if exe is None:
        unavailable("nix-store (Debian package nix-bin) not installed")
    return exe  # type: ignore[return-value]


def unpack(archive: Path, work: Path) -> Path:
    subprocess.run(["skopeo", "--insecure-policy", "copy", f"docker-archive:{archive}", f"oci:{work}/layout:v1"],
                   check=True, capture_output=True)  # fmt: skip
    bundle = work / "bundle"
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{work}/layout:v1", str(bundle)],
                   check=True, capture_output=True)  # fmt: skip
    return bundle / "rootfs"


@pytest.fixture(scope="module")
def db_rootfs(nixdb, oci_tools, tmp_path_factory) -> Path:
    return unpack(real(nixdb, "withNixDb"), tmp_path_factory.mktemp("oci-nixdb"))


def rows(db: Path) -> list[list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        return [
            conn.execute(sql).fetchall()
            for sql in (
                "select * from ValidPaths order by id",
                "select * from Refs order by referrer, reference",
                "select * from DerivationOutputs",
                "select type, name, sql from sqlite_master order by name",
            )
        ]
    finally:
        conn.close()


def test_nix_store_verifies_image_db(db_rootfs, nix_store):
    store = f"local?root={db_rootfs}"
    proc = subprocess.run([nix_store, "--store", store, "--verify", "--check-contents"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "checking store hashes" in proc.stderr and "modified" not in proc.stderr and "error" not in proc.stderr
    image_paths = {f"/nix/store/{n}" for n in os.listdir(db_rootfs / "nix" / "store") if not n.startswith(".")}
    roots = os.listdir(db_rootfs / "nix/var/nix/gcroots/docker")
    assert len(roots) == 1 and roots[0].endswith("-hello")
    hello = os.readlink(db_rootfs / "nix/var/nix/gcroots/docker" / roots[0])
    assert hello == "/nix/store/" + roots[0]
    closure = subprocess.run([nix_store, "--store", store, "-qR", hello], capture_output=True, text=True, check=True)
    assert set(closure.stdout.split()) == image_paths and len(image_paths) == 2
    valid = subprocess.run([nix_store, "--store", store, "-q", "--references", hello], capture_output=True, text=True)
    assert [p.endswith("-greeting") for p in valid.stdout.split()] == [True]


def test_build_image_with_nix_db(nixdb, oci_tools, nix_store, tmp_path):
    """buildImageWithNixDb: real Nix accepts the database of the unpacked single-layer image."""
    archive = real(nixdb, "imageWithNixDb")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
    assert manifest["RepoTags"] == ["image-with-nix-db:v1"] and len(manifest["Layers"]) == 1
    rootfs = unpack(archive, tmp_path)
    store = f"local?root={rootfs}"
    proc = subprocess.run([nix_store, "--store", store, "--verify", "--check-contents"], capture_output=True, text=True)
    assert proc.returncode == 0 and "error" not in proc.stderr, proc.stderr
    roots = os.listdir(rootfs / "nix/var/nix/gcroots/docker")
    assert len(roots) == 1 and roots[0].endswith("-hello")
    hello = "/nix/store/" + roots[0]
    closure = subprocess.run([nix_store, "--store", store, "-qR", hello], capture_output=True, text=True, check=True)
    image_paths = {f"/nix/store/{n}" for n in os.listdir(rootfs / "nix/store") if not n.startswith(".")}
    assert set(closure.stdout.split()) == image_paths and len(image_paths) == 2
    assert (rootfs / "bin/hello").read_text() == (in_root(rootfs, hello) / "bin/hello").read_text()
    # The same rows nixpkgs' `nix-store --load-db` of the copyToRoot closure gives.
    assert rows(rootfs / "nix/var/nix/db/db.sqlite") == rows(_loaded_db(nixdb, nix_store, tmp_path / "ref"))


def _loaded_db(nixdb, nix_store: str, root: Path) -> Path:
    """Real Nix's `--load-db` of the example's closureInfo registration, times set as nixpkgs sets them."""
    registration = real(nixdb, "registration") / "registration"
    env = dict(os.environ, NIX_REMOTE=f"local?root={root}", USER="nobody")
    with open(registration, "rb") as f:
        subprocess.run([nix_store, "--load-db"], stdin=f, env=env, check=True, capture_output=True)
    ref_db = root / "nix/var/nix/db/db.sqlite"
    conn = sqlite3.connect(ref_db)
    with conn:
        conn.execute("UPDATE ValidPaths SET registrationTime = 315532800")
    conn.close()
    return ref_db


def test_db_rows_equal_nix_load_db(nixdb, db_rootfs, nix_store, tmp_path):
    ref_db = _loaded_db(nixdb, nix_store, tmp_path)
    assert rows(db_rootfs / "nix/var/nix/db/db.sqlite") == rows(ref_db)
    assert (db_rootfs / "nix/var/nix/db/schema").read_text() == "10"
    with open(db_rootfs / "nix/var/nix/db/db.sqlite", "rb") as f:
        header = f.read(20)
    assert header[:16] == b"SQLite format 3\0" and header[18:20] == b"\x02\x02"  # WAL mode, as Nix leaves it


def test_stream_layered_image_include_nix_db(nixdb, tmp_path):
    image = subprocess.run([str(real(nixdb, "streamWithNixDb"))], capture_output=True, check=True, timeout=120).stdout
    (tmp_path / "image.tar").write_bytes(image)
    with tarfile.open(tmp_path / "image.tar") as tar:
        layers = json.load(tar.extractfile("manifest.json"))[0]["Layers"]  # type: ignore[arg-type]
        tar.extract(layers[-1], tmp_path, filter="fully_trusted")
    with tarfile.open(tmp_path / layers[-1]) as layer:
        names = layer.getnames()
        db = layer.getmember("./nix/var/nix/db/db.sqlite")
    assert {"./nix/var/nix/db/schema", "./nix/var/nix/gcroots/docker"} <= set(names)
    assert any(n.startswith("./nix/var/nix/gcroots/docker/") and n.endswith("-hello") for n in names)
    assert db.mode == 0o644 and db.uid == 0 and db.mtime == 315532800


def test_fake_nss_tree(nixdb):
    root = nixdb[0]
    nss = real(nixdb, "fakeNss")
    assert sorted(os.listdir(nss)) == ["etc", "var"] and sorted(os.listdir(nss / "etc")) == [
        "group", "nsswitch.conf", "passwd",
    ]  # fmt: skip
    assert os.listdir(nss / "var/empty") == []
    passwd = in_root(root, nixdb[1]["fakeNss"] + "/etc/passwd").read_text()
    assert passwd == "root:x:0:0:root user:/var/empty:/bin/sh\nnobody:x:65534:65534:nobody:/var/empty:/bin/sh\n"
    assert in_root(root, nixdb[1]["fakeNss"] + "/etc/group").read_text() == "root:x:0:\nnobody:x:65534:\n"
    assert in_root(root, nixdb[1]["fakeNss"] + "/etc/nsswitch.conf").read_text() == "hosts: files dns\n"
    alice = nixdb[1]["fakeNssAlice"]
    assert in_root(root, alice + "/etc/passwd").read_text().splitlines() == [
        "root:x:0:0:root user:/var/empty:/bin/sh",
        "alice:x:1000:1000:Alice:/home/alice:/bin/sh",
        "nobody:x:65534:65534:nobody:/var/empty:/bin/sh",
    ]
    assert in_root(root, alice + "/etc/group").read_text() == "root:x:0:\nalice:x:1000:\nnobody:x:65534:\n"


def test_image_with_fake_nss(nixdb, oci_tools, tmp_path):
    rootfs = unpack(real(nixdb, "withFakeNss"), tmp_path)
    assert in_root(rootfs, "/etc/passwd").read_text().startswith("root:x:0:0:root user:/var/empty:/bin/sh\n")
    assert in_root(rootfs, "/etc/group").read_text() == "root:x:0:\nnobody:x:65534:\n"
    assert (rootfs / "var/empty").is_dir() and not (rootfs / "nix/var").exists()


def test_references_by_popularity(nixdb):
    lines = real(nixdb, "popularity").read_text()
    assert lines.endswith("\n")
    assert [p.split("-", 1)[1] for p in lines.splitlines()] == ["greeting", "hello"]


def eval_error(expr: str) -> str:
    proc = pydock("eval", "-E", f"let d = (import <nixpkgs> {{ }}).dockerTools; in {expr}")
    assert proc.returncode != 0, proc.stdout
    return proc.stderr


@pytest.mark.parametrize(
    ("expr", "package"),
    [
        ("d.binSh.drvPath", "bash"),
        ("d.usrBinEnv.drvPath", "coreutils"),
        ("d.caCertificates.drvPath", "cacert"),
        ("d.shadowSetup", "shadow"),
    ],
)
def test_helpers_name_missing_package(expr, package):
    helper = expr.split(".")[1]
    assert f"dockerTools.{helper} needs the package '{package}'" in eval_error(expr)


def test_helpers_use_provided_package(tmp_path):
    expr = (
        'let pkgs = import <nixpkgs> { overlays = [ (self: super: { bash = super.writeTextDir "bin/bash" ""; '
        'shadow = super.writeTextDir "bin/useradd" ""; }) ]; }; in '
        "[ pkgs.dockerTools.binSh.name (builtins.isString pkgs.dockerTools.binSh.drvPath) "
        '(pkgs.dockerTools.binSh.override { bash = pkgs.writeTextDir "bin/bash" "x"; }).name '
        "(builtins.substring 0 12 pkgs.dockerTools.shadowSetup) ]"
    )
    proc = pydock("eval", "--json", "-E", expr)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == '["bin-sh",true,"bin-sh","export PATH="]'
