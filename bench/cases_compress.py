"""buildLayeredImage's compressed image file against ``stream | pigz -nTR`` / ``stream | zstd -T0``.

pydock side: the ``docker-stream-to-file`` builtin builder (what ``buildLayeredImage``
with ``compressor = "gz"``/``"zstd"`` runs), writing its output to this process' pipe.
Baseline: the shell pipeline nixpkgs' table describes, with pydock's own ``stream``
program as the producer (steady state, so both sides stream the same way and the
comparison is about how the compressor is fed).  gz output must be byte-identical.
"""

from __future__ import annotations

import shlex
import tempfile

from bench.cases_stream import pydock_stream_cmd
from bench.fixtures import image_fixture
from bench.measure import PYTHON, best_of, row, run_child

_BUILDER = """
import sys
from pydock.builders.realisation.builtin_builders import BuildContext
from pydock.builders.images.docker_stream import docker_stream_to_file
from pydock.store.local import LocalStore
root, conf, compressor, build_dir = sys.argv[1:5]
store = LocalStore(root)
ctx = BuildContext(drv_path="", drv=None, store=store, outputs={"out": "/dev/stdout"}, output_paths={},
                   env={"conf": conf, "compressor": compressor}, build_dir=build_dir)
docker_stream_to_file(None, ctx)
"""

COMPRESSORS = {"gz": "pigz -nTR", "zstd": "zstd -T0 -q -c"}


def run(quick: bool) -> list[dict]:
    mib = 64 if quick else 512
    runs = 2 if quick else 3
    fx = image_fixture(mib)
    rows = []
    with tempfile.TemporaryDirectory() as build_dir:
        stream = shlex.join(pydock_stream_cmd(fx.root, fx.conf_file))
        run_child(["sh", "-c", f"{stream} >/dev/null"])  # fills the digest table: steady state
        for comp, tool in COMPRESSORS.items():
            base_cmd = ["sh", "-c", f"{stream} | {tool}"]
            mine_cmd = [PYTHON, "-c", _BUILDER, fx.root, fx.conf_store_path, comp, build_dir]
            ref = run_child(base_cmd, digest=True)
            mine = run_child(mine_cmd, digest=True)
            best = best_of(runs, {"base": lambda c=base_cmd: run_child(c), "mine": lambda c=mine_cmd: run_child(c)})
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
