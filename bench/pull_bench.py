"""Pulling an image from a registry: pydock's client against skopeo (what nixpkgs' pullImage runs).

Starts Debian's ``docker-registry`` on 127.0.0.1 with a temporary root, pushes a
synthetic image (``--layers`` layers of ``--mib`` MiB of random data in total)
with skopeo, then pulls it by digest into a docker-archive ``-n`` times each way:
``skopeo copy docker://…@DIGEST docker-archive:…`` and pydock's
``pull_docker_archive``.  Both archives must be byte-identical; the script prints
the best times and the ratio.

    python bench/pull_bench.py [--mib 128] [--layers 4] [-n 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import socket
import subprocess
import tarfile
import tempfile
import time

import requests
from pydock.builders.images.docker_pull import PullRequest, pull_docker_archive


def make_archive(path: str, mib: int, layers: int) -> None:
    blobs = []
    for i in range(layers):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            data = os.urandom(mib * 1024 * 1024 // layers)
            ti = tarfile.TarInfo(f"data/layer{i}.bin")
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))
        blobs.append(buf.getvalue())
    diff_ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()  # fmt: skip
    names = [f"l{i}.tar" for i in range(layers)]
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["bench/image:v1"], "Layers": names}]).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in [("config.json", config), *zip(names, blobs, strict=True), ("manifest.json", manifest)]:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tar.addfile(ti, io.BytesIO(data))


def best(fn, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mib", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("-n", type=int, default=3)
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pull-bench-") as work:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = os.path.join(work, "registry.yml")
        with open(config, "w") as f:
            f.write(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {work}/data\n"
                    f"http:\n  addr: 127.0.0.1:{port}\n")  # fmt: skip
        registry = subprocess.Popen(
            ["docker-registry", "serve", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            for _ in range(100):
                try:
                    requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            src = os.path.join(work, "src.tar")
            make_archive(src, opts.mib, opts.layers)
            ref = f"127.0.0.1:{port}/bench/image"
            subprocess.run(["skopeo", "copy", "-q", "--dest-tls-verify=false", f"docker-archive:{src}",
                            f"docker://{ref}:v1"], check=True)  # fmt: skip
            inspect = ["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", f"docker://{ref}:v1"]
            digest = subprocess.run(inspect, check=True, capture_output=True, text=True).stdout.strip()
            by_skopeo = os.path.join(work, "skopeo.tar")
            by_pydock = os.path.join(work, "pydock.tar")

            def skopeo() -> None:
                if os.path.exists(by_skopeo):
                    os.unlink(by_skopeo)
                copy = ["skopeo", "--insecure-policy", "copy", "-q", "--src-tls-verify=false"]
                subprocess.run(
                    [*copy, f"docker://{ref}@{digest}", f"docker-archive:{by_skopeo}:bench/image:v1"], check=True
                )

            def pydock() -> None:
                scratch = tempfile.mkdtemp(dir=work)
                pull_docker_archive(PullRequest(ref, digest, "bench/image", "v1", tls_verify=False), by_pydock, scratch)

            t_skopeo = best(skopeo, opts.n)
            t_pydock = best(pydock, opts.n)
            same = open(by_skopeo, "rb").read() == open(by_pydock, "rb").read()
            print(f"image: {opts.mib} MiB in {opts.layers} layers, best of {opts.n}")
            print(f"skopeo copy (nixpkgs' pullImage): {t_skopeo:7.3f} s  {opts.mib / t_skopeo:7.1f} MiB/s")
            print(f"pydock pull_docker_archive:       {t_pydock:7.3f} s  {opts.mib / t_pydock:7.1f} MiB/s")
            print(f"ratio pydock/skopeo: {t_pydock / t_skopeo:.2f}   archives identical: {same}")
        finally:
            registry.terminate()
            registry.wait()


if __name__ == "__main__":
    main()
