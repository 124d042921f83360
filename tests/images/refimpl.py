"""An independent, minimal rendering of the streamLayeredImage archive, from dockertools-spec.md §1.3 / §0.1.

Written for the tests only and sharing no code with ``pydock.builders``: it collects
files with ``pathlib.rglob`` + ``sorted`` (the spec's wording) where the builder walks
directories, builds whole layers in memory, and packs headers field by field.  Base
image members are re-serialised with the standard library's ``tarfile`` (what nixpkgs
itself does).  Small inputs only.
"""

from __future__ import annotations

import grp
import hashlib
import io
import json
import os
import pathlib
import pwd
import stat
import tarfile
from datetime import datetime


def _pax(fields: dict[str, str]) -> bytes:
    out = b""
    for k, v in fields.items():
        body = f" {k}={v}\n".encode("utf-8", "surrogateescape")
        n = len(body) + 1
        while len(str(n)) + len(body) != n:
            n = len(str(n)) + len(body)
        out += str(n).encode() + body
    return out


def header(name, mode, uid, gid, size, mtime, typeflag, linkname="", uname="", gname="") -> bytes:
    """ustar header (+ a preceding ``x`` header for long / non-ASCII strings)."""
    pax = {}
    for key, value, width in (
        ("path", name, 100),
        ("linkpath", linkname, 100),
        ("uname", uname, 32),
        ("gname", gname, 32),
    ):
        if len(value) > width or any(ord(c) > 127 for c in value):
            pax[key] = value
    block = bytearray(512)

    def put(offset, width, data):
        block[offset : offset + len(data[:width])] = data[:width]

    ascii_ = lambda s: s.encode("ascii", "replace")  # noqa: E731
    put(0, 100, ascii_(name))
    put(100, 8, b"%07o\0" % (mode & 0o7777))
    put(108, 8, b"%07o\0" % uid)
    put(116, 8, b"%07o\0" % gid)
    put(124, 12, b"%011o\0" % size)
    put(136, 12, b"%011o\0" % mtime)
    put(148, 8, b" " * 8)
    put(156, 1, typeflag)
    put(157, 100, ascii_(linkname))
    put(257, 8, b"ustar\x0000")
    put(265, 32, ascii_(uname))
    put(297, 32, ascii_(gname))
    put(148, 7, b"%06o\0" % sum(block))
    if not pax:
        return bytes(block)
    records = _pax(pax)
    return header("././@PaxHeader", 0, 0, 0, len(records), 0, b"x") + pad(records) + bytes(block)


def pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 512)


def finish(data: bytes) -> bytes:
    data += b"\0" * 1024
    return data + b"\0" * (-len(data) % 10240)


def layer_tar(paths, real, mtime, uid, gid, uname, gname) -> bytes:
    out = b""
    for d in ("/nix/", "/nix/store/"):
        out += header(d, 0o755, uid, gid, 0, mtime, b"5", "", uname, gname)
    for sp in paths:
        phys = pathlib.Path(real(sp))
        files = [phys] if phys.is_symlink() else [phys, *phys.rglob("*")]
        for f in sorted(files):
            st = os.lstat(f)
            name = sp + str(f)[len(str(phys)) :]
            if stat.S_ISDIR(st.st_mode):
                out += header(name + "/", st.st_mode, uid, gid, 0, mtime, b"5", "", uname, gname)
            elif stat.S_ISLNK(st.st_mode):
                out += header(name, st.st_mode, uid, gid, 0, mtime, b"2", os.readlink(f), uname, gname)
            else:
                data = f.read_bytes()
                out += header(name, st.st_mode, uid, gid, len(data), mtime, b"0", "", uname, gname) + pad(data)
    return finish(out)


def image(conf: dict, real=lambda p: p, now: datetime | None = None, owner=None) -> bytes:
    """The whole archive; ``owner`` = (uid, gid, uname, gname) of the customisation layer.tar file."""
    when = lambda s: now if s == "now" else datetime.fromisoformat(s)  # noqa: E731
    created, mtime = when(conf["created"]), int(when(conf["mtime"]).timestamp())
    ids = (int(conf["uid"]), int(conf["gid"]), conf["uname"], conf["gname"])
    out, layers, config = b"", [], dict(conf["config"])
    if conf["from_image"]:
        with tarfile.open(real(conf["from_image"])) as base:
            manifest = json.load(base.extractfile("manifest.json"))
            base_conf = json.load(base.extractfile(manifest[0]["Config"]))
            for name, diff in zip(manifest[0]["Layers"], base_conf["rootfs"]["diff_ids"], strict=False):
                ti = base.getmember(name)
                out += ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape") + pad(base.extractfile(ti).read())
                layers.append((name, diff.removeprefix("sha256:"), [name]))
        env = base_conf["config"].get("Env", []) + config.get("Env", [])
        if env:
            config["Env"] = list({e.split("=", 1)[0]: e for e in env}.values())
    for paths in conf["store_layers"]:
        data = layer_tar(paths, real, mtime, *ids)
        digest = hashlib.sha256(data).hexdigest()
        out += header(f"{digest}/layer.tar", 0o644, 0, 0, len(data), mtime, b"0") + pad(data)
        layers.append((f"{digest}/layer.tar", digest, paths))
    custom = real(conf["customisation_layer"])
    checksum = open(os.path.join(custom, "checksum")).read().strip()
    data = open(os.path.join(custom, "layer.tar"), "rb").read()
    st = os.lstat(os.path.join(custom, "layer.tar"))
    uid, gid, un, gn = owner or (st.st_uid, st.st_gid, pwd.getpwuid(st.st_uid)[0], grp.getgrgid(st.st_gid)[0])
    out += header(f"{checksum}/layer.tar", st.st_mode, uid, gid, len(data), mtime, b"0", "", un, gn) + pad(data)
    layers.append((f"{checksum}/layer.tar", checksum, [conf["customisation_layer"]]))
    stamp = created.isoformat()
    cfg = json.dumps(
        {
            "created": stamp,
            "architecture": conf["architecture"],
            "os": "linux",
            "config": config,
            "rootfs": {"diff_ids": ["sha256:" + d for _, d, _ in layers], "type": "layers"},
            "history": [{"created": stamp, "comment": "store paths: " + repr(p)} for _, _, p in layers],
        },
        indent=4,
    ).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    manifest = json.dumps(
        [{"Config": cfg_name, "RepoTags": [conf["repo_tag"]], "Layers": [n for n, _, _ in layers]}], indent=4
    ).encode()
    for name, data in ((cfg_name, cfg), ("manifest.json", manifest)):
        out += header(name, 0o644, 0, 0, len(data), mtime, b"0") + pad(data)
    return finish(out)


def members(archive: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(archive)) as t:
        return t.getmembers()
