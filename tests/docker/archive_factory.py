"""Hand-made docker-archives for exportImage/mergeImages tests: honest inputs, not expected outputs."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Entry:
    """One layer member: a file (``data``), ``dir``, ``symlink``/``hardlink`` (``link``) or ``chr`` device."""

    name: str
    kind: str = "file"
    data: bytes = b""
    mode: int = 0o644
    link: str = ""
    size: int | None = None  # a declared size that differs from the data (hostile)

    def info(self) -> tarfile.TarInfo:
        ti = tarfile.TarInfo(self.name)
        ti.mode = self.mode
        ti.mtime = 1
        ti.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                   "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE}[self.kind]  # fmt: skip
        ti.linkname = self.link
        ti.size = len(self.data) if self.kind == "file" else 0
        return ti


def layer_tar(entries: list[Entry]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for e in entries:
            ti = e.info()
            if e.kind == "file":
                tar.addfile(ti, io.BytesIO(e.data))
            else:
                tar.addfile(ti)
    raw = buf.getvalue()
    for e in entries:
        if e.size is not None:  # rewrite the size field of that header (and its checksum)
            raw = _patch_size(raw, e.name, e.size)
    return raw


def _patch_size(raw: bytes, name: str, size: int) -> bytes:
    data = bytearray(raw)
    offset = 0
    while offset < len(data):
        header = data[offset : offset + 512]
        if header[:100].rstrip(b"\0").decode() == name:
            data[offset + 124 : offset + 136] = f"{size:011o}\0".encode()
            data[offset + 148 : offset + 156] = b" " * 8
            data[offset + 148 : offset + 156] = f"{sum(data[offset : offset + 512]):06o}\0 ".encode()
            return bytes(data)
        real = int(header[124:135].rstrip(b"\0 ") or b"0", 8)
        offset += 512 + (real + 511) // 512 * 512
    raise ValueError(name)


def image_archive(path: Path, layers: list[bytes], repo_tag: str = "hand/made:v1", manifest_layers=None) -> Path:
    """A docker-archive (``docker save`` layout) holding ``layers`` in order."""
    diff_ids = ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in layers]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"], "Env": ["A=1"]},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()  # fmt: skip
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    names = [f"layer{i}/layer.tar" for i in range(len(layers))]
    manifest = [{"Config": config_name, "RepoTags": [repo_tag], "Layers": manifest_layers or names}]
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in [(config_name, config), *zip(names, layers, strict=True),
                           ("manifest.json", json.dumps(manifest).encode())]:  # fmt: skip
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            tar.addfile(ti, io.BytesIO(data))
    return path


def tree_of_tar(path: Path) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    with tarfile.open(path) as tar:
        for m in tar:
            name = os.path.normpath(m.name)
            if name == ".":
                continue
            content = hashlib.sha256(tar.extractfile(m).read()).hexdigest() if m.isreg() else None  # type: ignore[union-attr]
            kind = "dir" if m.isdir() else "symlink" if m.issym() else "file" if m.isreg() or m.islnk() else m.type
            out[name] = (kind, stat.S_IMODE(m.mode) if kind != "symlink" else None, m.linkname if m.issym() else None,
                         content)  # fmt: skip
    return out


def tree_of_dir(root: Path) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            st = p.lstat()
            rel = str(p.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("symlink", None, os.readlink(p), None)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode), None, None)
            else:
                out[rel] = ("file", stat.S_IMODE(st.st_mode), None, hashlib.sha256(p.read_bytes()).hexdigest())
    return out
