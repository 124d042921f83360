"""Images built by pydock from examples/docker-layered.nix, checked with real clients and a chroot.

One session build (``built``) realises every variant; the tests read the store through its
physical root.  skopeo reads the archives, ``skopeo copy`` + ``umoci unpack --rootless``
give the filesystem a container runtime would see.
"""

from __future__ import annotations

import gzip
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

import pytest
from docker_support import EXAMPLE, example_expr, pydock

from nix_compat_tests.support import unavailable

GOARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def manifest(path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))[0]  # type: ignore[arg-type]


def image_config(path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile(manifest(path)["Config"]))  # type: ignore[arg-type]


def skopeo(*args: str) -> dict:
    out = subprocess.run(["skopeo", "--insecure-policy", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def streamed(built, tmp_path_factory) -> bytes:
    """What running the stream derivation's ``$out`` writes to stdout."""
    out = subprocess.run([str(built.real("stream"))], capture_output=True, check=True, timeout=120)
    assert b"Creating layer" in out.stderr
    return out.stdout


def assert_same_but_sandbox_owner(built, layered: bytes, streamed: bytes) -> None:
    """buildLayeredImage's bytes are the stream's except one header: the customisation layer's owner.

    nixpkgs' buildLayeredImage streams inside the build sandbox, where the root-owned store file
    shows as 65534 nobody/nogroup; the stream run on the host shows the file's real owner.
    """
    assert len(layered) == len(streamed)
    with tarfile.open(fileobj=io.BytesIO(streamed)) as tar:
        custom = tar.getmember(json.load(tar.extractfile("manifest.json"))[0]["Layers"][-1])  # type: ignore[arg-type]
    with tarfile.open(fileobj=io.BytesIO(layered)) as tar:
        theirs = tar.getmember(custom.name)
    assert custom.offset == theirs.offset
    header = slice(custom.offset, custom.offset + 512)
    assert layered[: header.start] == streamed[: header.start] and layered[header.stop :] == streamed[header.stop :]
    assert (theirs.uid, theirs.gid, theirs.uname, theirs.gname) == (65534, 65534, "nobody", "nogroup")
    layer_file = built.root / built.paths["stream"].lstrip("/")  # any store file: the store's owner
    st = os.lstat(layer_file)
    assert (custom.uid, custom.gid) == (st.st_uid, st.st_gid)
    assert (custom.mode, custom.mtime, custom.size) == (theirs.mode, theirs.mtime, theirs.size)


def test_stream_equals_build_layered_image(built, streamed):
    assert_same_but_sandbox_owner(built, built.real("layeredUncompressed").read_bytes(), streamed)
    assert gzip.decompress(built.real("layered").read_bytes()) == built.real("layeredUncompressed").read_bytes()


def test_compressor_magic(built):
    assert built.real("layered").read_bytes()[:3] == b"\x1f\x8b\x08"
    assert built.real("layeredZstd").read_bytes()[:4] == b"\x28\xb5\x2f\xfd"
    assert tarfile.is_tarfile(built.real("layeredUncompressed"))


def test_conf_and_layers(built):
    # The stream's $out is `exec <stream program> <conf> "$@"`, with physical paths.
    wrapper = shlex.split(built.real("stream").read_text().splitlines()[-1])
    assert wrapper[0] == "exec" and wrapper[-1] == "$@" and wrapper[1].endswith("-stream")
    conf = json.loads(open(wrapper[2]).read())
    assert list(conf) == [
        "architecture", "config", "os", "store_dir", "from_image", "store_layers", "customisation_layer",
        "repo_tag", "created", "mtime", "uid", "gid", "uname", "gname",
    ]  # fmt: skip
    assert conf["repo_tag"] == "example/hello:v1" and conf["created"] == "1970-01-01T00:00:01+00:00"
    assert conf["architecture"] == GOARCH and conf["uid"] == "0"
    m = manifest(built.real("layeredUncompressed"))
    assert m["RepoTags"] == ["example/hello:v1"]
    assert len(m["Layers"]) == len(conf["store_layers"]) + 1


def test_max_layers_respected(built):
    m = manifest(built.real("twoLayers"))
    assert len(m["Layers"]) == 2 and m["RepoTags"] == ["two-layers:v1"]
    assert len(manifest(built.real("noStorePaths"))["Layers"]) == 1


def test_from_image_layers_and_env(built):
    base = manifest(built.real("layeredUncompressed"))["Layers"]
    m = manifest(built.real("onTop"))
    assert m["RepoTags"] == ["on-top:v2"] and m["Layers"][: len(base)] == base and len(m["Layers"]) == len(base) + 1
    assert image_config(built.real("onTop"))["config"]["Env"] == ["GREETING=on-top", "PATH=/bin"]


def test_fake_root_commands_ownership(built):
    path = built.real("fakeRoot")
    with tarfile.open(path) as tar:
        layer = tar.extractfile(manifest(path)["Layers"][-1])
        with tarfile.open(fileobj=layer) as inner:  # type: ignore[arg-type]
            alice = inner.getmember("./home/alice")
    assert (alice.uid, alice.gid, alice.uname, alice.gname) == (1000, 1000, "", "")


def test_skopeo_inspect(built, oci_tools):
    info = skopeo("inspect", f"docker-archive:{built.real('layeredUncompressed')}")
    assert info["Architecture"] == GOARCH and info["Os"] == "linux"
    assert info["Env"] == ["GREETING=pydock", "PATH=/bin"]
    assert info["Created"] == "1970-01-01T00:00:01Z"
    assert len(info["Layers"]) == len(manifest(built.real("layeredUncompressed"))["Layers"])
    config = skopeo("inspect", "--config", f"docker-archive:{built.real('layeredUncompressed')}")
    assert config["config"]["Cmd"] == ["/bin/hello"] and config["config"]["WorkingDir"] == "/data"
    # skopeo 1.9 reads zstd-compressed archives but not gzip ones ("unexpected EOF"); the .tar.gz is
    # checked to be the gzip of the same stream in test_stream_equals_build_layered_image.
    zst = skopeo("inspect", f"docker-archive:{built.real('layeredZstd')}")
    assert zst["Layers"] == info["Layers"]


@pytest.fixture(scope="module")
def rootfs(built, oci_tools, tmp_path_factory) -> str:
    work = tmp_path_factory.mktemp("oci")
    archive = f"docker-archive:{built.real('layeredUncompressed')}"
    subprocess.run(["skopeo", "--insecure-policy", "copy", archive, f"oci:{work}/layout:v1"], check=True)
    bundle = work / "bundle"
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{work}/layout:v1", str(bundle)], check=True)
    return str(bundle / "rootfs")


def test_unpacked_tree(built, rootfs):
    hello = os.readlink(rootfs + "/bin/hello")
    assert hello.startswith("/nix/store/") and hello.endswith("-hello/bin/hello")
    assert (open(rootfs + hello).read()).startswith("#!/bin/sh\n")
    assert stat.S_IMODE(os.stat(rootfs + hello).st_mode) == 0o555
    assert open(rootfs + "/data/stamp").read() == "built\n"
    assert stat.S_IMODE(os.lstat(rootfs + "/tmp").st_mode) == 0o1777
    names = {n.split("-", 1)[1] for n in os.listdir(rootfs + "/nix/store")}
    assert {"hello", "greeting"} <= names and not any(n.endswith("customisation-layer") for n in names)


def test_cmd_runs_in_chroot(built, rootfs):
    if not built.runnable:
        unavailable("no host dash to put in the image")
    unshare, chroot = shutil.which("unshare"), shutil.which("chroot")
    if unshare is None or chroot is None:
        unavailable("unshare/chroot (util-linux, coreutils) not found")
    cmd = [unshare, "--user", "--map-root-user", chroot, rootfs, "/bin/sh", "-c", "cd /data && exec /bin/hello"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={"GREETING": "pydock", "PATH": "/bin"})
    if proc.returncode != 0 and "unshare" in proc.stderr:
        unavailable(f"cannot chroot here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Hello from a layered image (pydock in /data)\n", proc.stderr


def _build(built, expr: str, *, shell: bool = True):
    """``pydock build -E`` of ``expr`` over the example (``e``), in the session's store."""
    full = example_expr(EXAMPLE, built.shell if shell else None, expr)
    return pydock("build", "--store", str(built.root), "--no-out-link", "-E", full)


def test_layering_pipeline_replaces_max_layers(built, oci_tools, tmp_path):
    proc = _build(
        built,
        'e.stream.override { maxLayers = 1; layeringPipeline = [ [ "popularity_contest" ] [ "limit_layers" 1 ] ]; }',
        shell=False,
    )
    assert proc.returncode == 0, proc.stderr
    wrapper = shlex.split(open(proc.stdout.strip()).read().splitlines()[-1])
    layers = json.loads(open(wrapper[2]).read())["store_layers"]
    assert len(layers) == 1 and sorted(p.split("-", 1)[1] for p in layers[0]) == ["greeting", "hello"]
    # The image itself: one store layer plus the customisation layer, as skopeo reads it.
    image = tmp_path / "pipeline.tar"
    with open(image, "wb") as out:
        subprocess.run([proc.stdout.strip()], stdout=out, stderr=subprocess.DEVNULL, check=True, timeout=120)
    assert len(skopeo("inspect", f"docker-archive:{image}")["Layers"]) == 2
    with tarfile.open(image) as tar:
        first = tar.extractfile(manifest(image)["Layers"][0])
        with tarfile.open(fileobj=first) as inner:  # type: ignore[arg-type]
            stored = {n.split("/")[3].split("-", 1)[1] for n in inner.getnames() if n.count("/") >= 3}
    assert stored == {"greeting", "hello"}


def test_from_image_uses_up_max_layers(built):
    proc = _build(built, "e.onTop.override { maxLayers = 4; }", shell=False)
    assert proc.returncode != 0
    assert "Error: usedLayers 4 layers to store 'fromImage' and 'extraCommands', but only maxLayers=4" in proc.stderr


def test_printed_path_runs_as_the_image_stream(built, oci_tools, tmp_path):
    """`$(pydock build f.nix -A stream) > image.tar`: the printed path is the executable itself."""
    cmd = f"$({shlex.join([sys.executable, '-m', 'pydock.cli', 'build'])} --store {shlex.quote(str(built.root))}"
    cmd += f" --no-out-link {shlex.quote(str(EXAMPLE))} -A stream"
    if built.shell is not None:  # the session build passed the shell: the same derivation, already valid
        cmd += f" --arg shell {shlex.quote(str(built.shell))}"
    cmd += f") > {shlex.quote(str(tmp_path / 'image.tar'))}"
    proc = subprocess.run(["bash", "-c", f"set -e; {cmd}"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    image = tmp_path / "image.tar"
    assert_same_but_sandbox_owner(built, built.real("layeredUncompressed").read_bytes(), image.read_bytes())
    info = skopeo("inspect", f"docker-archive:{image}")
    assert info["Architecture"] == GOARCH and len(info["Layers"]) == len(manifest(image)["Layers"])


def _last_layer(path) -> tuple[dict[str, tarfile.TarInfo], dict[str, bytes]]:
    """The members of an archive's last layer, and the contents of its regular files."""
    with tarfile.open(path) as tar:
        layer = tar.extractfile(manifest(path)["Layers"][-1])
        with tarfile.open(fileobj=layer) as inner:  # type: ignore[arg-type]
            members = {m.name: m for m in inner.getmembers()}
            data = {m.name: inner.extractfile(m).read() for m in members.values() if m.isreg()}  # type: ignore[union-attr]
    return members, data


def test_fakechroot_commands_see_the_layer_as_root(built):
    members, data = _last_layer(built.real("viaFakechroot"))
    hello = built.paths["stream"]  # any logical path: its store dir is the image's
    store_dir = os.path.dirname(hello)
    link = members["./opt/app/hello"]
    assert link.issym() and link.linkname.startswith(store_dir + "/") and link.linkname.endswith("-hello/bin/hello")
    testfile = members["./testfile"]
    assert (testfile.uid, testfile.gid) == (12345, 12345)  # fakeroot recorded the chown
    assert data["./uid-in-commands"] == b"0\n"  # the commands ran as (fake) root
    # Mount points made for the commands (and the host's /usr) are not part of the layer.
    tops = {name.split("/")[1] for name in members if name.startswith("./") and name != "./"}
    assert not tops & {"dev", "proc", "sys", "nix", "usr"}
    assert all(m.mtime == 315532800 for name, m in members.items() if name.startswith("./"))


def test_fakechroot_image_runs_and_holds_its_references(built, oci_tools, tmp_path):
    archive = f"docker-archive:{built.real('viaFakechroot')}"
    config = skopeo("inspect", "--config", archive)["config"]
    assert config["Cmd"] == ["/opt/app/hello"] and config["WorkingDir"] == "/opt"
    subprocess.run(["skopeo", "--insecure-policy", "copy", archive, f"oci:{tmp_path}/layout:latest"], check=True)
    bundle = tmp_path / "bundle"
    subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{tmp_path}/layout:latest", str(bundle)], check=True)
    rootfs = bundle / "rootfs"
    target = os.readlink(rootfs / "opt/app/hello")
    assert (rootfs / target.lstrip("/")).is_file()  # the symlinked store path came along as a layer
    if not built.runnable:
        unavailable("no host dash to put in the image")
    run = "cd /opt && exec /opt/app/hello"
    unshare, chroot = shutil.which("unshare"), shutil.which("chroot")
    assert unshare is not None and chroot is not None
    cmd = [unshare, "--user", "--map-root-user", chroot, str(rootfs), "/bin/sh", "-c", run]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={"GREETING": "fakechroot", "PATH": "/bin"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Hello from a layered image (fakechroot in /opt)\n", proc.stderr


def test_fakechroot_refuses_a_layer_with_its_own_usr(built):
    expr = """with import <nixpkgs> { }; dockerTools.streamLayeredImage {
      name = "own-usr"; enableFakechroot = true; fakeRootCommands = "true";
      contents = [ (runCommand "has-usr" { } "mkdir -p $out/usr/bin") ];
    }"""
    proc = pydock("build", "--store", str(built.root), "--no-out-link", "-E", expr)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: builder for '/nix/store/")
    assert "-own-usr-customisation-layer.drv" in proc.stderr
    assert "enableFakechroot: the layer has its own /usr" in proc.stderr
    assert proc.stdout == ""


def _eval_json(built, expr: str):
    proc = pydock("eval", "--strict", "--json", "-E", example_expr(EXAMPLE, built.shell, expr))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _build_ok(built, expr: str) -> str:
    proc = _build(built, expr)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.nix_oracle
def test_debug_logs_the_layers_and_changes_nothing_else(built):
    expr = "e.stream.override { debug = true; }"
    _build_ok(built, expr)
    conf_drv = _eval_json(built, f"({expr}).conf.drvPath")
    log = subprocess.run(
        ["nix-store", "--store", f"local?root={built.root}", "-l", conf_drv], capture_output=True, text=True
    )
    assert log.returncode == 0, log.stderr
    debug_conf = json.loads((built.root / _eval_json(built, f"({expr}).conf.outPath").lstrip("/")).read_text())
    plain_conf = json.loads(open(shlex.split(built.real("stream").read_text().splitlines()[-1])[2]).read())
    assert debug_conf == plain_conf  # same layers, same image
    assert log.stdout.splitlines() == [f"layer {i}: {layer}" for i, layer in enumerate(plain_conf["store_layers"], 1)]


def test_passthru_and_meta_reach_the_results(built, oci_tools):
    expr = """let img = e.layeredUncompressed.override {
      passthru = { extra = 42; };
      meta = { description = "an image with metadata"; };
    }; in"""
    got = _eval_json(
        built,
        f"{expr} {{ x = img.extra; sx = img.stream.extra; d = img.meta.description; sd = img.stream.meta;"
        " t = img.imageTag; o = img.outPath == e.layeredUncompressed.outPath; }",
    )
    # passthru adds attributes without changing the derivation; meta is not hashed either, and
    # buildLayeredImage keeps it for itself (nixpkgs removes it from the stream's arguments).
    assert got == {"x": 42, "sx": 42, "d": "an image with metadata", "sd": {}, "t": "v1", "o": True}
    path = _build_ok(built, f"{expr} img")
    assert path == str(built.real("layeredUncompressed"))
    assert skopeo("inspect", f"docker-archive:{path}")["Env"] == ["GREETING=pydock", "PATH=/bin"]


def test_gzip_is_pigz_ntr_of_the_stream(built):
    """buildLayeredImage's default .tar.gz is byte for byte `pigz -nTR` of the uncompressed image, as in nixpkgs."""
    pigz = shutil.which("pigz")
    if pigz is None:
        unavailable("pigz not installed (Debian package pigz)")
    proc = subprocess.run(
        [pigz, "-nTR"], input=built.real("layeredUncompressed").read_bytes(), capture_output=True, check=True
    )
    assert built.real("layered").read_bytes() == proc.stdout


def test_fakechroot_on_an_empty_layer_may_create_any_top_directory(built):
    """With no contents, the commands still run (host tools) and may make /bin and /lib themselves."""
    expr = """with import <nixpkgs> { }; dockerTools.buildLayeredImage {
      name = "bare-fakechroot"; compressor = "none"; enableFakechroot = true;
      fakeRootCommands = "mkdir /bin /lib /ro; echo lib > /lib/x; chmod 555 /ro; chown 7:8 /lib/x";
    }"""
    proc = pydock("build", "--store", str(built.root), "--no-out-link", "-E", expr)
    assert proc.returncode == 0, proc.stderr
    members, data = _last_layer(proc.stdout.strip())
    assert sorted(members) == [".", "./bin", "./lib", "./lib/x", "./ro"]  # tarfile drops the trailing slashes
    assert data["./lib/x"] == b"lib\n" and (members["./lib/x"].uid, members["./lib/x"].gid) == (7, 8)
    assert stat.S_IMODE(members["./ro"].mode) == 0o555
