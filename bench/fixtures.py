"""Fixtures the cases build for themselves: a store full of synthetic packages, its image conf.

The store is a real pydock :class:`LocalStore` under a temporary root, so every path is
registered with its NarHash (what a pydock or Nix store always has), and nixpkgs' script
can be shown it at ``/nix/store`` through a bind mount.  File contents are hex text
(about 2:1 compressible, like binaries and libraries), sizes spread from a few hundred
bytes to several MiB so that per-file and per-byte costs both show.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import io
import json
import os
import random
import shutil
import tarfile
import tempfile
from dataclasses import dataclass

from pydock.store.local import LocalStore

_ROOTS: list[str] = []


def _cleanup() -> None:
    for root in _ROOTS:
        shutil.rmtree(root, ignore_errors=True)


atexit.register(_cleanup)


@dataclass(frozen=True)
class ImageFixture:
    root: str  # physical store root (paths live under root/nix/store)
    conf_file: str  # the streamLayeredImage conf (physical path)
    conf_store_path: str  # the same conf as a store path (what buildLayeredImage's builder reads)
    conf: dict
    store_paths: list[str]
    data_bytes: int  # file bytes in the store layers
    files: int


def _pool(rng: random.Random) -> bytes:
    return rng.randbytes(2 << 20).hex().encode()  # 4 MiB of hex text


def _fill_package(dest: str, budget: int, rng: random.Random, pool: bytes) -> int:
    """Files under ``dest`` (bin/, lib/, share/) adding up to ``budget`` bytes; returns the file count."""
    files = 0
    left = budget
    while left > 0:
        kind = rng.random()
        if kind < 0.01:
            size = rng.randint(1 << 20, 4 << 20)
        elif kind < 0.2:
            size = rng.randint(16 << 10, 256 << 10)
        else:
            size = rng.randint(200, 16 << 10)
        size = min(size, left)
        sub = ("bin", "lib", "share/doc", "share/locale")[files % 4]
        os.makedirs(os.path.join(dest, sub), exist_ok=True)
        start = rng.randrange(0, len(pool) - size) if size < len(pool) else 0
        data = pool[start : start + size]
        while len(data) < size:
            data += pool[: size - len(data)]
        with open(os.path.join(dest, sub, f"f{files:05d}"), "wb") as f:
            f.write(data)
        left -= size
        files += 1
    os.symlink("lib", os.path.join(dest, "lib64"))
    return files


@functools.cache
def image_fixture(mib: int, n_paths: int = 40, seed: int = 1) -> ImageFixture:
    """A store holding ``n_paths`` packages of ``mib`` MiB in total, and a conf putting each in its own layer."""
    rng = random.Random(seed)
    root = tempfile.mkdtemp(prefix="pydock-bench-store-")
    _ROOTS.append(root)
    store = LocalStore(root)
    pool = _pool(rng)
    work = tempfile.mkdtemp(prefix="src-", dir=root)
    total = mib << 20
    weights = [rng.lognormvariate(0, 1.2) for _ in range(n_paths)]
    scale = total / sum(weights)
    paths, files = [], 0
    for i, w in enumerate(weights):
        src = os.path.join(work, f"pkg{i}")
        os.makedirs(src)
        files += _fill_package(src, max(int(w * scale), 1), rng, pool)
        paths.append(store.add_path(src, f"pkg{i}-1.0"))
        shutil.rmtree(src)

    custom_src = os.path.join(work, "custom")
    os.makedirs(custom_src)
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("etc/hostname")
        info.size = 6
        t.addfile(info, io.BytesIO(b"bench\n"))
    with open(os.path.join(custom_src, "layer.tar"), "wb") as f:
        f.write(layer.getvalue())
    with open(os.path.join(custom_src, "checksum"), "w") as f:
        f.write(hashlib.sha256(layer.getvalue()).hexdigest())
    custom = store.add_path(custom_src, "customisation-layer")
    # Owned as Nix's build sandbox shows the store (65534), which is how buildLayeredImage's
    # builder writes this one header; the plain stream program then gives the same bytes.
    os.chown(os.path.join(store_real(root, custom), "layer.tar"), 65534, 65534)
    shutil.rmtree(work)

    conf = {
        "architecture": "amd64",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
        "created": "1970-01-01T00:00:01+00:00",
        "mtime": "1970-01-01T00:00:01+00:00",
        "uid": 0,
        "gid": 0,
        "uname": "root",
        "gname": "root",
        "repo_tag": "bench:latest",
        "from_image": None,
        "store_layers": [[p] for p in paths],
        "customisation_layer": custom,
        "store_dir": "/nix/store",
    }
    text = json.dumps(conf)
    conf_path = store.add_text("bench-conf.json", text, [*paths, custom])
    store.close()
    return ImageFixture(root, store_real(root, conf_path), conf_path, conf, paths, total, files)


def store_real(root: str, store_path: str) -> str:
    return os.path.join(root, "nix", "store", os.path.basename(store_path))
