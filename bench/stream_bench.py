"""Throughput of the layered-image streamer: two-pass (as nixpkgs' script) vs digest cache.

nixpkgs' stream_layered_image.py reads every layer twice (once to hash it, once to
write it). pydock remembers each layer's digest per set of immutable store paths, so
a rebuild reads each file once. This builds a synthetic store (``--mib`` of file
data in ``--paths`` store paths), streams the image to /dev/null cold (no cache: the
naive two-pass approach) and warm (cache hit), and prints MiB/s and the ratio.

    python bench/stream_bench.py [--mib 256] [--paths 40] [-n 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tarfile
import tempfile
import time

from pydock.builders.images.layer_cache import MemoryDigestCache
from pydock.builders.images.stream_layered import stream_layered_image


def make_store(root: str, mib: int, paths: int) -> list[str]:
    store = os.path.join(root, "nix", "store")
    os.makedirs(store)
    per_path = mib * 1024 * 1024 // paths
    block = os.urandom(1024 * 1024)
    made = []
    for i in range(paths):
        p = os.path.join(store, f"{i:032d}"[:32].replace("0", "a") + f"-pkg{i}")
        os.makedirs(os.path.join(p, "lib"))
        with open(os.path.join(p, "lib", "data.bin"), "wb") as f:
            left = per_path
            while left > 0:
                f.write(block[: min(left, len(block))])
                left -= len(block)
        made.append("/nix/store/" + os.path.basename(p))
    return made


def conf_for(paths: list[str], custom: str) -> dict:
    return {
        "architecture": "amd64",
        "config": {"Cmd": ["/bin/true"]},
        "created": "1970-01-01T00:00:01Z",
        "mtime": "1970-01-01T00:00:01Z",
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


def timed(conf: dict, real_path, cache) -> float:
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as out:
        stream_layered_image(conf, out, real_path=real_path, cache=cache)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("--paths", type=int, default=40)
    ap.add_argument("-n", "--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as root:
        paths = make_store(root, a.mib, a.paths)
        custom = os.path.join(root, "custom")
        os.makedirs(custom)
        # an empty customisation layer, laid out as nixpkgs' (layer.tar + its sha256)
        with tarfile.open(os.path.join(custom, "layer.tar"), "w", format=tarfile.PAX_FORMAT):
            pass
        with open(os.path.join(custom, "layer.tar"), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        with open(os.path.join(custom, "checksum"), "w") as f:
            f.write(digest)

        def real_path(p: str) -> str:
            return root + p if p.startswith("/nix/store/") else p

        conf = conf_for(paths, custom)
        cold = min(timed(conf, real_path, None) for _ in range(a.runs))
        cache = MemoryDigestCache()
        timed(conf, real_path, cache)
        warm = min(timed(conf, real_path, cache) for _ in range(a.runs))
        print(f"{'mode':<28} {'seconds':>8} {'MiB/s':>8}")
        print(f"{'two-pass (no cache, naive)':<28} {cold:>8.3f} {a.mib / cold:>8.1f}")
        print(f"{'one-pass (digest cache)':<28} {warm:>8.3f} {a.mib / warm:>8.1f}")
        print(f"speed-up {cold / warm:.2f}x")


if __name__ == "__main__":
    main()
