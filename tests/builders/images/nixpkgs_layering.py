"""nixpkgs' ``auto-layer.py`` and ``closure-graph.py``, run as oracles on many graphs at once.

Each script is loaded from ``../shared/reference/nixpkgs`` inside one child interpreter per
batch (never copied): ``auto_layer`` is called per graph; ``closure-graph.py``, which does its
work when executed, is executed once per graph with its usual ``FILE KEY`` arguments.  The child
runs with ``PYTHONHASHSEED=0``, as nixpkgs' builds do, because both scripts' results depend on
Python's set order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from nix_compat_tests.nixpkgs_reference import AUTO_LAYER, CLOSURE_GRAPH, nixpkgs_file

_DRIVER = r"""
import contextlib, importlib.util, io, json, os, runpy, sys, tempfile
kind, script = sys.argv[1], sys.argv[2]
jobs = json.load(sys.stdin)
results = []
if kind == "auto-layer":
    spec = importlib.util.spec_from_file_location("auto_layer", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for graph, ignore, limit in jobs:
        results.append(module.auto_layer(graph, set(ignore), limit))
else:
    for graph in jobs:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"graph": graph}, f)
        out = io.StringIO()
        sys.argv = [script, f.name, "graph"]
        with contextlib.redirect_stdout(out):
            runpy.run_path(script, run_name="__main__")
        os.unlink(f.name)
        results.append(out.getvalue().splitlines())
json.dump(results, sys.stdout)
"""


def _run(kind: str, script: str, jobs: list) -> list:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        [sys.executable, "-c", _DRIVER, kind, script], input=json.dumps(jobs), capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, f"nixpkgs' {kind} failed:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout)


def nixpkgs_auto_layer(jobs: list[tuple[list[dict], list[str], int]]) -> list[list[list[str]]]:
    """``auto_layer(graph, ignore, limit)`` of nixpkgs' auto-layer.py for each job."""
    return _run("auto-layer", str(nixpkgs_file(AUTO_LAYER)), [list(j) for j in jobs])


def nixpkgs_popularity(graphs: list[list[dict]]) -> list[list[str]]:
    """The lines closure-graph.py prints (most popular first) for each graph."""
    return _run("closure-graph", str(nixpkgs_file(CLOSURE_GRAPH)), graphs)
