"""nixpkgs' NixOS test ``docker-tools`` without a VM or a Docker daemon.

``nixos/tests/docker-tools.nix`` loads images into Docker and looks at them with ``docker
inspect`` / ``docker run``.  The checks that need no daemon are ported here onto
``examples/docker-tools.nix``, built once per module with ``pydock build`` (one invocation, every
attribute), and looked at with real clients:

* real Nix (``nix-instantiate`` on the same file and pydock's prelude, ``nix-store`` reading
  pydock's store) says which out paths, conf paths and closures to expect;
* ``skopeo inspect docker-archive:…`` stands in for ``docker inspect`` (Created, Architecture,
  Env, the layers' diff_ids, and ``…:NAME:TAG`` to look an image up by its tag);
* ``skopeo copy`` to an OCI layout and ``umoci unpack`` give the root filesystem a runtime would
  see, and ``chroot`` into it runs ``Entrypoint`` + ``Cmd`` with the image's ``Env`` in its
  ``WorkingDir`` (the images carry the host's dash as ``/bin/sh``) — that is ``docker run``;
* the layer tars are read with ``tarfile`` for owners and dates.

Expectations come from those sources, from the example's inputs (read back through real Nix) and
from nixpkgs' documented behaviour (e.g. ``SOURCE_DATE_EPOCH`` = 1980-01-01 for shell-built tars),
never from pydock's own output.  Under ``CI=true`` a missing oracle fails instead of skipping.
Not covered here: ``enableFakechroot`` and ``includeNixDB`` (tested elsewhere), and
``fromImageName``/``fromImageTag``: they need a multi-image base archive, which pydock's
``dockerTools`` cannot make (no ``mergeImages``), and even then nixpkgs' buildImage takes the base
layers and Env from the archive's first image; the pair only picks the layer json's ``parent``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import platform
import shlex
import shutil
import stat
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
import zstandard

from nix_compat_tests.support import unavailable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "docker"))

from docker_support import REPO, build_example, host_shell, logical_paths  # noqa: E402

EXAMPLE = REPO / "examples" / "docker-tools.nix"
SOURCE_DIR = REPO / "examples" / "docker-tools-root"  # the path literal the example copies
PRELUDE = REPO / "evaluator" / "prelude"
STREAMS = ["streamNoTag", "nonRoot", "layeredWithPath"]  # streamLayeredImage: the out path is a program
ATTRS = [
    "layered", "layeredGz", "layeredZstd", "twoLayers", "bulkOnTop", "layeredNoTag", "streamNoTag", "imageNoTag",
    "envParent", "envChild", "layeredOnLayered", "imageOnLayered", "order2", "layersOrder", "nonRoot", "fakeRoot",
    "dated", "datedImage", "nowLayered", "nowImage", "armLayered", "armImage", "plainImage", "plainImageGz",
    "plainImageZstd", "noStore", "withPath", "withPathNoDirlinks", "layeredWithPath",
]  # fmt: skip
#: The archives skopeo reads (it cannot read pigz's gzip archives: "unexpected EOF" in skopeo 1.9).
UNCOMPRESSED = [a for a in ATTRS if not a.endswith(("Gz", "Zstd"))]
HOST_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"}.get(
    platform.machine(), platform.machine()
)
#: nixpkgs' default `created` (and streamLayeredImage's default `mtime`).
UNIX_TIME_SECOND_1 = "1970-01-01T00:00:01Z"
#: SOURCE_DATE_EPOCH of nixpkgs' builds: the mtime GNU tar gives shell-built layers.
SOURCE_DATE_EPOCH = 315532800
TIMEOUT = 300


# ------------------------------------------------------------------------------------------------
# The images, and what real Nix says about them


@dataclass
class Images:
    root: Path  # physical store root of pydock's store
    paths: dict[str, str]  # attribute -> logical out path printed by pydock build
    archives: dict[str, Path]  # attribute -> docker-archive file (streams run into a file)
    shell: Path | None  # the host-shell directory passed as `--arg shell`, if any
    started: int  # GNU `date +%s` before the build and after the streams ran (for created = "now")
    finished: int

    def real(self, logical: str) -> Path:
        return self.root / logical.lstrip("/")


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Images:
    work = tmp_path_factory.mktemp("docker-tools")
    shell = work / "shell" if host_shell(work / "shell") else None
    root = work / "store"
    started = _gnu_date_seconds()
    paths = dict(zip(ATTRS, logical_paths(root, build_example(EXAMPLE, ATTRS, root, shell)), strict=True))
    archives = {attr: root / path.lstrip("/") for attr, path in paths.items()}
    for attr in STREAMS:  # `$(pydock build … -A stream) > image.tar`
        archives[attr] = work / f"{attr}.tar"
        with open(archives[attr], "wb") as out:
            program = str(root / paths[attr].lstrip("/"))
            run = subprocess.run([program], stdout=out, stderr=subprocess.PIPE, timeout=TIMEOUT)
        assert run.returncode == 0, run.stderr.decode(errors="replace")
    return Images(root, paths, archives, shell, started, _gnu_date_seconds())


def _gnu_date_seconds() -> int:
    """The clock as the builders' ``date`` reads it (the oracle of created = "now")."""
    return int(subprocess.run(["date", "-u", "+%s"], capture_output=True, text=True, check=True).stdout)


