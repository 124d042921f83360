"""streamLayeredImage archives as real clients see them: skopeo reads them, umoci unpacks them, the rootfs runs.

The image carries the host's ``dash`` and its two shared objects as a store path, and
the customisation layer links ``/bin/sh`` and the loader paths to it, so the unpacked
rootfs can execute the config's Entrypoint + Cmd under ``chroot`` (root only).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess

import pytest
from fakestore import SOURCE_DATE_EPOCH, STORE_DIR, make_conf, sample_store
from pydock.builders.images.layering import auto_layer
from pydock.builders.images.stream_layered import stream_layered_image

from nix_compat_tests.support import unavailable


def _host_shell() -> tuple[str, dict[str, str]] | None:
    """``/bin/dash`` and ``{absolute soname path: real file}`` of what it loads, if this host has them."""
    dash = shutil.which("dash")
    if dash is None:
        return None
    libs = {}
    for line in subprocess.run(["ldd", dash], capture_output=True, text=True).stdout.splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            libs[m.group(1)] = os.path.realpath(m.group(1))
    return (os.path.realpath(dash), libs) if libs else None


@pytest.fixture(scope="module")
def image(tmp_path_factory, oci_tools):
    """An image of the sample store (auto-layered, limit 20) plus a runnable shell; its tar, conf and store."""
    root = str(tmp_path_factory.mktemp("client-store"))
    store, p = sample_store(STORE_DIR, root, many=120)
    shell = _host_shell()
    custom_tree: dict = {
        "etc": {"motd": b"welcome\n", "empty": {}},
        "bin": {"hello": ("link", p["hello"] + "/bin/hello")},
    }
    if shell is not None:
        dash, libs = shell
        files = {"sh": ("x", open(dash, "rb").read())}
        files.update({os.path.basename(k): ("x", open(v, "rb").read()) for k, v in libs.items()})
        p["dash"] = store.add_tree("dash-host", {"bin": {"sh": files.pop("sh")}, "lib": files})
        custom_tree["bin"]["sh"] = ("link", p["dash"] + "/bin/sh")
        for soname in libs:
            parts = soname.strip("/").split("/")
            node = custom_tree
            for d in parts[:-1]:
                node = node.setdefault(d, {})
            node[parts[-1]] = ("link", f"{p['dash']}/lib/{parts[-1]}")
    custom = store.add_customisation_layer("client", custom_tree)
    customisation_layers = {sp for sp in store.references if sp.endswith("-customisation-layer")}
    layers = auto_layer(store.graph(), customisation_layers, 19)
    conf = make_conf(
        store,
        layers,
        custom,
        config={
            "Entrypoint": ["/bin/sh", "-c"],
            "Cmd": ["echo $((6*7)) $GREETING; read m < /etc/motd; echo $m; test -L /bin/hello && echo linked"],
            "Env": ["GREETING=hi", "PATH=/bin"],
        },
    )
    tar = tmp_path_factory.mktemp("image") / "image.tar"
    with open(tar, "wb") as f:
        result = stream_layered_image(conf, f, real_path=store.real_path)
    return {"tar": str(tar), "conf": conf, "store": store, "p": p, "result": result, "shell": shell is not None}


def _skopeo(*args: str) -> dict:
    out = subprocess.run(["skopeo", "--insecure-policy", *args], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_skopeo_inspect(image):
    info = _skopeo("inspect", "docker-archive:" + image["tar"])
    result = image["result"]
    assert info["Architecture"] == "amd64" and info["Os"] == "linux"
    assert info["Layers"] == [f"sha256:{layer.diff_id}" for layer in result.layers]
    assert len(info["Layers"]) == len(image["conf"]["store_layers"]) + 1 <= 20
    assert info["Env"] == ["GREETING=hi", "PATH=/bin"]
    assert info["Created"].startswith("1970-01-01T00:00:01")
    config = _skopeo("inspect", "--config", "docker-archive:" + image["tar"])
    assert config["config"]["Entrypoint"] == ["/bin/sh", "-c"]
    assert config["config"]["Cmd"] == image["conf"]["config"]["Cmd"]
    assert config["rootfs"]["diff_ids"] == info["Layers"]


@pytest.fixture(scope="module")
def rootfs(image, tmp_path_factory):
    work = tmp_path_factory.mktemp("oci")
    subprocess.run(
        ["skopeo", "--insecure-policy", "copy", "docker-archive:" + image["tar"], f"oci:{work}/layout:v1"],
        check=True,
        capture_output=True,
    )
    bundle = work / "bundle"
    subprocess.run(
        ["umoci", "unpack", "--rootless", "--image", f"{work}/layout:v1", str(bundle)], check=True, capture_output=True
    )
    return str(bundle / "rootfs")


def test_unpacked_tree(image, rootfs):
    p = image["p"]
    store = image["store"]

    def at(path: str) -> str:
        return rootfs + path

    for name, sp in p.items():
        if name == "custom":
            assert not os.path.lexists(at(sp))  # the customisation layer's store path itself is not shipped
        else:
            assert os.path.lexists(at(sp)), name
    libc = p["libc"]
    assert open(at(f"{libc}/lib/libc.so"), "rb").read() == open(store.real_path(libc) + "/lib/libc.so.6", "rb").read()
    assert os.readlink(at(f"{libc}/lib/ld-linux.so.2")) == "libc.so.6"
    assert os.readlink(at(p["link"])) == p["hello"] + "/bin"
    assert os.path.isdir(at(f"{libc}/share/empty")) and os.listdir(at(f"{libc}/share/empty")) == []
    assert stat.S_IMODE(os.stat(at(p["hello"] + "/bin/hello")).st_mode) == 0o555
    assert stat.S_IMODE(os.stat(at(p["data"])).st_mode) == 0o444
    assert os.lstat(at(p["data"])).st_mtime == 1
    assert os.lstat(at(f"{libc}/.hidden")).st_mtime == 1
    long_dir = at(p["hello"] + "/share/" + "very-long-directory-name-" * 3)
    assert os.listdir(long_dir) == ["file-with-a-long-name-" * 4 + ".txt"]
    assert os.path.exists(at(p["hello"] + "/share/ünïcödé.txt"))
    assert open(at("/etc/motd")).read() == "welcome\n"
    assert os.lstat(at("/etc/motd")).st_mtime == SOURCE_DATE_EPOCH
    assert os.readlink(at("/bin/hello")) == p["hello"] + "/bin/hello"
    assert os.path.isdir(at("/etc/empty"))
    assert sorted(os.listdir(at("/nix/store"))) == sorted(os.path.basename(sp) for k, sp in p.items() if k != "custom")


def test_rootfs_runs_the_configured_command(image, rootfs):
    if not image["shell"]:
        unavailable("no dynamically linked dash on this host to put into the image")
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    if os.geteuid() != 0 or not os.path.exists(chroot):
        message = "chroot (as root) is needed to run the rootfs"
        unavailable(message)
    config = _skopeo("inspect", "--config", "docker-archive:" + image["tar"])["config"]
    env = dict(e.split("=", 1) for e in config["Env"])
    proc = subprocess.run(
        [chroot, rootfs, *config["Entrypoint"], *config["Cmd"]], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "42 hi\nwelcome\nlinked\n"
