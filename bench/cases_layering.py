"""Layering a 10,000-path closure graph: pydock against nixpkgs' ``auto-layer.py`` / ``closure-graph.py``.

The graph is synthetic but shaped like a store closure: paths reference earlier paths,
mostly the low-level ones many packages share (a libc-like core), some reference
themselves, sizes are log-normal.  Both sides run as child processes (start-up and JSON
loading included) with ``PYTHONHASHSEED=0``, as nixpkgs' builds run the scripts; the
outputs must be identical.

* auto-layer: ``auto_layer(graph, ignore, 99)`` (buildLayeredImage's default, maxLayers 100);
* popularity pipeline: ``[["popularity_contest"], ["limit_layers", 99]]`` through pydock's
  pipeline runner, against ``closure-graph.py``'s order (the pipeline's layers, flattened,
  are that order).
"""

from __future__ import annotations

import json
import os
import random
import tempfile

from bench.cases_stream import NIXPKGS
from bench.measure import PYTHON, best_of, row, run_child

AUTO_LAYER = os.path.join(NIXPKGS, "pkgs", "build-support", "docker", "auto-layer.py")
CLOSURE_GRAPH = os.path.join(NIXPKGS, "pkgs", "build-support", "references-by-popularity", "closure-graph.py")
B32 = "0123456789abcdfghijklmnpqrsvwxyz"
NAMES = ["glibc", "bash", "zlib", "openssl", "python3", "perl", "gcc-lib", "ncurses", "lib", "tool", "data"]

_PYDOCK_AUTO = """
import json, sys
from pydock.builders.images.layering import auto_layer
graph = json.load(open(sys.argv[1]))
print(json.dumps(auto_layer(graph, set(), int(sys.argv[2]))))
"""
_PYDOCK_POPULARITY = """
import json, sys
from pydock.builders.images.layering_pipeline import run_pipeline
graph = json.load(open(sys.argv[1]))["graph"]
layers = run_pipeline(graph, [["popularity_contest"], ["limit_layers", int(sys.argv[2])]])
print("\\n".join(p for layer in layers for p in layer))
"""


def closure_graph(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    paths = [f"/nix/store/{''.join(rng.choices(B32, k=32))}-{rng.choice(NAMES)}-{i}" for i in range(n)]
    nodes = []
    for i, p in enumerate(paths):
        refs = sorted({paths[int(i * rng.random() ** 3)] for _ in range(rng.randint(0, 6))}) if i else []
        if rng.random() < 0.3:
            refs.append(p)
        nodes.append({"path": p, "narSize": int(rng.lognormvariate(11, 2)), "references": refs})
    rng.shuffle(nodes)
    return nodes


def run(quick: bool) -> list[dict]:
    n, limit = 10_000, 99
    runs = 1 if quick else 3
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        graph_file = os.path.join(tmp, "graph.json")
        wrapped = os.path.join(tmp, "wrapped.json")
        ignore = os.path.join(tmp, "ignore")
        graph = closure_graph(n)
        with open(graph_file, "w") as f:
            json.dump(graph, f)
        with open(wrapped, "w") as f:
            json.dump({"graph": graph}, f)
        open(ignore, "w").close()
        cases = (
            (
                "auto-layer 10k paths",
                "nixpkgs auto-layer.py",
                [PYTHON, AUTO_LAYER, graph_file, ignore, str(limit)],
                [PYTHON, "-c", _PYDOCK_AUTO, graph_file, str(limit)],
                json.loads,
            ),
            (
                "popularity pipeline 10k paths",
                "nixpkgs closure-graph.py",
                [PYTHON, CLOSURE_GRAPH, wrapped, "graph"],
                [PYTHON, "-c", _PYDOCK_POPULARITY, wrapped, str(limit)],
                lambda out: out.split(),
            ),
        )
        for label, base_name, base_cmd, mine_cmd, parse in cases:
            tail = 64 << 20

            def side(cmd: list[str]) -> object:
                return lambda: run_child(cmd, env=env, keep_tail=tail)

            best = best_of(runs, {"base": side(base_cmd), "mine": side(mine_cmd)})
            same = parse(best["base"].stdout_tail.decode()) == parse(best["mine"].stdout_tail.decode())
            rows.append(
                row(
                    label,
                    best["mine"],
                    base_name,
                    best["base"],
                    target="< 1.0 s, same output",
                    met=same and best["mine"].wall < 1.0,
                    note="identical output" if same else "OUTPUT DIFFERS",
                )
            )
    return rows