FACTS_EXPR = """{ shell }:
let
  e = import %(example)s { inherit shell; };
  pick = f: builtins.listToAttrs (map (a: { name = a; value = f e.${a}; }) [ %(attrs)s ]);
in {
  out = pick (d: d.outPath);
  tag = pick (d: d.imageTag);
  name = pick (d: d.imageName);
  conf = pick (d: if d ? conf then d.conf.outPath else null);
  inherit (e) inputs;
  store = {
    inherit (e) report extra dirlinkBase;
    hostShell = map toString e.hostShell;
  };
}
"""


@pytest.fixture(scope="module")
def facts(images: Images, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The example evaluated by real Nix 2.8 (with pydock's prelude as `<nixpkgs>`)."""
    nix = shutil.which("nix-instantiate")
    if nix is None:
        unavailable("nix-instantiate (Debian package nix-bin) is not installed")
    store = tmp_path_factory.mktemp("nix-store")
    expr = FACTS_EXPR % {"example": EXAMPLE, "attrs": " ".join(f'"{a}"' for a in ATTRS)}
    shell = str(images.shell) if images.shell else "null"
    cmd = [nix, "--store", f"local?root={store}", "--eval", "--read-write-mode", "--strict", "--json",
           "-I", f"nixpkgs={PRELUDE}", "--arg", "shell", shell, "-E", expr]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def nix_closure(images: Images, *paths: str) -> set[str]:
    """`nix-store -qR` by real Nix, reading pydock's store and database."""
    nix_store = shutil.which("nix-store")
    if nix_store is None:
        unavailable("nix-store (Debian package nix-bin) is not installed")
    cmd = [nix_store, "--store", f"local?root={images.root}", "-qR", *paths]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


# ------------------------------------------------------------------------------------------------
# Reading archives: skopeo, umoci, tarfile


@pytest.fixture(scope="module")
def oci_tools() -> None:
    missing = [t for t in ("skopeo", "umoci") if shutil.which(t) is None]
    if missing:
        unavailable(f"not installed: {', '.join(missing)} (Debian packages skopeo, umoci)")


@cache
def skopeo_inspect(archive: Path, *, config: bool = False, ref: str = "") -> dict:
    flags = ["--config"] if config else []
    cmd = ["skopeo", "--insecure-policy", "inspect", *flags, f"docker-archive:{archive}{ref}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def inspect(images: Images, attr: str) -> dict:
    return skopeo_inspect(images.archives[attr])


def inspect_config(images: Images, attr: str) -> dict:
    return skopeo_inspect(images.archives[attr], config=True)


@cache
def _archive_layers(archive: Path) -> tuple[dict, list[list[tarfile.TarInfo]], list[dict[str, bytes]]]:
    """The manifest entry, the members of each layer (in order) and their regular files' contents."""
    members, contents = [], []
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
        for name in manifest["Layers"]:
            with tarfile.open(fileobj=tar.extractfile(name)) as layer:  # type: ignore[arg-type]
                infos = layer.getmembers()
                members.append(infos)
                contents.append({_rel(m.name): layer.extractfile(m).read() for m in infos if m.isreg()})  # type: ignore[union-attr]
    return manifest, members, contents


def manifest(images: Images, attr: str) -> dict:
    return _archive_layers(images.archives[attr])[0]


def raw_config(images: Images, attr: str) -> dict:
    """The image config as stored in the archive (skopeo --config re-encodes dates)."""
    with tarfile.open(images.archives[attr]) as tar:
        return json.load(tar.extractfile(manifest(images, attr)["Config"]))  # type: ignore[arg-type]


def layer_members(images: Images, attr: str) -> list[dict[str, tarfile.TarInfo]]:
    return [{_rel(m.name): m for m in layer} for layer in _archive_layers(images.archives[attr])[1]]


def layer_files(images: Images, attr: str) -> list[dict[str, bytes]]:
    return _archive_layers(images.archives[attr])[2]


def _rel(name: str) -> str:
    """A member name relative to the image root: `./a/b`, `/a/b/` and `a/b` all become `a/b` (`.` is ``)."""
    name = name.rstrip("/")
    if name in (".", ""):
        return ""
    if name.startswith("./"):
        return name[2:]
    return name.lstrip("/")


def store_paths_in(layer: dict[str, tarfile.TarInfo], store_dir: str) -> set[str]:
    """The top-level store paths a layer holds (anything under `<store_dir>/`)."""
    prefix = store_dir.strip("/").split("/")
    found = set()
    for name in layer:
        parts = name.split("/")
        if len(parts) > len(prefix) and parts[: len(prefix)] == prefix:
            found.add("/" + "/".join(parts[: len(prefix) + 1]))
    return found


@pytest.fixture(scope="module")
def unpacked(images: Images, oci_tools, tmp_path_factory: pytest.TempPathFactory):
    """`skopeo copy` into an OCI layout, then `umoci unpack` (rootless unless asked): the rootfs."""
    done: dict[tuple[str, bool], Path] = {}

    def get(attr: str, *, rootless: bool = True) -> Path:
        if (attr, rootless) not in done:
            work = tmp_path_factory.mktemp(f"oci-{attr}")
            layout = f"{work}/layout:{attr.lower()}"
            copy = ["skopeo", "--insecure-policy", "copy", f"docker-archive:{images.archives[attr]}", f"oci:{layout}"]
            unpack = ["umoci", "unpack", *(["--rootless"] if rootless else []), "--image", layout, str(work / "b")]
            for cmd in (copy, unpack):
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
                assert proc.returncode == 0, f"{shlex.join(cmd)}:\n{proc.stderr}"
            done[attr, rootless] = work / "b" / "rootfs"
        return done[attr, rootless]

    return get


def run_image(images: Images, rootfs: Path, config: dict, *, bind_store: bool = False) -> subprocess.CompletedProcess:
    """`docker run`: Entrypoint + Cmd with the image's Env, in its WorkingDir, chrooted into `rootfs`."""
    if images.shell is None:
        unavailable("no host dash to put in the images")
    unshare, chroot = shutil.which("unshare"), shutil.which("chroot")
    if unshare is None or chroot is None:
        unavailable("unshare/chroot (util-linux, coreutils) not found")
    argv = (config.get("Entrypoint") or []) + (config.get("Cmd") or [])
    env = dict(entry.split("=", 1) for entry in config.get("Env") or [])  # a later entry wins, as in Docker
    workdir = config.get("WorkingDir") or "/"
    inner = [chroot, str(rootfs), "/bin/sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", workdir, *argv]
    cmd = [unshare, "--user", "--map-root-user", "--mount"]
    if bind_store:  # `docker run --volume /nix/store:/nix/store:ro`, with pydock's store
        store_dir = os.path.dirname(images.paths["layered"])
        mount = 'mkdir -p "$1$2" && mount --bind "$3" "$1$2" && shift 3 && exec "$@"'
        cmd += ["/bin/sh", "-c", mount, "sh", str(rootfs), store_dir, str(images.real(store_dir))]
    proc = subprocess.run([*cmd, *inner], capture_output=True, text=True, env=env, timeout=60)
    if proc.returncode != 0 and "unshare" in proc.stderr:
        unavailable(f"cannot chroot here: {proc.stderr.strip()}")
    return proc


def report_output(images: Images, facts: dict, stdout: str) -> tuple[list[str], dict[str, str]]:
    """What `report` printed: its motto (checked against the store file), cwd/args lines, exported env."""
    lines = stdout.splitlines()
    assert lines and lines[0].startswith("motto="), stdout
    # The motto is the file of report's closure it reads.
    (motto,) = [p for p in nix_closure(images, facts["store"]["report"]) if p.endswith("-docker-tools-motto")]
    assert lines[0] == "motto=" + images.real(motto).read_text().rstrip("\n")
    env = {}
    for line in lines[3:]:
        words = shlex.split(line)
        assert words[0] == "export", stdout
        name, _, value = words[1].partition("=")
        env[name] = value
    return lines[1:3], env


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ------------------------------------------------------------------------------------------------
# Paths and tags


def test_out_paths_are_the_ones_real_nix_computes(images, facts):
    assert images.paths == facts["out"]


def test_tags_name_the_images(images, facts, oci_tools):
    """RepoTags is `<imageName>:<imageTag>` (imageTag as real Nix evaluates it); skopeo finds the image by it."""
    for attr in UNCOMPRESSED:
        repo_tag = f"{facts['name'][attr]}:{facts['tag'][attr]}"
        assert manifest(images, attr)["RepoTags"] == [repo_tag], attr
        by_tag = skopeo_inspect(images.archives[attr], ref=f":{repo_tag}")
        assert by_tag["Digest"] == inspect(images, attr)["Digest"], attr
    assert facts["tag"]["layered"] == "v1" and facts["name"]["streamNoTag"] == "docker-tools/stream-no-tag"
    assert facts["name"]["imageNoTag"] == "docker-tools/image-no-tag"  # lower-cased from "Docker-Tools/Image-No-Tag"


def test_untagged_images_are_tagged_with_a_hash_part(images, facts):
    """tag = null: buildImage uses the hash part of its own out path, the layered ones that of their conf."""

    def hash_part(path: str) -> str:
        return os.path.basename(path).split("-", 1)[0]

    assert facts["tag"]["imageNoTag"] == hash_part(facts["out"]["imageNoTag"]) == hash_part(images.paths["imageNoTag"])
    for attr in ("layeredNoTag", "streamNoTag"):
        assert facts["conf"][attr].endswith("-conf.json")
        assert facts["tag"][attr] == hash_part(facts["conf"][attr]), attr
        assert images.real(facts["conf"][attr]).is_file(), attr  # pydock built that very conf
    for attr in ("imageNoTag", "layeredNoTag", "streamNoTag"):
        (repo_tag,) = manifest(images, attr)["RepoTags"]
        assert repo_tag.rsplit(":", 1)[1] == facts["tag"][attr], attr


# ------------------------------------------------------------------------------------------------
# Layers


def test_default_layering_gives_each_store_path_a_layer(images, facts, oci_tools):
    """maxLayers' default (100): each path of the contents' closure in a layer of its own, then the customisation."""
    closure = nix_closure(images, facts["store"]["report"], *facts["store"]["hostShell"])
    assert facts["store"]["report"] in closure and len(closure) == 2 + len(facts["store"]["hostShell"])
    store_dir = os.path.dirname(facts["store"]["report"])
    layers = layer_members(images, "layered")
    assert len(inspect(images, "layered")["Layers"]) == len(layers) == len(closure) + 1
    per_layer = [store_paths_in(layer, store_dir) for layer in layers]
    assert all(len(paths) == 1 for paths in per_layer[:-1]), per_layer
    assert set().union(*per_layer[:-1]) == closure
    assert per_layer[-1] == set()  # the customisation layer links into the store, it holds none of it
    assert layers[-1]["bin/report"].issym()
    assert layers[-1]["bin/report"].linkname == facts["store"]["report"] + "/bin/report"


def test_max_layers_two_puts_the_whole_closure_in_one_layer(images, facts, oci_tools):
    closure = nix_closure(images, facts["store"]["report"], *facts["store"]["hostShell"])
    store_dir = os.path.dirname(facts["store"]["report"])
    layers = layer_members(images, "twoLayers")
    assert len(inspect(images, "twoLayers")["Layers"]) == len(layers) == 2
    assert store_paths_in(layers[0], store_dir) == closure  # no path lost in the bulk layer (nixpkgs #78744)
    assert store_paths_in(layers[1], store_dir) == set()


def test_bulk_layer_on_a_base_image_respects_max_layers(images, facts, oci_tools):
    """maxLayers = 4 on a 2-layer base: one store layer (all of the new closure) and the customisation layer."""
    base, top = inspect(images, "twoLayers")["Layers"], inspect(images, "bulkOnTop")["Layers"]
    assert len(top) == 4 and top[:2] == base
    store_dir = os.path.dirname(facts["store"]["extra"])
    layers = layer_members(images, "bulkOnTop")
    assert store_paths_in(layers[2], store_dir) == nix_closure(images, facts["store"]["extra"])
    assert len(nix_closure(images, facts["store"]["extra"])) == 2


def test_layers_are_shared_between_images(images, oci_tools):
    """Two images with the same contents have the same store layers (same diff_ids)."""
    one, other = inspect(images, "layered")["Layers"], inspect(images, "layeredNoTag")["Layers"]
    assert len(one) == len(other) and one[:-1] == other[:-1]


def test_build_image_adds_one_layer(images, oci_tools):
    for attr in ("imageNoTag", "plainImage", "envParent", "withPath", "datedImage", "armImage"):
        assert len(inspect(images, attr)["Layers"]) == 1, attr
    # On a base image: the base's layers, in order, then one more (layersOrder: 1 + 1 + 1).
    for attr, base in (("envChild", "envParent"), ("imageOnLayered", "layered"), ("layersOrder", "order2")):
        layers = inspect(images, attr)["Layers"]
        base_layers = inspect(images, base)["Layers"]
        assert layers[: len(base_layers)] == base_layers and len(layers) == len(base_layers) + 1, attr
    assert len(inspect(images, "layersOrder")["Layers"]) == 3


def test_images_layered_on_layered_images_keep_the_base_layers(images, oci_tools):
    base = inspect(images, "layered")["Layers"]
    on_top = inspect(images, "layeredOnLayered")["Layers"]
    assert on_top[: len(base)] == base and len(on_top) == len(base) + 1  # no contents: only a customisation layer
    diff_ids = raw_config(images, "layeredOnLayered")["rootfs"]["diff_ids"]
    assert diff_ids[: len(base)] == raw_config(images, "layered")["rootfs"]["diff_ids"]
    # Each diff_id is the sha256 of its (uncompressed) layer tar, the base's ones included.
    with tarfile.open(images.archives["layeredOnLayered"]) as tar:
        names = manifest(images, "layeredOnLayered")["Layers"]
        digests = ["sha256:" + hashlib.sha256(tar.extractfile(n).read()).hexdigest() for n in names]  # type: ignore[union-attr]
    assert diff_ids == digests == on_top


def test_layer_order_of_chained_build_images(images, unpacked):
    """Each of three stacked buildImage layers overwrites files of the ones below (nixpkgs' layersOrder)."""
    rootfs = unpacked("layersOrder")
    for n in (1, 2, 3):
        assert (rootfs / "tmp" / f"layer{n}").read_text() == f"layer{n}\n"


# ------------------------------------------------------------------------------------------------
# Env, Cmd, Entrypoint, WorkingDir


def test_layered_image_runs(images, facts, unpacked):
    config = inspect_config(images, "layered")["config"]
    assert config["Env"] == facts["inputs"]["parentEnv"] and config["WorkingDir"] == "/srv"
    proc = run_image(images, unpacked("layered"), config)
    assert proc.returncode == 0, proc.stderr
    (cwd, args), env = report_output(images, facts, proc.stdout)
    assert cwd == "cwd=/srv" and args == "args="
    assert {k: env[k] for k in ("FROM_PARENT", "LAST_LAYER")} == {"FROM_PARENT": "true", "LAST_LAYER": "parent"}


def test_build_image_env_follows_the_base_env(images, facts, unpacked):
    """buildImage: the base Env, then the new one (concatenated); the child's value wins when run."""
    parent = inspect(images, "envParent")["Env"]
    assert parent == facts["inputs"]["parentEnv"]
    assert inspect(images, "envChild")["Env"] == parent + facts["inputs"]["childEnv"]
    config = inspect_config(images, "envChild")["config"]
    proc = run_image(images, unpacked("envChild"), config)
    assert proc.returncode == 0, proc.stderr
    (cwd, _), env = report_output(images, facts, proc.stdout)
    assert cwd == "cwd=/work"
    assert env["FROM_PARENT"] == "true", "envvars from the parent should be preserved"
    assert env["FROM_CHILD"] == "true", "envvars from the child should be preserved"
    assert env["LAST_LAYER"] == "child", "envvars from the child should take priority"


def test_layered_on_layered_env_is_merged_by_name(images, facts, unpacked):
    """streamLayeredImage with fromImage: one entry per name, at its first place, with its last value."""
    base, own = inspect(images, "layered")["Env"], facts["inputs"]["childEnv"]
    merged: dict[str, str] = {}
    for entry in base + own:
        name, _, value = entry.partition("=")
        merged[name] = value  # dict keeps the first position and takes the last value
    env_list = inspect(images, "layeredOnLayered")["Env"]
    assert env_list == [f"{k}={v}" for k, v in merged.items()]
    assert sum(entry.startswith("LAST_LAYER=") for entry in env_list) == 1, "overridden envvars should be unique"
    config = inspect_config(images, "layeredOnLayered")["config"]
    proc = run_image(images, unpacked("layeredOnLayered"), config)
    assert proc.returncode == 0, proc.stderr
    (cwd, args), env = report_output(images, facts, proc.stdout)
    assert cwd == "cwd=/tmp" and args == "args=" + " ".join(config["Cmd"][1:])
    assert (env["FROM_PARENT"], env["FROM_CHILD"], env["LAST_LAYER"]) == ("true", "true", "child")


def test_build_image_on_a_layered_image_runs_its_entrypoint(images, facts, unpacked):
    base = inspect(images, "layered")["Env"]
    assert inspect(images, "imageOnLayered")["Env"] == base + facts["inputs"]["childEnv"]
    config = inspect_config(images, "imageOnLayered")["config"]
    rootfs = unpacked("imageOnLayered")
    assert stat.S_IMODE((rootfs / "example-output").stat().st_mode) == 0o777
    proc = run_image(images, rootfs, config)
    assert proc.returncode == 0, proc.stderr
    (cwd, args), env = report_output(images, facts, proc.stdout)
    assert cwd == "cwd=/example-output"
    assert args == "args=" + " ".join(config["Entrypoint"][1:] + config["Cmd"])
    assert (env["FROM_PARENT"], env["FROM_CHILD"], env["LAST_LAYER"]) == ("true", "true", "child")


# ------------------------------------------------------------------------------------------------
# Owners


def test_uid_gid_own_the_store_layers(images, facts, unpacked):
    """nonRootTestImage: uid/gid/uname/gname stamp every store layer member; the customisation layer stays root's."""
    assert inspect_config(images, "nonRoot")["config"]["User"] == "user"
    layers = layer_members(images, "nonRoot")
    assert len(layers) == len(nix_closure(images, facts["store"]["report"])) + 1
    for layer in layers[:-1]:
        assert layer["nix"].isdir() and stat.S_IMODE(layer["nix"].mode) == 0o755
        owners = {(m.uid, m.gid, m.uname, m.gname) for m in layer.values()}
        assert owners == {(1000, 1000, "user", "user")}
    assert {(m.uid, m.gid) for m in layers[-1].values()} == {(0, 0)}
    if os.geteuid() != 0:
        unavailable("unpacking with the image's owners needs root")
    rootfs = unpacked("nonRoot", rootless=False)
    # umoci resolved `User = "user"` through the image's /etc/passwd for the runtime config.
    user = json.loads((rootfs.parent / "config.json").read_text())["process"]["user"]
    assert (user["uid"], user["gid"]) == (1000, 1000)
    report = rootfs / facts["store"]["report"].lstrip("/")
    assert (report.stat().st_uid, report.stat().st_gid) == (1000, 1000)
    for top in (rootfs / "nix", rootfs / "nix" / "store"):  # nixpkgs: 755, readable by a non-root user
        assert stat.S_IMODE(top.stat().st_mode) == 0o755 and (top.stat().st_uid, top.stat().st_gid) == (1000, 1000)


def test_fake_root_commands_chown_is_kept(images, unpacked):
    custom = layer_members(images, "fakeRoot")[-1]
    assert (custom["home/alice"].uid, custom["home/alice"].gid) == (1000, 1000)
    assert (custom["home/alice/note"].uid, custom["home/alice/note"].gid) == (1001, 1002)
    others = {(m.uid, m.gid) for name, m in custom.items() if not name.startswith("home/alice")}
    assert others == {(0, 0)}
    assert layer_files(images, "fakeRoot")[-1]["home/alice/note"] == b"note\n"
    if os.geteuid() != 0:
        unavailable("unpacking with the image's owners needs root")
    rootfs = unpacked("fakeRoot", rootless=False)
    alice, note = (rootfs / "home/alice").stat(), (rootfs / "home/alice/note").stat()
    assert (alice.st_uid, alice.st_gid, note.st_uid, note.st_gid) == (1000, 1000, 1001, 1002)


# ------------------------------------------------------------------------------------------------
# Dates


def test_default_dates_are_stable(images, oci_tools):
    """created defaults to 1970-01-01T00:00:01Z; store layers get mtime 1, shell-built tars SOURCE_DATE_EPOCH."""
    second_1 = int(when(UNIX_TIME_SECOND_1).timestamp())
    for attr in ("layered", "plainImage", "layeredNoTag", "imageNoTag"):
        assert inspect(images, attr)["Created"] == UNIX_TIME_SECOND_1, attr
    layers = layer_members(images, "layered")
    assert {m.mtime for layer in layers[:-1] for m in layer.values()} == {second_1}
    assert {m.mtime for m in layers[-1].values()} == {SOURCE_DATE_EPOCH}
    (layer,) = layer_members(images, "plainImage")
    assert {m.mtime for m in layer.values()} == {SOURCE_DATE_EPOCH}


def test_explicit_created_and_mtime(images, facts, oci_tools):
    inputs = facts["inputs"]
    created, mtime = when(inputs["created"]), when(inputs["mtime"])
    info = inspect(images, "dated")
    assert when(info["Created"]) == created
    config = raw_config(images, "dated")
    # The layered builders normalise the date to UTC (`date -Iseconds`); every history entry has it too.
    assert config["created"] == created.astimezone(UTC).isoformat()
    assert {h["created"] for h in config["history"]} == {config["created"]}
    layers = layer_members(images, "dated")
    assert {m.mtime for layer in layers[:-1] for m in layer.values()} == {int(mtime.timestamp())}
    # buildImage keeps the string as given.
    assert when(inspect(images, "datedImage")["Created"]) == when(inputs["imageCreated"])
    assert raw_config(images, "datedImage")["created"] == inputs["imageCreated"]


def test_created_now_is_the_build_time(images, oci_tools):
    """created = "now": the time of the build, between two readings of GNU ``date`` around it."""
    for attr in ("nowLayered", "nowImage"):
        created = inspect(images, attr)["Created"]
        assert created != UNIX_TIME_SECOND_1, attr
        assert images.started <= when(created).timestamp() < images.finished + 1, (attr, created)
    layers = layer_members(images, "nowLayered")  # mtime keeps its own default
    assert {m.mtime for layer in layers[:-1] for m in layer.values()} == {int(when(UNIX_TIME_SECOND_1).timestamp())}


# ------------------------------------------------------------------------------------------------
# Architecture, compressors, includeStorePaths


def test_architecture(images, oci_tools):
    for attr in ("armLayered", "armImage"):
        assert inspect(images, attr)["Architecture"] == "arm64", attr
    for attr in ("layered", "plainImage", "nonRoot"):
        assert inspect(images, attr)["Architecture"] == HOST_GOARCH, attr
        assert inspect(images, attr)["Os"] == "linux"


@pytest.mark.parametrize("plain", ["layered", "plainImage"])
def test_compressors_by_magic_bytes(images, oci_tools, plain):
    gz, zst = plain + "Gz", plain + "Zstd"
    data = images.archives[plain].read_bytes()
    assert not data.startswith((b"\x1f\x8b", b"\x28\xb5\x2f\xfd")) and tarfile.is_tarfile(images.archives[plain])
    assert images.paths[gz].endswith(".tar.gz") and images.paths[zst].endswith(".tar.zst")
    gz_data, zst_data = images.archives[gz].read_bytes(), images.archives[zst].read_bytes()
    assert gz_data[:3] == b"\x1f\x8b\x08" and zst_data[:4] == b"\x28\xb5\x2f\xfd"
    assert gzip.decompress(gz_data) == data
    with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(zst_data), read_across_frames=True) as reader:
        assert reader.read() == data
    assert skopeo_inspect(images.archives[zst])["Layers"] == inspect(images, plain)["Layers"]


def test_include_store_paths_false(images, facts, unpacked):
    """No store path in any layer; the links into the store dangle, and work once the store is mounted."""
    layers = layer_members(images, "noStore")
    assert len(layers) == 1 and len(inspect(images, "noStore")["Layers"]) == 1
    store_dir = os.path.dirname(facts["store"]["report"])
    assert store_paths_in(layers[0], store_dir) == set()
    assert not any(name == "nix" or name.startswith("nix/") for name in layers[0])
    rootfs = unpacked("noStore")
    assert not (rootfs / store_dir.lstrip("/")).exists()
    target = os.readlink(rootfs / "bin/report")
    assert target.startswith(store_dir + "/") and not os.path.lexists(rootfs / target.lstrip("/"))
    config = inspect_config(images, "noStore")["config"]
    assert run_image(images, rootfs, config).returncode != 0  # includeStorePaths = false breaks it
    mounted = run_image(images, rootfs, config, bind_store=True)
    assert mounted.returncode == 0, mounted.stderr
    report_output(images, facts, mounted.stdout)


# ------------------------------------------------------------------------------------------------
# copyToRoot / contents with a path literal, keepContentsDirlinks


def test_copy_to_root_path_literal_with_keep_contents_dirlinks(images, facts, unpacked):
    """keepContentsDirlinks (`rsync -aK`): the base's `data -> real-data` stays a link, files go through it."""
    link_target = os.readlink(images.real(facts["store"]["dirlinkBase"]) / "data")
    (layer,) = layer_members(images, "withPath")
    (files,) = layer_files(images, "withPath")
    assert files["hello.txt"] == (SOURCE_DIR / "hello.txt").read_bytes()
    assert layer["data"].issym() and layer["data"].linkname == link_target, layer["data"].type
    assert files[f"{link_target}/from-path.txt"] == (SOURCE_DIR / "data/from-path.txt").read_bytes()
    rootfs = unpacked("withPath")
    assert (rootfs / "data").is_symlink()
    assert (rootfs / "data/from-path.txt").read_bytes() == (SOURCE_DIR / "data/from-path.txt").read_bytes()


def test_copy_to_root_path_literal_without_keep_contents_dirlinks(images, facts, unpacked):
    """Without it (`rsync -ak`) the directory link is copied as a directory, and the files land in it."""
    (layer,) = layer_members(images, "withPathNoDirlinks")
    (files,) = layer_files(images, "withPathNoDirlinks")
    assert files["hello.txt"] == (SOURCE_DIR / "hello.txt").read_bytes()
    assert layer["data"].isdir() and layer["real-data"].isdir()
    assert files["data/from-path.txt"] == (SOURCE_DIR / "data/from-path.txt").read_bytes()
    assert not [name for name in layer if name.startswith("real-data/")]
    rootfs = unpacked("withPathNoDirlinks")
    assert (rootfs / "hello.txt").read_bytes() == (SOURCE_DIR / "hello.txt").read_bytes()
    assert (rootfs / "data").is_dir() and not (rootfs / "data").is_symlink()


def test_layered_contents_path_literal(images, unpacked):
    rootfs = unpacked("layeredWithPath")
    target = os.readlink(rootfs / "hello.txt")
    assert target.endswith("-docker-tools-root/hello.txt")
    assert (rootfs / target.lstrip("/")).read_bytes() == (SOURCE_DIR / "hello.txt").read_bytes()
