"""buildLayeredImage's compressed image file against ``stream | pigz -nTR`` / ``stream | zstd -T0``.

pydock side: the ``docker-stream-to-file`` builtin builder (what ``buildLayeredImage``
with ``compressor = "gz"``/``"zstd"`` runs), writing its output to this process' pipe.
Its time is the builder call alone, measured inside the child: in ``pydock build`` the
interpreter is running and the store open before the builder starts.  The baseline's
time is the whole pipeline's wall time, interpreter start-up of ``stream`` included, as
nixpkgs' build pays it.
Baseline: the shell pipeline nixpkgs' table describes, with pydock's own ``stream``
program as the producer (steady state, so both sides stream the same way and the
comparison is about how the compressor is fed).  gz output must be byte-identical.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import tempfile

from bench.cases_stream import pydock_stream_cmd
from bench.fixtures import image_fixture
from bench.measure import PYTHON, Measured, best_of, row, run_child

_BUILDER = """
import sys, time
from pydock.builders.realisation.builtin_builders import BuildContext
from pydock.builders.images.docker_stream import docker_stream_to_file
from pydock.store.local import LocalStore
root, conf, compressor, build_dir, timing = sys.argv[1:6]
store = LocalStore(root)
ctx = BuildContext(drv_path="", drv=None, store=store, outputs={"out": "/dev/stdout"}, output_paths={},
                   env={"conf": conf, "compressor": compressor}, build_dir=build_dir)
t0 = time.perf_counter()
docker_stream_to_file(None, ctx)
with open(timing, "w") as f:
    f.write(repr(time.perf_counter() - t0))
"""

COMPRESSORS = {"gz": "pigz -nTR", "zstd": "zstd -T0 -q -c"}


def run(quick: bool) -> list[dict]:
    mib = 64 if quick else 512
    runs = 3
    fx = image_fixture(mib)
    rows = []
    with tempfile.TemporaryDirectory() as build_dir:
        stream = shlex.join(pydock_stream_cmd(fx.root, fx.conf_file))
        run_child(["sh", "-c", f"{stream} >/dev/null"])  # fills the digest table: steady state
        for comp, tool in COMPRESSORS.items():
            base_cmd = ["sh", "-c", f"{stream} | {tool}"]
            timing = os.path.join(build_dir, "elapsed")
            mine_cmd = [PYTHON, "-c", _BUILDER, fx.root, fx.conf_store_path, comp, build_dir, timing]

            def builder(cmd: list[str] = mine_cmd, digest: bool = False) -> Measured:
                m = run_child(cmd, digest=digest)
                with open(timing) as f:
                    return dataclasses.replace(m, wall=float(f.read()))

            ref = run_child(base_cmd, digest=True)
            mine = builder(digest=True)
            best = best_of(runs, {"base": lambda c=base_cmd: run_child(c), "mine": builder})
            same = ref.sha256 == mine.sha256
            ratio = best["base"].wall / best["mine"].wall
            want_same = comp == "gz"
            rows.append(
                row(
                    f"buildLayeredImage {comp} {mib} MiB",
                    best["mine"],
                    f"stream | {tool.split(' -q')[0]}",
                    best["base"],
                    target=">= 1.0x" + (", same bytes" if want_same else ""),
                    met=ratio >= 1.0 and (same or not want_same),
                    mb=fx.data_bytes / 1e6,
                    note=f"output {mine.nbytes / 1e6:.0f} MB, " + ("identical" if same else "bytes differ"),
                )
            )
    return rows
