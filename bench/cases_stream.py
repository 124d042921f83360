"""Streaming a layered image: pydock's ``stream`` program against nixpkgs' ``stream_layered_image.py``.

The baseline is nixpkgs' own script (run from ``../shared/reference/nixpkgs``, never
copied), shown the fixture store at ``/nix/store`` by a bind mount in a private mount
namespace, as the test suite runs it (``tests/builders/images/nixpkgs_stream.py``).  It
makes two passes over every layer (hash, then write).  Both programs write into a pipe
that this process drains.

* steady: pydock with its digest cache warm (the store's own table, filled by a warm-up run);
* cold: pydock with an empty digest cache directory on every run (a first build);
* both page-cache warm; outputs must be byte-identical (checked on the warm-up runs).
"""

from __future__ import annotations

import os
import shutil
import tempfile

from bench.fixtures import image_fixture
from bench.measure import PYTHON, REPO, Measured, best_of, row, run_child

NIXPKGS = os.path.join(os.path.dirname(REPO), "shared", "reference", "nixpkgs")
SCRIPT = os.path.join(NIXPKGS, "pkgs", "build-support", "docker", "stream_layered_image.py")
_BIND = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'


def nixpkgs_stream_cmd(root: str, conf_file: str) -> list[str]:
    physical = os.path.join(root, "nix", "store")
    unshare = ["unshare", "--mount", "--propagation", "private"] if os.geteuid() == 0 else [
        "unshare", "--map-current-user", "--mount", "--propagation", "private"
    ]  # fmt: skip
    return [*unshare, "sh", "-c", _BIND, "sh", physical, "/nix/store", PYTHON, SCRIPT, conf_file]


def pydock_stream_cmd(root: str, conf_file: str, *extra: str) -> list[str]:
    return [PYTHON, "-m", "pydock.builders.images.stream_layered", conf_file, "--store-root", root, *extra]


def run(quick: bool) -> list[dict]:
    if not os.path.exists(SCRIPT):
        raise RuntimeError(f"nixpkgs' stream_layered_image.py is missing at {SCRIPT}")
    mib = 256 if quick else 1024
    runs = 2 if quick else 3
    fx = image_fixture(mib)
    cold_dirs = tempfile.mkdtemp(prefix="pydock-bench-digests-")
    try:
        base_cmd = nixpkgs_stream_cmd(fx.root, fx.conf_file)
        steady_cmd = pydock_stream_cmd(fx.root, fx.conf_file)
        # warm-up: page cache, the store's digest table, and the identity check
        ref = run_child(base_cmd, digest=True)
        mine = run_child(steady_cmd, digest=True)
        again = run_child(steady_cmd, digest=True)
        same = ref.sha256 == mine.sha256 == again.sha256

        def cold() -> Measured:
            fresh = tempfile.mkdtemp(dir=cold_dirs)
            return run_child(pydock_stream_cmd(fx.root, fx.conf_file, "--digest-cache", fresh))

        sides = {
            "nixpkgs": lambda: run_child(base_cmd),
            "steady": lambda: run_child(steady_cmd),
            "cold": cold,
        }
        best = best_of(runs, sides)
    finally:
        shutil.rmtree(cold_dirs, ignore_errors=True)
    size = ref.nbytes / 1e6
    note = f"{fx.files} files, {len(fx.store_paths)} layers" + ("" if same else "; OUTPUT DIFFERS")
    base = best["nixpkgs"]
    rows = []
    for key, label, want in (("steady", "steady (digests cached)", 6.0), ("cold", "cold (first build)", 1.0)):
        m = best[key]
        ok = same and base.wall / m.wall >= want and m.rss_mb < 100
        rows.append(
            row(
                f"stream {mib} MiB {label}",
                m,
                "nixpkgs stream_layered_image.py",
                base,
                target=f">= {want:g}x, RSS < 100 MB",
                met=ok,
                mb=size,
                note=note,
            )
        )
    return rows
