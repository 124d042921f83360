"""Pushing an image to a registry: ``pydock push`` against ``skopeo copy`` of the same OCI layout.

Builds a ``streamLayeredImage`` of ``--layers`` store paths holding ``--mib`` MiB of
random data in total with pydock (a private store), writes it as a gzip OCI layout,
starts Debian's ``docker-registry`` on 127.0.0.1 and times, each into a fresh
repository of a fresh registry:

* ``skopeo copy oci:LAYOUT docker://…`` (the oracle; its digest must equal pydock's),
* ``pydock push LAYOUT docker://…`` (blobs as stored),
* ``pydock push FILE -A ATTR docker://…`` with a cold and a warm digest cache
  (cold: each layer is compressed once to learn its digest, then again on the way up;
  no record of earlier pushes, so every blob is really uploaded),
* a second ``pydock push`` under a new tag (nothing uploaded).

    python bench/push_bench.py [--mib 128] [--layers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "builders" / "registry"))
from registry_support import start_registry  # noqa: E402

NIX = """
{ pkgs ? import <nixpkgs> { }, mib, layers }:
let
  blob = i: pkgs.runCommand "blob-${toString i}" { } ''
    mkdir -p $out && head -c ${toString (mib * 1024 * 1024 / layers)} /dev/urandom > $out/data
  '';
in pkgs.dockerTools.streamLayeredImage {
  name = "bench/push"; tag = "v1"; maxLayers = layers + 1;
  contents = map blob (pkgs.lib.range 1 layers);
}
"""


def run(*cmd: str, env: dict | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}… failed:\n{proc.stderr[-2000:]}")
    return took, proc.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    args = parser.parse_args()
    for tool in ("skopeo", "docker-registry"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    work = Path(tempfile.mkdtemp(prefix="push-bench-"))
    env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"), PYDOCK_DIGEST_CACHE=str(work / "digests"))
    pydock = [sys.executable, "-m", "pydock.cli"]
    nix = work / "image.nix"
    nix.write_text(NIX)
    image = ["--store", str(work / "store"), str(nix), "--arg", "mib", str(args.mib), "--arg", "layers",
             str(args.layers)]  # fmt: skip
    layout = work / "layout"
    run(*pydock, "build", *image, "--format", "oci-dir", "-o", str(layout), env=env)
    shutil.rmtree(work / "digests", ignore_errors=True)
    registry = start_registry(work / "registry")
    try:
        host = registry.host
        t_skopeo, _ = run("skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false", f"oci:{layout}",
                          f"docker://{host}/skopeo:v1")  # fmt: skip
        _, skopeo_digest = run("skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
                               f"docker://{host}/skopeo:v1")  # fmt: skip
        t_layout, d_layout = run(*pydock, "push", str(layout), f"docker://{host}/layout:v1", "--tls-verify=false",
                                 env=env)  # fmt: skip
        # No push record (so no mounts): real uploads from the store; cold, then warm digest cache.
        cold = env | {"XDG_CACHE_HOME": str(work / "cache-cold"), "PYDOCK_DIGEST_CACHE": str(work / "digests-2")}
        t_cold, d_cold = run(*pydock, "push", *image, f"docker://{host}/cold:v1", "--tls-verify=false", env=cold)
        warm = cold | {"XDG_CACHE_HOME": str(work / "cache-warm")}
        t_warm, d_warm = run(*pydock, "push", *image, f"docker://{host}/warm:v1", "--tls-verify=false", env=warm)
        t_again, _ = run(*pydock, "push", *image, f"docker://{host}/warm:v2", "--tls-verify=false", env=warm)
    finally:
        registry.stop()
        shutil.rmtree(work, ignore_errors=True)
    assert skopeo_digest == d_layout == d_cold == d_warm, (skopeo_digest, d_layout, d_cold, d_warm)
    print(f"image: {args.mib} MiB in {args.layers} layers, manifest {d_layout}")
    print(json.dumps({
        "skopeo copy oci:": round(t_skopeo, 2),
        "pydock push layout": round(t_layout, 2),
        "pydock push -A (cold digest cache)": round(t_cold, 2),
        "pydock push -A (warm digest cache)": round(t_warm, 2),
        "pydock push -A (new tag: nothing sent)": round(t_again, 2),
        "ratio pydock layout / skopeo": round(t_layout / t_skopeo, 2),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
