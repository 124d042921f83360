"""The ``docker-build-image`` builtin builder: ``dockerTools.buildImage``'s "docker save" (v1.2) archive.

The layer derivation has already written ``layer.tar``; this does what nixpkgs'
assembling shell step does (spec §5.3): unpack ``fromImage``, compute the layer's
TarSum (§7.3), append the store paths of the layer's closure that the base does
not hold (host GNU tar ``-r`` with nixpkgs' flags), write the layer ``json``
(jshon format) whose sha256 is the layer id, the image config and
``manifest.json`` (jq format), ``repositories``, then tar the directory with GNU
tar and compress it (``pigz -nTR`` / ``zstd`` when present, Python otherwise).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import tarfile
from typing import Any

from pydock.builders.images.docker_conf import jq_dumps
from pydock.builders.images.docker_stream import compress_command
from pydock.builders.images.image_unpack import extract_image_archive, flatten_image, member_name, plain_tar
from pydock.builders.realisation.builtin_builders import BuildContext, builtin_builder
from pydock.builders.realisation.host_namespaces import HOST_PATH, run_in_host_namespaces
from pydock.store.hashes import hash_file

__all__ = ["docker_build_image", "jshon_dumps", "tarsum"]

EPOCH = "315532800"
TAR_FLAGS = ["--hard-dereference", "--sort=name", f"--mtime=@{EPOCH}"]


def jshon_dumps(value: Any) -> str:
    """jansson with ``JSON_INDENT(1)``: 1-space indentation, insertion order, raw UTF-8, trailing newline."""
    return json.dumps(value, indent=1, ensure_ascii=False) + "\n"


def tarsum(path: str) -> str:
    """Docker TarSum v1 (sha256) of an uncompressed tar: sorted per-member digests, hashed again."""
    sums: list[str] = []
    with tarfile.open(path, "r:") as tar:
        for m in tar:
            h = hashlib.sha256()
            name = m.name
            if m.isdir() and not name.endswith("/"):
                name += "/"
            fields = [
                ("name", name),
                ("mode", str(m.mode)),
                ("uid", str(m.uid)),
                ("gid", str(m.gid)),
                ("size", str(m.size)),
                ("typeflag", m.type.decode()),
                ("linkname", m.linkname),
                ("uname", m.uname),
                ("gname", m.gname),
                ("devmajor", str(m.devmajor)),
                ("devminor", str(m.devminor)),
            ]
            for key, value in fields:
                h.update(key.encode() + value.encode())
            for key in sorted(m.pax_headers):
                if key.startswith("SCHILY.xattr."):
                    h.update(key[len("SCHILY.xattr.") :].encode() + m.pax_headers[key].encode())
            if m.isreg():
                f = tar.extractfile(m)
                assert f is not None
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            sums.append(h.hexdigest())
    total = hashlib.sha256("".join(sorted(sums)).encode())
    return "tarsum.v1+sha256:" + total.hexdigest()


def _member_paths(tar_path: str) -> set[str]:
    """Each member as ``/relative/path`` (no ``./``, no trailing slash)."""
    out: set[str] = set()
    with tarfile.open(tar_path, "r:") as tar:
        for name in tar.getnames():
            rel = name[2:] if name.startswith("./") else name.lstrip("/")
            out.add("/" + rel.rstrip("/"))
    return out


def _walk(root_real: str, logical: str) -> list[str]:
    """``find <logical>``: the path and everything below it (symlinks not followed)."""
    found = [logical]
    if os.path.isdir(root_real) and not os.path.islink(root_real):
        for dirpath, dirnames, filenames in os.walk(root_real):
            rel = os.path.relpath(dirpath, root_real)
            base = logical if rel == "." else f"{logical}/{rel}"
            found += [f"{base}/{n}" for n in dirnames + filenames]
    return found


def _unpack_base(ctx: BuildContext, attrs: dict[str, Any], image: str) -> tuple[list[str], list[str], str | None]:
    """Unpack fromImage into ``image``; its layer list, config Env and the parent (base image) id."""
    # fromImage is untrusted: unpack it without letting an entry land outside ``image``.
    what = f"fromImage '{os.path.basename(attrs['fromImage'])}'"
    source = plain_tar(ctx.real_path(attrs["fromImage"]), os.path.dirname(image), what)
    extract_image_archive(source, image, what, ctx.log)
    for dirpath, dirnames, _files in os.walk(image):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    with open(os.path.join(image, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    layers = list(manifest[0]["Layers"])
    for name in [*layers, manifest[0]["Config"]]:
        member_name(name, what)
    with open(os.path.join(image, manifest[0]["Config"]), encoding="utf-8") as f:
        base_envs = ((json.load(f).get("config") or {}).get("Env")) or []
    entry: dict[str, Any] | None = manifest[0]
    name, tag = attrs.get("fromImageName"), attrs.get("fromImageTag")
    if name and tag:
        # nixpkgs picks the parent id by RepoTag (layers and Env still come from the first
        # image); no match leaves the layer without a parent, which pydock reports.
        entry = next((e for e in manifest if f"{name}:{tag}" in (e.get("RepoTags") or [])), None)
        if entry is None:
            ctx.log(f"warning: fromImage has no image tagged '{name}:{tag}'; the new layer gets no parent")
    parent = entry["Config"].removesuffix(".json") if entry is not None else None
    for n in os.listdir(image):
        if n.endswith(".json"):
            os.unlink(os.path.join(image, n))
    return layers, base_envs, parent


def _append_store_paths(ctx: BuildContext, attrs: dict[str, Any], layer_tar: str, base_files: set[str]) -> None:
    closure = [node["path"] for node in attrs.get("layerClosure") or []]
    layer_path = attrs["layer"]
    store_dir = attrs["storeDir"]
    layer_files: set[str] = set()
    for path in closure:
        if path == layer_path:
            continue
        layer_files.update(p for p in _walk(ctx.real_path(path), path) if layer_path not in p)
    new = sorted(p for p in layer_files if p not in base_files)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    common = [*TAR_FLAGS, "--owner=0", "--group=0", "--no-recursion", "--verbatim-files-from"]
    if len(closure) > 1 and store_dir not in base_files:
        # `mkdir -p nix/store; chmod -R 555 nix`, appended as ./nix and ./nix/store.
        top = os.path.join(ctx.build_dir, "store-dirs")
        os.makedirs(top + store_dir)
        dirs = []
        parts = [p for p in store_dir.split("/") if p]
        for i in range(len(parts)):
            dirs.append("./" + "/".join(parts[: i + 1]))
        for d in reversed(dirs):
            os.chmod(os.path.join(top, d), 0o555)
        subprocess.run(["tar", "-rpf", layer_tar, *common, "-C", top, *dirs], check=True, env=env)
    if not new:
        return
    # Store files live under the store's physical root: name them relative to it.
    some = closure[0]
    root = ctx.real_path(some)[: -len(some)] or "/"
    listing = os.path.join(ctx.build_dir, "newFiles")
    with open(listing, "w", encoding="utf-8") as f:
        f.writelines(p.lstrip("/") + "\n" for p in new)
    subprocess.run(["tar", "-rpf", layer_tar, *common, "-C", root, "--files-from", listing], check=True, env=env)


def _make_read_only(top: str) -> None:
    for dirpath, _dirnames, filenames in os.walk(top):
        for n in filenames:
            p = os.path.join(dirpath, n)
            os.chmod(p, stat.S_IMODE(os.lstat(p).st_mode) & ~0o222)
    for dirpath, _dirnames, _filenames in sorted(os.walk(top), key=lambda t: -len(t[0])):
        os.chmod(dirpath, stat.S_IMODE(os.stat(dirpath).st_mode) & ~0o222)


@builtin_builder("docker-build-image")
def docker_build_image(drv, ctx: BuildContext) -> None:
    with open(ctx.env["NIX_ATTRS_JSON_FILE"], encoding="utf-8") as f:
        attrs = json.load(f)
    image_name = attrs["imageName"]
    image_tag = attrs.get("imageTag") or os.path.basename(ctx.output_paths["out"]).split("-", 1)[0]
    image = os.path.join(ctx.build_dir, "image")
    os.mkdir(image)
    layers: list[str] = []
    base_envs: list[str] = []
    parent = None
    base_files: set[str] = set()
    if attrs.get("fromImage"):
        layers, base_envs, parent = _unpack_base(ctx, attrs, image)
        for layer in layers:
            base_files |= _member_paths(os.path.join(image, layer))
    with open(ctx.real_path(attrs["baseJson"]), encoding="utf-8") as f:
        base_json: dict[str, Any] = json.load(f)

    temp = os.path.join(ctx.build_dir, "temp")
    os.mkdir(temp)
    layer_tar = os.path.join(temp, "layer.tar")
    source_tar = ctx.real_path(attrs["layer"] + "/layer.tar")
    shutil.copyfile(source_tar, layer_tar)
    os.chmod(layer_tar, 0o644)
    checksum = tarsum(layer_tar)
    base_files |= _member_paths(layer_tar)
    _append_store_paths(ctx, attrs, layer_tar, base_files)

    layer_json = dict(base_json)
    layer_json["checksum"] = checksum
    if parent:
        layer_json["parent"] = parent
    layer_id = hashlib.sha256(jshon_dumps(layer_json).encode()).hexdigest()
    layer_json["id"] = layer_id
    layer_json["Size"] = os.path.getsize(layer_tar)
    with open(os.path.join(temp, "json"), "w", encoding="utf-8") as f:
        f.write(jshon_dumps(layer_json))
    with open(os.path.join(temp, "VERSION"), "w", encoding="utf-8") as f:
        f.write("1.0")
    os.rename(temp, os.path.join(image, layer_id))
    layers.append(f"{layer_id}/layer.tar")

    config = dict(base_json)
    inner = dict(config.get("config") or {})
    inner["Env"] = base_envs + (inner.get("Env") or [])
    config["config"] = inner
    config["rootfs"] = {"diff_ids": [], "type": "layers"}
    config["history"] = []
    for layer in layers:
        config["history"].append({"created": base_json["created"]})
        config["rootfs"]["diff_ids"].append("sha256:" + hash_file("sha256", os.path.join(image, layer)).hex)
    config_text = jq_dumps(config)
    config_name = hashlib.sha256(config_text.encode()).hexdigest() + ".json"
    files = {
        config_name: config_text,
        "manifest.json": jq_dumps(
            [{"RepoTags": [f"{image_name}:{image_tag}"], "Layers": layers, "Config": config_name}]
        ),
        "repositories": jshon_dumps({image_name: {image_tag: layer_id}}),
    }
    for name, text in files.items():
        with open(os.path.join(image, name), "w", encoding="utf-8") as f:
            f.write(text)
    _make_read_only(image)
    _write_archive(ctx, image, attrs.get("compressor", "gz"))


def _write_archive(ctx: BuildContext, image: str, compressor: str) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    tar_cmd = ["tar", "-C", image, *TAR_FLAGS, "--owner=0", "--group=0", "--xform", "s:^./::", "-c", "."]
    with open(ctx.outputs["out"], "wb") as out:
        if compressor == "none":
            subprocess.run(tar_cmd, stdout=out, check=True, env=env)
            return
        cmd = compress_command(compressor, int(ctx.env.get("NIX_BUILD_CORES") or os.cpu_count() or 1))
        tar = subprocess.Popen(tar_cmd, stdout=subprocess.PIPE, env=env)
        assert tar.stdout is not None
        try:
            if cmd is not None:
                subprocess.run(cmd, stdin=tar.stdout, stdout=out, check=True)
            elif compressor == "gz":
                import gzip

                with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
                    shutil.copyfileobj(tar.stdout, gz)
            else:
                import zstandard

                with zstandard.ZstdCompressor(level=3).stream_writer(out, closefd=False) as zw:
                    shutil.copyfileobj(tar.stdout, zw)
        finally:
            tar.stdout.close()
            if tar.wait() != 0:
                raise RuntimeError(f"tar failed with exit status {tar.returncode}")


@builtin_builder("docker-run-as-root-layer")
def docker_run_as_root_layer(drv, ctx: BuildContext) -> None:
    """runAsRoot's layer: the derivation's bash (``inner``) run in user, mount and PID namespaces on the host."""
    env = dict(ctx.env)
    store_dir = env["storeDir"]

    def real(path: str) -> str:
        return ctx.real_path(path) if path.startswith(store_dir + "/") else path

    env["copyToRoot"] = " ".join(real(p) for p in env.get("copyToRoot", "").split())
    if env.get("fromImage"):
        # The untrusted base image is flattened here, in Python, before any shell runs as root.
        root = os.path.join(ctx.build_dir, "root")
        os.mkdir(root, 0o755)
        work = os.path.join(ctx.build_dir, "from-image")
        os.mkdir(work)
        what = f"fromImage '{os.path.basename(env['fromImage'])}'"
        layers_of = env.get("fromImageName") or None, env.get("fromImageTag") or None
        flatten_image(real(env["fromImage"]), root, work, what, *layers_of, ctx.log, missing_tag_ok=True)
        shutil.rmtree(work)
    script = env["runAsRoot"]
    env["runAsRoot"] = real(script)
    env["storeReal"] = env["runAsRoot"][: -len(script)] + store_dir  # the store directory's physical location
    env["out"] = ctx.outputs["out"]
    env["PATH"] = HOST_PATH
    env["HOME"] = "/homeless-shelter"
    os.mkdir(ctx.outputs["out"])
    run_in_host_namespaces("dockerTools.buildImage: runAsRoot", env["inner"], env, ctx.build_dir, ctx.log)
